"""The revision check of a save: someone who read a case before another person changed
it cannot overwrite that change, even when the two worked on different tasks.

SQLite's units of work take the write lock up front and reload the case, so a stale
read cannot happen inside one there; the stale writer is therefore built at the store
level (load, then save with the revision it read), which runs on both databases."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.orm import sessionmaker

from engine.audit import Actor
from engine.bpmn import runtime
from engine.bpmn.clock import use_clock
from engine.case import transactions
from engine.case.store import load_workflow, save_workflow
from engine.db.unit_of_work import in_transaction
from engine.errors import Conflict
from engine.models import Case, Task
from tests.factories.case_walker import Walker, police_may_be_told, staff
from tests.factories.form_data import valid_data


def test_a_stale_save_after_another_task_of_the_case_was_completed_is_a_conflict(
    db, session, services
):
    walker = Walker(session, services)
    police_may_be_told(walker)
    first, second = walker.task("immediate_safety"), walker.task("non_punishment_notice")
    holder = staff(session, second.organisation.slug)
    session.commit()
    make_session = sessionmaker(db, expire_on_commit=False)
    with make_session() as late:
        # The late writer reads the case and its workflow for the first task...
        case = late.get(Case, walker.case.id)
        seen_revision = case.revision
        workflow = load_workflow(services, case)
        late.commit()
        # ...meanwhile someone else completes the second task of the same case...
        with make_session() as early:
            transactions.complete_task(
                early, services, holder, second.id, valid_data("non_punishment_notice")
            )
        # ...and the late writer saves what it read plus its own step.
        with use_clock(services.clock):
            runtime.complete_task(workflow, first.id, valid_data("immediate_safety"))
        with pytest.raises(Conflict, match="changed by someone else"):
            in_transaction(
                late, lambda: save_workflow(late, services, case, workflow, seen_revision)
            )

    session.expire_all()
    assert session.get(Case, walker.case.id).revision == seen_revision + 1
    assert session.get(Task, second.id).state == "completed"  # the other's work is kept
    assert session.get(Task, first.id).state == "open"


def test_a_stale_save_cannot_undo_a_message_delivered_meanwhile(db, session, services):
    """Only the revision check stands here: the message changed the case's state but no
    row the stale writer touches, so nothing else would refuse the write."""
    walker = Walker(session, services)
    first = walker.task("immediate_safety")
    coordinator = staff(session, "se-roks")
    session.commit()
    make_session = sessionmaker(db, expire_on_commit=False)
    with make_session() as late:
        case = late.get(Case, walker.case.id)
        seen_revision = case.revision
        workflow = load_workflow(services, case)
        late.commit()
        with make_session() as early:
            transactions.deliver_message(
                early,
                services,
                coordinator,
                case.id,
                "new_information",
                valid_data("new_information"),
            )
        with use_clock(services.clock):
            runtime.complete_task(workflow, first.id, valid_data("immediate_safety"))
        with pytest.raises(Conflict, match="changed by someone else"):
            in_transaction(
                late, lambda: save_workflow(late, services, case, workflow, seen_revision)
            )

    walker.session.expire_all()
    walker.case = session.get(Case, walker.case.id)
    assert walker.case.revision == seen_revision + 1
    assert "review_identification" in walker.names()  # what the message opened is kept
    assert session.get(Task, first.id).state == "open"


def test_two_people_completing_two_tasks_of_one_case_at_once_lose_nothing(db, session, services):
    """A real race, on PostgreSQL (SQLite serialises writers before they read): both
    complete, one after the other, or the later one is told of the conflict; never does
    one overwrite the other's step."""
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite's writers take the lock before reading: no stale read to race")
    walker = Walker(session, services)
    police_may_be_told(walker)
    tasks = [walker.task("immediate_safety"), walker.task("non_punishment_notice")]
    people = [staff(session, t.organisation.slug) for t in tasks]
    session.commit()
    make_session = sessionmaker(db, expire_on_commit=False)
    barrier = threading.Barrier(2)
    completed: list[str] = []

    def attempt(task: Task, person: Actor) -> None:
        with make_session() as own:
            barrier.wait()
            try:
                transactions.complete_task(own, services, person, task.id, valid_data(task.form))
                completed.append(task.name)
            except Conflict:
                pass

    threads = [
        threading.Thread(target=attempt, args=pair) for pair in zip(tasks, people, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert completed  # at least one of the two went through
    session.expire_all()
    case = session.get(Case, walker.case.id)
    still_ready = {t.name for t in runtime.ready_human_tasks(load_workflow(services, case))}
    assert not still_ready & set(completed)  # every completion is in the saved workflow
