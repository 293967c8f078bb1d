"""The diagram editor of the process library: the page (administrators only), and
saving the modeler's XML as a new version, which is an upload of that one file and so
refuses hostile or invalid diagrams the same way, answering JSON for the page's script."""

from __future__ import annotations

import io
import json
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from tests.factories.pages import csrf_token, sign_in, text
from tests.factories.people import make_user
from tests.factories.process_library import (
    DEMO,
    HOSTILE,
    WHAT_IT_SAYS,
    administrator,
    demo_with,
    latest,
    version_count,
)


def editor_path(number: int, filename: str = "demo_case.bpmn") -> str:
    return f"/admin/processes/demo_case/{number}/edit/{filename}"


def save(
    client: FlaskClient,
    number: int,
    xml: bytes,
    filename: str = "demo_case.bpmn",
    token: bool = True,
) -> TestResponse:
    """What modeler.js posts: the CSRF field and the XML as the one file `files`."""
    data: dict[str, object] = {"files": [(io.BytesIO(xml), filename)]}
    if token:
        data["csrf_token"] = csrf_token(client)
    return client.post(
        editor_path(number, filename),
        data=data,
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )


def test_the_editor_page_loads_the_file_into_the_modeler(
    client: FlaskClient, session: Session
) -> None:
    administrator(client, session)
    version = latest(session, "victim_journey")
    base = f"/admin/processes/victim_journey/{version.version}"
    page = text(client.get(base))
    assert f'href="{base}/edit/care_plan.bpmn"' in page and "Edit this diagram" in page
    assert f'href="{base}/edit/service_role.dmn"' not in page  # a decision table
    response = client.get(f"{base}/edit/care_plan.bpmn")
    assert response.status_code == 200
    body = text(response)
    source = f"{base}/files/care_plan.bpmn"
    assert f'data-src="{source}"' in body
    assert client.get(source).get_data(as_text=True) == version.sources["care_plan.bpmn"]
    assert "bpmn-modeler.production.min.js" in body and "js/modeler.js" in body
    assert "bpmn-embedded.css" in body
    assert "<script>" not in body  # no inline script: the CSP forbids it
    assert 'aria-live="polite"' in body and 'name="csrf_token"' in body
    assert f'action="{base}/edit/care_plan.bpmn"' in body
    assert "Cases that are already running keep the version they started with" in body
    assert "only new cases start on the new version" in body
    assert "needs JavaScript" in body and 'href="/admin/processes#deploy"' in body
    assert f'href="{source}" download' in body
    assert client.get(f"{base}/edit/service_role.dmn").status_code == 404
    assert client.get(f"{base}/edit/nothing.bpmn").status_code == 404
    assert client.get(editor_path(999)).status_code == 404


def test_a_diagram_without_a_drawing_is_not_offered_to_the_modeler(
    client: FlaskClient, session: Session
) -> None:
    administrator(client, session)
    number = latest(session).version
    assert "Edit this diagram" not in text(client.get(f"/admin/processes/demo_case/{number}"))
    body = text(client.get(editor_path(number)))
    assert 'data-testid="editor-undrawn"' in body and 'id="modeler"' not in body
    assert 'href="/admin/processes#deploy"' in body


def test_only_the_newest_version_is_edited(client: FlaskClient, library: Session) -> None:  # noqa: F811
    administrator(client, library)
    old = latest(library).version
    assert save(client, old, demo_with(b"Arrange immediate", b"Arrange urgent")).get_json()["ok"]
    response = client.get(editor_path(old))
    assert response.status_code == 302
    assert response.headers["Location"] == editor_path(old + 1)
    stale = save(client, old, demo_with(b"Arrange immediate", b"Arrange quick"))
    assert stale.status_code == 409 and stale.get_json()["ok"] is False
    assert "newer version" in stale.get_json()["error"]
    assert version_count(library) == old + 1


def test_the_editor_is_for_administrators_only(client: FlaskClient, library: Session) -> None:  # noqa: F811
    make_user(library, "anna", "se-roks")
    sign_in(client, "anna")
    number = latest(library).version
    page = client.get(editor_path(number))
    assert page.status_code == 403
    assert "Only administrators manage the process library" in text(page)
    refused = save(client, number, demo_with(b"Arrange immediate", b"Arrange urgent"))
    assert refused.status_code == 403
    assert refused.get_json() == {
        "ok": False,
        "error": "Only administrators manage the process library.",
    }
    assert version_count(library) == number


def test_saving_changed_xml_makes_a_new_version_and_the_same_xml_does_not(
    client: FlaskClient,
    library: Session,  # noqa: F811
) -> None:
    administrator(client, library)
    before = latest(library)
    changed = demo_with(b"Arrange immediate safety", b"Arrange safety at once")
    response = save(client, before.version, changed)
    assert response.status_code == 200, text(response)
    answer = response.get_json()
    assert answer["ok"] is True and answer["created"] is True
    assert answer["version"] == before.version + 1
    assert answer["url"] == f"/admin/processes/demo_case/{before.version + 1}"
    assert answer["edit"] == editor_path(before.version + 1)
    new = latest(library)
    assert new.version == before.version + 1 and new.deployed_by == "ada"
    assert "Arrange safety at once" in new.sources["demo_case.bpmn"]
    again = save(client, new.version, changed).get_json()
    assert again["ok"] is True and again["created"] is False
    assert again["version"] == new.version
    assert version_count(library) == new.version


