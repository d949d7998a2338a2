"""Concluding directives and what follows the meeting: the conclusion notice, the minutes,
the progress reports of the assigned units, and the public summary."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Optional

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetings.accounts.models import Unit, User
from meetings.db import Base, intpk, utcnow

directive_units = Table(
    "directive_units",
    Base.metadata,
    Column("directive_id", ForeignKey("directives.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id"), primary_key=True),
)


class DirectiveState(enum.StrEnum):
    """Recorded during the meeting (draft, shown as such in the room), then confirmed by
    the chair; only confirmed directives go into the notice and are followed up."""

    draft = "draft"
    confirmed = "confirmed"


class DirectiveStatus(enum.StrEnum):
    """Follow-up; "overdue" is computed from the deadline, not stored."""

    open = "open"
    in_progress = "in_progress"
    done = "done"


class Directive(Base):
    """A concluding directive of the chair: text, lead unit, cooperating units, deadline."""

    __tablename__ = "directives"
    __table_args__ = (UniqueConstraint("conference_id", "number"),)

    id: Mapped[intpk]
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id"), index=True)
    agenda_item_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agenda_items.id"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    lead_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    deadline: Mapped[date]
    state: Mapped[DirectiveState] = mapped_column(default=DirectiveState.draft)
    status: Mapped[DirectiveStatus] = mapped_column(default=DirectiveStatus.open, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    confirmed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[Optional[datetime]]
    completed_at: Mapped[Optional[datetime]]
    # Reminders before the deadline and the escalation to the organizers once overdue.
    reminded_at: Mapped[Optional[datetime]]
    escalated_at: Mapped[Optional[datetime]]

    lead_unit: Mapped[Unit] = relationship(foreign_keys=[lead_unit_id])
    cooperating_units: Mapped[list[Unit]] = relationship(
        secondary=directive_units, order_by="Unit.name_vi"
    )
    reports: Mapped[list[ProgressReport]] = relationship(
        back_populates="directive", order_by="ProgressReport.id", cascade="all, delete-orphan"
    )

    def is_overdue(self, today: date) -> bool:
        return self.status != DirectiveStatus.done and today > self.deadline

    def __repr__(self) -> str:
        return f"<Directive {self.conference_id}#{self.number}>"


class ReportReview(enum.StrEnum):
    """Only a report that proposes completion is reviewed by the organizers."""

    none = "none"
    pending = "pending"
    accepted = "accepted"
    sent_back = "sent_back"


class ProgressReport(Base):
    """A lead unit's report on a directive; it may propose that the directive is done."""

    __tablename__ = "progress_reports"

    id: Mapped[intpk]
    directive_id: Mapped[int] = mapped_column(ForeignKey("directives.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    proposes_completion: Mapped[bool] = mapped_column(Boolean, default=False)
    review: Mapped[ReportReview] = mapped_column(default=ReportReview.none)
    review_note: Mapped[Optional[str]] = mapped_column(Text)
    reviewed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[Optional[datetime]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    directive: Mapped[Directive] = relationship(back_populates="reports")
    unit: Mapped[Unit] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    attachments: Mapped[list[ReportAttachment]] = relationship(
        back_populates="report", order_by="ReportAttachment.id", cascade="all, delete-orphan"
    )


class ReportAttachment(Base):
    """A file attached to a progress report (checked by content, stored under a random key)."""

    __tablename__ = "report_attachments"

    id: Mapped[intpk]
    report_id: Mapped[int] = mapped_column(ForeignKey("progress_reports.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(120), unique=True)

    report: Mapped[ProgressReport] = relationship(back_populates="attachments")


class NoticeStatus(enum.StrEnum):
    draft = "draft"
    issued = "issued"


class Notice(Base):
    """The conclusion notice (thông báo kết luận) in the layout of Decree 30/2020/NĐ-CP.

    Editable while a draft; issuing gives it its number in the issuing body's series
    for the year (Số: 123/TB-UBDT) and freezes it, directives included (`directives`
    keeps the list as issued). A correction is a new notice that `replaces` it."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("symbol", "year", "number"),)

    id: Mapped[intpk]
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id"), index=True)
    status: Mapped[NoticeStatus] = mapped_column(default=NoticeStatus.draft)
    # The series: "TB-UBDT"; number and year are given when it is issued.
    symbol: Mapped[str] = mapped_column(String(40))
    year: Mapped[Optional[int]]
    number: Mapped[Optional[int]]
    parent_body: Mapped[str] = mapped_column(String(200))  # e.g. "CHÍNH PHỦ" (may be empty)
    issuing_body: Mapped[str] = mapped_column(String(200))  # e.g. "ỦY BAN DÂN TỘC"
    place: Mapped[str] = mapped_column(String(100))  # e.g. "Hà Nội"
    issued_on: Mapped[Optional[date]]
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)  # who chaired, who attended, what was reviewed
    closing: Mapped[Optional[str]] = mapped_column(Text)
    recipients: Mapped[str] = mapped_column(Text)  # Nơi nhận, one per line
    signer_title: Mapped[str] = mapped_column(String(200))  # e.g. "TL. BỘ TRƯỞNG, CHỦ NHIỆM"
    signer_name: Mapped[str] = mapped_column(String(200))
    directives: Mapped[Optional[list]] = mapped_column(JSON)  # frozen when issued
    replaces_id: Mapped[Optional[int]] = mapped_column(ForeignKey("notices.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    issued_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[Optional[datetime]]

    replaces: Mapped[Optional[Notice]] = relationship(remote_side="Notice.id")

    @property
    def reference(self) -> str | None:
        """ "123/TB-UBDT" once issued."""
        return f"{self.number}/{self.symbol}" if self.number is not None else None


class MinutesRevision(Base):
    """One saved revision of a conference's minutes (biên bản); every save is kept."""

    __tablename__ = "minutes_revisions"
    __table_args__ = (UniqueConstraint("conference_id", "number"),)

    id: Mapped[intpk]
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)  # Markdown
    generated: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[Optional[str]] = mapped_column(String(500))
    saved_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)

    saved_by: Mapped[Optional[User]] = relationship()


class PublicSummary(Base):
    """The news-style summary of a conference on a public page, once published."""

    __tablename__ = "public_summaries"

    id: Mapped[intpk]
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id"), unique=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    lead: Mapped[Optional[str]] = mapped_column(Text)  # the standfirst
    body: Mapped[str] = mapped_column(Text)  # Markdown
    photo_storage_key: Mapped[Optional[str]] = mapped_column(String(120))
    photo_content_type: Mapped[Optional[str]] = mapped_column(String(120))
    photo_caption: Mapped[Optional[str]] = mapped_column(String(300))
    author_name: Mapped[Optional[str]] = mapped_column(String(200))
    published_at: Mapped[Optional[datetime]]
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
