"""A coordinator and a police officer work a case through the pages, in a real browser."""

from __future__ import annotations

import re
from typing import Any

from tests.factories.api_client import START_DATA
from tests.factories.browser import fill_form, screenshot, sign_in, sign_out
from tests.factories.form_data import valid_data


def open_tasks(page: Any) -> dict[str, str]:
    """Task name → organisation, from the case page's open tasks."""
    rows = page.locator("#open-tasks tbody tr")
    return {
        rows.nth(i).get_attribute("data-task"): rows.nth(i).locator("td").nth(1).inner_text()
        for i in range(rows.count())
    }


def wait_for_diagram(page: Any) -> None:
    page.wait_for_selector("#diagram[data-state=ready]")


def test_a_case_worked_through_the_pages(page: Any, live_server: str) -> None:
    base = live_server
    # The coordinator opens a case with the start form.
    sign_in(page, base, "coordinator")
    screenshot(page, "home-empty")
    page.click("text=Open a case >> nth=0")
    page.wait_for_selector("#f-host_country")
    fill_form(page, START_DATA)
    page.click("form.task-form button[type=submit]")
    page.wait_for_url(re.compile(r"/cases/[0-9a-f-]{36}$"))
    case_url = page.url
    assert "is open" in page.inner_text(".flashes")

    # Its first tasks are at the shelter and at the police.
    tasks = open_tasks(page)
    assert "ROKS" in tasks["immediate_safety"]
    assert tasks["non_punishment_notice"].startswith("Police — Sweden")
    wait_for_diagram(page)
    active = page.get_attribute("#diagram", "data-active").split()
    assert {"immediate_safety", "non_punishment_notice"} <= set(active)
    assert page.locator('g.djs-element.nb-active[data-element-id="immediate_safety"]').count() == 1
    assert page.locator(".bjs-powered-by").is_visible()  # the bpmn.io watermark stays
    sign_out(page)

    # The police officer sees only the police step, and completes it.
    sign_in(page, base, "police")
    rows = page.locator("table.worklist tbody tr")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-task") == "non_punishment_notice"
    rows.first.locator("a.task-link").click()
    fill_form(page, valid_data("non_punishment_notice", no_charges_confirmed=True))
    page.click("form.task-form button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert "Nothing else on this case" in page.inner_text(".flashes")
    sign_out(page)

    # The coordinator completes immediate safety: first with a missing answer.
    sign_in(page, base, "coordinator")
    page.locator('tr[data-task="immediate_safety"] a.task-link').click()
    page.wait_for_selector("form.task-form")
    screenshot(page, "task")
    page.select_option('select[name="accommodation"]', "shelter")
    page.fill('textarea[name="notes"]', "Room at the shelter from tonight.")
    page.check('input[name="medical_care"][value="arranged"]')
    # Pretend the browser does not check `required` itself, to see the server's answer.
    page.eval_on_selector("form.task-form", "form => { form.noValidate = true; }")
    page.click("form.task-form button[type=submit]")
    page.wait_for_selector("#f-safe_now-error")
    assert page.inner_text("#f-safe_now-error").endswith("Required")
    assert page.is_visible(".error-summary a[href='#f-safe_now']")
    assert page.input_value('textarea[name="notes"]') == "Room at the shelter from tonight."
    assert page.input_value('select[name="accommodation"]') == "shelter"
    assert page.is_checked('input[name="medical_care"][value="arranged"]')
    screenshot(page, "task-with-errors")
    page.check('input[name="safe_now"][value="true"]')
    page.click("form.task-form button[type=submit]")

    # She lands on the next task of the case, which has just appeared.
    page.wait_for_selector("h1:has-text('Inform her of her rights')")
    assert "Next for this case: Inform her of her rights" in page.inner_text(".flashes")

    # The diagram marks both completed steps and the new one.
    page.goto(case_url)
    assert "inform_rights" in open_tasks(page)
    wait_for_diagram(page)
    completed = set(page.get_attribute("#diagram", "data-completed").split())
    assert {"immediate_safety", "non_punishment_notice"} <= completed
    done = 'g.djs-element.nb-completed[data-element-id="immediate_safety"]'
    assert page.locator(done).count() == 1
    assert page.locator('g.djs-element.nb-active[data-element-id="inform_rights"]').count() == 1
    screenshot(page, "case")
    page.goto(f"{base}/")
    screenshot(page, "home")
    assert page.page_errors == []
