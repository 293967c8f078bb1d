"""axe-core (from npm, vendored by `make vendor`) finds no serious or critical problems on
the pages people use every day."""

from __future__ import annotations

import re
from typing import Any

from tests.factories.api_client import START_DATA
from tests.factories.browser import fill_form, sign_in, violations


def test_the_daily_pages_have_no_serious_accessibility_problems(
    page: Any, live_server: str
) -> None:
    base = live_server
    found: dict[str, list[str]] = {}
    page.goto(f"{base}/sign-in")
    found["sign-in"] = violations(page)
    sign_in(page, base, "coordinator")
    page.goto(f"{base}/cases/new")
    found["open a case"] = violations(page)
    fill_form(page, START_DATA)
    page.click("form.task-form button[type=submit]")
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}$"))
    page.wait_for_selector("#diagram[data-state=ready]")
    found["case"] = violations(page)
    page.goto(f"{base}/")
    found["home"] = violations(page)
    page.locator("table.worklist a.task-link").first.click()
    page.wait_for_selector("form.task-form")
    found["task"] = violations(page)
    page.eval_on_selector("form.task-form", "form => { form.noValidate = true; }")
    page.click("form.task-form button[type=submit]")
    page.wait_for_selector(".error-summary")
    found["task with errors"] = violations(page)
    assert {name: problems for name, problems in found.items() if problems} == {}
