"""The harness itself: the live server answers and the browser reports broken resources."""

import pytest

pytestmark = pytest.mark.browser


def test_live_server_answers_the_browser(page, live_server):
    response = page.goto("/healthz")
    assert response is not None and response.ok
    assert response.json() == {"status": "ok"}
    assert page.url == live_server("/healthz")


def test_a_missing_static_file_is_reported(page, browser_problems):
    page.goto("/healthz")
    with page.expect_console_message(lambda message: "does-not-exist.css" in message.text):
        page.evaluate("""() => {
            const link = document.createElement('link');
            link.rel = 'stylesheet'; link.href = '/static/vendor/does-not-exist.css';
            document.head.appendChild(link);
        }""")
    assert any("does-not-exist.css" in message for message in browser_problems.messages), (
        browser_problems.messages
    )
    browser_problems.messages.clear()  # seen and expected: let the test pass
