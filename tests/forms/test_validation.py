"""`validate` returns cleaned data or one plain-English message per field."""

from __future__ import annotations

import pytest

from engine.errors import InvalidData, NotFound
from forms.validation import DATE_MESSAGE, NOT_IN_FORM, validate


def first_contact(**changes):
    data = {
        "host_country": "SE",
        "contact_method": "outreach",
        "origin_country": "RO",
        "languages": ["ro", "en"],
        "has_residence_right": True,
        "cooperates_with_authorities": False,
        "indicators": ["documents_held", "debt"],
        "immediate_needs": ["shelter"],
    }
    data.update(changes)
    return data


def reflection(**changes):
    data = {"granted": True, "start_date": "2026-03-01", "end_date": "2026-08-28"}
    data.update(changes)
    return data


def errors_of(form_name, data):
    with pytest.raises(InvalidData) as raised:
        validate(form_name, data)
    assert raised.value.message
    return raised.value.fields


def test_a_case_can_open_anonymously_and_without_cooperating():
    cleaned = validate("record_first_contact", first_contact())
    assert cleaned["cooperates_with_authorities"] is False
    assert "alias" not in cleaned


def test_missing_required_fields_each_say_required():
    fields = errors_of("her_decision", {})
    assert fields == {
        "future": "Required",
        "explained_in_language": "Required",
        "interpreter_used": "Required",
    }


def test_messages_come_in_the_order_of_the_form():
    fields = errors_of("record_first_contact", {})
    assert list(fields)[:2] == ["host_country", "contact_method"]


def test_wrong_types_are_explained_in_plain_words():
    fields = errors_of(
        "record_first_contact",
        first_contact(has_residence_right="maybe", year_of_birth="nineteen", languages="ro"),
    )
    assert fields == {
        "has_residence_right": "Choose yes or no",
        "year_of_birth": "Enter a whole number",
        "languages": "Choose from the list",
    }


def test_an_impossible_date_asks_for_a_date_like_the_example():
    assert errors_of("grant_reflection_period", reflection(end_date="2026-02-30")) == {
        "end_date": DATE_MESSAGE
    }
    assert DATE_MESSAGE == "Enter a date like 2026-12-31"


@pytest.mark.parametrize("written", ["20260830", "2026-8-30", "30.08.2026", "2026-08-30T00:00"])
def test_only_yyyy_mm_dd_is_a_date(written):
    assert errors_of("grant_reflection_period", reflection(end_date=written)) == {
        "end_date": DATE_MESSAGE
    }


def test_unknown_fields_are_not_part_of_the_form():
    fields = errors_of("grant_reflection_period", reflection(real_name="X", risk_level="high"))
    assert fields == {"real_name": NOT_IN_FORM, "risk_level": NOT_IN_FORM}
    assert NOT_IN_FORM == "This field is not part of the form"


@pytest.mark.parametrize("payload", [None, [], "granted", 3])
def test_a_payload_that_is_not_an_object_is_refused_as_a_whole(payload):
    fields = errors_of("grant_reflection_period", payload)
    assert list(fields) == [""]


def test_end_date_is_required_only_when_the_period_is_granted_and_says_so():
    because = "Required because you answered Yes to “Reflection period granted”"
    assert errors_of("grant_reflection_period", {"granted": True}) == {
        "start_date": because,
        "end_date": because,
    }
    assert validate("grant_reflection_period", {"granted": False})["granted"] is False


def test_the_end_date_cannot_be_before_the_start_date():
    fields = errors_of("grant_reflection_period", reflection(end_date="2026-02-01"))
    assert fields == {"end_date": "Must be on or after “Start date”"}


def test_defaults_are_filled_in_so_gateways_always_find_the_name():
    decision = validate(
        "her_decision",
        {"future": "undecided", "explained_in_language": "ru", "interpreter_used": True},
    )
    assert decision["review_after_days"] == 30


def test_review_period_outside_7_to_180_days_is_explained():
    data = {"future": "undecided", "explained_in_language": "ru", "interpreter_used": True}
    fields = errors_of("her_decision", {**data, "review_after_days": 365})
    assert fields == {"review_after_days": "Enter a number from 7 to 180"}


def test_nested_paths_are_dotted():
    fields = errors_of(
        "assess_needs", {"services": ["health", "massage"], "discussed_with_her": True}
    )
    assert fields == {"services.1": "Choose one of the options"}


def test_a_service_chosen_twice_is_explained():
    fields = errors_of(
        "assess_needs", {"services": ["health", "health"], "discussed_with_her": True}
    )
    assert fields == {"services": "Choose each option only once"}


