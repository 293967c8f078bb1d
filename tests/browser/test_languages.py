"""A Swedish browser gets Swedish pages, and the switch at the foot of every page
changes the language for good."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.factories.api_client import START_DATA
from tests.factories.browser import fill_form, sign_in


@pytest.fixture
def swedish_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="sv-SE", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_swedish_sign_in_home_and_task_pages_then_latvian(
    swedish_page: Any, live_server: str
) -> None:
    page, base = swedish_page, live_server
    page.goto(f"{base}/sign-in")
    assert page.get_attribute("html", "lang") == "sv"
    assert "Logga in" in page.inner_text("main")
    sign_in(page, base, "coordinator")
    assert "Dina uppgifter" in page.inner_text("main h1")
    page.goto(f"{base}/cases/new")
    fill_form(page, START_DATA)
    page.click("form.task-form button[type=submit]")
    page.wait_for_url(f"{base}/cases/*")
    page.goto(f"{base}/")
    page.locator('tr[data-task="immediate_safety"] a.task-link').click()
    page.wait_for_selector("form.task-form")
    assert "Ingen har tagit den här ännu." in page.inner_text("main")
    assert "Vad du ska göra" in page.inner_text("main") or "Förfaller" in page.inner_text("main")

    page.select_option("#language-switch", "lv")  # submits itself
    page.wait_for_function("document.documentElement.lang === 'lv'")
    assert "Neviens to vēl nav paņēmis." in page.inner_text("main")
    page.goto(f"{base}/")
    assert "Tavi uzdevumi" in page.inner_text("main h1")
