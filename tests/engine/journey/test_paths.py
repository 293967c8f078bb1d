"""The victim journey walked path by path through the engine runtime (no database)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.factories.journey import Case, iso

RETURN_TASKS = (
    "select_return_partner",
    "referral_consent",
    "safety_plan",
    "return_needs_assessment",
    "arrange_travel",
    "arrival_reception",
    "follow_up_3_months",
    "follow_up_6_months",
)
REFLECTION_TASKS = (
    "request_reflection_period",
    "grant_reflection_period",
    "request_extension",
    "decide_after_reflection",
)


# --- opening: identification, principles 1 and 2 ------------------------------------------


@pytest.mark.parametrize("cooperates", [True, False])
@pytest.mark.parametrize("has_residence_right", [True, False])
def test_opening_creates_the_identification_tasks_whatever_her_status(
    cooperates: bool, has_residence_right: bool
) -> None:
    case = Case(cooperates_with_authorities=cooperates, has_residence_right=has_residence_right)
    safety = case.task("immediate_safety")
    check = case.task("non_punishment_check")
    assert (check.role, check.due) == ("coordinator", "PT24H")
    case.police_may_be_told()
    notice = case.task("non_punishment_notice")
    rights = case.task("inform_rights")
    assert (safety.role, safety.due) == ("ngo_support", "PT24H")
    assert (notice.role, notice.due) == ("police", "PT48H")
    assert (rights.role, rights.due) == ("coordinator", "P7D")
    # Care plan and compensation run beside everything from the opening.
    assert case.task("assess_needs").role == "coordinator"
    assert case.task("inform_compensation_rights").role == "legal_aid"
    assert (case.count("request_reflection_period") == 1) is (not has_residence_right)


def test_rights_information_repeats_every_30_days_while_the_case_is_open() -> None:
    case = Case()
    for _ in range(3):
        case.complete("inform_rights", {"language": "en"})
        assert case.count("inform_rights") == 0
        case.advance(29)
        assert case.count("inform_rights") == 0
        case.advance(1)
        assert case.count("inform_rights") == 1
    case.send("close_case", {"reason": "done"})
    assert case.finished
    assert case.cancelled("inform_rights") == 1


def test_care_plan_is_reviewed_every_30_days() -> None:
    case = Case()
    case.complete("assess_needs", {"services": ["safe_housing"]})
    assert case.count("review_care_plan") == 0
    case.advance(30)
    case.complete("review_care_plan", {"add_services": []})
    case.advance(29)
    assert case.count("review_care_plan") == 0
    case.advance(1)
    assert case.count("review_care_plan") == 1


# --- reflection period -----------------------------------------------------------------------


def test_national_with_a_right_of_residence_gets_no_reflection_period() -> None:
    case = Case(has_residence_right=True, host_country="LV", origin_country="LV")
    case.ready_for_decision()
    assert case.count("police_risk_input") == 1  # straight to the risk assessment
    case.assess_risk()
    case.decide("stay")
    assert "apply_residence_permit" not in case.names()
    for name in REFLECTION_TASKS + ("apply_residence_permit",):
        assert not case.ever(name), name
    case.advance(400)
    for name in REFLECTION_TASKS:
        assert not case.ever(name), name


def test_reflection_period_shows_the_country_rule_and_records_the_deadline() -> None:
    case = Case(host_country="SE")
    request = case.task("request_reflection_period")
    assert (request.role, request.due) == ("coordinator", "P7D")
    assert request.data["reflection_days"] == 30
    assert request.data["deciding_authority"].startswith("Swedish Migration Agency")
    case.complete("request_reflection_period", {})
    grant = case.task("grant_reflection_period")
    assert grant.role == "migration"
    end = case.day(30)
    recorded = case.complete(
        "grant_reflection_period", {"granted": True, "start_date": case.today, "end_date": end}
    )
    # The period ends at the end of its last day in Stockholm (CEST, UTC+2), not at 00:00 UTC.
    assert recorded == [("reflection_period_end", f"{end}T22:00:00Z")]


def test_extension_is_requested_and_decided_before_the_period_ends() -> None:
    case = Case(host_country="DK")
    _, end = case.grant_reflection(days=30)
    case.advance(8)
    assert case.count("request_extension") == 0
    case.advance(1)  # day 9 = 21 days before the end
    task = case.task("request_extension")
    assert task.due_date == case.day(16)  # 14 days before the end
    case.complete("request_extension", {"requested_end_date": case.day(120)})
    # The authority's decision is due the day before the end, while she has a status.
    decision = case.task("grant_extension")
    assert (decision.role, decision.form, decision.due_date) == (
        "migration",
        "grant_reflection_period",
        case.day(29),
    )
    new_end = case.day(120)
    recorded = case.complete(
        "grant_extension", {"granted": True, "start_date": end, "end_date": new_end}
    )
    assert recorded == [("reflection_period_end", f"{new_end}T22:00:00Z")]
    case.past_end_of(end)
    assert case.count("decide_after_reflection") == 0  # extended: nothing ended
    case.past_end_of(new_end)
    assert case.count("decide_after_reflection") == 1


def test_an_undecided_extension_request_does_not_outlive_the_period() -> None:
    case = Case(host_country="DK")
    _, end = case.grant_reflection(days=30)
    case.advance(9)
    case.complete("request_extension", {"requested_end_date": case.day(120)})
    case.past_end_of(end)
    assert case.cancelled("grant_extension") == 1
    assert case.count("decide_after_reflection") == 1


def test_the_period_ends_at_the_end_of_its_last_local_day() -> None:
    case = Case(host_country="FI")
    _, end = case.grant_reflection(days=30)  # 2025-04-02; Helsinki is UTC+3 in summer time
    case.advance_to(end)
    case.advance(hours=20)  # 20:00:02 UTC = 23:00 in Helsinki on the last day
    assert case.count("decide_after_reflection") == 0
    case.advance(hours=1)  # 00:00 in Helsinki: the period is over
    assert case.count("decide_after_reflection") == 1


def test_reykjavik_ends_a_period_at_midnight_utc() -> None:
    case = Case(host_country="IS")
    _, end = case.grant_reflection(days=30)
    case.advance_to(end)
    case.advance(hours=23, minutes=59)
    assert case.count("decide_after_reflection") == 0
    case.advance(minutes=1)
    assert case.count("decide_after_reflection") == 1


def test_a_permit_is_applied_for_during_the_period_and_decided_before_its_end() -> None:
    case = Case(host_country="SE")
    _, end = case.grant_reflection(days=30)
    case.assess_risk()
    case.decide("stay")  # day 0: the reflection period still runs
    apply = case.task("apply_residence_permit")
    assert apply.due_before == ("reflection_period_end", "P7D")
    case.complete("apply_residence_permit", {})
    case.complete(
        "residence_decision",
        {"granted": True, "permit_type": "temporary_victim", "valid_until": case.day(400)},
    )
    assert case.count("integration_support") == 1
    assert case.now < datetime.fromisoformat(f"{end}T22:00:00+00:00")
    assert case.count("request_reflection_period") == 0 and not case.ever("decide_after_reflection")


def test_unanswered_extension_offer_is_withdrawn_at_expiry() -> None:
    case = Case(host_country="DK")
    _, end = case.grant_reflection(days=30)
    case.advance(9)
    assert case.count("request_extension") == 1
    case.past_end_of(end)
    assert case.count("request_extension") == 0
    assert case.cancelled("request_extension") == 1
    assert case.count("decide_after_reflection") == 1


def test_no_extension_where_the_law_does_not_allow_it() -> None:
    case = Case(host_country="NO")
    assert case.task("request_reflection_period").data["extension_possible"] is False
    _, end = case.grant_reflection(days=180)
    case.past_end_of(end)
    assert not case.ever("request_extension")
    # Asking to extend in Norway cannot loop back: the case proceeds.
    case.complete("decide_after_reflection", {"next_step": "extend", "discussed_with_her": True})
    assert case.count("grant_reflection_period") == 0
    assert case.count("decide_after_reflection") == 0 and not case.ever("grant_extension")


def test_refused_reflection_period_proceeds_to_the_risk_assessment() -> None:
    case = Case()
    case.complete("request_reflection_period", {})
    recorded = case.complete("grant_reflection_period", {"granted": False})
    assert recorded in ([], [("reflection_period_end", "")])  # no legal deadline
    case.ready_for_decision()
    assert case.count("police_risk_input") == 1


# --- care plan: principle 3 ------------------------------------------------------------------

SERVICE_ROLES = {
    "safe_housing": "ngo_support",
    "food_clothing": "social_services",
    "health": "health",
    "legal": "legal_aid",
    "social_psychological": "ngo_support",
    "activity_money": "social_services",
    "training_education": "social_services",
    "employment": "employment",
    "authorities_support": "coordinator",
}


@pytest.mark.parametrize("cooperates", [False, True])
def test_every_chosen_service_is_provided_without_conditions(cooperates: bool) -> None:
    case = Case(cooperates_with_authorities=cooperates)
    case.complete("assess_needs", {"services": list(SERVICE_ROLES)})
    tasks = case.ready("provide_service")
    assert sorted(t.data["service"] for t in tasks) == sorted(SERVICE_ROLES)
    for task in tasks:
        assert task.role == SERVICE_ROLES[task.data["service"]]
        assert task.process_id == "care_plan"
    for service in SERVICE_ROLES:
        case.complete("provide_service", {"status": "provided"}, service=service)
    assert case.count("provide_service") == 0


def test_services_do_not_wait_for_a_legal_case_or_her_decision() -> None:
    case = Case(cooperates_with_authorities=False)
    case.complete("assess_needs", {"services": ["safe_housing", "legal"]})
    assert case.count("provide_service") == 2
    assert case.count("police_risk_input") == 0 and case.count("her_decision") == 0


# --- risk and her decision -----------------------------------------------------------------


def test_return_cannot_start_without_her_recorded_decision() -> None:
    case = Case()
    case.through_reflection()
    case.assess_risk(threats_received=True)
    assert case.count("her_decision") == 1
    for name in RETURN_TASKS:
        assert not case.ever(name), name
    case.decide("undecided", review_after_days=30)
    for name in RETURN_TASKS:
        assert not case.ever(name), name
    case.advance(30)
    case.decide("return")
    assert case.count("select_return_partner") == 1


def test_undecided_asks_her_again_after_the_review_period() -> None:
    case = Case()
    case.to_her_decision()
    case.decide("undecided", review_after_days=14)
    assert case.count("her_decision") == 0
    case.advance(13)
    assert case.count("her_decision") == 0
    case.advance(1)
    assert case.count("her_decision") == 1
    case.decide("stay")
    assert case.task("apply_residence_permit").role == "legal_aid"


# --- 5a. safe return -------------------------------------------------------------------------


def _return_until_travel(case: Case, risk: dict[str, bool]) -> None:
    case.to_her_decision(**risk)
    case.decide("return")
    assert case.task("select_return_partner").role == "coordinator"
    case.complete("select_return_partner", {"return_partner": "ee-shelter", "return_country": "EE"})
    case.complete(
        "referral_consent",
        {
            "consent_given": True,
            "shared_fields": ["alias", "languages"],
            "valid_until": case.day(365),
            "explained_in_language": "en",
            "interpreter_used": True,
        },
    )
    case.complete("accept_referral", {"accepted": True})


def _return_after_needs(case: Case) -> None:
    needs = case.task("return_needs_assessment")
    assert needs.role == "return_partner"
    assert needs.process_id == "safe_return"
    case.complete("return_needs_assessment", {"housing_ready": True})
    travel_date = iso(case.now + timedelta(days=10))
    case.complete("arrange_travel", {"travel_date": travel_date, "documents_arranged": True})
    arrival = case.task("arrival_reception")
    assert arrival.role == "return_partner"
    assert arrival.due_date == iso(case.now + timedelta(days=11))
    case.complete("arrival_reception", {"arrived": True})
    case.advance_to(iso(case.now + timedelta(days=99)))
    assert case.count("follow_up_3_months") == 0
    case.advance(1)  # 90 days after the travel date
    assert case.task("follow_up_3_months").role == "return_partner"
    case.complete("follow_up_3_months", {"contact_made": True, "at_risk": False})
    case.advance(89)
    assert case.count("follow_up_6_months") == 0
    case.advance(1)
    case.complete("follow_up_6_months", {"contact_made": True, "at_risk": False})
    for name in RETURN_TASKS:
        assert case.count(name) == 0


def test_return_with_low_risk_needs_no_safety_plan() -> None:
    case = Case()
    _return_until_travel(case, {})
    assert case.data()["risk_level"] == "low"
    assert case.count("safety_plan") == 0
    _return_after_needs(case)
    assert not case.ever("safety_plan")
    assert not case.finished  # recurring work goes on until the case is closed
    case.send("close_case", {"reason": "returned and followed up"})
    assert case.finished and case.names() == []


@pytest.mark.parametrize("risk", [{"threats_received": True}, {"debts_to_traffickers": True}])
def test_return_with_medium_or_high_risk_requires_a_safety_plan(risk: dict[str, bool]) -> None:
    case = Case()
    _return_until_travel(case, risk)
    assert case.data()["risk_level"] in ("medium", "high")
    assert case.count("return_needs_assessment") == 0
    assert case.task("safety_plan").role == "coordinator"
    case.complete("safety_plan", {"plan": "met at the airport"})
    _return_after_needs(case)


def test_no_referral_without_her_consent() -> None:
    case = Case()
    case.to_her_decision()
    case.decide("return")
    case.complete("select_return_partner", {"return_partner": "lv-marta", "return_country": "LV"})
    case.complete(
        "referral_consent",
        {
            "consent_given": False,
            "shared_fields": [],
            "explained_in_language": "en",
            "interpreter_used": False,
        },
    )
    assert not case.ever("return_needs_assessment")
    assert case.count("her_decision") == 1


# --- 5b. residence -----------------------------------------------------------------------------


def test_stay_with_permit_granted_records_the_expiry_deadline() -> None:
    case = Case()
    case.to_her_decision()
    case.decide("stay")
    apply = case.task("apply_residence_permit")
    assert (apply.role, apply.due) == ("legal_aid", "P30D")
    case.complete("apply_residence_permit", {"permit_kind": "temporary_victim"})
    assert case.task("residence_decision").role == "migration"
    valid_until = case.day(400)
    recorded = case.complete(
        "residence_decision",
        {"granted": True, "permit_type": "temporary_victim", "valid_until": valid_until},
    )
    assert recorded == [("residence_permit_expiry", valid_until)]
    assert case.task("integration_support").role == "employment"
    case.complete("integration_support", {})
    assert case.count("her_decision") == 0


def test_stay_refused_leads_to_an_appeal_and_her_decision_again() -> None:
    case = Case()
    case.to_her_decision()
    case.decide("stay")
    case.complete("apply_residence_permit", {})
    case.complete(
        "residence_decision",
        {"granted": False, "reason": "...", "appeal_deadline": case.day(21)},
    )
    # No permit expiry, but the appeal deadline is a legal deadline.
    assert case.deadlines.get("residence_permit_expiry", "") == ""
    assert case.deadlines["residence_appeal_deadline"] == case.day(21)
    assert case.count("integration_support") == 0
    assert case.task("appeal").role == "legal_aid"
    assert case.task("appeal").due_date == case.day(21)
    case.complete("appeal", {"appealed": True})
    assert case.count("her_decision") == 1
    case.decide("return")
    assert case.count("select_return_partner") == 1


def test_a_granted_permit_is_renewed_from_60_days_before_it_expires() -> None:
    case = Case(host_country="SE")
    case.to_her_decision()
    case.decide("stay")
    case.complete("apply_residence_permit", {})
    valid_until = case.day(200)
    case.complete(
        "residence_decision",
        {"granted": True, "permit_type": "temporary_victim", "valid_until": valid_until},
    )
    case.advance_to(case.day(139))
    assert case.count("renew_residence_permit") == 0
    case.advance_to(case.day(140))  # 60 days before the expiry
    renew = case.task("renew_residence_permit")
    assert (renew.role, renew.due_date) == ("legal_aid", case.day(170))
    case.complete("renew_residence_permit", {})
    new_until = case.day(565)
    case.complete(
        "renewal_decision",
        {"granted": True, "permit_type": "temporary_victim", "valid_until": new_until},
    )
    assert case.deadlines["residence_permit_expiry"] == new_until
    case.past_end_of(valid_until)
    assert case.count("respond_to_alert") == 0  # renewed in time: no alert
    case.advance_to(case.day(505))
    assert case.count("renew_residence_permit") == 1


def test_a_permit_that_expires_unrenewed_is_an_alert() -> None:
    case = Case(host_country="NO")
    case.to_her_decision()
    case.decide("stay")
    case.complete("apply_residence_permit", {})
    valid_until = case.day(100)
    case.complete(
        "residence_decision",
        {"granted": True, "permit_type": "humanitarian", "valid_until": valid_until},
    )
    case.advance_to(valid_until)
    assert case.count("renew_residence_permit") == 1
    assert case.count("respond_to_alert") == 0
    case.past_end_of(valid_until)
    alert = case.task("respond_to_alert")
    assert (alert.role, alert.due) == ("coordinator", "P1D")
    assert "expired" in alert.instructions
    assert case.count("renew_residence_permit") == 1  # the renewal goes on


def test_a_fund_refusal_opens_the_appeal_with_its_deadline() -> None:
    case = Case()
    case.complete("inform_compensation_rights", {})
    case.complete("choose_compensation_route", {"compensation_route": "state_fund"})
    case.complete("state_fund_application", {})
    case.complete("fund_decision", {"outcome": "rejected", "appeal_deadline": case.day(60)})
    assert case.deadlines["fund_appeal_deadline"] == case.day(60)
    appeal = case.task("appeal")
    assert (appeal.role, appeal.process_id, appeal.due_date) == (
        "legal_aid",
        "compensation",
        case.day(60),
    )


def test_an_awarded_claim_opens_no_appeal() -> None:
    case = Case()
    case.complete("inform_compensation_rights", {})
    case.complete("choose_compensation_route", {"compensation_route": "state_fund"})
    case.complete("state_fund_application", {})
    case.complete("fund_decision", {"outcome": "awarded"})
    assert not case.ever("appeal")
    assert case.deadlines.get("fund_appeal_deadline", "") == ""


# --- compensation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        ("court", {"court_claim"}),
        ("state_fund", {"state_fund_application"}),
        ("both", {"court_claim", "state_fund_application"}),
        ("none", set()),
    ],
)
def test_compensation_routes(route: str, expected: set[str]) -> None:
    case = Case()
    case.complete("inform_compensation_rights", {})
    assert case.task("choose_compensation_route").role == "legal_aid"
    case.complete(
        "choose_compensation_route", {"compensation_route": route, "discussed_with_her": True}
    )
    found = {n for n in ("court_claim", "state_fund_application") if case.count(n)}
    assert found == expected
    if "court_claim" in expected:
        assert case.task("court_claim").role == "prosecutor"
    if "state_fund_application" in expected:
        case.complete("state_fund_application", {})
        assert case.task("fund_decision").role == "compensation_authority"


# --- messages at any time ------------------------------------------------------------------------


def test_new_information_twice_gives_two_reviews() -> None:
    case = Case()
    case.send("new_information", {"summary": "she named a second trafficker"})
    case.send("new_information", {"summary": "she was also exploited in Finland"})
    reviews = case.ready("review_identification")
    assert len(reviews) == 2
    assert {t.role for t in reviews} == {"coordinator"}
    assert sorted(t.data["new_information"]["summary"] for t in reviews) == [
        "she named a second trafficker",
        "she was also exploited in Finland",
    ]
    case.complete(
        "review_identification", {}, new_information={"summary": "she named a second trafficker"}
    )
    assert case.count("review_identification") == 1
    case.send("new_information", {"summary": "third"})
    assert case.count("review_identification") == 2


def test_protection_needed_asks_police_and_prosecutor_every_time() -> None:
    case = Case()
    case.send("protection_needed", {"threat": "trafficker seen near the shelter"})
    assert case.task("witness_protection").role == "police"
    adaptations = case.task("procedural_adaptations")
    assert adaptations.role == "prosecutor"
    assert adaptations.process_id == "protection"
    case.send("protection_needed", {"threat": "court hearing"})
    assert case.count("witness_protection") == 2
    assert case.count("procedural_adaptations") == 2


def test_withdraw_during_the_reflection_period_ends_the_case() -> None:
    case = Case()
    case.grant_reflection()
    case.complete("assess_needs", {"services": ["safe_housing", "health"]})
    case.send("protection_needed", {})
    case.send("new_information", {})
    open_before = case.names()
    assert "provide_service" in open_before and "witness_protection" in open_before
    case.send("withdraw", {"reason": "she wants no more contact"})
    assert case.finished
    assert case.names() == []
    for name in set(open_before):
        assert case.cancelled(name) >= 1, name
    assert case.data()["withdraw"] == {"reason": "she wants no more contact"}
    case.advance(60)  # timers of a closed case never fire
    assert case.names() == []


def test_withdraw_after_the_referral_ends_the_case() -> None:
    case = Case()
    _return_until_travel(case, {})
    assert case.count("return_needs_assessment") == 1
    case.send("withdraw", {"reason": "she changed her mind"})
    assert case.finished and case.names() == []
    assert case.cancelled("return_needs_assessment") == 1


def test_close_case_by_the_coordinator_ends_the_case() -> None:
    case = Case(has_residence_right=True)
    case.send("close_case", {"reason": "moved abroad"})
    assert case.finished and case.names() == []
    assert case.data()["close_case"] == {"reason": "moved abroad"}


# --- recovery for everyone (correction 2) ------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "origin", "days", "local_midnight"),
    [("SE", "LV", 90, "22:00"), ("NO", "RO", 180, "22:00"), ("LV", "LT", 180, "21:00")],
)
def test_an_eu_national_gets_a_recovery_period_on_the_network_standard(
    host: str, origin: str, days: int, local_midnight: str
) -> None:
    case = Case(host_country=host, origin_country=origin, has_residence_right=True)
    plan = case.task("plan_recovery_period")
    assert (plan.role, plan.data["recovery_days"]) == ("coordinator", days)
    assert not case.ever("request_reflection_period")  # no migration decision
    end = case.day(days)
    recorded = case.complete("plan_recovery_period", {"start_date": case.today, "end_date": end})
    assert recorded == [("recovery_period_end", f"{end}T{local_midnight}:00Z")]  # summer time


def test_no_return_step_before_her_needs_are_assessed_and_her_rights_explained() -> None:
    case = Case(host_country="SE", origin_country="LV", has_residence_right=True)
    assert case.count("police_risk_input") == 0 and case.count("her_decision") == 0
    case.complete("assess_needs", {"services": ["safe_housing"]})
    assert case.count("police_risk_input") == 0  # her rights are not explained yet
    case.complete("inform_rights", {"language": "lv"})
    case.assess_risk()
    case.decide("return")
    assert case.count("select_return_partner") == 1


def test_rights_explained_first_still_waits_for_the_needs_assessment() -> None:
    case = Case(host_country="NO", origin_country="RO", has_residence_right=True)
    case.complete("inform_rights", {"language": "ro"})
    case.advance(30)
    case.complete("inform_rights", {"language": "ro"})  # repeated: still only one gate
    assert case.count("police_risk_input") == 0
    case.complete("assess_needs", {"services": ["health"]})
    assert case.count("police_risk_input") == 1


def test_a_third_country_national_with_a_permit_needs_no_period() -> None:
    case = Case(host_country="SE", origin_country="NG", has_residence_right=True)
    assert not case.ever("request_reflection_period") and not case.ever("plan_recovery_period")


# --- warnings create work (correction 3) -----------------------------------------------------


@pytest.mark.parametrize(
    ("task", "answer", "process"),
    [
        ("immediate_safety", {"safe_now": False}, "identification"),
        ("non_punishment_notice", {"detention_or_removal": "ongoing"}, "identification"),
    ],
)
def test_danger_at_the_opening_opens_respond_to_alert(
    task: str, answer: dict[str, object], process: str
) -> None:
    case = Case()
    case.police_may_be_told()
    case.complete(task, answer)
    alert = case.task("respond_to_alert")
    assert (alert.role, alert.due, alert.process_id) == ("coordinator", "P1D", process)
    case.complete("respond_to_alert", {"action_taken": "called her", "still_at_risk": "no"})
    assert case.count("respond_to_alert") == 0


def test_a_high_risk_level_opens_respond_to_alert_beside_her_decision() -> None:
    case = Case(has_residence_right=True)
    case.assess_risk(contact_with_traffickers=True)
    assert case.task("respond_to_alert").process_id == "risk_and_decision"
    assert case.count("her_decision") == 1


def test_a_return_partners_warnings_open_respond_to_alert() -> None:
    case = Case(has_residence_right=True)
    case.assess_risk()
    case.decide("return")
    case.complete("select_return_partner", {"return_partner": "lv-marta", "return_country": "LV"})
    case.complete("referral_consent", {"consent_given": True, "shared_fields": ["languages"]})
    case.complete("accept_referral", {"accepted": True})
    case.complete("return_needs_assessment", {"housing_ready": True})
    travel = case.day(10)
    case.complete("arrange_travel", {"travel_date": travel})
    case.complete("arrival_reception", {"arrived": False})
    assert case.task("respond_to_alert").process_id == "safe_return"
    case.complete("respond_to_alert", {"action_taken": "called the partner"})
    case.advance_to(case.day(100))
    case.complete("follow_up_3_months", {"contact_made": True, "at_risk": True})
    assert case.count("respond_to_alert") == 1


# --- non-punishment: the coordinator checks first (correction 11's place in the process) ----


def test_the_police_are_told_only_on_her_consent_or_a_legal_basis() -> None:
    case = Case()
    assert not case.ever("non_punishment_notice")
    case.complete(
        "non_punishment_check",
        {"faces_charges": "possibly", "detention_or_removal": "none", "police_basis": "none"},
    )
    assert not case.ever("non_punishment_notice")
    other = Case()
    other.complete(
        "non_punishment_check",
        {
            "faces_charges": "yes",
            "detention_or_removal": "ongoing",
            "police_basis": "legal_basis",
            "legal_basis_reason": "removal under way: risk to her life",
        },
    )
    assert other.task("non_punishment_notice").role == "police"


# --- girls (correction 6) ----------------------------------------------------------------------


def test_a_girls_case_opens_child_protection_without_consent() -> None:
    case = Case(possibly_under_18=True)
    referral = case.task("child_protection_referral")
    assert (referral.role, referral.due, referral.process_id) == (
        "social_services",
        "P1D",
        "identification",
    )
    assert not case.ever("referral_consent")
    case.complete("child_protection_referral", {"referred_to": "x", "referred_on": case.today})
    guardian = case.task("appoint_guardian")
    assert guardian.role == "social_services"
    case.complete("appoint_guardian", {"guardian_appointed": True, "guardian_name": "G"})
    assert case.count("appoint_guardian") == 0


def test_an_adults_case_opens_no_child_protection() -> None:
    case = Case()
    assert not case.ever("child_protection_referral") and not case.ever("appoint_guardian")


# --- she changes her mind (correction 7) ----------------------------------------------------


def test_a_changed_decision_cancels_the_return_steps_and_opens_the_new_path() -> None:
    case = Case(has_residence_right=False)
    case.assess_risk()
    case.decide("return")
    case.complete("select_return_partner", {"return_partner": "lv-marta", "return_country": "LV"})
    assert case.count("referral_consent") == 1
    case.send("change_decision", {"reason": "she found work here"})
    assert case.count("referral_consent") == 0 and case.cancelled("referral_consent") == 1
    assert case.count("her_decision") == 1
    case.decide("stay")
    assert case.task("apply_residence_permit").role == "legal_aid"
    assert case.data()["change_decision"] == {"reason": "she found work here"}


def test_a_changed_decision_cancels_the_residence_steps() -> None:
    case = Case()
    case.assess_risk()
    case.decide("stay")
    case.send("change_decision", {})
    assert case.cancelled("apply_residence_permit") == 1
    case.decide("return")
    assert case.count("select_return_partner") == 1
