"""The typed declarative base, shared column types and the unit of work."""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated

from sqlalchemy import DateTime, Enum, Integer, MetaData, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


intpk = Annotated[int, mapped_column(Integer, primary_key=True)]
str40 = Annotated[str, mapped_column(String(40))]
str200 = Annotated[str, mapped_column(String(200))]
timestamp = Annotated[datetime, mapped_column(UTCDateTime())]


class Base(DeclarativeBase):
    # Enums are stored as short strings (their names, equal to their values here),
    # never as native database enums: adding a member needs no type migration.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            datetime: UTCDateTime(),
            enum.Enum: Enum(enum.Enum, native_enum=False, length=24, validate_strings=True),
        },
    )


POST_COMMIT_KEY = "meetings.post_commit"


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the current unit of work has committed; drop it on rollback."""
    session.info.setdefault(POST_COMMIT_KEY, []).append(callback)


@contextlib.contextmanager
def unit_of_work() -> Iterator[Session]:
    """The one transaction boundary of HTTP views, API endpoints and socket handlers.

    Services flush; the caller commits here once. Callbacks queued with
    after_commit() (live broadcasts, mail) run only after the commit succeeded.
    """
    from meetings.extensions import db

    session = db.session
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        session.info.pop(POST_COMMIT_KEY, None)
        raise
    callbacks = session.info.pop(POST_COMMIT_KEY, [])
    for callback in callbacks:
        callback()
