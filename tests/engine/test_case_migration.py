"""Migrating running cases to another version of their process: a dry run says per case
whether it can move and why not, the safe ones move in one action keeping their tasks and
their timers' fire times, and a migrated case goes back while it has not moved on.

Each test deploys the reflection diagram under a process id of its own, because the
process library outlives a test."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import versions
from engine.audit import Actor
from engine.case import migration
from engine.db import make_sessionmaker
from engine.errors import Conflict
from engine.models import AuditEvent, Case
from engine.settings import PROCESSES_DIR
from tests.factories.case_walker import Walker
from tests.factories.database import START
from tests.factories.migration import (
    reflection,
    with_boundary_timer,
    with_care_plan,
    without_safety,
    without_timer,
)
from tests.factories.scheduler import (
    complete,
    fresh,
    open_case,
    open_task,
    run_tick,
    staff,
)

ADMIN = Actor(user_id=None, organisation_id=None, username="admin-anna")
THIRTY_DAYS = START + timedelta(days=30)


def deploy(
    session, files: dict[str, bytes], minutes: int = 0, dropping: tuple[str, ...] = ()
) -> versions.Deployed:
    """Deploy, confirming the relied-on tasks the version is meant to drop."""
    at = START + timedelta(minutes=minutes)
    [deployed] = versions.deploy_files(session, files, at, ADMIN, confirmed_removals=dropping)
    session.commit()
    return deployed


def selection(process_id: str, target: int = 2, **narrowed: str) -> migration.Selection:
    return migration.Selection(process_id, 1, target, **narrowed)


def fresh_sessions(session):
    return make_sessionmaker(session.get_bind())


@pytest.fixture
def coordinator(session):
    """Of se-roks, which both coordinates and gives ngo support in Sweden."""
    return staff(session, "coordinator", "se-roks")


def test_a_case_waiting_on_its_reflection_timer_migrates_and_keeps_its_fire_time(
    session, services, coordinator
):
    deploy(session, reflection("mig_keep"))
    case = open_case(session, services, coordinator, process_id="mig_keep")
    safety = open_task(session, case, "immediate_safety")
    deploy(session, with_care_plan("mig_keep"), minutes=1)

    [dry] = migration.plan(session, services, selection("mig_keep"))
    [done] = migration.migrate(session, services, ADMIN, selection("mig_keep"))

    moved = fresh(session).get(Case, case.id)
    assert dry.safe and done.migrated
    assert moved.process_version.version == 2
    assert moved.next_timer_at == THIRTY_DAYS
    assert open_task(session, case, "immediate_safety").id == safety.id
    # The case runs on version 2: after safety and the timer comes the added step.
    complete(session, services, coordinator, moved, "immediate_safety")
    assert run_tick(fresh_sessions(session), services, THIRTY_DAYS).timers == [case.reference]
    assert open_task(session, case, "plan_care").title == "Plan her care"


def test_a_case_whose_ready_task_the_new_version_drops_is_reported_and_not_migrated(
    session, services, coordinator
):
    deploy(session, reflection("mig_unsafe"))
    case = open_case(session, services, coordinator, process_id="mig_unsafe")
    deploy(session, without_safety("mig_unsafe"), 1, dropping=("immediate_safety",))

    [dry] = migration.plan(session, services, selection("mig_unsafe"))
    [done] = migration.migrate(session, services, ADMIN, selection("mig_unsafe"))

    assert not dry.safe
    assert dry.reasons == (
        "the ready task 'immediate_safety' (Arrange immediate safety) is not in version 2",
    )
    assert not done.migrated and done.reasons == dry.reasons
    assert fresh(session).get(Case, case.id).process_version.version == 1


def test_a_case_whose_waiting_timer_the_new_version_drops_is_reported(
    session, services, coordinator
):
    deploy(session, reflection("mig_no_timer"))
    case = open_case(session, services, coordinator, process_id="mig_no_timer")
    complete(session, services, coordinator, case, "immediate_safety")
    deploy(session, without_timer("mig_no_timer"), minutes=1)

    [dry] = migration.plan(session, services, selection("mig_no_timer"))

    assert dry.reasons == (
        "the waiting timer 'reflection_period' (Reflection period) is not in version 2",
    )


def test_only_the_safe_cases_move_when_all_on_a_version_are_chosen(session, services, coordinator):
    deploy(session, reflection("mig_mixed"))
    waiting = open_case(session, services, coordinator, process_id="mig_mixed")
    past_safety = open_case(session, services, coordinator, process_id="mig_mixed")
    complete(session, services, coordinator, past_safety, "immediate_safety")
    deploy(session, without_safety("mig_mixed"), 1, dropping=("immediate_safety",))

    results = migration.migrate(session, services, ADMIN, selection("mig_mixed"))

    by_reference = {r.reference: r for r in results}
    assert by_reference[past_safety.reference].migrated
    assert not by_reference[waiting.reference].migrated
    assert fresh(session).get(Case, waiting.id).process_version.version == 1
    assert fresh(session).get(Case, past_safety.id).process_version.version == 2


def test_reverting_puts_the_case_back_on_its_version_with_its_timer(session, services, coordinator):
    deploy(session, reflection("mig_revert"))
    case = open_case(session, services, coordinator, process_id="mig_revert")
    deploy(session, with_care_plan("mig_revert"), minutes=1)
    migration.migrate(session, services, ADMIN, selection("mig_revert"))

    migration.revert(session, services, ADMIN, case.reference)

    back = fresh(session).get(Case, case.id)
    assert back.process_version.version == 1 and back.next_timer_at == THIRTY_DAYS
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id)
    ).all()
    assert actions[-2:] == ["case.migrated", "case.migration_reverted"]
    complete(session, services, coordinator, back, "immediate_safety")
    assert run_tick(fresh_sessions(session), services, THIRTY_DAYS).timers == [case.reference]
    assert open_task(session, case, "her_decision")  # version 1's next step, not plan_care


def test_a_migrated_case_that_moved_on_can_no_longer_go_back(session, services, coordinator):
    deploy(session, reflection("mig_moved_on"))
    case = open_case(session, services, coordinator, process_id="mig_moved_on")
    deploy(session, with_care_plan("mig_moved_on"), minutes=1)
    migration.migrate(session, services, ADMIN, selection("mig_moved_on"))
    complete(session, services, coordinator, case, "immediate_safety")

    with pytest.raises(Conflict, match="moved on since its migration"):
        migration.revert(session, services, ADMIN, case.reference)
    assert fresh(session).get(Case, case.id).process_version.version == 2


def test_one_case_can_be_chosen_by_its_reference(session, services, coordinator):
    deploy(session, reflection("mig_one"))
    chosen = open_case(session, services, coordinator, process_id="mig_one")
    other = open_case(session, services, coordinator, process_id="mig_one")
    deploy(session, with_care_plan("mig_one"), minutes=1)

    results = migration.migrate(
        session, services, ADMIN, selection("mig_one", reference=chosen.reference.lower())
    )

    assert [r.reference for r in results if r.migrated] == [chosen.reference]
    assert fresh(session).get(Case, other.id).process_version.version == 1


def test_a_journey_case_inside_its_called_reflection_period_migrates_with_its_timer(
    session, services
):
    """The real journey: a case waits on the reflection period's end timer inside a called
    process while its care plan runs; a version with a changed due time takes it over."""
    journey = (PROCESSES_DIR / "victim_journey.bpmn").read_bytes()
    renamed = {
        "victim_journey.bpmn": journey.replace(b'id="victim_journey"', b'id="mig_journey"', 1)
    }
    versions.deploy_directory(session, PROCESSES_DIR, START, ADMIN, extra=renamed)
    session.commit()
    walker = Walker(session, services, process_id="mig_journey")
    walker.complete("request_reflection_period")
    walker.complete(
        "grant_reflection_period", granted=True, start_date="2026-01-05", end_date="2026-02-04"
    )
    before = fresh(session).get(Case, walker.case.id)
    timer_at, open_before = before.next_timer_at, walker.names()
    identification = (PROCESSES_DIR / "identification.bpmn").read_bytes()
    changed = identification.replace(b'name="due" value="P7D"', b'name="due" value="P5D"', 1)
    versions.deploy_directory(
        session, PROCESSES_DIR, START, ADMIN, extra={**renamed, "identification.bpmn": changed}
    )
    session.commit()

    [done] = migration.migrate(session, services, ADMIN, selection("mig_journey"))

    moved = fresh(session).get(Case, walker.case.id)
    assert done.migrated, done.reasons
    assert moved.process_version.version == 2
    assert timer_at is not None and moved.next_timer_at == timer_at
    assert walker.names() == open_before
    walker.fire_timers(days=31)  # the period ends on the new version: her decision is next
    assert "decide_after_reflection" in walker.names()


def test_a_boundary_event_added_to_the_task_a_case_is_at_makes_it_unsafe(
    session, services, coordinator
):
    deploy(session, reflection("mig_boundary"))
    open_case(session, services, coordinator, process_id="mig_boundary")
    deploy(session, with_boundary_timer("mig_boundary"), minutes=1)

    [dry] = migration.plan(session, services, selection("mig_boundary"))

    assert dry.reasons == (
        "the ready task 'immediate_safety' (Arrange immediate safety) has boundary events in "
        "version 2 that would not be armed for it (the case reached it without them)",
    )
