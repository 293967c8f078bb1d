"""Everything the case page shows about one case, read in one go under need to know.

`case_overview` is the page's one engine call: one access decision over the rows the
page reads anyway (the case with its team, and its tasks, each queried once), one
`case.viewed` audit event, and no workflow decryption (her languages come from her
profile, engine/case/profile.py). It never commits: the view runs it as a unit of work.
The reflection period end is compared with the network's standard of at least three
months from its start, so the coordinator sees at once when the law of the host country
gives her less.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer, joinedload

from engine.audit import Actor, record
from engine.case import read_models
from engine.case.consents import ConsentView, status_of
from engine.case.diagram import messages_in, process_names
from engine.case.grants import GrantView, grant_views
from engine.case.notes import CaseNote, notes_of
from engine.case.profile import decrypt_profile, languages, languages_note, profile_of
from engine.case.service_status import ServiceStatus, service_statuses
from engine.case.store import load_workflow
from engine.case.visibility import (
    CONSENTS,
    DEADLINES,
    READS,
    TASKS,
    TEAM,
    TIMELINE,
    CaseView,
    case_view,
)
from engine.country_rules import CountryRule, rules_of_version, unconfirmed_rule_for
from engine.db.context import Services
from engine.directory import list_organisations
from engine.errors import EngineError, NotFound
from engine.models import Case, Deadline, Organisation, Task

RIGHTS_TASK = "inform_rights"
NETWORK_STANDARD = timedelta(days=90)  # "at least 3 months, better 6"
REFLECTION_END = "reflection_period_end"
# Timeline events that name an organisation by its slug: the page shows its name.
TEAM_EVENTS = ("team.changed", "consent.given", "consent.withdrawn", "consent.expired")


@dataclass
class DeadlineView:
    subject: str
    due_at: datetime
    started_on: date | None = None
    standard_end: datetime | None = None
    short_by_days: int = 0


@dataclass
class CaseOverview:
    case: Case  # the row, with its team and process version loaded
    summary: dict[str, Any]
    stage_name: str | None
    team: list[dict[str, Any]]
    open_tasks: list[dict[str, Any]]
    deadlines: list[DeadlineView]
    languages: list[str]
    history: list[dict[str, Any]]
    task_titles: dict[str, str]
    coordinates: bool
    notes: list[CaseNote] = field(default_factory=list)
    consents: list[ConsentView] = field(default_factory=list)
    # Message names the case's process version takes (what may be recorded on it).
    messages: frozenset[str] = frozenset()
    # Every task of the case, as read for the access decision (the case file reuses them).
    tasks: list[Task] = field(default_factory=list)
    # The directory, read only when the page needs it: the coordinator's team choices,
    # or organisation names for team changes in the timeline.
    directory: list[Organisation] = field(default_factory=list)
    # What the viewer sees (engine/case/visibility.py); the page shows nothing else.
    view: CaseView | None = None
    grants: list[GrantView] = field(default_factory=list)
    # Who looked at the case (the coordinator's panel).
    readers: list[dict[str, Any]] = field(default_factory=list)
    # Her own words about her languages (a dialect, a language not in the list).
    languages_note: str = ""
    # Each rights information session the viewer may see: when, the leaflet version and
    # language she received, the language used and whether an interpreter was there.
    rights_sessions: list[dict[str, Any]] = field(default_factory=list)
    # The country rule that applies to her today, when an administrator has not confirmed it.
    rule_to_confirm: CountryRule | None = None
    # Where each service of her care plan stands (planned, in progress, provided, …).
    services: list[ServiceStatus] = field(default_factory=list)


def case_overview(session: Session, services: Services, actor: Actor, case_id: str) -> CaseOverview:
    """The case page's data; NotFound for a case the actor may not see. Records the view."""
    now = services.now()
    case = _load_case(session, case_id)
    tasks = list(session.scalars(select(Task).where(Task.case_id == case_id)))
    view = case_view(actor, case, tasks, now) if case is not None else None
    if case is None or view is None or not view.sees_case:
        raise NotFound("no such case")
    deadlines = list(case.deadlines) if view.shows(DEADLINES) else []
    history = read_models.history_of(session, case.id, view) if view.shows(TIMELINE) else []
    record(session, actor, "case.viewed", now, case.id)
    coordinates = view.coordinates
    consents = list(case.consents) if view.shows(CONSENTS) else []
    team_changed = any(event["action"] in TEAM_EVENTS for event in history)
    spoken, note = _languages(services, case, view)
    open_tasks = sorted(
        (t for t in tasks if t.state == "open" and view.shows(TASKS) and view.shows_task(t)),
        key=lambda t: (t.due_at is None, t.due_at or now, t.created_at),
    )
    shown_tasks = [t for t in tasks if view.shows_task(t)]
    version = case.process_version
    rules = rules_of_version(
        f"{version.process_id}:{version.content_hash}", lambda: version.sources
    )
    return CaseOverview(
        rule_to_confirm=unconfirmed_rule_for(rules, case.host_country, now.date()),
        services=service_statuses(services.cipher, tasks) if coordinates else [],
        case=case,
        summary=read_models.case_summary(session, case, tasks, deadlines, view),
        stage_name=process_names(case.process_version).get(case.stage or "", case.stage),
        team=[
            {
                "role": m.role,
                "organisation": m.organisation.name,
                "slug": m.organisation.slug,
                "yours": m.organisation_id == actor.organisation_id,
            }
            for m in sorted(case.team, key=lambda m: (m.role != "coordinator", m.role))
            if view.shows(TEAM)
        ],
        open_tasks=[
            {
                "id": t.id,
                "name": t.name,
                "title": t.title,
                "organisation": t.organisation.name,
                "yours": t.organisation_id == actor.organisation_id,
                "holder": t.claimed_by.username if t.claimed_by else None,
                "due_at": t.due_at,
                "row": t,
            }
            for t in open_tasks
        ],
        deadlines=_deadlines(services, deadlines, tasks),
        languages=spoken,
        languages_note=note,
        history=history,
        task_titles={t.name: t.title for t in shown_tasks},
        coordinates=coordinates,
        notes=notes_of(session, services, actor, case.id, view),
        consents=[ConsentView(c, status_of(c, now)) for c in _newest_first(consents)],
        messages=messages_in(case.process_version) if case.status == "open" else frozenset(),
        tasks=tasks,
        directory=(
            list_organisations(session)
            if (coordinates and case.status == "open") or team_changed
            else []
        ),
        view=view,
        grants=grant_views(case, now) if view.shows(CONSENTS) else [],
        readers=read_models.readers_of(session, case.id) if view.shows(READS) else [],
        rights_sessions=_rights_sessions(services, actor, tasks, coordinates),
    )


