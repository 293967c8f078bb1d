"""The case transactions: open a case, complete a task, claim it, deliver a message.

Each is one short transaction with one commit (see DESIGN.md): load, check, validate,
run the engine, save with the revision check, index, audit. Any failure rolls the
whole transaction back, so a case is never half-written.
"""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.bpmn import runtime
from engine.bpmn.clock import use_clock
from engine.case.access import is_coordinator, own_task, visible_case
from engine.case.consents import RETURN_REFERRAL, record_consent
from engine.case.drafts import drop_drafts
from engine.case.minors import with_minor_flag
from engine.case.non_punishment import CHECK_TASK as NON_PUNISHMENT_CHECK
from engine.case.non_punishment import record_police_basis
from engine.case.profile import alias_key, encrypt_profile
from engine.case.referral import check_return_partner, referral_declined, refuse_after_travel
from engine.case.risk import RISK_ASSESSMENT, check_police_answers
from engine.case.service_status import with_service
from engine.case.store import encrypt_state, fresh_workflow, load_workflow, save_workflow
from engine.case.task_index import redate_before_deadlines, sync_tasks
from engine.case.team import add_team_member
from engine.case.transfer import TRANSFER_TASK, check_transfer, hand_over
from engine.db.context import Services
from engine.db.unit_of_work import in_transaction
from engine.directory import default_team, organisation_by_slug
from engine.errors import Conflict, Forbidden, InvalidData, NotFound
from engine.models import Case, CaseTeamMember, Organisation, ProcessVersion, Task, User
from engine.retention.matching import record_match
from engine.schedule.legal_deadlines import record_deadlines
from engine.versions import current_version
from forms.validation import validate

CASE_PROCESS = "victim_journey"
START_FORM = "record_first_contact"
MESSAGES = (
    "new_information",
    "protection_needed",
    "withdraw",
    "close_case",
    "change_decision",
    "transfer",
)
COORDINATOR_MESSAGES = ("withdraw", "close_case", "change_decision", "transfer")
CLOSING_MESSAGES = ("withdraw", "close_case")
SELECT_PARTNER = "select_return_partner"
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_reference(country: str) -> str:
    return f"{country}-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))


def open_case(
    session: Session,
    services: Services,
    actor: Actor,
    data: Any,
    process_id: str = CASE_PROCESS,
) -> Case:
    def work() -> Case:
        version = current_version(session, process_id)
        cleaned = start_data(version, data, services.now())
        country = cleaned["host_country"]
        team = default_team(session, country)
        opener = session.get(Organisation, actor.organisation_id)
        if opener is not None and "coordinator" in opener.roles and opener.country == country:
            team["coordinator"] = opener  # the opener coordinates when it can
        return start_case(session, services, actor, version, cleaned, team)

    return in_transaction(session, work)


def start_data(version: ProcessVersion, data: Any, now: datetime) -> dict[str, Any]:
    """The start form's data, validated and flagged if she is a minor; it must name her
    host country."""
    cleaned = with_minor_flag(validate(version.start_form or START_FORM, data), now)
    if not isinstance(cleaned.get("host_country"), str):
        raise InvalidData("host country missing", {"host_country": "Required"})
    return cleaned


