"""Upgrading a library deployed before versions had a current flag and a model hash
(migration 0009): the newest version of each process becomes current, as it was in
effect, and a diagram re-saved unchanged is recognised as the version it already is."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import JSON, DateTime, column, insert, select, table

from engine.audit import Actor
from engine.bpmn.library import build_bundles
from engine.bpmn.serializer import spec_to_json
from engine.db import alembic_config, make_engine, make_sessionmaker
from engine.models import ProcessVersion
from engine.versions import deploy_files, form_exists, model_hash
from tests.factories.database import DATA, START

DEMO = (DATA / "demo_case.bpmn").read_bytes()
SHORTER_DUE = DEMO.replace(b'name="due" value="PT24H"', b'name="due" value="PT12H"', 1)


def test_the_newest_version_becomes_current_and_its_model_is_recognised(tmp_path: Path):
    url = f"sqlite:///{tmp_path}/old.db"
    command.upgrade(alembic_config(url), "0008")
    engine = make_engine(url)
    old_versions = [
        {
            "process_id": "demo_case",
            "version": number,
            "name": "Demonstration case",
            "content_hash": f"{number:064d}",
            "sources": {"demo_case.bpmn": content.decode()},
            "spec_json": spec_to_json(bundle.spec, bundle.subprocess_specs),
            "start_form": bundle.start_form,
            "deployed_at": START.replace(tzinfo=None),
            "deployed_by": "system",
        }
        for number, content in ((1, DEMO), (2, SHORTER_DUE))
        for bundle in [build_bundles({"demo_case.bpmn": content}, form_exists)["demo_case"]]
    ]
    # The table as it was before 0009 (the model has columns it did not have yet).
    types = {"sources": JSON(), "deployed_at": DateTime()}
    before = table("process_version", *(column(n, types.get(n)) for n in old_versions[0]))
    with engine.begin() as connection:
        connection.execute(insert(before), old_versions)

    # To the newest schema (0009 and what came after): the models below read all of it.
    command.upgrade(alembic_config(url), "head")

    with make_sessionmaker(engine)() as session:
        rows = session.scalars(select(ProcessVersion).order_by(ProcessVersion.version)).all()
        assert [(v.version, v.is_current) for v in rows] == [(1, False), (2, True)]
        assert rows[0].model_hash == model_hash(rows[0].spec_json, rows[0].start_form)
        reformatted = {"demo.bpmn": DEMO.replace(b"\n", b"\n  ")}
        [again] = deploy_files(session, reformatted, START, Actor.system())
        assert (again.version, again.created, again.current) == (1, False, False)
    engine.dispose()
