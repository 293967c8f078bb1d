"""Races: many people completing the same task at the same moment."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from engine.case import transactions
from engine.errors import Conflict
from engine.models import AuditEvent, Case, Task
from tests.factories.case_walker import (
    NO_RISK,
    Walker,
    police_may_be_told,
    ready_for_decision,
    staff,
)
from tests.factories.form_data import valid_data

THREADS = 20


def test_twenty_simultaneous_completions_one_wins_the_rest_conflict(db, session, services):
    walker = Walker(session, services)
    task = walker.task("immediate_safety")
    actor = staff(session, "se-roks")
    revision = walker.case.revision
    data = valid_data("immediate_safety")
    session.commit()  # end this reading transaction: on SQLite every transaction holds the lock
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()
    make_session = sessionmaker(db, expire_on_commit=False)

    def attempt() -> None:
        with make_session() as own:
            barrier.wait()
            try:
                transactions.complete_task(own, services, actor, task.id, data)
                result = "ok"
            except Conflict:
                result = "conflict"
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["conflict"] * (THREADS - 1) + ["ok"]
    session.expire_all()  # read what the threads wrote, not what this session cached
    case = session.get(Case, walker.case.id)
    assert case.revision == revision + 1
    assert session.get(Task, task.id).state == "completed"
    completions = session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "task.completed")
    )
    assert completions == 1
    # The case goes on normally after the race.
    walker.case = case
    police_may_be_told(walker)
    walker.complete("non_punishment_notice")


def test_a_task_completed_and_pruned_meanwhile_is_a_conflict_not_a_404(db, session, services):
    """Someone read the task as open; before they load the case, another completes it
    and the saved state no longer holds the task at all."""
    walker = Walker(session, services, has_residence_right=True)
    ready_for_decision(walker)
    walker.complete("police_risk_input", **NO_RISK)
    # Its decision table runs at once after it, so the saved state drops the task.
    task = walker.task("risk_assessment")
    actor = staff(session, "se-roks")
    data = valid_data("risk_assessment", **NO_RISK)
    session.commit()  # end this reading transaction: on SQLite every transaction holds the lock
    make_session = sessionmaker(db, expire_on_commit=False)
    with make_session() as late:
        stale = late.get(Task, task.id)
        assert stale.state == "open"  # what the late request saw
        late.commit()  # (keeps the row as it was seen; its next reads see new data)
        with make_session() as early:
            transactions.complete_task(early, services, actor, task.id, data)
        late.expire(stale.case_file)  # it now loads the case as the winner left it
        with pytest.raises(Conflict, match="completed"):
            transactions.complete_task(late, services, actor, task.id, data)
