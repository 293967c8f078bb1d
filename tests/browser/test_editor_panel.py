"""The editor's properties panel, as an administrator uses it: a task's due time changed
in the panel applies to new cases and not to running ones; an invalid condition is
refused with the element marked on the canvas; every diagram in processes/ survives the
modeler and saves as the same model (care_plan's multi-instance input included); the
editor still works when the panel's bundle does not load; no serious axe findings; a
Swedish administrator reads the panel's own words in Swedish."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, select, update

from engine.accounts import users
from engine.case import transactions
from engine.db import make_sessionmaker
from engine.db.context import Services
from engine.models import (
    Case,
    CaseTeamMember,
    Consent,
    Deadline,
    Note,
    Notification,
    OutboxMail,
    ProcessVersion,
    Reminder,
    Task,
)
from engine.settings import PROCESSES_DIR
from tests.factories.api_client import START_DATA
from tests.factories.browser import screenshot, sign_in_as_administrator, violations
from tests.factories.database import START
from tests.factories.people import make_user

CASE_ROWS = (Notification, OutboxMail, Reminder, Deadline, Note, Task, Consent, CaseTeamMember)
DIAGRAMS = sorted(path.name for path in PROCESSES_DIR.glob("*.bpmn"))

SELECT = """id => {
  const modeler = document.getElementById("modeler").bpmnModeler;
  modeler.get("selection").select(modeler.get("elementRegistry").get(id));
}"""
CONDITIONAL_FLOW = """() => document.getElementById("modeler").bpmnModeler
  .get("elementRegistry")
  .filter(e => e.type === "bpmn:SequenceFlow" && e.businessObject.conditionExpression)[0].id"""
EXPORTED = """async () => (await document.getElementById("modeler").bpmnModeler.saveXML()).xml"""


@pytest.fixture
def library(db_engine: Engine) -> Iterator[Any]:
    """Sessions on the test database; afterwards the cases and versions the test made are
    gone and the versions that were current are current again."""
    sessions = make_sessionmaker(db_engine)
    with sessions() as session:
        known = set(session.scalars(select(ProcessVersion.id)))
        current = set(session.scalars(select(ProcessVersion.id).where(ProcessVersion.is_current)))
    yield sessions
    with sessions() as session:
        for model in CASE_ROWS:
            session.execute(delete(model))
        session.execute(delete(Case))
        session.execute(delete(ProcessVersion).where(ProcessVersion.id.not_in(known)))
        session.execute(
            update(ProcessVersion).where(ProcessVersion.id.in_(current)).values(is_current=True)
        )
        session.commit()


def newest(sessions: Any, process_id: str) -> int:
    with sessions() as session:
        number = session.scalar(
            select(func.max(ProcessVersion.version)).where(ProcessVersion.process_id == process_id)
        )
    assert number is not None
    return int(number)


def open_editor(page: Any, base: str, process_id: str, number: int, filename: str) -> None:
    page.goto(f"{base}/admin/processes/{process_id}/{number}/edit/{filename}")
    page.wait_for_selector("#modeler[data-state=ready] .djs-palette")


def save(page: Any, state: str) -> str:
    page.click("button:text('Save as new version')")
    status = page.locator(f"[data-testid=editor-status][data-state={state}]")
    try:
        status.wait_for()
    except Exception:
        print("EDITOR STATUS:", page.locator("[data-testid=editor-status]").inner_text())
        raise
    return str(status.inner_text())


def open_case_at_start(sessions: Any, services: Services) -> str:
    """A browser_case case opened by the coordinator at START (the test clock)."""
    with sessions() as session:
        user = users.user_by_username(session, "coordinator")
        case = transactions.open_case(
            session, services, users.actor_for(user), START_DATA, process_id="browser_case"
        )
        return case.id


def due_of(sessions: Any, case_id: str, task: str) -> Any:
    with sessions() as session:
        due = session.scalar(select(Task.due_at).where(Task.case_id == case_id, Task.name == task))
    return due.replace(tzinfo=None)


def test_a_due_time_set_in_the_panel_applies_to_new_cases_only(
    page: Any, live_server: str, library: Any, services: Services
) -> None:
    base = live_server
    with library() as session:
        make_user(session, "petra", "no-police", admin=True)
    number = newest(library, "browser_case")
    running = open_case_at_start(library, services)

    sign_in_as_administrator(page, base, "petra")
    open_editor(page, base, "browser_case", number, "browser_case.bpmn")
    page.evaluate(SELECT, "immediate_safety")
    due = page.locator("#bio-properties-panel-nbassist-due")
    assert due.input_value() == "PT24H"
    assert "ngo_support" in page.locator("#bio-properties-panel-nbassist-role").input_value()
    due.fill("3 days")  # not a duration: said at once, and not written into the diagram
    page.locator("[data-entry-id=nbassist-due] .bio-properties-panel-error").wait_for()
    due.fill("P3D")
    assert save(page, "saved").startswith(f"Saved as version {number + 1}")
    assert page.inner_text("[data-testid=editor-version]") == f"from version {number + 1}"
    assert page.page_errors == []

    new = open_case_at_start(library, services)
    start = START.replace(tzinfo=None)
    assert due_of(library, new, "immediate_safety") == start + timedelta(days=3)
    assert due_of(library, running, "immediate_safety") == start + timedelta(hours=24)


def test_a_swedish_administrator_reads_the_panel_in_swedish(
    page: Any, live_server: str, library: Any
) -> None:
    """The project's own words of the panel follow the reader's language (the page hands
    their translations to the panel); bpmn-js's built-in ones stay English."""
    base = live_server
    with library() as session:
        make_user(session, "sigrid", "no-police", admin=True)
    sign_in_as_administrator(page, base, "sigrid")
    page.select_option("#language-switch", "sv")  # submits itself; kept on her account
    page.wait_for_function("document.documentElement.lang === 'sv'")
    open_editor(page, base, "browser_case", newest(library, "browser_case"), "browser_case.bpmn")
    page.evaluate(SELECT, "immediate_safety")
    group = page.locator("[data-group-id=group-nbassist-task] .bio-properties-panel-group-header")
    assert "Uppgift för en organisation" in group.inner_text()
    due = page.locator("[data-entry-id=nbassist-due]")
    assert "Förfaller efter" in due.locator("label").inner_text()
    assert "räknat från när uppgiften öppnas" in due.inner_text()
    assert "Ärendevärden som den kan använda" in page.inner_text(
        "[data-entry-id=nbassist-case-values]"
    )
    assert "Instruktioner (Markdown" in page.inner_text("[data-entry-id=documentation]")
    page.fill("#bio-properties-panel-nbassist-due", "3 dagar")  # not a duration
    error = due.locator(".bio-properties-panel-error")
    assert error.inner_text() == (
        "Skriv en varaktighet enligt ISO 8601, till exempel P7D (7 dagar) eller PT24H (24 timmar)."
    )
    assert "Write an ISO 8601" not in page.inner_text("#properties")
    assert page.page_errors == []
    screenshot(page, "editor-panel-swedish")


