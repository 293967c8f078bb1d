"""engine.bpmn.library: hostile files are refused, bad diagrams fail at deploy, not in a case."""

from __future__ import annotations

import pytest

from engine.bpmn.library import (
    MAX_FILE_BYTES,
    build_bundles,
    load_directory,
    parse_xml,
)
from engine.errors import InvalidProcess
from tests.factories.bpmn import DATA, bundles, library_files, linear, process_xml
from tests.factories.corpora import corpus

MIWG = corpus("miwg-reference")
END = '<bpmn:sequenceFlow id="f_end" sourceRef="work" targetRef="e"/><bpmn:endEvent id="e"/>'


def user_task(extra: str = "", attrs: str = "") -> str:
    return f'<bpmn:userTask id="work" {attrs}>{extra}</bpmn:userTask>'


def props(**values: str) -> str:
    items = "".join(
        f'<spiffworkflow:property name="{k.replace("__", ":")}" value="{v}"/>'
        for k, v in values.items()
    )
    return (
        f"<bpmn:extensionElements><spiffworkflow:properties>{items}"
        f"</spiffworkflow:properties></bpmn:extensionElements>"
    )


def refused(files: dict[str, bytes]) -> InvalidProcess:
    with pytest.raises(InvalidProcess) as caught:
        build_bundles(files)
    return caught.value


def line_of(data: bytes, needle: str) -> int:
    return (
        data.decode()
        .splitlines()
        .index(next(line for line in data.decode().splitlines() if needle in line))
        + 1
    )


# --- hostile XML ----------------------------------------------------------------------------

