"""Task pages with context: instructions speak in the case's values, the task shows what
it needs from earlier steps, and a completed task shows its answers without a countdown."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from engine.bpmn.library import build_bundles, load_directory
from engine.bpmn.placeholders import PLACEHOLDER, names_in
from engine.errors import InvalidProcess
from engine.versions import field_known, form_exists
from tests.factories.api_client import Api
from tests.factories.form_data import valid_data
from tests.factories.journey import PROCESSES
from tests.factories.pages import sign_in, task_id, text
from tests.factories.people import make_user
from web.record_words import fill_instructions

# A sample case: a value for every name any instruction shows.
SAMPLE_CASE = {
    "reflection_days": 30,
    "deciding_authority": "Migration Agency",
    "end_date": "2026-03-01",
    "risk_level": "high",
    "service": "safe_housing",
    "appeal_deadline": "2026-04-01",
    "requested_end_date": "2026-04-01",
    "rule_citation": "Utlänningslagen 5 kap. 15 §",
    "recovery_days": 90,
    "reason": "no cooperation",
    "permit_type": "temporary",
    "valid_until": "2027-01-31",
    "travel_date": "2026-05-02",
    "return_country": "LV",
    "purpose": "safe return",
}
RAW_NAME = re.compile(r"\b[a-z]+_[a-z_]+\b")


def human_tasks():
    bundle = build_bundles(load_directory(PROCESSES), form_exists, field_known=field_known)[
        "victim_journey"
    ]
    for spec in [bundle.spec, *bundle.subprocess_specs.values()]:
        for task_spec in spec.task_specs.values():
            if getattr(task_spec, "manual", False):
                yield task_spec.bpmn_id, str(task_spec.documentation or "")


def test_no_instruction_of_any_task_shows_a_variable_name(app: Flask) -> None:
    tasks = list(human_tasks())
    assert len(tasks) > 20
    with app.test_request_context():
        for bpmn_id, documentation in tasks:
            assert set(names_in(documentation)) <= set(SAMPLE_CASE), bpmn_id
            shown = fill_instructions(documentation, SAMPLE_CASE, {})
            assert not PLACEHOLDER.search(shown), (bpmn_id, shown)
            assert not RAW_NAME.findall(shown), (bpmn_id, RAW_NAME.findall(shown))


def test_an_instruction_naming_an_unknown_value_is_refused_at_deploy() -> None:
    files = load_directory(PROCESSES)
    source = files["care_plan.bpmn"].decode()
    files["care_plan.bpmn"] = source.replace("{service}", "{servise}").encode()
    with pytest.raises(InvalidProcess) as refused:
        build_bundles(files, form_exists, field_known=field_known)
    assert "{servise}" in str(refused.value)
    assert "care_plan.bpmn" in str(refused.value)


def test_the_reflection_request_shows_the_countrys_days_and_authority(journey, session):
    case = Api(journey, make_user(session, "anna", "se-roks")).open_case(host_country="SE")
    sign_in(journey, "anna")
    page = text(journey.get(f"/tasks/{task_id(session, case['id'], 'request_reflection_period')}"))
    assert "{reflection_days}" not in page and "reflection_days" not in page
    assert "<strong>30</strong> days" in page
    assert "Migration Agency" in page


def test_a_completed_task_shows_its_answers_and_no_countdown(client, session):
    api = Api(client, make_user(session, "anna", "se-roks"))
    case = api.open_case()
    task = api.task(case, "immediate_safety")
    api.post(f"/tasks/{task['id']}/complete", {"data": valid_data("immediate_safety")})
    sign_in(client, "anna")
    page = text(client.get(f"/tasks/{task['id']}"))
    assert "This task was completed on" in page
    assert "What was recorded" in page
    assert "Due:" not in page and "in 23 hours" not in page
