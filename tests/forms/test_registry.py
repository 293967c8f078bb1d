"""Every form loads, is a valid JSON Schema 2020-12, and its UI schema matches it."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from engine.errors import InvalidData, NotFound
from forms.reference import (
    COUNTRIES,
    ISO_639_1,
    LANGUAGES,
    NETWORK_COUNTRIES,
    autonym,
    language_name,
)
from forms.registry import FORMS_DIR, allowed_values, form_names, load_form
from forms.validation import validate

TASKS = [
    "record_first_contact",
    "non_punishment_check",
    "child_protection_referral",
    "appoint_guardian",
    "immediate_safety",
    "non_punishment_notice",
    "inform_rights",
    "review_identification",
    "request_reflection_period",
    "grant_reflection_period",
    "request_extension",
    "plan_recovery_period",
    "decide_after_reflection",
    "assess_needs",
    "provide_service",
    "review_care_plan",
    "police_risk_input",
    "risk_assessment",
    "her_decision",
    "select_return_partner",
    "referral_consent",
    "accept_referral",
    "transfer_case",
    "safety_plan",
    "return_needs_assessment",
    "arrange_travel",
    "arrival_reception",
    "follow_up_3_months",
    "follow_up_6_months",
    "apply_residence_permit",
    "residence_decision",
    "appeal",
    "integration_support",
    "renew_residence_permit",
    "respond_to_alert",
    "inform_compensation_rights",
    "choose_compensation_route",
    "court_claim",
    "state_fund_application",
    "fund_decision",
    "witness_protection",
    "procedural_adaptations",
]
MESSAGES = [
    "new_information",
    "protection_needed",
    "withdraw",
    "close_case",
    "change_decision",
    "transfer",
]

WIDGETS_BY_TYPE = {
    "boolean": {"yesno"},
    "integer": {"number"},
    "number": {"number"},
    "array": {"checkboxes", "languages"},
    "string": {
        "text",
        "textarea",
        "date",
        "radio",
        "select",
        "country",
        "language",
        "organisation",
    },
}


def test_there_is_a_form_for_the_start_every_task_and_every_message():
    assert sorted(form_names()) == sorted(TASKS + MESSAGES)


def test_every_schema_file_has_its_ui_file():
    schemas = {p.name.removesuffix(".schema.json") for p in FORMS_DIR.glob("*.schema.json")}
    uis = {p.name.removesuffix(".ui.json") for p in FORMS_DIR.glob("*.ui.json")}
    assert schemas == uis


@pytest.mark.parametrize("name", TASKS + MESSAGES)
def test_form_is_a_valid_2020_12_schema_for_a_closed_object(name):
    schema = load_form(name).schema
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert schema["title"]
    assert set(schema["required"]) <= set(schema["properties"])


@pytest.mark.parametrize("name", TASKS + MESSAGES)
def test_every_property_has_a_title_and_a_help_text(name):
    for field, prop in load_form(name).schema["properties"].items():
        assert prop.get("title"), field
        assert len(prop.get("description", "")) > 10, field


@pytest.mark.parametrize("name", TASKS + MESSAGES)
def test_ui_order_names_exactly_the_schema_properties(name):
    form = load_form(name)
    raw_ui = json.loads((FORMS_DIR / f"{name}.ui.json").read_text(encoding="utf-8"))
    assert raw_ui["order"] == list(form.schema["properties"])
    assert len(set(raw_ui["order"])) == len(raw_ui["order"])
    assert set(raw_ui["fields"]) == set(form.schema["properties"])
    assert raw_ui["instructions"] and raw_ui["submit_label"]


@pytest.mark.parametrize("name", TASKS + MESSAGES)
def test_every_widget_fits_its_type_and_every_choice_has_a_label(name):
    form = load_form(name)
    for field, prop in form.schema["properties"].items():
        ui = form.ui_schema["fields"][field]
        # yes / no / not known / prefers not to say: booleans and strings, one choice
        kinds = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
        assert all(ui["widget"] in WIDGETS_BY_TYPE[k] for k in kinds) or (
            kinds == ["boolean", "string"] and ui["widget"] == "radio"
        ), field
        assert ui["help"], field
        values = allowed_values(prop, form.schema)
        if values is not None:
            shown = [json.dumps(v) if isinstance(v, bool) else v for v in values]
            assert list(ui["labels"]) == shown or set(ui["labels"]) == set(shown), field
            assert all(ui["labels"].values()), field


def test_dates_are_json_schema_dates_with_a_date_widget():
    for name in form_names():
        form = load_form(name)
        for field, prop in form.schema["properties"].items():
            is_date_widget = form.ui_schema["fields"][field]["widget"] == "date"
            assert is_date_widget == (prop.get("format") == "date"), (name, field)


def test_country_and_language_lists_are_injected_from_the_reference():
    form = load_form("record_first_contact")
    assert form.schema["$defs"]["country"]["enum"] == list(COUNTRIES)
    assert form.schema["$defs"]["language"]["enum"] == list(LANGUAGES)
    origin = form.ui_schema["fields"]["origin_country"]["labels"]
    assert origin["RO"] == "Romania" and len(origin) == len(COUNTRIES)
    assert list(origin.values()) == sorted(origin.values())
    host = form.ui_schema["fields"]["host_country"]["labels"]
    assert set(host) == set(NETWORK_COUNTRIES)
    assert form.ui_schema["fields"]["languages"]["labels"]["lv"] == "Latvian"


def test_the_files_on_disk_do_not_copy_the_code_lists():
    text = (FORMS_DIR / "record_first_contact.schema.json").read_text(encoding="utf-8")
    assert '"ZW"' not in text and '"zu"' not in text


def test_forms_without_countries_or_languages_get_no_defs():
    assert "$defs" not in load_form("assess_needs").schema


def test_reference_lists_have_the_iso_sizes():
    assert len(COUNTRIES) == 250  # ISO 3166-1 alpha-2 (249) and XK, Kosovo
    assert all(len(code) == 2 and code.isupper() for code in COUNTRIES)


def test_her_languages_are_bcp47_tags_and_old_iso_639_1_codes_stay_valid():
    assert LANGUAGES.keys() >= ISO_639_1  # cases recorded with "ae" or "cu" still validate
    assert all(code.islower() and len(code) in (2, 3) for code in LANGUAGES)
    # ISO 639-3 where ISO 639-1 has no code: Edo, Nigerian Pidgin; never "rus" for "ru".
    assert LANGUAGES["bin"] == "Edo"
    assert LANGUAGES["pcm"] == "Nigerian Pidgin"
    assert {"ti", "so", "ru", "ro", "uk"} <= LANGUAGES.keys()
    assert "rus" not in LANGUAGES


def test_edo_is_accepted_where_her_language_is_asked():
    data = validate(
        "inform_rights", {"language": "bin", "interpreter_used": True, "topics": ["assistance"]}
    )
    assert data["language"] == "bin"
    with pytest.raises(InvalidData):
        validate(
            "inform_rights",
            {"language": "xx-nonsense", "interpreter_used": True, "topics": ["assistance"]},
        )


def test_language_names_come_in_the_readers_language_with_the_autonym():
    assert language_name("ru", "sv") == "ryska"
    assert autonym("ru") == "русский"
    assert autonym("ti") == "ትግርኛ"


@pytest.mark.parametrize("name", ["nope", "../forms/registry", "Assess_Needs", ""])
def test_an_unknown_form_is_not_found(name):
    with pytest.raises(NotFound):
        load_form(name)


def test_loading_is_cached():
    assert load_form("her_decision") is load_form("her_decision")
