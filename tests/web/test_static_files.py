"""Static files: pages link them by content fingerprint, and fingerprinted URLs are
cached for a year, so the diagram viewer and modeler are not fetched again per page."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask, url_for
from flask.testing import FlaskClient

from web.static_files import fingerprints

VIEWER = "vendor/bpmn-js/bpmn-navigated-viewer.production.min.js"
MODELER = "vendor/bpmn-js/bpmn-modeler.production.min.js"


def test_static_urls_carry_the_fingerprint_of_the_file_content(app: Flask) -> None:
    expected = fingerprints(Path(app.static_folder or ""))
    with app.test_request_context():
        url = url_for("static", filename=VIEWER)
    assert url == f"/static/{VIEWER}?v={expected[VIEWER]}"


def test_the_sign_in_page_links_its_stylesheet_by_fingerprint(client: FlaskClient) -> None:
    page = client.get("/sign-in").get_data(as_text=True)
    assert re.search(r'href="/static/css/app\.css\?v=[0-9a-f]{16}"', page)


def test_fingerprinted_viewer_and_modeler_are_cached_for_a_year(
    app: Flask, client: FlaskClient
) -> None:
    hashes = fingerprints(Path(app.static_folder or ""))
    for filename in (VIEWER, MODELER):
        response = client.get(f"/static/{filename}?v={hashes[filename]}")
        assert response.status_code == 200
        cache = response.headers["Cache-Control"]
        assert "max-age=31536000" in cache and "immutable" in cache and "public" in cache
        assert "no-cache" not in cache


def test_a_static_file_without_its_current_fingerprint_is_cached_briefly(
    client: FlaskClient,
) -> None:
    for url in ("/static/css/app.css", "/static/css/app.css?v=0000000000000000"):
        cache = client.get(url).headers["Cache-Control"]
        assert "max-age=300" in cache
        assert "immutable" not in cache
