"""The cast of the authorization matrix: one Swedish case referred to MARTA in Latvia,
seen by each kind of organisation the access policy tells apart, with a distinctive
alias, story and note that only the coordinator and the shelter may ever read.

Three copies of the referral stand for the partner before, after and after the end of
her consent; every other actor looks at the consented one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import directory
from engine.accounts import users
from engine.case import consents, grants, notes, team
from engine.db.context import Services
from engine.models import Consent, Notification, Task
from tests.factories.case_walker import NO_RISK, Walker, staff, walk_to_her_decision
from tests.factories.consents import consent
from tests.factories.database import START
from tests.factories.pages import sign_in, sign_in_as_administrator
from tests.factories.people import make_user

ALIAS = "Zirkonia Quillfeather"
STORY = "She said the trafficker phones her sister in Daugavpils"
NOTE = "Kestrel note 4471: she sleeps at the second shelter"
SECRETS = (ALIAS, STORY, NOTE)

# actor → (username, organisation slug); the partner is one person on three cases.
PEOPLE = {
    "coordinator": ("anna", "se-roks"),
    "ngo_support": ("sara", "se-skr"),
    "agency_with_task": ("sven", "se-police"),
    "agency_without_task": ("mia", "se-migration"),
    "partner_before_consent": ("marta", "lv-marta"),
    "partner_after_consent": ("marta", "lv-marta"),
    "partner_after_withdrawal": ("marta", "lv-marta"),
    "foreign_organisation": ("liga", "lv-police"),
    "administrator": ("root", "dk-anti-trafficking-centre"),
}
ACTORS = (*PEOPLE, "anonymous")
# Who may read her alias, story and the team's notes.
TRUSTED = ("coordinator", "ngo_support")


@dataclass
class Cast:
    cases: dict[str, str]  # actor → the case it looks at
    tasks: dict[str, str]  # actor → an open task of the coordinator in that case
    consents: dict[str, int]
    grant: int
    notification: int
    version: int
    clients: dict[str, FlaskClient] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


def referral(session: Session, services: Services) -> Walker:
    walker = Walker(session, services, has_residence_right=True, alias=ALIAS, notes=STORY)
    roks = staff(session, "se-roks")
    team.assign_role(session, services, roks, walker.case.id, "ngo_support", "se-skr")
    walk_to_her_decision(walker, NO_RISK)
    walker.complete("her_decision", future="return")
    walker.complete("select_return_partner", return_partner="lv-marta", return_country="LV")
    return walker


def coordinator_task(session: Session, case_id: str) -> str:
    session.expire_all()
    roks = directory.organisation_by_slug(session, "se-roks").id
    task_id = session.scalar(
        select(Task.id).where(
            Task.case_id == case_id, Task.state == "open", Task.organisation_id == roks
        )
    )
    assert task_id is not None
    return task_id


def build_cast(app_client: FlaskClient, session: Session, services: Services) -> Cast:
    tokens = {}
    for actor, (username, slug) in PEOPLE.items():
        if username not in tokens:
            tokens[username] = make_user(session, username, slug, admin=actor == "administrator")
    make_user(session, "zed", "se-roks")  # the one the administrator's forms act on

    before = referral(session, services)
    after = referral(session, services)
    consent(after)
    withdrawn = referral(session, services)
    consent(withdrawn)
    roks = staff(session, "se-roks")
    ended = session.scalars(select(Consent).where(Consent.case_id == withdrawn.case.id)).one()
    consents.withdraw_consent(session, services, roks, withdrawn.case.id, ended.id)
    anna = users.actor_for(users.user_by_username(session, "anna"))
    for walker in (before, after, withdrawn):
        notes.add_note(session, services, anna, walker.case.id, NOTE, visibility="team")
    grant = grants.request_grant(
        session, services, anna, after.case.id, "se-health", "risk_to_life", "why", ["notes"], 3
    )
    notification = Notification(
        organisation_id=directory.organisation_by_slug(session, "se-roks").id,
        kind="reminder",
        case_id=after.case.id,
        subject="inform_rights",
        message="Inform her of her rights: due in 3 days",
        created_at=START + timedelta(minutes=1),
    )
    session.add(notification)
    session.commit()

    cases = {actor: after.case.id for actor in ACTORS}
    cases["partner_before_consent"] = before.case.id
    cases["partner_after_withdrawal"] = withdrawn.case.id
    by_case = {w.case.id: coordinator_task(session, w.case.id) for w in (before, after, withdrawn)}
    consent_ids: dict[str, Any] = {}
    for actor, case_id in cases.items():
        row = session.scalar(select(Consent.id).where(Consent.case_id == case_id))
        consent_ids[actor] = row or 1
    cast = Cast(
        cases=cases,
        tasks={actor: by_case[case_id] for actor, case_id in cases.items()},
        consents=consent_ids,
        grant=grant.id,
        notification=notification.id,
        version=after.case.process_version.version,
        tokens={actor: tokens[PEOPLE[actor][0]] for actor in PEOPLE},
    )
    app = app_client.application
    signed_in: dict[str, FlaskClient] = {}
    for actor, (username, _) in PEOPLE.items():
        client = app.test_client()
        if actor == "administrator":
            sign_in_as_administrator(client, username)
        else:
            sign_in(client, username)
        signed_in[actor] = client
    signed_in["anonymous"] = app.test_client()
    cast.clients = signed_in
    return cast
