"""engine.bpmn.runtime: starting, completing, messages and timers on the test journey."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from engine.bpmn import runtime
from engine.bpmn.clock import FixedClock, use_clock
from engine.errors import Conflict, InvalidData, NotFound
from tests.factories.bpmn import T0, reload, workflow

START_DATA = {"country": "NO", "start_date": "2025-01-01", "follow_up_role": "health"}


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    fixed = FixedClock(T0)
    with use_clock(fixed):
        yield fixed


def ready(wf, name: str) -> list[runtime.HumanTask]:  # type: ignore[no-untyped-def]
    return [t for t in runtime.ready_human_tasks(wf) if t.name == name]


def complete(wf, name: str, data: dict | None = None):  # type: ignore[no-untyped-def]
    return runtime.complete_task(wf, ready(wf, name)[0].id, data or {})


def started(data: dict | None = None):  # type: ignore[no-untyped-def]
    wf = workflow("bpmn_journey")
    runtime.start(wf, dict(START_DATA, **(data or {})))
    return wf


def in_stage(clock) -> object:  # type: ignore[no-untyped-def]
    """A journey case waiting in the called stage process for its 30-day timer."""
    wf = started()
    complete(wf, "assess", {"note": "first talk"})
    complete(wf, "plan_services", {"services": ["shelter", "health"]})
    for task in runtime.ready_human_tasks(wf):
        runtime.complete_task(wf, task.id, {"report": f"did {task.data['service']}"})
    return wf


def test_start_data_reaches_the_first_task_with_its_properties(clock):
    [task] = runtime.ready_human_tasks(started())
    assert task.name == "assess" and task.title == "Assess the situation"
    assert task.process_id == "bpmn_journey" and task.role == "coordinator"
    assert task.form == "assessment" and task.due == "P7D" and task.due_date is None
    assert task.reminders == ["P3D", "P1D"] and task.instructions == "Talk to her **first**."
    assert task.data == START_DATA
    assert isinstance(task.id, str) and len(task.id) == 36


def test_a_case_starts_only_once(clock):
    with pytest.raises(Conflict):
        runtime.start(started(), {})


def test_completing_records_deadlines_evaluated_on_the_submitted_data(clock):
    wf = started()
    assert complete(wf, "assess", {"start_date": date(2025, 2, 1)}) == [
        ("reflection_period_end", "2025-03-03")
    ]


def test_dates_in_submitted_data_are_stored_as_iso_strings(clock):
    wf = started()
    complete(wf, "assess", {"met_on": date(2025, 1, 2), "at": datetime(2025, 1, 2, 10, 0)})
    [task] = ready(wf, "plan_services")
    assert task.data["met_on"] == "2025-01-02" and task.data["at"] == "2025-01-02T10:00:00"
    json.dumps(runtime.workflow_data(reload(wf, "bpmn_journey")))


def test_a_deadline_that_cannot_be_computed_leaves_the_task_open(clock):
    wf = started()
    with pytest.raises(InvalidData):
        complete(wf, "assess", {"start_date": "not a date"})
    assert [t.name for t in runtime.ready_human_tasks(wf)] == ["assess"]


def test_unknown_and_finished_tasks_are_refused(clock):
    wf = started()
    with pytest.raises(NotFound):
        runtime.complete_task(wf, "not-a-uuid", {})
    with pytest.raises(NotFound):
        runtime.complete_task(wf, "00000000-0000-0000-0000-000000000000", {})
    [task] = runtime.ready_human_tasks(wf)
    runtime.complete_task(wf, task.id, {})
    with pytest.raises(Conflict, match="not ready"):
        runtime.complete_task(wf, task.id, {})
    future = next(t for t in wf.get_tasks() if t.task_spec.name == "close_case")
    with pytest.raises(Conflict):
        runtime.complete_task(wf, str(future.id), {})


def test_the_decision_table_routes_the_case(clock):
    wf = started({"country": "FI"})
    complete(wf, "assess")
    [task] = runtime.ready_human_tasks(wf)
    assert task.name == "close_case" and task.data["route"] == "other"
    assert task.due_date == "2025-04-01"  # add_days(start_date, 90), evaluated


def test_tasks_in_a_called_process_carry_its_stage_and_lane(clock):
    wf = started()
    complete(wf, "assess", {"note": "first talk"})
    [task] = runtime.ready_human_tasks(wf)
    assert (task.name, task.process_id, task.role) == ("plan_services", "bpmn_stage", "ngo_support")
    assert task.data["note"] == "first talk" and task.data["route"] == "nordic"


def test_multi_instance_tasks_get_one_item_each_and_collect_the_outputs(clock):
    wf = started()
    complete(wf, "assess")
    complete(wf, "plan_services", {"services": ["shelter", "health", "legal"]})
    tasks = ready(wf, "provide_service")
    assert sorted(t.data["service"] for t in tasks) == ["health", "legal", "shelter"]
    assert {t.role for t in tasks} == {"ngo_support"} and tasks[0].form == "service_report"
    for task in reversed(tasks):
        runtime.complete_task(wf, task.id, {"report": task.data["service"].upper()})
    data = runtime.workflow_data(wf)
    # in completion order, not input order (a SpiffWorkflow fact)
    assert data["service_reports"] == ["LEGAL", "HEALTH", "SHELTER"]


def test_a_timer_in_a_called_process_is_found_and_fired(clock):
    wf = in_stage(clock)
    assert runtime.ready_human_tasks(wf) == []
    assert runtime.next_timer_at(wf) == T0 + timedelta(days=30)
    clock.advance(timedelta(days=30, seconds=1))
    runtime.fire_due_timers(wf)
    [task] = runtime.ready_human_tasks(wf)
    assert task.name == "follow_up" and task.role == "health"  # from role_variable


def test_data_comes_back_from_the_called_process(clock):
    wf = in_stage(clock)
    clock.advance(timedelta(days=31))
    runtime.fire_due_timers(wf)
    complete(wf, "follow_up", {"outcome": "stable"})
    [task] = runtime.ready_human_tasks(wf)
    assert task.name == "close_case" and task.process_id == "bpmn_journey"
    assert task.data["outcome"] == "stable" and task.data["service_reports"] == [
        "did shelter",
        "did health",
    ]


def test_a_message_nobody_waits_for_is_a_conflict(clock):
    with pytest.raises(Conflict, match="not waiting for protection_needed"):
        runtime.send_message(started(), "protection_needed", {})
    with pytest.raises(Conflict):
        runtime.send_message(started(), "no_such_message", {})


def test_a_non_interrupting_event_subprocess_works_every_time_with_current_data(clock):
    wf = started()
    complete(wf, "assess", {"note": "first talk"})
    runtime.send_message(wf, "new_information", {"text": "one"})
    wf = reload(wf, "bpmn_journey")
    runtime.send_message(wf, "new_information", {"text": "two"})
    reviews = ready(wf, "review_information")
    assert sorted(t.data["new_information"]["text"] for t in reviews) == ["one", "two"]
    assert all(t.data["note"] == "first talk" for t in reviews)  # not only the start data
    assert {t.process_id for t in reviews} == {"bpmn_journey"}
    assert ready(wf, "plan_services")  # the main flow is untouched


def test_a_non_interrupting_boundary_message_catches_once(clock):
    wf = in_stage(clock)
    clock.advance(timedelta(days=31))
    runtime.fire_due_timers(wf)
    runtime.send_message(wf, "protection_needed", {"level": "high"})
    [task] = ready(wf, "arrange_protection")
    assert task.role == "police" and task.data["protection"] == {"level": "high"}
    assert ready(wf, "follow_up")
    with pytest.raises(Conflict):
        runtime.send_message(wf, "protection_needed", {"level": "again"})


def test_an_interrupting_message_cancels_open_tasks_and_ends_the_case(clock):
    wf = in_stage(clock)
    clock.advance(timedelta(days=31))
    runtime.fire_due_timers(wf)
    runtime.send_message(wf, "new_information", {"text": "x"})
    known = {t.id for t in runtime.ready_human_tasks(wf)}
    assert len(known) == 2
    runtime.send_message(wf, "withdraw", {"reason": "her choice"})
    assert runtime.is_finished(wf) and runtime.ready_human_tasks(wf) == []
    assert runtime.cancelled_human_task_ids(wf, known) == known
    assert runtime.next_timer_at(wf) is None
    assert runtime.workflow_data(wf)["withdraw"] == {"reason": "her choice"}
    with pytest.raises(Conflict):
        runtime.send_message(wf, "withdraw", {})


def test_a_completed_task_is_not_reported_as_cancelled(clock):
    wf = started()
    [task] = runtime.ready_human_tasks(wf)
    runtime.complete_task(wf, task.id, {})
    assert runtime.cancelled_human_task_ids(wf, {task.id}) == set()
    assert runtime.cancelled_human_task_ids(wf, {"gone"}) == {"gone"}


def test_a_case_from_the_same_spec_is_not_affected_by_another_cases_messages(clock):
    first = started()
    runtime.send_message(first, "new_information", {"text": "x"})
    second = started({"country": "FI"})
    complete(second, "assess")
    complete(second, "close_case")
    assert runtime.is_finished(second)


def test_cycle_timers_report_their_next_time(clock):
    wf = workflow("bpmn_cycle")
    runtime.start(wf, {})
    assert runtime.next_timer_at(wf) == T0 + timedelta(hours=1)
    clock.advance(timedelta(hours=1, seconds=1))
    runtime.fire_due_timers(wf)
    assert len(ready(wf, "check_in")) == 1
    assert runtime.next_timer_at(wf) == T0 + timedelta(hours=2)
    clock.advance(timedelta(hours=1))
    runtime.fire_due_timers(wf)
    assert len(ready(wf, "check_in")) == 2


def test_the_diagram_can_be_marked_with_done_and_open_elements(clock):
    wf = started()
    complete(wf, "assess")
    states = runtime.task_bpmn_ids_by_state(wf)
    assert {"start", "assess", "rule", "route_gateway", "stage_start"} <= set(states["completed"])
    assert states["ready"] == ["plan_services"]
    assert runtime.completed_task_ids(wf) == states["completed"]


def test_workflow_data_is_the_newest_case_data(clock):
    wf = started()
    complete(wf, "assess", {"note": "n"})
    complete(wf, "plan_services", {"services": []})
    data = runtime.workflow_data(wf)
    assert data["note"] == "n" and data["route"] == "nordic" and data["services"] == []
