"""The one error hierarchy of the engine; `web/` maps each class to an HTTP status."""

from __future__ import annotations


class EngineError(Exception):
    """Base class: a problem the caller can understand and act on, except `ServerFault`."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(EngineError):
    """The thing does not exist, or the caller may not know that it exists."""

    code = "not_found"


class Forbidden(EngineError):
    """The caller may see the thing but not do this to it."""

    code = "forbidden"


class Conflict(EngineError):
    """The thing changed meanwhile, is completed or cancelled, or is held by someone else."""

    code = "conflict"


class Busy(EngineError):
    """The database stayed locked by other writers past the wait: nothing was saved; retry."""

    code = "busy"


class ServerFault(EngineError):
    """Not the caller's mistake: a broken configuration, a key that does not match the
    data, a mail server set up wrong. The web answers 500 with an error id in the log."""

    code = "server_fault"


class InvalidData(EngineError):
    """Submitted data is invalid; `fields` maps a field path to a readable reason."""

    code = "invalid_data"

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = dict(fields or {})


class BadRequest(InvalidData):
    """The request itself is malformed (not the answers in it): a cursor that no page gave
    out, JSON nested too deep, a number too large to read. The web answers 400."""

    code = "bad_request"


class InvalidProcess(EngineError):
    """A diagram or decision table cannot be deployed; says which file and line, and
    (`element_id`) which drawn element, so that the editor can mark it on the canvas."""

    code = "invalid_process"

    def __init__(
        self,
        message: str,
        filename: str | None = None,
        line: int | None = None,
        element_id: str | None = None,
    ) -> None:
        where = filename or ""
        if filename and line:
            where = f"{filename}:{line}"
        super().__init__(f"{where}: {message}" if where else message)
        self.reason = message
        self.filename = filename
        self.line = line
        self.element_id = element_id


class NeedsConfirmation(Conflict):
    """Refused unless the caller confirms, having seen `details` (e.g. a diff): `confirm`
    lists what the confirmation must name, so that it covers exactly what was shown."""

    code = "needs_confirmation"

    def __init__(self, message: str, confirm: list[str], details: list[str]) -> None:
        super().__init__(message)
        self.confirm = list(confirm)
        self.details = list(details)
