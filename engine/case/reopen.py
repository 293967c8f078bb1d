"""She comes back (JOURNEY correction 10): the coordinator reopens a withdrawn or closed
case instead of opening a new one. The case keeps its id, reference, team, history,
consents and legal deadlines, and nothing starts over: a case that ended by her
withdrawal or the coordinator's closing goes on from the state it was in just before
(`state_before_closing`): the steps open then are open again, at the organisation that
now holds their role and due anew from today, and a timer that fell due meanwhile
(the end of her reflection period) fires at the next tick. A case whose process ran to
its end, or that closed before that state was kept, runs its process again from the
opening with everything recorded about her, so the forms are pre-filled.
"""

from __future__ import annotations

import json
from datetime import datetime

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.bpmn import runtime
from engine.bpmn.clock import use_clock
from engine.case.access import is_coordinator, visible_case
from engine.case.store import fresh_workflow, load_workflow, save_workflow
from engine.case.task_index import due_at_for, redate_task
from engine.db.context import Services
from engine.db.unit_of_work import in_transaction
from engine.errors import Conflict, Forbidden, InvalidData, NotFound
from engine.models import Case, Task


def reopen_case(
    session: Session, services: Services, actor: Actor, case_id: str, reason: object
) -> Case:
    def work() -> Case:
        case = visible_case(session, actor, case_id)
        if not is_coordinator(case, actor):
            raise Forbidden("only the case coordinator can reopen a case")
        if case.status == "open":
            raise Conflict("the case is open")
        if case.erased_at is not None:  # past its retention: nothing of her is left to continue
            raise Conflict("the case is no longer retained: open a new case")
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidData("a reason is needed", {"reason": "Say why the case is reopened"})
        now = services.now()
        revision = case.revision
        if case.state_before_closing is not None:
            workflow = load_workflow(services, case, case.state_before_closing)
            _revive_open_steps(session, services, case, workflow, now)
        else:
            workflow = _from_the_opening(session, services, case, reason.strip(), now)
        case.status, case.closed_at = "open", None
        save_workflow(session, services, case, workflow, revision, state_before_closing=None)
        record(session, actor, "case.reopened", now, case.id, reason=reason.strip())
        return case

    return in_transaction(session, work)


def _revive_open_steps(
    session: Session, services: Services, case: Case, workflow: BpmnWorkflow, now: datetime
) -> None:
    """The steps that were open when the case ended, open again under their own ids."""
    team = {m.role: m.organisation_id for m in case.team}
    for task in session.scalars(
        select(Task).where(Task.case_id == case.id, Task.state == "cancelled")
    ):
        try:
            human = runtime.human_task(workflow, task.id)
        except NotFound:
            continue  # not open in the state it goes on from
        task.state, task.completed_at, task.claimed_by_id = "open", None, None
        task.escalated_at = None
        task.organisation_id = team.get(task.role, team["coordinator"])
        redate_task(session, task, due_at_for(session, case, human, now), now)
    session.flush()  # the task index reads the revived rows as open


def _from_the_opening(
    session: Session, services: Services, case: Case, reason: str, now: datetime
) -> BpmnWorkflow:
    known = runtime.workflow_data(load_workflow(services, case))
    # Parallel stages each held their own answers; the task index has them all.
    for task in session.scalars(
        select(Task)
        .where(Task.case_id == case.id, Task.state == "completed")
        .order_by(Task.completed_at)
    ):
        if task.data:
            known.update(json.loads(services.cipher.decrypt(task.data, task.id)))
    known["reopened"] = {"reason": reason, "at": now.isoformat()}
    workflow = fresh_workflow(case)
    with use_clock(services.clock):
        runtime.start(workflow, known)
    return workflow
