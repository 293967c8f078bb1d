"""Migrating running cases to another deployed version of their process.

An administrator chooses cases (one by reference, those of a host country or at a stage,
or all open cases on a version), sees per case whether it can move and why not (the dry
run: `plan`), and moves the safe ones in one action (`migrate`). Each case moves in a
transaction of its own with the revision check, so a case someone changed meanwhile is
reported and left where it was, and never blocks the others. A moved case keeps its
tasks, their ids and its timers' fire times (engine/bpmn/migration.py), and keeps the
state and version it came from until it next moves on: until then `revert` puts it back.
Everything is audited on the case; administrators see references and reasons (element
names), never what is recorded about her.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine.audit import Actor, record
from engine.bpmn import migration, runtime
from engine.bpmn.clock import use_clock
from engine.case.store import load_workflow, save_workflow
from engine.db.context import Services
from engine.db.unit_of_work import in_transaction
from engine.errors import Conflict, InvalidData, NotFound
from engine.models import Case, ProcessVersion, Task
from engine.versions import find_version, specs_for


@dataclass(frozen=True)
class Selection:
    """Which cases: the open cases of `process_id` on version `source`, narrowed to one
    reference, a host country or a stage (the process a case is in) when given."""

    process_id: str
    source: int
    target: int
    reference: str | None = None
    country: str | None = None
    stage: str | None = None


@dataclass(frozen=True)
class CasePlan:
    """One case in a dry run or a migration."""

    reference: str
    stage: str | None
    reasons: tuple[str, ...]  # why it cannot move: empty when it can
    migrated: bool = False

    @property
    def safe(self) -> bool:
        return not self.reasons

    def line(self) -> str:
        if self.migrated:
            return f"{self.reference}: migrated"
        if self.safe:
            return f"{self.reference}: safe to migrate"
        return f"{self.reference}: not migrated: " + "; ".join(self.reasons)


def _versions(session: Session, selection: Selection) -> tuple[ProcessVersion, ProcessVersion]:
    if selection.source == selection.target:
        raise InvalidData("the cases are already on that version", {"to": "Choose another version"})
    source = find_version(session, selection.process_id, selection.source)
    target = find_version(session, selection.process_id, selection.target)
    return source, target


def chosen_cases(session: Session, selection: Selection, source: ProcessVersion) -> list[Case]:
    query = select(Case).where(Case.process_version_id == source.id, Case.status == "open")
    if selection.reference:
        query = query.where(Case.reference == selection.reference.strip().upper())
    if selection.country:
        query = query.where(Case.host_country == selection.country.strip().upper())
    if selection.stage:
        query = query.where(Case.stage == selection.stage.strip())
    cases = list(session.scalars(query.order_by(Case.created_at, Case.id)))
    if selection.reference and not cases:
        raise NotFound(
            f"no open case {selection.reference.strip().upper()} runs on "
            f"{selection.process_id} version {selection.source}"
        )
    return cases


def _moved(services: Services, case: Case, target: ProcessVersion) -> Any:
    """The case's workflow moved onto `target` (`migration.Unsafe` if it cannot)."""
    spec, subprocess_specs = specs_for(target)
    workflow = load_workflow(services, case)
    with use_clock(services.clock):
        return migration.migrate(workflow, spec, subprocess_specs, f"version {target.version}")


def _reasons(services: Services, case: Case, target: ProcessVersion) -> tuple[str, ...]:
    # The dry run moves the case in memory, exactly as `migrate` will, and discards it.
    try:
        _moved(services, case, target)
    except migration.Unsafe as exc:
        return exc.reasons
    return ()


def plan(session: Session, services: Services, selection: Selection) -> list[CasePlan]:
    """The dry run: each chosen case, and why it cannot move (nothing is written)."""
    source, target = _versions(session, selection)
    return [
        CasePlan(case.reference, case.stage, _reasons(services, case, target))
        for case in chosen_cases(session, selection, source)
    ]


