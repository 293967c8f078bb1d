"""Legal holds: a case that must outlive its retention period (a trial, a compensation
claim, an appeal, an authority's request) is held until the coordinator releases it.
`nbassist retention apply` erases nothing of a held case."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.case.access import is_coordinator, visible_case
from engine.db.context import Services
from engine.db.unit_of_work import in_transaction
from engine.errors import Conflict, Forbidden, InvalidData
from engine.models import LegalHold

MAX_REASON = 500


def active_hold(session: Session, case_id: str) -> LegalHold | None:
    return session.scalar(
        select(LegalHold).where(LegalHold.case_id == case_id, LegalHold.released_at.is_(None))
    )


def _coordinated_case_id(session: Session, actor: Actor, case_id: str) -> str:
    case = visible_case(session, actor, case_id)
    if not is_coordinator(case, actor):
        raise Forbidden("only the case coordinator can place or release a legal hold")
    if case.erased_at is not None:
        raise Conflict("her personal data was already erased under the retention rules")
    return case.id


def place_hold(
    session: Session, services: Services, actor: Actor, case_id: str, reason: str
) -> LegalHold:
    text = (reason or "").strip()

    def work() -> LegalHold:
        held = _coordinated_case_id(session, actor, case_id)  # 404 and 403 before any 422
        if not text:
            raise InvalidData(
                "Say why the case is held.", {"reason": "Say why (for example: trial pending)"}
            )
        if len(text) > MAX_REASON:
            raise InvalidData(
                "The reason is too long.", {"reason": f"Use at most {MAX_REASON} characters"}
            )
        if active_hold(session, held) is not None:
            raise Conflict("this case is already on legal hold")
        now = services.now()
        hold = LegalHold(case_id=held, reason=text, placed_at=now, placed_by_user_id=actor.user_id)
        session.add(hold)
        record(session, actor, "case.hold_placed", now, held)
        return hold

    return in_transaction(session, work)


def release_hold(session: Session, services: Services, actor: Actor, case_id: str) -> LegalHold:
    def work() -> LegalHold:
        held = _coordinated_case_id(session, actor, case_id)
        hold = active_hold(session, held)
        if hold is None:
            raise Conflict("this case is not on legal hold")
        now = services.now()
        hold.released_at, hold.released_by_user_id = now, actor.user_id
        record(session, actor, "case.hold_released", now, held)
        return hold

    return in_transaction(session, work)
