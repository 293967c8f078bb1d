"""Which parts of a case file an organisation sees: the one answer every page, API
response, history entry, diagram, export, e-mail and notification asks before showing
anything of a case (JOURNEY.md, correction 11).

`case_view` is the single entry point. Readers ask it once per request and show only
the parts (and, where `fields` is set, only the fields) it names. The rule:

- the coordinator sees everything (other organisations' private notes stay theirs);
- the `ngo_support` organisation sees the care parts while the case is open;
- any other organisation sees the case while a task of its own is there, and then only
  its own tasks and the fields those tasks declare they need (`needs`);
- on top of that, or alone, what she consented to share with the organisation, and what
  a confirmed legal basis allows, both until they end. A consent or grant may name a
  part (e.g. `notes`) as well as fields.

Being named on the case team gives no access by itself. Once the case is withdrawn or
closed only the coordinator (and a legal basis still in force) sees it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.audit import Actor
from engine.models import AccessGrant, Case, Consent, Task

# The sections of her case file.
ABOUT = "about"  # alias, age, origin, languages, first-contact answers
LEGAL = "legal"  # reflection or recovery period, permits, appeals
CARE_PLAN = "care_plan"
SAFETY = "safety"  # risk level, police input, safety plan
RETURN = "return"  # return or residence
COMPENSATION = "compensation"
ALERTS = "alerts"
STEPS = "steps"  # completed steps with who, when and their answers
TASKS = "tasks"  # open tasks (of every organisation, unless own_tasks_only)
DEADLINES = "deadlines"
TEAM = "team"
NOTES = "notes"
TIMELINE = "timeline"
DIAGRAM = "diagram"
# Who looked at the case, and the consents and legal bases: the coordinator's.
READS = "reads"
CONSENTS = "consents"

ALL_PARTS = frozenset(
    {
        ABOUT,
        LEGAL,
        CARE_PLAN,
        SAFETY,
        RETURN,
        COMPENSATION,
        ALERTS,
        STEPS,
        TASKS,
        DEADLINES,
        TEAM,
        NOTES,
        TIMELINE,
        DIAGRAM,
        READS,
        CONSENTS,
    }
)
# What the shelter needs to care for her; not her legal, return or compensation work.
CARE_PARTS = frozenset(
    {ABOUT, CARE_PLAN, SAFETY, ALERTS, DEADLINES, STEPS, TASKS, TEAM, NOTES, TIMELINE}
)
# Parts a consent or a legal basis may name besides fields.
SHAREABLE_PARTS = frozenset(ALL_PARTS - {READS, CONSENTS, TASKS, STEPS})
# An organisation working on the case through a task, a consent or a legal basis.
WORK_PARTS = frozenset({TASKS, STEPS, TIMELINE})

# Roles an organisation holds on a case only through her consent to share.
CONSENT_ROLES = ("return_partner",)
CARE_ROLE = "ngo_support"
COORDINATOR = "coordinator"
# The consent holds through the whole day she named, wherever the organisation is.
LAST_DAY = timedelta(days=1)
# Timeline events everyone who sees the case may see (without who or details).
STAGE_EVENTS = frozenset({"case.opened", "case.closed", "case.withdrawn"})


@dataclass(frozen=True)
class CaseView:
    """What one organisation may see of one case.

    `parts` names the sections shown. `fields`, when not None, limits the recorded values
    shown to these names (what she consented to share, what a task declares it needs);
    None means every field of the visible parts. `own_tasks_only` hides other
    organisations' tasks and steps. `organisation_id` is the viewer's organisation;
    `coordinates` says whether it coordinates the case; `basis` why it sees it."""

    parts: frozenset[str]
    fields: frozenset[str] | None = None
    own_tasks_only: bool = False
    organisation_id: int | None = None
    coordinates: bool = False
    basis: str = ""  # coordinator, ngo_support, task, consent, legal_basis

    @property
    def sees_case(self) -> bool:
        return bool(self.parts)

    def shows(self, part: str) -> bool:
        return part in self.parts

    def shows_field(self, name: str) -> bool:
        return self.fields is None or name in self.fields

    def shows_task(self, task: Task) -> bool:
        return not self.own_tasks_only or task.organisation_id == self.organisation_id

    def shows_event(self, action: str, organisation_id: int | None) -> bool:
        """A timeline entry: the coordinator's timeline is whole; everyone else sees its
        own organisation's events and the stage changes."""
        if TIMELINE not in self.parts:
            return False
        if self.coordinates:
            return True
        return organisation_id == self.organisation_id or action in STAGE_EVENTS

    def limit(self, data: dict[str, object]) -> dict[str, object]:
        """`data` with only the fields this view shows."""
        return {k: v for k, v in data.items() if self.shows_field(k)}


NOTHING = CaseView(parts=frozenset(), fields=frozenset(), own_tasks_only=True)


def consent_in_force(consent: Consent, now: datetime | None) -> bool:
    """Not withdrawn, and its last day not past (without `now`: as the scheduler's
    `expire_consents` left it)."""
    if consent.withdrawn_at is not None:
        return False
    return consent.valid_until is None or now is None or now < consent.valid_until + LAST_DAY


def grant_in_force(grant: AccessGrant, now: datetime | None) -> bool:
    """Confirmed, not ended, not past its end. Without `now` no grant counts: access
    beyond consent is never given on a guess about the time."""
    if now is None or grant.confirmed_at is None or grant.ended_at is not None:
        return False
    return now < grant.valid_until


def case_view(actor: Actor, case: Case, tasks: list[Task], now: datetime | None = None) -> CaseView:
    """The parts of `case` the actor's organisation sees, decided over rows already read
    (the case with its team, consents and grants, and all its tasks) at `now`, the
    services' clock: without it no legal basis counts and consents count until the
    scheduler ends them."""
    org = actor.organisation_id
    if actor.is_admin and case.is_test:
        # Administrators walk their test cases (engine/case/test_cases.py) whole: no
        # real organisation is on one, and none of it is about a real woman.
        return CaseView(ALL_PARTS, None, False, org, True, "test_case")
    if org is None:
        return NOTHING
    roles = {m.role for m in case.team if m.organisation_id == org}
    if COORDINATOR in roles:
        return CaseView(ALL_PARTS, None, False, org, True, COORDINATOR)
    granted = [g for g in case.access_grants if g.organisation_id == org and grant_in_force(g, now)]
    if case.status != "open" and not granted:
        return NOTHING
    consented = [c for c in case.consents if c.organisation_id == org and consent_in_force(c, now)]
    own_tasks = [
        t
        for t in tasks
        if t.organisation_id == org and t.role not in CONSENT_ROLES and t.access_ended_at is None
    ]
    if case.status != "open":
        consented, own_tasks = [], []
    names = _names(
        [n for t in own_tasks for n in t.needs or []],
        [n for c in consented for n in c.fields],
        [n for g in granted for n in g.fields],
    )
    shared_parts = names & SHAREABLE_PARTS
    if CARE_ROLE in roles and case.status == "open":
        return CaseView(CARE_PARTS | shared_parts, None, True, org, False, CARE_ROLE)
    if not (own_tasks or consented or granted):
        return NOTHING
    parts = WORK_PARTS | shared_parts
    fields = frozenset(names - ALL_PARTS)
    if fields:
        parts |= {ABOUT}
    basis = "legal_basis" if granted else "consent" if consented else "task"
    return CaseView(frozenset(parts), fields, True, org, False, basis)


def _names(*groups: Iterable[object]) -> frozenset[str]:
    return frozenset(str(name) for group in groups for name in group)
