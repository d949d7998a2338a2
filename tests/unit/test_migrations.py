"""The Alembic migrations build the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from meetings.extensions import db as _db


def test_upgrade_to_head_creates_every_table(db):
    # tests/conftest.py built this database with `flask db upgrade` from empty.
    tables = set(inspect(db.engine).get_table_names())
    assert set(_db.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_models_and_migrations_do_not_drift(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        diff = compare_metadata(context, _db.metadata)
    assert diff == [], f"models differ from the migrations; run `flask db migrate`: {diff}"


def test_head_revision_is_applied(db, app):
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    script = ScriptDirectory(app.extensions["migrate"].directory)
    current = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert current == script.get_current_head()
