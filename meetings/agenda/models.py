from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetings.accounts.models import User
from meetings.db import Base, intpk, utcnow


class ItemStatus(enum.StrEnum):
    pending = "pending"
    running = "running"
    paused = "paused"
    done = "done"
    skipped = "skipped"


class AgendaItem(Base):
    """One point of the agenda. `version` guards concurrent edits of the item;
    the order of the whole agenda is guarded by Conference.agenda_version."""

    __tablename__ = "agenda_items"

    id: Mapped[intpk]
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[Optional[str]] = mapped_column(Text)
    presenter_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    presenter_name: Mapped[Optional[str]] = mapped_column(String(200))
    planned_minutes: Mapped[int] = mapped_column(Integer, default=10)
    extra_seconds: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[ItemStatus] = mapped_column(default=ItemStatus.pending)
    started_at: Mapped[Optional[datetime]]
    ended_at: Mapped[Optional[datetime]]
    # Time spent in earlier running spells, and when the current spell began.
    elapsed_seconds: Mapped[int] = mapped_column(Integer, default=0)
    run_started_at: Mapped[Optional[datetime]]
    version: Mapped[int] = mapped_column(Integer, default=1)

    presenter: Mapped[Optional[User]] = relationship()
    documents: Mapped[list[AgendaDocument]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="AgendaDocument.id"
    )

    @property
    def planned_seconds(self) -> int:
        return self.planned_minutes * 60 + self.extra_seconds

    def elapsed_at(self, now: datetime) -> int:
        running = (now - self.run_started_at).total_seconds() if self.run_started_at else 0
        return self.elapsed_seconds + max(0, int(running))

    @property
    def presenter_label(self) -> str | None:
        if self.presenter is not None:
            return self.presenter.full_name
        return self.presenter_name

    @property
    def planned_duration(self) -> timedelta:
        return timedelta(seconds=self.planned_seconds)

    def __repr__(self) -> str:
        return f"<AgendaItem {self.id} #{self.position} {self.status}>"


class AgendaDocument(Base):
    """A file attached to an agenda item; kept under instance/uploads/, served to invitees."""

    __tablename__ = "agenda_documents"

    id: Mapped[intpk]
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(120), unique=True)
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[AgendaItem] = relationship(back_populates="documents")
    uploaded_by: Mapped[Optional[User]] = relationship()

    def __repr__(self) -> str:
        return f"<AgendaDocument {self.filename}>"
