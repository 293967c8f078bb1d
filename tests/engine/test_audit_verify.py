"""The audit trail proves itself: `verify_trail` finds an edited, removed or reordered
event, even when whoever changed it recomputed the hashes without the data key."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from engine.audit import Actor, legacy_digest, record, verify_chain, verify_trail
from engine.db import alembic_config, make_engine, make_sessionmaker, migrate
from engine.db.unit_of_work import in_transaction
from engine.models import AuditEvent, AuditHead
from tests.factories.database import START

CASE = "case-under-audit"


def record_events(session: Session, count: int, case_id: str | None = CASE) -> list[int]:
    """`count` events, one transaction each, as case views and steps record them."""
    ids = []
    for index in range(count):
        entry = in_transaction(
            session,
            lambda index=index: record(  # type: ignore[misc]
                session,
                Actor.system(),
                "case.viewed",
                START + timedelta(minutes=index),
                case_id,
                step=index,
            ),
        )
        ids.append(entry.id)
    return ids


def tamper(session: Session, statement: object) -> None:
    session.rollback()
    session.execute(statement)  # type: ignore[call-overload]
    session.commit()


def first_problem(session: Session) -> tuple[int | None, str]:
    session.rollback()
    problem = verify_trail(session).first
    assert problem is not None, "the change went unnoticed"
    return problem.event_id, problem.message


def test_an_untouched_trail_is_intact(session: Session) -> None:
    record_events(session, 4)
    record_events(session, 2, case_id=None)
    report = verify_trail(session)
    assert report.problems == []
    assert report.events >= 6 and report.chains >= 2


def test_an_edited_detail_is_found(session: Session) -> None:
    ids = record_events(session, 5)
    tamper(session, update(AuditEvent).where(AuditEvent.id == ids[2]).values(detail={"step": 9}))
    event_id, message = first_problem(session)
    assert event_id == ids[2] and "altered" in message
    assert verify_chain(session, CASE) == [ids[2]]


def test_an_edit_with_the_chain_recomputed_without_the_key_is_found(session: Session) -> None:
    ids = record_events(session, 4)
    session.rollback()
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.case_id == CASE)))
    events[1].detail = {"step": "rewritten"}
    previous = events[0].hash
    for entry in events[1:]:  # what someone with database access but no key can do
        entry.prev_hash = previous
        entry.hash = previous = legacy_digest(entry)
    session.get_one(AuditHead, CASE).hash = previous
    session.commit()
    event_id, message = first_problem(session)
    assert event_id == ids[1] and "altered" in message


def test_a_removed_event_in_the_middle_is_found(session: Session) -> None:
    ids = record_events(session, 5)
    tamper(session, delete(AuditEvent).where(AuditEvent.id == ids[2]))
    event_id, message = first_problem(session)
    assert event_id == ids[3] and "removed" in message


def test_removed_newest_events_are_found(session: Session) -> None:
    ids = record_events(session, 5)
    tamper(session, delete(AuditEvent).where(AuditEvent.id.in_(ids[3:])))
    event_id, message = first_problem(session)
    assert event_id == ids[2]
    assert "newest events were removed" in message


def test_removing_the_newest_event_and_rolling_the_head_back_is_found(
    session: Session,
) -> None:
    ids = record_events(session, 3)
    session.rollback()
    before_last = session.get_one(AuditEvent, ids[1]).hash
    tamper(session, delete(AuditEvent).where(AuditEvent.id == ids[2]))
    tamper(
        session,
        update(AuditHead).where(AuditHead.chain == CASE).values(hash=before_last, count=2),
    )
    _event_id, message = first_problem(session)
    assert "altered head" in message


def test_a_removed_chain_head_is_found(session: Session) -> None:
    record_events(session, 2)
    tamper(session, delete(AuditHead).where(AuditHead.chain == CASE))
    _event_id, message = first_problem(session)
    assert "no head" in message


def test_two_events_swapped_are_found(session: Session) -> None:
    ids = record_events(session, 5)
    session.rollback()
    columns = ("at", "action", "detail", "prev_hash", "hash")
    one, two = (session.get_one(AuditEvent, ids[i]) for i in (1, 3))
    swapped = [{c: getattr(row, c) for c in columns} for row in (two, one)]
    session.rollback()
    tamper(session, update(AuditEvent).where(AuditEvent.id == ids[1]).values(**swapped[0]))
    tamper(session, update(AuditEvent).where(AuditEvent.id == ids[3]).values(**swapped[1]))
    event_id, message = first_problem(session)
    assert event_id == ids[1] and "reordered" in message


@pytest.fixture
def legacy_database(tmp_path: Path) -> Iterator[Session]:
    """A database at migration 0007 holding events chained the old way (plain SHA-256,
    two readers linked to one predecessor), then migrated to the newest schema."""
    url = f"sqlite:///{tmp_path}/legacy.db"
    command.upgrade(alembic_config(url), "0007")
    engine = make_engine(url)
    rows, previous = [], None
    for index, prev in enumerate([None, 0, 1, 1]):  # the last two share a predecessor
        entry = AuditEvent(
            id=index + 1,
            at=START + timedelta(minutes=index),
            case_id=CASE,
            user_id=None,
            organisation_id=None,
            action="case.viewed",
            detail={"step": index},
            prev_hash=None if prev is None else rows[prev]["hash"],
        )
        entry.hash = previous = legacy_digest(entry)
        rows.append({c.name: getattr(entry, c.name) for c in AuditEvent.__table__.columns})
    with engine.begin() as connection:
        connection.execute(insert(AuditEvent), rows)
    assert previous is not None
    migrate(url)
    with make_sessionmaker(engine)() as session:
        yield session
    engine.dispose()


def test_a_trail_from_before_keyed_chaining_verifies_and_continues(
    legacy_database: Session,
) -> None:
    session = legacy_database
    assert verify_trail(session).problems == []
    record_events(session, 2)
    report = verify_trail(session)
    assert report.problems == [] and report.events == 6


def test_an_edited_event_from_before_keyed_chaining_is_found(legacy_database: Session) -> None:
    session = legacy_database
    record_events(session, 1)
    tamper(session, update(AuditEvent).where(AuditEvent.id == 2).values(detail={"step": 7}))
    event_id, message = first_problem(session)
    assert event_id == 2 and "altered" in message


def test_passing_keyed_events_off_as_older_ones_is_found(legacy_database: Session) -> None:
    session = legacy_database
    record_events(session, 1, case_id=None)  # a sign-in seals where keyed chaining starts
    (newest,) = record_events(session, 1)
    session.rollback()
    entry = session.get_one(AuditEvent, newest)
    entry.hash = legacy_digest(entry)  # rehashed the old way, without the key
    head = session.get_one(AuditHead, CASE)
    head.hash, head.keyed_from, head.mac = entry.hash, 10**9, None
    session.commit()
    _event_id, message = first_problem(session)
    assert "keyed chaining was moved" in message
