"""Browser tests: the app served on a free localhost port from a thread, against the test
database, driven by Playwright through Debian's Chromium (Playwright's own browser
download cannot work here). Skipped, with the reason, where /usr/bin/chromium is missing.

Set NBASSIST_SCREENSHOTS=/some/folder to keep screenshots of the pages the tests visit.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete
from werkzeug.serving import make_server

from engine import versions
from engine.audit import Actor
from engine.db import make_sessionmaker
from engine.settings import Settings
from tests.factories.database import CASE_TABLES, START, TEST_KEY
from tests.factories.people import make_user
from web import create_app

CHROMIUM = Path("/usr/bin/chromium")
DIAGRAM = Path(__file__).parent / "data" / "browser_case.bpmn"
LAUNCH_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def live_server(db_engine: Engine, database_url: str) -> Iterator[str]:
    """The app on 127.0.0.1:<free port>, with a coordinator and a police officer."""
    sessions = make_sessionmaker(db_engine)
    with sessions() as session:
        versions.deploy_files(session, {DIAGRAM.name: DIAGRAM.read_bytes()}, START, Actor.system())
        session.commit()
        make_user(session, "coordinator", "se-roks")
        make_user(session, "police", "se-police")
    settings = Settings(
        env="development",
        database_url=database_url,
        secret_key="browser-test-secret-" + "x" * 32,
        data_key=base64.urlsafe_b64decode(TEST_KEY),
        smtp_url=None,
        base_url="http://127.0.0.1",
        four_eyes=False,  # one organisation's install: a save from the editor is current
    )
    app = create_app({"settings": settings, "engine": db_engine, "CASE_PROCESS": "browser_case"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with db_engine.begin() as connection:
            for model in CASE_TABLES:
                connection.execute(delete(model))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            "browser tests need Debian's Chromium at /usr/bin/chromium: apt-get install chromium"
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # bypass_csp only so that the tests can inject axe-core; the app's own pages never
    # need an inline script.
    context = browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.page_errors = errors
    yield tab
    context.close()
