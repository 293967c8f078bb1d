"""The decision tables, as the journey uses them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.factories.journey import OPENED, Case

# country: (statutory days, maximum days, extension possible, EU/EEA excluded, confidence)
COUNTRY_RULES = {
    "DK": (30, 120, True, True, "high"),
    "EE": (30, 60, True, True, "medium"),
    "FI": (30, 180, False, False, "high"),  # 30 days to 6 months in one decision
    "IS": (270, 270, True, True, "medium"),
    "LV": (30, 30, False, True, "medium"),
    "LT": (30, 30, False, True, "low"),  # unverified: the Council of Europe minimum
    "NO": (180, 180, False, True, "high"),
    "SE": (30, 30, False, True, "high"),  # not extendable
}


@pytest.mark.parametrize("country", sorted(COUNTRY_RULES))
def test_country_rules_give_the_statutory_reflection_period(country: str) -> None:
    days, maximum, extension, excludes_eea, confidence = COUNTRY_RULES[country]
    case = Case(host_country=country)
    data = case.task("request_reflection_period").data
    assert data["reflection_days"] == days
    assert data["max_days"] == maximum
    assert data["extension_possible"] is extension
    assert data["excludes_eea_nationals"] is excludes_eea
    assert data["rule_confidence"] == confidence
    assert data["recovery_days"] >= 90  # the network standard, where the law excludes her
    assert data["deciding_authority"]
    assert data["rule_citation"]
    assert date.fromisoformat(data["rule_valid_from"]) <= OPENED.date()
    assert date.fromisoformat(data["rule_valid_until"]) > OPENED.date()


def test_swedens_later_permit_depends_on_her_cooperation() -> None:
    data = Case(host_country="SE").task("request_reflection_period").data
    assert data["permit_needs_cooperation"] is True
    assert "investigation leader" in data["deciding_authority"]


def test_the_rule_valid_on_the_decision_date_applies() -> None:
    # Finland's law changed on 1 January 2025: a case decided before then gets the old row.
    before = Case(host_country="FI", opened=datetime(2024, 11, 4, 9, tzinfo=UTC))
    after = Case(host_country="FI")
    old = before.task("request_reflection_period").data
    new = after.task("request_reflection_period").data
    assert (old["rule_valid_from"], old["rule_valid_until"]) == ("2015-01-01", "2025-01-01")
    assert new["rule_valid_from"] == "2025-01-01"
    assert "national assistance system" not in old["deciding_authority"]
    assert "national assistance system" in new["deciding_authority"]


def test_the_standard_ninety_days_are_met_only_where_the_law_gives_them() -> None:
    shorter = [c for c, (days, *_) in COUNTRY_RULES.items() if days < 90]
    assert sorted(shorter) == ["DK", "EE", "FI", "LT", "LV", "SE"]


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


@pytest.mark.parametrize("answer", ["unknown", "prefers_not_to_say"])
def test_an_answer_she_would_rather_not_give_counts_as_the_cautious_one(answer: str) -> None:
    case = Case(has_residence_right=True)
    case.assess_risk(threats_received=answer)  # type: ignore[arg-type]
    assert case.task("her_decision").data["risk_level"] == "high"
    medium = Case(has_residence_right=True)
    medium.assess_risk(previously_trafficked=answer)  # type: ignore[arg-type]
    assert medium.task("her_decision").data["risk_level"] == "medium"
