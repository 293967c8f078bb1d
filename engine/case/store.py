"""Loading and saving a case's workflow.

Saving is an `UPDATE … WHERE revision = ?`: when another request changed the case
since it was loaded, nothing is written and the caller gets a Conflict. The task index
is brought in step in the same transaction (engine/case/task_index.py).
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine.bpmn import runtime
from engine.bpmn.clock import use_clock
from engine.bpmn.pruning import prune_history
from engine.bpmn.serializer import dump_state, load_state, new_workflow
from engine.case.profile import alias_key, encrypt_profile
from engine.case.task_index import sync_tasks
from engine.db.context import Services
from engine.errors import Conflict
from engine.models import Case
from engine.versions import specs_for


def load_workflow(services: Services, case: Case, state: bytes | None = None) -> BpmnWorkflow:
    """The case's workflow; from `state` (an earlier encrypted state of the same case,
    e.g. the one before it closed) when given."""
    if case.erased_at is not None:  # nothing left to load (engine/retention/erasure.py)
        raise Conflict("her personal data was erased under the retention rules")
    spec, subprocess_specs = specs_for(case.process_version)
    blob = services.cipher.decrypt(state if state is not None else case.state, case.id)
    with use_clock(services.clock):
        return load_state(blob, spec, subprocess_specs)


def fresh_workflow(case: Case) -> BpmnWorkflow:
    spec, subprocess_specs = specs_for(case.process_version)
    return new_workflow(spec, subprocess_specs)


def encrypt_state(services: Services, case_id: str, workflow: BpmnWorkflow) -> bytes:
    """The state to store: pruned of finished history (kept in the task index and the
    audit trail instead), serialized without its spec, encrypted to this case."""
    prune_history(workflow)
    return services.cipher.encrypt(dump_state(workflow), case_id)


def save_workflow(
    session: Session,
    services: Services,
    case: Case,
    workflow: BpmnWorkflow,
    expected_revision: int,
    **columns: Any,
) -> None:
    """Write the new state if the case is still at `expected_revision`, and re-index.

    The state before a migration (`previous_state`) is forgotten: once the case moves on,
    going back would lose what happened since. `columns` sets other columns in the same
    guarded update (a migration sets the version and what to go back to)."""
    now = services.now()
    sync_tasks(session, services, case, workflow)
    status = case.status
    if runtime.is_finished(workflow) and status == "open":
        status = "closed"
    values = {
        "profile": encrypt_profile(services, case.id, workflow),
        "alias_key": alias_key(services, workflow),
        "state": encrypt_state(services, case.id, workflow),
        "revision": expected_revision + 1,
        "next_timer_at": None if status != "open" else runtime.next_timer_at(workflow),
        "updated_at": now,
        "stage": case.stage,
        "status": status,
        "closed_at": now if status != "open" and case.closed_at is None else case.closed_at,
        "previous_state": None,
        "previous_version_id": None,
        **columns,
    }
    result = session.execute(
        update(Case)
        .where(Case.id == case.id, Case.revision == expected_revision)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("the case was changed by someone else meanwhile: reload it and try again")
    for key, value in values.items():  # already written: keep the ORM from writing it again
        set_committed_value(case, key, value)
