"""Duplicate detection at opening: a second organisation opening a case for the same
woman learns whom to contact, and nothing else about the other case."""

from __future__ import annotations

from sqlalchemy import select

from engine.models import CaseMatch
from tests.factories.api_client import START_DATA, Api
from tests.factories.pages import post, sign_in, text
from tests.factories.people import make_user

HER = {"alias": "Adaeze Nwosu", "year_of_birth": 1997, "origin_country": "NG"}


def test_a_matching_case_names_only_its_coordinator(client, session):
    first = Api(client, make_user(session, "anna", "se-roks"))
    other = Api(client, make_user(session, "sara", "se-skr"))
    earlier = first.open_case(**HER)

    # Accents, case, spacing and name order do not hide her.
    later = other.open_case(**{**HER, "alias": "  nwosu ADAÉZE "})

    assert [m["organisation"] for m in later["matching_cases"]] == ["se-roks"]
    revealed = str(later["matching_cases"])
    assert earlier["id"] not in revealed and earlier["reference"] not in revealed
    assert "Adaeze" not in revealed and "1997" not in revealed
    assert set(later["matching_cases"][0]) == {"organisation", "name", "contacts"}


def test_different_details_or_too_few_do_not_match(client, session):
    first = Api(client, make_user(session, "anna", "se-roks"))
    first.open_case(**HER)
    assert first.open_case(**{**HER, "year_of_birth": 1996})["matching_cases"] == []
    assert first.open_case(**{**HER, "origin_country": "GH"})["matching_cases"] == []
    no_name = {k: v for k, v in HER.items() if k != "alias"}
    assert first.open_case(**no_name)["matching_cases"] == []
    assert first.open_case(**no_name)["matching_cases"] == []


def test_only_a_keyed_hash_of_her_details_is_stored(client, session):
    Api(client, make_user(session, "anna", "se-roks")).open_case(**HER)
    session.commit()
    digests = list(session.scalars(select(CaseMatch.digest)))
    assert len(digests) == 1 and len(digests[0]) == 64
    assert "nwosu" not in digests[0].lower()


def test_the_case_page_tells_whom_to_contact(client, session):
    Api(client, make_user(session, "anna", "se-roks")).open_case(**HER)
    make_user(session, "sara", "se-skr")
    sign_in(client, "sara")

    opened = post(client, "/cases/new", {**START_DATA, **HER})

    # SKR is not on the team of a Swedish case (ROKS is): it lands on its confirmation.
    page = text(client.get(opened.headers["Location"]))
    assert "A case with matching details exists at" in page and "ROKS" in page
