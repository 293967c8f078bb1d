"""Four eyes across the network, from the browser: a changed shared process is only
proposed; an administrator of another organisation approves or rejects it, with the
diff and the discussion in view; the proposer's organisation and people who are not
administrators cannot decide it. A version dropping a relied-on task needs confirming."""

from __future__ import annotations

import dataclasses
import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from engine.bpmn.clock import FixedClock
from engine.models import AuditEvent, ProcessVersion, ReviewEntry
from engine.settings import Settings
from tests.factories.pages import csrf_token, post, sign_in, sign_in_as_administrator, text
from tests.factories.people import make_user
from tests.factories.process_library import DEMO, demo_with, latest
from web import create_app

SHORTER_DUE = demo_with(b'name="due" value="PT24H"', b'name="due" value="PT12H"')
# inform_rights renamed: the relied-on task id disappears (its form stays the same).
WITHOUT_INFORM_RIGHTS = (
    DEMO.replace(b'"inform_rights"', b'"inform_of_rights"')
    .replace(b">inform_rights<", b">inform_of_rights<")
    .replace(
        b'<spiffworkflow:property name="due" value="P7D"/>',
        b'<spiffworkflow:property name="due" value="P7D"/>'
        b'<spiffworkflow:property name="form" value="inform_rights"/>',
    )
)


@pytest.fixture
def network(db: Engine, settings: Settings, clock: FixedClock, library: Session) -> Flask:
    """The app with four eyes on, as in production, and a library that forgets."""
    return create_app(
        {
            "settings": dataclasses.replace(settings, four_eyes=True),
            "engine": db,
            "clock": clock,
            "TESTING": True,
            "CASE_PROCESS": "demo_case",
        }
    )


def administrator_of(app: Flask, session: Session, name: str, organisation: str) -> FlaskClient:
    make_user(session, name, organisation, admin=True)
    client = app.test_client()
    sign_in_as_administrator(client, name)
    return client


def upload(client: FlaskClient, content: bytes, **extra: str):  # type: ignore[no-untyped-def]
    data = {
        "csrf_token": csrf_token(client),
        "base": "demo_case",
        "files": [(io.BytesIO(content), "demo_case.bpmn")],
        **extra,
    }
    return client.post("/admin/processes", data=data, content_type="multipart/form-data")


def current(session: Session) -> int:
    session.commit()
    return session.scalars(
        select(ProcessVersion.version).where(
            ProcessVersion.process_id == "demo_case", ProcessVersion.is_current.is_(True)
        )
    ).one()


def propose_shorter_due(ada: FlaskClient, session: Session) -> int:
    done = upload(ada, SHORTER_DUE)
    assert done.status_code == 302
    assert "An administrator of another organisation approves it" in text(
        ada.get("/admin/processes")
    )
    return latest(session).version


def test_a_changed_process_is_proposed_and_new_cases_keep_the_current_version(
    network: Flask, session: Session
) -> None:
    ada = administrator_of(network, session, "ada", "no-police")
    before = current(session)

    number = propose_shorter_due(ada, session)

    assert number == before + 1 and current(session) == before
    assert latest(session).review_state == "proposed"
    assert "proposed, waiting for approval" in text(ada.get("/admin/processes"))
    page = text(ada.get("/admin/proposals"))
    assert f'data-version="{number}"' in page
    assert "~ immediate_safety: due PT24H → PT12H" in page
    assert "Your organisation proposed this change" in page
    assert "Approve version" not in page


def test_administrators_of_other_organisations_are_asked_by_e_mail_in_their_language(
    network: Flask, session: Session
) -> None:
    from engine.models import OutboxMail, User

    ada = administrator_of(network, session, "ada", "no-police")
    administrator_of(network, session, "liga", "lv-marta")
    administrator_of(network, session, "ole", "no-rosa")
    for username, address in (("ada", "ada@police.no"), ("liga", "liga@marta.lv"), ("ole", None)):
        session.scalars(select(User).where(User.username == username)).one().email = address
    session.commit()

    number = propose_shorter_due(ada, session)

    session.commit()
    mails = session.scalars(select(OutboxMail)).all()
    assert [m.recipient for m in mails] == ["liga@marta.lv"]  # not the proposer's own
    assert "demo_case" in mails[0].subject and f"versiju {number}" in mails[0].body
    assert "/admin/proposals" in mails[0].body
    assert "proposes version" not in mails[0].body  # Latvian, her country's language
    # The versions page offers no "make current" on a proposal: it waits for approval.
    page = text(ada.get("/admin/versions/demo_case"))
    assert f"Make version {number} current" not in page and 'data-testid="proposed"' in page


def test_the_proposers_organisation_cannot_approve_its_own_change(
    network: Flask, session: Session
) -> None:
    ada = administrator_of(network, session, "ada", "no-police")
    bo = administrator_of(network, session, "bo", "no-police")
    number = propose_shorter_due(ada, session)

    for client in (ada, bo):
        refused = post(client, f"/admin/proposals/demo_case/{number}/approve")
        assert refused.status_code == 403
        assert "administrator of another organisation" in text(refused)

    assert latest(session).review_state == "proposed" and current(session) == number - 1