def start_case(
    session: Session,
    services: Services,
    actor: Actor,
    version: ProcessVersion,
    cleaned: dict[str, Any],
    team: dict[str, Organisation],
    is_test: bool = False,
) -> Case:
    """Create the case on `version` with `team` and run it to its first wait state;
    inside the caller's unit of work."""
    now = services.now()
    country = cleaned["host_country"]
    case = Case(
        id=str(uuid.uuid4()),
        reference=new_reference(country),
        process_version=version,
        status="open",
        host_country=country,
        revision=1,
        created_at=now,
        updated_at=now,
        opened_by_org_id=actor.organisation_id,
        team=[CaseTeamMember(role=r, organisation_id=o.id) for r, o in team.items()],
        is_test=is_test,
    )
    workflow = fresh_workflow(case)
    with use_clock(services.clock):
        runtime.start(workflow, cleaned)
    case.state = b""  # the real state once the task index is in step, below
    session.add(case)
    session.flush()
    if not is_test:  # made-up details must never match her real case, nor reveal it
        record_match(session, services.cipher, case.id, cleaned)
    sync_tasks(session, services, case, workflow)
    case.profile = encrypt_profile(services, case.id, workflow)
    case.alias_key = alias_key(services, workflow)
    case.state = encrypt_state(services, case.id, workflow)
    case.next_timer_at = runtime.next_timer_at(workflow)
    if runtime.is_finished(workflow):
        case.status, case.closed_at = "closed", now
    record(
        session,
        actor,
        "case.opened",
        now,
        case.id,
        reference=case.reference,
        process=version.process_id,
        version=version.version,
        **({"test": True} if is_test else {}),
    )
    return case


def complete_task(
    session: Session, services: Services, actor: Actor, task_id: str, data: Any
) -> Case:
    def work() -> Case:
        task = own_task(session, actor, task_id, services.now())
        _require_open(task, actor)
        cleaned = validate(task.form, data)
        case = task.case_file
        revision = case.revision
        workflow = load_workflow(services, case)
        try:
            properties = runtime.task_properties(workflow, task.id)
        except NotFound:
            # Our row said open, but the case moved on (and pruned the task) since.
            raise Conflict("this task was completed by someone else meanwhile") from None
        if task.name == SELECT_PARTNER:
            check_return_partner(session, task.case_file, cleaned)
        if task.name == TRANSFER_TASK:
            check_transfer(task.case_file, cleaned)
        if task.name == RISK_ASSESSMENT:
            cleaned = check_police_answers(runtime.task_data(workflow, task.id), cleaned)
        with use_clock(services.clock):
            deadlines = runtime.complete_task(workflow, task.id, cleaned)
        now = services.now()
        task.state, task.completed_at, task.completed_by_id = "completed", now, actor.user_id
        stored = with_service(services.cipher, task, cleaned)
        task.data = services.cipher.encrypt(json.dumps(stored, default=str).encode(), task.id)
        drop_drafts(session, task.id)
        record_deadlines(session, case, task, deadlines, properties, now)
        redate_before_deadlines(session, case, workflow, {s for s, _ in deadlines}, now)
        _apply_team_changes(
            session, actor, case, task.name, runtime.task_data(workflow, task.id), now
        )
        save_workflow(session, services, case, workflow, revision)
        record(session, actor, "task.completed", now, case.id, task=task.name, task_id=task.id)
        return case

    return in_transaction(session, work)


def _require_open(task: Task, actor: Actor) -> None:
    if task.state != "open":
        raise Conflict(f"this task is already {task.state}")
    if task.claimed_by_id not in (None, actor.user_id):
        holder = task.claimed_by.username if task.claimed_by else "someone else"
        raise Conflict(f"{holder} is working on this task")


def _apply_team_changes(
    session: Session, actor: Actor, case: Case, task_name: str, data: dict[str, Any], now: datetime
) -> None:
    """The return partner joins the team only once she has consented to the referral,
    and through a consent record of what she agreed to share, with whom, until when:
    before that the partner organisation sees nothing of the case. A test case never
    takes a real organisation on: its team stays the test organisation."""
    if case.is_test:
        return
    if task_name == "referral_consent" and data.get("consent_given") and data.get("return_partner"):
        slug = str(data["return_partner"])
        organisation = organisation_by_slug(session, slug)
        purpose = str(data.get("purpose") or RETURN_REFERRAL)
        record_consent(session, actor, case, organisation, "return_partner", data, purpose, now)
        add_team_member(session, case, "return_partner", slug)
    elif task_name == TRANSFER_TASK:
        hand_over(session, actor, case, data, now)
    elif task_name == NON_PUNISHMENT_CHECK:
        record_police_basis(session, actor, case, data, now)
    elif task_name == "accept_referral" and data.get("accepted") is False:
        referral_declined(session, actor, case, now)