def test_a_form_chosen_in_the_panel_is_previewed_and_saved(
    page: Any, live_server: str, library: Any
) -> None:
    base = live_server
    with library() as session:
        make_user(session, "frida", "no-police", admin=True)
    number = newest(library, "browser_case")
    sign_in_as_administrator(page, base, "frida")
    open_editor(page, base, "browser_case", number, "browser_case.bpmn")
    page.evaluate(SELECT, "inform_rights")
    preview = page.locator("[data-testid=form-preview]")
    preview.locator("form").wait_for()
    assert preview.get_attribute("data-form") == "inform_rights"
    page.select_option("#bio-properties-panel-nbassist-form", "grant_reflection_period")
    page.wait_for_selector("[data-testid=form-preview][data-form=grant_reflection_period]")
    assert "Reflection period granted" in preview.inner_text()
    assert preview.locator("input").first.is_disabled()
    assert "as Markdown" in page.inner_text("[data-entry-id=documentation]")
    values = page.inner_text("[data-entry-id=nbassist-case-values]")
    assert "host_country" in values  # from the case's start form
    assert "safe_now" in values  # from immediate_safety, a task before it
    save(page, "saved")
    with library() as session:
        saved = session.scalar(
            select(ProcessVersion).where(
                ProcessVersion.process_id == "browser_case",
                ProcessVersion.version == number + 1,
            )
        )
        assert saved is not None
        assert (
            '<spiffworkflow:property name="form" value="grant_reflection_period" />'
            in saved.sources["browser_case.bpmn"]
        )


def test_a_lane_takes_its_role_from_the_list_of_role_codes(
    page: Any, live_server: str, library: Any
) -> None:
    base = live_server
    with library() as session:
        make_user(session, "linnea", "no-police", admin=True)
    number = newest(library, "victim_journey")
    sign_in_as_administrator(page, base, "linnea")
    open_editor(page, base, "victim_journey", number, "care_plan.bpmn")
    page.evaluate(SELECT, "Lane_care_plan_coordinator")
    role = page.locator("#bio-properties-panel-nbassist-lane-role")
    assert role.input_value() == "coordinator"
    role.select_option("ngo_support")
    page.evaluate(SELECT, "assess_needs")
    assert "ngo_support" in page.locator("#bio-properties-panel-nbassist-role").input_value()
    save(page, "saved")
    with library() as session:
        saved = session.scalar(
            select(ProcessVersion).where(
                ProcessVersion.process_id == "victim_journey",
                ProcessVersion.version == number + 1,
            )
        )
        assert saved is not None
        source = saved.sources["care_plan.bpmn"]
    assert 'id="Lane_care_plan_coordinator" name="ngo_support"' in source


