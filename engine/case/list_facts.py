"""What a list row says about her, so that a coordinator with twenty women can tell them
apart and see what is urgent: her alias (to those who may see it), an age band, flags
(an open alert, under 18, overdue) and the next deadline.

Read for one page of rows at a time: the page's cases with their profiles, their tasks
and deadlines in three queries, and one profile decryption per row. The alias and age
are shown only where the access policy (visibility.case_view) shows them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload, load_only, selectinload

from engine.audit import Actor
from engine.case import visibility
from engine.case.access import is_coordinator
from engine.case.alerts import ALERT_TASK
from engine.case.profile import decrypt_profile
from engine.db.context import Services
from engine.errors import EngineError
from engine.models import Case, CaseTeamMember, Deadline, Task


@dataclass(frozen=True)
class CaseFacts:
    reference: str = ""
    host_country: str | None = None
    stage: str | None = None  # the process id the case is in
    alias: str | None = None
    age_band: str | None = None  # under_18, 18_24, 25_34, 35_plus
    under_18: bool = False
    alert: bool = False
    overdue: bool = False
    next_deadline: datetime | None = None
    next_deadline_subject: str | None = None  # a task name or a legal deadline's subject


def age_band(year_of_birth: Any, now: datetime) -> str | None:
    if not isinstance(year_of_birth, int):
        return None
    age = now.year - year_of_birth
    if age < 18:
        return "under_18"
    if age < 25:
        return "18_24"
    if age < 35:
        return "25_34"
    return "35_plus"


def case_facts(
    session: Session, services: Services, actor: Actor, case_ids: Iterable[str], now: datetime
) -> dict[str, CaseFacts]:
    """Case id → what a list row shows of it, for the cases of one page."""
    ids = list(dict.fromkeys(case_ids))
    if not ids:
        return {}
    # Neither the workflow state nor the process version (its spec is large) is needed.
    cases = session.scalars(
        select(Case)
        .options(
            load_only(
                Case.id,
                Case.reference,
                Case.host_country,
                Case.stage,
                Case.status,
                Case.profile,
                Case.erased_at,
                Case.is_test,
            ),
            lazyload(Case.process_version),
            # The policy reads who is on the team, not the organisations' directory rows.
            selectinload(Case.team).lazyload(CaseTeamMember.organisation),
        )  # fmt: skip
        .where(Case.id.in_(ids))
    ).all()
    # Where the reader does not coordinate, the policy reads her consents and legal
    # bases too: one query each for those cases of the page, not one per case.
    others = [c.id for c in cases if not is_coordinator(c, actor)]
    if others:
        session.scalars(
            select(Case)
            .options(
                load_only(Case.id),
                lazyload(Case.process_version),
                selectinload(Case.consents),
                selectinload(Case.access_grants),
            )
            .where(Case.id.in_(others))
        ).all()
    tasks: dict[str, list[Task]] = defaultdict(list)
    # The columns the flags and the access policy read, without the joined organisation,
    # holder or encrypted data: a page of 50 cases holds hundreds of tasks.
    light = (
        load_only(
            Task.id, Task.case_id, Task.name, Task.role, Task.organisation_id, Task.state,
            Task.due_at, Task.created_at, Task.needs, Task.access_ended_at,
        ),
        lazyload(Task.organisation),
        lazyload(Task.claimed_by),
    )  # fmt: skip
    # Open tasks (the flags) and the reader's own (what the policy decides on); other
    # organisations' finished work says nothing about what this reader may see.
    mine_or_open = (Task.state == "open") | (Task.organisation_id == actor.organisation_id)
    query = select(Task).options(*light).where(Task.case_id.in_(ids), mine_or_open)
    for task in session.scalars(query):
        tasks[task.case_id].append(task)
    deadlines: dict[str, list[Deadline]] = defaultdict(list)
    for deadline in session.scalars(
        select(Deadline).where(Deadline.case_id.in_(ids), Deadline.due_at >= now)
    ):
        deadlines[deadline.case_id].append(deadline)
    return {
        case.id: _facts(services, actor, case, tasks[case.id], deadlines[case.id], now)
        for case in cases
    }


def _facts(
    services: Services,
    actor: Actor,
    case: Case,
    tasks: list[Task],
    deadlines: list[Deadline],
    now: datetime,
) -> CaseFacts:
    view = visibility.case_view(actor, case, tasks, now)
    about = view.shows(visibility.ABOUT)
    try:
        profile = (decrypt_profile(services, case) or {}) if about else {}
    except EngineError:
        profile = {}
    year = profile.get("year_of_birth") if view.shows_field("year_of_birth") else None
    band = age_band(year, now)
    shown = [
        t for t in tasks if not view.own_tasks_only or t.organisation_id == actor.organisation_id
    ]
    open_tasks = [t for t in shown if t.state == "open"]
    upcoming: list[tuple[datetime, str]] = [
        (t.due_at, t.name) for t in open_tasks if t.due_at is not None and t.due_at >= now
    ]
    if view.shows(visibility.DEADLINES):
        upcoming += [(d.due_at, d.subject) for d in deadlines]
    first = min(upcoming, default=None)
    alias = profile.get("alias") if view.shows_field("alias") else None
    return CaseFacts(
        reference=case.reference,
        host_country=case.host_country,
        stage=case.stage if case.status == "open" else None,
        alias=alias if isinstance(alias, str) and alias.strip() else None,
        age_band=band,
        under_18=band == "under_18"
        or (bool(profile.get("possibly_under_18")) and view.shows_field("possibly_under_18")),
        alert=view.shows(visibility.ALERTS) and any(t.name == ALERT_TASK for t in open_tasks),
        overdue=any(t.due_at is not None and t.due_at < now for t in open_tasks),
        next_deadline=first[0] if first else None,
        next_deadline_subject=first[1] if first else None,
    )
