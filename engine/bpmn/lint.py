"""Deploy-time checks of diagrams and decision tables, on the XML so errors carry lines.

SpiffWorkflow accepts many diagrams that fail only when a case reaches the bad part
(a Python error in a condition, an unquoted timer `P90D`, a missing called process or
decision), and some that silently lose steps (a flow pointing at an element that does
not exist). We refuse them at deploy time instead: every expression is compiled through
the safe subset, and one that needs no case data is evaluated on the expression budget
(engine.bpmn.scripting) so that a constant that could never finish is refused here;
every reference is resolved, every flow's ends exist and every element can be reached
from a start; durations, dates and constant multi-instance counts stay within
engine.bpmn.bounds; scripts, service tasks and data stores are refused; the human-task
properties of processes/README.md are checked; DMN cells are capped in length before
any regular expression sees them. Each problem is an `InvalidProcess` naming the file,
the line and the element, with the id of the drawn element it belongs to.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator
from typing import Any

from lxml import etree

from engine.bpmn import bounds
from engine.bpmn.scripting import (
    MAX_EXPRESSION_LENGTH,
    SafeEnvironment,
    TooCostly,
    check_expression,
    shorten,
)
from engine.errors import InvalidProcess

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
DI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}

HUMAN_TASK_TAGS = ("userTask", "manualTask")
DMN_HIT_POLICIES = ("UNIQUE", "COLLECT")
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# What an unquoted ISO duration/date looks like when it is parsed as a Python name.
_LOOKS_LIKE_ISO = re.compile(r"^(R\d*|P)[0-9TWYMDHS.,/]*$", re.IGNORECASE)


def _line(element: etree._Element) -> int | None:
    return element.sourceline if isinstance(element.sourceline, int) else None


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _describe(element: etree._Element) -> str:
    ident = element.get("id")
    return f"{_local(element)} {ident!r}" if ident else _local(element)


def drawn_element_id(element: etree._Element) -> str | None:
    """The id of the element an editor shows for `element`: the nearest of it and its
    ancestors that the file draws (a timer definition's event, a property's task), else
    the nearest with an id."""
    root = element.getroottree().getroot()
    drawn = {
        shape.get("bpmnElement")
        for shape in root.iter(f"{{{DI_NS}}}BPMNShape", f"{{{DI_NS}}}BPMNEdge")
    }
    nearest = None
    for candidate in (element, *element.iterancestors()):
        ident = candidate.get("id")
        if ident and ident in drawn:
            return ident
        nearest = nearest or ident
    return nearest


def _fail(message: str, filename: str, element: etree._Element) -> InvalidProcess:
    return InvalidProcess(message, filename, _line(element), drawn_element_id(element))


_CONSTANTS = SafeEnvironment()
_NOT_CONSTANT = object()


def expression_error(expr: str | None, what: str, filename: str, element: etree._Element) -> Any:
    """Raise InvalidProcess when `expr` is empty, outside the safe subset, or needs no
    data and cannot be evaluated within the budget; returns its value when it needs no
    data, else `_NOT_CONSTANT`."""
    if expr is None or not expr.strip():
        raise _fail(f"{what} of {_describe(element)} is empty", filename, element)
    reason = check_expression(expr)
    if reason:
        message = f"{what} of {_describe(element)} ({shorten(expr)}): {reason}"
        raise _fail(message, filename, element)
    try:
        return _CONSTANTS.evaluate(expr, {})
    except TooCostly as exc:
        message = f"{what} of {_describe(element)} ({shorten(expr)}): {exc}"
        raise _fail(message, filename, element) from None
    except Exception:  # it reads case data (NameError), or fails only for some data
        return _NOT_CONSTANT


def parse_durations(text: str) -> list[str]:
    """Comma-separated ISO 8601 durations; ValueError when one is not."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise ValueError("no duration given")
    for item in items:
        check_duration(item)
    return items


def check_duration(text: str) -> None:
    """ValueError unless `text` is an ISO 8601 duration of at most bounds.MAX_YEARS."""
    bounds.parse_duration(text)


# --- BPMN ------------------------------------------------------------------------------


