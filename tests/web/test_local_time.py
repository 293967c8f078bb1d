"""Times in the case's host-country zone, labelled, and legal periods that end at the end
of their last day there."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from web.i18n import date_and_time, last_day


def test_a_time_is_shown_in_the_given_countrys_zone_with_its_abbreviation(app: Flask) -> None:
    at = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    with app.test_request_context():
        assert date_and_time(at, "SE").endswith("2:00\u202fPM CEST")
        assert date_and_time(at, "EE").endswith("3:00\u202fPM EEST")
        assert date_and_time(at, "IS").endswith("12:00\u202fPM GMT")


def test_a_legal_period_names_its_last_local_day_however_its_end_was_stored(app: Flask) -> None:
    with app.test_request_context():
        # Stored as the start of the last day in UTC (01:00 in Stockholm on 1 January) ...
        assert last_day(datetime(2027, 1, 1, 0, 0, tzinfo=UTC), "SE") == (
            "until the end of Jan 1, 2027"
        )
        # ... or as the instant the day ends there (midnight into 2 January, local time).
        assert last_day(datetime(2027, 1, 1, 23, 0, tzinfo=UTC), "SE") == (
            "until the end of Jan 1, 2027"
        )
