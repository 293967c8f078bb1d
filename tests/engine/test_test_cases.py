"""Trying a process version before it goes live: an administrator starts a test case on
any deployed version and walks its tasks; nobody else sees it, no list, count or reminder
of a real organisation holds it, and the scheduler erases it a day after it started."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import versions
from engine.accounts import users
from engine.audit import Actor, verify_trail
from engine.case import read_models, team, test_cases, transactions, worklist
from engine.case.access import visible_case
from engine.db import make_sessionmaker
from engine.errors import Conflict, Forbidden, NotFound
from engine.models import AuditEvent, Case, Task
from tests.factories.database import DATA, START
from tests.factories.form_data import valid_data
from tests.factories.scheduler import (
    START_DATA,
    count,
    fresh,
    notifications_to,
    open_case,
    outbox,
    run_tick,
    staff,
)

ONE_DAY = timedelta(days=1)


@pytest.fixture
def admin(session) -> Actor:
    """An administrator of se-roks, the very organisation that coordinates in Sweden."""
    user = users.create_user(session, "ada", "se-roks", None, START, True)
    user.email = "ada@roks.example"
    session.commit()
    return users.actor_for(user)


@pytest.fixture
def coordinator(session) -> Actor:
    return staff(session, "coordinator", "se-roks", email="coordinator@roks.example")


def sessions_of(session):
    return make_sessionmaker(session.get_bind())


def start_test(session, services, admin, version: int | None = None) -> Case:
    return test_cases.start_test_case(
        session, services, admin, "demo_case", START_DATA, version=version
    )


def walk(session, services, actor, case, name: str) -> Case:
    task = (
        fresh(session)
        .scalars(
            select(Task).where(Task.case_id == case.id, Task.name == name, Task.state == "open")
        )
        .one()
    )
    return transactions.complete_task(session, services, actor, task.id, valid_data(task.form))


def test_an_administrator_walks_every_task_of_a_test_case_to_its_end(session, services, admin):
    case = start_test(session, services, admin)

    for name in ("immediate_safety", "non_punishment_notice", "inform_rights"):
        case = walk(session, services, admin, case, name)

    assert case.is_test and case.status == "closed"


def test_a_test_case_is_in_no_list_or_count_of_the_coordinators(
    session, services, admin, coordinator
):
    real = open_case(session, services, coordinator)
    test = start_test(session, services, admin)
    now = START + timedelta(hours=1)

    cases = read_models.list_cases(fresh(session), coordinator).items
    tasks = read_models.list_tasks(session, coordinator, now).items
    counts = worklist.view_counts(session, coordinator, now)
    running = {
        (r["process"], r["version"]): r["running_cases"] for r in versions.library_rows(session)
    }

    assert [c["reference"] for c in cases] == [real.reference]
    assert {t["case_id"] for t in tasks} == {real.id}
    assert max(counts.values()) == len(tasks)  # the real case's tasks, none of the test's
    assert running[("demo_case", 1)] == 1
    with pytest.raises(NotFound):
        visible_case(session, coordinator, test.id)


def test_no_reminder_or_escalation_of_a_test_case_reaches_a_real_organisation(
    session, services, admin, coordinator
):
    start_test(session, services, admin)

    report = run_tick(sessions_of(session), services, START + timedelta(days=20))

    assert report.reminders == [] and report.escalations == []
    assert notifications_to(session, "se-roks") == [] and outbox(session) == []


def test_the_scheduler_erases_a_test_case_a_day_after_it_started(session, services, admin):
    case = start_test(session, services, admin)
    walk(session, services, admin, case, "immediate_safety")
    case_id, reference = case.id, case.reference

    early = run_tick(sessions_of(session), services, START + ONE_DAY - timedelta(minutes=1))
    kept = count(session, Case, Case.id == case_id)
    late = run_tick(sessions_of(session), services, START + ONE_DAY)

    assert early.test_cases_erased == [] and kept == 1
    assert late.test_cases_erased == [reference]
    assert count(session, Case, Case.id == case_id) == 0
    assert count(session, Task, Task.case_id == case_id) == 0
    assert count(session, AuditEvent, AuditEvent.case_id == case_id) == 0
    assert verify_trail(fresh(session)).problems == []


def test_a_test_case_runs_on_the_version_chosen_even_when_another_is_current(
    session, services, admin
):
    shorter = (DATA / "demo_case.bpmn").read_bytes().replace(b'value="PT24H"', b'value="PT12H"', 1)
    shorter = shorter.replace(b'id="demo_case"', b'id="demo_trial"', 1)
    original = shorter.replace(b'value="PT12H"', b'value="PT24H"', 1)
    versions.deploy_files(session, {"demo_trial.bpmn": original}, START, Actor.system())
    versions.deploy_files(session, {"demo_trial.bpmn": shorter}, START, Actor.system())
    versions.activate(session, "demo_trial", 1, START, Actor.system())
    session.commit()

    case = test_cases.start_test_case(session, services, admin, "demo_trial", START_DATA, version=2)

    safety = (
        fresh(session)
        .scalars(select(Task).where(Task.case_id == case.id, Task.name == "immediate_safety"))
        .one()
    )
    assert case.process_version.version == 2
    assert safety.due_at == START + timedelta(hours=12)


def test_only_administrators_start_test_cases(session, services, coordinator):
    with pytest.raises(Forbidden):
        test_cases.start_test_case(session, services, coordinator, "demo_case", START_DATA)


def test_no_organisation_can_be_put_on_a_test_case(session, services, admin):
    case = start_test(session, services, admin)

    with pytest.raises(Conflict, match="test organisation"):
        team.assign_role(session, services, admin, case.id, "police", "se-police")