def lint_bpmn_document(
    tree: etree._ElementTree, filename: str, processes: Collection[str], decisions: Collection[str]
) -> list[str]:
    """Check every executable process in one BPMN file; returns warnings."""
    root = tree.getroot()
    warnings: list[str] = []
    _lint_document_expressions(root, filename)
    warnings.extend(_messages_without_variable(root, filename))
    for process in root.iterfind("bpmn:process", NS):
        if process.get("isExecutable", "true") != "true":
            continue
        _check_flows(process, filename)
        warnings.extend(_lint_process(process, filename, processes, decisions))
    return warnings


def refuse_data_stores(root: etree._Element, filename: str) -> None:
    """Data stores need an implementation registered with SpiffWorkflow; we have none."""
    for tag in ("dataStore", "dataStoreReference"):
        for el in root.iter(f"{{{BPMN_NS}}}{tag}"):
            name = f" ({el.get('name')!r})" if el.get("name") else ""
            raise _fail(f"{_describe(el)}{name}: data stores are not supported", filename, el)


# --- structure: every flow's ends exist, every element can be reached -------------------

_FLOW_NODES = frozenset(
    {
        "task", "userTask", "manualTask", "serviceTask", "scriptTask", "businessRuleTask",
        "sendTask", "receiveTask", "callActivity", "subProcess", "transaction",
        "adHocSubProcess", "startEvent", "endEvent", "intermediateCatchEvent",
        "intermediateThrowEvent", "boundaryEvent", "exclusiveGateway", "inclusiveGateway",
        "parallelGateway", "eventBasedGateway", "complexGateway",
    }
)  # fmt: skip
_SCOPES = frozenset({"subProcess", "transaction", "adHocSubProcess"})


def _is_root(el: etree._Element, has_start: bool, has_incoming: bool) -> bool:
    """Where a path through a scope may begin without an incoming flow."""
    name = _local(el)
    if name == "startEvent" or el.get("triggeredByEvent") == "true":
        return True
    if el.get("isForCompensation") == "true":
        return True  # started by compensation, through an association
    if name == "intermediateCatchEvent" and el.find("bpmn:linkEventDefinition", NS) is not None:
        return True  # reached by a link throw event, not a flow
    # BPMN: without a start event, every element without an incoming flow starts.
    return not has_start and not has_incoming and name != "boundaryEvent"


def _check_flows(scope: etree._Element, filename: str) -> None:
    """A flow whose end does not exist, or an element nothing leads to, silently drops
    steps from every case; refuse both, in this scope and every nested one."""
    nodes = {
        el.get("id"): el
        for el in scope
        if isinstance(el.tag, str)
        and el.tag.startswith(f"{{{BPMN_NS}}}")
        and _local(el) in _FLOW_NODES
    }
    following: dict[str, list[str]] = defaultdict(list)
    for flow in scope.iterfind("bpmn:sequenceFlow", NS):
        for end in ("sourceRef", "targetRef"):
            if flow.get(end) not in nodes:
                raise _fail(
                    f"{_describe(flow)}: its {end} {flow.get(end)!r} is not an element of "
                    f"{_describe(scope)}",
                    filename,
                    flow,
                )
        following[flow.get("sourceRef")].append(flow.get("targetRef"))
    for ident, el in nodes.items():
        if _local(el) == "boundaryEvent" and el.get("attachedToRef") in nodes:
            following[el.get("attachedToRef")].append(ident)
    has_start = any(_local(el) == "startEvent" for el in nodes.values())
    targets = {t for ts in following.values() for t in ts}
    todo = [i for i, el in nodes.items() if _is_root(el, has_start, i in targets)]
    reached = set(todo)
    while todo:
        for target in following[todo.pop()]:
            if target not in reached:
                reached.add(target)
                todo.append(target)
    for ident, el in nodes.items():
        if ident not in reached:
            raise _fail(
                f"{_describe(el)} cannot be reached from a start event of {_describe(scope)}",
                filename,
                el,
            )
        if _local(el) in _SCOPES:
            _check_flows(el, filename)


