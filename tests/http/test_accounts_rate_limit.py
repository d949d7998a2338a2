"""The log-in form is rate limited against password guessing.

The session's `app` runs without rate limits; these tests build a second app with
them switched on, over the same database.
"""

from __future__ import annotations

import pytest

from meetings import create_app
from meetings.config import TEST_OVERRIDES
from meetings.extensions import api, limiter, socketio
from tests.factories import PASSWORD


@pytest.fixture
def limited_app(app, db):
    # create_app() binds the module-level extensions to the new app; give them back
    # to the session's app afterwards so later tests see no difference.
    saved = {ext: dict(vars(ext)) for ext in (limiter, socketio, api)}
    limited = create_app(
        {
            **TEST_OVERRIDES,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "test-secret",
            "SERVER_NAME": None,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "LOGIN_RATE_LIMIT": "3 per minute",
        }
    )
    try:
        yield limited
    finally:
        with limited.app_context():
            db.engine.dispose()
        for ext, state in saved.items():
            vars(ext).clear()
            vars(ext).update(state)


def test_the_fourth_failed_login_in_a_minute_is_refused(limited_app, db, make):
    person = make.user(email="guess.me@ubdt.demo")
    db.session.commit()
    client = limited_app.test_client()
    client.post("/language", data={"locale": "en", "next": "/login"})

    for _ in range(3):
        response = client.post("/login", data={"email": person.email, "password": "guess"})
        assert response.status_code == 200
        assert "Wrong e-mail or password." in response.get_data(as_text=True)

    # Even the right password is refused now: the guesser must wait.
    response = client.post("/login", data={"email": person.email, "password": PASSWORD})
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert 'data-testid="login-blocked"' in html
    assert "Too many failed log-in attempts" in html and "Please wait" in html
    assert '<html lang="en"' in html
    assert 'name="email"' in html and person.email in html  # the form is still there
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert client.get("/profile").status_code == 302  # not logged in

    # Looking at the page is not limited, and other pages are not affected.
    response = client.get("/login")
    assert response.status_code == 200 and "login-blocked" not in response.get_data(as_text=True)
    assert client.post("/language", data={"locale": "vi", "next": "/login"}).status_code == 302


def test_successful_logins_do_not_use_up_the_limit(limited_app, db, make):
    # A whole office behind one address logs in at the start of a meeting.
    people = [make.user() for _ in range(5)]
    db.session.commit()
    client = limited_app.test_client()
    for person in people:
        response = client.post("/login", data={"email": person.email, "password": PASSWORD})
        assert response.status_code == 302
        client.post("/logout")
    response = client.post("/login", data={"email": people[0].email, "password": "typo"})
    assert response.status_code == 200


def test_the_sessions_app_has_no_login_limit(client, db, make):
    person = make.user()
    db.session.commit()
    for _ in range(5):
        assert (
            client.post("/login", data={"email": person.email, "password": "guess"}).status_code
            == 200
        )