XXE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE definitions [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&xxe;</definitions>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<lolz>&lol3;</lolz>"""


def test_xxe_is_refused():
    error = pytest.raises(InvalidProcess, parse_xml, XXE, "xxe.bpmn").value
    assert "DOCTYPE" in error.reason and error.filename == "xxe.bpmn" and error.line == 2


def test_billion_laughs_is_refused():
    error = pytest.raises(InvalidProcess, parse_xml, BILLION_LAUGHS, "b.bpmn").value
    assert "DOCTYPE" in error.reason


def test_a_doctype_alone_is_refused():
    assert (
        pytest.raises(
            InvalidProcess, parse_xml, b'<!DOCTYPE x SYSTEM "http://evil/x.dtd"><x/>', "d.bpmn"
        ).value.line
        == 1
    )


def test_latin1_content_is_refused():
    data = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<x name="Malmö"/>'.encode("latin-1")
    error = pytest.raises(InvalidProcess, parse_xml, data, "latin.bpmn").value
    assert "UTF-8" in error.reason and error.line == 2


def test_a_non_utf8_declaration_is_refused_even_for_valid_bytes():
    data = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<x name="Malmö"/>'.encode()
    assert "encoding" in pytest.raises(InvalidProcess, parse_xml, data, "l.bpmn").value.reason
    utf16 = '<?xml version="1.0" encoding="UTF-16"?><x/>'.encode("utf-16")
    pytest.raises(InvalidProcess, parse_xml, utf16, "u.bpmn")


def test_a_declared_latin1_file_that_is_plain_ascii_reads_the_same_and_is_accepted():
    data = b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<x name="Malmo"/>'
    assert parse_xml(data, "ascii.bpmn").getroot().get("name") == "Malmo"


def test_malformed_xml_names_the_line():
    error = pytest.raises(InvalidProcess, parse_xml, b"<a>\n<b>\n</a>\n", "bad.bpmn").value
    assert error.filename == "bad.bpmn" and error.line == 3
    assert str(error).startswith("bad.bpmn:3: malformed XML")


def test_oversized_files_are_refused():
    data = b"<x>" + b" " * MAX_FILE_BYTES + b"</x>"
    assert "larger" in pytest.raises(InvalidProcess, parse_xml, data, "big.bpmn").value.reason


def test_a_hostile_file_is_refused_by_build_bundles_too():
    files = library_files() | {"evil.bpmn": XXE}
    assert refused(files).filename == "evil.bpmn"


# --- bundles ----------------------------------------------------------------------------------


def test_entry_processes_are_the_ones_nobody_calls():
    assert sorted(bundles()) == ["bpmn_cycle", "bpmn_journey", "bpmn_timer"]


def test_a_bundle_holds_every_file_its_process_needs():
    journey = bundles()["bpmn_journey"]
    assert sorted(journey.sources) == [
        "bpmn_country_rule.dmn",
        "bpmn_journey.bpmn",
        "bpmn_stage.bpmn",
    ]
    assert journey.sources["bpmn_stage.bpmn"] == (DATA / "bpmn_stage.bpmn").read_text()
    assert sorted(journey.subprocess_specs) == [
        "bpmn_on_new_information",
        "bpmn_on_withdraw",
        "bpmn_stage",
    ]
    assert journey.name == "Test journey" and journey.start_form == "record_first_contact"
    assert journey.spec.name == "bpmn_journey" and journey.warnings == []
    assert bundles()["bpmn_timer"].sources.keys() == {"bpmn_timers.bpmn"}
    assert bundles()["bpmn_timer"].start_form is None


def test_the_content_hash_changes_with_any_needed_file_and_only_then():
    files = library_files()
    before = build_bundles(files)
    changed = dict(files)
    changed["bpmn_country_rule.dmn"] = files["bpmn_country_rule.dmn"].replace(
        b'"other"', b'"elsewhere"'
    )
    after = build_bundles(changed)
    assert after["bpmn_journey"].content_hash != before["bpmn_journey"].content_hash
    assert after["bpmn_timer"].content_hash == before["bpmn_timer"].content_hash
    assert len(before["bpmn_journey"].content_hash) == 64


def test_load_directory_reads_bpmn_and_dmn_files_only(tmp_path):
    (tmp_path / "a.bpmn").write_bytes(b"<a/>")
    (tmp_path / "b.dmn").write_bytes(b"<b/>")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.bpmn").write_bytes(b"<c/>")
    assert load_directory(tmp_path) == {"a.bpmn": b"<a/>", "b.dmn": b"<b/>"}


# --- deploy-time lint ---------------------------------------------------------------------------


def test_a_valid_minimal_process_builds():
    data = process_xml(linear(user_task(props(form="f", due="P7D", reminders="P3D,P1D")) + END))
    assert list(build_bundles({"ok.bpmn": data})) == ["lint_case"]


def test_a_script_task_is_refused():
    body = linear(
        '<bpmn:scriptTask id="work"><bpmn:script>import os</bpmn:script></bpmn:scriptTask>' + END
    )
    data = process_xml(body)
    error = refused({"s.bpmn": data})
    assert "script tasks are not allowed" in error.reason
    assert error.filename == "s.bpmn" and error.line == line_of(data, "<bpmn:scriptTask")


def test_pre_and_post_scripts_are_refused():
    for tag in ("preScript", "postScript"):
        extra = (
            f"<bpmn:extensionElements><spiffworkflow:{tag}>x = 1</spiffworkflow:{tag}>"
            "</bpmn:extensionElements>"
        )
        assert tag in refused({"p.bpmn": process_xml(linear(user_task(extra) + END))}).reason


def test_an_unsafe_condition_is_refused_with_file_and_line():
    body = linear(
        '<bpmn:exclusiveGateway id="work" default="f_b"/>'
        '<bpmn:sequenceFlow id="f_a" sourceRef="work" targetRef="e">\n'
        "<bpmn:conditionExpression>__import__('os').system('id')</bpmn:conditionExpression>\n"
        "</bpmn:sequenceFlow>\n"
        '<bpmn:sequenceFlow id="f_b" sourceRef="work" targetRef="e"/><bpmn:endEvent id="e"/>'
    )
    data = process_xml(body)
    error = refused({"cond.bpmn": data})
    assert "__import__" in error.reason and "condition" in error.reason
    assert (error.filename, error.line) == ("cond.bpmn", line_of(data, 'id="f_a"'))


def test_a_missing_called_process_is_refused():
    data = process_xml(linear('<bpmn:callActivity id="work" calledElement="nowhere"/>' + END))
    error = refused({"call.bpmn": data})
    assert "'nowhere'" in error.reason and error.line == line_of(data, "<bpmn:callActivity")


def test_a_missing_decision_is_refused():
    task = (
        '<bpmn:businessRuleTask id="work"><bpmn:extensionElements><spiffworkflow:'
        "calledDecisionId>no_such_rule</spiffworkflow:calledDecisionId>"
        "</bpmn:extensionElements></bpmn:businessRuleTask>"
    )
    error = refused({"rule.bpmn": process_xml(linear(task + END))})
    assert "'no_such_rule'" in error.reason and error.line


def test_an_unquoted_timer_is_refused():
    timer = (
        '<bpmn:intermediateCatchEvent id="work"><bpmn:timerEventDefinition id="t">'
        "<bpmn:timeDuration>P90D</bpmn:timeDuration></bpmn:timerEventDefinition>"
        "</bpmn:intermediateCatchEvent>"
    )
    assert "must be quoted" in refused({"t.bpmn": process_xml(linear(timer + END))}).reason


def test_a_quoted_timer_must_still_be_a_valid_duration():
    timer = (
        '<bpmn:intermediateCatchEvent id="work"><bpmn:timerEventDefinition id="t">'
        '<bpmn:timeDuration>"90 days"</bpmn:timeDuration></bpmn:timerEventDefinition>'
        "</bpmn:intermediateCatchEvent>"
    )
    error = refused({"t.bpmn": process_xml(linear(timer + END))})
    assert "not a valid timeDuration" in error.reason


@pytest.mark.parametrize(
    "properties, message",
    [
        ({"due": "7 days"}, "not an ISO 8601 duration"),
        ({"reminders": "P3D,soon"}, "not an ISO 8601 duration"),
        ({"deadline__end": "P3D", "deadline__end__reminders": "tomorrow"}, "ISO 8601"),
        ({"due_date": "start.date"}, "attribute access"),
        ({"deadline__end": "__import__('os')"}, "__import__"),
        ({"role_variable": "a b"}, "not a variable name"),
        ({"deadline__": "x"}, "deadline:<subject>"),
    ],
)
def test_bad_human_task_properties_are_refused(properties, message):
    data = process_xml(linear(user_task(props(**properties)) + END))
    error = refused({"h.bpmn": data})
    assert message in error.reason and error.line


def test_a_user_task_in_no_lane_goes_to_the_coordinator_with_a_warning():
    data = process_xml(linear(user_task() + END)).replace(b'name="coordinator"', b'name=""')
    [bundle] = build_bundles({"lane.bpmn": data}).values()
    line = line_of(data, '<bpmn:userTask id="work"')
    assert any(f"lane.bpmn:{line}:" in w and "coordinator" in w for w in bundle.warnings)
    assert bundle.spec.task_specs["work"].lane == "coordinator"
    with_variable = process_xml(linear(user_task(props(role_variable="who")) + END))
    [bundle] = build_bundles(
        {"lane.bpmn": with_variable.replace(b'name="coordinator"', b'name=""')}
    ).values()
    assert not bundle.warnings


def test_multi_instance_expressions_are_checked():
    loop = (
        "<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>"
        "().__class__</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>"
    )
    assert (
        "loop cardinality"
        in refused({"mi.bpmn": process_xml(linear(user_task(loop) + END))}).reason
    )


def test_message_payload_expressions_are_checked():
    message = (
        '<bpmn:message id="m" name="ping"><bpmn:extensionElements><spiffworkflow:'
        "messagePayload>open('/etc/passwd')</spiffworkflow:messagePayload>"
        "</bpmn:extensionElements></bpmn:message>"
    )
    data = process_xml(linear(user_task() + END), extra_root=message)
    assert "message payload" in refused({"msg.bpmn": data}).reason


def test_an_interrupting_event_subprocess_must_start_with_a_message():
    esp = (
        '<bpmn:subProcess id="esp" triggeredByEvent="true"><bpmn:startEvent id="es">'
        '<bpmn:timerEventDefinition id="t"><bpmn:timeDuration>"P1D"</bpmn:timeDuration>'
        '</bpmn:timerEventDefinition></bpmn:startEvent><bpmn:sequenceFlow id="ef" '
        'sourceRef="es" targetRef="ee"/><bpmn:endEvent id="ee"/></bpmn:subProcess>'
    )
    error = refused({"esp.bpmn": process_xml(linear(user_task() + END + esp))})
    assert "interrupting" in error.reason


def test_schema_errors_from_spiffworkflow_carry_file_and_line():
    data = process_xml(linear(user_task() + END)).replace(b'sourceRef="work"', b'sourceRefx="work"')
    error = refused({"xsd.bpmn": data})
    assert error.filename == "xsd.bpmn" and error.line == line_of(data, 'id="f_end"')


def test_a_dmn_cell_with_code_is_refused():
    dmn = (
        (DATA / "bpmn_country_rule.dmn")
        .read_bytes()
        .replace(b'<text>"SE"</text>', b"<text>__import__('os')</text>")
    )
    error = refused(library_files() | {"bpmn_country_rule.dmn": dmn})
    assert error.filename == "bpmn_country_rule.dmn" and "__import__" in error.reason
    assert error.line == line_of(dmn, "__import__")


def test_a_broken_process_that_nobody_calls_is_not_silently_dropped():
    broken = process_xml(
        linear('<bpmn:scriptTask id="work"><bpmn:script>x</bpmn:script></bpmn:scriptTask>' + END),
        process_id="orphan",
    )
    assert refused(library_files() | {"orphan.bpmn": broken}).filename == "orphan.bpmn"


def test_a_file_without_an_executable_process_is_refused():
    data = process_xml(linear(user_task() + END)).replace(
        b'isExecutable="true"', b'isExecutable="false"'
    )
    assert "no executable process" in refused({"ne.bpmn": data}).reason


# --- the OMG reference diagrams, read in place --------------------------------------------------

MIWG_FILES = sorted(MIWG.glob("*.bpmn")) if MIWG.is_dir() else []


@pytest.mark.skipif(not MIWG_FILES, reason="MIWG reference diagrams not available")
@pytest.mark.parametrize("path", MIWG_FILES, ids=lambda p: p.name)
def test_reference_diagrams_parse_and_build_or_fail_cleanly(path):
    data = path.read_bytes()
    assert parse_xml(data, path.name).getroot() is not None
    try:
        build_bundles({path.name: data})
    except InvalidProcess as error:
        assert error.filename in (path.name, None)


def test_a_caught_message_without_a_variable_is_a_warning():
    message = '<bpmn:message id="m" name="ping"/>'
    catch = (
        '<bpmn:intermediateCatchEvent id="work"><bpmn:messageEventDefinition id="md" '
        'messageRef="m"/></bpmn:intermediateCatchEvent>'
    )
    [bundle] = build_bundles(
        {"w.bpmn": process_xml(linear(catch + END), extra_root=message)}
    ).values()
    assert any("payload is dropped" in warning for warning in bundle.warnings)
