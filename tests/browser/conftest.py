"""Browser tests: the real app served on a free port, Debian's Chromium driven by Playwright.

The server runs in a background thread of the test process, on the same
database as every other test (the session-wide `app` fixture). A test builds
its data with the factories and commits before the browser loads a page; the
`db` fixture empties the tables afterwards, once the browser context is closed.

Without Chromium or the playwright package the tests are skipped, except when
CI=true: there they are required and fail instead.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = "/usr/bin/chromium"
# Without the networking flags Chromium keeps trying to reach outside hosts.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 10_000


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"Browser tests are required in CI, but {reason}.", pytrace=False)
    pytest.skip(f"Browser tests skipped: {reason}.")


# --- the live server -----------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    """Log only failing requests, so a passing run stays readable."""

    def log_request(self, code="-", size="-") -> None:
        if str(getattr(code, "value", code)).startswith(("4", "5")):
            super().log_request(code, size)


@dataclass
class LiveServer:
    url: str

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[LiveServer]:
    """The app (with its Socket.IO middleware) on 127.0.0.1:<free port>, stopped at the end."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- the browser ---------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class BrowserProblems:
    """Console errors, uncaught exceptions and failed requests seen by a page."""

    messages: list[str] = field(default_factory=list)
    allowed_statuses: set[int] = field(default_factory=set)

    def allow_status(self, *statuses: int) -> None:
        """For a test that provokes an error page on purpose (e.g. 422 on a bad form)."""
        self.allowed_statuses.update(statuses)

    def on_console(self, message) -> None:
        if message.type == "error":
            url = message.location.get("url") or ""
            # Chromium asks for /favicon.ico by itself; the app declares no icon (yet).
            if url.endswith("/favicon.ico"):
                return
            if "status of" in message.text and any(
                f"status of {status}" in message.text for status in self.allowed_statuses
            ):
                return
            self.messages.append(f"console error: {message.text} ({url})")

    def on_page_error(self, error) -> None:
        self.messages.append(f"uncaught JavaScript error: {error}")

    def on_request_failed(self, request) -> None:
        failure = request.failure or ""
        # A navigation (e.g. a form submit) cancels requests still in flight; that is not a bug.
        # (A stylesheet or script answered with an error page is aborted too, because the app
        # sends nosniff; Chromium then logs a console error, which is reported above.)
        if "ERR_ABORTED" in failure:
            return
        self.messages.append(f"request failed: {request.method} {request.url}: {failure}")

    def on_response(self, response) -> None:
        if response.status >= 400 and response.status not in self.allowed_statuses:
            request = response.request
            self.messages.append(
                f"HTTP {response.status} for {request.method} {response.url} "
                f"({request.resource_type})"
            )


@pytest.fixture
def browser_problems() -> BrowserProblems:
    return BrowserProblems()


@pytest.fixture
def csrf_enabled(app) -> Iterator[None]:
    """Browser tests post real forms, so they run with CSRF protection on (the tests' default is off)."""
    previous = app.config.get("WTF_CSRF_ENABLED")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = previous


@pytest.fixture
def browser_contexts() -> list:
    """(name, context) of every browser context a test opened."""
    return []


@pytest.fixture
def new_page(browser, live_server, db, csrf_enabled, browser_problems, browser_contexts):
    """Open a fresh browser context (own cookies) and return its page; call it once per person.

    Depending on `db` makes every context close before the tables are emptied.
    """
    contexts = browser_contexts

    def _new_page(name: str = "page"):
        # The browser's own zone differs from the conferences' on purpose: times must be
        # shown in the conference's zone, whatever the viewer's machine says.
        context = browser.new_context(
            base_url=live_server.url,
            locale="vi-VN",
            timezone_id="Europe/Paris",
            viewport={"width": 1366, "height": 900},
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append((name, context))
        page = context.new_page()
        page.on("console", browser_problems.on_console)
        page.on("pageerror", browser_problems.on_page_error)
        page.on("requestfailed", browser_problems.on_request_failed)
        page.on("response", browser_problems.on_response)
        return page

    yield _new_page
    for _name, context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page("page")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail a browser test whose pages logged errors or had failed requests; on any failure
    save a screenshot of every open page to the test's tmp dir."""
    problems: BrowserProblems | None = item.funcargs.get("browser_problems")
    try:
        result = yield
    except BaseException as exc:
        if problems is not None and problems.messages:
            exc.add_note("Problems seen by the browser:\n  " + "\n  ".join(problems.messages))
        _screenshot_pages(item)
        raise
    if problems is not None and problems.messages:
        _screenshot_pages(item)
        pytest.fail("The browser saw problems:\n  " + "\n  ".join(problems.messages), pytrace=False)
    return result


def _screenshot_pages(item) -> None:
    tmp_path: Path | None = item.funcargs.get("tmp_path")
    if tmp_path is None:
        return
    for name, context in item.funcargs.get("browser_contexts") or ():
        for index, page in enumerate(context.pages):
            target = tmp_path / f"failure-{name}-{index}.png"
            try:
                page.screenshot(path=str(target), full_page=True)
            except Exception:  # noqa: BLE001 - a screenshot must not hide the real failure
                continue
            print(f"screenshot of the failing page: {target}")
