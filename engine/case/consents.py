"""Consent per share (JOURNEY.md, principle 8): each time her data goes to another
organisation, a consent record says to whom, which fields, for what purpose, until
when, and in which language it was explained. The ledger holds them for any
organisation (`give_consent`, recorded by the coordinator; a foreign organisation
comes into a case only this way); what each lets an organisation see is decided by
engine/case/visibility.py.

The return partner joins the case team only with such a record (when
`referral_consent` completes with her consent), and only through it: withdrawing the
consent takes the organisation off the team and moves its open tasks to the
coordinator, so the case goes on and the partner loses access at once. A consent
whose last day has passed ends the same way, by the scheduler (`expire_consents`),
as the system: one way to end a consent, so the partner never keeps a task it can no
longer see. Completed tasks of a consent role give no access by themselves
(engine/case/access.py), so nothing else keeps the case visible to the partner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.audit import Actor, record
from engine.case.access import is_coordinator, visible_case
from engine.case.team import move_open_work, remove_team_member
from engine.case.visibility import LAST_DAY, SHAREABLE_PARTS
from engine.db.context import Services
from engine.db.unit_of_work import in_transaction
from engine.directory import organisation_by_slug
from engine.errors import Conflict, Forbidden, InvalidData, NotFound
from engine.models import Case, Consent, Organisation, Task
from engine.row_ids import parse_row_id
from forms.registry import load_form

RETURN_REFERRAL = "referral for safe return"
# A consent of the ledger that gives no team role, only what it names.
NO_ROLE = ""
MAX_PURPOSE = 500


def shareable_fields() -> list[str]:
    """What she may agree to share: the fields the referral consent offers, then parts."""
    schema = load_form("referral_consent").schema
    fields = list(schema["properties"]["shared_fields"]["items"]["enum"])
    return fields + sorted(SHAREABLE_PARTS)


def give_consent(
    session: Session,
    services: Services,
    actor: Actor,
    case_id: str,
    slug: str,
    fields: list[str],
    purpose: str,
    valid_until: str,
    language: str,
    interpreter: bool,
) -> Consent:
    """The coordinator records her consent to share `fields` with an organisation."""

    def work() -> Consent:
        case = visible_case(session, actor, case_id, services.now())
        if not is_coordinator(case, actor):
            raise Forbidden("only the case coordinator records her consent")
        if case.status != "open":
            raise Conflict(f"the case is {case.status}")
        try:
            organisation = organisation_by_slug(session, slug)
        except NotFound:
            raise InvalidData(
                "unknown organisation", {"organisation": "Choose an organisation from the list"}
            ) from None
        data = _checked(organisation, actor, fields, purpose, valid_until, language, services)
        data["interpreter_used"] = interpreter
        return record_consent(
            session, actor, case, organisation, NO_ROLE, data, purpose.strip(), services.now()
        )

    return in_transaction(session, work)


def _checked(
    organisation: Organisation,
    actor: Actor,
    fields: list[str],
    purpose: str,
    valid_until: str,
    language: str,
    services: Services,
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    allowed = set(shareable_fields())
    if organisation.id == actor.organisation_id:
        errors["organisation"] = "Your own organisation sees the case already"
    if not fields or any(f not in allowed for f in fields):
        errors["fields"] = "Choose at least one item from the list"
    if not (purpose or "").strip() or len(purpose) > MAX_PURPOSE:
        errors["purpose"] = f"Say for what purpose, in at most {MAX_PURPOSE} characters"
    until = None
    try:
        until = date.fromisoformat(valid_until or "")
    except ValueError:
        errors["valid_until"] = "Give the last day as a date (YYYY-MM-DD)"
    if until is not None and until < services.now().date():
        errors["valid_until"] = "The last day cannot be in the past"
    if not (language or "").strip() or len(language) > 10:
        errors["explained_in_language"] = "Say in which language it was explained to her"
    if errors:
        raise InvalidData("the consent is incomplete", errors)
    return {
        "shared_fields": fields,
        "valid_until": valid_until,
        "explained_in_language": language.strip(),
    }


def record_consent(
    session: Session,
    actor: Actor,
    case: Case,
    organisation: Organisation,
    role: str,
    data: dict[str, Any],
    purpose: str,
    now: datetime,
) -> Consent:
    """Record her consent (the `referral_consent` form's data) in the caller's
    transaction; the caller adds the organisation to the team in the same one."""
    consent = Consent(
        case_id=case.id,
        organisation_id=organisation.id,
        role=role,
        fields=sorted(str(f) for f in data.get("shared_fields") or []),
        purpose=purpose,
        valid_until=_day(data.get("valid_until")),
        explained_in_language=str(data.get("explained_in_language") or ""),
        interpreter_used=bool(data.get("interpreter_used")),
        given_at=now,
        given_by_user_id=actor.user_id,
    )
    session.add(consent)
    session.flush()  # the partner's first tasks are indexed next, filtered by its fields
    session.expire(case, ["consents"])  # the access policy reads them from the case
    record(
        session,
        actor,
        "consent.given",
        now,
        case.id,
        consent_id=consent.id,
        organisation=organisation.slug,
        role=role,
        fields=consent.fields,
        valid_until=consent.valid_until.date().isoformat() if consent.valid_until else None,
    )
    return consent


def _day(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str) and value:
        value = date.fromisoformat(value[:10])
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None


def is_expired(consent: Consent, now: datetime) -> bool:
    return consent.valid_until is not None and consent.valid_until + LAST_DAY <= now


def status_of(consent: Consent, now: datetime) -> str:
    if consent.withdrawn_at is not None:
        by_expiry = consent.withdrawn_by_user_id is None and is_expired(
            consent, consent.withdrawn_at
        )
        return "expired" if by_expiry else "withdrawn"
    return "expired" if is_expired(consent, now) else "active"


def withdraw_consent(
    session: Session, services: Services, actor: Actor, case_id: str, consent_id: Any
) -> Consent:
    """She withdraws her consent: only the coordinator records it."""

    def work() -> Consent:
        case = visible_case(session, actor, case_id, services.now())
        if not is_coordinator(case, actor):
            raise Forbidden("only the case coordinator can record that she withdraws consent")
        consent = _consent_of(session, case, consent_id)
        if consent.withdrawn_at is not None:
            raise Conflict("this consent has already ended")
        end_consent(session, actor, case, consent, services.now(), "consent.withdrawn")
        return consent

    return in_transaction(session, work)


def _consent_of(session: Session, case: Case, consent_id: Any) -> Consent:
    wanted = parse_row_id(consent_id)
    consent = session.get(Consent, wanted) if wanted is not None else None
    if consent is None or consent.case_id != case.id:
        raise NotFound("no such consent")
    return consent


def end_consent(
    session: Session, actor: Actor, case: Case, consent: Consent, now: datetime, action: str
) -> None:
    """End a consent: off the team, the open tasks of the role it gave to the
    coordinator (an agency's own tasks stay its own), audited."""
    consent.withdrawn_at, consent.withdrawn_by_user_id = now, actor.user_id
    moved = 0
    if consent.role != NO_ROLE:
        remove_team_member(case, consent.role, consent.organisation_id)
        coordinator = next(m.organisation_id for m in case.team if m.role == "coordinator")
        moved = move_open_work(
            session,
            Task.case_id == case.id,
            Task.organisation_id == consent.organisation_id,
            Task.role == consent.role,
            to=coordinator,
        )
    record(
        session,
        actor,
        action,
        now,
        case.id,
        consent_id=consent.id,
        organisation=consent.organisation.slug,
        role=consent.role,
        tasks_moved=moved,
    )


def expire_consents(sessions: sessionmaker[Session], now: datetime) -> list[str]:
    """The scheduler's step: end every consent whose last day has passed, each in a
    transaction of its own. Returns the references of the cases concerned."""
    with sessions() as session:
        due = list(
            session.scalars(
                select(Consent.id).where(
                    Consent.withdrawn_at.is_(None), Consent.valid_until <= now - LAST_DAY
                )
            )
        )
    ended = []
    for consent_id in due:
        with sessions() as session:

            def end(consent_id: int = consent_id) -> str | None:
                consent = session.get(Consent, consent_id)
                if consent is None or consent.withdrawn_at is not None:
                    return None  # ended meanwhile
                case = session.get(Case, consent.case_id)
                assert case is not None
                end_consent(session, Actor.system(), case, consent, now, "consent.expired")
                return case.reference

            reference = in_transaction(session, end)
        if reference is not None:
            ended.append(reference)
    return ended


def consents_for_case(session: Session, case_id: str) -> list[Consent]:
    """The case's consents, newest first (the caller has checked need to know)."""
    return list(
        session.scalars(
            select(Consent)
            .where(Consent.case_id == case_id)
            .order_by(Consent.given_at.desc(), Consent.id.desc())
        )
    )


def shared_fields(session: Session, case_id: str, organisation_id: int | None) -> set[str]:
    """What she agreed to share with this organisation (nothing without a consent)."""
    rows = session.scalars(
        select(Consent.fields).where(
            Consent.case_id == case_id,
            Consent.organisation_id == organisation_id,
            Consent.withdrawn_at.is_(None),
        )
    )
    return {str(name) for fields in rows for name in fields}


@dataclass(frozen=True)
class ConsentView:
    consent: Consent
    status: str  # active, withdrawn, expired


def consent_views(session: Session, case_id: str, now: datetime) -> list[ConsentView]:
    return [ConsentView(c, status_of(c, now)) for c in consents_for_case(session, case_id)]
