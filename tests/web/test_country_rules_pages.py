"""Unconfirmed country rules (confidence low) are flagged where people rely on them: on
the case page of a woman in that country, and in the administrators' library."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.factories.case_walker import Walker
from tests.factories.pages import sign_in, sign_in_as_administrator, text
from tests.factories.people import make_user


def test_a_case_in_lithuania_warns_that_the_rule_is_unconfirmed(
    journey: FlaskClient, session, services
) -> None:
    walker = Walker(session, services, opener="lt-klaipeda-support-centre", host_country="LT")
    make_user(session, "rasa", "lt-klaipeda-support-centre")
    sign_in(journey, "rasa")
    page = text(journey.get(f"/cases/{walker.case.id}"))
    assert "rule for this country is not confirmed" in page
    assert "Council of Europe" in page


def test_a_case_in_sweden_shows_no_such_warning(journey: FlaskClient, session, services) -> None:
    walker = Walker(session, services)
    make_user(session, "anna", "se-roks")
    sign_in(journey, "anna")
    assert "not confirmed" not in text(journey.get(f"/cases/{walker.case.id}"))


def test_the_library_lists_the_rows_an_administrator_must_confirm(
    journey: FlaskClient, session, services
) -> None:
    Walker(session, services)  # deploys the real library
    make_user(session, "admin", "se-roks", admin=True)
    sign_in_as_administrator(journey, "admin")
    page = text(journey.get("/admin/processes"))
    assert "Country rules to confirm" in page
    assert "LT" in page and "unverified" in page