def test_assistance_can_be_planned_with_no_services():
    assert validate("assess_needs", {"services": [], "discussed_with_her": True})["services"] == []


def test_at_least_one_language():
    fields = errors_of("record_first_contact", first_contact(languages=[]))
    assert fields == {"languages": "Choose at least one language"}


def test_unknown_codes_for_countries_and_languages():
    fields = errors_of(
        "record_first_contact",
        first_contact(host_country="DE", origin_country="XX", languages=["ro", "xx"]),
    )
    assert fields == {
        "host_country": "Choose one of the network's countries",
        "origin_country": "Choose a country from the list",
        "languages.1": "Choose a language from the list",
    }


def test_none_cannot_be_combined_with_other_immediate_needs():
    fields = errors_of("record_first_contact", first_contact(immediate_needs=["none", "medical"]))
    assert fields == {"immediate_needs": "'None right now' cannot be combined with other needs"}


def test_strings_are_trimmed_and_empty_answers_dropped():
    cleaned = validate("record_first_contact", first_contact(alias="  Anna ", notes="   "))
    assert cleaned["alias"] == "Anna"
    assert "notes" not in cleaned


def test_an_empty_required_text_is_required():
    fields = errors_of("new_information", {"summary": "  ", "affects_identification": False})
    assert fields == {"summary": "Required"}


def test_amounts_need_a_currency_and_cannot_be_negative():
    fields = errors_of("court_claim", {"outcome": "awarded", "material_damage": -5})
    assert fields == {"material_damage": "Enter 0 or more", "currency": "Required"}
    cleaned = validate(
        "fund_decision", {"outcome": "awarded", "non_material_damage": 5000, "currency": "SEK"}
    )
    assert cleaned["non_material_damage"] == 5000


def test_a_return_partner_must_look_like_a_directory_slug():
    fields = errors_of(
        "select_return_partner", {"return_country": "LV", "return_partner": "Marta Centre"}
    )
    assert fields == {"return_partner": "Choose an organisation from the directory"}
    assert validate("select_return_partner", {"return_country": "LV", "return_partner": "lv-marta"})


def test_consent_needs_shared_fields_and_an_end_date():
    data = {
        "consent_given": True,
        "shared_fields": [],
        "explained_in_language": "lt",
        "interpreter_used": False,
    }
    assert errors_of("referral_consent", data) == {
        "shared_fields": "Choose at least one item to share",
        "valid_until": "Required because you answered Yes to “She agrees to the referral”",
    }
    refused = {**data, "consent_given": False}
    assert validate("referral_consent", refused)["shared_fields"] == []


def test_a_permit_granted_needs_its_type_and_end():
    because = "Required because you answered Yes to “Permit granted”"
    assert errors_of("residence_decision", {"granted": True}) == {
        "permit_type": because,
        "valid_until": because,
    }


@pytest.mark.parametrize("name", ["withdraw", "close_case"])
def test_leaving_and_closing_need_a_reason_and_take_an_optional_note(name):
    assert errors_of(name, {}) == {"reason": "Required"}
    assert validate(name, {"reason": "other", "note": "Moved to Oslo"})["note"] == "Moved to Oslo"
    assert errors_of(name, {"reason": "because"}) == {"reason": "Choose one of the options"}


def test_validating_does_not_change_the_submitted_data():
    data = first_contact(alias=" Anna ")
    validate("record_first_contact", data)
    assert data["alias"] == " Anna "


def test_an_unknown_form_is_not_found():
    with pytest.raises(NotFound):
        validate("no_such_form", {})


def test_she_may_prefer_not_to_say_whether_she_cooperates():
    from tests.factories.form_data import valid_data

    for answer in (True, False, "unknown", "prefers_not_to_say"):
        data = valid_data("record_first_contact", cooperates_with_authorities=answer)
        assert validate("record_first_contact", data)["cooperates_with_authorities"] == answer
    with pytest.raises(InvalidData):
        validate(
            "record_first_contact",
            valid_data("record_first_contact", cooperates_with_authorities="maybe"),
        )


def test_a_posted_yes_no_or_prefers_not_to_say_answer_keeps_its_type():
    from werkzeug.datastructures import MultiDict

    from forms.validation import coerce_form_post

    posted = MultiDict({"threats_received": "true", "family_at_risk": "prefers_not_to_say"})
    data = coerce_form_post("risk_assessment", posted)
    assert data["threats_received"] is True
    assert data["family_at_risk"] == "prefers_not_to_say"
