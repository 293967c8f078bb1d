"""Corrections: the coordinator replaces a recorded value, with a reason, and the history
keeps what was recorded before.

The new value is checked by the form that first asked for it, written into the running
case for every step still to come (runtime.correct_value), and kept with the old value
and the reason in `case_correction`, encrypted. What a correction does not change is
said plainly on its page (CORRECTION_LIMITS): deadlines already set, tasks already
opened and decisions already taken stay as they were; completed steps keep their
answers as given, shown beside the correction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.bpmn import runtime
from engine.case.access import is_coordinator, visible_case
from engine.case.recorded_fields import field_parts
from engine.case.store import load_workflow, save_workflow
from engine.db.context import Services
from engine.db.unit_of_work import in_transaction
from engine.errors import Conflict, EngineError, Forbidden, InvalidData
from engine.models import CaseCorrection, Organisation, User
from forms.validation import validate_field

MAX_REASON = 1000


@dataclass(frozen=True)
class Correction:
    field: str
    form: str
    old: Any
    new: Any
    reason: str
    by: str
    organisation: str
    at: datetime


def correctable_form(name: str) -> str:
    """The form whose question `name` answers; InvalidData for a value nobody records."""
    found = field_parts().get(name) if isinstance(name, str) else None
    if found is None:
        raise InvalidData("unknown field", {"field": "Choose a recorded value to correct"})
    return found[0]


def correct_value(
    session: Session,
    services: Services,
    actor: Actor,
    case_id: str,
    field: Any,
    value: Any,
    reason: Any,
) -> Correction:
    def work() -> Correction:
        case = visible_case(session, actor, case_id)
        if not is_coordinator(case, actor):
            raise Forbidden("only the case coordinator can correct what was recorded")
        if case.status != "open":
            raise Conflict(f"the case is {case.status}: nothing more can be changed on it")
        form = correctable_form(field)
        text = reason.strip() if isinstance(reason, str) else ""
        if not text:
            raise InvalidData("reason missing", {"reason": "Say why the value is corrected"})
        if len(text) > MAX_REASON:
            raise InvalidData("reason too long", {"reason": f"At most {MAX_REASON} characters"})
        try:
            new = validate_field(form, field, value)
        except InvalidData as error:
            raise InvalidData(error.message, {"value": next(iter(error.fields.values()))}) from None
        revision = case.revision
        workflow = load_workflow(services, case)
        old = runtime.workflow_data(workflow).get(field)
        if old == new:
            raise InvalidData("unchanged", {"value": "This is already the recorded value"})
        runtime.correct_value(workflow, field, new)
        save_workflow(session, services, case, workflow, revision)
        now = services.now()
        row = CaseCorrection(
            case_id=case.id,
            field=field,
            user_id=actor.user_id,
            organisation_id=actor.organisation_id,
            at=now,
            change=b"",
        )
        session.add(row)
        session.flush()
        row.change = services.cipher.encrypt_json(
            {"old": old, "new": new, "reason": text}, _context(case.id, row.id)
        )
        record(session, actor, "case.corrected", now, case.id, field=field)
        return Correction(field, form, old, new, text, actor.username, "", now)

    return in_transaction(session, work)


def _context(case_id: str, correction_id: int) -> str:
    return f"{case_id}:correction:{correction_id}"


def corrections_of(session: Session, services: Services, case_id: str) -> list[Correction]:
    """The case's corrections, oldest first (the caller checked the reader may see them)."""
    rows = session.execute(
        select(CaseCorrection, User.username, Organisation.name)
        .join(User, User.id == CaseCorrection.user_id)
        .join(Organisation, Organisation.id == CaseCorrection.organisation_id)
        .where(CaseCorrection.case_id == case_id)
        .order_by(CaseCorrection.id)
    ).all()
    found = []
    for row, username, organisation in rows:
        try:
            change = services.cipher.decrypt_json(row.change, _context(case_id, row.id)) or {}
        except EngineError:
            continue  # erased under the retention rules
        found.append(
            Correction(
                field=row.field,
                form=correctable_form(row.field),
                old=change.get("old"),
                new=change.get("new"),
                reason=str(change.get("reason", "")),
                by=username,
                organisation=organisation,
                at=row.at,
            )
        )
    return found
