"""The administrators' page of people: everyone listed, a person's access ended at
once, a lost second factor cleared; nobody else reaches it."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import AuditEvent, User
from tests.factories.pages import post, sign_in, sign_in_as_administrator, text
from tests.factories.people import make_user


def test_an_administrator_deactivates_someone_who_is_signed_out_at_once(
    app: Flask, session: Session
) -> None:
    make_user(session, "ada", "no-police", admin=True)
    token = make_user(session, "anna", "se-roks")
    admin, anna = app.test_client(), app.test_client()
    sign_in_as_administrator(admin, "ada")
    sign_in(anna, "anna")
    page = admin.get("/admin/users")
    assert page.status_code == 200
    assert "anna" in text(page) and "Deactivate anna" in text(page)
    done = post(admin, "/admin/users/anna/deactivate")
    assert done.status_code == 302
    assert anna.get("/").status_code == 302  # signed out at once
    assert anna.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    session.rollback()
    (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "user.deactivated"))
    assert event.user_id == session.scalar(select(User.id).where(User.username == "ada"))


def test_an_administrator_clears_a_lost_second_factor(app: Flask, session: Session) -> None:
    make_user(session, "ada", "no-police", admin=True)
    make_user(session, "bo", "no-police", admin=True)
    ada, bo = app.test_client(), app.test_client()
    sign_in_as_administrator(ada, "ada")
    sign_in_as_administrator(bo, "bo")
    assert post(ada, "/admin/users/bo/reset-2fa").status_code == 302
    session.rollback()
    assert session.scalar(select(User.totp_secret).where(User.username == "bo")) is None


def test_an_administrator_cannot_deactivate_herself(app: Flask, session: Session) -> None:
    make_user(session, "ada", "no-police", admin=True)
    client = app.test_client()
    sign_in_as_administrator(client, "ada")
    assert "Deactivate ada" not in text(client.get("/admin/users"))
    assert post(client, "/admin/users/ada/deactivate").status_code == 409
    assert client.get("/admin/users").status_code == 200


def test_only_administrators_reach_the_people_page(app: Flask, session: Session) -> None:
    make_user(session, "anna", "se-roks")
    make_user(session, "berit", "se-roks")
    client = app.test_client()
    sign_in(client, "anna")
    assert client.get("/admin/users").status_code == 403
    assert post(client, "/admin/users/berit/deactivate").status_code == 403
    session.rollback()
    assert session.scalar(select(User.active).where(User.username == "berit")) is True