def test_an_invalid_condition_is_refused_with_the_flow_marked(
    page: Any, live_server: str, library: Any
) -> None:
    base = live_server
    with library() as session:
        make_user(session, "greta", "no-police", admin=True)
    number = newest(library, "victim_journey")
    sign_in_as_administrator(page, base, "greta")
    open_editor(page, base, "victim_journey", number, "risk_and_decision.bpmn")
    flow = page.evaluate(CONDITIONAL_FLOW)
    page.evaluate(SELECT, flow)
    condition = page.locator("#bio-properties-panel-nbassist-condition")
    condition.fill('her.decision == "stay"')
    text = save(page, "error")
    assert "attribute access" in text and "marked in red" in text
    assert page.get_attribute("[data-testid=editor-status]", "data-element") == flow
    marked = page.locator(f".djs-element.nb-deploy-error[data-element-id={flow}]")
    assert marked.count() == 1
    assert "attribute access" in page.inner_text("[data-testid=deploy-error-note]")
    assert newest(library, "victim_journey") == number  # nothing saved
    screenshot(page, "editor-deploy-error")


def test_the_editor_has_no_serious_accessibility_problems_with_the_panel_open(
    page: Any, live_server: str, library: Any
) -> None:
    base = live_server
    with library() as session:
        make_user(session, "hanna", "no-police", admin=True)
    sign_in_as_administrator(page, base, "hanna")
    open_editor(page, base, "browser_case", newest(library, "browser_case"), "browser_case.bpmn")
    page.evaluate(SELECT, "immediate_safety")
    page.locator("[data-testid=form-preview] form").wait_for()
    assert violations(page) == []
    screenshot(page, "editor-panel")


def test_the_editor_draws_and_saves_without_the_panel(
    page: Any, live_server: str, library: Any
) -> None:
    base = live_server
    with library() as session:
        make_user(session, "ingrid", "no-police", admin=True)
    number = newest(library, "browser_case")
    sign_in_as_administrator(page, base, "ingrid")
    page.route(re.compile(r"nbassist-panel\.js"), lambda route: route.abort())
    open_editor(page, base, "browser_case", number, "browser_case.bpmn")
    assert page.get_attribute("#properties", "data-state") == "missing"
    assert "could not be loaded" in page.inner_text("#properties")
    page.evaluate(
        """() => {
          const modeler = document.getElementById("modeler").bpmnModeler;
          const task = modeler.get("elementRegistry").get("inform_rights");
          modeler.get("modeling").updateLabel(task, "Tell her about her rights");
        }"""
    )
    assert save(page, "saved").startswith(f"Saved as version {number + 1}")


@pytest.mark.parametrize("filename", DIAGRAMS)
def test_every_process_diagram_survives_the_modeler_unchanged(
    page: Any, live_server: str, library: Any, filename: str
) -> None:
    """Imported and exported by bpmn-js with the panel, each file deploys as the very
    model it was: a save with no edit makes no new version."""
    base = live_server
    admin = "r" + re.sub(r"[^a-z]", "", filename.removesuffix(".bpmn"))
    with library() as session:
        make_user(session, admin, "no-police", admin=True)
    number = newest(library, "victim_journey")
    sign_in_as_administrator(page, base, admin)
    open_editor(page, base, "victim_journey", number, filename)
    exported = page.evaluate(EXPORTED)
    if filename == "care_plan.bpmn":
        assert "<bpmn:loopDataInputRef>services</bpmn:loopDataInputRef>" in exported
    text = save(page, "unchanged")
    assert f"the same as version {number}" in text
    assert newest(library, "victim_journey") == number
    assert page.page_errors == []


def test_care_plan_edited_in_the_modeler_saves_with_its_multi_instance_input(
    page: Any, live_server: str, library: Any
) -> None:
    base = live_server
    with library() as session:
        make_user(session, "carla", "no-police", admin=True)
    number = newest(library, "victim_journey")
    sign_in_as_administrator(page, base, "carla")
    open_editor(page, base, "victim_journey", number, "care_plan.bpmn")
    page.evaluate(SELECT, "timer_review")
    timer = page.locator("[data-entry-id=timerEventDefinitionValue]")
    assert timer.locator("input").input_value() == '"P30D"'
    assert "quote a duration" in timer.inner_text()
    page.evaluate(SELECT, "review_care_plan")
    page.fill("#bio-properties-panel-nbassist-reminders", "P3D,P1D")
    assert save(page, "saved").startswith(f"Saved as version {number + 1}")
    with library() as session:
        saved = session.scalar(
            select(ProcessVersion).where(
                ProcessVersion.process_id == "victim_journey",
                ProcessVersion.version == number + 1,
            )
        )
        assert saved is not None
        source = saved.sources["care_plan.bpmn"]
    assert "<bpmn:loopDataInputRef>services</bpmn:loopDataInputRef>" in source
    assert '<spiffworkflow:property name="reminders" value="P3D,P1D" />' in source