def _lint_document_expressions(root: etree._Element, filename: str) -> None:
    # Payloads and correlations live on bpmn:message/signal/... or on event definitions.
    for tag, what in (
        ("messagePayload", "message payload"),
        ("payloadExpression", "payload expression"),
    ):
        for el in root.iter(f"{{{SPIFF_NS}}}{tag}"):
            expression_error(el.text, what, filename, el)
    for el in root.iter(f"{{{SPIFF_NS}}}processVariableCorrelation"):
        for expr in el.iterfind("spiffworkflow:expression", NS):
            expression_error(expr.text, "correlation expression", filename, expr)
    for el in root.iter(f"{{{BPMN_NS}}}correlationPropertyRetrievalExpression"):
        for expr in el:
            if _local(expr) in ("formalExpression", "messagePath"):
                expression_error(expr.text, "correlation expression", filename, expr)
    for tag in ("messageVariable", "variableName"):
        for el in root.iter(f"{{{SPIFF_NS}}}{tag}"):
            if not _IDENTIFIER.match((el.text or "").strip()):
                raise _fail(f"{tag} {el.text!r} is not a valid variable name", filename, el)


def _messages_without_variable(root: etree._Element, filename: str) -> list[str]:
    # SpiffWorkflow drops a caught message's payload unless a messageVariable names
    # where to put it; that is almost never what the author meant.
    found = []
    catching = ("startEvent", "intermediateCatchEvent", "boundaryEvent", "receiveTask")
    for definition in root.iter(f"{{{BPMN_NS}}}messageEventDefinition"):
        event = definition.getparent()
        if _local(event) not in catching:
            continue
        message = root.find(f".//bpmn:message[@id='{definition.get('messageRef')}']", NS)
        places = [definition] + ([message] if message is not None else [])
        if not any(p.find(".//spiffworkflow:messageVariable", NS) is not None for p in places):
            found.append(
                f"{filename}:{_line(event)}: {_describe(event)} has no "
                f"spiffworkflow:messageVariable; the message payload is dropped"
            )
    return found


def _lint_process(
    process: etree._Element, filename: str, processes: Collection[str], decisions: Collection[str]
) -> list[str]:
    checks: dict[str, Callable[[etree._Element, str], list[str] | None]] = {
        "scriptTask": _refuse_script_task,
        "serviceTask": _refuse_service_task,
        "sequenceFlow": _check_sequence_flow,
        "timerEventDefinition": _check_timer,
        "conditionalEventDefinition": _check_conditional_event,
        "multiInstanceLoopCharacteristics": _check_multi_instance,
        "standardLoopCharacteristics": _check_standard_loop,
        "userTask": _check_human_task,
        "manualTask": _check_human_task,
    }
    warnings: list[str] = []
    for el in process.iter():
        name = _local(el)
        if (
            el.tag in (f"{{{SPIFF_NS}}}preScript", f"{{{SPIFF_NS}}}postScript")
            and (el.text or "").strip()
        ):
            raise _fail(
                f"{name} is not allowed (scripts are refused); "
                f"found on {_describe(el.getparent().getparent())}",
                filename,
                el,
            )
        if el.tag == f"{{{BPMN_NS}}}subProcess" and el.get("triggeredByEvent") == "true":
            _check_event_subprocess(el, filename)
        if el.tag == f"{{{BPMN_NS}}}callActivity":
            _check_call_activity(el, filename, processes)
        elif el.tag == f"{{{BPMN_NS}}}businessRuleTask":
            _check_business_rule(el, filename, decisions)
        elif el.tag.__class__ is str and el.tag.startswith(f"{{{BPMN_NS}}}") and name in checks:
            warnings.extend(checks[name](el, filename) or [])
    return warnings


def _check_event_subprocess(el: etree._Element, filename: str) -> None:
    # The engine implements interruption for message starts only (see
    # engine.bpmn.event_subprocesses); anything else would silently not interrupt.
    for start in el.iterfind("bpmn:startEvent", NS):
        if start.get("isInterrupting", "true") != "true":
            continue
        if start.find("bpmn:messageEventDefinition", NS) is None:
            raise _fail(
                f"{_describe(start)}: an interrupting event subprocess must start "
                f'with a message; mark it isInterrupting="false"',
                filename,
                start,
            )


def _refuse_script_task(el: etree._Element, filename: str) -> None:
    raise _fail(
        f"{_describe(el)}: script tasks are not allowed; use a business rule "
        f"task (DMN) or expressions",
        filename,
        el,
    )


def _refuse_service_task(el: etree._Element, filename: str) -> None:
    raise _fail(f"{_describe(el)}: service tasks are not supported", filename, el)


def _check_sequence_flow(el: etree._Element, filename: str) -> None:
    for cond in el.iterfind("bpmn:conditionExpression", NS):
        expression_error(cond.text, "condition", filename, el)


