"""The field names that gateways, timers, decision tables and reports read are fixed."""

from __future__ import annotations

import pytest

from forms.reference import COUNTRIES, LANGUAGES, NETWORK_COUNTRIES
from forms.registry import allowed_values, load_form

SERVICES = [
    "safe_housing",
    "food_clothing",
    "health",
    "legal",
    "social_psychological",
    "activity_money",
    "training_education",
    "employment",
    "authorities_support",
]
RISK_FLAGS = [
    "contact_with_traffickers",
    "threats_received",
    "debts_to_traffickers",
    "family_at_risk",
    "previously_trafficked",
]
# A yes/no question about her that she may not want to answer (JOURNEY correction 12).
MAY_NOT_SAY = ["boolean", "string"]
MAY_NOT_SAY_VALUES = [True, False, "unknown", "prefers_not_to_say"]
AMOUNTS = ["non_material_damage", "material_damage", "withheld_earnings"]

# (form, field, JSON type, allowed values or None, required)
FIXED = [
    ("record_first_contact", "host_country", "string", list(NETWORK_COUNTRIES), True),
    ("record_first_contact", "origin_country", "string", list(COUNTRIES), True),
    ("record_first_contact", "languages", "array", list(LANGUAGES), True),
    ("record_first_contact", "has_residence_right", "boolean", None, True),
    (
        "record_first_contact",
        "cooperates_with_authorities",
        MAY_NOT_SAY,
        MAY_NOT_SAY_VALUES,
        True,
    ),
    (
        "record_first_contact",
        "contact_method",
        "string",
        ["outreach", "hotline", "police", "social_services", "health", "self_referral", "other"],
        True,
    ),
    ("record_first_contact", "indicators", "array", None, True),
    ("record_first_contact", "immediate_needs", "array", None, True),
    ("record_first_contact", "alias", "string", None, False),
    ("record_first_contact", "year_of_birth", "integer", None, False),
    ("grant_reflection_period", "granted", "boolean", None, True),
    ("grant_reflection_period", "start_date", "string", None, False),
    ("grant_reflection_period", "end_date", "string", None, False),
    ("grant_reflection_period", "deciding_authority", "string", None, False),
    ("decide_after_reflection", "next_step", "string", ["extend", "proceed"], True),
    ("assess_needs", "services", "array", SERVICES, True),
    (
        "provide_service",
        "status",
        "string",
        ["planned", "in_progress", "provided", "offered_declined", "ended"],
        True,
    ),
    ("provide_service", "language_used", "string", list(LANGUAGES), True),
    ("provide_service", "peer_support_offered", "boolean", None, True),
    ("provide_service", "notes", "string", None, False),
    *[("police_risk_input", flag, "boolean", None, True) for flag in RISK_FLAGS],
    *[("risk_assessment", flag, MAY_NOT_SAY, MAY_NOT_SAY_VALUES, True) for flag in RISK_FLAGS],
    ("risk_assessment", "risk_notes", "string", None, False),
    ("her_decision", "future", "string", ["return", "stay", "undecided"], True),
    ("her_decision", "explained_in_language", "string", list(LANGUAGES), True),
    ("her_decision", "interpreter_used", "boolean", None, True),
    ("her_decision", "review_after_days", "integer", None, False),
    ("select_return_partner", "return_partner", "string", None, True),
    ("select_return_partner", "return_country", "string", list(COUNTRIES), True),
    (
        "referral_consent",
        "shared_fields",
        "array",
        [
            "alias",
            "year_of_birth",
            "languages",
            "origin_country",
            "immediate_needs",
            "services",
            "risk_level",
            "travel_date",
        ],
        True,
    ),
    ("referral_consent", "consent_given", "boolean", None, True),
    ("referral_consent", "explained_in_language", "string", list(LANGUAGES), True),
    ("referral_consent", "valid_until", "string", None, False),
    ("arrange_travel", "travel_date", "string", None, True),
    ("arrange_travel", "documents_arranged", "boolean", None, True),
    ("residence_decision", "granted", "boolean", None, True),
    (
        "residence_decision",
        "permit_type",
        "string",
        ["temporary_victim", "humanitarian", "asylum", "other"],
        False,
    ),
    ("residence_decision", "valid_until", "string", None, False),
    (
        "apply_residence_permit",
        "permit_type",
        "string",
        ["temporary_victim", "humanitarian", "asylum", "other"],
        True,
    ),
    ("apply_residence_permit", "application_date", "string", None, True),
    (
        "choose_compensation_route",
        "compensation_route",
        "string",
        ["court", "state_fund", "both", "none"],
        True,
    ),
    *[
        (form, kind, "number", None, False)
        for form in ("court_claim", "fund_decision")
        for kind in AMOUNTS
    ],
    ("court_claim", "outcome", "string", None, True),
    ("fund_decision", "outcome", "string", None, True),
    ("court_claim", "currency", "string", ["EUR", "DKK", "ISK", "NOK", "SEK"], False),
    ("fund_decision", "currency", "string", ["EUR", "DKK", "ISK", "NOK", "SEK"], False),
    ("inform_rights", "language", "string", list(LANGUAGES), True),
    ("inform_rights", "interpreter_used", "boolean", None, True),
    (
        "inform_rights",
        "topics",
        "array",
        [
            "reflection_period",
            "assistance",
            "return",
            "residence",
            "compensation",
            "legal_proceedings",
        ],
        True,
    ),
    ("inform_rights", "leaflet_version", "string", None, False),
    ("new_information", "summary", "string", None, True),
    ("new_information", "affects_identification", "boolean", None, True),
    ("withdraw", "reason", "string", None, True),
    ("withdraw", "note", "string", None, False),
    ("close_case", "reason", "string", None, True),
    ("close_case", "note", "string", None, False),
]


