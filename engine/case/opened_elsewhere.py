"""Opening a case for another country: who will coordinate it, and what the opener keeps.

A Swedish shelter that meets a woman who is now in Estonia opens her case for Estonia;
the Estonian coordinating organisation coordinates it, and the Swedish shelter is not on
its team. It used to land on a 404 and lose the case from every list. Now it is told,
before opening, who will coordinate; afterwards it sees a confirmation naming the
reference and the coordinating organisation, with the first-contact record it made,
until the coordinating organisation takes the case over (works a task of it).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.bpmn.runtime import workflow_data
from engine.case.record import START_FORM, Step, first_contact_step
from engine.case.store import load_workflow
from engine.case.visibility import ABOUT, CaseView
from engine.db.context import Services
from engine.directory import default_team
from engine.errors import EngineError, InvalidData, NotFound
from engine.models import Case, Organisation, Task


@dataclass(frozen=True)
class OpenedElsewhere:
    reference: str
    host_country: str
    coordinator: str  # the coordinating organisation's name
    first_contact: Step | None  # None once the coordinator has taken the case over


def coordinators_by_country(session: Session, countries: list[str]) -> dict[str, str]:
    """Country → the name of the organisation that would coordinate a case opened there."""
    found: dict[str, str] = {}
    for country in countries:
        try:
            found[country] = default_team(session, country)["coordinator"].name
        except InvalidData:
            continue
    return found


def opened_elsewhere(
    session: Session, services: Services, actor: Actor, case_id: str
) -> OpenedElsewhere:
    """The opener's view of a case it opened for an organisation elsewhere; NotFound for
    anyone but the opening organisation. The read is audited (caller's unit of work)."""
    case = session.get(Case, case_id) if isinstance(case_id, str) else None
    if case is None or case.opened_by_org_id != actor.organisation_id:
        raise NotFound("no such case")
    coordinator = next((m for m in case.team if m.role == "coordinator"), None)
    if coordinator is None:
        raise NotFound("no such case")
    organisation = session.get(Organisation, coordinator.organisation_id)
    taken_over = session.scalar(
        select(Task.id)
        .where(
            Task.case_id == case.id,
            Task.organisation_id == coordinator.organisation_id,
            (Task.state == "completed") | Task.claimed_by_id.is_not(None),
        )
        .limit(1)
    )
    step = None
    if taken_over is None:
        try:
            data = dict(workflow_data(load_workflow(services, case)))
        except EngineError:
            data = {}
        step = first_contact_step(session, case, data, CaseView(parts=frozenset({ABOUT})))
    record(session, actor, "case.viewed", services.now(), case.id, part=START_FORM)
    return OpenedElsewhere(
        reference=case.reference,
        host_country=case.host_country,
        coordinator=organisation.name if organisation else "",
        first_contact=step,
    )
