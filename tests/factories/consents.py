"""Her consent to a referral, in tests: a case walked up to the return partner's consent,
and the consent recorded with what she agreed to share."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.context import Services
from engine.models import Consent
from tests.factories.case_walker import NO_RISK, Walker, walk_to_her_decision

COORDINATOR_NOTE = "She fears the recruiter who lives in Riga"


def to_return(session: Session, services: Services) -> Walker:
    """Her case, up to the referral consent: Latvia, MARTA, a note of the coordinator's
    own that the partner must never read."""
    walker = Walker(session, services, has_residence_right=True)
    walk_to_her_decision(walker, NO_RISK)
    walker.complete("her_decision", future="return")
    walker.complete(
        "select_return_partner",
        return_partner="lv-marta",
        return_country="LV",
        notes=COORDINATOR_NOTE,
    )
    return walker


def consent(walker: Walker, **overrides: object) -> Consent:
    walker.complete(
        "referral_consent",
        **{
            "consent_given": True,
            "shared_fields": ["languages", "travel_date"],
            "valid_until": "2026-06-30",
            "explained_in_language": "lv",
            "interpreter_used": True,
            **overrides,
        },
    )
    if overrides.get("consent_given", True):
        walker.complete("accept_referral", accepted=True)  # by the partner
    return only_consent(walker)


def only_consent(walker: Walker) -> Consent:
    walker.session.expire_all()
    return walker.session.scalars(select(Consent).where(Consent.case_id == walker.case.id)).one()
