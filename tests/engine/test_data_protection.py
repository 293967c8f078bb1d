"""Personal data is encrypted at rest, bound to its case, and every read is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from engine.case import read_models
from engine.crypto import DecryptionError
from engine.models import AuditEvent, Case, Task
from tests.factories.case_walker import Walker, police_may_be_told, staff

ALIAS = "Zorya-Unique-Alias"


def test_case_state_and_task_data_are_not_stored_in_plain_text(db, session, services):
    walker = Walker(session, services, alias=ALIAS)
    walker.complete("immediate_safety", notes="Staying with Olena Secretname")
    with db.connect() as connection:
        states = connection.execute(text("SELECT state FROM case_file")).scalars().all()
        data = (
            connection.execute(text("SELECT data FROM task WHERE data IS NOT NULL")).scalars().all()
        )
    assert states and data
    for blob in [*states, *data]:
        raw = bytes(blob)
        assert ALIAS.encode() not in raw and b"Secretname" not in raw


def test_a_state_copied_onto_another_case_does_not_decrypt(session, services):
    first, second = Walker(session, services), Walker(session, services)
    blob = session.get(Case, first.case.id).state
    assert services.cipher.decrypt(blob, first.case.id)
    with pytest.raises(DecryptionError):
        services.cipher.decrypt(blob, second.case.id)


def test_every_read_of_a_case_is_audited(session, services):
    walker = Walker(session, services)
    officer = staff(session, "se-police")
    police_may_be_told(walker)  # the police see the case once their task opens
    read_models.read_case(session, officer, walker.case.id, services.now())
    task = walker.task("non_punishment_notice")
    read_models.task_detail(session, services.cipher, officer, task.id, services.now())
    session.commit()  # audit events are chained and written when the reads commit
    reads = session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.case_id == walker.case.id, AuditEvent.user_id == officer.user_id
        )
    ).all()
    assert reads == ["case.viewed", "task.viewed"]


def test_an_administrator_elsewhere_sees_no_case(session, services):
    walker = Walker(session, services)
    from engine.accounts import users
    from engine.accounts.users import actor_for

    admin = actor_for(
        users.create_user(session, "root.admin", "dk-police", None, services.now(), True)
    )
    session.commit()
    assert read_models.list_cases(session, admin).items == []
    assert read_models.list_tasks(session, admin, services.now()).items == []
    assert session.scalar(select(Task.id).where(Task.case_id == walker.case.id)) is not None