@pytest.mark.parametrize(
    ("kind", "element"),
    [("xxe", None), ("python in a condition", "f_end"), ("not xml", None), ("script task", "evil")],
)
def test_saving_hostile_or_invalid_xml_is_refused_naming_the_element(
    client: FlaskClient,
    library: Session,  # noqa: F811
    kind: str,
    element: str | None,
) -> None:
    administrator(client, library)
    before = version_count(library)
    response = save(client, latest(library).version, HOSTILE[kind])
    assert response.status_code == 422
    answer = response.get_json()
    assert answer["ok"] is False
    assert WHAT_IT_SAYS[kind] in answer["error"]
    assert not answer["error"].startswith("demo_case.bpmn:")  # the editor marks the element
    assert answer["file"] == "demo_case.bpmn" and isinstance(answer["line"], int)
    assert answer["element"] == element
    assert "root:" not in text(response)
    assert version_count(library) == before


def test_saving_needs_the_csrf_token_and_the_edited_file(
    client: FlaskClient,
    library: Session,  # noqa: F811
) -> None:
    administrator(client, library)
    number = latest(library).version
    changed = demo_with(b"Arrange immediate safety", b"Arrange safety")
    assert save(client, number, changed, token=False).status_code == 400
    other = client.post(
        editor_path(number),
        data={"csrf_token": csrf_token(client), "files": [(io.BytesIO(DEMO), "other.bpmn")]},
        content_type="multipart/form-data",
    )
    assert other.status_code == 422 and other.get_json()["ok"] is False
    assert version_count(library) == number


def test_the_panel_reads_the_roles_and_the_form_library(
    client: FlaskClient, session: Session
) -> None:
    administrator(client, session)
    library = client.get("/admin/editor/library").get_json()
    assert {"code": "police", "label": "Police"} in library["roles"]
    reflection = library["forms"]["grant_reflection_period"]
    assert reflection["title"] == "Reflection period decision"
    assert {"name": "end_date", "title": "End date"} in reflection["fields"]
    journey = latest(session, "victim_journey").version
    body = text(client.get(f"/admin/processes/victim_journey/{journey}/edit/care_plan.bpmn"))
    assert 'data-library="/admin/editor/library"' in body
    assert 'data-start-form="record_first_contact"' in body
    assert "nbassist-panel/nbassist-panel.js" in body and "properties-panel.css" in body


def panel_words(body: str) -> dict[str, str]:
    """The panel's words the editor page gives modeler.js (English → the page's language)."""
    found = re.search(r'<script type="application/json" id="panel-words">(.*?)</script>', body)
    assert found is not None
    words = json.loads(found.group(1))
    assert isinstance(words, dict)
    return words


def test_the_panel_gets_its_words_in_the_readers_language(
    client: FlaskClient, session: Session
) -> None:
    administrator(client, session)
    journey = latest(session, "victim_journey").version
    path = f"/admin/processes/victim_journey/{journey}/edit/care_plan.bpmn"
    assert panel_words(text(client.get(path))) == {}  # English: the panel's own words
    swedish = {"Accept-Language": "sv-SE,sv;q=0.9"}
    words = panel_words(text(client.get(path, headers=swedish)))
    assert words["Task for an organisation"] == "Uppgift för en organisation"
    assert words["The form named like the task ({id})"].endswith("({id})")
    assert "Element documentation" not in words  # bpmn-js's own words stay English
    library = client.get("/admin/editor/library", headers=swedish).get_json()
    assert library["forms"]["grant_reflection_period"]["title"] != "Reflection period decision"


def test_a_form_preview_shows_the_form_disabled(client: FlaskClient, session: Session) -> None:
    administrator(client, session)
    response = client.get("/admin/editor/forms/grant_reflection_period/preview")
    assert response.status_code == 200
    body = text(response)
    assert "Reflection period decision" in body and "End date" in body
    assert "<fieldset disabled" in body and "<script" not in body
    assert client.get("/admin/editor/forms/no_such_form/preview").status_code == 404


def test_the_panel_data_is_for_administrators_only(client: FlaskClient, session: Session) -> None:
    make_user(session, "berit", "se-roks")
    sign_in(client, "berit")
    assert client.get("/admin/editor/library").status_code == 403
    assert client.get("/admin/editor/forms/grant_reflection_period/preview").status_code == 403


def test_an_upload_refused_on_the_library_page_names_the_element_too(
    client: FlaskClient,
    library: Session,  # noqa: F811
) -> None:
    administrator(client, library)
    response = client.post(
        "/admin/processes",
        data={
            "csrf_token": csrf_token(client),
            "base": "demo_case",
            "files": [(io.BytesIO(HOSTILE["script task"]), "demo_case.bpmn")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert re.search(r"In demo_case\.bpmn, line \d+, element evil", text(response))
