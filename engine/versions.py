"""The process library in the database: immutable process versions, which one is current.

Deploying a folder (or a few files on top of it) builds every entry process's bundle;
a bundle whose canonical model (`model_hash`: the serialized spec without file names,
keys sorted, plus the start form) is new becomes the next version of that process and
the current one, the version new cases start on. A diagram saved again with only its
layout, whitespace or attribute order changed is the same model, not a new version.
Any approved version can be made current again (`activate`, a rollback); running cases
keep the version they started with. `diff_versions` says what changed for people.

With four eyes on (the default: NBASSIST_FOUR_EYES, engine/review.py), a changed model
of a process that already has versions is only *proposed*: it becomes current when an
administrator of another organisation approves it. A version that drops a task other
parts rely on (engine/relied_on.py) is refused unless those task ids are confirmed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from engine import form_library
from engine.audit import Actor, record
from engine.bpmn.library import build_bundles, load_directory
from engine.bpmn.serializer import spec_objects, spec_to_json
from engine.directory import TEST_ORGANISATION
from engine.errors import Conflict, NeedsConfirmation, NotFound
from engine.models import Case, Organisation, ProcessVersion, ReviewEntry, User
from engine.phrases import N_, catalogue
from engine.relied_on import dropped_relied_on
from engine.schedule.mail import MailSettings, enqueue
from engine.schedule.notifications import mail_addresses
from engine.version_diff import (  # noqa: F401 - re-exported: versions is where callers look
    HUMAN_TASK_TYPES,
    TaskChange,
    VersionDiff,
    diff_versions,
    human_tasks,
    source_changes,
)
from forms.imports import ConvertedForm, convert
from forms.registry import load_form, recorded_fields

PROPOSED, APPROVED, REJECTED = "proposed", "approved", "rejected"


@dataclass(frozen=True)
class Deployed:
    process_id: str
    version: int
    created: bool
    warnings: tuple[str, ...] = ()
    current: bool = True  # False: unchanged, and the same as a version no longer current
    review_state: str = APPROVED  # proposed: waits for another organisation's approval


def form_exists(name: str) -> bool:
    """Whether `name` is a form of the library (a diagram may only use those)."""
    try:
        load_form(name)
    except NotFound:
        return False
    return True


def field_known(name: str) -> bool:
    """Whether some form of the library records a value called `name` (a diagram's
    instructions may show only those, see engine/bpmn/placeholders.py)."""
    return name in recorded_fields()


def model_hash(spec_json: str, start_form: str | None) -> str:
    """The canonical model's hash: what a case runs, whatever the file looked like.

    The spec holds every element, flow, expression and property but no layout; file
    names are dropped (renaming a file changes nothing a case does) and keys sorted.
    Migration 0009 computes the same for the versions deployed before it.
    """
    model = {"spec": _without_file_names(json.loads(spec_json)), "start_form": start_form}
    return hashlib.sha256(json.dumps(model, sort_keys=True).encode()).hexdigest()


def _without_file_names(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_file_names(v) for k, v in value.items() if k != "file"}
    if isinstance(value, list):
        return [_without_file_names(v) for v in value]
    return value


def deploy_files(
    session: Session,
    files: Mapping[str, bytes],
    at: datetime,
    actor: Actor,
    *,
    four_eyes: bool = False,
    confirmed_removals: Collection[str] = (),
) -> list[Deployed]:
    """Validate and deploy; raises InvalidProcess (nothing written) on any problem, and
    NeedsConfirmation when a version would drop a relied-on task not in
    `confirmed_removals`. With `four_eyes`, a changed process is proposed, not current.

    An unchanged model answers with the version it is the same as and changes nothing,
    not even which version is current: going back is `activate`'s, and audited."""
    imported: dict[str, ConvertedForm] = {}

    def import_form(schema_file: str, text: str, ui_file: str | None, ui: str | None) -> str:
        form = convert(schema_file, text, ui_file, ui)
        imported[form.name] = form
        return form.name

    def known(name: str) -> bool:
        return field_known(name) or any(
            name in form.schema.get("properties", {}) for form in imported.values()
        )

    bundles = build_bundles(files, form_exists, import_form, known)
    form_library.store(session, imported.values(), at, actor)
    results = []
    for process_id, bundle in sorted(bundles.items()):
        spec_json = spec_to_json(bundle.spec, bundle.subprocess_specs)
        model = model_hash(spec_json, bundle.start_form)
        existing = session.scalar(
            select(ProcessVersion)
            .where(
                ProcessVersion.process_id == process_id,
                or_(
                    ProcessVersion.content_hash == bundle.content_hash,
                    ProcessVersion.model_hash == model,
                ),
            )
            .order_by(ProcessVersion.is_current.desc(), ProcessVersion.version.desc())
            .limit(1)
        )
        if existing is not None:
            results.append(
                Deployed(
                    process_id,
                    existing.version,
                    False,
                    tuple(bundle.warnings),
                    current=existing.is_current,
                    review_state=existing.review_state,
                )
            )
            continue
        latest = session.scalar(
            select(func.max(ProcessVersion.version)).where(ProcessVersion.process_id == process_id)
        )
        version = ProcessVersion(
            process_id=process_id,
            version=(latest or 0) + 1,
            name=bundle.name,
            content_hash=bundle.content_hash,
            model_hash=model,
            sources=dict(bundle.sources),
            spec_json=spec_json,
            start_form=bundle.start_form,
            deployed_at=at,
            deployed_by=actor.username,
            review_state=APPROVED,
        )
        previous = _current_or_none(session, process_id)
        dropped = _refuse_unconfirmed_drops(previous, version, confirmed_removals)
        # The first version of a process has nothing to compare with and no case on it.
        propose = four_eyes and latest is not None
        if propose:
            _propose(session, version, previous, at, actor)
        else:
            _clear_current(session, process_id)
            version.is_current = True
        session.add(version)
        session.flush()
        if propose:
            session.add(review_entry(session, version, "proposed", "", at, actor))
        record(
            session,
            actor,
            "process.proposed" if propose else "process.deployed",
            at,
            process_id=process_id,
            version=version.version,
            content_hash=bundle.content_hash,
            dropped_tasks_confirmed=dropped,
        )
        results.append(
            Deployed(
                process_id,
                version.version,
                True,
                tuple(bundle.warnings),
                current=version.is_current,
                review_state=version.review_state,
            )
        )
    return results


