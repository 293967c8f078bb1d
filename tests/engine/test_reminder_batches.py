"""Reminders sent in batches: each one once, audited once, every case's audit chain
intact, however the due reminders fall across batches."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from engine.audit import verify_chain
from engine.db import make_sessionmaker
from engine.models import AuditEvent
from engine.schedule import reminders
from tests.factories.database import START
from tests.factories.scheduler import fresh, open_case, run_tick, sent_reminders, staff


@pytest.fixture
def sessions(db: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(db)


def test_reminders_across_batches_are_each_sent_and_audited_once_with_chains_intact(
    session, sessions, services, monkeypatch
):
    monkeypatch.setattr(reminders, "BATCH", 2)  # five cases' reminders in three batches
    coordinator = staff(session, "coordinator", "se-roks")
    cases = [open_case(session, services, coordinator) for _ in range(5)]

    report = run_tick(sessions, services, START)

    assert sorted(report.reminders) == sorted(
        f"{case.reference} immediate_safety P1D before" for case in cases
    )
    assert sent_reminders(session) == 5
    for case in cases:
        actions = fresh(session).scalars(
            select(AuditEvent.action).where(AuditEvent.case_id == case.id)
        )
        assert list(actions).count("reminder.sent") == 1
        assert verify_chain(session, case.id) == []
    assert run_tick(sessions, services, START).reminders == []
