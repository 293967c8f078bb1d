"""API tokens expire (90 days unless told otherwise), can be revoked, and show when
they were last used; an expired or revoked token is refused at once."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.accounts import users
from engine.audit import Actor
from engine.bpmn.clock import FixedClock
from engine.db.unit_of_work import in_transaction
from engine.models import ApiToken
from tests.factories.database import START
from tests.factories.people import make_user


def me(client: FlaskClient, token: str) -> int:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_token_works_for_ninety_days_and_not_a_moment_longer(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    token = make_user(session, "anna", "se-roks")
    clock.advance(timedelta(days=90) - timedelta(seconds=1))
    assert me(client, token) == 200
    clock.advance(timedelta(seconds=1))
    assert me(client, token) == 401


def test_a_revoked_token_is_refused_at_once(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    token = make_user(session, "anna", "se-roks")
    assert me(client, token) == 200
    (token_id,) = session.scalars(select(ApiToken.id))
    in_transaction(
        session, lambda: users.revoke_token(session, token_id, clock.now(), Actor.system())
    )
    assert me(client, token) == 401


def test_the_last_use_is_recorded_at_most_once_a_minute(
    client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    token = make_user(session, "anna", "se-roks")

    def last_used() -> object:
        session.rollback()
        return session.scalar(select(ApiToken.last_used_at))

    assert last_used() is None
    me(client, token)
    assert last_used() == START
    clock.advance(timedelta(seconds=59))
    me(client, token)
    assert last_used() == START
    clock.advance(timedelta(seconds=1))
    me(client, token)
    assert last_used() == START + timedelta(minutes=1)