def _current_or_none(session: Session, process_id: str) -> ProcessVersion | None:
    try:
        return current_version(session, process_id)
    except NotFound:
        return None


def _refuse_unconfirmed_drops(
    previous: ProcessVersion | None, version: ProcessVersion, confirmed: Collection[str]
) -> list[str]:
    """The relied-on task ids the new version drops, all of them confirmed; otherwise
    NeedsConfirmation with the diff to show."""
    if previous is None:
        return []
    dropped = dropped_relied_on(human_tasks(previous.spec_json), human_tasks(version.spec_json))
    missing = [task for task in dropped if task not in set(confirmed)]
    if missing:
        raise NeedsConfirmation(
            f"the new version of {version.process_id} drops tasks that other parts rely on "
            f"({', '.join(missing)}); confirm that they are meant to go",
            dropped,
            diff_versions(previous, version).lines(),
        )
    return dropped


def _propose(
    session: Session,
    version: ProcessVersion,
    previous: ProcessVersion | None,
    at: datetime,
    actor: Actor,
) -> None:
    version.is_current = False
    version.review_state = PROPOSED
    version.proposed_by_org = organisation_slug(session, actor)
    version.proposed_over = previous.version if previous else None
    version.review_diff = (
        diff_versions(previous, version).lines()
        + source_changes(dict(previous.sources), dict(version.sources))
        if previous
        else []
    )
    _ask_for_approval(session, version, actor, at)


def _ask_for_approval(
    session: Session, version: ProcessVersion, actor: Actor, at: datetime
) -> None:
    """An e-mail to every administrator of another organisation (those who may approve),
    each in her language, in the transaction that records the proposal."""
    proposer = session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
    base_url = MailSettings.from_environment().base_url
    admins = mail_addresses(
        session,
        User.is_admin.is_(True),
        User.organisation_id != actor.organisation_id,
        Organisation.slug != TEST_ORGANISATION,
    )
    for email, locale in admins:
        words = catalogue(locale).gettext
        subject = f"[Nordic Baltic Assist] {words(APPROVAL_HEADING)}: {version.process_id}"
        body = "\n".join(
            [
                words(APPROVAL_TEXT).format(
                    organisation=proposer.name if proposer else "—",
                    version=version.version,
                    process=version.process_id,
                ),
                "",
                words("Review it: {link}").format(link=f"{base_url}/admin/proposals"),
            ]
        )
        enqueue(session, email, subject, body + "\n", at)


APPROVAL_HEADING = N_("A change waits for your approval")
APPROVAL_TEXT = N_(
    "{organisation} proposes version {version} of the process {process}. It goes live "
    "only when an administrator of another organisation approves it."
)
N_("Review it: {link}")


def organisation_slug(session: Session, actor: Actor) -> str | None:
    if actor.organisation_id is None:
        return None
    organisation = session.get(Organisation, actor.organisation_id)
    return organisation.slug if organisation else None


def review_entry(
    session: Session, version: ProcessVersion, kind: str, body: str, at: datetime, actor: Actor
) -> ReviewEntry:
    return ReviewEntry(
        process_version_id=version.id,
        at=at,
        username=actor.username,
        organisation=organisation_slug(session, actor),
        kind=kind,
        body=body,
    )