def _newest_first(consents: list[Any]) -> list[Any]:
    return sorted(consents, key=lambda c: (c.given_at, c.id), reverse=True)


def _load_case(session: Session, case_id: str) -> Case | None:
    if not isinstance(case_id, str):
        return None
    query = (
        select(Case)
        # One statement for the case, its team, deadlines, consents and legal bases (a few
        # rows each: the access policy needs the last two), and without the workflow
        # state, which the page does not need.
        .options(
            defer(Case.state),
            joinedload(Case.team),
            joinedload(Case.deadlines),
            joinedload(Case.consents),
            joinedload(Case.access_grants),
        )
        .where(Case.id == case_id)
    )
    return session.scalars(query).unique().one_or_none()


def _languages(services: Services, case: Case, view: CaseView) -> tuple[list[str], str]:
    if not view.shows_field("languages"):
        return [], ""  # she did not agree to share them with this organisation
    try:
        profile = decrypt_profile(services, case)
        if profile is None:  # saved before profiles: read the workflow this once more
            profile = profile_of(load_workflow(services, case))
    except EngineError:
        return [], ""
    return languages(profile), languages_note(profile)


def _rights_sessions(
    services: Services, actor: Actor, tasks: list[Task], coordinates: bool
) -> list[dict[str, Any]]:
    """Completed `inform_rights` tasks, newest first, from each task's own submitted data
    (the workflow keeps only the latest session's answers). The coordinator sees all;
    another organisation only the sessions it recorded."""
    sessions = []
    for task in tasks:
        if task.name != RIGHTS_TASK or task.state != "completed" or not task.data:
            continue
        if not coordinates and task.organisation_id != actor.organisation_id:
            continue
        try:
            data = services.cipher.decrypt_json(task.data, task.id)
        except (EngineError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        sessions.append(
            {
                "at": task.completed_at,
                "language": data.get("language"),
                "interpreter_used": data.get("interpreter_used"),
                "leaflet_version": data.get("leaflet_version"),
                "leaflet_language": data.get("leaflet_language"),
                "topics": data.get("topics") or [],
            }
        )
    return sorted(
        sessions, key=lambda item: item["at"].timestamp() if item["at"] else 0.0, reverse=True
    )


def _deadlines(
    services: Services, deadlines: list[Deadline], tasks: list[Task]
) -> list[DeadlineView]:
    by_id = {t.id: t for t in tasks}
    views = []
    for deadline in deadlines:
        view = DeadlineView(subject=deadline.subject, due_at=deadline.due_at)
        if deadline.subject == REFLECTION_END:
            started = _start_date(services, by_id.get(deadline.set_by_task_id or ""))
            start = (
                datetime.combine(started, datetime.min.time(), deadline.due_at.tzinfo)
                if started
                else deadline.created_at
            )
            view.started_on = started
            view.standard_end = start + NETWORK_STANDARD
            shortfall = view.standard_end - deadline.due_at
            view.short_by_days = max(shortfall.days, 0)
        views.append(view)
    return views


def _start_date(services: Services, task: Task | None) -> date | None:
    """The start date recorded with the decision that set the deadline, if any."""
    if task is None or not task.data:
        return None
    try:
        data = services.cipher.decrypt_json(task.data, task.id) or {}
        return date.fromisoformat(str(data.get("start_date")))
    except (EngineError, ValueError):
        return None
