"""engine.bpmn.scripting: diagrams evaluate a safe expression subset, never code."""

from __future__ import annotations

import pytest
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.bpmn import runtime
from engine.bpmn.scripting import (
    MAX_EXPRESSION_LENGTH,
    SAFE_ENGINE,
    UnsafeExpression,
    add_days,
    check_expression,
    days_between,
)
from tests.factories.bpmn import BPMN_NS, SPIFF_NS


def evaluate(expr: str, **data):  # type: ignore[no-untyped-def]
    return SAFE_ENGINE.environment.evaluate(expr, data)


ESCAPES = [
    "().__class__.__bases__",
    '__import__("os")',
    "__import__('os').system('id')",
    'open("/etc/passwd")',
    'getattr((), "__class__")',
    "[c for c in ().__class__.__subclasses__()]",
    "person.name",
    "person.__dict__",
    "lambda: 1",
    "(lambda x: x)(1)",
    'exec("import os")',
    'eval("1")',
    'f"{person.__class__}"',
    'f"{().__class__.__mro__}"',
    "10**10**10",
    "2 ** 8",
    "1 << 100000000",
    "(x := 1)",
    "_secret",
    "__builtins__",
    "globals()",
    "vars()",
    "type(1)",
    "[*().__class__.__mro__]",
    "compile('1', 'x', 'eval')",
    "b'bytes'",
    'f"{x:{width}}"',
    'f"{x:>999999999}"',
    "sorted([1], key=lambda v: v)",
    "dict(__class__=1)",
    "x if x else y.z",
]


@pytest.mark.parametrize("expr", ESCAPES)
def test_escapes_and_unsafe_syntax_are_refused(expr):
    assert check_expression(expr) is not None
    with pytest.raises((UnsafeExpression, SyntaxError)):
        evaluate(expr, person={"name": "A"}, x=1, y={}, width=5)


def test_refusals_say_why():
    assert "attribute access" in check_expression("a.b")
    assert "**" in check_expression("2 ** 3")
    assert "__import__" in check_expression("__import__('os')")
    assert "calling open" in check_expression("open('x')")
    assert "syntax" in check_expression("a ==")


def test_very_long_expressions_are_refused():
    expr = " + ".join(["1"] * MAX_EXPRESSION_LENGTH)
    assert "longer than" in check_expression(expr)


def test_nul_bytes_and_absurd_nesting_are_syntax_errors_not_crashes():
    assert check_expression("1\x00") is not None
    assert check_expression("(" * 500 + "1" + ")" * 500) is not None


@pytest.mark.parametrize(
    "expr, expected",
    [
        ('country in ("SE", "NO")', True),
        ("age >= 18 and not minor", True),
        ("len(children) + 1", 3),
        ("children[0]['name']", "Ana"),
        ("[c['name'] for c in children if c['age'] < 10]", ["Ana"]),
        ("{c['name']: c['age'] for c in children}", {"Ana": 4, "Bo": 12}),
        ("sum(c['age'] for c in children)", 16),
        ("sorted([3, 1, 2], reverse=True)", [3, 2, 1]),
        ('f"{country}-{age:03d}"', "SE-030"),
        ("'adult' if age >= 18 else 'minor'", "adult"),
        ("max(1, 2) - min([4, 5]) * 2", -6),
        ("end_date + 'T00:00:00Z'", "2025-02-01T00:00:00Z"),
        ('"-" * 3', "---"),
        ("[0] * 3", [0, 0, 0]),
        ('"%s/%d" % (country, age)', "SE/30"),
        ("{1, 2} | {3}", {1, 2, 3}),
        ("round(7 / 2)", 4),
        ("children[-1:]", [{"name": "Bo", "age": 12}]),
        ("str(age) + str(None)", "30None"),
    ],
)
def test_the_safe_subset_evaluates(expr, expected):
    data = {
        "country": "SE",
        "age": 30,
        "minor": False,
        "end_date": "2025-02-01",
        "children": [{"name": "Ana", "age": 4}, {"name": "Bo", "age": 12}],
    }
    assert check_expression(expr) is None
    assert evaluate(expr, **data) == expected


@pytest.mark.parametrize(
    "expr",
    [
        '"x" * 1000000000',
        "[0] * 100000000",
        "[[0]] * 10",
        "99999999999999999999 * 99999999999999999999 * 99999999999999999999 * "
        "99999999999999999999 * 99999999999999999999 * 99999999999999999999 * "
        "9999999999999999999999999999999999999999999999999999999999999999 * big",
        '"%999999999s" % "x"',
        '"%*d" % (100000000, 1)',
        "sum([[1], [2]], [])",
    ],
)
def test_large_allocations_are_stopped_at_run_time(expr):
    assert check_expression(expr) is None
    with pytest.raises((ValueError, TypeError)):
        evaluate(expr, big=10**1200)


def test_data_cannot_shadow_the_whitelisted_functions():
    assert evaluate("len(x)", x=[1, 2], len="not a function") == 2


