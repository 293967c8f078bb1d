"""Versions of the reflection test diagram (tests/data/migration_reflection.bpmn) for the
migration tests: version 1 as it is, and later versions derived from it by text
replacement, each deployed under a process id of the test's own."""

from __future__ import annotations

from tests.factories.database import DATA

REFLECTION = (DATA / "migration_reflection.bpmn").read_bytes()

# Version 2 adds a care plan step after the reflection period.
CARE_PLAN_ADDED = (
    b'<bpmn:sequenceFlow id="f_decide" sourceRef="join" targetRef="her_decision"/>',
    b'<bpmn:sequenceFlow id="f_decide" sourceRef="join" targetRef="plan_care"/>'
    b'<bpmn:userTask id="plan_care" name="Plan her care"><bpmn:extensionElements>'
    b'<spiffworkflow:properties><spiffworkflow:property name="form" value="inform_rights"/>'
    b"</spiffworkflow:properties></bpmn:extensionElements>"
    b"<bpmn:incoming>f_decide</bpmn:incoming><bpmn:outgoing>f_planned</bpmn:outgoing>"
    b"</bpmn:userTask>"
    b'<bpmn:sequenceFlow id="f_planned" sourceRef="plan_care" targetRef="her_decision"/>',
)
CARE_PLAN_LANE = (
    b"<bpmn:flowNodeRef>her_decision</bpmn:flowNodeRef>",
    b"<bpmn:flowNodeRef>her_decision</bpmn:flowNodeRef><bpmn:flowNodeRef>plan_care</bpmn:flowNodeRef>",
)
INCOMING = (
    b"<bpmn:incoming>f_decide</bpmn:incoming>\n      <bpmn:outgoing>f_end",
    b"<bpmn:incoming>f_planned</bpmn:incoming>\n      <bpmn:outgoing>f_end",
)
# Version 3 drops immediate safety: a case waiting for it cannot move.
SAFETY_REMOVED = (
    b'<bpmn:sequenceFlow id="f_safety" sourceRef="split" targetRef="immediate_safety"/>',
    b'<bpmn:sequenceFlow id="f_safety" sourceRef="split" targetRef="join"/>',
)


# A reminder timer attached to immediate safety: a case already at that task did not
# arm it, so it cannot move.
BOUNDARY_ADDED = (
    b'<bpmn:parallelGateway id="join">',
    b'<bpmn:boundaryEvent id="safety_late" attachedToRef="immediate_safety" '
    b'cancelActivity="false"><bpmn:outgoing>f_late</bpmn:outgoing>'
    b'<bpmn:timerEventDefinition id="late_timer"><bpmn:timeDuration>"P2D"</bpmn:timeDuration>'
    b"</bpmn:timerEventDefinition></bpmn:boundaryEvent>"
    b'<bpmn:endEvent id="late_end"><bpmn:incoming>f_late</bpmn:incoming></bpmn:endEvent>'
    b'<bpmn:sequenceFlow id="f_late" sourceRef="safety_late" targetRef="late_end"/>'
    b'<bpmn:parallelGateway id="join">',
)
BOUNDARY_LANE = (
    b"<bpmn:flowNodeRef>end</bpmn:flowNodeRef>",
    b"<bpmn:flowNodeRef>end</bpmn:flowNodeRef><bpmn:flowNodeRef>safety_late</bpmn:flowNodeRef>"
    b"<bpmn:flowNodeRef>late_end</bpmn:flowNodeRef>",
)


def variant(process_id: str, *replacements: tuple[bytes, bytes]) -> dict[str, bytes]:
    text = REFLECTION.replace(b'id="migration_reflection"', f'id="{process_id}"'.encode(), 1)
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return {f"{process_id}.bpmn": text}


def without_safety(process_id: str) -> dict[str, bytes]:
    [(name, text)] = variant(process_id, SAFETY_REMOVED).items()
    start = text.index(b'<bpmn:userTask id="immediate_safety"')
    end = text.index(b"</bpmn:userTask>", start) + len(b"</bpmn:userTask>")
    text = text[:start] + text[end:]
    text = text.replace(b"<bpmn:flowNodeRef>immediate_safety</bpmn:flowNodeRef>", b"")
    text = text.replace(
        b'<bpmn:sequenceFlow id="f_safety_done" sourceRef="immediate_safety" targetRef="join"/>',
        b"",
    )
    text = text.replace(
        b"<bpmn:incoming>f_safety_done</bpmn:incoming>", b"<bpmn:incoming>f_safety</bpmn:incoming>"
    )
    return {name: text}


def reflection(process_id: str) -> dict[str, bytes]:
    """Version 1: immediate safety while the thirty-day timer runs, then her decision."""
    return variant(process_id)


def with_care_plan(process_id: str) -> dict[str, bytes]:
    """A care plan step after the reflection period: every running case can take it."""
    return variant(process_id, CARE_PLAN_ADDED, CARE_PLAN_LANE, INCOMING)


def with_boundary_timer(process_id: str) -> dict[str, bytes]:
    return variant(process_id, BOUNDARY_ADDED, BOUNDARY_LANE)


def without_timer(process_id: str) -> dict[str, bytes]:
    """The reflection period's timer gone: the split leads straight to the join."""
    [(name, text)] = variant(process_id).items()
    start = text.index(b'<bpmn:intermediateCatchEvent id="reflection_period"')
    end = text.index(b"</bpmn:intermediateCatchEvent>", start)
    text = text[:start] + text[end + len(b"</bpmn:intermediateCatchEvent>") :]
    for old, new in (
        (b"<bpmn:flowNodeRef>reflection_period</bpmn:flowNodeRef>", b""),
        (
            b'<bpmn:sequenceFlow id="f_wait" sourceRef="split" targetRef="reflection_period"/>',
            b'<bpmn:sequenceFlow id="f_wait" sourceRef="split" targetRef="join"/>',
        ),
        (
            b'<bpmn:sequenceFlow id="f_waited" sourceRef="reflection_period" targetRef="join"/>',
            b"",
        ),
        (b"<bpmn:incoming>f_waited</bpmn:incoming>", b"<bpmn:incoming>f_wait</bpmn:incoming>"),
    ):
        assert old in text, old
        text = text.replace(old, new, 1)
    return {name: text}
