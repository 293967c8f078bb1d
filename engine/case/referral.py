"""The partner in the country of return (JOURNEY correction 8): who may be chosen, and
what a declined referral undoes.

A partner must be an organisation of the country she returns to that receives
returning women (`return_partner` or `ngo_support`): a police organisation of the host
country is not a place to send her. A partner that declines the referral leaves the
case at once: its consent ends and it leaves the team, so it keeps nothing of her.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import Actor
from engine.case.consents import end_consent
from engine.directory import organisation_by_slug
from engine.errors import Conflict, InvalidData, NotFound
from engine.models import Case, Consent, Task

PARTNER_ROLES = frozenset({"return_partner", "ngo_support"})


def check_return_partner(session: Session, case: Case, data: dict[str, Any]) -> None:
    """InvalidData unless `return_partner` is an organisation of `return_country` (not the
    host country she leaves) that receives returning women."""
    slug, country = data.get("return_partner"), data.get("return_country")
    if country == case.host_country:
        raise InvalidData(
            "the country of return is the host country",
            {"return_country": "She returns to another country than the one she is in"},
        )
    try:
        organisation = organisation_by_slug(session, str(slug))
    except NotFound:
        raise InvalidData(
            "no such organisation", {"return_partner": "Choose an organisation of the directory"}
        ) from None
    if organisation.country != country or not PARTNER_ROLES & set(organisation.roles):
        raise InvalidData(
            "not a partner in the country of return",
            {
                "return_partner": f"Choose an organisation in {country} that receives "
                "returning women (return partner or NGO support)"
            },
        )


def referral_declined(
    session: Session, actor: Actor, case: Case, now: datetime, action: str = "referral.declined"
) -> None:
    """End the return partner's consent and team membership: it declined, or she changed
    her mind (a new return chooses and asks her consent again)."""
    for consent in session.scalars(
        select(Consent).where(
            Consent.case_id == case.id,
            Consent.role == "return_partner",
            Consent.withdrawn_at.is_(None),
        )
    ):
        end_consent(session, actor, case, consent, now, action)


def refuse_after_travel(session: Session, case_id: str) -> None:
    """She can change her mind until she travels: after that the return has happened."""
    travelled = session.scalar(
        select(Task.id).where(
            Task.case_id == case_id, Task.name == "arrange_travel", Task.state == "completed"
        )
    )
    if travelled is not None:
        raise Conflict("she has travelled: her decision can no longer be changed here")
