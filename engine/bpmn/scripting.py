"""The safe expression environment: every expression a diagram contains runs here.

SpiffWorkflow evaluates conditions, timers, DMN cells, multi-instance expressions,
message payloads and correlations as Python with `eval`, unsandboxed. We replace its
environment with one that first parses the expression and accepts only a whitelisted
subset of the syntax (see processes/README.md): names not starting with `_`, constants,
arithmetic, comparisons, boolean logic, indexing, literals, comprehensions, f-strings
and calls to a few pure functions. There is no attribute access at all, so nothing can
walk from a value to its class, its module or the interpreter. `**` and shifts are
refused outright (a single `10**10**10` would hang the process); repetition with `*`
and `%`-formatting are checked at run time so a constant cannot allocate gigabytes;
expressions are capped in length. Scripts (script tasks, pre/post scripts) are refused.

Every evaluation also runs on a budget (`_Budget`), because a short expression can still
loop for hours (`any(0 for a in 'x'*99999 for b in 'x'*99999)`) or fill memory inside a
comprehension. The compiler routes every comprehension's iterable through a counter
(at most MAX_STEPS iterations per evaluation) and charges the size of every sequence an
operation reads or builds (at most MAX_WORK items or characters per evaluation); a
wall-clock check every thousand iterations is the backstop. Exceeding any of them is a
`TooCostly` error, which SpiffWorkflow reports on the element that evaluated it.
"""

from __future__ import annotations

import ast
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from types import CodeType
from typing import Any
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.bpmn import bounds, clock

MAX_EXPRESSION_LENGTH = 2000
MAX_REPEAT_ITEMS = 10_000  # elements of a list/tuple built with `*`
MAX_REPEAT_CHARS = 100_000  # characters of a string built with `*` or `%`
MAX_INT_BITS = 4096  # size of an integer product
MAX_FORMAT_WIDTH = 1000  # width/precision in f-string specs and %-formats
# Per evaluation: iterations of all comprehensions together, items or characters read or
# built by operations on sequences, and (a backstop for what counting misses) seconds.
MAX_STEPS = 100_000
MAX_WORK = 2_000_000
MAX_SECONDS = 1.0
_TIME_CHECK_EVERY = 1024  # iterations between two looks at the clock


class UnsafeExpression(ValueError):
    """The expression uses syntax or names outside the safe subset."""


class TooCostly(ValueError):
    """The expression would take too long or build too much; it was stopped."""


# --- functions an expression may call -------------------------------------------------


def _parse_iso(value: str | date) -> date | datetime:
    if isinstance(value, datetime | date):
        return value
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO date or datetime string, got {type(value).__name__}")
    text = value.strip()
    if len(text) == 10:
        return date.fromisoformat(text)
    return datetime.fromisoformat(text)


def add_days(iso: str, n: int) -> str:
    """`iso` plus `n` days, in the same form: a date stays a date, a datetime a datetime."""
    if isinstance(n, bool) or not isinstance(n, int | float):
        raise TypeError("add_days needs a number of days")
    value = _parse_iso(iso)
    result = (value + timedelta(days=n)).isoformat()
    if isinstance(iso, str) and iso.strip().endswith("Z") and result.endswith("+00:00"):
        result = result[: -len("+00:00")] + "Z"
    return result


