"""Static files with their content's fingerprint in the URL, cached for a year.

Every `url_for('static', filename=…)` gets `?v=<hash of the file>`, hashed once at
start-up. A request carrying the file's current fingerprint is answered as immutable
for a year, so the diagram viewer (195 KB) and modeler (572 KB) are not revalidated on
every page; a changed file has a new URL. A request without it (or with an old one, from
a page cached before a deployment) gets a short cache only.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

YEAR = 31_536_000
SHORT = 300  # seconds: un-fingerprinted URLs, e.g. those written in CSS


def fingerprints(folder: Path) -> dict[str, str]:
    """File name (relative, with forward slashes) → a short hash of its content."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def init_static_files(app: Flask) -> None:
    hashes = fingerprints(Path(app.static_folder or "static"))

    def add_fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "v" not in values:
            fingerprint = hashes.get(str(values.get("filename", "")))
            if fingerprint:
                values["v"] = fingerprint

    def cache_static(response: Response) -> Response:
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        filename = str((request.view_args or {}).get("filename", ""))
        current = hashes.get(filename)
        cache = response.cache_control
        cache.no_cache = None
        cache.public = True
        if current and request.args.get("v") == current:
            cache.max_age = YEAR
            cache.immutable = True
        else:
            cache.max_age = SHORT
        return response

    app.url_defaults(add_fingerprint)
    app.after_request(cache_static)
