"""Uploading a diagram with the form files its tasks name (spiff-arena's
`formJsonSchemaFilename`): several files in one upload; the forms join the form library
under a safe name; a missing or unsafe form file is refused before anything is saved."""

from __future__ import annotations

import io
import json

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from engine import versions
from engine.bpmn.runtime import ready_human_tasks, start
from engine.bpmn.serializer import new_workflow
from tests.factories.database import DATA
from tests.factories.pages import csrf_token, text
from tests.factories.people import make_user
from tests.factories.process_library import administrator, version_count

DIAGRAM = (DATA / "spiff_form_task.bpmn").read_bytes()
SCHEMA = {
    "title": "How to reach her",
    "type": "object",
    "required": ["phone"],
    "properties": {
        "phone": {"type": "string", "title": "Phone", "minLength": 5},
        "safe_to_call": {"type": "boolean", "title": "Safe to call"},
    },
}
UI = {"phone": {"ui:autofocus": True, "ui:help": "A number only she answers"}}


def upload(client: FlaskClient, *files: tuple[str, bytes]):  # type: ignore[no-untyped-def]
    data = {
        "csrf_token": csrf_token(client),
        "base": "demo_case",
        "files": [(io.BytesIO(content), name) for name, content in files],
    }
    return client.post("/admin/processes", data=data, content_type="multipart/form-data")


def form_files(schema: dict = SCHEMA) -> list[tuple[str, bytes]]:
    return [
        ("contact-details.json", json.dumps(schema).encode()),
        ("contact-details-ui.json", json.dumps(UI).encode()),
    ]


def test_a_diagram_and_its_form_files_deploy_in_one_upload(
    client: FlaskClient, library: Session
) -> None:
    administrator(client, library)

    done = upload(client, ("spiff_form_task.bpmn", DIAGRAM), *form_files())

    assert done.status_code == 302, text(done)
    version = versions.current_version(library, "spiff_form_task")
    assert {"contact-details.json", "contact-details-ui.json"} <= set(version.sources)
    workflow = new_workflow(*versions.specs_for(version))
    start(workflow, {})
    (task,) = ready_human_tasks(workflow)
    assert task.form.startswith("contact_details_") and task.form != task.name
    token = make_user(library, "anna", "se-roks")
    form = client.get(f"/api/v1/forms/{task.form}", headers={"Authorization": f"Bearer {token}"})
    assert form.status_code == 200
    served = form.get_json()
    assert served["schema"]["properties"]["phone"]["minLength"] == 5
    assert served["ui_schema"]["fields"]["phone"]["help"] == "A number only she answers"


def test_a_diagram_without_the_form_files_it_names_is_refused_with_the_line(
    client: FlaskClient, library: Session
) -> None:
    administrator(client, library)
    before = version_count(library, "spiff_form_task")

    refused = upload(client, ("spiff_form_task.bpmn", DIAGRAM))

    assert refused.status_code == 422
    page = text(refused)
    assert "In spiff_form_task.bpmn, line 16" in page
    assert "names the form file" in page and "contact-details.json" in page
    assert version_count(library, "spiff_form_task") == before


def test_a_form_file_that_would_fetch_another_document_is_refused(
    client: FlaskClient, library: Session
) -> None:
    administrator(client, library)
    fetching = {**SCHEMA, "properties": {"phone": {"$ref": "https://example.org/phone.json"}}}

    refused = upload(client, ("spiff_form_task.bpmn", DIAGRAM), *form_files(fetching))

    assert refused.status_code == 422
    assert "refers to another document" in text(refused)
    assert version_count(library, "spiff_form_task") == 0


def test_form_files_alone_are_refused(client: FlaskClient, library: Session) -> None:
    administrator(client, library)
    refused = upload(client, *form_files())
    assert refused.status_code == 422
    assert "not the forms alone" in text(refused)
