"""She comes back (JOURNEY correction 10): the coordinator reopens a withdrawn or closed
case instead of opening a new one. The case keeps its id, reference, team, history,
consents and legal deadlines; its process runs again from the opening, on the version
the case started on, with everything recorded about her so far, so that the forms are
pre-filled and safety and her rights are looked at anew.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.bpmn import runtime
from engine.bpmn.clock import use_clock
from engine.case.access import is_coordinator, visible_case
from engine.case.store import fresh_workflow, load_workflow, save_workflow
from engine.db.context import Services
from engine.db.unit_of_work import in_transaction
from engine.errors import Conflict, Forbidden, InvalidData
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
        known = runtime.workflow_data(load_workflow(services, case))
        # Parallel stages each held their own answers; the task index has them all.
        for task in session.scalars(
            select(Task)
            .where(Task.case_id == case.id, Task.state == "completed")
            .order_by(Task.completed_at)
        ):
            if task.data:
                known.update(json.loads(services.cipher.decrypt(task.data, task.id)))
        known["reopened"] = {"reason": reason.strip(), "at": now.isoformat()}
        workflow = fresh_workflow(case)
        with use_clock(services.clock):
            runtime.start(workflow, known)
        case.status, case.closed_at = "open", None
        save_workflow(session, services, case, workflow, revision)
        record(session, actor, "case.reopened", now, case.id, reason=reason.strip())
        return case

    return in_transaction(session, work)