def test_a_missing_name_is_an_error():
    with pytest.raises(NameError):
        evaluate("missing + 1")


def test_add_days_keeps_dates_dates_and_datetimes_datetimes():
    assert add_days("2025-01-31", 30) == "2025-03-02"
    assert add_days("2025-03-02", -30) == "2025-01-31"
    assert add_days("2025-01-01T10:00:00+01:00", 1) == "2025-01-02T10:00:00+01:00"
    assert add_days("2025-01-01T10:00:00Z", 2) == "2025-01-03T10:00:00Z"
    with pytest.raises(TypeError):
        add_days("2025-01-01", "3")


def test_days_between_counts_whole_days_from_a_to_b():
    assert days_between("2025-01-01", "2025-03-01") == 59
    assert days_between("2025-03-01", "2025-01-01") == -59
    assert days_between("2025-01-01T00:00:00Z", "2025-01-02T12:00:00+00:00") == 1
    assert days_between("2025-01-01", "2025-01-03T00:00:00Z") == 2
    assert evaluate("days_between(a, add_days(a, 10))", a="2024-02-25") == 10


def test_scripts_never_run():
    with pytest.raises(UnsafeExpression, match="scripts are not allowed"):
        SAFE_ENGINE.execute(None, "import os")
    with pytest.raises(UnsafeExpression):
        SAFE_ENGINE.environment.execute("x = 1", {})


# --- DMN goes through the same evaluator ------------------------------------------------

DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"


def dmn(input_expr: str, entries: list[tuple[str, str]]) -> bytes:
    rules = "".join(
        f'<rule id="r{i}"><inputEntry id="i{i}"><text>{entry}</text></inputEntry>'
        f'<outputEntry id="o{i}"><text>{output}</text></outputEntry></rule>'
        for i, (entry, output) in enumerate(entries)
    )
    return (
        f'<definitions xmlns="{DMN_NS}" id="d" name="d" namespace="http://x">'
        '<decision id="route_rule" name="Route"><decisionTable id="t">'
        f'<input id="in" label="Country"><inputExpression id="ie" typeRef="string">'
        f"<text>{input_expr}</text></inputExpression></input>"
        '<output id="out" name="route" typeRef="string"/>'
        f"{rules}</decisionTable></decision></definitions>"
    ).encode()


BPMN_WITH_RULE = f"""<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:spiffworkflow="{SPIFF_NS}"
  id="defs" targetNamespace="http://x"><bpmn:process id="rule_case" isExecutable="true">
  <bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="rule"/>
  <bpmn:businessRuleTask id="rule"><bpmn:extensionElements>
  <spiffworkflow:calledDecisionId>route_rule</spiffworkflow:calledDecisionId>
  </bpmn:extensionElements></bpmn:businessRuleTask>
  <bpmn:sequenceFlow id="f2" sourceRef="rule" targetRef="e"/><bpmn:endEvent id="e"/>
  </bpmn:process></bpmn:definitions>""".encode()


def run_rule(dmn_bytes: bytes, data: dict) -> dict:
    """Parse WITHOUT our lint (as an attacker's diagram would be) and run on SAFE_ENGINE."""
    parser = SpiffBpmnParser()
    parser.add_dmn_xml(etree.fromstring(dmn_bytes))
    parser.add_bpmn_xml(etree.fromstring(BPMN_WITH_RULE))
    wf = BpmnWorkflow(parser.get_spec("rule_case"), script_engine=SAFE_ENGINE)
    runtime.start(wf, data)
    return runtime.workflow_data(wf)


@pytest.mark.parametrize(
    "country, route", [("SE", "nordic"), ("NO", "nordic"), ("DK", "nordic"), ("FI", "other")]
)
def test_a_decision_table_with_quoted_strings_and_placeholders_works(country, route):
    table = dmn(
        "country", [('"SE"', '"nordic"'), ('? in ("NO", "DK")', '"nordic"'), ("-", '"other"')]
    )
    assert run_rule(table, {"country": country})["route"] == route


def test_a_decision_table_with_comparison_fragments_works():
    table = dmn("age", [("&lt; 18", '"minor"'), ("&gt;= 18", '"adult"')])
    assert run_rule(table, {"age": 17})["route"] == "minor"
    assert run_rule(table, {"age": 40})["route"] == "adult"


@pytest.mark.parametrize(
    "input_expr, entries",
    [
        ("__import__('os').getcwd()", [('"SE"', '"x"')]),
        ("__import__('os').getcwd()", [("? == 'SE'", '"x"')]),
        ("country", [("__import__('os')", '"x"')]),
        ("country", [("? == __import__('os')", '"x"')]),
        ("country", [("== ().__class__", '"x"')]),
        ("country", [("-", "__import__('os').getcwd()")]),
        ("country.upper()", [('"SE"', '"x"')]),
    ],
)
def test_a_decision_table_cannot_run_code(input_expr, entries):
    with pytest.raises(runtime.InvalidProcess):
        run_rule(dmn(input_expr, entries), {"country": "SE"})
