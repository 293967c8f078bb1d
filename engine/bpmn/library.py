"""Loading the process library: hardened XML parsing, validation and deploy-time lint.

Diagrams are uploaded by administrators and may be hostile, so every file is parsed by
our own hardened lxml parser first (no DTD, no entities, no network, a size cap, UTF-8
only), then validated against the BPMN/DMN schemas by SpiffWorkflow's parser, then
linted (engine.bpmn.lint) so that nothing fails for the first time inside a running
case. Across files it also refuses call activities that form a cycle (a process that
calls itself, directly or through others, would recurse forever) and, given a way to
look forms up, human tasks whose form is not in the form library. A human task in no
lane goes to the coordinator, with a warning. `build_bundles` returns one
`ProcessBundle` per entry process (an executable process no other process calls) with
the exact sources it needs, so a changed file becomes a new version of exactly the
processes that use it.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS as DMN_SCHEMAS
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from engine.bpmn import lint, placeholders
from engine.bpmn.event_subprocesses import INTERRUPTING
from engine.errors import InvalidProcess

MAX_FILE_BYTES = 5 * 1024 * 1024
# Who does a human task that is in no lane and names no role_variable.
DEFAULT_ROLE = "coordinator"
DMN_NAMESPACES = frozenset(DMN_SCHEMAS)

# A declared single-byte encoding is harmless when every byte is 7-bit ASCII: the file
# then reads identically as UTF-8 (several of the OMG reference diagrams are like this).
_ASCII_COMPATIBLE = frozenset(
    {
        "us-ascii",
        "ascii",
        "iso-8859-1",
        "latin-1",
        "latin1",
        "iso-8859-15",
        "windows-1252",
        "cp1252",
    }
)
_XML_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DTD_MARKUP = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
# SpiffWorkflow's parser, its shared XSD validator and lxml schema objects are not
# meant to be used from several threads at once; deploying is rare, so serialize it.
_BUILD_LOCK = threading.Lock()


@dataclass
class ProcessBundle:
    """Everything needed to deploy one entry process as an immutable version."""

    process_id: str
    name: str
    sources: dict[str, str]
    content_hash: str
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, Any]
    start_form: str | None
    warnings: list[str] = field(default_factory=list)


# --- hardened parsing --------------------------------------------------------------------


def _line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode_source(data: bytes, filename: str) -> str:
    """The text of a library file; InvalidProcess unless it is UTF-8."""
    body = data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidProcess(
            "file is not valid UTF-8; save it as UTF-8", filename, _line_at(body, exc.start)
        ) from None
    declared = _XML_DECLARATION.match(body)
    if declared:
        encoding = declared.group(1).decode("ascii").lower().replace("_", "-")
        if encoding not in ("utf-8", "utf8") and not (
            encoding in _ASCII_COMPATIBLE and body.isascii()
        ):
            raise InvalidProcess(
                f"declared encoding {encoding!r} is not supported; save the file as UTF-8",
                filename,
                1,
            )
    return text


def parse_xml(data: bytes, filename: str) -> etree._ElementTree:
    """Parse an uploaded BPMN/DMN file safely, or raise InvalidProcess with a line."""
    if not isinstance(data, bytes | bytearray):
        raise InvalidProcess("file content must be bytes", filename)
    data = bytes(data)
    if len(data) > MAX_FILE_BYTES:
        raise InvalidProcess(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB", filename)
    decode_source(data, filename)
    # Entity declarations only exist inside a DOCTYPE; refusing both outright rules out
    # XXE and entity expansion bombs whatever the parser settings.
    markup = _DTD_MARKUP.search(data)
    if markup:
        raise InvalidProcess(
            "DOCTYPE and ENTITY declarations are not allowed",
            filename,
            _line_at(data, markup.start()),
        )
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
    )
    try:
        root = etree.fromstring(data, parser)  # noqa: S320 - hardened parser above
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) and exc.lineno > 0 else None
        raise InvalidProcess(f"malformed XML: {exc.msg}", filename, line) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise InvalidProcess("DOCTYPE declarations are not allowed", filename, 1)
    return tree


def load_directory(path: Path) -> dict[str, bytes]:
    """Every *.bpmn and *.dmn file directly in `path`, by file name."""
    files: dict[str, bytes] = {}
    for entry in sorted(Path(path).iterdir()):
        if entry.is_file() and entry.suffix.lower() in (".bpmn", ".dmn"):
            if entry.stat().st_size > MAX_FILE_BYTES:
                raise InvalidProcess("file is larger than 5 MiB", entry.name)
            files[entry.name] = entry.read_bytes()
    return files


# --- building bundles --------------------------------------------------------------------


@dataclass
class _Library:
    """What build_bundles learns about the files before building bundles."""

    trees: dict[str, etree._ElementTree] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    bpmn_files: list[str] = field(default_factory=list)
    decision_files: dict[str, str] = field(default_factory=dict)  # decision id -> file
    warnings: dict[str, list[str]] = field(default_factory=dict)  # file -> warnings
    form_files: set[str] = field(default_factory=set)  # uploaded *.json beside the diagrams
    forms_used: dict[str, set[str]] = field(default_factory=dict)  # BPMN file -> form files
    # Whether a form records a value of that name (see _check_placeholders), if asked.
    field_known: Callable[[str], bool] | None = None
    recorded: set[str] | None = None  # names of values the files record, once asked


def _namespace(tree: etree._ElementTree) -> str:
    return etree.QName(tree.getroot()).namespace or ""


def _element_line(lib: _Library, filename: str | None, element_id: str) -> int | None:
    names = [filename] if filename in lib.trees else list(lib.trees)
    for name in names:
        for el in lib.trees[name].getroot().iter():
            if el.get("id") == element_id and isinstance(el.sourceline, int):
                return el.sourceline
    return None


def _as_invalid(exc: Exception, lib: _Library, default_file: str | None) -> InvalidProcess:
    """Turn any SpiffWorkflow parsing error into InvalidProcess with file and line."""
    if isinstance(exc, InvalidProcess):
        return exc
    filename = getattr(exc, "file_name", None) or default_file
    line = getattr(exc, "line_number", None)
    line = line if isinstance(line, int) and line > 0 else None
    node_id = getattr(exc, "id", None)
    if line is None and node_id:
        line = _element_line(lib, filename, node_id)
    message = str(exc.args[0]) if exc.args else type(exc).__name__
    if isinstance(exc, ValidationException) and node_id:
        message = f"{exc.tag} {node_id!r}: {message}"
    elif not isinstance(exc, ValidationException):
        message = f"{type(exc).__name__}: {message}"
    element_id = node_id if isinstance(node_id, str) and node_id else None
    return InvalidProcess(message, filename, line, element_id)


def _add_files(parser: SpiffBpmnParser, files: Mapping[str, bytes], lib: _Library) -> None:
    for filename in sorted(files):
        if filename.lower().endswith(".json"):  # a form file; read when a task names it
            lib.texts[filename] = decode_source(bytes(files[filename]), filename)
            lib.form_files.add(filename)
            continue
        tree = parse_xml(files[filename], filename)
        lib.trees[filename] = tree
        lib.texts[filename] = decode_source(bytes(files[filename]), filename)
        namespace = _namespace(tree)
        try:
            if namespace == lint.BPMN_NS:
                lint.refuse_data_stores(tree.getroot(), filename)
                parser.add_bpmn_xml(tree, filename)
                lib.bpmn_files.append(filename)
            elif namespace in DMN_NAMESPACES:
                lint.lint_dmn_document(tree.getroot(), filename)
                decision_id = lint.decisions_in(tree.getroot())[0].get("id")
                if decision_id in lib.decision_files:
                    raise InvalidProcess(
                        f"decision {decision_id!r} is also defined in "
                        f"{lib.decision_files[decision_id]}",
                        filename,
                        1,
                    )
                parser.add_dmn_xml(tree.getroot(), filename)
                parser.dmn_parsers[decision_id].parse()  # surface errors now, not at run time
                lib.decision_files[decision_id] = filename
            else:
                raise InvalidProcess(
                    f"not a BPMN 2.0 or DMN document (root namespace {namespace!r})",
                    filename,
                    tree.getroot().sourceline,
                )
        except Exception as exc:
            raise _as_invalid(exc, lib, filename) from None


# Given a task's form files (schema file, its text, UI file, its text), the name of the
# form imported for them; raises ValueError saying what is wrong with a file.
FormImporter = Callable[[str, str, str | None, str | None], str]


def _import_task_form(
    lib: _Library,
    import_form: FormImporter,
    filename: str,
    line: int | None,
    bpmn_id: str,
    properties: dict[str, Any],
) -> str:
    """The imported form for a task naming spiff-arena form files beside the diagram."""
    schema_file = str(properties.get("formJsonSchemaFilename") or "").strip()
    ui_file = str(properties.get("formUiSchemaFilename") or "").strip() or None
    for wanted in (schema_file, ui_file):
        if wanted is not None and wanted not in lib.form_files:
            raise InvalidProcess(
                f"human task {bpmn_id!r} names the form file {wanted!r}, which was not "
                "uploaded beside the diagram",
                filename,
                line,
            )
    try:
        name = import_form(
            schema_file, lib.texts[schema_file], ui_file, lib.texts[ui_file] if ui_file else None
        )
    except ValueError as exc:
        raise InvalidProcess(f"human task {bpmn_id!r}: {exc}", filename, line) from None
    lib.forms_used.setdefault(filename, set()).update(f for f in (schema_file, ui_file) if f)
    return name


def _check_human_tasks(
    lib: _Library,
    spec: BpmnProcessSpec,
    form_exists: Callable[[str], bool] | None,
    import_form: FormImporter | None = None,
) -> None:
    for task_spec in spec.task_specs.values():
        if not getattr(task_spec, "manual", False):
            continue
        properties = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
        bpmn_id = getattr(task_spec, "bpmn_id", None) or task_spec.name
        line = _element_line(lib, spec.file, bpmn_id)
        if not task_spec.lane and not properties.get("role_variable"):
            # The spec is serialized with the lane, so the runtime sees the coordinator.
            task_spec.lane = DEFAULT_ROLE
            warning = (
                f"{spec.file}:{line}: human task {bpmn_id!r} is in no lane and has no "
                f"'role_variable' property; it goes to the {DEFAULT_ROLE}"
            )
            if warning not in lib.warnings.setdefault(spec.file, []):
                lib.warnings[spec.file].append(warning)
        if import_form is not None and properties.get("formJsonSchemaFilename"):
            # The spec is serialized with the property, so the runtime sees this form.
            properties["form"] = _import_task_form(
                lib, import_form, spec.file, line, bpmn_id, properties
            )
            _check_placeholders(lib, task_spec, bpmn_id, spec.file, line)
            continue
        _check_placeholders(lib, task_spec, bpmn_id, spec.file, line)
        form = (properties.get("form") or properties.get("task") or "").strip() or bpmn_id
        if form_exists is not None and not form_exists(form):
            raise InvalidProcess(
                f"human task {bpmn_id!r} uses the form {form!r}, which is not in the form library",
                spec.file,
                line,
                bpmn_id,
            )


def _recorded_names(lib: _Library) -> set[str]:
    """Values the library itself records: decision table outputs, multi-instance items
    and data objects (form fields are known to the caller)."""
    names: set[str] = set()
    for tree in lib.trees.values():
        for path in (
            "//*[local-name()='output']/@name",
            "//*[local-name()='inputDataItem']/@name",
            "//*[local-name()='outputDataItem']/@name",
            "//*[local-name()='dataObject']/@id",
        ):
            names.update(str(n) for n in tree.xpath(path))
    return names


def _check_placeholders(
    lib: _Library, task_spec: Any, bpmn_id: str, filename: str, line: int | None
) -> None:
    """A placeholder in a task's instructions must name a value something records: the
    page would otherwise show a reader the bare name."""
    if lib.field_known is None:
        return
    if lib.recorded is None:
        lib.recorded = _recorded_names(lib)
    for name in placeholders.names_in(getattr(task_spec, "documentation", None)):
        if name not in lib.recorded and not lib.field_known(name):
            raise InvalidProcess(
                f"the instructions of human task {bpmn_id!r} show {{{name}}}, but no form, "
                "decision table or data item records a value called that",
                filename,
                line,
                bpmn_id,
            )


def _check_start_form(
    pid: str, process_parser: Any, form_exists: Callable[[str], bool] | None
) -> None:
    node = process_parser.node
    form = _start_form(node)
    if form and form_exists is not None and not form_exists(form):
        raise InvalidProcess(
            f"process {pid!r} starts with the form {form!r}, which is not in the form library",
            process_parser.filename,
            node.sourceline if isinstance(node.sourceline, int) else None,
            pid,
        )


def _check_call_cycles(lib: _Library, executable: Mapping[str, Any]) -> None:
    """Refuse a process that calls itself, directly or through others (it would recurse
    until the case exhausts memory), naming the cycle and the call that closes it."""
    calls: dict[str, list[etree._Element]] = {
        pid: list(p.node.iter(f"{{{lint.BPMN_NS}}}callActivity")) for pid, p in executable.items()
    }
    done: set[str] = set()

    def visit(pid: str, path: list[str]) -> None:
        for call in calls.get(pid, []):
            called = call.get("calledElement")
            if called in path:
                cycle = " → ".join([*path[path.index(called) :], called])
                raise InvalidProcess(
                    f"callActivity {call.get('id')!r} in process {pid!r} calls {called!r}, "
                    f"which is already running: {cycle}; a process may not call itself",
                    executable[pid].filename,
                    call.sourceline if isinstance(call.sourceline, int) else None,
                    call.get("id"),
                )
            if called in calls and called not in done:
                visit(called, [*path, called])
        done.add(pid)

    for pid in sorted(calls):
        if pid not in done:
            visit(pid, [pid])


def _mark_interrupting_starts(parser: SpiffBpmnParser) -> None:
    # SpiffWorkflow drops isInterrupting; keep it where the runtime can see it (the
    # task spec's extensions are serialized with the spec).
    for process_parser in list(parser.process_parsers.values()):
        node = process_parser.node
        if node.get("triggeredByEvent") != "true" or process_parser.spec is None:
            continue
        for start in node.iterfind("bpmn:startEvent", lint.NS):
            task_spec = process_parser.spec.task_specs.get(start.get("id"))
            if task_spec is not None:
                extensions = dict(getattr(task_spec, "extensions", None) or {})
                extensions[INTERRUPTING] = start.get("isInterrupting", "true") == "true"
                task_spec.extensions = extensions


def _closure(parser: SpiffBpmnParser, process_id: str) -> tuple[set[str], set[str]]:
    """Process ids reachable through call activities, and the decision ids they call."""
    processes, decisions, todo = set(), set(), [process_id]
    while todo:
        current = todo.pop()
        if current in processes:
            continue
        processes.add(current)
        node = parser.process_parsers[current].node
        todo.extend(node.xpath(".//bpmn:callActivity/@calledElement", namespaces=lint.NS))
        for ref in node.xpath(
            ".//bpmn:businessRuleTask/bpmn:extensionElements/spiffworkflow:calledDecisionId/text()",
            namespaces=lint.NS,
        ):
            decisions.add(ref.strip())
    return processes, decisions


def _content_hash(sources: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(sources):
        encoded_name, content = name.encode("utf-8"), sources[name].encode("utf-8")
        # Length prefixes make the concatenation unambiguous.
        digest.update(f"{len(encoded_name)}:".encode() + encoded_name)
        digest.update(f"{len(content)}:".encode() + content)
    return digest.hexdigest()


def _start_form(process: etree._Element) -> str | None:
    starts = process.iterfind("bpmn:startEvent", lint.NS)
    for start in sorted(
        starts, key=lambda el: len(el.xpath("./*[contains(local-name(), 'EventDefinition')]"))
    ):
        form = lint.task_properties(start).get("form")
        if form and form[0].strip():
            return form[0].strip()
    return None


def _no_executable_process(lib: _Library, filename: str) -> InvalidProcess:
    root = lib.trees[filename].getroot()
    process = root.find("bpmn:process", lint.NS)
    if process is None:
        return InvalidProcess(
            "the file contains no executable process (definitions hold no bpmn:process)",
            filename,
            root.sourceline,
        )
    return InvalidProcess(
        f"the file contains no executable process: process {process.get('id')!r} is "
        f'marked isExecutable="{process.get("isExecutable", "false")}"',
        filename,
        process.sourceline,
        process.get("id"),
    )


def _build_locked(
    files: Mapping[str, bytes],
    form_exists: Callable[[str], bool] | None,
    import_form: FormImporter | None,
    lib: _Library,
) -> dict[str, ProcessBundle]:
    parser = SpiffBpmnParser(validator=VALIDATOR)
    _add_files(parser, files, lib)
    executable = {pid: p for pid, p in parser.process_parsers.items() if p.process_executable}
    for filename in lib.bpmn_files:
        if not any(p.filename == filename for p in executable.values()):
            raise _no_executable_process(lib, filename)
        lib.warnings[filename] = lint.lint_bpmn_document(
            lib.trees[filename], filename, executable.keys(), lib.decision_files.keys()
        )
    _check_call_cycles(lib, executable)

    specs: dict[str, BpmnProcessSpec] = {}
    subprocess_specs: dict[str, dict[str, Any]] = {}
    for pid, process_parser in executable.items():
        try:
            specs[pid] = parser.get_spec(pid)
            subprocess_specs[pid] = parser.get_subprocess_specs(pid)
        except Exception as exc:
            raise _as_invalid(exc, lib, process_parser.filename) from None
        for spec in [specs[pid], *subprocess_specs[pid].values()]:
            _check_human_tasks(lib, spec, form_exists, import_form)
        _check_start_form(pid, process_parser, form_exists)

    _mark_interrupting_starts(parser)
    called = {
        ref
        for p in parser.process_parsers.values()
        for ref in p.node.xpath(".//bpmn:callActivity/@calledElement", namespaces=lint.NS)
    }
    bundles: dict[str, ProcessBundle] = {}
    for pid in sorted(set(executable) - called):
        processes, decisions = _closure(parser, pid)
        needed = {executable[p].filename for p in processes}
        needed |= {lib.decision_files[d] for d in decisions}
        needed |= {form for name in list(needed) for form in lib.forms_used.get(name, ())}
        sources = {name: lib.texts[name] for name in sorted(needed)}
        bundles[pid] = ProcessBundle(
            process_id=pid,
            name=executable[pid].node.get("name") or pid,
            sources=sources,
            content_hash=_content_hash(sources),
            spec=specs[pid],
            subprocess_specs=subprocess_specs[pid],
            start_form=_start_form(executable[pid].node),
            warnings=[w for name in sorted(needed) for w in lib.warnings.get(name, [])],
        )
    return bundles


def build_bundles(
    files: Mapping[str, bytes],
    form_exists: Callable[[str], bool] | None = None,
    import_form: FormImporter | None = None,
    field_known: Callable[[str], bool] | None = None,
) -> dict[str, ProcessBundle]:
    """Parse, validate and lint `files`; a bundle for every entry process.

    Raises InvalidProcess (with file and, where known, line) for the first problem
    found in any file: nothing in `files` is silently skipped, except *.json form files
    no task names. With `form_exists`, every human task's form (and every start form)
    must be one it knows; with `import_form`, a task naming form files beside the
    diagram (`formJsonSchemaFilename`, `formUiSchemaFilename`) gets the form imported
    for them, and the bundle's sources include those files. With `field_known`, every
    `{placeholder}` in a human task's instructions must name a form field it knows or a
    value the library records.
    """
    lib = _Library(field_known=field_known)
    with _BUILD_LOCK:
        try:
            return _build_locked(files, form_exists, import_form, lib)
        except InvalidProcess as exc:
            raise _placed(exc, lib) from None
        except Exception as exc:  # a parser bug must still surface as a deploy error
            raise _placed(_as_invalid(exc, lib, None), lib) from None


def _placed(error: InvalidProcess, lib: _Library) -> InvalidProcess:
    """`error` with the drawn element it belongs to, found from its line when the check
    that raised it knew only the line."""
    tree = lib.trees.get(error.filename or "")
    if error.element_id is not None or error.line is None or tree is None:
        return error
    for element in tree.getroot().iter():
        if element.sourceline == error.line and isinstance(element.tag, str):
            error.element_id = lint.drawn_element_id(element)
            break
    return error


__all__ = [
    "DEFAULT_ROLE",
    "FormImporter",
    "MAX_FILE_BYTES",
    "ProcessBundle",
    "build_bundles",
    "decode_source",
    "load_directory",
    "parse_xml",
]
