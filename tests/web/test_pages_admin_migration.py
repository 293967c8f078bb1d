"""The administrators' page for moving running cases to another version: a dry run lists
each chosen case as safe or not and why, one button moves the safe ones, and a moved case
can be put back. Only administrators get there."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from engine import versions
from engine.audit import Actor
from engine.case import transactions
from engine.models import Case
from tests.factories.database import DATA, START
from tests.factories.pages import post, sign_in, text
from tests.factories.people import make_user
from tests.factories.process_library import administrator
from tests.factories.scheduler import START_DATA, fresh, staff

DEMO = (DATA / "demo_case.bpmn").read_bytes()


def two_versions_and_a_case(session: Session, services, process_id: str, second: bytes) -> Case:
    first = DEMO.replace(b'id="demo_case"', f'id="{process_id}"'.encode(), 1)
    versions.deploy_files(session, {f"{process_id}.bpmn": first}, START, Actor.system())
    session.commit()
    opener = staff(session, "coordinator", "se-roks")
    case = transactions.open_case(session, services, opener, START_DATA, process_id=process_id)
    changed = second.replace(b'id="demo_case"', f'id="{process_id}"'.encode(), 1)
    versions.deploy_files(
        session,
        {f"{process_id}.bpmn": changed},
        START + timedelta(minutes=1),
        Actor.system(),
        confirmed_removals=("immediate_safety",),  # meant to go in the unsafe version
    )
    session.commit()
    return case


def test_the_migration_page_is_for_administrators_only(client: FlaskClient, session: Session):
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")

    assert client.get("/admin/versions/demo_case/migrate").status_code == 403
    assert (
        post(client, "/admin/versions/demo_case/migrate", {"from": 1, "to": 1}).status_code == 403
    )


def test_an_administrator_dry_runs_moves_the_safe_case_and_puts_it_back(
    client: FlaskClient, session: Session, services
):
    shorter = DEMO.replace(b'name="due" value="PT24H"', b'name="due" value="PT12H"', 1)
    case = two_versions_and_a_case(session, services, "pages_migrate", shorter)
    administrator(client, session)

    versions_page = text(client.get("/admin/versions/pages_migrate"))
    dry = text(client.get("/admin/versions/pages_migrate/migrate?from=1&to=2"))
    moved = text(post(client, "/admin/versions/pages_migrate/migrate", {"from": 1, "to": 2}))
    on_version = fresh(session).get(Case, case.id).process_version.version
    back = post(client, "/admin/versions/pages_migrate/migrate/revert", {"case": case.reference})

    assert "/admin/versions/pages_migrate/migrate" in versions_page
    assert case.reference in dry and "Safe to move" in dry
    assert "Move the 1 safe case to version 2" in dry
    assert "1 case moved to version 2." in moved and f"Put {case.reference} back" in moved
    assert on_version == 2
    assert f"{case.reference} is back on version 1." in text(client.get(back.headers["Location"]))
    assert fresh(session).get(Case, case.id).process_version.version == 1


def test_a_case_that_cannot_move_is_listed_with_why_and_no_button_moves_it(
    client: FlaskClient, session: Session, services
):
    no_safety = DEMO.replace(
        b'<bpmn:sequenceFlow id="f_safety" sourceRef="split" targetRef="immediate_safety"/>',
        b'<bpmn:sequenceFlow id="f_safety" sourceRef="split" targetRef="join"/>',
    ).replace(
        b'<bpmn:sequenceFlow id="f_safety_done" sourceRef="immediate_safety" targetRef="join"/>',
        b"",
    )
    start = no_safety.index(b'<bpmn:userTask id="immediate_safety"')
    end = no_safety.index(b"</bpmn:userTask>", start) + len(b"</bpmn:userTask>")
    no_safety = (
        (no_safety[:start] + no_safety[end:])
        .replace(b"<bpmn:flowNodeRef>immediate_safety</bpmn:flowNodeRef>", b"")
        .replace(
            b"<bpmn:incoming>f_safety_done</bpmn:incoming>",
            b"<bpmn:incoming>f_safety</bpmn:incoming>",
        )
    )
    case = two_versions_and_a_case(session, services, "pages_unsafe", no_safety)
    administrator(client, session)

    dry = text(
        client.get(f"/admin/versions/pages_unsafe/migrate?from=1&to=2&case={case.reference}")
    )

    assert case.reference in dry
    assert (
        "the ready task &#39;immediate_safety&#39; (Arrange immediate safety) is not in version 2"
        in dry
    )
    assert "safe case to version" not in dry


def test_choosing_a_case_that_does_not_run_on_the_version_says_so(
    client: FlaskClient, session: Session
):
    administrator(client, session)

    response = client.get("/admin/versions/demo_case/migrate?from=1&to=1")

    assert response.status_code == 422
    assert "the cases are already on that version" in text(response)
