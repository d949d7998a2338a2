"""What a person does in the browser, written once: log in, fill a form by field names, submit."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from flask_babel import force_locale

from tests.factories import PASSWORD

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips (or fails in CI) with the reason
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Through the login form, as a person would; ends on the page the app sends them to."""
    page.goto("/login")
    form = page.locator("form:has(input[name='password'])")
    form.locator("input[name='email']").fill(email)
    form.locator("input[name='password']").fill(password)
    submit(form)
    expect(page).not_to_have_url(re.compile(r"/login"))
    page.wait_for_load_state()


def set_field(form: Locator, name: str, value) -> None:
    """Set a form field by its `name`, whatever kind of control renders it."""
    value = str(value)
    controls = form.locator(f"[name='{name}']")
    expect(controls.first).to_be_attached()
    tag, kind = controls.first.evaluate(
        "e => [e.tagName.toLowerCase(), (e.type || '').toLowerCase()]"
    )
    if tag == "select":
        controls.first.select_option(value=value)
    elif kind in ("radio", "checkbox"):
        choice = form.locator(f"[name='{name}'][value='{value}']")
        if choice.is_visible():
            choice.check()
        else:  # Bootstrap button-style radios hide the input; a person clicks its label
            form.locator(f"label[for='{choice.get_attribute('id')}']").click()
        expect(choice).to_be_checked()
    else:
        controls.first.fill(value)


def fill_form(form: Locator, values: dict) -> None:
    for name, value in values.items():
        set_field(form, name, value)


def submit(form: Locator) -> None:
    """Submit and wait for the page that answers: the next check must not see the old one."""
    with form.page.expect_navigation():
        form.locator(
            "button[type='submit'], input[type='submit'], button:not([type])"
        ).first.click()


def translated(app, text, locale: str) -> str:
    """A lazy label (e.g. RSVP_LABELS[...]) as the app renders it in `locale`."""
    with app.test_request_context(), force_locale(locale):
        return str(text)
