"""The decision tables, as the journey uses them."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories.journey import Case

# country: (statutory days, extension possible, confidence)
COUNTRY_RULES = {
    "DK": (30, True, "high"),
    "EE": (30, True, "medium"),
    "FI": (30, True, "high"),
    "IS": (270, True, "medium"),
    "LV": (30, True, "medium"),
    "LT": (180, True, "low"),
    "NO": (180, False, "high"),
    "SE": (30, True, "high"),
}


@pytest.mark.parametrize("country", sorted(COUNTRY_RULES))
def test_country_rules_give_the_statutory_reflection_period(country: str) -> None:
    days, extension, confidence = COUNTRY_RULES[country]
    case = Case(host_country=country)
    data = case.task("request_reflection_period").data
    assert data["reflection_days"] == days
    assert data["extension_possible"] is extension
    assert data["rule_confidence"] == confidence
    assert data["deciding_authority"]
    assert data["rule_citation"]
    date.fromisoformat(data["rule_valid_from"])


def test_the_standard_ninety_days_are_met_only_where_the_law_gives_them() -> None:
    shorter = [c for c, (days, _, _) in COUNTRY_RULES.items() if days < 90]
    assert sorted(shorter) == ["DK", "EE", "FI", "LV", "SE"]


def test_a_country_outside_the_network_gets_a_low_confidence_default() -> None:
    data = Case(host_country="DE").task("request_reflection_period").data
    assert data["rule_confidence"] == "low"
    assert data["reflection_days"] == 30
    assert data["extension_possible"] is False


@pytest.mark.parametrize(
    ("factors", "level"),
    [
        ({}, "low"),
        ({"contact_with_traffickers": True}, "high"),
        ({"threats_received": True}, "high"),
        ({"threats_received": True, "debts_to_traffickers": True}, "high"),
        ({"debts_to_traffickers": True}, "medium"),
        ({"family_at_risk": True}, "medium"),
        ({"previously_trafficked": True}, "medium"),
        ({"family_at_risk": True, "previously_trafficked": True}, "medium"),
    ],
)
def test_risk_level(factors: dict[str, bool], level: str) -> None:
    case = Case(has_residence_right=True)
    case.assess_risk(**factors)
    assert case.task("her_decision").data["risk_level"] == level
