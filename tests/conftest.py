"""Shared fixtures: the app on SQLite (default) or PostgreSQL (DATABASE_URL), clients, login.

The schema is built once per run by the Alembic migrations (so they are tested
too); after each test every table is emptied. Factories flush; a test commits
with `db.session.commit()` before it makes HTTP requests.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from meetings import create_app
from meetings.config import TEST_OVERRIDES
from meetings.extensions import db as _db
from tests import factories

TMP = tempfile.mkdtemp(prefix="meetings-tests-")


def database_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url:
        return (
            url.replace("postgresql://", "postgresql+psycopg://", 1)
            if url.startswith("postgresql://")
            else url
        )
    return f"sqlite:///{TMP}/test.sqlite3"


def reset_schema(app) -> None:
    with app.app_context():
        engine = _db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            _db.drop_all()
            with engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(directory=app.extensions["migrate"].directory)


class IsolatedClient(FlaskClient):
    """Each request in an app context of its own, as in production.

    The `db` fixture keeps one app context open for the whole test; requests made
    inside it would share its `g` (where Flask-Login keeps the user and Flask-Babel
    the locale of the previous request) and its database session. A test commits
    what a request must see.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app():
    app = create_app(
        {
            **TEST_OVERRIDES,
            # One process: emits go straight to the test clients, not round Redis
            # (tests/scale starts real processes that share Redis).
            "REDIS_URL": None,
            "SQLALCHEMY_DATABASE_URI": database_url(),
            "SERVER_NAME": None,
            "SECRET_KEY": "test-secret",
        }
    )
    app.test_client_class = IsolatedClient
    reset_schema(app)
    return app


def empty_tables(attempts: int = 5) -> None:
    """Empty every table. On PostgreSQL, TRUNCATE needs every table's exclusive lock: a
    request the live server (browser tests) is still finishing, e.g. a socket's
    disconnect, may hold one and wait for another, which PostgreSQL breaks as a deadlock.
    The request ends within moments, so try again a few times before giving up."""
    tables = list(reversed(_db.metadata.sorted_tables))
    for attempt in range(1, attempts + 1):
        try:
            if _db.engine.dialect.name == "postgresql":
                names = ", ".join(t.name for t in tables)
                _db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    _db.session.execute(table.delete())
            _db.session.commit()
            return
        except OperationalError:
            _db.session.rollback()
            if attempt == attempts:
                raise
            time.sleep(0.2 * attempt)


@pytest.fixture
def db(app) -> Iterator:
    with app.app_context():
        yield _db
        _db.session.rollback()
        empty_tables()
        _db.session.remove()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def make(db):
    """The factories, bound to the test's session: make.unit(), make.user(), ..."""
    return factories


def login(client, user, password: str = factories.PASSWORD):
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def login_as(client):
    def _login(user, password: str = factories.PASSWORD):
        client.post("/logout")
        return login(client, user, password)

    return _login


@contextmanager
def count_queries(engine):
    """Count the SQL statements run inside the block."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


@pytest.fixture
def query_counter(db):
    return lambda: count_queries(db.engine)