def _as_utc_datetime(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def days_between(a: str, b: str) -> int:
    """Whole days from `a` to `b` (negative when `b` is before `a`)."""
    first, second = _parse_iso(a), _parse_iso(b)
    if not isinstance(first, datetime) and not isinstance(second, datetime):
        return (second - first).days
    return (_as_utc_datetime(second) - _as_utc_datetime(first)).days


# The host countries' legal time zones: a period "ends on" a date at the end of that
# day where she lives, not at 00:00 UTC (which in Helsinki is still 02:00 the same day,
# and in Reykjavik the start of it).
COUNTRY_ZONES = {
    "DK": "Europe/Copenhagen",
    "EE": "Europe/Tallinn",
    "FI": "Europe/Helsinki",
    "IS": "Atlantic/Reykjavik",
    "LV": "Europe/Riga",
    "LT": "Europe/Vilnius",
    "NO": "Europe/Oslo",
    "SE": "Europe/Stockholm",
}


def end_of_day(iso: str, country: str) -> str:
    """The UTC instant at which the day `iso` ends in `country`'s time zone (UTC for a
    country outside the network), as `YYYY-MM-DDTHH:MM:SSZ`."""
    value = _parse_iso(iso)
    day = value.date() if isinstance(value, datetime) else value
    zone = ZoneInfo(COUNTRY_ZONES.get(str(country), "UTC"))
    after = day + timedelta(days=1)
    midnight = datetime(after.year, after.month, after.day, tzinfo=zone)
    return midnight.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def today() -> str:
    """The engine clock's date (UTC), e.g. to pick the rule valid on the day of a decision."""
    return clock.now().date().isoformat()


def _safe_sum(iterable: Iterable[Any], start: int | float = 0) -> Any:
    # Builtin sum() with a list start concatenates quadratically; numbers only.
    if isinstance(start, bool) or not isinstance(start, int | float):
        raise TypeError("sum() adds numbers only")
    return sum(iterable, start)


MAX_ROUND_DIGITS = 100


def _safe_round(number: Any, ndigits: Any = None) -> Any:
    # round(5, -99999999) computes 10**99999999 in one C call: minutes at full CPU.
    if ndigits is not None and isinstance(ndigits, int) and abs(ndigits) > MAX_ROUND_DIGITS:
        raise TooCostly(f"round() to more than {MAX_ROUND_DIGITS} digits")
    return round(number) if ndigits is None else round(number, ndigits)


SAFE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len,
    "min": min,
    "max": max,
    "abs": abs,
    "round": _safe_round,
    "sorted": sorted,
    "sum": _safe_sum,
    "any": any,
    "all": all,
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "list": list,
    "dict": dict,
    "set": set,
    "tuple": tuple,
    "add_days": add_days,
    "days_between": days_between,
    "end_of_day": end_of_day,
    "today": today,
}


# --- runtime guards the compiler inserts ----------------------------------------------

_SCALARS = (str, int, float, bool, type(None))
_SIZED = frozenset({str, list, tuple, dict, set, frozenset, bytes})


def _guarded_mul(a: Any, b: Any) -> Any:
    if isinstance(a, int | float) and isinstance(b, str | list | tuple):
        a, b = b, a
    if isinstance(a, str) and isinstance(b, int):
        if len(a) * max(b, 0) > MAX_REPEAT_CHARS:
            raise TooCostly("string repetition too large")
    elif isinstance(a, list | tuple) and isinstance(b, int):
        if len(a) * max(b, 0) > MAX_REPEAT_ITEMS:
            raise TooCostly("sequence repetition too large")
        if not all(isinstance(item, _SCALARS) for item in a):
            raise ValueError("only sequences of plain values may be repeated")
    elif (
        isinstance(a, int)
        and isinstance(b, int)
        and (a.bit_length() + b.bit_length() > MAX_INT_BITS)
    ):
        raise TooCostly("number too large")
    return a * b


_PERCENT_FORMAT = re.compile(r"%(?:\([^)]*\))?[-+ #0]*(\*|\d+)?(?:\.(\*|\d+))?")


def _guarded_mod(a: Any, b: Any) -> Any:
    if isinstance(a, str):
        for match in _PERCENT_FORMAT.finditer(a):
            for part in match.groups():
                if part == "*" or (part and int(part) > MAX_FORMAT_WIDTH):
                    raise TooCostly("format width too large")
        result = a % b
        if len(result) > MAX_REPEAT_CHARS:
            raise TooCostly("formatted string too large")
        return result
    return a % b