def migrate(
    session: Session, services: Services, actor: Actor, selection: Selection
) -> list[CasePlan]:
    """Move every chosen case that can move; each in its own transaction. Returns the
    plan of every chosen case, with `migrated` set on those that moved."""
    source, target = _versions(session, selection)
    case_ids = [case.id for case in chosen_cases(session, selection, source)]
    session.rollback()  # end the read: each case is read again inside its unit of work
    results = []
    for case_id in case_ids:
        results.append(_migrate_one(session, services, actor, case_id, source.id, target.id))
    moved = [r.reference for r in results if r.migrated]
    if moved:
        in_transaction(
            session,
            lambda: record(
                session,
                actor,
                "process.cases_migrated",
                services.now(),
                process_id=selection.process_id,
                from_version=selection.source,
                to_version=selection.target,
                cases=len(moved),
                not_migrated=len(results) - len(moved),
            ),
        )
    return results


def _migrate_one(
    session: Session,
    services: Services,
    actor: Actor,
    case_id: str,
    source_id: int,
    target_id: int,
) -> CasePlan:
    def work() -> CasePlan:
        case = session.get(Case, case_id)
        target = session.get(ProcessVersion, target_id)
        if case is None or target is None:
            raise NotFound("no such case")
        if case.status != "open" or case.process_version_id != source_id:
            return CasePlan(case.reference, case.stage, ("it changed meanwhile",))
        try:
            workflow = _moved(services, case, target)
        except migration.Unsafe as exc:
            return CasePlan(case.reference, case.stage, exc.reasons)
        before = case.process_version
        save_workflow(
            session,
            services,
            case,
            workflow,
            case.revision,
            process_version_id=target.id,
            previous_state=case.state,
            previous_version_id=before.id,
        )
        set_committed_value(case, "process_version", target)
        _retitle_open_tasks(session, case, workflow)
        record(
            session,
            actor,
            "case.migrated",
            services.now(),
            case.id,
            process_id=target.process_id,
            from_version=before.version,
            to_version=target.version,
        )
        return CasePlan(case.reference, case.stage, (), migrated=True)

    try:
        return in_transaction(session, work)
    except Conflict as exc:  # someone changed the case between reading and saving
        reference = session.scalar(select(Case.reference).where(Case.id == case_id))
        return CasePlan(reference or case_id, None, (exc.message,))


def _retitle_open_tasks(session: Session, case: Case, workflow: Any) -> None:
    """Open tasks keep their organisation and due time; their title and form are the
    version's the case is now on."""
    ready = {human.id: human for human in runtime.ready_human_tasks(workflow)}
    for task in session.scalars(select(Task).where(Task.case_id == case.id, Task.state == "open")):
        human = ready.get(task.id)
        if human is not None:
            task.title, task.form, task.process_id = human.title, human.form, human.process_id


def revert(session: Session, services: Services, actor: Actor, reference: str) -> Case:
    """Put a migrated case back on the version it came from, as it was, provided it has
    not moved on since (any step since its migration forgets the way back)."""

    def work() -> Case:
        case = session.scalar(select(Case).where(Case.reference == reference.strip().upper()))
        if case is None:
            raise NotFound(f"no case {reference}")
        if case.previous_state is None or case.previous_version_id is None:
            raise Conflict(
                f"{case.reference} cannot go back: it was not migrated, "
                "or it has moved on since its migration"
            )
        previous = session.get(ProcessVersion, case.previous_version_id)
        if previous is None:
            raise NotFound("the version it came from no longer exists")
        now_on = case.process_version
        set_committed_value(case, "process_version", previous)
        set_committed_value(case, "state", case.previous_state)
        workflow = load_workflow(services, case)
        save_workflow(
            session, services, case, workflow, case.revision, process_version_id=previous.id
        )
        _retitle_open_tasks(session, case, workflow)
        record(
            session,
            actor,
            "case.migration_reverted",
            services.now(),
            case.id,
            process_id=previous.process_id,
            from_version=now_on.version,
            to_version=previous.version,
        )
        return case

    return in_transaction(session, work)
