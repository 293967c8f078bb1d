"""Bounded evaluation: no expression, duration, date or multi-instance count in a diagram
can hang or exhaust the engine. Each hostile case found in the security test is either
refused at deploy (naming file, line and element) or stopped in a running case with an
error naming the element. The harness, not the engine, enforces the time limit."""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest

from engine.bpmn import bounds, runtime, serializer
from engine.bpmn.clock import FixedClock, use_clock
from engine.bpmn.library import build_bundles
from engine.bpmn.lint import replace_placeholders
from engine.bpmn.scripting import MAX_STEPS, SAFE_ENGINE, TooCostly
from engine.errors import InvalidData, InvalidProcess
from tests.factories.bpmn import DATA, T0, linear, process_xml

HANG_LIMIT_SECONDS = 10  # generous on a loaded machine; the bad old behaviour never ended


class Hung(Exception):
    pass


@contextmanager
def within(seconds: int = HANG_LIMIT_SECONDS) -> Iterator[None]:
    """Fail the test instead of hanging the suite: SIGALRM interrupts the main thread."""

    def interrupt(signum: int, frame: Any) -> None:
        raise Hung(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def refused(files: dict[str, bytes]) -> InvalidProcess:
    with within(), pytest.raises(InvalidProcess) as caught:
        build_bundles(files)
    return caught.value


def assert_names(error: InvalidProcess, filename: str, element: str) -> None:
    assert error.filename == filename and error.line, str(error)
    assert element in error.reason, str(error)
    assert not re.search(r"<Element |at 0x", str(error)), str(error)


def evaluate(expr: str, **data: Any) -> Any:
    return SAFE_ENGINE.environment.evaluate(expr, data)


HOSTILE_CONDITION = "any(0 for a in 'x'*99999 for b in 'x'*99999 for c in 'x'*99999)"


def timer_then_gateway(condition: str) -> bytes:
    """start → PT1S timer → gateway (`condition` leads to a task) → end."""
    return process_xml(
        linear(
            '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition id="td">'
            '<bpmn:timeDuration>"PT1S"</bpmn:timeDuration></bpmn:timerEventDefinition>'
            "</bpmn:intermediateCatchEvent>"
            '<bpmn:sequenceFlow id="f_wait" sourceRef="wait" targetRef="gw"/>'
            '<bpmn:exclusiveGateway id="gw" default="f_no"/>'
            '<bpmn:sequenceFlow id="f_yes" sourceRef="gw" targetRef="work">'
            f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>"
            "</bpmn:sequenceFlow>"
            '<bpmn:sequenceFlow id="f_no" sourceRef="gw" targetRef="e"/>'
            '<bpmn:userTask id="work"/>'
            '<bpmn:sequenceFlow id="f_work" sourceRef="work" targetRef="e"/>'
            '<bpmn:endEvent id="e"/>',
            first="wait",
        )
    )


def timer(kind: str, expression: str) -> bytes:
    return process_xml(
        linear(
            f'<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition id="td">'
            f"<bpmn:{kind}>{expression}</bpmn:{kind}></bpmn:timerEventDefinition>"
            "</bpmn:intermediateCatchEvent>"
            '<bpmn:sequenceFlow id="f_end" sourceRef="wait" targetRef="e"/><bpmn:endEvent id="e"/>',
            first="wait",
        )
    )


def multi_instance(characteristics: str) -> bytes:
    return process_xml(
        linear(
            f'<bpmn:userTask id="work">{characteristics}</bpmn:userTask>'
            '<bpmn:sequenceFlow id="f_end" sourceRef="work" targetRef="e"/><bpmn:endEvent id="e"/>'
        )
    )


def user_task_with(properties: str) -> bytes:
    return process_xml(
        linear(
            '<bpmn:userTask id="work"><bpmn:extensionElements><spiffworkflow:properties>'
            f"{properties}</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
            '<bpmn:sequenceFlow id="f_end" sourceRef="work" targetRef="e"/><bpmn:endEvent id="e"/>'
        )
    )


def started(data: bytes, **start_data: Any):  # type: ignore[no-untyped-def]
    [bundle] = build_bundles({"hostile.bpmn": data}).values()
    wf = serializer.new_workflow(bundle.spec, bundle.subprocess_specs)
    runtime.start(wf, start_data)
    return wf


@pytest.fixture
def clock() -> Iterator[FixedClock]:
    fixed = FixedClock(T0)
    with use_clock(fixed):
        yield fixed


# --- the hostile diagrams of the security test ------------------------------------------------


def test_a_gateway_condition_that_would_never_finish_is_refused_at_deploy():
    error = refused({"hostile.bpmn": timer_then_gateway(HOSTILE_CONDITION)})
    assert_names(error, "hostile.bpmn", "sequenceFlow 'f_yes'")
    assert "loop steps" in error.reason


def test_the_same_condition_on_case_data_stops_the_case_not_the_scheduler(clock):
    wf = started(timer_then_gateway(f"go and {HOSTILE_CONDITION}"), go=True)
    clock.advance(timedelta(seconds=2))
    with within(), pytest.raises(InvalidProcess) as caught:
        runtime.fire_due_timers(wf)
    assert "'gw'" in str(caught.value) and "loop steps" in str(caught.value)


def test_a_constant_set_comprehension_in_a_timer_does_not_hang_the_deploy_check():
    error = refused(
        {"hostile.bpmn": timer("timeDuration", "{a for a in 'x'*99999 for b in 'x'*99999}")}
    )
    assert_names(error, "hostile.bpmn", "intermediateCatchEvent 'wait'")


@pytest.mark.parametrize("duration", ['"P9999999999Y"', '"P99999Y"', '"P1300M"', '"PT999999999H"'])
def test_a_timer_longer_than_a_hundred_years_is_refused_at_deploy(duration):
    error = refused({"hostile.bpmn": timer("timeDuration", duration)})
    assert_names(error, "hostile.bpmn", "intermediateCatchEvent 'wait'")
    assert "100 years" in error.reason


def test_a_timer_date_more_than_a_hundred_years_away_is_refused_at_deploy():
    error = refused({"hostile.bpmn": timer("timeDate", '"9999-12-31T00:00:00Z"')})
    assert_names(error, "hostile.bpmn", "intermediateCatchEvent 'wait'")


def test_a_cycle_with_an_endless_interval_is_refused_at_deploy():
    error = refused({"hostile.bpmn": timer("timeCycle", '"R3/P99999Y"')})
    assert "100 years" in error.reason


@pytest.mark.parametrize("duration", ["P9999999999Y", "P99999Y"])
def test_a_computed_timer_beyond_a_hundred_years_stops_the_case_with_a_clear_error(clock, duration):
    data = timer("timeDuration", "wait_for")
    with within(), pytest.raises(InvalidProcess) as caught:
        started(data, wait_for=duration)
    assert "'wait'" in str(caught.value) and "100 years" in str(caught.value)


def test_a_due_property_beyond_a_hundred_years_is_refused_at_deploy():
    error = refused(
        {"hostile.bpmn": user_task_with('<spiffworkflow:property name="due" value="P99999Y"/>')}
    )
    assert_names(error, "hostile.bpmn", "userTask 'work'")
    assert "100 years" in error.reason


def test_reminder_lead_times_are_bounded_too():
    error = refused(
        {
            "hostile.bpmn": user_task_with(
                '<spiffworkflow:property name="reminders" value="P1D,P9999999999Y"/>'
            )
        }
    )
    assert_names(error, "hostile.bpmn", "userTask 'work'")


def test_a_computed_due_date_beyond_a_hundred_years_names_the_task(clock):
    data = user_task_with('<spiffworkflow:property name="due_date" value="until"/>')
    wf = started(data, until="9999-12-31")
    with pytest.raises(InvalidProcess) as caught:
        runtime.ready_human_tasks(wf)
    assert "'work'" in str(caught.value) and "100 years" in str(caught.value)


def test_a_deadline_beyond_a_hundred_years_is_invalid_data(clock):
    data = user_task_with('<spiffworkflow:property name="deadline:permit_expiry" value="until"/>')
    wf = started(data)
    [task] = runtime.ready_human_tasks(wf)
    with pytest.raises(InvalidData) as caught:
        runtime.complete_task(wf, task.id, {"until": "2999-01-01"})
    assert "permit_expiry" in caught.value.fields


def test_a_constant_loop_cardinality_above_the_cap_is_refused_at_deploy():
    data = multi_instance(
        "<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>100000"
        "</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>"
    )
    error = refused({"hostile.bpmn": data})
    assert error.filename == "hostile.bpmn" and error.line and "'work'" in error.reason
    assert f"{bounds.MAX_INSTANCES:,}" in error.reason


def test_a_computed_loop_cardinality_above_the_cap_stops_before_building_instances(clock):
    data = multi_instance(
        "<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>how_many"
        "</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>"
    )
    with within(), pytest.raises(InvalidProcess) as caught:
        started(data, how_many=100_000)
    assert "'work'" in str(caught.value) and "100,000 instances" in str(caught.value)


def test_an_input_collection_above_the_cap_stops_before_building_instances(clock):
    data = multi_instance(
        '<bpmn:multiInstanceLoopCharacteristics isSequential="false">'
        "<bpmn:loopDataInputRef>items</bpmn:loopDataInputRef>"
        '<bpmn:inputDataItem id="item" name="item"/>'
        "</bpmn:multiInstanceLoopCharacteristics>"
    )
    with within(), pytest.raises(InvalidProcess) as caught:
        started(data, items=list(range(bounds.MAX_INSTANCES + 1)))
    assert "'work'" in str(caught.value)
    small = started(data, items=["a", "b", "c"])
    assert len(runtime.ready_human_tasks(small)) == 3


def automatic_loop(through: str) -> bytes:
    """start → gateway ⇄ `through` (an automatic element) for as long as `go`."""
    return process_xml(
        '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="gw"/>'
        '<bpmn:exclusiveGateway id="gw" default="f_out"/>'
        '<bpmn:sequenceFlow id="f_loop" sourceRef="gw" targetRef="again">'
        "<bpmn:conditionExpression>go</bpmn:conditionExpression></bpmn:sequenceFlow>"
        f"{through}"
        '<bpmn:sequenceFlow id="f_out" sourceRef="gw" targetRef="e"/><bpmn:endEvent id="e"/>'
    )


THROW_AND_BACK = (
    '<bpmn:intermediateThrowEvent id="again"/>'
    '<bpmn:sequenceFlow id="f_back" sourceRef="again" targetRef="gw"/>'
)
FORK_BOTH_BACK = (
    '<bpmn:parallelGateway id="again"/>'
    '<bpmn:sequenceFlow id="f_a" sourceRef="again" targetRef="gw"/>'
    '<bpmn:sequenceFlow id="f_b" sourceRef="again" targetRef="gw"/>'
)


def test_a_flow_looping_through_automatic_elements_is_stopped_after_the_step_limit(
    clock, monkeypatch
):
    monkeypatch.setattr(bounds, "MAX_ENGINE_STEPS", 50)
    monkeypatch.setattr(bounds, "MAX_ENGINE_SECONDS", 3600.0)
    with within(), pytest.raises(InvalidProcess) as caught:
        started(automatic_loop(THROW_AND_BACK), go=True)
    assert "more than 50 automatic steps" in str(caught.value)
    assert re.search(r"at '(gw|again)'", str(caught.value))
    assert started(automatic_loop(THROW_AND_BACK), go=False).is_completed()


def test_a_loop_that_forks_on_every_round_is_contained_with_the_default_limits(clock):
    # Each round doubles the tokens and every step is slower than the last: before,
    # opening such a case never came back.
    with within(), pytest.raises(InvalidProcess, match="automatic steps"):
        started(automatic_loop(FORK_BOTH_BACK), go=True)


def dmn_with_entry(entry: str) -> bytes:
    source = (DATA / "bpmn_country_rule.dmn").read_text()
    return source.replace('<text>"SE"</text>', f"<text>{entry}</text>").encode()


@pytest.mark.parametrize(
    "entry",
    ["?" * 200_000, "? " * 100_000, "?'" * 100_000],
    ids=["question-marks", "spaced", "quoted"],
)
def test_a_huge_dmn_input_entry_is_refused_before_any_regular_expression_sees_it(entry):
    error = refused({"bpmn_country_rule.dmn": dmn_with_entry(entry)})
    assert_names(error, "bpmn_country_rule.dmn", "inputEntry 'Entry_se'")
    assert "longer than" in error.reason


@pytest.mark.parametrize(
    "entry",
    ['? in ("SE", "NO")', '"?" == ?', "'a?' + ? + \"b?\"", "? < 5 and ? > 1", '"it\'s" ?', "?"],
)
def test_dmn_placeholders_are_replaced_exactly_as_spiffworkflow_does(entry):
    spiff = re.sub(r'(\?)(?=(?:[^\'"]|[\'"][^\'"]*[\'"])*$)', "dmninputexpr", entry)
    assert replace_placeholders(entry) == spiff


# --- the expression budget ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "expr",
    [
        HOSTILE_CONDITION,
        "{a for a in 'x'*99999 for b in 'x'*99999}",
        "len([0 for a in 'x'*99999 for b in 'xx'])",
        "['x'*99999 for a in 'x'*99999]",
        "[d + d for a in 'x'*99999]",
        "[a in b for b in [list('y'*99999)] for a in 'x'*50000]",
        "[sorted(d) for a in 'x'*99999]",
    ],
)
def test_an_evaluation_that_loops_or_builds_too_much_is_stopped(expr):
    with within(), pytest.raises(TooCostly):
        evaluate(expr, d="y" * 5000)


