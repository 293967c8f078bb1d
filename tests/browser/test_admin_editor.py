"""An administrator edits a diagram in the browser: the bpmn-js modeler opens the newest
browser_case version, a renamed task is saved as a new version, the page says so, and the
editor has no serious accessibility problems."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, select, update

from engine.db import make_sessionmaker
from engine.models import ProcessVersion
from tests.factories.browser import screenshot, sign_in_as_administrator, violations
from tests.factories.people import make_user

RENAME = """() => {
  const modeler = document.getElementById("modeler").bpmnModeler;
  const registry = modeler.get("elementRegistry");
  const task = registry.filter(e => e.type === "bpmn:UserTask")[0];
  modeler.get("modeling").updateLabel(task, "Renamed in the browser");
  return task.id;
}"""


@pytest.fixture
def demo_versions(db_engine: Engine) -> Iterator[Any]:
    """The browser_case versions before the test; the ones it saves are removed after and
    the versions that were current are current again (a saved version becomes current, and
    later modules open cases on browser_case)."""
    sessions = make_sessionmaker(db_engine)
    with sessions() as session:
        known = set(session.scalars(select(ProcessVersion.id)))
        current = set(session.scalars(select(ProcessVersion.id).where(ProcessVersion.is_current)))
    yield sessions
    with sessions() as session:
        session.execute(delete(ProcessVersion).where(ProcessVersion.id.not_in(known)))
        session.execute(
            update(ProcessVersion).where(ProcessVersion.id.in_(current)).values(is_current=True)
        )
        session.commit()


def test_an_administrator_edits_a_diagram_and_saves_a_new_version(
    page: Any, live_server: str, demo_versions: Any
) -> None:
    base = live_server
    with demo_versions() as session:
        make_user(session, "edith", "no-police", admin=True)
        number = session.scalar(
            select(func.max(ProcessVersion.version)).where(
                ProcessVersion.process_id == "browser_case"
            )
        )
    sign_in_as_administrator(page, base, "edith")
    page.goto(f"{base}/admin/processes/browser_case/{number}")
    page.click("a.edit-link")
    page.wait_for_url(
        re.compile(rf"/admin/processes/browser_case/{number}/edit/browser_case\.bpmn$")
    )
    page.wait_for_selector("#modeler[data-state=ready] .djs-palette")
    assert page.locator("[data-testid=editor-warning]").is_visible()
    assert violations(page) == []
    screenshot(page, "diagram-editor")

    task_id = page.evaluate(RENAME)
    page.click("button:text('Save as new version')")
    status = page.locator("[data-testid=editor-status][data-state=saved]")
    status.wait_for()
    assert f"Saved as version {number + 1}" in status.inner_text()
    link = status.locator("a")
    assert link.get_attribute("href") == f"/admin/processes/browser_case/{number + 1}"
    with demo_versions() as session:
        saved = session.scalar(
            select(ProcessVersion).where(
                ProcessVersion.process_id == "browser_case", ProcessVersion.version == number + 1
            )
        )
        assert saved is not None and saved.deployed_by == "edith"
        assert task_id in saved.sources["browser_case.bpmn"]
        assert "Renamed in the browser" in saved.sources["browser_case.bpmn"]

    page.click("button:text('Save as new version')")  # again, unchanged
    page.locator("[data-testid=editor-status][data-state=unchanged]").wait_for()
    assert page.page_errors == []
