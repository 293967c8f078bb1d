"""Versions that can be trusted: a diagram saved again unchanged is not a new version, any
deployed version can be made current again for new cases while running cases stay on
theirs, and what changed between two versions reads as tasks added, removed, changed.

Each test deploys the demo diagram under a process id of its own, because the process
library outlives a test."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from engine import versions
from engine.audit import Actor
from engine.models import AuditEvent, Case
from tests.factories.database import DATA, START
from tests.factories.scheduler import open_case, staff

DEMO = (DATA / "demo_case.bpmn").read_bytes()
ADMIN = Actor(user_id=None, organisation_id=None, username="admin-anna")


def variant(process_id: str, *replacements: tuple[bytes, bytes]) -> dict[str, bytes]:
    text = DEMO.replace(b'id="demo_case"', f'id="{process_id}"'.encode(), 1)
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return {f"{process_id}.bpmn": text}


def deploy(session, files: dict[str, bytes], minutes: int = 0) -> versions.Deployed:
    [deployed] = versions.deploy_files(session, files, START + timedelta(minutes=minutes), ADMIN)
    session.commit()
    return deployed


SHORTER_DUE = (
    b'<spiffworkflow:property name="due" value="PT24H"/>',
    b'<spiffworkflow:property name="due" value="PT12H"/>',
)


def test_a_diagram_saved_again_with_only_layout_and_formatting_changed_is_not_a_new_version(
    session,
):
    first = deploy(session, variant("versions_layout"))
    moved = variant("versions_layout")
    [(name, text)] = moved.items()
    text = re.sub(rb' x="(\d+)"', lambda m: b' x="%d"' % (int(m.group(1)) + 40), text)
    text = text.replace(b"\n", b"\n    ").replace(
        b'<bpmn:userTask id="immediate_safety" name="Arrange immediate safety">',
        b'<bpmn:userTask name="Arrange immediate safety"   id="immediate_safety">',
    )

    again = deploy(session, {"renamed.bpmn": text}, minutes=1)

    assert first.created and (again.version, again.created) == (first.version, False)
    assert [
        v.version for v in versions.list_versions(session) if v.process_id == "versions_layout"
    ] == [1]


def test_a_changed_due_time_is_a_new_version_that_new_cases_start_on(session, services):
    deploy(session, variant("versions_due"))
    second = deploy(session, variant("versions_due", SHORTER_DUE), minutes=1)
    coordinator = staff(session, "coordinator", "se-roks")

    case = open_case(session, services, coordinator, process_id="versions_due")

    assert (second.version, second.created) == (2, True)
    assert case.process_version.version == 2
    assert versions.current_version(session, "versions_due").version == 2


def test_rolling_back_makes_new_cases_start_on_the_earlier_version_and_running_ones_stay(
    session, services
):
    deploy(session, variant("versions_rollback"))
    deploy(session, variant("versions_rollback", SHORTER_DUE), minutes=1)
    coordinator = staff(session, "coordinator", "se-roks")
    on_second = open_case(session, services, coordinator, process_id="versions_rollback")

    versions.activate(session, "versions_rollback", 1, START + timedelta(hours=1), ADMIN)
    session.commit()
    on_first = open_case(session, services, coordinator, process_id="versions_rollback")

    assert on_first.process_version.version == 1
    session.expire_all()
    assert session.get(Case, on_second.id).process_version.version == 2  # type: ignore[union-attr]
    rows = [r for r in versions.library_rows(session) if r["process"] == "versions_rollback"]
    assert [(r["version"], r["current"], r["running_cases"]) for r in rows] == [
        (1, True, 1),
        (2, False, 1),
    ]
    assert rows[0]["deployed_by"] == "admin-anna"
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "process.activated")
    ).all()[-1]
    assert event.detail["process_id"] == "versions_rollback"
    assert (event.detail["version"], event.detail["previous_version"]) == (1, 2)


def test_deploying_a_rolled_back_version_again_does_not_make_it_current_behind_her_back(
    session,
):
    deploy(session, variant("versions_again"))
    deploy(session, variant("versions_again", SHORTER_DUE), minutes=1)
    versions.activate(session, "versions_again", 1, START + timedelta(hours=1), ADMIN)
    session.commit()

    again = deploy(session, variant("versions_again", SHORTER_DUE), minutes=2)

    assert (again.version, again.created, again.current) == (2, False, False)
    assert versions.current_version(session, "versions_again").version == 1


def test_the_diff_between_two_versions_names_tasks_added_removed_and_changed(session):
    deploy(session, variant("versions_diff"))
    deploy(
        session,
        variant(
            "versions_diff",
            SHORTER_DUE,
            (b'name="Confirm non-punishment"', b'name="Confirm that she is not punished"'),
            (b'<spiffworkflow:property name="reminders" value="P2D"/>', b""),
        ),
        minutes=1,
    )
    old = versions.find_version(session, "versions_diff", 1)
    new = versions.find_version(session, "versions_diff", 2)

    diff = versions.diff_versions(old, new)

    assert diff.added == [] and diff.removed == []
    assert [(c.task, c.what, c.before, c.after) for c in diff.changed] == [
        ("immediate_safety", "due", "PT24H", "PT12H"),
        ("inform_rights", "reminders", "P2D", None),
        (
            "non_punishment_notice",
            "name",
            "Confirm non-punishment",
            "Confirm that she is not punished",
        ),
    ]
    assert "~ immediate_safety: due PT24H → PT12H" in diff.lines()


FOLLOW_UP = (
    (
        b'<bpmn:sequenceFlow id="f_end" sourceRef="inform_rights" targetRef="end"/>',
        b'<bpmn:sequenceFlow id="f_end" sourceRef="inform_rights" targetRef="follow_up_3_months"/>'
        b'<bpmn:userTask id="follow_up_3_months" name="Follow up after 3 months">'
        b"<bpmn:incoming>f_end</bpmn:incoming><bpmn:outgoing>f_followed</bpmn:outgoing>"
        b"</bpmn:userTask>"
        b'<bpmn:sequenceFlow id="f_followed" sourceRef="follow_up_3_months" targetRef="end"/>',
    ),
    (
        b'<bpmn:endEvent id="end"><bpmn:incoming>f_end</bpmn:incoming>',
        b'<bpmn:endEvent id="end"><bpmn:incoming>f_followed</bpmn:incoming>',
    ),
)


def test_a_task_added_in_one_version_shows_as_added_and_going_back_as_removed(session):
    deploy(session, variant("versions_tasks"))
    deploy(session, variant("versions_tasks", *FOLLOW_UP), minutes=1)
    first = versions.find_version(session, "versions_tasks", 1)
    second = versions.find_version(session, "versions_tasks", 2)

    forward, backward = versions.diff_versions(first, second), versions.diff_versions(second, first)

    assert forward.added == ["follow_up_3_months (Follow up after 3 months)"]
    assert backward.removed == forward.added and not backward.added
    assert "+ task follow_up_3_months (Follow up after 3 months)" in forward.lines()
