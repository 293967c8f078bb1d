"""Drive the victim journey through the engine runtime, by task name, on a fixed clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.bpmn import runtime
from engine.bpmn.clock import FixedClock, use_clock
from engine.bpmn.library import ProcessBundle, build_bundles, load_directory
from engine.bpmn.serializer import new_workflow

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
OPENED = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)

NO_RISK = {
    "contact_with_traffickers": False,
    "threats_received": False,
    "debts_to_traffickers": False,
    "family_at_risk": False,
    "previously_trafficked": False,
}


@lru_cache(maxsize=1)
def bundles() -> dict[str, ProcessBundle]:
    return build_bundles(load_directory(PROCESSES))


def journey() -> ProcessBundle:
    return bundles()["victim_journey"]


def first_contact(**overrides: Any) -> dict[str, Any]:
    """The data of a valid record_first_contact start form."""
    data = {
        "host_country": "SE",
        "contact_method": "outreach",
        "origin_country": "NG",
        "languages": ["en", "yo"],
        "has_residence_right": False,
        "cooperates_with_authorities": False,
        "indicators": ["debt_bondage", "confiscated_documents"],
        "immediate_needs": ["shelter", "medical"],
        "possibly_under_18": False,
    }
    data.update(overrides)
    return data


def iso(d: date | datetime) -> str:
    return d.date().isoformat() if isinstance(d, datetime) else d.isoformat()


class Case:
    """One running case with its own clock; tasks are addressed by their BPMN id."""

    def __init__(self, opened: datetime = OPENED, **start_data: Any) -> None:
        self.opened = opened
        self.clock = FixedClock(opened)
        bundle = journey()
        self.wf = new_workflow(bundle.spec, bundle.subprocess_specs)
        self.deadlines: dict[str, str] = {}
        with use_clock(self.clock):
            runtime.start(self.wf, first_contact(**start_data))

    # --- looking -------------------------------------------------------------------
    @property
    def now(self) -> datetime:
        return self.clock.now()

    @property
    def today(self) -> str:
        return iso(self.now)

    def day(self, n: int) -> str:
        """The ISO date n days after the case opened."""
        return iso(self.opened + timedelta(days=n))

    def ready(self, name: str | None = None) -> list[runtime.HumanTask]:
        with use_clock(self.clock):
            tasks = runtime.ready_human_tasks(self.wf)
        return [t for t in tasks if name is None or t.name == name]

    def names(self) -> list[str]:
        return sorted(t.name for t in self.ready())

    def count(self, name: str) -> int:
        return len(self.ready(name))

    def task(self, name: str, **match: Any) -> runtime.HumanTask:
        found = [t for t in self.ready(name) if all(t.data.get(k) == v for k, v in match.items())]
        assert len(found) == 1, f"expected one ready {name} {match}, ready: {self.names()}"
        return found[0]

    def _tasks(self, name: str, state: TaskState) -> list[Task]:
        # Every (sub)workflow on its own: a cancelled multi-instance task hides its
        # instances from a walk of the whole tree.
        return [
            t
            for w in (self.wf, *self.wf.subprocesses.values())
            for t in w.get_tasks(state=state, skip_subprocesses=True)
            if getattr(t.task_spec, "bpmn_id", None) == name
        ]

    def ever(self, name: str) -> bool:
        """Whether a task of this BPMN id exists in the case in any state but predicted."""
        states = (
            TaskState.READY
            | TaskState.COMPLETED
            | TaskState.WAITING
            | TaskState.STARTED
            | TaskState.CANCELLED
        )
        return bool(self._tasks(name, states))

    def cancelled(self, name: str) -> int:
        return len(self._tasks(name, TaskState.CANCELLED))

    @property
    def finished(self) -> bool:
        return runtime.is_finished(self.wf)

    def data(self) -> dict[str, Any]:
        return runtime.workflow_data(self.wf)

    # --- acting --------------------------------------------------------------------
    def complete(
        self, name: str, data: dict[str, Any] | None = None, **match: Any
    ) -> list[tuple[str, str]]:
        """Complete the one READY task `name` (matching `match` in its data) with `data`."""
        task = self.task(name, **match)
        with use_clock(self.clock):
            recorded = runtime.complete_task(self.wf, task.id, data or {})
        self.deadlines.update(recorded)
        return recorded

    # SpiffWorkflow fires a timer only once the clock is strictly past its time, so
    # both moves go one second further than asked.
    def advance(self, days: float = 0, **kwargs: float) -> None:
        self.clock.advance(timedelta(days=days, seconds=1, **kwargs))
        with use_clock(self.clock):
            runtime.fire_due_timers(self.wf)

    def advance_to(self, iso_date: str) -> None:
        """Move to 00:00:01 UTC of `iso_date` and fire what is due."""
        target = datetime.fromisoformat(iso_date).replace(tzinfo=UTC) + timedelta(seconds=1)
        assert target >= self.now, (iso_date, self.now)
        self.clock.set(target)
        with use_clock(self.clock):
            runtime.fire_due_timers(self.wf)

    def past_end_of(self, iso_date: str) -> None:
        """Move past the end of `iso_date` in every network time zone (UTC-0 Reykjavik is
        the last to end a day), and fire what is due."""
        self.advance_to(iso(date.fromisoformat(iso_date) + timedelta(days=1)))

    def send(self, message: str, payload: dict[str, Any] | None = None) -> None:
        with use_clock(self.clock):
            runtime.send_message(self.wf, message, payload or {})

    # --- common walks --------------------------------------------------------------
    def police_may_be_told(self) -> None:
        """The coordinator's non-punishment check, on her consent: the police's notice opens."""
        self.complete(
            "non_punishment_check",
            {"faces_charges": "no", "detention_or_removal": "none", "police_basis": "her_consent"},
        )

    def grant_reflection(self, days: int = 30) -> tuple[str, str]:
        self.complete("request_reflection_period", {"submitted": True})
        start, end = self.today, iso(self.now + timedelta(days=days))
        self.complete(
            "grant_reflection_period", {"granted": True, "start_date": start, "end_date": end}
        )
        return start, end

    def through_reflection(self, days: int = 30) -> None:
        """Reflection period granted, expires, the coordinator proceeds."""
        _, end = self.grant_reflection(days)
        self.past_end_of(end)
        self.complete(
            "decide_after_reflection", {"next_step": "proceed", "discussed_with_her": True}
        )

    def ready_for_decision(self) -> None:
        """Her needs assessed and her rights explained: what her decision waits for."""
        if self.count("assess_needs"):
            self.complete("assess_needs", {"services": ["safe_housing"]})
        if self.count("inform_rights") and not self.ever_completed("inform_rights"):
            self.complete("inform_rights", {"language": "en"})

    def ever_completed(self, name: str) -> bool:
        return bool(self._tasks(name, TaskState.COMPLETED))

    def assess_risk(self, **factors: bool) -> None:
        self.ready_for_decision()
        answers = {**NO_RISK, **factors}
        self.complete("police_risk_input", answers)
        self.complete("risk_assessment", answers)

    def decide(self, future: str, **extra: Any) -> None:
        self.complete(
            "her_decision",
            {"future": future, "explained_in_language": "en", "interpreter_used": False, **extra},
        )

    def to_her_decision(self, **factors: bool) -> None:
        self.through_reflection()
        self.assess_risk(**factors)
        assert self.count("her_decision") == 1, self.names()
