"""Lists people can use: her alias, age band, flags and next deadline on the case list,
the task list and the API, and search by alias or reference among the cases one sees."""

from __future__ import annotations

from tests.factories.api_client import Api
from tests.factories.pages import sign_in, text
from tests.factories.people import make_user


def test_the_case_list_tells_the_women_apart_by_alias_and_age(client, session):
    api = Api(client, make_user(session, "anna", "se-roks"))
    api.open_case(alias="Joy", year_of_birth=2010)
    api.open_case(alias="Mary", year_of_birth=1990)
    sign_in(client, "anna")
    page = text(client.get("/cases"))
    assert ">Joy<" in page and ">Mary<" in page
    assert "under 18" in page and "35 or older" in page
    assert 'data-flag="under_18"' in page


def test_the_task_list_shows_her_alias_beside_the_reference(client, session):
    api = Api(client, make_user(session, "anna", "se-roks"))
    api.open_case(alias="Joy")
    sign_in(client, "anna")
    page = text(client.get("/"))
    assert 'data-testid="alias">Joy<' in page


def test_the_api_lists_carry_the_alias_age_band_flags_and_next_deadline(client, session):
    api = Api(client, make_user(session, "anna", "se-roks"))
    case = api.open_case(alias="Joy", year_of_birth=1999)
    status, cases = api.get("/cases")
    [row] = cases["items"]
    assert row["alias"] == "Joy"
    assert row["age_band"] == "25_34"
    assert row["flags"] == []
    assert row["next_deadline"]["subject"] == "immediate_safety"
    status, tasks = api.get("/tasks")
    assert {t["alias"] for t in tasks["items"]} == {"Joy"}
    assert case["id"] in {t["case_id"] for t in tasks["items"]}


def test_search_finds_a_case_by_her_alias_or_its_reference(client, session):
    api = Api(client, make_user(session, "anna", "se-roks"))
    joy = api.open_case(alias="Joy Okafor")
    api.open_case(alias="Mary")
    status, found = api.get("/cases", q="  joy okafor ")
    assert [c["reference"] for c in found["items"]] == [joy["reference"]]
    status, found = api.get("/cases", q=joy["reference"][:5].lower())
    assert joy["reference"] in [c["reference"] for c in found["items"]]
    status, found = api.get("/cases", q="Jo")  # a whole name, not a part: nothing leaks
    assert found["items"] == []
    sign_in(client, "anna")
    page = text(client.get("/cases?q=Joy+Okafor"))
    assert joy["reference"] in page and "Mary" not in page


def test_search_does_not_find_cases_one_may_not_see(client, session):
    Api(client, make_user(session, "anna", "se-roks")).open_case(alias="Joy")
    stranger = Api(client, make_user(session, "ruta", "lt-police"))
    status, found = stranger.get("/cases", q="Joy")
    assert status == 200 and found["items"] == []
