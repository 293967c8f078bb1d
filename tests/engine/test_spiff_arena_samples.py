"""The five spiff-arena sample models, read in place from the shared corpora (never
copied here: LGPL-2.1, see the folder's ATTRIBUTION.md; tests/factories/corpora.py says
where they are read from).

Models without script tasks deploy with the form files their tasks name
(`formJsonSchemaFilename`), and a case of them runs to the end through the engine with
data the imported forms accept; models with script tasks are refused naming the file,
the line and the element.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session, sessionmaker

from engine import versions
from engine.audit import Actor
from engine.bpmn import runtime
from engine.bpmn.serializer import new_workflow
from engine.errors import InvalidProcess
from engine.form_library import use_database_forms
from engine.models import ProcessVersion
from forms import registry
from forms.validation import validate
from tests.factories.corpora import corpus
from tests.factories.database import START

SAMPLES = corpus("spiff-arena-samples")

pytestmark = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason="the spiff-arena-samples corpus is not here"
)


def models() -> list[Path]:
    return sorted(p for p in SAMPLES.iterdir() if p.is_dir()) if SAMPLES.is_dir() else []


def has_script_tasks(model: Path) -> bool:
    return any(b"scriptTask" in f.read_bytes() for f in model.glob("*.bpmn"))


def model_files(model: Path) -> dict[str, bytes]:
    """The primary diagram, the decision tables and the form files of a model."""
    primary = json.loads((model / "process_model.json").read_text())["primary_file_name"]
    files = {primary: (model / primary).read_bytes()}
    for path in sorted(model.iterdir()):
        if path.suffix == ".dmn" or (path.suffix == ".json" and path.name != "process_model.json"):
            files[path.name] = path.read_bytes()
    return files


def answers(schema: dict[str, Any]) -> dict[str, Any]:
    """Answers a person could give that the form's schema accepts."""
    data: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        kind = prop.get("type")
        if kind == "string":
            length = max(prop.get("minLength", 1), 1)
            data[name] = ("answer" * length)[: min(length, prop.get("maxLength", length))]
        elif kind in ("integer", "number"):
            data[name] = 7
        elif kind == "boolean":
            data[name] = True
        elif kind == "array":
            data[name] = ["Ada Lovelace", "Grace Hopper"]
    return data


@pytest.fixture
def form_library(db: Engine, session: Session) -> Iterator[Session]:
    """Imported forms found through the database; the deployed samples forgotten after."""
    use_database_forms(sessionmaker(db))
    known = [v for (v,) in session.query(ProcessVersion.id).all()]
    yield session
    session.rollback()
    session.execute(delete(ProcessVersion).where(ProcessVersion.id.not_in(known)))
    session.commit()
    registry.use_imported_forms(None)


ADMIN = Actor(user_id=None, organisation_id=None, username="ada", is_admin=True)


@pytest.mark.parametrize(
    "model", [m for m in models() if not has_script_tasks(m)], ids=lambda model: model.name
)
def test_a_model_without_script_tasks_deploys_with_its_forms_and_runs_to_the_end(
    form_library: Session, model: Path
) -> None:
    session = form_library
    (deployed,) = versions.deploy_files(session, model_files(model), START, ADMIN, four_eyes=True)
    session.commit()
    version = versions.find_version(session, deployed.process_id, deployed.version)
    assert version.is_current  # a new process: nothing to review it against
    assert any(name.endswith(".json") for name in version.sources)

    workflow = new_workflow(*versions.specs_for(version))
    runtime.start(workflow, {})
    completed: list[str] = []
    while not runtime.is_finished(workflow):
        ready = runtime.ready_human_tasks(workflow)
        assert ready, f"{model.name} waits with no task to do"
        task = ready[0]
        form = registry.load_form(task.form)  # imported beside the diagram, safe name
        assert form.name != task.name and form.name.islower()
        runtime.complete_task(workflow, task.id, validate(task.form, answers(form.schema)))
        completed.append(task.title)

    assert completed, f"{model.name} had no task for a person"


@pytest.mark.parametrize(
    "model", [m for m in models() if has_script_tasks(m)], ids=lambda model: model.name
)
def test_a_model_with_script_tasks_is_refused_naming_file_line_and_element(
    form_library: Session, model: Path
) -> None:
    files = {p.name: p.read_bytes() for p in model.iterdir() if p.suffix in (".bpmn", ".dmn")}

    with pytest.raises(InvalidProcess) as refused:
        versions.deploy_files(form_library, files, START, ADMIN, four_eyes=True)

    error = refused.value
    assert error.filename in files and isinstance(error.line, int)
    assert "scriptTask '" in error.reason and "script tasks are not allowed" in error.reason
    assert b"<bpmn:scriptTask" in files[error.filename].splitlines()[error.line - 1]


def test_a_sample_reading_a_local_file_through_an_entity_is_refused() -> None:
    invoice = SAMPLES / "a101" / "invoice.bpmn" if SAMPLES else None
    if invoice is None or not invoice.is_file():
        pytest.skip("a101/invoice.bpmn is not in the corpus")
    with pytest.raises(InvalidProcess, match="DOCTYPE and ENTITY declarations are not allowed"):
        versions.build_bundles({"invoice.bpmn": invoice.read_bytes()})
