"""Access on a recorded legal basis (JOURNEY.md, correction 11): when her life is at risk
or a statute obliges it, an organisation may see named parts of her case without her
consent. One person of the coordinating organisation records the basis and the reason;
it is in force only once a second person of that organisation confirms it, and only
until its end (at most `MAX_DAYS`). The coordinator sees every grant on the case page
and can end one at once. What a grant lets an organisation see is decided by
engine/case/visibility.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.case.access import is_coordinator, visible_case
from engine.case.consents import shareable_fields
from engine.case.visibility import grant_in_force
from engine.db.context import Services
from engine.db.unit_of_work import in_transaction
from engine.directory import organisation_by_slug
from engine.errors import Conflict, Forbidden, InvalidData, NotFound
from engine.models import AccessGrant, Case, Organisation

BASES = ("risk_to_life", "statutory_duty")
MAX_DAYS = 30
MAX_REASON = 1000


@dataclass(frozen=True)
class GrantView:
    grant: AccessGrant
    status: str  # awaiting_confirmation, in_force, ended, expired


def status_of(grant: AccessGrant, now: datetime) -> str:
    if grant.ended_at is not None:
        return "ended"
    if now >= grant.valid_until:
        return "expired"
    return "in_force" if grant_in_force(grant, now) else "awaiting_confirmation"


def grant_views(case: Case, now: datetime) -> list[GrantView]:
    newest = sorted(case.access_grants, key=lambda g: (g.requested_at, g.id), reverse=True)
    return [GrantView(g, status_of(g, now)) for g in newest]


def request_grant(
    session: Session,
    services: Services,
    actor: Actor,
    case_id: str,
    slug: str,
    basis: str,
    reason: str,
    fields: list[str],
    days: Any,
) -> AccessGrant:
    def work() -> AccessGrant:
        now = services.now()
        case = _coordinated(session, actor, case_id, now)
        errors: dict[str, str] = {}
        organisation = None
        try:
            organisation = organisation_by_slug(session, slug)
        except NotFound:
            errors["organisation"] = "Choose an organisation from the list"
        if organisation is not None and organisation.id == actor.organisation_id:
            errors["organisation"] = "Your own organisation sees the case already"
        elif organisation is not None and organisation.country != case.host_country:
            # A legal basis is the host country's law; abroad she decides, by consent.
            errors["organisation"] = "An organisation abroad sees her case only with her consent"
        if basis not in BASES:
            errors["basis"] = "Choose risk to life or a statutory duty"
        if not (reason or "").strip() or len(reason) > MAX_REASON:
            errors["reason"] = f"Give the reason, in at most {MAX_REASON} characters"
        allowed = set(shareable_fields())
        if not fields or any(f not in allowed for f in fields):
            errors["fields"] = "Choose at least one item from the list"
        number = _days(days)
        if number is None:
            errors["days"] = f"Give a number of days from 1 to {MAX_DAYS}"
        if errors or organisation is None or number is None:
            raise InvalidData("the legal basis is incomplete", errors)
        return add_grant(session, actor, case, organisation, basis, reason, fields, number, now)

    return in_transaction(session, work)


def add_grant(
    session: Session,
    actor: Actor,
    case: Case,
    organisation: Organisation,
    basis: str,
    reason: str,
    fields: list[str],
    days: int,
    now: datetime,
) -> AccessGrant:
    """Record a checked legal basis in the caller's transaction: it awaits a second
    person's confirmation."""
    grant = AccessGrant(
        case_id=case.id,
        organisation_id=organisation.id,
        basis=basis,
        reason=reason.strip(),
        fields=sorted(fields),
        requested_at=now,
        requested_by_user_id=actor.user_id,
        valid_until=now + timedelta(days=days),
    )
    session.add(grant)
    session.flush()
    session.expire(case, ["access_grants"])  # the access policy reads them from the case
    record(
        session,
        actor,
        "access.requested",
        now,
        case.id,
        grant_id=grant.id,
        organisation=organisation.slug,
        basis=basis,
        fields=grant.fields,
    )
    return grant


def confirm_grant(
    session: Session, services: Services, actor: Actor, case_id: str, grant_id: Any
) -> AccessGrant:
    """A second person of the coordinating organisation confirms: now it is in force."""

    def work() -> AccessGrant:
        now = services.now()
        case = _coordinated(session, actor, case_id, now)
        grant = _grant_of(session, case, grant_id)
        if grant.requested_by_user_id == actor.user_id:
            raise Forbidden("a second person must confirm access on a legal basis")
        if status_of(grant, now) != "awaiting_confirmation":
            raise Conflict("this access is no longer awaiting confirmation")
        grant.confirmed_at, grant.confirmed_by_user_id = now, actor.user_id
        record(session, actor, "access.confirmed", now, case.id, grant_id=grant.id)
        return grant

    return in_transaction(session, work)


def end_grant(
    session: Session, services: Services, actor: Actor, case_id: str, grant_id: Any
) -> AccessGrant:
    def work() -> AccessGrant:
        now = services.now()
        case = _coordinated(session, actor, case_id, now)
        grant = _grant_of(session, case, grant_id)
        if grant.ended_at is not None:
            raise Conflict("this access has already ended")
        grant.ended_at = now
        record(session, actor, "access.ended", now, case.id, grant_id=grant.id)
        return grant

    return in_transaction(session, work)


def _coordinated(session: Session, actor: Actor, case_id: str, now: datetime) -> Case:
    case = visible_case(session, actor, case_id, now)
    if not is_coordinator(case, actor):
        raise Forbidden("only the case coordinator records access on a legal basis")
    return case


def _grant_of(session: Session, case: Case, grant_id: Any) -> AccessGrant:
    grant = None
    if isinstance(grant_id, str | int) and str(grant_id).isdigit() and len(str(grant_id)) < 10:
        grant = session.get(AccessGrant, int(grant_id))
    if grant is None or grant.case_id != case.id:
        raise NotFound("no such access")
    return grant


def _days(value: Any) -> int | None:
    text = str(value or "").strip()
    if not text.isdigit() or len(text) > 3:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_DAYS else None
