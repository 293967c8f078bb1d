"""The administrators' process library: who may see it, the versions, diagrams and
sources, and deploying uploaded diagrams — hostile ones included — from the browser."""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories.pages import (
    csrf_token,
    open_case_through_the_page,
    post,
    sign_in,
    sign_in_as_administrator,
    text,
)
from tests.factories.people import make_user
from tests.factories.process_library import (
    HOSTILE,
    WHAT_IT_SAYS,
    administrator,
    demo_with,
    latest,
    version_count,
)


def upload(client: FlaskClient, *files: tuple[str, bytes], base: str = "demo_case"):  # type: ignore[no-untyped-def]
    data = {
        "csrf_token": csrf_token(client),
        "base": base,
        "files": [(io.BytesIO(content), name) for name, content in files],
    }
    return client.post("/admin/processes", data=data, content_type="multipart/form-data")


def test_the_library_is_for_administrators_only(client: FlaskClient, session: Session) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    assert "Administration" not in text(client.get("/"))
    version = latest(session)
    paths = [
        "/admin/processes",
        f"/admin/processes/demo_case/{version.version}",
        f"/admin/processes/demo_case/{version.version}/diagram",
        f"/admin/processes/demo_case/{version.version}/files/demo_case.bpmn",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Only administrators manage the process library" in text(response)
    before = version_count(session)
    refused = upload(client, ("demo_case.bpmn", demo_with(b"Arrange", b"Organise")))
    assert refused.status_code == 403
    assert version_count(session) == before


def test_administrators_see_the_library_but_no_cases(client: FlaskClient, session: Session) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    case_id = open_case_through_the_page(client)
    make_user(session, "ada", "no-police", admin=True)
    post(client, "/sign-out")
    sign_in_as_administrator(client, "ada")
    home = text(client.get("/"))
    assert 'href="/admin/processes"' in home and "Administration" in home
    assert client.get(f"/cases/{case_id}").status_code == 404


def test_the_library_lists_every_version_with_its_hash_and_deployment(
    client: FlaskClient, session: Session
) -> None:
    administrator(client, session)
    body = text(client.get("/admin/processes"))
    demo = latest(session)
    journey = latest(session, "victim_journey")
    assert 'data-process="demo_case"' in body and 'data-process="victim_journey"' in body
    assert demo.content_hash[:12] in body and journey.content_hash[:12] in body
    assert f'href="/admin/processes/demo_case/{demo.version}"' in body
    assert "system" in body  # who deployed it
    assert 'enctype="multipart/form-data"' in body


def test_a_version_page_shows_its_diagrams_and_offers_its_sources(
    client: FlaskClient, session: Session
) -> None:
    administrator(client, session)
    journey = latest(session, "victim_journey")
    base = f"/admin/processes/victim_journey/{journey.version}"
    page = text(client.get(base))
    assert f'data-src="{base}/diagram"' in page
    assert "bpmn-navigated-viewer.production.min.js" in page
    assert f'href="{base}/files/care_plan.bpmn"' in page
    assert f'href="{base}/files/service_role.dmn"' in page
    drawing = client.get(f"{base}/diagram?process=care_plan").get_json()
    assert drawing["process"]["id"] == "care_plan"
    assert {"victim_journey", "care_plan"} <= {p["id"] for p in drawing["processes"]}
    assert drawing["xml"] == journey.sources["care_plan.bpmn"]
    assert drawing["completed"] == [] and drawing["active"] == []


def test_a_source_downloads_as_an_xml_attachment(client: FlaskClient, session: Session) -> None:
    administrator(client, session)
    journey = latest(session, "victim_journey")
    base = f"/admin/processes/victim_journey/{journey.version}/files"
    response = client.get(f"{base}/service_role.dmn")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert response.headers["Content-Disposition"] == "attachment; filename=service_role.dmn"
    assert response.get_data(as_text=True) == journey.sources["service_role.dmn"]
    assert client.get(f"{base}/nothing.bpmn").status_code == 404
    assert client.get("/admin/processes/victim_journey/999").status_code == 404


def test_uploading_a_changed_demo_diagram_makes_a_new_version(
    client: FlaskClient, library: Session
) -> None:
    administrator(client, library)
    before = latest(library)
    changed = demo_with(b"Find **emergency accommodation**", b"Find **a safe place to stay**")
    response = upload(client, ("demo_case.bpmn", changed))
    assert response.status_code == 302, text(response)
    body = text(client.get(response.headers["Location"]))
    new = latest(library)
    assert new.version == before.version + 1
    assert new.deployed_by == "ada"
    assert f"Deployed demo_case version {new.version}" in body
    assert new.content_hash[:12] in body
    again = upload(client, ("demo_case.bpmn", changed))
    assert f"demo_case is unchanged: the files are the same as version {new.version}" in text(
        client.get(again.headers["Location"])
    )
    assert latest(library).version == new.version


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_hostile_upload_is_refused_in_plain_words_and_changes_nothing(
    client: FlaskClient, library: Session, kind: str
) -> None:
    administrator(client, library)
    before = version_count(library)
    response = upload(client, ("demo_case.bpmn", HOSTILE[kind]))
    body = text(response)
    assert response.status_code == 422
    assert 'data-testid="deploy-error"' in body and "Nothing was deployed" in body
    assert "In demo_case.bpmn" in body
    assert WHAT_IT_SAYS[kind] in body
    assert "root:" not in body  # /etc/passwd never shows
    assert version_count(library) == before


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("notes.txt", b"hello")], "choose .bpmn or .dmn files"),
        ([("../../etc/demo_case.bpmn", b"x"), ("demo_case.bpmn", b"y")], "was chosen twice"),
        ([], "Choose at least one .bpmn or .dmn file"),
    ],
)
def test_an_unusable_upload_says_why(
    client: FlaskClient, library: Session, files: list[tuple[str, bytes]], message: str
) -> None:
    administrator(client, library)
    before = version_count(library)
    response = upload(client, *files)
    assert response.status_code == 422
    assert message in text(response)
    assert version_count(library) == before


def test_an_upload_needs_the_csrf_token(client: FlaskClient, library: Session) -> None:
    administrator(client, library)
    before = version_count(library)
    changed = demo_with(b"Arrange immediate safety", b"Arrange safety")
    response = client.post(
        "/admin/processes",
        data={"files": [(io.BytesIO(changed), "demo_case.bpmn")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert version_count(library) == before
    assert post(client, "/admin/processes", {}).status_code == 422  # with the token: no files
