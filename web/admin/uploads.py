"""Diagrams uploaded through the browser: which files were sent, and what to deploy.

An upload is laid over the sources of the latest deployed version of a process (not
over the server's `processes/` folder), so what an administrator deploys depends only
on what the library already holds and on the files they chose. Every file is checked
here for its name and size; its content is checked by the hardened library loader.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from engine.bpmn.library import MAX_FILE_BYTES
from engine.errors import InvalidProcess
from engine.models import ProcessVersion

MAX_FILES = 30
# Form files (.json) come beside a diagram whose tasks name them (formJsonSchemaFilename).
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.(bpmn|dmn|json)$")
CONTENT_TYPES = {".bpmn": "application/xml", ".dmn": "application/xml", ".json": "application/json"}


class UploadRefused(Exception):
    """The upload itself is unusable (no file, a wrong name, too big): say so plainly."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def uploaded_files(storages: Iterable[FileStorage]) -> dict[str, bytes]:
    """File name → content of the chosen files; UploadRefused when they cannot be used."""
    files: dict[str, bytes] = {}
    for storage in storages:
        if storage is None or not storage.filename:
            continue  # a file input left empty
        # Browsers send a bare name; some old ones a whole Windows path.
        name = PurePosixPath(storage.filename.replace("\\", "/")).name
        if not FILE_NAME.match(name):
            raise UploadRefused(
                _(
                    "“%(name)s” cannot be deployed: choose .bpmn or .dmn files (and the .json "
                    "form files they name) whose names use only letters, digits, dots, dashes "
                    "and underscores.",
                    name=name,
                )
            )
        if name in files:
            raise UploadRefused(_("“%(name)s” was chosen twice.", name=name))
        data = storage.stream.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise UploadRefused(
                _(
                    "“%(name)s” is larger than %(size)s MiB.",
                    name=name,
                    size=MAX_FILE_BYTES // (1024 * 1024),
                )
            )
        files[name] = data
        if len(files) > MAX_FILES:
            raise UploadRefused(_("Choose at most %(count)s files at once.", count=MAX_FILES))
    if not files:
        raise UploadRefused(_("Choose at least one .bpmn or .dmn file."))
    if not any(not name.endswith(".json") for name in files):
        raise UploadRefused(_("Choose the diagram with its form files, not the forms alone."))
    return files


def files_to_deploy(base: ProcessVersion, uploads: dict[str, bytes]) -> dict[str, bytes]:
    """The base version's sources with the uploaded files replacing same-named ones."""
    files = {name: text.encode("utf-8") for name, text in base.sources.items()}
    files.update(uploads)
    return files


@dataclass(frozen=True)
class DeployError:
    """An InvalidProcess in words for a person: which file, line and element, what is
    wrong (the element's id is what a modeller's search finds)."""

    filename: str | None
    line: int | None
    reason: str
    element_id: str | None = None

    @classmethod
    def from_error(cls, error: InvalidProcess) -> DeployError:
        return cls(error.filename, error.line, error.reason, error.element_id)

    @property
    def where(self) -> str:
        if self.filename and self.line and self.element_id:
            return _(
                "In %(file)s, line %(line)s, element %(element)s",
                file=self.filename,
                line=self.line,
                element=self.element_id,
            )
        if self.filename and self.line:
            return _("In %(file)s, line %(line)s", file=self.filename, line=self.line)
        if self.filename:
            return _("In %(file)s", file=self.filename)
        return _("In the uploaded files")


def content_type(filename: str) -> str:
    return CONTENT_TYPES.get(PurePosixPath(filename).suffix.lower(), "application/xml")
