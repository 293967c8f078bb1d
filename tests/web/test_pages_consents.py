"""The case page's consents: what she agreed to share, with whom, until when; the
coordinator records her withdrawal (confirmed, CSRF-protected), nobody else can."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.context import Services
from engine.models import Consent
from tests.factories.case_walker import Walker
from tests.factories.consents import consent, to_return
from tests.factories.pages import post, sign_in, switch_user, text
from tests.factories.people import make_user


def referred_case(session: Session, services: Services) -> tuple[Walker, Consent]:
    """A case referred to MARTA in Latvia; anna (ROKS) coordinates, marta is the partner,
    sven is the Swedish police."""
    for username, slug in (("anna", "se-roks"), ("marta", "lv-marta"), ("sven", "se-police")):
        make_user(session, username, slug)
    walker = to_return(session, services)
    return walker, consent(walker)


def withdraw_path(walker: Walker, recorded: Consent) -> str:
    return f"/cases/{walker.case.id}/consents/{recorded.id}/withdraw"


def withdrawn_at(session: Session, consent_id: int):  # type: ignore[no-untyped-def]
    session.commit()
    return session.scalars(select(Consent.withdrawn_at).where(Consent.id == consent_id)).one()


def test_the_coordinator_sees_the_consents_panel_with_a_withdraw_button(
    journey: FlaskClient,  # noqa: F811
    session: Session,
    services: Services,
) -> None:
    walker, recorded = referred_case(session, services)
    sign_in(journey, "anna")
    page = text(journey.get(f"/cases/{walker.case.id}"))
    assert "Consents" in page
    assert "Languages, Travel date" in page
    assert "Referral for her safe return" in page
    assert "Latvian" in page and "with an interpreter" in page
    assert "Active" in page
    assert f'action="{withdraw_path(walker, recorded)}"' in page


def test_withdrawing_needs_confirmation_and_then_the_partner_loses_the_case(
    journey: FlaskClient,  # noqa: F811
    session: Session,
    services: Services,
) -> None:
    walker, recorded = referred_case(session, services)
    sign_in(journey, "marta")
    assert journey.get(f"/cases/{walker.case.id}").status_code == 200
    switch_user(journey, "anna")

    unconfirmed = post(journey, withdraw_path(walker, recorded))
    assert unconfirmed.status_code == 302
    assert withdrawn_at(session, recorded.id) is None

    done = post(journey, withdraw_path(walker, recorded), {"confirm": "yes"}, follow_redirects=True)
    assert done.status_code == 200
    page = text(done)
    assert "Her consent is withdrawn" in page and "Withdrawn" in page
    assert withdrawn_at(session, recorded.id) is not None
    assert f'action="{withdraw_path(walker, recorded)}"' not in page

    switch_user(journey, "marta")
    assert journey.get(f"/cases/{walker.case.id}").status_code == 404


def test_withdrawing_needs_the_csrf_token(
    journey: FlaskClient,  # noqa: F811
    session: Session,
    services: Services,
) -> None:
    walker, recorded = referred_case(session, services)
    sign_in(journey, "anna")
    response = journey.post(withdraw_path(walker, recorded), data={"confirm": "yes"})
    assert response.status_code == 400
    assert withdrawn_at(session, recorded.id) is None


def test_others_see_no_button_and_a_forged_withdrawal_is_forbidden(
    journey: FlaskClient,  # noqa: F811
    session: Session,
    services: Services,
) -> None:
    walker, recorded = referred_case(session, services)
    for username in ("marta", "sven"):
        if username == "marta":
            sign_in(journey, username)
        else:
            switch_user(journey, username)
        page = text(journey.get(f"/cases/{walker.case.id}"))
        assert "Consents" not in page  # the ledger is the coordinator's
        assert f'action="{withdraw_path(walker, recorded)}"' not in page
        forged = post(journey, withdraw_path(walker, recorded), {"confirm": "yes"})
        assert forged.status_code == 403, username  # both see the case, neither coordinates
    assert withdrawn_at(session, recorded.id) is None
