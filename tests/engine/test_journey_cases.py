"""The victim journey through the service layer, with the real diagrams and forms:
who gets which task, need to know, and her decisions leading."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.bpmn import runtime
from engine.case.access import visible_case
from engine.case.store import load_workflow
from engine.errors import Conflict, InvalidData, NotFound
from engine.models import AuditEvent, Consent, Deadline, Task
from forms.registry import allowed_values, load_form
from tests.factories.case_walker import (
    NO_RISK,
    Walker,
    police_may_be_told,
    ready_for_decision,
    staff,
    walk_to_her_decision,
)

ASSESS_NEEDS = load_form("assess_needs").schema
NINE_SERVICES = allowed_values(ASSESS_NEEDS["properties"]["services"], ASSESS_NEEDS)
SERVICE_HOLDER = {
    "safe_housing": "se-roks",
    "social_psychological": "se-roks",
    "food_clothing": "se-social-services",
    "activity_money": "se-social-services",
    "training_education": "se-social-services",
    "health": "se-health",
    "legal": "se-legal-aid",
    "employment": "se-employment",
    "authorities_support": "se-roks",
}


def assert_every_task_at_its_roles_organisation(walker: Walker) -> None:
    team = walker.team()
    for task in walker.open_tasks():
        assert task.organisation.slug == team[task.role], task.name


def test_first_tasks_land_at_the_organisations_their_roles_name(session, services):
    walker = Walker(session, services)
    held = {t.name: t.organisation.slug for t in walker.open_tasks()}
    assert held == {
        "immediate_safety": "se-roks",
        "non_punishment_check": "se-roks",
        "inform_rights": "se-roks",
        "assess_needs": "se-roks",
        "inform_compensation_rights": "se-legal-aid",
        "request_reflection_period": "se-roks",
    }
    assert walker.case.stage in {"identification", "care_plan", "compensation", "reflection_period"}
    assert_every_task_at_its_roles_organisation(walker)


def test_police_can_open_a_case_and_the_host_countrys_coordinator_runs_it(session, services):
    walker = Walker(session, services, opener="se-police")
    assert walker.team()["coordinator"] == "se-roks"
    police_may_be_told(walker)
    assert walker.holder("non_punishment_notice") == "se-police"
    assert walker.holder("request_reflection_period") == "se-roks"


def test_a_national_with_a_right_of_residence_gets_no_reflection_period(session, services):
    walker = Walker(session, services, has_residence_right=True, host_country="LV")
    assert "request_reflection_period" not in walker.names()
    ready_for_decision(walker)
    assert walker.holder("police_risk_input") == "lv-police"
    assert walker.team()["coordinator"] == "lv-marta"


def test_assistance_is_unconditional_every_chosen_service_gets_its_task(session, services):
    walker = Walker(session, services, cooperates_with_authorities=False)
    walker.complete("assess_needs", services=NINE_SERVICES)
    provide = [t for t in walker.open_tasks() if t.name == "provide_service"]
    assert len(provide) == 9
    assert sorted(t.organisation.slug for t in provide) == sorted(SERVICE_HOLDER.values())
    assert_every_task_at_its_roles_organisation(walker)


def choose_return_to_latvia(walker: Walker, risk: dict[str, bool]) -> None:
    walk_to_her_decision(walker, risk)
    walker.complete("her_decision", future="return")
    walker.complete("select_return_partner", return_partner="lv-marta", return_country="LV")


def she_consents_to_the_referral(walker: Walker) -> None:
    walker.complete(
        "referral_consent",
        consent_given=True,
        shared_fields=["languages"],
        valid_until="2026-12-31",
    )
    walker.complete("accept_referral", accepted=True)  # by the partner


def test_return_cannot_start_without_her_recorded_decision(session, services):
    walker = Walker(session, services, has_residence_right=True)
    walk_to_her_decision(walker, NO_RISK)
    assert "her_decision" in walker.names()
    assert "select_return_partner" not in walker.names()
    walker.complete("her_decision", future="return")
    assert "select_return_partner" in walker.names()


def test_the_return_partner_sees_nothing_until_she_consents(session, services):
    walker = Walker(session, services, has_residence_right=True)
    choose_return_to_latvia(walker, {**NO_RISK, "threats_received": True})
    marta = staff(session, "lv-marta")
    with pytest.raises(NotFound):
        visible_case(session, marta, walker.case.id)
    she_consents_to_the_referral(walker)
    assert walker.team()["return_partner"] == "lv-marta"
    assert visible_case(session, marta, walker.case.id).id == walker.case.id
    # High risk: the safety plan is required before travel.
    assert "safety_plan" in walker.names()
    walker.complete("safety_plan")
    assert walker.holder("return_needs_assessment") == "lv-marta"
    assert_every_task_at_its_roles_organisation(walker)


def test_low_risk_return_needs_no_safety_plan(session, services):
    walker = Walker(session, services, has_residence_right=True)
    choose_return_to_latvia(walker, NO_RISK)
    she_consents_to_the_referral(walker)
    assert "safety_plan" not in walker.names()
    assert "return_needs_assessment" in walker.names()


def test_withdrawal_after_a_referral_cancels_open_tasks_and_deletes_nothing(session, services):
    walker = Walker(session, services, has_residence_right=True)
    choose_return_to_latvia(walker, NO_RISK)
    she_consents_to_the_referral(walker)
    before = session.scalar(
        select(func.count()).select_from(Task).where(Task.case_id == walker.case.id)
    )
    walker.message("withdraw")
    assert walker.case.status == "withdrawn"
    assert walker.open_tasks() == []
    rows = list(session.scalars(select(Task).where(Task.case_id == walker.case.id)))
    assert len(rows) == before
    assert {t.state for t in rows} == {"completed", "cancelled"}
    assert (
        session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.case_id == walker.case.id)
        )
        >= 7
    )


def test_new_information_reopens_the_identification_review_every_time(session, services):
    walker = Walker(session, services)
    walker.message("new_information")
    walker.message("new_information")
    reviews = [t for t in walker.open_tasks() if t.name == "review_identification"]
    assert len(reviews) == 2 and {t.organisation.slug for t in reviews} == {"se-roks"}


def test_protection_needed_gives_the_police_and_prosecutor_their_tasks(session, services):
    walker = Walker(session, services)
    walker.message("protection_needed")
    assert walker.holder("witness_protection") == "se-police"
    assert walker.holder("procedural_adaptations") == "se-prosecutor"


def walk_through_the_reflection_period(walker: Walker) -> None:
    walker.complete("request_reflection_period")
    walker.complete(
        "grant_reflection_period", granted=True, start_date="2026-01-05", end_date="2026-02-04"
    )
    walker.fire_timers(days=32)
    assert walker.holder("decide_after_reflection") == "se-roks"
    walker.complete("decide_after_reflection", next_step="proceed")
    walk_to_her_decision(walker, NO_RISK)


def test_stay_refused_goes_through_appeal_back_to_her_decision(session, services):
    walker = Walker(session, services)
    walk_through_the_reflection_period(walker)
    walker.complete("her_decision", future="stay")
    assert walker.holder("apply_residence_permit") == "se-legal-aid"
    walker.complete("apply_residence_permit")
    assert walker.holder("residence_decision") == "se-migration"
    walker.complete("residence_decision", granted=False)
    walker.complete("appeal")
    assert "her_decision" in walker.names()


def test_a_granted_permit_records_its_expiry_as_a_deadline(session, services):
    walker = Walker(session, services)
    walk_through_the_reflection_period(walker)
    walker.complete("her_decision", future="stay")
    walker.complete("apply_residence_permit")
    walker.complete("residence_decision", granted=True, valid_until="2027-01-31")
    assert walker.holder("integration_support") == "se-employment"

    deadlines = {
        d.subject: d.due_at.date().isoformat()
        for d in session.scalars(select(Deadline).where(Deadline.case_id == walker.case.id))
    }
    assert deadlines == {
        "reflection_period_end": "2026-02-04",  # 23:00 UTC: the end of the day in Stockholm
        "residence_permit_expiry": "2027-01-31",
    }


def test_a_national_who_decides_to_stay_needs_no_permit(session, services):
    walker = Walker(session, services, has_residence_right=True)
    walk_to_her_decision(walker, NO_RISK)
    walker.complete("her_decision", future="stay")
    assert "apply_residence_permit" not in walker.names()


def test_withdrawal_after_services_were_chosen_ends_the_case(session, services):
    walker = Walker(session, services)
    walker.complete("assess_needs", services=["safe_housing", "health"])
    walker.message("withdraw")
    assert walker.case.status == "withdrawn" and walker.open_tasks() == []


def test_closing_a_case_with_services_under_way_ends_it(session, services):
    walker = Walker(session, services)
    walker.complete("assess_needs", services=["legal"])
    walker.message("close_case")
    assert walker.case.status == "closed" and walker.open_tasks() == []


def test_a_permit_applied_for_during_the_period_is_due_before_the_period_ends(session, services):
    walker = Walker(session, services)
    walker.complete("request_reflection_period")
    walker.complete(
        "grant_reflection_period", granted=True, start_date="2026-01-05", end_date="2026-02-04"
    )
    # Her decision does not wait for the period to end.
    walk_to_her_decision(walker, NO_RISK)
    walker.complete("her_decision", future="stay")
    apply = walker.task("apply_residence_permit")
    # The period ends at 24:00 in Stockholm (23:00 UTC); the application is due a week before.
    assert apply.due_at.replace(tzinfo=None).isoformat() == "2026-01-28T23:00:00"
    assert "request_reflection_period" not in walker.names()
    walker.complete("apply_residence_permit")
    walker.complete("residence_decision", granted=True, valid_until="2027-01-31")
    assert walker.holder("integration_support") == "se-employment"
    assert "decide_after_reflection" not in walker.names()


def test_a_permit_application_opened_before_the_period_was_granted_takes_its_end(session, services):
    from engine.models import Reminder

    walker = Walker(session, services)
    walk_to_her_decision(walker, NO_RISK)
    walker.complete("her_decision", future="stay")
    apply = walker.task("apply_residence_permit")
    first_due = apply.due_at
    walker.complete("request_reflection_period")
    walker.complete(
        "grant_reflection_period", granted=True, start_date="2026-01-05", end_date="2026-02-04"
    )
    session.refresh(apply)
    assert apply.due_at != first_due
    # A week before the period ends, at 24:00 in Stockholm.
    assert apply.due_at.replace(tzinfo=None).isoformat() == "2026-01-28T23:00:00"
    pending = session.scalars(
        select(Reminder).where(Reminder.task_id == apply.id, Reminder.sent_at.is_(None))
    ).all()
    assert pending and {r.due_at.replace(tzinfo=None) for r in pending} == {
        apply.due_at.replace(tzinfo=None)
    }


def test_a_latvian_woman_in_sweden_gets_a_recovery_period(session, services):
    walker = Walker(session, services, origin_country="LV", has_residence_right=True)
    assert walker.holder("plan_recovery_period") == "se-roks"
    assert "request_reflection_period" not in walker.names()
    walker.complete("plan_recovery_period", start_date="2026-01-05", end_date="2026-04-05")
    deadline = session.scalar(
        select(Deadline).where(
            Deadline.case_id == walker.case.id, Deadline.subject == "recovery_period_end"
        )
    )
    assert deadline is not None
    assert deadline.due_at.replace(tzinfo=None).isoformat() == "2026-04-05T22:00:00"
    # No return step before her needs are assessed and her rights explained.
    assert "police_risk_input" not in walker.names()


def test_lowering_a_threat_the_police_reported_needs_a_reason_that_is_kept(session, services):
    walker = Walker(session, services, has_residence_right=True)
    ready_for_decision(walker)
    walker.complete("police_risk_input", **{**NO_RISK, "threats_received": True})
    task = walker.task("risk_assessment")
    # The coordinator's form starts from the police's answers.
    shown = json.loads(services.cipher.decrypt(task.data, task.id))
    assert shown["threats_received"] is True
    with pytest.raises(InvalidData) as refused:
        walker.complete("risk_assessment", **NO_RISK)
    assert "lowering_reason" in refused.value.fields
    walker.complete(
        "risk_assessment", **NO_RISK, lowering_reason="The threats came from a man now in prison"
    )
    done = session.get(Task, task.id)
    kept = json.loads(services.cipher.decrypt(done.data, done.id))
    assert kept["police_answers"]["threats_received"] is True
    assert kept["lowered_police_answers"] == ["threats_received"]
    assert kept["lowering_reason"].startswith("The threats")
    assert "her_decision" in walker.names()


@pytest.mark.parametrize(
    "start",
    [{"possibly_under_18": True}, {"year_of_birth": 2010}, {"indicators": ["possibly_under_18"]}],
)
def test_a_girls_case_opens_child_protection_without_consent(session, services, start):
    walker = Walker(session, services, **start)
    assert walker.holder("child_protection_referral") == "se-social-services"
    walker.complete("child_protection_referral", referred_to="Child protection, Malmö")
    assert walker.holder("appoint_guardian") == "se-social-services"
    assert session.scalar(select(func.count()).select_from(Consent)) == 0


def test_a_woman_born_long_ago_gets_no_child_protection(session, services):
    walker = Walker(session, services, year_of_birth=1990)
    assert "child_protection_referral" not in walker.names()


@pytest.mark.parametrize(
    ("partner", "country"),
    [("se-police", "LV"), ("lv-marta", "EE"), ("se-roks", "SE"), ("no-such-org", "LV")],
)
def test_a_partner_of_the_wrong_country_or_role_is_refused(session, services, partner, country):
    walker = Walker(session, services, has_residence_right=True)
    walk_to_her_decision(walker, NO_RISK)
    walker.complete("her_decision", future="return")
    with pytest.raises(InvalidData) as refused:
        walker.complete("select_return_partner", return_partner=partner, return_country=country)
    assert {"return_partner", "return_country"} & set(refused.value.fields)
    assert "select_return_partner" in walker.names()


def test_a_declined_referral_ends_the_partners_access_and_returns_to_partner_selection(
    session, services
):
    walker = Walker(session, services, has_residence_right=True)
    choose_return_to_latvia(walker, NO_RISK)
    walker.complete(
        "referral_consent", consent_given=True, shared_fields=["languages"], purpose="return"
    )
    assert walker.holder("accept_referral") == "lv-marta"
    assert "return_needs_assessment" not in walker.names()  # nothing before it accepts
    walker.complete("accept_referral", accepted=False, reason="No place until spring")
    assert "return_partner" not in walker.team()
    with pytest.raises(NotFound):
        visible_case(session, staff(session, "lv-marta"), walker.case.id)
    assert walker.holder("select_return_partner") == "se-roks"
    declined = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "referral.declined")
    ).one()
    assert declined.detail["organisation"] == "lv-marta"


def test_travel_waits_for_housing_ready_on_arrival(session, services):
    walker = Walker(session, services, has_residence_right=True)
    choose_return_to_latvia(walker, NO_RISK)
    she_consents_to_the_referral(walker)
    walker.complete("return_needs_assessment", housing_ready=False)
    assert "arrange_travel" not in walker.names()
    walker.fire_timers(days=8)
    walker.complete("return_needs_assessment", housing_ready=True)
    assert walker.holder("arrange_travel") == "se-roks"


def test_a_changed_decision_cancels_the_old_paths_open_steps_until_travel(session, services):
    walker = Walker(session, services, has_residence_right=True)
    choose_return_to_latvia(walker, NO_RISK)
    she_consents_to_the_referral(walker)
    assert "return_needs_assessment" in walker.names()
    walker.message("change_decision", reason="She wants to stay")
    cancelled = session.scalars(
        select(Task).where(Task.case_id == walker.case.id, Task.state == "cancelled")
    ).all()
    assert "return_needs_assessment" in {t.name for t in cancelled}
    assert "return_partner" not in walker.team()  # the referral she consented to is over
    assert "her_decision" in walker.names()
    walker.complete("her_decision", future="return")
    walker.complete("select_return_partner", return_partner="lv-marta", return_country="LV")
    she_consents_to_the_referral(walker)
    walker.complete("return_needs_assessment", housing_ready=True)
    walker.complete("arrange_travel", travel_date="2026-02-01")
    with pytest.raises(Conflict):
        walker.message("change_decision")


def test_a_service_added_at_review_opens_its_task_and_every_status_shows(session, services):
    from engine.case.service_status import service_statuses

    walker = Walker(session, services)
    walker.complete("assess_needs", services=["safe_housing"])
    statuses = lambda: {  # noqa: E731
        s.service: s.status
        for s in service_statuses(
            services.cipher, session.scalars(select(Task).where(Task.case_id == walker.case.id))
        )
    }
    assert statuses() == {"safe_housing": "planned"}
    walker.complete("provide_service", status="in_progress")
    assert statuses() == {"safe_housing": "in_progress"}
    assert "provide_service" not in walker.names()
    walker.fire_timers(days=15)  # an update is asked for every two weeks while under way
    assert walker.holder("provide_service") == "se-roks"
    assert statuses() == {"safe_housing": "in_progress"}
    walker.fire_timers(days=16)  # the monthly review
    walker.complete("review_care_plan", add_services=["health"])
    added = [t for t in walker.open_tasks() if t.name == "provide_service"]
    assert sorted(t.organisation.slug for t in added) == ["se-health", "se-roks"]
    assert statuses() == {"safe_housing": "in_progress", "health": "planned"}
    health = next(t for t in added if t.organisation.slug == "se-health")
    walker.session.info["services"] = services
    from engine.case import transactions
    from tests.factories.form_data import valid_data

    transactions.complete_task(
        session,
        services,
        staff(session, "se-health"),
        health.id,
        valid_data("provide_service", status="provided"),
    )
    assert statuses()["health"] == "provided"


def test_a_transfer_from_sweden_to_norway_applies_norways_rules_and_ends_swedish_access(
    session, services
):
    walker = Walker(session, services)
    walker.complete("assess_needs", services=["safe_housing"])
    walker.message("transfer", note="She moves to her sister in Oslo")
    with pytest.raises(InvalidData):  # not without her consent
        walker.complete("transfer_case", host_country="NO", consent_given=False)
    with pytest.raises(InvalidData):
        walker.complete("transfer_case", host_country="SE", consent_given=True)
    walker.complete(
        "transfer_case", host_country="NO", consent_given=True, explained_in_language="en"
    )
    team = walker.team()
    assert all(not slug.startswith("se-") for slug in team.values()), team
    assert walker.case.host_country == "NO"
    # Every Swedish organisation loses the case at once, those that worked on it too.
    worked_on_it = {
        t.organisation.slug
        for t in session.scalars(select(Task).where(Task.case_id == walker.case.id))
        if t.organisation.slug.startswith("se-")
    }
    assert "se-roks" in worked_on_it  # the Swedish coordinator
    for slug in ("se-legal-aid", "se-police", "se-migration", *worked_on_it):
        with pytest.raises(NotFound):
            visible_case(session, staff(session, slug), walker.case.id)
    assert visible_case(session, staff(session, "no-rosa"), walker.case.id)
    # Open work follows her: every open task is now held in Norway.
    assert all(not t.organisation.slug.startswith("se-") for t in walker.open_tasks())
    # Norway's rule: 6 months, not extendable, looked up anew; Sweden's period, still
    # running when she moved, is cancelled, so nobody is asked for it twice.
    request = [t for t in walker.open_tasks() if t.name == "request_reflection_period"]
    assert len(request) == 1
    rules = runtime.task_data(load_workflow(services, walker.case), request[0].id)
    assert (rules["host_country"], rules["reflection_days"], rules["extension_possible"]) == (
        "NO",
        180,
        False,
    )
    assert request[0].organisation.slug == team["coordinator"]
    cancelled = session.scalars(
        select(Task).where(Task.case_id == walker.case.id, Task.state == "cancelled")
    ).all()
    assert "request_reflection_period" in {t.name for t in cancelled}
    assert (
        session.scalars(select(AuditEvent).where(AuditEvent.action == "case.transferred"))
        .one()
        .detail["to_country"]
        == "NO"
    )


def test_the_basis_for_telling_the_police_goes_into_the_ledger(session, services):
    from engine.case.grants import grant_views

    consented = Walker(session, services, alias="Ana")
    consented.complete(
        "non_punishment_check",
        faces_charges="possibly",
        detention_or_removal="none",
        police_basis="her_consent",
        explained_in_language="ro",
        interpreter_used=True,
    )
    consent = session.scalars(select(Consent).where(Consent.case_id == consented.case.id)).one()
    assert consent.organisation.slug == "se-police"
    assert (consent.fields, consent.explained_in_language, consent.interpreter_used) == (
        ["origin_country"],
        "ro",
        True,
    )
    assert "non-punishment" in consent.purpose and consent.valid_until is not None
    assert consented.holder("non_punishment_notice") == "se-police"

    urgent = Walker(session, services, alias="Mia")
    with pytest.raises(InvalidData) as refused:  # a legal basis is named and explained
        urgent.complete(
            "non_punishment_check",
            detention_or_removal="ongoing",
            police_basis="legal_basis",
            legal_basis=None,
            legal_basis_reason=None,
        )
    assert {"legal_basis", "legal_basis_reason"} <= set(refused.value.fields)
    urgent.complete(
        "non_punishment_check",
        detention_or_removal="ongoing",
        police_basis="legal_basis",
        legal_basis="risk_to_life",
        legal_basis_reason="Removal flight booked for tomorrow",
    )
    [view] = grant_views(urgent.case, services.now())
    assert (view.grant.organisation.slug, view.grant.basis, view.status) == (
        "se-police",
        "risk_to_life",
        "awaiting_confirmation",  # a second person of the coordinating organisation confirms
    )
    # The detention must be stopped at once: the police's notice does not wait for it.
    assert urgent.holder("non_punishment_notice") == "se-police"


def test_a_second_move_replaces_the_second_countrys_period_too(session, services):
    walker = Walker(session, services)
    for country in ("NO", "DK"):
        walker.message("transfer", note="She moves again")
        walker.complete(
            "transfer_case", host_country=country, consent_given=True, explained_in_language="en"
        )
    request = [t for t in walker.open_tasks() if t.name == "request_reflection_period"]
    assert [t.organisation.slug for t in request] == [walker.team()["coordinator"]]
    assert walker.team()["coordinator"].startswith("dk-")
    rules = runtime.task_data(load_workflow(services, walker.case), request[0].id)
    assert rules["host_country"] == "DK"


def test_a_reopened_case_continues_its_history(session, services):
    from engine.case.reopen import reopen_case

    walker = Walker(session, services, alias="Joy")
    walker.complete("assess_needs", services=["safe_housing", "legal"])
    open_then = {t.id: t.name for t in walker.open_tasks()}
    assert "request_reflection_period" in open_then.values()
    walker.message("withdraw")
    assert walker.case.status == "withdrawn" and walker.open_tasks() == []
    done_before = session.scalars(
        select(Task).where(Task.case_id == walker.case.id, Task.state == "completed")
    ).all()
    roks = staff(session, "se-roks")
    with pytest.raises(NotFound):  # a closed case is the coordinator's alone (need to know)
        reopen_case(session, services, staff(session, "se-police"), walker.case.id, "back")
    services.clock.advance(timedelta(days=20))
    case = reopen_case(session, services, roks, walker.case.id, "She came back to the shelter")
    assert (case.id, case.reference, case.status) == (walker.case.id, walker.case.reference, "open")
    # Nothing is lost and nothing starts over: the earlier work stays done, and the steps
    # open when she withdrew are open again, the same steps, due anew from today.
    after = session.scalars(
        select(Task).where(Task.case_id == case.id, Task.state == "completed")
    ).all()
    assert {t.id for t in done_before} <= {t.id for t in after}
    reopened = {t.id: t for t in walker.open_tasks()}
    assert {i: t.name for i, t in reopened.items()} == open_then
    assert "assess_needs" not in walker.names()  # her needs were assessed: not asked again
    now = services.now().replace(tzinfo=None)
    assert all(t.due_at is None or t.due_at.replace(tzinfo=None) > now for t in reopened.values())
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id)
    ).all()
    assert actions.index("case.opened") < actions.index("case.reopened")
    with pytest.raises(Conflict):
        reopen_case(session, services, roks, case.id, "again")
    # The case goes on from there: the reflection period is asked for as before.
    walker.case = case
    walker.complete("request_reflection_period")
    assert walker.holder("grant_reflection_period") == "se-migration"
