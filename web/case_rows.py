"""List rows that say who she is and what is urgent: the engine's facts of each listed
case (engine/case/list_facts.py) merged into the rows of a page or an API list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.audit import Actor
from engine.case.diagram import process_names
from engine.case.list_facts import CaseFacts, case_facts
from engine.case.transactions import CASE_PROCESS
from engine.db.context import Services
from engine.errors import NotFound
from engine.pagination import iso
from engine.versions import current_version
from web.i18n import translated


def with_facts(
    session: Session,
    services: Services,
    actor: Actor,
    rows: list[dict[str, Any]],
    now: datetime,
    search: str | None = None,
) -> list[dict[str, Any]]:
    """`rows` (each with an `id`) with her alias, age band, flags and next deadline. A
    row found by a searched alias the reader may not see is dropped: the search must not
    tell an agency whose alias it is."""
    facts = case_facts(session, services, actor, (r["id"] for r in rows), now)
    term = (search or "").strip().upper()
    result = []
    for row in rows:
        fact = facts.get(row["id"], CaseFacts())
        if term and not row["reference"].startswith(term) and fact.alias is None:
            continue
        result.append({**row, **fact_fields(fact)})
    return result


def fact_fields(fact: CaseFacts) -> dict[str, Any]:
    return {
        "alias": fact.alias,
        "age_band": fact.age_band,
        "flags": [
            name
            for name, on in (
                ("alert", fact.alert),
                ("under_18", fact.under_18),
                ("overdue", fact.overdue),
            )
            if on
        ],
        "next_deadline": (
            {"subject": fact.next_deadline_subject, "due_at": iso(fact.next_deadline)}
            if fact.next_deadline
            else None
        ),
    }


def facts_by_case(
    session: Session, services: Services, actor: Actor, case_ids: Any, now: datetime
) -> dict[str, dict[str, Any]]:
    """Case id → what a task or notification row shows of her case, in words."""
    stages = stage_names(session)
    return {
        case_id: {
            **fact_fields(fact),
            "reference": fact.reference,
            "host_country": fact.host_country,
            "stage": stages.get(fact.stage or "") if fact.stage else None,
        }
        for case_id, fact in case_facts(session, services, actor, case_ids, now).items()
    }


def stage_names(session: Session) -> dict[str, str]:
    """Stage (process id) → its name in the case process's current version, in the
    reader's language."""
    try:
        names = process_names(current_version(session, CASE_PROCESS))
    except NotFound:
        return {}
    return {process: translated(name) for process, name in names.items()}
