from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetings.accounts.models import Unit, User
from meetings.db import Base, intpk, utcnow


class Draft(Base):
    """A draft report of a conference, owned by its drafting unit."""

    __tablename__ = "drafts"

    id: Mapped[intpk]
    conference_id: Mapped[int] = mapped_column(ForeignKey("conferences.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    drafting_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    agenda_item_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agenda_items.id"))
    # Whether recipient units see each other's comments (else only their own).
    comments_shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    drafting_unit: Mapped[Unit] = relationship()
    versions: Mapped[list[DraftVersion]] = relationship(
        back_populates="draft", order_by="DraftVersion.number", cascade="all, delete-orphan"
    )

    @property
    def latest(self) -> DraftVersion | None:
        return self.versions[-1] if self.versions else None

    def __repr__(self) -> str:
        return f"<Draft {self.id} {self.title[:30]!r}>"


class VersionSource(enum.StrEnum):
    text = "text"
    docx = "docx"


class DraftVersion(Base):
    """One immutable version of a draft: its paragraphs, and the uploaded original if any."""

    __tablename__ = "draft_versions"
    __table_args__ = (UniqueConstraint("draft_id", "number"),)

    id: Mapped[intpk]
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    source: Mapped[VersionSource] = mapped_column(default=VersionSource.text)
    note: Mapped[Optional[str]] = mapped_column(String(500))
    original_filename: Mapped[Optional[str]] = mapped_column(String(255))
    original_storage_key: Mapped[Optional[str]] = mapped_column(String(120))
    original_size: Mapped[Optional[int]]
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    draft: Mapped[Draft] = relationship(back_populates="versions")
    created_by: Mapped[Optional[User]] = relationship()
    paragraphs: Mapped[list[Paragraph]] = relationship(
        back_populates="version", order_by="Paragraph.position", cascade="all, delete-orphan"
    )
    circulations: Mapped[list[Circulation]] = relationship(
        back_populates="version", order_by="Circulation.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<DraftVersion {self.draft_id} v{self.number}>"


class ParagraphKind(enum.StrEnum):
    heading = "heading"
    text = "text"
    list_item = "list_item"


class Paragraph(Base):
    """A numbered paragraph of a version. `anchor` is its identity across versions:
    an unchanged or slightly edited paragraph keeps the anchor of its predecessor."""

    __tablename__ = "paragraphs"
    __table_args__ = (UniqueConstraint("version_id", "anchor"),)

    id: Mapped[intpk]
    version_id: Mapped[int] = mapped_column(ForeignKey("draft_versions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    anchor: Mapped[str] = mapped_column(String(32))
    kind: Mapped[ParagraphKind] = mapped_column(default=ParagraphKind.text)
    level: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)

    version: Mapped[DraftVersion] = relationship(back_populates="paragraphs")


class Circulation(Base):
    """A version sent to units for comments, with a deadline."""

    __tablename__ = "circulations"

    id: Mapped[intpk]
    version_id: Mapped[int] = mapped_column(ForeignKey("draft_versions.id"), index=True)
    deadline: Mapped[datetime]
    allow_late: Mapped[bool] = mapped_column(Boolean, default=False)
    message: Mapped[Optional[str]] = mapped_column(Text)
    sent_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

    version: Mapped[DraftVersion] = relationship(back_populates="circulations")
    recipients: Mapped[list[Recipient]] = relationship(
        back_populates="circulation", order_by="Recipient.id", cascade="all, delete-orphan"
    )


class Answer(enum.StrEnum):
    pending = "pending"
    agree = "agree"  # "agree, no comments"
    comments = "comments"


class Recipient(Base):
    """A unit a version was circulated to, with its read receipt and its answer."""

    __tablename__ = "circulation_recipients"
    __table_args__ = (UniqueConstraint("circulation_id", "unit_id"),)

    id: Mapped[intpk]
    circulation_id: Mapped[int] = mapped_column(ForeignKey("circulations.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    first_read_at: Mapped[Optional[datetime]]
    answer: Mapped[Answer] = mapped_column(default=Answer.pending)
    submitted_at: Mapped[Optional[datetime]]
    submitted_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    reminded_at: Mapped[Optional[datetime]]

    circulation: Mapped[Circulation] = relationship(back_populates="recipients")
    unit: Mapped[Unit] = relationship()


class CommentKind(enum.StrEnum):
    remark = "remark"
    suggestion = "suggestion"


class Comment(Base):
    """A comment on a paragraph (its anchor) of a version, or a reply to another comment."""

    __tablename__ = "comments"
    __table_args__ = (UniqueConstraint("author_id", "idempotency_key"),)

    id: Mapped[intpk]
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("draft_versions.id"), index=True)
    anchor: Mapped[str] = mapped_column(String(32), index=True)
    quote: Mapped[Optional[str]] = mapped_column(Text)
    kind: Mapped[CommentKind] = mapped_column(default=CommentKind.remark)
    body: Mapped[str] = mapped_column(Text)
    suggested_text: Mapped[Optional[str]] = mapped_column(Text)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("comments.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when the unit submitted its answer: the comment can no longer be edited.
    submitted_at: Mapped[Optional[datetime]]
    # The version in which its paragraph was deleted (the drafting unit must handle it).
    orphaned_in_id: Mapped[Optional[int]] = mapped_column(ForeignKey("draft_versions.id"))
    idempotency_key: Mapped[Optional[str]] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    author: Mapped[User] = relationship()
    unit: Mapped[Unit] = relationship()
    replies: Mapped[list[Comment]] = relationship(order_by="Comment.id")
    disposition: Mapped[Optional[Disposition]] = relationship(
        back_populates="comment", uselist=False, cascade="all, delete-orphan"
    )


class Decision(enum.StrEnum):
    accepted = "accepted"  # tiếp thu
    partly_accepted = "partly_accepted"  # tiếp thu một phần
    explained = "explained"  # giải trình


class Disposition(Base):
    """The drafting unit's answer to a comment."""

    __tablename__ = "dispositions"

    id: Mapped[intpk]
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), unique=True)
    decision: Mapped[Decision]
    reason: Mapped[str] = mapped_column(Text)
    apply_suggestion: Mapped[bool] = mapped_column(Boolean, default=False)
    # An explained comment its author still contests: a discussion point at the meeting.
    challenged: Mapped[bool] = mapped_column(Boolean, default=False)
    # The version the accepted suggestion was written into (None: not applied yet).
    applied_in_id: Mapped[Optional[int]] = mapped_column(ForeignKey("draft_versions.id"))
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    comment: Mapped[Comment] = relationship(back_populates="disposition")
    decided_by: Mapped[Optional[User]] = relationship()


class VoteAnswer(enum.StrEnum):
    agree = "agree"
    agree_with_comments = "agree_with_comments"
    disagree = "disagree"


class AdoptionVote(Base):
    """The chair's call to adopt a draft at the meeting; units answer, the room is counted."""

    __tablename__ = "adoption_votes"

    id: Mapped[intpk]
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("draft_versions.id"))
    opened_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[Optional[datetime]]
    room_agree: Mapped[Optional[int]]
    room_agree_with_comments: Mapped[Optional[int]]
    room_disagree: Mapped[Optional[int]]
    # Presence when it closed: units present (room + connected sites), and the quorum.
    present_units: Mapped[Optional[int]]
    quorum: Mapped[Optional[int]]
    adopted: Mapped[Optional[bool]]

    ballots: Mapped[list[Ballot]] = relationship(
        back_populates="vote", order_by="Ballot.id", cascade="all, delete-orphan"
    )


class Ballot(Base):
    __tablename__ = "adoption_ballots"
    __table_args__ = (UniqueConstraint("vote_id", "unit_id"),)

    id: Mapped[intpk]
    vote_id: Mapped[int] = mapped_column(ForeignKey("adoption_votes.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    answer: Mapped[VoteAnswer]
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    site_id: Mapped[Optional[int]] = mapped_column(ForeignKey("sites.id"))
    cast_at: Mapped[datetime] = mapped_column(default=utcnow)

    vote: Mapped[AdoptionVote] = relationship(back_populates="ballots")
    unit: Mapped[Unit] = relationship()
