"""Warnings create work (JOURNEY correction 3): every answer that signals danger opens
respond_to_alert for the coordinator, with a notification and an e-mail, through the
service layer with the real diagrams, forms and directory."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from engine.models import Notification, OutboxMail, User
from tests.factories.case_walker import (
    NO_RISK,
    Walker,
    police_may_be_told,
    staff,
    walk_to_her_decision,
)


def coordinator_has_an_email(session) -> None:
    staff(session, "se-roks")
    user = session.scalar(select(User).where(User.username == "staff.se-roks"))
    user.email = "coordinator@roks.example"
    session.commit()


def alerts(session, walker: Walker) -> tuple[list[str], list[Notification], list[OutboxMail]]:
    holders = [t.organisation.slug for t in walker.open_tasks() if t.name == "respond_to_alert"]
    notes = list(
        session.scalars(
            select(Notification).where(
                Notification.case_id == walker.case.id, Notification.kind == "alert"
            )
        )
    )
    mails = list(
        session.scalars(
            select(OutboxMail).where(OutboxMail.subject.contains(walker.case.reference))
        )
    )
    return holders, notes, mails


def not_safe_now(walker: Walker) -> None:
    walker.complete("immediate_safety", safe_now=False)


def detention_ongoing(walker: Walker) -> None:
    police_may_be_told(walker)
    walker.complete("non_punishment_notice", detention_or_removal="ongoing")


def high_risk(walker: Walker) -> None:
    walk_to_her_decision(walker, {**NO_RISK, "threats_received": True})


@pytest.mark.parametrize(
    "report", [not_safe_now, detention_ongoing, high_risk], ids=lambda f: f.__name__
)
def test_danger_reported_opens_respond_to_alert_with_a_notification_and_an_email(
    session, services, report: Callable[[Walker], None]
) -> None:
    walker = Walker(session, services, has_residence_right=True)
    coordinator_has_an_email(session)
    assert alerts(session, walker) == ([], [], [])
    report(walker)
    holders, notes, mails = alerts(session, walker)
    assert holders == ["se-roks"]
    task = walker.task("respond_to_alert")
    assert (task.due_at - task.created_at).days == 1
    assert [(n.subject, n.task_id) for n in notes] == [("respond_to_alert", task.id)]
    assert [m.recipient for m in mails] == ["coordinator@roks.example"]
    assert walker.case.reference in mails[0].body
    walker.complete(
        "respond_to_alert", action_taken="Moved her to a safe shelter", still_at_risk="no"
    )
    assert "respond_to_alert" not in walker.names()


def test_answers_that_signal_no_danger_open_no_alert(session, services) -> None:
    walker = Walker(session, services, has_residence_right=True)
    walker.complete("immediate_safety", safe_now=True)
    police_may_be_told(walker)
    walker.complete("non_punishment_notice", detention_or_removal="none")
    walk_to_her_decision(walker, NO_RISK)
    assert alerts(session, walker) == ([], [], [])


def return_until_arrival(walker: Walker) -> None:
    walk_to_her_decision(walker, NO_RISK)
    walker.complete("her_decision", future="return")
    walker.complete("select_return_partner", return_partner="lv-marta", return_country="LV")
    walker.complete(
        "referral_consent",
        consent_given=True,
        shared_fields=["languages"],
        valid_until="2026-12-31",
    )
    walker.complete("accept_referral", accepted=True)
    walker.complete("return_needs_assessment", housing_ready=True)
    walker.complete("arrange_travel", travel_date="2026-01-20")


def test_she_did_not_arrive_alerts_the_coordinator(session, services) -> None:
    walker = Walker(session, services, has_residence_right=True)
    return_until_arrival(walker)
    walker.complete("arrival_reception", arrived=False)
    holders, notes, _ = alerts(session, walker)
    assert holders == ["se-roks"] and len(notes) == 1
    walker.fire_timers(days=110)
    assert "follow_up_3_months" in walker.names()  # the follow-ups still come


def test_a_follow_up_reporting_her_at_risk_alerts_the_coordinator(session, services) -> None:
    walker = Walker(session, services, has_residence_right=True)
    return_until_arrival(walker)
    walker.complete("arrival_reception", arrived=True)
    walker.fire_timers(days=110)
    walker.complete("follow_up_3_months", contact_made=True, at_risk=True)
    holders, notes, _ = alerts(session, walker)
    assert holders == ["se-roks"] and len(notes) == 1
