"""Consent per share, through the service layer with the real journey: the return
partner sees the case only through her recorded consent, reads only what she agreed to
share, and loses access when she withdraws it or its last day passes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from engine.case import consents, read_models
from engine.case.access import visible_case, visible_task
from engine.case.overview import case_overview
from engine.db import make_sessionmaker
from engine.errors import Conflict, Forbidden, NotFound
from engine.models import AuditEvent, Task
from tests.factories.case_walker import staff
from tests.factories.consents import COORDINATOR_NOTE, consent, only_consent, to_return
from tests.factories.scheduler import fresh, run_tick


def actions(session: Session, case_id: str) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.action).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)
        )
    )


def test_her_consent_is_recorded_with_what_whom_why_until_when_and_in_which_language(
    session, services
):
    walker = to_return(session, services)
    recorded = consent(walker)
    assert recorded.organisation.slug == "lv-marta"
    assert recorded.role == "return_partner"
    assert recorded.fields == ["languages", "travel_date"]
    assert recorded.purpose == consents.RETURN_REFERRAL
    assert recorded.valid_until == datetime(2026, 6, 30, tzinfo=UTC)
    assert (recorded.explained_in_language, recorded.interpreter_used) == ("lv", True)
    assert recorded.given_at == services.now()
    assert recorded.given_by_user_id == staff(session, "se-roks").user_id
    assert recorded.withdrawn_at is None
    assert walker.team()["return_partner"] == "lv-marta"
    assert "consent.given" in actions(session, walker.case.id)
    assert [v.status for v in consents.consent_views(session, walker.case.id, services.now())] == [
        "active"
    ]


def test_no_consent_no_record_and_no_partner(session, services):
    walker = to_return(session, services)
    walker.complete("referral_consent", consent_given=False, shared_fields=[])
    assert consents.consents_for_case(session, walker.case.id) == []
    assert "return_partner" not in walker.team()
    with pytest.raises(NotFound):
        visible_case(session, staff(session, "lv-marta"), walker.case.id)


def test_the_partner_sees_the_case_only_after_her_consent(session, services):
    walker = to_return(session, services)
    marta = staff(session, "lv-marta")
    with pytest.raises(NotFound):
        visible_case(session, marta, walker.case.id)
    consent(walker)
    assert visible_case(session, marta, walker.case.id).id == walker.case.id


def test_the_partners_task_is_prefilled_only_with_what_she_agreed_to_share(session, services):
    walker = to_return(session, services)
    consent(walker, shared_fields=["travel_date"])
    task = walker.task("return_needs_assessment")
    assert task.organisation.slug == "lv-marta"
    marta = staff(session, "lv-marta")
    detail = read_models.task_detail(session, services.cipher, marta, task.id, services.now())
    assert "notes" in detail["form"]["schema"]["properties"]  # the form has the field…
    assert set(detail["data"]) <= {"travel_date"}  # …but her note is not shared
    assert COORDINATOR_NOTE not in str(detail)


def test_the_case_page_shows_the_partner_only_the_languages_she_agreed_to_share(session, services):
    walker = to_return(session, services)
    consent(walker, shared_fields=["travel_date"])
    marta, roks = staff(session, "lv-marta"), staff(session, "se-roks")
    assert case_overview(session, services, marta, walker.case.id).languages == []
    assert case_overview(session, services, roks, walker.case.id).languages == ["en"]
    withdrawn = consents.withdraw_consent(
        session, services, roks, walker.case.id, only_consent(walker).id
    )
    assert withdrawn.withdrawn_at is not None


def test_withdrawing_takes_the_partner_off_the_case_and_its_tasks_go_to_the_coordinator(
    session, services
):
    walker = to_return(session, services)
    recorded = consent(walker)
    marta, roks = staff(session, "lv-marta"), staff(session, "se-roks")
    task_id = walker.task("return_needs_assessment").id
    services.clock.advance(timedelta(days=2))

    consents.withdraw_consent(session, services, roks, walker.case.id, recorded.id)

    with pytest.raises(NotFound):
        visible_case(session, marta, walker.case.id)
    with pytest.raises(NotFound):
        visible_task(session, marta, task_id)
    assert "return_partner" not in walker.team()
    assert walker.holder("return_needs_assessment") == "se-roks"
    assert read_models.list_cases(session, marta).items == []
    ended = only_consent(walker)
    assert ended.withdrawn_at == services.now()
    assert ended.withdrawn_by_user_id == roks.user_id
    assert consents.status_of(ended, services.now()) == "withdrawn"
    assert actions(session, walker.case.id)[-1] == "consent.withdrawn"
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "consent.withdrawn")
    ).one()
    assert event.detail["organisation"] == "lv-marta" and event.detail["tasks_moved"] == 1
    # The case goes on with the coordinator.
    walker.complete("return_needs_assessment")
    with pytest.raises(Conflict):
        consents.withdraw_consent(session, services, roks, walker.case.id, recorded.id)


def test_tasks_the_partner_completed_do_not_keep_the_case_visible(session, services):
    walker = to_return(session, services)
    recorded = consent(walker)
    walker.complete("return_needs_assessment")  # by MARTA
    marta = staff(session, "lv-marta")
    consents.withdraw_consent(
        session, services, staff(session, "se-roks"), walker.case.id, recorded.id
    )
    with pytest.raises(NotFound):
        visible_case(session, marta, walker.case.id)


@pytest.mark.parametrize("who", ["lv-marta", "se-police"])
def test_only_the_coordinator_can_withdraw_a_consent(session, services, who):
    walker = to_return(session, services)
    recorded = consent(walker)
    with pytest.raises(Forbidden):
        consents.withdraw_consent(
            session, services, staff(session, who), walker.case.id, recorded.id
        )
    assert only_consent(walker).withdrawn_at is None


def test_an_organisation_outside_the_case_gets_not_found(session, services):
    walker = to_return(session, services)
    recorded = consent(walker)
    with pytest.raises(NotFound):
        consents.withdraw_consent(
            session, services, staff(session, "fi-monika"), walker.case.id, recorded.id
        )
    with pytest.raises(NotFound):
        consents.withdraw_consent(session, services, staff(session, "se-roks"), walker.case.id, 999)


def test_an_expired_consent_gives_no_access_and_the_case_goes_on(session, services, db: Engine):
    walker = to_return(session, services)
    recorded = consent(walker, valid_until="2026-01-20")
    marta = staff(session, "lv-marta")
    sessions = make_sessionmaker(db)
    last_day = datetime(2026, 1, 20, 23, 59, tzinfo=UTC)
    assert run_tick(sessions, services, last_day).consents_ended == []
    assert visible_case(fresh(session), marta, walker.case.id)

    report = run_tick(sessions, services, datetime(2026, 1, 21, tzinfo=UTC))

    assert report.consents_ended == [walker.case.reference]
    with pytest.raises(NotFound):
        visible_case(fresh(session), marta, walker.case.id)
    assert walker.holder("return_needs_assessment") == "se-roks"
    ended = only_consent(walker)
    assert consents.status_of(ended, datetime(2026, 1, 21, tzinfo=UTC)) == "expired"
    assert ended.id == recorded.id and ended.withdrawn_by_user_id is None
    assert "consent.expired" in actions(session, walker.case.id)
    assert run_tick(sessions, services, datetime(2026, 1, 22, tzinfo=UTC)).consents_ended == []


def test_the_partner_never_gets_open_tasks_of_the_case_after_its_consent_ended(session, services):
    walker = to_return(session, services)
    recorded = consent(walker)
    consents.withdraw_consent(
        session, services, staff(session, "se-roks"), walker.case.id, recorded.id
    )
    walker.complete("return_needs_assessment")
    partner = walker.organisation("lv-marta")
    assert not [t for t in walker.open_tasks() if t.organisation_id == partner.id]
    assert (
        session.scalars(
            select(Task).where(
                Task.case_id == walker.case.id,
                Task.organisation_id == partner.id,
                Task.name != "accept_referral",  # its answer, given while it had consent
            )
        ).all()
        == []
    )