@pytest.mark.parametrize(("form_name", "field", "kind", "values", "required"), FIXED)
def test_fixed_field_has_its_name_type_values_and_requiredness(
    form_name, field, kind, values, required
):
    schema = load_form(form_name).schema
    prop = schema["properties"][field]
    assert prop["type"] == kind
    if values is not None:
        assert sorted(map(str, allowed_values(prop, schema) or [])) == sorted(map(str, values))
    assert (field in schema["required"]) is required


DATE_FIELDS = [
    ("grant_reflection_period", "start_date"),
    ("grant_reflection_period", "end_date"),
    ("referral_consent", "valid_until"),
    ("arrange_travel", "travel_date"),
    ("residence_decision", "valid_until"),
    ("apply_residence_permit", "application_date"),
]


@pytest.mark.parametrize(("form_name", "field"), DATE_FIELDS)
def test_fixed_dates_are_iso_dates(form_name, field):
    assert load_form(form_name).schema["properties"][field]["format"] == "date"


def test_risk_level_is_computed_so_it_is_not_a_field_of_the_risk_assessment():
    assert "risk_level" not in load_form("risk_assessment").schema["properties"]


def test_the_current_service_is_not_asked_for_in_provide_service():
    assert "service" not in load_form("provide_service").schema["properties"]


def test_she_never_pays_for_travel():
    form = load_form("arrange_travel")
    assert "cost_to_her" not in form.schema["properties"]
    assert "never pays" in form.ui_schema["instructions"]


def test_the_start_form_asks_for_no_real_name():
    properties = load_form("record_first_contact").schema["properties"]
    assert not {"name", "first_name", "last_name", "full_name"} & set(properties)


def test_services_allow_none_and_no_repeats():
    prop = load_form("assess_needs").schema["properties"]["services"]
    assert prop.get("minItems", 0) == 0 and prop["uniqueItems"] is True


def test_her_decision_review_period_is_7_to_180_days_default_30():
    prop = load_form("her_decision").schema["properties"]["review_after_days"]
    assert (prop["minimum"], prop["maximum"], prop["default"]) == (7, 180, 30)


def test_return_partner_is_an_organisation_slug_picked_from_the_directory():
    form = load_form("select_return_partner")
    assert form.schema["properties"]["return_partner"]["pattern"] == "^[a-z]{2}-[a-z0-9-]+$"
    assert form.ui_schema["fields"]["return_partner"]["widget"] == "organisation"