def _clear_current(session: Session, process_id: str) -> None:
    # Its own statement, flushed before the new current row is written, so that the
    # one-current-per-process index never sees two.
    session.execute(
        update(ProcessVersion)
        .where(ProcessVersion.process_id == process_id, ProcessVersion.is_current.is_(True))
        .values(is_current=False)
        .execution_options(synchronize_session="fetch")
    )


def deploy_directory(
    session: Session,
    path: Path,
    at: datetime,
    actor: Actor,
    extra: Mapping[str, bytes] = {},
    **options: Any,
) -> list[Deployed]:
    """Deploy every diagram in `path`, with `extra` files replacing same-named ones;
    `options` as for `deploy_files`."""
    files = dict(load_directory(path))
    files.update(extra)
    return deploy_files(session, files, at, actor, **options)


def latest_version(session: Session, process_id: str) -> ProcessVersion:
    """The highest-numbered version (what the editor builds on), current or not."""
    version = session.scalar(
        select(ProcessVersion)
        .where(ProcessVersion.process_id == process_id)
        .order_by(ProcessVersion.version.desc())
        .limit(1)
    )
    if version is None:
        raise NotFound(f"process '{process_id}' is not deployed")
    return version


def current_version(session: Session, process_id: str) -> ProcessVersion:
    """The version new cases of `process_id` start on."""
    version = session.scalar(
        select(ProcessVersion).where(
            ProcessVersion.process_id == process_id, ProcessVersion.is_current.is_(True)
        )
    )
    if version is None:
        raise NotFound(f"process '{process_id}' is not deployed")
    return version


def find_version(session: Session, process_id: str, number: int) -> ProcessVersion:
    version = session.scalar(
        select(ProcessVersion).where(
            ProcessVersion.process_id == process_id, ProcessVersion.version == number
        )
    )
    if version is None:
        raise NotFound(f"process '{process_id}' has no version {number}")
    return version


def activate(
    session: Session, process_id: str, number: int, at: datetime, actor: Actor
) -> ProcessVersion:
    """Make an approved version the one new cases start on (a rollback, or forward
    again); running cases stay on theirs. Audited; activating the current one is a no-op.
    A proposed or rejected version is refused: only an approval makes it current."""
    chosen = find_version(session, process_id, number)
    if chosen.is_current:
        return chosen
    if chosen.review_state != APPROVED:
        raise Conflict(
            f"{process_id} version {number} is {chosen.review_state}: only an approval by an "
            "administrator of another organisation makes a proposed version current"
        )
    previous = make_current(session, chosen)
    record(
        session,
        actor,
        "process.activated",
        at,
        process_id=process_id,
        version=number,
        previous_version=previous,
    )
    return chosen


def make_current(session: Session, chosen: ProcessVersion) -> int | None:
    """Move the current mark of its process to `chosen`; the version it was on."""
    previous = session.scalar(
        select(ProcessVersion.version).where(
            ProcessVersion.process_id == chosen.process_id, ProcessVersion.is_current.is_(True)
        )
    )
    _clear_current(session, chosen.process_id)
    session.execute(
        update(ProcessVersion)
        .where(ProcessVersion.id == chosen.id)
        .values(is_current=True)
        .execution_options(synchronize_session="fetch")
    )
    return previous


def running_cases(session: Session) -> dict[int, int]:
    """Open cases per process version id: one grouped count, no case loaded. Test cases
    (engine/case/test_cases.py) are not counted."""
    rows = session.execute(
        select(Case.process_version_id, func.count())
        .where(Case.status == "open", Case.is_test.is_(False))
        .group_by(Case.process_version_id)
    )
    return {version_id: int(n) for version_id, n in rows.all()}


def library_rows(session: Session) -> list[dict[str, Any]]:
    """`nbassist processes list --json` (API.md): one object per deployed version."""
    counts = running_cases(session)
    return [
        {
            "process": v.process_id,
            "version": v.version,
            "current": v.is_current,
            "deployed_at": v.deployed_at.isoformat(),
            "deployed_by": v.deployed_by,
            "running_cases": counts.get(v.id, 0),
            # proposed and rejected versions cannot be made current (four eyes)
            "review_state": v.review_state,
        }
        for v in list_versions(session)
    ]


def list_versions(session: Session) -> list[ProcessVersion]:
    return list(
        session.scalars(
            select(ProcessVersion).order_by(ProcessVersion.process_id, ProcessVersion.version)
        )
    )


def specs_for(version: ProcessVersion) -> tuple[BpmnProcessSpec, dict[str, Any]]:
    """The version's spec objects, deserialized once per process and cached."""
    return spec_objects(f"{version.process_id}:{version.content_hash}", lambda: version.spec_json)