def _check_conditional_event(el: etree._Element, filename: str) -> None:
    for cond in el.iterfind("bpmn:condition", NS):
        expression_error(cond.text, "condition", filename, el)


def _check_standard_loop(el: etree._Element, filename: str) -> None:
    for cond in el.iterfind("bpmn:loopCondition", NS):
        expression_error(cond.text, "loop condition", filename, el)


def _check_multi_instance(el: etree._Element, filename: str) -> None:
    parts = (
        ("loopCardinality", "loop cardinality"),
        ("completionCondition", "completion condition"),
        ("loopDataInputRef", "input collection"),
        ("loopDataOutputRef", "output collection"),
    )
    for tag, what in parts:
        for part in el.iterfind(f"bpmn:{tag}", NS):
            value = expression_error(part.text, what, filename, el.getparent())
            if (
                tag == "loopCardinality"
                and isinstance(value, int)
                and (value > bounds.MAX_INSTANCES)
            ):
                raise _fail(
                    f"loop cardinality of {_describe(el.getparent())} is {value:,}; at most "
                    f"{bounds.MAX_INSTANCES:,} instances are allowed",
                    filename,
                    part,
                )


def _check_timer(el: etree._Element, filename: str) -> None:
    task = el.getparent()
    for part in el:
        kind = _local(part)
        if kind not in ("timeDate", "timeDuration", "timeCycle"):
            continue
        text = (part.text or "").strip()
        if _LOOKS_LIKE_ISO.match(text):
            raise _fail(
                f"timer of {_describe(task)}: {text!r} must be quoted, e.g. "
                f'"{text}" (timer expressions are expressions)',
                filename,
                part,
            )
        constant = expression_error(text, "timer", filename, task)
        if constant is _NOT_CONSTANT:
            continue  # computed from case data: checked when a case computes it
        try:
            bounds.check_timer_value(kind, constant)
        except ValueError as exc:
            raise _fail(
                f"timer of {_describe(task)}: {shorten(str(constant))} is not a valid "
                f"{kind}: {exc}",
                filename,
                part,
            ) from None


def _check_call_activity(el: etree._Element, filename: str, processes: Collection[str]) -> None:
    called = el.get("calledElement")
    if not called:
        raise _fail(f"{_describe(el)} has no calledElement", filename, el)
    if called not in processes:
        raise _fail(
            f"{_describe(el)} calls process {called!r}, which is not an executable "
            f"process in the library",
            filename,
            el,
        )


def _check_business_rule(el: etree._Element, filename: str, decisions: Collection[str]) -> None:
    ids = [
        d.text.strip()
        for d in el.iterfind("bpmn:extensionElements/spiffworkflow:calledDecisionId", NS)
        if d.text
    ]
    if not ids:
        raise _fail(f"{_describe(el)} has no spiffworkflow:calledDecisionId", filename, el)
    if ids[0] not in decisions:
        raise _fail(
            f"{_describe(el)} calls decision {ids[0]!r}, which is not in any DMN "
            f"file of the library",
            filename,
            el,
        )


def task_properties(el: etree._Element) -> dict[str, tuple[str, etree._Element]]:
    """The spiffworkflow:property name → (value, element) of a task element."""
    found: dict[str, tuple[str, etree._Element]] = {}
    path = "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"
    for prop in el.iterfind(path, NS):
        if prop.get("name"):
            found[prop.get("name")] = (prop.get("value") or "", prop)
    return found


def _check_human_task(el: etree._Element, filename: str) -> list[str]:
    warnings: list[str] = []
    props = task_properties(el)
    for name, (value, prop) in props.items():
        try:
            _check_human_task_property(name, value)
        except ValueError as exc:
            raise _fail(f"{_describe(el)}: property {name!r}: {exc}", filename, prop) from None
        if name == "due_date" or (name.startswith("deadline:") and name.count(":") == 1):
            expression_error(value, f"property {name!r}", filename, el)
    if "due" in props and "due_date" in props:
        warnings.append(
            f"{filename}:{_line(el)}: {_describe(el)} has both 'due' and "
            f"'due_date'; 'due_date' wins"
        )
    return warnings


