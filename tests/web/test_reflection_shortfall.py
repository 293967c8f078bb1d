"""The case page warns the coordinator when a country's reflection period is shorter than
the network's standard of at least 3 months (90 days)."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.factories.case_walker import Walker
from tests.factories.pages import sign_in, text
from tests.factories.people import make_user


def test_a_swedish_30_day_reflection_period_shows_it_is_60_days_short_of_the_standard(
    journey: FlaskClient, session, services
) -> None:
    walker = Walker(session, services)  # Sweden, where the law gives 30 days
    walker.complete("request_reflection_period")
    # 30 days: 5 January to the end of 3 February (a period includes its last day).
    walker.complete(
        "grant_reflection_period", granted=True, start_date="2026-01-05", end_date="2026-02-03"
    )
    make_user(session, "anna", "se-roks")
    sign_in(journey, "anna")

    page = text(journey.get(f"/cases/{walker.case.id}"))

    assert (
        "60 days shorter than the network’s standard of at least 3 months (Apr 5, 2026)" in page
    )  # 90 days from the day it started


def test_a_period_of_the_standard_length_shows_no_shortfall(
    journey: FlaskClient, session, services
) -> None:
    walker = Walker(session, services)
    walker.complete("request_reflection_period")
    walker.complete(
        "grant_reflection_period", granted=True, start_date="2026-01-05", end_date="2026-04-05"
    )
    make_user(session, "anna", "se-roks")
    sign_in(journey, "anna")

    page = text(journey.get(f"/cases/{walker.case.id}"))

    assert "shorter than the network" not in page
