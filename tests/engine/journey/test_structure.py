"""The process library as diagrams: ids, roles, properties, messages and layout."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from engine.directory import ROLES as DIRECTORY_ROLES
from tests.factories.journey import PROCESSES, bundles, journey

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
ROLES = set(DIRECTORY_ROLES)
STAGES = (
    "identification",
    "reflection_period",
    "care_plan",
    "risk_and_decision",
    "safe_return",
    "residence",
    "compensation",
    "protection",
    "closing",
)
BPMN_FILES = sorted(PROCESSES.glob("*.bpmn"))
DMN_FILES = sorted(PROCESSES.glob("*.dmn"))

# Every human task named in JOURNEY.md: (process that holds it, role; None = role_variable).
JOURNEY_TASKS = {
    "immediate_safety": ("identification", "ngo_support"),
    "non_punishment_notice": ("identification", "police"),
    "inform_rights": ("identification", "coordinator"),
    "review_identification": ("victim_journey", "coordinator"),
    "request_reflection_period": ("reflection_period", "coordinator"),
    "grant_reflection_period": ("reflection_period", "migration"),
    "request_extension": ("reflection_period", "coordinator"),
    "decide_after_reflection": ("reflection_period", "coordinator"),
    "assess_needs": ("care_plan", "coordinator"),
    "provide_service": ("care_plan", None),
    "review_care_plan": ("care_plan", "coordinator"),
    "police_risk_input": ("risk_and_decision", "police"),
    "risk_assessment": ("risk_and_decision", "coordinator"),
    "her_decision": ("risk_and_decision", "coordinator"),
    "select_return_partner": ("safe_return", "coordinator"),
    "referral_consent": ("safe_return", "coordinator"),
    "safety_plan": ("safe_return", "coordinator"),
    "return_needs_assessment": ("safe_return", "return_partner"),
    "arrange_travel": ("safe_return", "coordinator"),
    "arrival_reception": ("safe_return", "return_partner"),
    "follow_up_3_months": ("safe_return", "return_partner"),
    "follow_up_6_months": ("safe_return", "return_partner"),
    "apply_residence_permit": ("residence", "legal_aid"),
    "residence_decision": ("residence", "migration"),
    # A refusal (residence permit or state fund) opens an appeal where it happens.
    "appeal": (("residence", "compensation"), "legal_aid"),
    "renew_residence_permit": ("residence", "legal_aid"),
    "non_punishment_check": ("identification", "coordinator"),
    "accept_referral": ("safe_return", "return_partner"),
    "transfer_case": ("victim_journey", "coordinator"),
    "child_protection_referral": ("identification", "social_services"),
    "appoint_guardian": ("identification", "social_services"),
    "plan_recovery_period": ("reflection_period", "coordinator"),
    "grant_extension": ("reflection_period", "migration"),
    # Each stage where danger can be reported opens the coordinator's alert there.
    "respond_to_alert": (
        ("identification", "risk_and_decision", "safe_return", "residence"),
        "coordinator",
    ),
    "integration_support": ("residence", "employment"),
    "inform_compensation_rights": ("compensation", "legal_aid"),
    "choose_compensation_route": ("compensation", "legal_aid"),
    "court_claim": ("compensation", "prosecutor"),
    "state_fund_application": ("compensation", "legal_aid"),
    "fund_decision": ("compensation", "compensation_authority"),
    "witness_protection": ("protection", "police"),
    "procedural_adaptations": ("protection", "prosecutor"),
}


def tree(path: Path) -> etree._ElementTree:
    return etree.parse(str(path))


def all_specs() -> dict[str, object]:
    bundle = journey()
    return {bundle.spec.name: bundle.spec, **bundle.subprocess_specs}


def user_task_specs() -> list[tuple[str, object]]:
    """(process id, task spec) of every human task in the journey."""
    found = []
    for process_id, spec in all_specs().items():
        for task_spec in spec.task_specs.values():
            if getattr(task_spec, "manual", False):
                found.append((process_id, task_spec))
    return found


def properties(task_spec: object) -> dict[str, str]:
    return (getattr(task_spec, "extensions", None) or {}).get("properties", {})


# --- the library -------------------------------------------------------------------------


def test_library_has_one_entry_process_without_warnings() -> None:
    built = bundles()
    assert set(built) == {"victim_journey"}
    bundle = built["victim_journey"]
    assert bundle.warnings == []
    assert bundle.start_form == "record_first_contact"
    assert set(bundle.sources) == {p.name for p in BPMN_FILES + DMN_FILES}


def test_every_file_passes_the_spiff_schema_validator() -> None:
    parser = SpiffBpmnParser(validator=VALIDATOR)
    for path in DMN_FILES:
        parser.add_dmn_xml(tree(path).getroot(), filename=path.name)
    for path in BPMN_FILES:
        parser.add_bpmn_xml(tree(path), filename=path.name)
    assert set(parser.get_process_ids()) >= {"victim_journey", *STAGES}
    parser.get_spec("victim_journey")
    assert set(STAGES) <= set(parser.get_subprocess_specs("victim_journey"))


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_one_executable_process_named_like_its_file(path: Path) -> None:
    processes = tree(path).getroot().findall("bpmn:process", NS)
    assert [p.get("id") for p in processes] == [path.stem]
    assert processes[0].get("isExecutable") == "true"


def test_the_start_form_is_record_first_contact() -> None:
    root = tree(PROCESSES / "victim_journey.bpmn").getroot()
    start = root.find("bpmn:process/bpmn:startEvent[@id='record_first_contact']", NS)
    assert start is not None
    assert start.find("bpmn:messageEventDefinition", NS) is None


# --- human tasks ---------------------------------------------------------------------------


@pytest.mark.parametrize("task_id", sorted(JOURNEY_TASKS))
def test_journey_task_exists_with_its_role(task_id: str) -> None:
    where, role = JOURNEY_TASKS[task_id]
    process_ids = (where,) if isinstance(where, str) else where
    found = [(pid, ts) for pid, ts in user_task_specs() if ts.bpmn_id == task_id]
    assert found, f"{task_id} is in no diagram"
    holders = {pid for pid, _ in found}
    # Tasks inside embedded (multi-instance / event) subprocesses live in their own spec.
    assert holders <= {*process_ids, "provide_services", "esp_new_information", "esp_transfer"}
    for process_id in process_ids:
        element = [
            el
            for p in BPMN_FILES
            if p.stem == process_id
            for el in tree(p).getroot().iter(f"{{{NS['bpmn']}}}userTask")
            if el.get("id") == task_id
        ]
        assert len(element) == 1, f"{task_id} must be one userTask in {process_id}.bpmn"
    for _, task_spec in found:
        if role is None:
            assert properties(task_spec).get("role_variable") == "service_role"
        else:
            assert task_spec.lane == role


def test_every_user_task_has_a_role_instructions_and_a_due_time() -> None:
    for process_id, task_spec in user_task_specs():
        props = properties(task_spec)
        where = f"{process_id}:{task_spec.bpmn_id}"
        assert task_spec.lane in ROLES or props.get("role_variable"), where
        assert (task_spec.documentation or "").strip(), where
        assert ("due" in props) != ("due_date" in props), where
        assert task_spec.bpmn_name, where


def test_legal_deadlines_and_their_reminders() -> None:
    specs = {ts.bpmn_id: ts for _, ts in user_task_specs()}
    grant = properties(specs["grant_reflection_period"])
    # A period ends at the end of its last day in the host country's time zone.
    assert (
        grant["deadline:reflection_period_end"]
        == "end_of_day(end_date, host_country) if granted else ''"
    )
    assert grant["deadline:reflection_period_end:reminders"] == "P30D,P14D,P7D"
    decision = properties(specs["residence_decision"])
    assert decision["deadline:residence_permit_expiry"] == "valid_until if granted else ''"
    assert decision["deadline:residence_permit_expiry:reminders"] == "P60D,P30D"
    assert decision["deadline:residence_appeal_deadline"] == "'' if granted else appeal_deadline"
    fund = properties(specs["fund_decision"])
    assert fund["deadline:fund_appeal_deadline"].startswith("appeal_deadline if outcome")
    assert properties(specs["provide_service"])["role_variable"] == "service_role"
    assert properties(specs["arrival_reception"])["due_date"] == "add_days(travel_date, 1)"


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_lanes_are_role_codes(path: Path) -> None:
    lanes = tree(path).getroot().findall(".//bpmn:lane", NS)
    assert lanes
    assert {lane.get("name") for lane in lanes} <= ROLES


# --- principles in the diagrams ---------------------------------------------------------------


def test_no_condition_reads_her_cooperation_and_care_plan_has_no_choice() -> None:
    for path in BPMN_FILES:
        for cond in tree(path).getroot().iter(f"{{{NS['bpmn']}}}conditionExpression"):
            assert "cooperates_with_authorities" not in (cond.text or ""), path.name
    # The care plan's only choices are a service's own status (still under way: ask for
    # an update) and whether a review added services: nothing about her.
    care_plan = tree(PROCESSES / "care_plan.bpmn").getroot()
    for cond in care_plan.iterfind(".//bpmn:conditionExpression", NS):
        assert cond.text in (
            'status in ("planned", "in_progress")',
            "True",
            "len(add_services) > 0",
        ), cond.text


def test_no_scripts_anywhere() -> None:
    for path in BPMN_FILES:
        root = tree(path).getroot()
        assert root.findall(".//bpmn:scriptTask", NS) == []
        assert root.findall(".//spiffworkflow:preScript", NS) == []
        assert root.findall(".//spiffworkflow:postScript", NS) == []


@pytest.mark.parametrize(
    ("message", "interrupting"),
    [
        ("new_information", False),
        ("protection_needed", False),
        ("withdraw", True),
        ("close_case", True),
    ],
)
def test_messages_start_event_subprocesses_in_the_journey(message: str, interrupting: bool) -> None:
    root = tree(PROCESSES / "victim_journey.bpmn").getroot()
    (definition,) = root.findall(f"bpmn:message[@name='{message}']", NS)
    starts = [
        el
        for el in root.iterfind(
            "bpmn:process/bpmn:subProcess[@triggeredByEvent='true']/bpmn:startEvent", NS
        )
        if el.find(f"bpmn:messageEventDefinition[@messageRef='{definition.get('id')}']", NS)
        is not None
    ]
    assert len(starts) == 1
    start = starts[0]
    assert (start.get("isInterrupting", "true") == "true") is interrupting
    variable = start.find(
        "bpmn:messageEventDefinition/bpmn:extensionElements/spiffworkflow:messageVariable", NS
    )
    assert variable is not None and variable.text == message


# --- diagram interchange ------------------------------------------------------------------------

FLOW_NODES = (
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "userTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
)


def _bounds(shape: etree._Element) -> tuple[float, float, float, float]:
    b = shape.find("dc:Bounds", NS)
    return tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))  # type: ignore


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_diagram_interchange_is_complete(path: Path) -> None:
    root = tree(path).getroot()
    shapes = {s.get("bpmnElement"): s for s in root.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    nodes = [el for tag in FLOW_NODES for el in root.iter(f"{{{NS['bpmn']}}}{tag}")]
    for el in nodes:
        assert el.get("id") in shapes, f"no shape for {el.get('id')}"
    for kind in ("lane", "participant"):
        for el in root.iter(f"{{{NS['bpmn']}}}{kind}"):
            assert el.get("id") in shapes, f"no shape for {kind} {el.get('id')}"
            assert el.get("name"), f"{kind} {el.get('id')} has no label"
    for flow in root.iter(f"{{{NS['bpmn']}}}sequenceFlow"):
        edge = edges.get(flow.get("id"))
        assert edge is not None, f"no edge for {flow.get('id')}"
        assert len(edge.findall("di:waypoint", NS)) >= 2
    # No two shapes of the same container overlap (boundary events sit on their host).
    by_container: dict[str, list[etree._Element]] = {}
    for el in nodes:
        if etree.QName(el).localname != "boundaryEvent":
            by_container.setdefault(el.getparent().get("id"), []).append(el)
    for siblings in by_container.values():
        boxes = [(el.get("id"), _bounds(shapes[el.get("id")])) for el in siblings]
        for i, (a, (ax, ay, aw, ah)) in enumerate(boxes):
            for b, (bx, by, bw, bh) in boxes[i + 1 :]:
                overlap = ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah
                assert not overlap, f"{a} overlaps {b}"
    # Left to right: every forward flow in the main chain moves right or down.
    starts = [el for el in root.iterfind("bpmn:process/bpmn:startEvent", NS)]
    assert starts
    start_x = min(_bounds(shapes[s.get("id")])[0] for s in starts)
    assert all(
        _bounds(shapes[el.get("id")])[0] >= start_x
        for el in nodes
        if el.getparent().tag == f"{{{NS['bpmn']}}}process"
    )
