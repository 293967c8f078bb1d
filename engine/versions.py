"""The process library in the database: immutable, content-hashed process versions.

Deploying a folder (or a few files on top of it) builds every entry process's bundle;
a bundle whose content hash is new becomes the next version of that process. Running
cases keep the version they started with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.audit import Actor, record
from engine.bpmn.library import build_bundles, load_directory
from engine.bpmn.serializer import spec_objects, spec_to_json
from engine.errors import NotFound
from engine.models import ProcessVersion
from forms.registry import load_form


@dataclass(frozen=True)
class Deployed:
    process_id: str
    version: int
    created: bool
    warnings: tuple[str, ...] = ()


def form_exists(name: str) -> bool:
    """Whether `name` is a form of the library (a diagram may only use those)."""
    try:
        load_form(name)
    except NotFound:
        return False
    return True


def deploy_files(
    session: Session, files: Mapping[str, bytes], at: datetime, actor: Actor
) -> list[Deployed]:
    """Validate and deploy; raises InvalidProcess (nothing written) on any problem."""
    bundles = build_bundles(files, form_exists)
    results = []
    for process_id, bundle in sorted(bundles.items()):
        existing = session.scalar(
            select(ProcessVersion).where(
                ProcessVersion.process_id == process_id,
                ProcessVersion.content_hash == bundle.content_hash,
            )
        )
        if existing is not None:
            results.append(Deployed(process_id, existing.version, False, tuple(bundle.warnings)))
            continue
        latest = session.scalar(
            select(func.max(ProcessVersion.version)).where(ProcessVersion.process_id == process_id)
        )
        version = ProcessVersion(
            process_id=process_id,
            version=(latest or 0) + 1,
            name=bundle.name,
            content_hash=bundle.content_hash,
            sources=dict(bundle.sources),
            spec_json=spec_to_json(bundle.spec, bundle.subprocess_specs),
            start_form=bundle.start_form,
            deployed_at=at,
            deployed_by=actor.username,
        )
        session.add(version)
        session.flush()
        record(
            session,
            actor,
            "process.deployed",
            at,
            process_id=process_id,
            version=version.version,
            content_hash=bundle.content_hash,
        )
        results.append(Deployed(process_id, version.version, True, tuple(bundle.warnings)))
    return results


def deploy_directory(
    session: Session, path: Path, at: datetime, actor: Actor, extra: Mapping[str, bytes] = {}
) -> list[Deployed]:
    """Deploy every diagram in `path`, with `extra` files replacing same-named ones."""
    files = dict(load_directory(path))
    files.update(extra)
    return deploy_files(session, files, at, actor)


def latest_version(session: Session, process_id: str) -> ProcessVersion:
    version = session.scalar(
        select(ProcessVersion)
        .where(ProcessVersion.process_id == process_id)
        .order_by(ProcessVersion.version.desc())
        .limit(1)
    )
    if version is None:
        raise NotFound(f"process '{process_id}' is not deployed")
    return version


def list_versions(session: Session) -> list[ProcessVersion]:
    return list(
        session.scalars(
            select(ProcessVersion).order_by(ProcessVersion.process_id, ProcessVersion.version)
        )
    )


def specs_for(version: ProcessVersion):  # type: ignore[no-untyped-def]
    """The version's spec objects, deserialized once per process and cached."""
    return spec_objects(f"{version.process_id}:{version.content_hash}", lambda: version.spec_json)