class _Budget:
    """What one evaluation may still spend; the compiled code calls these as `_nb.*`."""

    __slots__ = ("steps", "work", "next_check", "started")

    def __init__(self) -> None:
        self.steps = 0
        self.work = 0
        self.next_check = min(_TIME_CHECK_EVERY, MAX_STEPS)
        self.started = 0.0

    def loop(self, iterable: Iterable[Any]) -> Iterator[Any]:
        """Iterate `iterable`, counting every item against MAX_STEPS."""
        for item in iterable:
            self.steps += 1
            if self.steps >= self.next_check:
                self._check_steps()
            yield item

    def _check_steps(self) -> None:
        if self.steps > MAX_STEPS:
            raise TooCostly(f"the expression needs more than {MAX_STEPS:,} loop steps")
        now = time.perf_counter()
        if not self.started:
            self.started = now
        elif now - self.started > MAX_SECONDS:
            raise TooCostly(f"the expression ran for more than {MAX_SECONDS:g} s")
        self.next_check = min(self.steps + _TIME_CHECK_EVERY, MAX_STEPS + 1)

    def charge(self, size: int) -> None:
        self.work += size
        if self.work > MAX_WORK:
            raise TooCostly(f"the expression handles more than {MAX_WORK:,} items or characters")

    def made(self, value: Any) -> Any:
        """Charge a value an operation built (or read whole) by its length; return it."""
        if type(value) in _SIZED:
            self.charge(len(value))
        return value

    def call(self, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        # A whitelisted function does work proportional to its arguments and its result.
        for arg in args:
            if type(arg) in _SIZED:
                self.charge(len(arg))
        return self.made(func(*args, **kwargs))

    def mul(self, a: Any, b: Any) -> Any:
        return self.made(_guarded_mul(a, b))

    def mod(self, a: Any, b: Any) -> Any:
        return self.made(_guarded_mod(a, b))


# --- the compiler: whitelist, rewrite, compile -----------------------------------------

_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression, ast.Constant, ast.Name, ast.Load, ast.Store,
    ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod,
    ast.BitOr, ast.BitAnd, ast.BitXor,
    ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.Invert,
    ast.BoolOp, ast.And, ast.Or,
    ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
    ast.In, ast.NotIn, ast.Is, ast.IsNot,
    ast.IfExp, ast.Subscript, ast.Slice,
    ast.List, ast.Tuple, ast.Dict, ast.Set, ast.Starred,
    ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.comprehension,
    ast.JoinedStr, ast.FormattedValue,
    ast.Call, ast.keyword,
)  # fmt: skip

_NODE_WORDS = {
    ast.Attribute: "attribute access (x.y)",
    ast.Lambda: "lambda",
    ast.NamedExpr: "assignment expressions (:=)",
    ast.Pow: "the ** operator",
    ast.LShift: "bit shifts",
    ast.RShift: "bit shifts",
    ast.MatMult: "the @ operator",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}

_CONSTANT_TYPES = (str, int, float, bool, type(None))


def _refuse(node: ast.AST, what: str) -> UnsafeExpression:
    return UnsafeExpression(f"{what} is not allowed (column {getattr(node, 'col_offset', 0) + 1})")


def _check_node(node: ast.AST) -> None:
    if not isinstance(node, _ALLOWED_NODES):
        raise _refuse(node, _NODE_WORDS.get(type(node), type(node).__name__))
    if isinstance(node, ast.Name) and node.id.startswith("_"):
        raise _refuse(node, f"the name {node.id!r}")
    if isinstance(node, ast.Constant) and not isinstance(node.value, _CONSTANT_TYPES):
        raise _refuse(node, f"a {type(node.value).__name__} constant")
    if isinstance(node, ast.Call) and (
        not isinstance(node.func, ast.Name) or node.func.id not in SAFE_FUNCTIONS
    ):
        shown = node.func.id if isinstance(node.func, ast.Name) else "this call"
        raise _refuse(node, f"calling {shown}")
    if isinstance(node, ast.keyword) and node.arg is not None and node.arg.startswith("_"):
        raise _refuse(node, f"the keyword {node.arg!r}")
    if isinstance(node, ast.comprehension) and node.is_async:
        raise _refuse(node, "async comprehensions")
    if isinstance(node, ast.comprehension) and not _plain_target(node.target):
        raise _refuse(node, "assigning to an item in a comprehension")
    if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
        _check_format_spec(node.format_spec)


