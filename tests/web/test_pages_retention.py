"""The retention pages: administrators correct a country's period (and only they may),
her coordinator places and releases a legal hold."""

from __future__ import annotations

from sqlalchemy import select

from engine.models import AuditEvent, RetentionRule
from engine.retention.rules import seed_retention_rules
from tests.factories.api_client import Api
from tests.factories.database import START
from tests.factories.pages import post, sign_in, text
from tests.factories.people import make_user
from tests.factories.process_library import administrator


def seeded(session) -> None:
    seed_retention_rules(session, START)
    session.commit()


def test_an_administrator_corrects_a_countrys_period_with_its_citation(client, session):
    seeded(session)
    administrator(client, session)
    page = client.get("/admin/retention")
    assert page.status_code == 200 and "confidence: low" in text(page)

    saved = post(
        client,
        "/admin/retention/LT",
        {"period_days": "3650", "citation": "Decision of the board, 2026", "confidence": "high"},
    )

    assert saved.status_code == 302
    session.expire_all()
    rule = session.get(RetentionRule, "LT")
    assert (rule.period_days, rule.confidence, rule.updated_by) == (3650, "high", "ada")
    changed = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "retention.rule_changed")
    )
    assert changed.detail["previous_days"] == 1826 and changed.detail["period_days"] == 3650


def test_a_period_that_is_not_a_sensible_number_of_days_is_refused(client, session):
    seeded(session)
    administrator(client, session)
    for days in ("9" * 5000, "-5", "3", "ten"):
        refused = post(
            client,
            "/admin/retention/SE",
            {"period_days": days, "citation": "x", "confidence": "high"},
        )
        assert refused.status_code == 422, days
        assert "number of days" in text(refused) or "from 30 to" in text(refused)
    session.expire_all()
    assert session.get(RetentionRule, "SE").period_days == 1826


def test_staff_who_are_not_administrators_cannot_change_periods(client, session):
    seeded(session)
    make_user(session, "anna", "se-roks")
    sign_in(client, "anna")
    refused = post(
        client, "/admin/retention/SE", {"period_days": "30", "citation": "x", "confidence": "high"}
    )
    assert refused.status_code == 403
    session.expire_all()
    assert session.get(RetentionRule, "SE").period_days == 1826


def test_her_coordinator_holds_a_case_and_releases_it(client, session):
    seeded(session)
    case = Api(client, make_user(session, "anna", "se-roks")).open_case()
    sign_in(client, "anna")

    missing = post(client, f"/cases/{case['id']}/retention/hold", {"reason": "  "})
    assert missing.status_code == 422 and "Say why" in text(missing)
    post(client, f"/cases/{case['id']}/retention/hold", {"reason": "Trial pending"})
    page = text(client.get(f"/cases/{case['id']}/retention"))
    assert "On hold since" in page and "Trial pending" in page
    assert "after 1826 days" not in page and "1826 days after the case closes" in page

    post(client, f"/cases/{case['id']}/retention/release")
    assert "Place a legal hold" in text(client.get(f"/cases/{case['id']}/retention"))


def test_other_organisations_cannot_hold_her_case(client, session):
    seeded(session)
    case = Api(client, make_user(session, "anna", "se-roks")).open_case()
    make_user(session, "per", "se-police")
    sign_in(client, "per")
    assert client.get(f"/cases/{case['id']}/retention").status_code == 403
    refused = post(client, f"/cases/{case['id']}/retention/hold", {"reason": "Ours now"})
    assert refused.status_code == 403