def test_rounding_to_an_absurd_number_of_digits_is_stopped_before_it_starts():
    with within(), pytest.raises(TooCostly):
        evaluate("round(5, -99999999)")
    assert evaluate("round(1234.5678, -2)") == 1200 and evaluate("round(2.675, 2)") == 2.67
    assert evaluate("round(7 / 2)") == 4


def test_the_budget_is_per_evaluation_not_per_process():
    expr = f"len([0 for a in 'x'*{MAX_STEPS - 10}])"
    for _ in range(3):
        assert evaluate(expr) == MAX_STEPS - 10


def test_a_comprehension_cannot_write_into_the_case_data():
    data = {"x": {}}
    with pytest.raises(ValueError, match="assigning to an item"):
        SAFE_ENGINE.environment.evaluate("[1 for x['k'] in ['v']]", data)
    assert data == {"x": {}}


def test_ordinary_expressions_evaluate_as_before():
    data = {"services": ["health", "legal"], "end": "2026-03-01", "risk": 3, "c": "SE"}
    assert evaluate("[s for s in services if s != 'legal']", **data) == ["health"]
    assert evaluate("add_days(end, -14)", **data) == "2026-02-15"
    assert evaluate("f'{c}-{risk:03d}' + str(risk * 2 % 4)", **data) == "SE-0032"
    assert evaluate("{**{'a': 1}, 'b': [*services, 'x'][-1:]}", **data) == {"a": 1, "b": ["x"]}
    assert evaluate("c in ('SE', 'NO') and 'health' in services", **data) is True
    assert evaluate("dict(func=1, self=2)") == {"func": 1, "self": 2}
