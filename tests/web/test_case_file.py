"""Her case file: what was recorded comes back, on the page in words and in the API as
values, each reader seeing only what the access policy gives it; times in her zone."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories.api_client import Api
from tests.factories.form_data import valid_data
from tests.factories.pages import open_case_through_the_page, sign_in, text
from tests.factories.people import make_user


def test_the_record_gives_back_what_first_contact_recorded(client, session):
    api = Api(client, make_user(session, "anna", "se-roks"))
    case = api.open_case(alias="Joy", year_of_birth=1999, origin_country="NG")
    status, record = api.get(f"/cases/{case['id']}/record")
    assert status == 200, record
    assert record["fields"]["alias"] == "Joy"
    assert record["fields"]["year_of_birth"] == 1999
    assert record["fields"]["origin_country"] == "NG"
    assert record["fields"]["languages"] == ["en"]
    first = record["steps"][0]
    assert first["name"] == "record_first_contact"
    assert first["completed_by"] == "anna"
    assert first["organisation"] == "se-roks"
    assert first["data"]["immediate_needs"] == ["shelter"]


def test_a_completed_step_is_in_the_record_with_who_when_and_its_answers(client, session):
    api = Api(client, make_user(session, "anna", "se-roks"))
    case = api.open_case()
    task = api.task(case, "immediate_safety")
    answers = valid_data("immediate_safety")
    status, _ = api.post(f"/tasks/{task['id']}/complete", {"data": answers})
    assert status == 200
    status, record = api.get(f"/cases/{case['id']}/record")
    step = next(s for s in record["steps"] if s["name"] == "immediate_safety")
    assert step["task_id"] == task["id"]
    assert step["completed_by"] == "anna"
    assert step["completed_at"].endswith("+00:00")
    assert step["data"] == answers


def test_the_record_of_a_case_one_may_not_see_is_not_found(client, session):
    api = Api(client, make_user(session, "anna", "se-roks"))
    stranger = Api(client, make_user(session, "ruta", "lt-police"))
    case = api.open_case()
    status, body = stranger.get(f"/cases/{case['id']}/record")
    assert status == 404, body
    status, body = api.get("/cases/no-such-case/record")
    assert status == 404


def test_the_case_page_reads_back_her_alias_and_first_contact_in_words(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    case_id = open_case_through_the_page(client, alias="Joy", year_of_birth="1999")
    page = text(client.get(f"/cases/{case_id}"))
    assert 'data-field="alias">Joy<' in page
    assert "born 1999" in page
    assert 'data-field="origin_country">Nigeria<' in page
    assert "Her case file" in page and "About her" in page
    # The first-contact answers, as the form words them, never the stored codes.
    assert "Shelter" in page
    assert ">shelter<" not in page


def test_times_on_the_case_page_carry_the_host_country_zone(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    case_id = open_case_through_the_page(client)
    page = text(client.get(f"/cases/{case_id}"))
    # Opened 2026-01-05 09:00 UTC (the test clock): 10:00 in Stockholm, in winter time.
    assert re.search(r"10:00\W*AM CET", page), "times are shown in Stockholm time, labelled"


def test_the_timeline_and_the_drawing_name_organisations_and_roles_in_words(
    journey: FlaskClient, session: Session
) -> None:
    make_user(session, "anna", "se-roks")
    sign_in(journey, "anna")
    case_id = open_case_through_the_page(journey)
    page = text(journey.get(f"/cases/{case_id}"))
    assert "(se-roks)" not in page
    assert "(ROKS" in page  # the organisation's name beside who did it
    xml = journey.get(f"/cases/{case_id}/diagram").get_json()["xml"]
    assert 'name="ngo_support"' not in xml and 'name="coordinator"' not in xml
    assert 'name="Case coordinator"' in xml
