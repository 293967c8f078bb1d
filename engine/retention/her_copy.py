"""Her own copy: everything held about her in one case, for a subject-access request
(GDPR Art. 15), made by her coordinator and audited.

It shows what the one access policy (engine/case/visibility.py) lets her coordinator
see, part by part, so that it follows any change to that policy: today everything but
other organisations' confidential notes, which each organisation answers for itself.
It also says who looked at her case, and how long the data is kept (Art. 15(1)(c), (d)).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.bpmn.runtime import workflow_data
from engine.case import visibility
from engine.case.access import is_coordinator, visible_case
from engine.case.consents import consent_views
from engine.case.notes import notes_of
from engine.case.read_models import history_of
from engine.case.store import load_workflow
from engine.db.context import Services
from engine.errors import Forbidden
from engine.models import AuditEvent, Case, Deadline, Organisation, Task, User
from engine.pagination import iso
from engine.retention.holds import active_hold
from engine.retention.rules import erase_after, rule_for

LEFT_OUT = (
    "Notes that another organisation marked confidential are not in this copy: each "
    "organisation gives her its own confidential notes."
)


def _plain(value: Any) -> Any:
    """JSON-safe values (dates as ISO text), as the copy is read and downloaded."""
    return json.loads(json.dumps(value, default=str))


def _steps(
    services: Services, tasks: list[Task], view: visibility.CaseView
) -> list[dict[str, Any]]:
    steps = []
    for task in sorted(tasks, key=lambda t: (t.created_at, t.id)):
        answers = services.cipher.decrypt_json(task.data, task.id) if task.data else {}
        if view.fields is not None:
            answers = {k: v for k, v in answers.items() if view.shows_field(k)}
        steps.append(
            {
                "name": task.name,
                "title": task.title,
                "organisation": task.organisation.name,
                "state": task.state,
                "created_at": iso(task.created_at),
                "due_at": iso(task.due_at),
                "completed_at": iso(task.completed_at),
                "answers": _plain(answers),
            }
        )
    return steps


def _recorded(services: Services, case: Case, view: visibility.CaseView) -> dict[str, Any]:
    if case.erased_at is not None:
        return {}
    data = workflow_data(load_workflow(services, case))
    return _plain({k: v for k, v in sorted(data.items()) if view.shows_field(k)})


def _consents(session: Session, case: Case, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "organisation": v.consent.organisation.name,
            "fields": list(v.consent.fields),
            "purpose": v.consent.purpose,
            "valid_until": iso(v.consent.valid_until),
            "explained_in_language": v.consent.explained_in_language,
            "interpreter_used": v.consent.interpreter_used,
            "given_at": iso(v.consent.given_at),
            "withdrawn_at": iso(v.consent.withdrawn_at),
            "status": v.status,
        }
        for v in consent_views(session, case.id, now)
    ]


def _who_looked(session: Session, case_id: str) -> list[dict[str, Any]]:
    rows = session.execute(
        select(AuditEvent.at, AuditEvent.action, Organisation.name, User.username)
        .outerjoin(Organisation, Organisation.id == AuditEvent.organisation_id)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.case_id == case_id, AuditEvent.action.in_(READS))
        .order_by(AuditEvent.id)
    ).all()
    return [
        {"at": iso(at), "what": action, "organisation": org, "by": user or "system"}
        for at, action, org, user in rows
    ]


READS = ("case.viewed", "task.viewed", "case.exported", "case.diagram_viewed")


def _retention(session: Session, case: Case) -> dict[str, Any]:
    rule = rule_for(session, case.host_country)
    hold = active_hold(session, case.id)
    return {
        "period_days": rule.period_days if rule else None,
        "counted_from": "the day the case closed or she withdrew",
        "citation": rule.citation if rule else None,
        "erase_after": iso(erase_after(rule, case.closed_at)),
        "legal_hold": {"reason": hold.reason, "since": iso(hold.placed_at)} if hold else None,
        "erased_at": iso(case.erased_at),
    }


def her_copy(
    session: Session, services: Services, actor: Actor, case_id: str, now: datetime
) -> dict[str, Any]:
    """Everything held about her in this case, as her coordinator sees it; audited (the
    caller's unit of work commits)."""
    case = visible_case(session, actor, case_id, now)
    if not is_coordinator(case, actor):
        raise Forbidden("only her case coordinator can make her copy")
    tasks = list(session.scalars(select(Task).where(Task.case_id == case.id)))
    view = visibility.case_view(actor, case, tasks, now)
    opener = session.get(Organisation, case.opened_by_org_id)
    copy: dict[str, Any] = {
        "made_at": iso(now),
        "case": {
            "reference": case.reference,
            "status": case.status,
            "stage": case.stage,
            "host_country": case.host_country,
            "opened_at": iso(case.created_at),
            "opened_by": opener.name if opener else None,
            "closed_at": iso(case.closed_at),
        },
        "retention": _retention(session, case),
        "left_out": LEFT_OUT,
    }
    if view.shows(visibility.ABOUT):
        copy["recorded"] = _recorded(services, case, view)
    if view.shows(visibility.STEPS):
        copy["steps"] = _steps(services, [t for t in tasks if view.shows_task(t)], view)
    if view.shows(visibility.DEADLINES):
        deadlines = session.scalars(select(Deadline).where(Deadline.case_id == case.id))
        copy["deadlines"] = [{"subject": d.subject, "due_at": iso(d.due_at)} for d in deadlines]
    if view.shows(visibility.TEAM):
        copy["team"] = {
            m.role: m.organisation.name for m in sorted(case.team, key=lambda m: m.role)
        }
        copy["consents"] = _consents(session, case, now)
    if view.shows(visibility.NOTES):
        copy["notes"] = [
            {
                "written_at": iso(n.created_at),
                "organisation": n.organisation,
                "author": n.author,
                "confidential": n.confidential,
                "body": n.body,
            }
            for n in reversed(notes_of(session, services, actor, case.id, view))
        ]
    if view.shows(visibility.TIMELINE):
        copy["history"] = _plain(history_of(session, case.id, view))
        copy["who_looked"] = _who_looked(session, case.id)
    record(session, actor, "case.exported", now, case.id)
    return copy
