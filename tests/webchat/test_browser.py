"""A real browser (headless Chromium from Debian, driven by Playwright) against the demo.

Pick a technician, ask for "my tickets" and see the card; log 30 minutes on one of them, click
Approve, see the card change to applied in place, and find the time entry once in the sandbox; a
second click changes nothing; then, in a 420 px window, the list keeps three columns and the
ticket's card shows its latest notes. The screenshots it takes are the README's (``make
screenshot`` writes docs/webchat.png and docs/webchat-narrow.png through WEBCHAT_SCREENSHOT).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from engine_support import technician_email

from adapters.demo import Demo

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
NOTE = "checked the VPN client from the web chat"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)"
)


async def test_pick_ask_approve_in_a_real_browser(demo: Demo, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    box = demo.sandbox
    email = technician_email(box)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await page.goto(f"{demo.url}/")
            await page.get_by_label("Technician").select_option(email)
            await page.get_by_role("button", name="Start chatting").click()

            composer = page.get_by_label("Message")
            await composer.fill("my tickets")
            await composer.press("Enter")
            tickets = page.locator(".msg-bot .card-list").first
            await expect(tickets).to_be_visible(timeout=15_000)
            number = (await tickets.locator("tbody tr td").first.inner_text()).strip()
            ticket = next(t for t in box.records("Tickets") if t["ticketNumber"] == number)

            await composer.fill(f"log 30m on {number} {NOTE}")
            await composer.press("Enter")
            card = page.locator('.card-change[data-status="pending"]').last
            approve = card.get_by_role("button", name="Approve")
            await expect(approve).to_be_visible(timeout=15_000)
            assert (await approve.get_attribute("aria-label") or "").startswith("Approve: ")
            message_id = await approve.evaluate("button => button.closest('.msg').dataset.id")
            plan_id = await approve.get_attribute("data-plan")

            await approve.click()
            applied = page.locator(f'#msg-{message_id} .card-change[data-status="applied"]')
            await expect(applied).to_be_visible(timeout=15_000)
            await expect(applied.get_by_role("button", name="Approve")).to_have_count(0)
            entries = [
                e
                for e in box.records("TimeEntries")
                if e["ticketID"] == ticket["id"] and NOTE in str(e.get("summaryNotes"))
            ]
            assert len(entries) == 1 and entries[0]["hoursWorked"] == 0.5

            # The same click once more, as a stale tab or a double click would send it.
            status = await page.evaluate(
                """async ([messageId, planId]) => {
                    const response = await fetch("/webchat/api/click", {
                        method: "POST",
                        headers: {"Content-Type": "application/json",
                                  "Authorization": "Bearer " + state.token},
                        body: JSON.stringify({conversation: state.active, message_id: messageId,
                                              action: "approve", plan_id: planId}),
                    });
                    return response.status;
                }""",
                [message_id, plan_id],
            )
            assert status == 202
            notice = page.locator(".msg-notice", has_text="already applied")
            await expect(notice).to_be_visible(timeout=15_000)
            again = [
                e
                for e in box.records("TimeEntries")
                if e["ticketID"] == ticket["id"] and NOTE in str(e.get("summaryNotes"))
            ]
            assert len(again) == 1
            await expect(applied).to_be_visible()

            unnamed = await page.evaluate(
                """() => [...document.querySelectorAll('button')]
                    .filter(b => !(b.getAttribute('aria-label') || b.textContent).trim())
                    .length"""
            )
            assert unnamed == 0, "every button has an accessible name"
            await page.evaluate("() => document.getElementById('toasts').replaceChildren()")
            shot = tmp_path / "webchat.png"
            await page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
            target = os.environ.get("WEBCHAT_SCREENSHOT")
            if target:
                shutil.copyfile(shot, target)

            # A narrow window (a side panel, a phone): lists keep number, title and status,
            # and a ticket's card shows its latest notes and time entries.
            await page.set_viewport_size({"width": 420, "height": 900})
            first_row = tickets.locator("tbody tr").first
            shown = await first_row.locator("td:visible").count()
            assert shown == 3, f"{shown} columns on a 420 px window"
            await composer.fill(f"ticket {number} with notes")
            await composer.press("Enter")
            record = page.locator(".msg-bot .card-record").last
            await expect(record.locator(".card-section h4").first).to_have_text(
                "Latest notes", timeout=15_000
            )
            await expect(record.locator(".item-text", has_text=NOTE)).to_be_visible()
            await record.locator(".card-actions").scroll_into_view_if_needed()
            narrow = tmp_path / "webchat-narrow.png"
            await page.screenshot(path=str(narrow))
            if target:
                shutil.copyfile(narrow, Path(target).with_name("webchat-narrow.png"))
        finally:
            await browser.close()