def test_people_who_are_not_administrators_cannot_review(network: Flask, session: Session) -> None:
    ada = administrator_of(network, session, "ada", "no-police")
    number = propose_shorter_due(ada, session)
    make_user(session, "anna", "se-roks")
    anna = network.test_client()
    sign_in(anna, "anna")

    assert anna.get("/admin/proposals").status_code == 403
    assert post(anna, f"/admin/proposals/demo_case/{number}/approve").status_code == 403
    assert latest(session).review_state == "proposed"


def test_another_organisation_approves_and_the_discussion_stays_with_the_version(
    network: Flask, session: Session
) -> None:
    ada = administrator_of(network, session, "ada", "no-police")
    cara = administrator_of(network, session, "cara", "se-roks")
    number = propose_shorter_due(ada, session)

    said = post(
        cara,
        f"/admin/proposals/demo_case/{number}/comment",
        {"comment": "Twelve hours is what the Swedish shelters can promise."},
    )
    assert said.status_code == 302
    approved = post(cara, f"/admin/proposals/demo_case/{number}/approve", {"comment": "Agreed."})
    assert approved.status_code == 302

    assert current(session) == number
    version = latest(session)
    assert (version.review_state, version.decided_by) == ("approved", "cara")
    entries = session.scalars(
        select(ReviewEntry).where(ReviewEntry.process_version_id == version.id)
    ).all()
    assert [(e.kind, e.username, e.organisation) for e in entries] == [
        ("proposed", "ada", "no-police"),
        ("comment", "cara", "se-roks"),
        ("approved", "cara", "se-roks"),
    ]
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "process.approved"))
    page = text(cara.get("/admin/proposals"))
    assert "No change is waiting for approval" in page
    assert "Twelve hours is what the Swedish shelters can promise." in page


def test_a_rejection_needs_a_reason_and_the_rejected_version_never_becomes_current(
    network: Flask, session: Session
) -> None:
    ada = administrator_of(network, session, "ada", "no-police")
    cara = administrator_of(network, session, "cara", "se-roks")
    number = propose_shorter_due(ada, session)

    no_reason = post(cara, f"/admin/proposals/demo_case/{number}/reject")
    assert no_reason.status_code == 422
    assert "Say why the change is rejected" in text(no_reason)
    rejected = post(
        cara, f"/admin/proposals/demo_case/{number}/reject", {"comment": "Too short for police."}
    )
    assert rejected.status_code == 302
    assert latest(session).review_state == "rejected"

    activated = post(cara, "/admin/versions/demo_case/activate", {"version": str(number)})
    assert activated.status_code == 409
    assert current(session) == number - 1


def test_dropping_a_relied_on_task_is_refused_until_confirmed_with_the_diff_shown(
    network: Flask, session: Session
) -> None:
    ada = administrator_of(network, session, "ada", "no-police")
    before = latest(session).version

    refused = upload(ada, WITHOUT_INFORM_RIGHTS)

    assert refused.status_code == 409
    page = text(refused)
    assert "tasks that other parts rely on would disappear" in page
    assert "- task inform_rights (Inform her of her rights)" in page
    assert 'name="confirm_removed" value="inform_rights"' in page
    assert latest(session).version == before

    confirmed = upload(ada, WITHOUT_INFORM_RIGHTS, confirm_removed="inform_rights")
    assert confirmed.status_code == 302
    assert latest(session).version == before + 1
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "process.proposed")).one()
    assert event.detail["dropped_tasks_confirmed"] == ["inform_rights"]


def test_the_api_says_which_version_is_current_while_a_change_waits(
    network: Flask, session: Session
) -> None:
    ada = administrator_of(network, session, "ada", "no-police")
    number = propose_shorter_due(ada, session)
    token = make_user(session, "anna", "se-roks")

    listed = network.test_client().get(
        "/api/v1/processes", headers={"Authorization": f"Bearer {token}"}
    )

    demo = {i["version"]: i for i in listed.get_json()["items"] if i["process_id"] == "demo_case"}
    assert (demo[number]["current"], demo[number]["review"]) == (False, "proposed")
    assert (demo[number - 1]["current"], demo[number - 1]["review"]) == (True, "approved")
    assert sum(item["current"] for item in demo.values()) == 1


def test_a_save_from_the_editor_is_a_proposal_too(network: Flask, session: Session) -> None:
    ada = administrator_of(network, session, "ada", "no-police")
    number = latest(session).version

    saved = ada.post(
        f"/admin/processes/demo_case/{number}/edit/demo_case.bpmn",
        data={
            "csrf_token": csrf_token(ada),
            "files": [(io.BytesIO(SHORTER_DUE), "demo_case.bpmn")],
        },
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )

    body = saved.get_json()
    assert body["ok"] and body["proposed"] and body["version"] == number + 1
    assert current(session) == number
