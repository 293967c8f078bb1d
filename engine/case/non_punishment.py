"""Non-punishment (JOURNEY.md, correction 11): before anything goes to the police, the
coordinator records in `non_punishment_check` whether she faces charges, detention or
removal, and on what basis the police may be told. That basis goes into the same
ledger as every other share: her consent as a consent record (purpose, fields, last
day, language, interpreter), a legal basis as an access grant that a second person of
the coordinating organisation must confirm. The police's `non_punishment_notice` opens
either way: a detention or removal must be stopped at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from engine.audit import Actor
from engine.case.consents import NO_ROLE, record_consent
from engine.case.grants import MAX_DAYS, add_grant
from engine.models import Case

CHECK_TASK = "non_punishment_check"
PURPOSE = "non-punishment: the police confirm that no charges are pursued against her"
# Of what the notice needs (its `needs` in identification.bpmn), what she can share.
SHARED = ["origin_country"]
# Long enough for the notice and the police's follow-up questions; she can end it sooner.
CONSENT_DAYS = 30


def record_police_basis(
    session: Session, actor: Actor, case: Case, data: dict[str, Any], now: datetime
) -> None:
    police = next((m.organisation for m in case.team if m.role == "police"), None)
    if police is None:
        return
    if data.get("police_basis") == "her_consent":
        consent = {
            "shared_fields": SHARED,
            "valid_until": (now + timedelta(days=CONSENT_DAYS)).date().isoformat(),
            "explained_in_language": data.get("explained_in_language"),
            "interpreter_used": data.get("interpreter_used"),
        }
        record_consent(session, actor, case, police, NO_ROLE, consent, PURPOSE, now)
    elif data.get("police_basis") == "legal_basis":
        reason = str(data.get("legal_basis_reason") or "")
        basis = str(data.get("legal_basis") or "statutory_duty")
        add_grant(session, actor, case, police, basis, reason, SHARED, MAX_DAYS, now)
