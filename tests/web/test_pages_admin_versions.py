"""The administrators' pages for versions and quarantine: roll a process back to an
earlier version for new cases, read what changed between two versions, and release a
case the scheduler set aside. Only administrators get there."""

from __future__ import annotations

import io
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from engine import versions
from engine.audit import Actor
from engine.case import transactions
from engine.models import Case
from tests.factories.database import DATA, START
from tests.factories.pages import csrf_token, post, sign_in, text
from tests.factories.people import make_user
from tests.factories.process_library import administrator
from tests.factories.scheduler import START_DATA, fresh, staff

DEMO = (DATA / "demo_case.bpmn").read_bytes()


def deploy_two_versions(session: Session, process_id: str) -> bytes:
    """Versions 1 and 2 of a copy of the demo process; returns version 2's diagram."""
    first = DEMO.replace(b'id="demo_case"', f'id="{process_id}"'.encode(), 1)
    second = first.replace(b'name="due" value="PT24H"', b'name="due" value="PT12H"', 1)
    for minutes, content in enumerate((first, second)):
        versions.deploy_files(
            session,
            {f"{process_id}.bpmn": content},
            START + timedelta(minutes=minutes),
            Actor.system(),
        )
    session.commit()
    return second


def test_the_version_and_quarantine_pages_are_for_administrators_only(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")

    for path in ("/admin/versions/demo_case", "/admin/quarantine"):
        assert client.get(path).status_code == 403, path
    assert post(client, "/admin/versions/demo_case/activate", {"version": 1}).status_code == 403


def test_an_administrator_rolls_back_to_version_1_and_sees_what_changed(
    client: FlaskClient, library: Session
) -> None:
    second = deploy_two_versions(library, "pages_rollback")
    administrator(client, library)

    page = text(client.get("/admin/versions/pages_rollback?old=1&new=2"))
    done = post(client, "/admin/versions/pages_rollback/activate", {"version": 1})
    after = text(client.get(done.headers["Location"]))

    assert "Make version 1 current" in page and "Make version 2 current" not in page
    assert "immediate_safety" in page and "PT24H" in page and "PT12H" in page
    assert done.status_code == 302
    assert "New cases of pages_rollback now start on version 1." in after
    assert "Make version 2 current" in after
    assert versions.current_version(fresh(library), "pages_rollback").version == 1
    again = client.post(
        "/admin/processes",
        data={
            "csrf_token": csrf_token(client),
            "base": "pages_rollback",
            "files": [(io.BytesIO(second), "pages_rollback.bpmn")],
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Version 2 is not the one new cases start on" in text(again)
    version_2 = text(client.get("/admin/processes/pages_rollback/2"))
    assert "start on another version" in version_2 and "/admin/versions/pages_rollback" in version_2
    assert 'href="/admin/versions/pages_rollback"' in text(client.get("/admin/processes"))


def test_an_administrator_releases_a_quarantined_case(
    client: FlaskClient, session: Session, services
) -> None:
    opener = staff(session, "coordinator", "se-roks")
    case = transactions.open_case(session, services, opener, START_DATA, process_id="demo_case")
    session.execute(
        update(Case)
        .where(Case.id == case.id)
        .values(quarantined_at=START, quarantine_reason="the process failed at 'spin'")
    )
    session.commit()
    administrator(client, session)

    listed = text(client.get("/admin/quarantine"))
    done = post(client, f"/admin/quarantine/{case.reference}/release")
    after = text(client.get(done.headers["Location"]))

    assert case.reference in listed and "the process failed at &#39;spin&#39;" in listed
    assert f"{case.reference} is released" in after and "No case is quarantined." in after
    assert fresh(session).get(Case, case.id).quarantined_at is None  # type: ignore[union-attr]
