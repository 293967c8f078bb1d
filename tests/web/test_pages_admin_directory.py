"""The administrators' pages for the directory and for new accounts: organisations
added and edited (validated against directory.schema.json, audited), people created
from the users page; nobody but administrators gets there."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.accounts.users import check_password
from engine.directory import default_team
from engine.models import AuditEvent, Organisation, User
from tests.factories.pages import post, sign_in, sign_in_as_administrator, text
from tests.factories.people import make_user


@pytest.fixture
def directory(session: Session) -> Iterator[Session]:
    """Put the directory back as it was: it outlives a test."""
    saved = {
        o.slug: (o.name, o.country, list(o.roles), list(o.default_for), dict(o.contacts))
        for o in session.scalars(select(Organisation))
    }
    yield session
    session.rollback()
    session.execute(delete(Organisation).where(Organisation.slug.not_in(list(saved))))
    for o in session.scalars(select(Organisation)):
        o.name, o.country, o.roles, o.default_for, o.contacts = saved[o.slug]
    session.commit()


@pytest.fixture
def ada(app: Flask, directory: Session) -> FlaskClient:
    make_user(directory, "ada", "no-police", admin=True)
    client = app.test_client()
    sign_in_as_administrator(client, "ada")
    return client


def organisation(session: Session, slug: str) -> Organisation:
    session.commit()
    session.expire_all()  # the page saved it through another session
    return session.scalars(select(Organisation).where(Organisation.slug == slug)).one()


SHELTER = {
    "slug": "no-krisesenter-oslo",
    "name": "Oslo Crisis Centre",
    "country": "NO",
    "roles": ["ngo_support", "return_partner"],
    "phone": "+47 22 48 03 80",
    "phone_label": "Hotline, day and night",
    "email": "post@example.no",
}


def test_an_administrator_adds_an_organisation_that_new_cases_can_use(
    ada: FlaskClient, directory: Session
) -> None:
    done = post(ada, "/admin/directory", SHELTER)

    assert done.status_code == 302
    added = organisation(directory, "no-krisesenter-oslo")
    assert added.roles == ["ngo_support", "return_partner"]
    assert added.contacts == {
        "phone": "+47 22 48 03 80",
        "phone_label": "Hotline, day and night",
        "email": "post@example.no",
    }
    assert "Oslo Crisis Centre" in text(ada.get("/admin/directory"))
    event = directory.scalars(
        select(AuditEvent).where(AuditEvent.action == "directory.organisation_created")
    ).one()
    assert event.detail["slug"] == "no-krisesenter-oslo"


def test_an_invalid_entry_is_refused_per_field_and_nothing_is_saved(
    ada: FlaskClient, directory: Session
) -> None:
    refused = post(
        ada,
        "/admin/directory",
        {**SHELTER, "slug": "Oslo Shelter!", "email": "not an address", "roles": []},
    )

    assert refused.status_code == 422
    page = text(refused)
    assert "Nothing was saved" in page
    assert "slug: Use the expected format" in page
    assert "contacts.email: Use the expected format" in page
    assert "roles: Choose at least one" in page
    assert (
        directory.scalar(select(Organisation).where(Organisation.name == SHELTER["name"])) is None
    )


def test_editing_moves_a_default_role_only_when_no_other_organisation_holds_it(
    ada: FlaskClient, directory: Session
) -> None:
    police = organisation(directory, "no-police")
    edit = {
        "name": "Police — Norway (Kripos)",
        "country": "NO",
        "roles": police.roles,
        "default_for": police.default_for,
        "email": "kripos@example.no",
    }
    assert post(ada, "/admin/directory/no-police", edit).status_code == 302
    renamed = organisation(directory, "no-police")
    assert renamed.name == "Police — Norway (Kripos)"
    assert renamed.contacts["email"] == "kripos@example.no"
    assert default_team(directory, "NO")["police"].name == "Police — Norway (Kripos)"
    changed = directory.scalars(
        select(AuditEvent).where(AuditEvent.action == "directory.organisation_updated")
    ).one()
    assert changed.detail["changed"]["name"]["from"] == "Police — Norway"

    post(ada, "/admin/directory", SHELTER)
    second = post(
        ada, "/admin/directory/no-krisesenter-oslo", {**SHELTER, "default_for": ["ngo_support"]}
    )
    assert second.status_code == 422
    assert "is already the default for ngo_support in NO" in text(second)


def test_an_administrator_creates_a_person_who_can_sign_in(
    ada: FlaskClient, directory: Session
) -> None:
    done = post(
        ada,
        "/admin/users",
        {
            "username": "sigrid",
            "organisation": "no-police",
            "password": "a long first password",
            "password_again": "a long first password",
        },
    )

    assert done.status_code == 302
    directory.commit()
    assert check_password(directory, "sigrid", "a long first password") is not None
    created = directory.scalars(select(User).where(User.username == "sigrid")).one()
    assert created.organisation.slug == "no-police" and not created.is_admin
    event = directory.scalars(select(AuditEvent).where(AuditEvent.action == "user.created")).all()
    assert any(e.detail["username"] == "sigrid" and e.user_id is not None for e in event)


def test_a_person_is_not_created_with_a_short_or_mistyped_password_or_a_taken_name(
    ada: FlaskClient, directory: Session
) -> None:
    person = {"username": "sigrid", "organisation": "no-police"}
    short = post(ada, "/admin/users", {**person, "password": "short", "password_again": "short"})
    assert short.status_code == 422 and "Use at least 10 characters" in text(short)
    typo = {"password": "a long first password", "password_again": "a long first pasword"}
    mistyped = post(ada, "/admin/users", {**person, **typo})
    assert mistyped.status_code == 422 and "Type the same password" in text(mistyped)
    taken = post(
        ada,
        "/admin/users",
        {**person, "username": "ada", "password": "x" * 12, "password_again": "x" * 12},
    )
    assert taken.status_code == 409 and "ada is taken" in text(taken)
    directory.commit()
    assert directory.scalar(select(User).where(User.username == "sigrid")) is None


def test_people_who_are_not_administrators_cannot_edit_the_directory_or_add_people(
    app: Flask, directory: Session
) -> None:
    make_user(directory, "anna", "se-roks")
    anna = app.test_client()
    sign_in(anna, "anna")

    assert anna.get("/admin/directory").status_code == 403
    assert post(anna, "/admin/directory", SHELTER).status_code == 403
    person = {"username": "mallory", "organisation": "se-roks", "admin": "on"}
    assert (
        post(
            anna, "/admin/users", {**person, "password": "x" * 12, "password_again": "x" * 12}
        ).status_code
        == 403
    )
    directory.commit()
    assert directory.scalar(select(User).where(User.username == "mallory")) is None
