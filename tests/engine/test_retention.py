"""Retention: a closed case's personal data is erased once its country's period has
passed, unless it is on legal hold; the anonymised history stays, and the erased bytes
are gone from the database file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from engine.audit import Actor, verify_chain
from engine.case.notes import add_note
from engine.case.store import load_workflow
from engine.db.context import Services
from engine.errors import Conflict, NotFound
from engine.models import AuditEvent, Case, CaseMatch, Note, Task
from engine.retention.erasure import apply_retention, reclaim_space
from engine.retention.holds import place_hold, release_hold
from engine.retention.rules import seed_retention_rules
from tests.factories.case_walker import Walker, staff

ALIAS = "Zorblaxia Quintrell"
NOTE = "She keeps a diary at Quintrell Street 77"
YEAR = timedelta(days=365)


def closed_case(session: Session, services: Services) -> Walker:
    walker = Walker(session, services, alias=ALIAS, year_of_birth=1999)
    add_note(session, services, staff(session, "se-roks"), walker.case.id, NOTE)
    walker.complete("immediate_safety")
    walker.message("close_case")
    assert walker.case.status == "closed"
    return walker


@pytest.fixture
def rules(session: Session, services: Services) -> None:
    seed_retention_rules(session, services.now())
    session.commit()


def test_a_case_past_its_period_loses_her_data_and_keeps_its_history(session, services, rules):
    walker = closed_case(session, services)
    case_id = walker.case.id
    tasks_before = session.scalar(select(func.count()).where(Task.case_id == case_id))

    early = apply_retention(session, Actor.system(), services.now() + 4 * YEAR)
    assert early.erased == []  # SE keeps closed cases five years

    report = apply_retention(session, Actor.system(), services.now() + 5 * YEAR + timedelta(2))
    assert [d.case_id for d in report.erased] == [case_id]
    session.expire_all()
    case = session.get(Case, case_id)
    assert case.erased_at is not None and case.state == b"" and case.profile is None
    assert session.scalar(select(func.count()).where(Note.case_id == case_id)) == 0
    assert session.get(CaseMatch, case_id) is None  # her details no longer match anyone
    assert all(t.data is None for t in session.scalars(select(Task).where(Task.case_id == case_id)))
    # The anonymised history: status, stage, dates, the task index and the audit trail.
    assert (case.status, case.host_country, case.closed_at is not None) == ("closed", "SE", True)
    assert session.scalar(select(func.count()).where(Task.case_id == case_id)) == tasks_before
    actions = list(
        session.scalars(
            select(AuditEvent.action).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)
        )
    )
    assert actions[0] == "case.opened" and actions[-1] == "case.erased"
    assert verify_chain(session, case_id) == []
    with pytest.raises(Conflict):
        load_workflow(services, case)
    again = apply_retention(session, Actor.system(), services.now() + 6 * YEAR)
    assert again.erased == []


def test_a_legal_hold_keeps_the_case_until_it_is_released(session, services, rules):
    walker = closed_case(session, services)
    coordinator = staff(session, "se-roks")
    place_hold(session, services, coordinator, walker.case.id, "Trial against the trafficker")
    later = services.now() + 6 * YEAR

    report = apply_retention(session, Actor.system(), later)
    assert report.erased == [] and [d.case_id for d in report.held] == [walker.case.id]
    assert session.get(Case, walker.case.id).erased_at is None

    release_hold(session, services, coordinator, walker.case.id)
    report = apply_retention(session, Actor.system(), later)
    assert [d.case_id for d in report.erased] == [walker.case.id]


def test_only_the_coordinator_places_a_hold(session, services, rules):
    walker = closed_case(session, services)
    # Once the case is closed the police no longer see it at all (need to know).
    with pytest.raises(NotFound):
        place_hold(session, services, staff(session, "se-police"), walker.case.id, "Our trial")


def test_a_dry_run_says_what_it_would_erase_and_changes_nothing(session, services, rules):
    walker = closed_case(session, services)
    report = apply_retention(session, Actor.system(), services.now() + 6 * YEAR, dry_run=True)
    assert [d.case_id for d in report.erased] == [walker.case.id]
    assert "would erase" in report.lines(dry_run=True)[0]
    assert session.get(Case, walker.case.id).erased_at is None


def test_open_cases_and_countries_without_a_period_are_never_erased(session, services):
    walker = Walker(session, services, alias=ALIAS)  # open, and no rules seeded at all
    report = apply_retention(session, Actor.system(), services.now() + 50 * YEAR)
    assert report.erased == []
    assert session.get(Case, walker.case.id).erased_at is None


def _database_files(db: Engine) -> list[Path]:
    path = Path(str(db.url.database))
    return [p for p in (path, Path(f"{path}-wal")) if p.exists()]


def test_the_erased_data_is_gone_from_the_database_file(db, session, services, rules):
    if db.dialect.name != "sqlite":
        pytest.skip("reads the SQLite file's bytes")
    walker = closed_case(session, services)
    case = session.get(Case, walker.case.id)
    note = session.scalar(select(Note).where(Note.case_id == case.id))
    answers = [
        t.data for t in session.scalars(select(Task).where(Task.case_id == case.id)) if t.data
    ]
    # Her data is encrypted at rest, so what must vanish from the file is its ciphertext.
    secrets = [case.state[:64], case.profile[:64], note.body[:64], *(a[:64] for a in answers)]
    session.commit()
    reclaim_space(db)
    before = b"".join(p.read_bytes() for p in _database_files(db))
    assert all(s in before for s in secrets)

    apply_retention(session, Actor.system(), services.now() + 6 * YEAR)
    session.close()
    reclaim_space(db)

    after = b"".join(p.read_bytes() for p in _database_files(db))
    assert [s for s in secrets if s in after] == []
    assert ALIAS.encode() not in after and NOTE.encode() not in after
