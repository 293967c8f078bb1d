"""`coerce_form_post` turns posted HTML strings into typed values by the schema."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from forms.validation import coerce_form_post, validate


class Posted:
    """Anything with `.getlist` will do, not only werkzeug's MultiDict."""

    def __init__(self, pairs):
        self.pairs = pairs

    def getlist(self, key):
        return [value for name, value in self.pairs if name == key]


@pytest.mark.parametrize(
    ("posted", "expected"),
    [("true", True), ("on", True), ("yes", True), ("false", False), ("off", False), ("0", False)],
)
def test_yesno_becomes_a_boolean(posted, expected):
    data = coerce_form_post("arrange_travel", MultiDict({"documents_arranged": posted}))
    assert data["documents_arranged"] is expected


def test_a_hidden_false_before_a_ticked_box_gives_true():
    posted = MultiDict([("documents_arranged", "false"), ("documents_arranged", "on")])
    assert coerce_form_post("arrange_travel", posted)["documents_arranged"] is True


def test_an_unanswered_yesno_is_left_out_so_it_is_required():
    data = coerce_form_post("arrange_travel", MultiDict({"travel_date": "2026-05-01"}))
    assert "documents_arranged" not in data


def test_number_widget_gives_integers_and_decimals():
    data = coerce_form_post("her_decision", MultiDict({"review_after_days": " 45 "}))
    assert data["review_after_days"] == 45
    amounts = MultiDict(
        {"non_material_damage": "1 200,50", "material_damage": "300.25", "withheld_earnings": "7"}
    )
    data = coerce_form_post("court_claim", amounts)
    assert data == {
        "non_material_damage": 1200.5,
        "material_damage": 300.25,
        "withheld_earnings": 7,
    }


def test_a_number_that_is_not_one_is_passed_on_for_validation_to_explain():
    data = coerce_form_post("her_decision", MultiDict({"review_after_days": "a month"}))
    assert data["review_after_days"] == "a month"


def test_checkboxes_and_languages_come_from_repeated_keys():
    posted = MultiDict(
        [
            ("services", "health"),
            ("services", "legal"),
            ("services", ""),
            ("discussed_with_her", "true"),
        ]
    )
    assert coerce_form_post("assess_needs", posted) == {
        "services": ["health", "legal"],
        "discussed_with_her": True,
    }
    langs = coerce_form_post(
        "record_first_contact", MultiDict([("languages", "ru"), ("languages", "uk")])
    )
    assert langs["languages"] == ["ru", "uk"]


def test_no_ticked_checkbox_is_an_empty_list():
    assert coerce_form_post("assess_needs", MultiDict())["services"] == []


def test_text_textarea_date_radio_select_country_language_and_organisation_stay_strings():
    posted = Posted(
        [
            ("return_country", "LV"),
            ("return_partner", "lv-marta"),
            ("notes", "  Met at the bus station  "),
        ]
    )
    assert coerce_form_post("select_return_partner", posted) == {
        "return_country": "LV",
        "return_partner": "lv-marta",
        "notes": "Met at the bus station",
    }
    decision = Posted(
        [("future", "stay"), ("explained_in_language", "ro"), ("interpreter_used", "false")]
    )
    assert coerce_form_post("her_decision", decision) == {
        "future": "stay",
        "explained_in_language": "ro",
        "interpreter_used": False,
    }
    travel = coerce_form_post("arrange_travel", Posted([("travel_date", "2026-05-01")]))
    assert travel == {"travel_date": "2026-05-01"}


def test_empty_strings_are_omitted():
    data = coerce_form_post(
        "grant_reflection_period", MultiDict({"granted": "false", "end_date": ""})
    )
    assert data == {"granted": False}


def test_fields_that_are_not_in_the_form_are_ignored():
    posted = MultiDict({"csrf_token": "abc", "submit": "Save", "granted": "false"})
    assert coerce_form_post("grant_reflection_period", posted) == {"granted": False}


def test_a_posted_start_form_validates_with_the_same_code():
    posted = MultiDict(
        [
            ("host_country", "NO"),
            ("contact_method", "hotline"),
            ("origin_country", "NG"),
            ("languages", "en"),
            ("languages_note", "Edo"),
            ("has_residence_right", "false"),
            ("cooperates_with_authorities", "false"),
            ("indicators", "debt"),
            ("indicators", "threats_or_violence"),
            ("immediate_needs", "shelter"),
            ("year_of_birth", "1999"),
            ("alias", ""),
        ]
    )
    cleaned = validate("record_first_contact", coerce_form_post("record_first_contact", posted))
    assert cleaned["has_residence_right"] is False
    assert cleaned["year_of_birth"] == 1999
    assert "alias" not in cleaned
