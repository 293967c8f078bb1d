"""The case page's sharing panels, as the coordinator uses them: record her consent for
any organisation and withdraw it, record a legal basis that a second person confirms,
see who looked at the case; and what a partner's task shows of her."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.context import Services
from engine.models import AccessGrant, Consent
from tests.factories.case_walker import Walker
from tests.factories.consents import consent, to_return
from tests.factories.pages import post, sign_in, switch_user, text
from tests.factories.people import make_user

CONSENT = {
    "organisation": "lv-police",
    "fields": ["alias", "languages"],
    "purpose": "her statement in Riga",
    "valid_until": "2026-03-01",
    "explained_in_language": "lv",
    "interpreter_used": "yes",
}


def people(session: Session) -> None:
    for username, slug in (
        ("anna", "se-roks"),
        ("berit", "se-roks"),
        ("liga", "lv-police"),
        ("hanna", "se-health"),
        ("marta", "lv-marta"),
    ):
        make_user(session, username, slug)


def test_the_coordinator_records_a_consent_for_an_organisation_abroad_and_withdraws_it(
    journey: FlaskClient, session: Session, services: Services
) -> None:
    people(session)
    walker = Walker(session, services, alias="Zirkonia")
    case = f"/cases/{walker.case.id}"
    sign_in(journey, "liga")
    assert journey.get(case).status_code == 404
    switch_user(journey, "anna")
    done = post(journey, f"{case}/consents", CONSENT, follow_redirects=True)
    assert "Her consent is recorded" in text(done)
    recorded = session.scalars(select(Consent).where(Consent.case_id == walker.case.id)).one()
    assert recorded.fields == ["alias", "languages"] and recorded.interpreter_used
    assert "her statement in Riga" in text(done) and "Police" in text(done)

    switch_user(journey, "liga")
    assert journey.get(case).status_code == 200
    switch_user(journey, "anna")
    post(journey, f"{case}/consents/{recorded.id}/withdraw", {"confirm": "yes"})
    switch_user(journey, "liga")
    assert journey.get(case).status_code == 404


def test_an_incomplete_consent_is_shown_again_with_what_is_missing(
    journey: FlaskClient, session: Session, services: Services
) -> None:
    people(session)
    walker = Walker(session, services)
    sign_in(journey, "anna")
    refused = post(journey, f"/cases/{walker.case.id}/consents", {**CONSENT, "fields": []})
    assert refused.status_code == 422
    assert "Choose at least one item from the list" in text(refused)
    assert session.scalars(select(Consent)).all() == []


def test_a_legal_basis_is_in_force_only_after_a_second_person_confirms_it(
    journey: FlaskClient, session: Session, services: Services
) -> None:
    people(session)
    walker = Walker(session, services)
    case = f"/cases/{walker.case.id}"
    sign_in(journey, "anna")
    basis = {
        "organisation": "se-health",
        "basis": "risk_to_life",
        "reason": "She collapsed at the shelter",
        "fields": ["languages", "notes"],
        "days": "2",
    }
    page = text(post(journey, f"{case}/access", basis, follow_redirects=True))
    assert "Awaiting a second person" in page and "Confirm as second person" not in page
    grant = session.scalars(select(AccessGrant)).one()
    assert post(journey, f"{case}/access/{grant.id}/confirm").status_code == 403
    switch_user(journey, "hanna")
    assert journey.get(case).status_code == 404
    switch_user(journey, "berit")
    page = text(post(journey, f"{case}/access/{grant.id}/confirm", follow_redirects=True))
    assert "In force" in page and "She collapsed at the shelter" in page
    switch_user(journey, "hanna")
    assert journey.get(case).status_code == 200
    switch_user(journey, "anna")
    post(journey, f"{case}/access/{grant.id}/end")
    switch_user(journey, "hanna")
    assert journey.get(case).status_code == 404


def test_the_coordinator_sees_who_looked_and_nobody_else_does(
    journey: FlaskClient, session: Session, services: Services
) -> None:
    people(session)
    make_user(session, "sven", "se-police")
    walker = Walker(session, services)
    walker.complete(
        "non_punishment_check",
        faces_charges="no",
        detention_or_removal="none",
        police_basis="her_consent",
    )  # with her consent the police get a task, and so see the case
    case = f"/cases/{walker.case.id}"
    sign_in(journey, "sven")
    sven_page = text(journey.get(case))
    assert "Who looked at this case" not in sven_page
    journey.get(f"{case}/diagram")  # refused to the police, and so not a read
    switch_user(journey, "anna")
    journey.get(f"{case}/diagram")
    page = text(journey.get(case))
    panel = page[page.index("Who looked at this case") :]
    assert "sven" in panel and "Police" in panel and "diagram" in panel
    assert panel.count("<td>sven</td>") == 1


def test_the_partners_task_page_shows_what_she_agreed_to_share(
    journey: FlaskClient, session: Session, services: Services
) -> None:
    people(session)
    walker = to_return(session, services)
    consent(walker, shared_fields=["languages"])
    task = walker.task("return_needs_assessment")
    sign_in(journey, "marta")
    page = text(journey.get(f"/tasks/{task.id}"))
    shared = page[page.index('data-testid="shared-with-you"') :]
    assert "Languages" in shared and "en" in shared