def _plain_target(target: ast.AST) -> bool:
    # `for x['k'] in …` would write into the case data.
    if isinstance(target, ast.Starred):
        return _plain_target(target.value)
    if isinstance(target, ast.Tuple | ast.List):
        return all(_plain_target(e) for e in target.elts)
    return isinstance(target, ast.Name)


def _check_format_spec(spec: ast.AST) -> None:
    # A computed spec could ask for a gigabyte of padding; allow constant specs only.
    assert isinstance(spec, ast.JoinedStr)
    for part in spec.values:
        if not isinstance(part, ast.Constant):
            raise _refuse(part, "a computed format spec")
        if any(int(n) > MAX_FORMAT_WIDTH for n in re.findall(r"\d+", str(part.value))):
            raise _refuse(part, "a format width this large")


def _budget(method: str, *args: ast.expr) -> ast.Call:
    # `_nb` cannot be written by users (names starting with _ are refused above).
    func = ast.Attribute(value=ast.Name(id="_nb", ctx=ast.Load()), attr=method, ctx=ast.Load())
    return ast.Call(func=func, args=list(args), keywords=[])


def _is_constant(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return all(isinstance(e, ast.Constant) for e in node.elts)
    return False


class _Bound(ast.NodeTransformer):
    """Put every costly operation on the evaluation's budget (see `_Budget`)."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Mult):
            call = _budget("mul", node.left, node.right)
        elif isinstance(node.op, ast.Mod):
            call = _budget("mod", node.left, node.right)
        elif _is_constant(node.left) and _is_constant(node.right):
            return node
        else:
            call = _budget("made", node)
        return ast.copy_location(call, node)

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
        self.generic_visit(node)
        node.iter = ast.copy_location(_budget("loop", node.iter), node.iter)
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        call = _budget("call", node.func, *node.args)
        call.keywords = node.keywords
        return ast.copy_location(call, node)

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        # `==`, `<` and `in` may read their operands whole; against a constant the work
        # is bounded by the constant (for `in`, when the constant is the container).
        self.generic_visit(node)
        if len(node.ops) == 1:
            left, right = node.left, node.comparators[0]
            if _is_constant(right) or (
                _is_constant(left) and not isinstance(node.ops[0], ast.In | ast.NotIn)
            ):
                return node
        operands = [node.left, *node.comparators]
        node.left, *node.comparators = [
            o if _is_constant(o) else ast.copy_location(_budget("made", o), o) for o in operands
        ]
        return node

    def _made(self, node: ast.expr) -> ast.AST:
        self.generic_visit(node)
        return ast.copy_location(_budget("made", node), node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        return self._made(node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        # Its format spec is a JoinedStr that must stay one (and is constant, see above).
        node.value = self.visit(node.value)
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if isinstance(node.slice, ast.Slice):
            return self._made(node)
        self.generic_visit(node)
        return node

    def _display(self, node: ast.List | ast.Tuple | ast.Set | ast.Dict) -> ast.AST:
        # `[*a, *b]` and `{**a, **b}` copy whole sequences.
        unpacks = (
            any(key is None for key in node.keys)
            if isinstance(node, ast.Dict)
            else any(isinstance(e, ast.Starred) for e in node.elts)
        )
        if unpacks and isinstance(getattr(node, "ctx", ast.Load()), ast.Load):
            return self._made(node)
        self.generic_visit(node)
        return node

    visit_List = visit_Tuple = visit_Set = visit_Dict = _display


@lru_cache(maxsize=4096)
def compile_expression(expression: str) -> CodeType:
    """Check `expression` against the safe subset and compile it; cached by text.

    Raises SyntaxError for invalid syntax (the DMN engine relies on that to tell a
    complete expression from a fragment like `< 5`) and UnsafeExpression otherwise.
    """
    if not isinstance(expression, str):
        raise UnsafeExpression("an expression must be text")
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise UnsafeExpression(f"expression longer than {MAX_EXPRESSION_LENGTH} characters")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        raise
    except (ValueError, RecursionError, MemoryError) as exc:  # NUL bytes, absurd nesting
        raise SyntaxError(f"cannot parse expression: {exc}") from None
    for node in ast.walk(tree):
        _check_node(node)
    tree = ast.fix_missing_locations(_Bound().visit(tree))
    return compile(tree, "<expression>", "eval")


def shorten(expression: str, limit: int = 80) -> str:
    """An expression as an error message quotes it: stripped, and cut when long."""
    text = " ".join(str(expression).split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def check_expression(expr: str) -> str | None:
    """A readable reason why `expr` may not be used, or None when it is fine."""
    try:
        compile_expression(expr)
    except SyntaxError as exc:
        return f"invalid expression syntax: {exc.msg}"
    except UnsafeExpression as exc:
        return str(exc)
    return None


# --- the SpiffWorkflow side ------------------------------------------------------------


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates whitelisted expressions against task data; executes nothing."""

    def evaluate(
        self,
        expression: str,
        context: Mapping[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> Any:
        code = compile_expression(expression)
        # Everything goes into globals: comprehensions are nested scopes that cannot see
        # eval()'s locals. Our functions go last so data cannot shadow them, and an
        # explicit empty __builtins__ stops eval() from inserting the real ones.
        namespace: dict[str, Any] = {}
        namespace.update(external_context or {})
        namespace.update(context)
        namespace.update(SAFE_FUNCTIONS)
        namespace["_nb"] = _Budget()
        namespace["__builtins__"] = {}
        return eval(code, namespace)  # noqa: S307 - code is whitelisted and rewritten above

    def execute(self, script: str, context: Any, external_context: Any = None) -> bool:
        raise UnsafeExpression("scripts are not allowed in Nordic Baltic Assist diagrams")

    def call_service(self, context: Any, **kwargs: Any) -> Any:
        raise UnsafeExpression("service tasks are not supported")


class SafeScriptEngine(PythonScriptEngine):
    """A PythonScriptEngine that only evaluates the safe expression subset."""

    def __init__(self) -> None:
        super().__init__(environment=SafeEnvironment())

    def validate(self, expression: str) -> None:
        compile_expression(expression)

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        # As PythonScriptEngine.evaluate, but the error says what went wrong (not only
        # "Error evaluating expression"), and a timer's value is checked before
        # SpiffWorkflow's date arithmetic sees it (see engine.bpmn.bounds).
        try:
            value = self.environment.evaluate(expression, task.data, external_context)
            kind = bounds.timer_kind(task, expression)
            if kind is not None:
                bounds.check_timer_value(kind, value)
        except SpiffWorkflowException:
            raise
        except Exception as exc:
            raise WorkflowTaskException(
                f"expression {shorten(expression)} failed: {exc}", task=task, exception=exc
            ) from None
        return value

    def execute(self, task: Any, script: str, external_context: Any = None) -> bool:
        if task is None:
            raise UnsafeExpression("scripts are not allowed in Nordic Baltic Assist diagrams")
        raise WorkflowTaskException(
            "scripts are not allowed in Nordic Baltic Assist diagrams", task=task
        )

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        raise WorkflowTaskException("service tasks are not supported", task=task)


SAFE_ENGINE = SafeScriptEngine()