def claim_task(session: Session, services: Services, actor: Actor, task_id: str) -> Task:
    def work() -> Task:
        task = own_task(session, actor, task_id, services.now())
        _require_open(task, actor)
        result = session.execute(
            update(Task)
            .where(Task.id == task.id, Task.state == "open", Task.claimed_by_id.is_(None))
            .values(claimed_by_id=actor.user_id)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1 and task.claimed_by_id != actor.user_id:  # type: ignore[attr-defined]
            raise Conflict("someone else took this task meanwhile")
        session.refresh(task)
        record(session, actor, "task.claimed", services.now(), task.case_id, task=task.name)
        return task

    return in_transaction(session, work)


def assign_task(
    session: Session, services: Services, actor: Actor, task_id: str, username: str
) -> Task:
    """Give an open task to a named colleague of the actor's organisation; the task must
    be free or held by the actor."""

    def work() -> Task:
        task = own_task(session, actor, task_id)
        _require_open(task, actor)
        colleague = session.scalar(
            select(User).where(
                User.username == username,
                User.organisation_id == actor.organisation_id,
                User.active.is_(True),
            )
        )
        if colleague is None:
            raise InvalidData(
                "no such colleague", {"assignee": "Choose a colleague of your organisation"}
            )
        result = session.execute(
            update(Task)
            .where(
                Task.id == task.id,
                Task.state == "open",
                or_(Task.claimed_by_id.is_(None), Task.claimed_by_id == actor.user_id),
            )
            .values(claimed_by_id=colleague.id)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("someone else took this task meanwhile")
        session.refresh(task)
        record(
            session,
            actor,
            "task.assigned",
            services.now(),
            task.case_id,
            task=task.name,
            assignee=colleague.username,
        )
        return task

    return in_transaction(session, work)


def unclaim_task(session: Session, services: Services, actor: Actor, task_id: str) -> Task:
    def work() -> Task:
        task = own_task(session, actor, task_id, services.now())
        if task.state != "open":
            raise Conflict(f"this task is already {task.state}")
        if task.claimed_by_id not in (None, actor.user_id):
            raise Conflict("only the person working on this task can release it")
        task.claimed_by_id, task.claimed_by = None, None
        record(session, actor, "task.released", services.now(), task.case_id, task=task.name)
        return task

    return in_transaction(session, work)


def deliver_message(
    session: Session, services: Services, actor: Actor, case_id: str, name: Any, data: Any
) -> Case:
    def work() -> Case:
        case = visible_case(session, actor, case_id, services.now())
        if name not in MESSAGES:
            raise InvalidData("unknown message", {"name": f"Use one of: {', '.join(MESSAGES)}"})
        if name in COORDINATOR_MESSAGES and not is_coordinator(case, actor):
            raise Forbidden("only the case coordinator can close a case or record her withdrawal")
        if case.status != "open":
            raise Conflict(f"the case is {case.status}")
        cleaned = validate(name, data if data is not None else {})
        if name == "change_decision":
            refuse_after_travel(session, case.id)
        revision = case.revision
        workflow = load_workflow(services, case)
        # What was open when she withdrew or the case closed: a reopened case goes on there.
        before = case.state if name in CLOSING_MESSAGES else None
        with use_clock(services.clock):
            runtime.send_message(workflow, name, cleaned)
        if name == "change_decision":
            referral_declined(session, actor, case, services.now(), "referral.ended_by_her_change")
        if name == "withdraw" and runtime.is_finished(workflow):
            case.status = "withdrawn"
        ended = before is not None and runtime.is_finished(workflow)
        save_workflow(
            session,
            services,
            case,
            workflow,
            revision,
            **({"state_before_closing": before} if ended else {}),
        )
        record(session, actor, "case.message", services.now(), case.id, message=name)
        return case

    return in_transaction(session, work)
