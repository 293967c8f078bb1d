"""Opening a case for another country: the form says who coordinates, the opener lands on
a confirmation naming the reference and the coordinator, and keeps its first-contact
record until the case is taken over."""

from __future__ import annotations

import re

from sqlalchemy import update

from engine.models import Task
from tests.factories.api_client import START_DATA
from tests.factories.pages import post, sign_in, text
from tests.factories.people import make_user


def test_the_form_says_who_will_coordinate_and_presets_the_users_country(client, session):
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    page = text(client.get("/cases/new"))
    assert "Who will coordinate the case" in page
    assert 'data-country="EE"' in page
    assert re.search(r'<option value="SE"[^>]*selected|value="SE"[^>]*checked', page)


def test_a_case_opened_for_another_country_confirms_its_reference_and_coordinator(client, session):
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    opened = post(client, "/cases/new", {**START_DATA, "host_country": "EE", "alias": "Joy"})
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith("/opened")
    page = client.get(opened.headers["Location"])
    body = text(page)
    assert page.status_code == 200
    assert re.search(r"Case EE-[A-Z0-9]{6} is open", body)
    assert "Union of Women" in body  # Estonia's coordinating organisation
    assert 'data-field="alias">Joy<' in body  # her first-contact record, readable

    case_id = opened.headers["Location"].split("/")[2]
    session.execute(update(Task).where(Task.case_id == case_id).values(state="completed"))
    session.commit()
    later = text(client.get(f"/cases/{case_id}/opened"))
    assert "has taken the case over" in later and "Joy" not in later


def test_only_the_opener_reads_the_confirmation(client, session):
    make_user(session, "anna", "se-roks")
    make_user(session, "per", "se-police")
    sign_in(client, "anna")
    opened = post(client, "/cases/new", {**START_DATA, "host_country": "EE"})
    post(client, "/sign-out")
    sign_in(client, "per")
    assert client.get(opened.headers["Location"]).status_code == 404