def parse_names(value: str) -> list[str]:
    """A comma-separated list of field names (the `needs` property)."""
    names = [part.strip() for part in value.split(",") if part.strip()]
    for name in names:
        if not _IDENTIFIER.match(name):
            raise ValueError(f"{name!r} is not a field name")
    return names


def _check_human_task_property(name: str, value: str) -> None:
    if name == "due":
        check_duration(value.strip())
    elif name == "reminders" or (name.startswith("deadline:") and name.endswith(":reminders")):
        parse_durations(value)
    elif name == "needs":
        parse_names(value)
    elif name == "role_variable":
        if not _IDENTIFIER.match(value.strip()):
            raise ValueError(f"{value!r} is not a variable name")
    elif name.startswith("deadline:"):
        subject = name.split(":")[1]
        if (
            not subject
            or name.count(":") > 2
            or (name.count(":") == 2 and not name.endswith(":reminders"))
        ):
            raise ValueError("expected 'deadline:<subject>' or 'deadline:<subject>:reminders'")


# --- DMN -------------------------------------------------------------------------------


def _children(el: etree._Element, local: str) -> Iterator[etree._Element]:
    return (child for child in el if _local(child) == local)


def _text_of(el: etree._Element) -> str | None:
    for child in _children(el, "text"):
        return child.text
    return None


def decisions_in(root: etree._Element) -> list[etree._Element]:
    return [el for el in root.iter() if _local(el) == "decision"]


def lint_dmn_document(root: etree._Element, filename: str) -> None:
    """One decision per file, supported hit policies, every cell in the safe subset."""
    decisions = decisions_in(root)
    if len(decisions) != 1:
        raise _fail(
            f"a DMN file must hold exactly one decision, found {len(decisions)}", filename, root
        )
    for table in (el for el in decisions[0].iter() if _local(el) == "decisionTable"):
        policy = table.get("hitPolicy", "UNIQUE").upper()
        if policy not in DMN_HIT_POLICIES:
            raise _fail(
                f"hit policy {policy} is not supported (UNIQUE or COLLECT)", filename, table
            )
        inputs = list(_children(table, "input"))
        for inp in inputs:
            expr_el = next(_children(inp, "inputExpression"), None)
            text = _text_of(expr_el) if expr_el is not None else None
            expression_error(
                text, "input expression", filename, expr_el if expr_el is not None else inp
            )
        for rule in _children(table, "rule"):
            entries = list(_children(rule, "inputEntry"))
            if len(entries) != len(inputs):
                raise _fail(
                    f"rule {rule.get('id')!r} has {len(entries)} input entries for "
                    f"{len(inputs)} inputs",
                    filename,
                    rule,
                )
            for entry in entries:
                _check_input_entry(_text_of(entry), filename, entry)
            for entry in _children(rule, "outputEntry"):
                text = _text_of(entry)
                if text and text.strip():
                    expression_error(text, "output entry", filename, entry)


def replace_placeholders(text: str) -> str:
    """`text` with every `?` outside quotes replaced by `dmninputexpr`, as SpiffWorkflow's
    DMNEngine does. Its regular expression (a `?` followed by an even number of quote
    characters) is quadratic; this is the same rule in one pass from the end."""
    out: list[str] = []
    quotes_after = 0
    for char in reversed(text):
        if char in "'\"":
            quotes_after += 1
        out.append("dmninputexpr" if char == "?" and quotes_after % 2 == 0 else char)
    return "".join(reversed(out))


def _check_input_entry(text: str | None, filename: str, entry: etree._Element) -> None:
    if text is None or not text.strip() or text.strip() == "-":
        return  # "any value"
    if len(text) > MAX_EXPRESSION_LENGTH:
        # SpiffWorkflow runs a quadratic regular expression over every entry.
        raise _fail(
            f"input entry {_describe(entry)} is longer than {MAX_EXPRESSION_LENGTH} characters",
            filename,
            entry,
        )
    replaced = replace_placeholders(text)
    if replaced != text:
        expression_error(replaced, "input entry", filename, entry)
        return
    # Either a complete expression compared with ==, or a fragment like `< 5` that the
    # engine appends to the input expression.
    reason = check_expression(text)
    if reason and reason.startswith("invalid expression syntax"):
        reason = check_expression(f"v {text}")
    if reason:
        raise _fail(f"input entry ({shorten(text)}): {reason}", filename, entry)
