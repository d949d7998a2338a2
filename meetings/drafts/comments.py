"""Comments on a draft's versions: who sees which, writing, replying, editing, deleting,
open comments carried to later versions, orphans, and the live broadcast.

A top-level comment belongs to the version it was written on and to a paragraph
(its anchor). Replies hang one level deep under it (a "thread"). An open comment
(no disposition, or a challenged one, and its paragraph still there) is shown
on every later version that still has its paragraph ("carried from vN").

Every function that changes something takes the acting user explicitly and
flushes; the caller commits through unit_of_work(). The Socket.IO broadcast of
a change is queued with after_commit(): a rolled-back change is never announced.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from meetings import audit, validation
from meetings.accounts.models import User
from meetings.conferences.models import Conference
from meetings.db import after_commit, unit_of_work, utcnow
from meetings.drafts import adoption, dispositions, permissions
from meetings.drafts.models import (
    Circulation,
    Comment,
    CommentKind,
    Disposition,
    Draft,
    DraftVersion,
    Paragraph,
    Recipient,
)
from meetings.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.extensions import db, socketio

NAMESPACE = "/drafts"
MAX_BODY = 10_000
MAX_QUOTE = 2_000
MAX_SUGGESTION = 20_000
MAX_KEY = 64
KEY_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")

COMMENT_NOT_FOUND = _l("This comment does not exist or is not shared with you.")

T = TypeVar("T")


# --- rooms of the /drafts namespace -----------------------------------------------------


def managers_room(draft_id: int) -> str:
    return f"draft:{draft_id}:managers"


def unit_room(draft_id: int, unit_id: int) -> str:
    return f"draft:{draft_id}:unit:{unit_id}"


def room_for(user: User, draft: Draft, conference: Conference) -> str:
    """The one room a person's socket joins: the managers', or their unit's."""
    if permissions.sees_all(user, draft, conference):
        return managers_room(draft.id)
    return unit_room(draft.id, user.unit_id)


# --- small facts ----------------------------------------------------------------------------


def is_open(comment: Comment) -> bool:
    """Still to be settled: top-level, its paragraph still there, no disposition or a challenged one."""
    return (
        comment.parent_id is None
        and comment.orphaned_in_id is None
        and (comment.disposition is None or comment.disposition.challenged)
    )


def _numbers(draft: Draft) -> dict[int, int]:
    return {v.id: v.number for v in draft.versions}


def thread_of(comment: Comment) -> Comment:
    if comment.parent_id is None:
        return comment
    parent = db.session.get(Comment, comment.parent_id)
    if parent is None:  # pragma: no cover - the foreign key keeps it
        raise NotFoundError(COMMENT_NOT_FOUND)
    return parent


# --- who sees and does what -------------------------------------------------------------------


def _authenticated(user: User | None) -> bool:
    return user is not None and user.is_authenticated


def can_see_comment(
    user: User | None, draft: Draft, conference: Conference, comment: Comment
) -> bool:
    """The drafting unit and organizers see every comment; a recipient unit sees its own
    unit's, and every unit's when the draft shares comments (those on a version it sees, or
    carried onto one). A reply is seen by whoever sees its thread."""
    if not _authenticated(user) or comment.draft_id != draft.id:
        return False
    thread = thread_of(comment)
    if permissions.sees_all(user, draft, conference):
        return True
    visible = permissions.visible_versions(user, draft, conference)
    if not visible:
        return False
    if thread.unit_id == user.unit_id:
        return True
    if not draft.comments_shared:
        return False
    written_on = _numbers(draft).get(thread.version_id, 0)
    return any(v.id == thread.version_id for v in visible) or (
        is_open(thread) and any(v.number > written_on for v in visible)
    )


def can_edit(user: User | None, comment: Comment, thread: Comment) -> bool:
    """The author, until the unit submitted its answer (top-level) and until the thread
    has a disposition (both)."""
    if not _authenticated(user) or comment.author_id != user.id:
        return False
    if thread.disposition is not None:
        return False
    return not (comment.parent_id is None and comment.submitted_at is not None)


def can_delete(user: User | None, comment: Comment, thread: Comment) -> bool:
    return can_edit(user, comment, thread) and not (comment.parent_id is None and comment.replies)


@dataclass(frozen=True)
class WriteState:
    """Whether the person may write a top-level comment on a version, and if not, why."""

    allowed: bool
    late: bool = False
    reason: str | None = None
    recipient: Recipient | None = None
    circulation: Circulation | None = None


def write_state(
    user: User | None,
    draft: Draft,
    conference: Conference,
    version: DraftVersion,
    now: datetime | None = None,
) -> WriteState:
    """A member of a unit the version was sent to, before its answer is submitted, before
    the deadline (after it only when late comments are allowed: then they are marked late)."""
    if not _authenticated(user):
        return WriteState(False, reason=str(_l("Please log in first.")))
    found = next(
        (
            (circulation, recipient)
            for circulation in version.circulations
            for recipient in circulation.recipients
            if recipient.unit_id == user.unit_id
        ),
        None,
    )
    if found is None:
        if permissions.can_manage(user, draft, conference):
            reason = _l(
                "The drafting unit and the organizers answer comments (replies and "
                "dispositions); only the units the version was sent to write comments."
            )
        else:
            reason = _l("Only the units this version was sent to may comment on it.")
        return WriteState(False, reason=str(reason))
    circulation, recipient = found
    if recipient.submitted_at is not None:
        return WriteState(
            False,
            reason=str(_l("Your unit has submitted its answer on this version: no more comments.")),
            recipient=recipient,
            circulation=circulation,
        )
    late = (now or utcnow()) > circulation.deadline
    if late and not circulation.allow_late:
        return WriteState(
            False,
            reason=str(
                _l("The deadline for comments has passed; the organizers do not accept late ones.")
            ),
            recipient=recipient,
            circulation=circulation,
        )
    return WriteState(True, late=late, recipient=recipient, circulation=circulation)


# --- reading: the threads of a version's page ---------------------------------------------------


@dataclass
class Thread:
    """A top-level comment with its replies, as one person sees it on one version's page."""

    comment: Comment
    replies: list[Comment]
    written_on: int = 0  # the number of the version it was written on
    carried_from: int | None = None  # the same, when shown on a later version's page
    orphaned_in: int | None = None  # the version in which its paragraph disappeared
    editable: frozenset[int] = field(default_factory=frozenset)
    deletable: frozenset[int] = field(default_factory=frozenset)
    can_reply: bool = True
    can_dispose: bool = False
    can_challenge: bool = False
    paragraph: Paragraph | None = None  # orphans: the paragraph as it was on its version

    @property
    def id(self) -> int:
        return self.comment.id

    @property
    def anchor(self) -> str:
        return self.comment.anchor

    @property
    def is_open(self) -> bool:
        return is_open(self.comment)


def _with_thread():
    """Load a top-level comment with what its thread shows (replies: see _load_threads)."""
    return (
        joinedload(Comment.author),
        joinedload(Comment.unit),
        joinedload(Comment.disposition).joinedload(Disposition.decided_by),
    )


def _load_threads(query) -> list[Comment]:
    """The top-level comments `query` selects, with their replies: two queries whatever
    their number (selectinload would send one query per 500 threads)."""
    tops = db.session.scalars(query.options(*_with_thread()).order_by(Comment.id)).unique().all()
    if not tops:
        return []
    ids = query.with_only_columns(Comment.id).order_by(None)
    replies: dict[int, list[Comment]] = {top.id: [] for top in tops}
    for reply in db.session.scalars(
        select(Comment)
        .where(Comment.parent_id.in_(ids))
        .options(joinedload(Comment.author), joinedload(Comment.unit))
        .order_by(Comment.id)
    ).unique():
        replies.setdefault(reply.parent_id, []).append(reply)
    for top in tops:
        set_committed_value(top, "replies", replies[top.id])
    return tops


def _thread(
    actor: User | None, draft: Draft, comment: Comment, numbers: dict[int, int], page_number=None
) -> Thread:
    written_on = numbers.get(comment.version_id)
    editable = {c.id for c in (comment, *comment.replies) if can_edit(actor, c, comment)}
    deletable = {c.id for c in (comment, *comment.replies) if can_delete(actor, c, comment)}
    return Thread(
        comment=comment,
        replies=list(comment.replies),
        written_on=written_on or 0,
        carried_from=written_on if page_number is not None and written_on != page_number else None,
        orphaned_in=numbers.get(comment.orphaned_in_id) if comment.orphaned_in_id else None,
        editable=frozenset(editable),
        deletable=frozenset(deletable),
        can_dispose=dispositions.can_dispose(actor, draft, comment),
        can_challenge=dispositions.can_challenge(actor, comment),
    )


def _unit_filter(actor: User | None, draft: Draft, conference: Conference):
    """SQL condition on top-level comments for what the person sees beyond the version check."""
    if permissions.sees_all(actor, draft, conference) or draft.comments_shared:
        return None
    return Comment.unit_id == actor.unit_id


def visible_threads(
    actor: User | None, draft: Draft, conference: Conference, version: DraftVersion
) -> dict[str, list[Thread]]:
    """The threads shown on version N's page, by paragraph anchor, oldest first.

    The comments written on N, plus the open ones written on an earlier version whose
    paragraph is in N ("carried"); only those the person may see. Two queries,
    however many paragraphs, comments and replies there are.
    """
    if not permissions.can_see_version(actor, draft, version, conference):
        raise NotFoundError(COMMENT_NOT_FOUND)
    carried = and_(
        DraftVersion.number < version.number,
        Comment.orphaned_in_id.is_(None),
        or_(Disposition.id.is_(None), Disposition.challenged.is_(True)),
        Comment.anchor.in_(select(Paragraph.anchor).where(Paragraph.version_id == version.id)),
    )
    query = (
        select(Comment)
        .join(DraftVersion, DraftVersion.id == Comment.version_id)
        .outerjoin(Disposition, Disposition.comment_id == Comment.id)
        .where(
            Comment.draft_id == draft.id,
            Comment.parent_id.is_(None),
            or_(Comment.version_id == version.id, carried),
        )
    )
    only_unit = _unit_filter(actor, draft, conference)
    if only_unit is not None:
        query = query.where(only_unit)
    numbers = _numbers(draft)
    threads: dict[str, list[Thread]] = {}
    for comment in _load_threads(query):
        threads.setdefault(comment.anchor, []).append(
            _thread(actor, draft, comment, numbers, version.number)
        )
    return threads


def orphaned(draft: Draft, actor: User | None = None) -> list[Thread]:
    """Top-level comments whose paragraph was deleted in a later version, with the paragraph
    as it was (for the drafting unit, who must still answer them). Three queries."""
    comments = _load_threads(
        select(Comment).where(
            Comment.draft_id == draft.id,
            Comment.parent_id.is_(None),
            Comment.orphaned_in_id.is_not(None),
        )
    )
    numbers = _numbers(draft)
    threads = [_thread(actor, draft, c, numbers) for c in comments]
    if threads:
        wanted = {(t.comment.version_id, t.anchor) for t in threads}
        paragraphs = {
            (p.version_id, p.anchor): p
            for p in db.session.scalars(
                select(Paragraph).where(
                    Paragraph.version_id.in_({v for v, _ in wanted}),
                    Paragraph.anchor.in_({a for _, a in wanted}),
                )
            )
        }
        for t in threads:
            t.paragraph = paragraphs.get((t.comment.version_id, t.anchor))
    return threads


@dataclass
class CommentsView:
    """Everything the draft page shows about comments, loaded up front."""

    version: DraftVersion
    threads: dict[str, list[Thread]]
    orphaned: list[Thread]
    write: WriteState
    shared: bool

    def count(self, anchor: str) -> int:
        return len(self.threads.get(anchor, ()))

    @property
    def total(self) -> int:
        return sum(len(t) for t in self.threads.values())

    @property
    def orphaned_pending(self) -> int:
        return sum(1 for t in self.orphaned if t.comment.disposition is None)


def page(
    actor: User | None,
    draft: Draft,
    conference: Conference,
    version: DraftVersion,
    now: datetime | None = None,
) -> CommentsView:
    """The comments of a version's page: threads by paragraph, the orphans (for the drafting
    unit and organizers, on the latest version) and whether the person may comment."""
    latest = draft.latest
    show_orphans = (
        permissions.can_manage(actor, draft, conference)
        and latest is not None
        and version.id == latest.id
    )
    return CommentsView(
        version=version,
        threads=visible_threads(actor, draft, conference, version),
        orphaned=orphaned(draft, actor) if show_orphans else [],
        write=write_state(actor, draft, conference, version, now),
        shared=draft.comments_shared,
    )


def get_comment(comment_id, *, actor: User | None, draft: Draft, conference: Conference) -> Comment:
    """A comment (top-level or reply) of the draft that the person may see; 404 otherwise."""
    comment = (
        db.session.scalar(
            select(Comment)
            .where(Comment.id == comment_id, Comment.draft_id == draft.id)
            .options(
                *_with_thread(),
                selectinload(Comment.replies).options(
                    joinedload(Comment.author), joinedload(Comment.unit)
                ),
            )
        )
        if isinstance(comment_id, int) and not isinstance(comment_id, bool)
        else None
    )
    if comment is None or not can_see_comment(actor, draft, conference, comment):
        raise NotFoundError(COMMENT_NOT_FOUND)
    return comment


def get_thread(
    thread_id,
    *,
    actor: User | None,
    draft: Draft,
    conference: Conference,
    version: DraftVersion | None = None,
) -> Thread:
    """One thread as the person sees it (on `version`'s page when given); 404 when it is not a
    top-level comment of the draft, not visible to them, or not shown on that page."""
    comment = get_comment(thread_id, actor=actor, draft=draft, conference=conference)
    if comment.parent_id is not None:
        raise NotFoundError(COMMENT_NOT_FOUND)
    numbers = _numbers(draft)
    if version is not None and not shown_on(actor, draft, conference, comment, version, numbers):
        raise NotFoundError(COMMENT_NOT_FOUND)
    thread = _thread(actor, draft, comment, numbers, version.number if version else None)
    if thread.orphaned_in is not None:
        thread.carried_from = None
    return thread


def shown_on(
    actor: User | None,
    draft: Draft,
    conference: Conference,
    comment: Comment,
    version: DraftVersion,
    numbers: dict[int, int] | None = None,
) -> bool:
    """Whether version N's page shows this top-level comment: written on N, or open and
    carried from an earlier version; or, on the latest version, in the managers' orphan list."""
    if comment.version_id == version.id:
        return True
    numbers = numbers if numbers is not None else _numbers(draft)
    if comment.orphaned_in_id is not None:
        latest = draft.latest
        return (
            latest is not None
            and version.id == latest.id
            and permissions.can_manage(actor, draft, conference)
        )
    return (
        is_open(comment)
        and numbers.get(comment.version_id, 0) < version.number
        and any(p.anchor == comment.anchor for p in version.paragraphs)
    )


# --- input ---------------------------------------------------------------------------------------


def _normalized(value: str) -> str:
    return " ".join(value.split())


def _idempotency_key(value) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not KEY_RE.match(value.strip()):
        raise ValidationError.on(
            "idempotency_key",
            _l(
                "The idempotency key must be 1 to %(n)d letters, digits or - _ . : characters.",
                n=MAX_KEY,
            ),
        )
    return value.strip()


def _kind(value) -> CommentKind:
    if value in (None, ""):
        return CommentKind.remark
    try:
        return CommentKind(value)
    except ValueError:
        raise ValidationError.on(
            "kind", _l("Choose “remark” or “suggestion” (a replacement text).")
        ) from None


def _quote(value, paragraph: Paragraph) -> str | None:
    quote = validation.text(value, "quote", max_length=MAX_QUOTE, required=False)
    if quote is None:
        return None
    quote = _normalized(quote)
    if quote not in _normalized(paragraph.text):
        raise ValidationError.on(
            "quote",
            _l(
                "The quoted words are not in paragraph %(n)d. Select the words in the "
                "paragraph again, or leave the quote empty.",
                n=paragraph.position,
            ),
        )
    return quote


def _content(kind: CommentKind, body, suggested_text) -> tuple[str, str | None]:
    """The body (required for a remark) and the suggested text (required for a suggestion)."""
    if kind == CommentKind.suggestion:
        suggested = validation.text(
            suggested_text, "suggested_text", max_length=MAX_SUGGESTION, required=False
        )
        if suggested is None:
            raise ValidationError.on(
                "suggested_text", _l("Write the text you suggest for this paragraph.")
            )
        body = validation.text(body, "body", max_length=MAX_BODY, required=False)
        return body or "", suggested
    body = validation.text(body, "body", max_length=MAX_BODY, required=False)
    if body is None:
        raise ValidationError.on("body", _l("Write your comment: it is empty."))
    return body, None


def _reply_body(body) -> str:
    body = validation.text(body, "body", max_length=MAX_BODY, required=False)
    if body is None:
        raise ValidationError.on("body", _l("Write your reply: it is empty."))
    return body


def _refuse_reply_extras(data: dict) -> None:
    if data.get("quote") or data.get("suggested_text") or data.get("kind") == "suggestion":
        raise ValidationError.on(
            "kind", _l("A reply is a plain remark: it has no quote and no suggested text.")
        )


def _parent(value, actor: User, draft: Draft, conference: Conference) -> Comment:
    """The thread a reply goes to; a reply to a reply joins the same thread."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    parent = (
        db.session.get(Comment, value)
        if isinstance(value, int) and not isinstance(value, bool)
        else None
    )
    if (
        parent is None
        or parent.draft_id != draft.id
        or not can_see_comment(actor, draft, conference, parent)
    ):
        raise ValidationError.on(
            "parent_id", _l("You can only reply to a comment of this draft that you can see.")
        )
    return thread_of(parent)


def _removed_in(draft: Draft, version: DraftVersion, anchor: str) -> int | None:
    """The first later version without this paragraph: a comment written on an older
    version whose paragraph is already gone is an orphan from the start."""
    later = [v for v in draft.versions if v.number > version.number]
    if not later:
        return None
    present = set(
        db.session.scalars(
            select(Paragraph.version_id).where(
                Paragraph.version_id.in_([v.id for v in later]), Paragraph.anchor == anchor
            )
        )
    )
    return next((v.id for v in later if v.id not in present), None)


def _by_key(actor: User, key: str | None) -> Comment | None:
    if key is None:
        return None
    return db.session.scalar(
        select(Comment).where(Comment.author_id == actor.id, Comment.idempotency_key == key)
    )


# --- writing -----------------------------------------------------------------------------------


def add_comment(
    actor: User,
    draft: Draft,
    conference: Conference,
    version: DraftVersion,
    data: dict,
    now: datetime | None = None,
) -> Comment:
    """A top-level comment on a paragraph of `version`, or a reply (data["parent_id"]).

    data: anchor, body, kind (remark | suggestion), quote, suggested_text, parent_id,
    idempotency_key. A request retried with the same idempotency key returns the comment
    the first one stored, never a second one.
    """
    if version.draft_id != draft.id or not permissions.can_see_version(
        actor, draft, version, conference
    ):
        raise NotFoundError(COMMENT_NOT_FOUND)
    key = _idempotency_key(data.get("idempotency_key"))
    existing = _by_key(actor, key)
    if existing is not None:
        if existing.draft_id != draft.id:
            raise ConflictError(
                _l("This idempotency key was already used for a comment on another draft.")
            )
        return existing
    now = now or utcnow()

    if data.get("parent_id") not in (None, ""):
        _refuse_reply_extras(data)
        thread = _parent(data.get("parent_id"), actor, draft, conference)
        comment = Comment(
            draft_id=draft.id,
            version_id=thread.version_id,
            anchor=thread.anchor,
            kind=CommentKind.remark,
            body=_reply_body(data.get("body")),
            parent_id=thread.id,
            author_id=actor.id,
            unit_id=actor.unit_id,
            idempotency_key=key,
            created_at=now,
            updated_at=now,
        )
    else:
        state = write_state(actor, draft, conference, version, now)
        if not state.allowed:
            error = InvalidStateError if state.recipient is not None else PermissionDeniedError
            raise error(state.reason)
        paragraphs = {p.anchor: p for p in version.paragraphs}
        anchor = data.get("anchor")
        paragraph = paragraphs.get(anchor) if isinstance(anchor, str) else None
        if paragraph is None:
            raise ValidationError.on(
                "anchor",
                _l(
                    "Choose a paragraph of version %(n)d: the one you commented on is not "
                    "part of this version.",
                    n=version.number,
                ),
            )
        kind = _kind(data.get("kind"))
        body, suggested = _content(kind, data.get("body"), data.get("suggested_text"))
        comment = Comment(
            draft_id=draft.id,
            version_id=version.id,
            anchor=paragraph.anchor,
            quote=_quote(data.get("quote"), paragraph),
            kind=kind,
            body=body,
            suggested_text=suggested,
            author_id=actor.id,
            unit_id=actor.unit_id,
            late=state.late,
            orphaned_in_id=_removed_in(draft, version, paragraph.anchor),
            idempotency_key=key,
            created_at=now,
            updated_at=now,
        )
    db.session.add(comment)
    db.session.flush()
    audit.record(
        db.session,
        actor,
        "comment.reply" if comment.parent_id else "comment.create",
        comment,
        draft=draft.id,
        version=version.number,
        anchor=comment.anchor,
        kind=comment.kind.value,
        late=comment.late,
    )
    broadcast(comment, "created")
    if comment.parent_id is None:
        adoption.comments_changed(draft, conference)
    return comment


def _check_change(actor: User, comment: Comment, thread: Comment) -> None:
    if comment.author_id != actor.id:
        raise PermissionDeniedError(_l("Only its author may change or delete a comment."))
    if thread.disposition is not None:
        raise InvalidStateError(
            _l("The drafting unit has answered this comment: it can no longer be changed.")
        )
    if comment.parent_id is None and comment.submitted_at is not None:
        raise InvalidStateError(
            _l("Your unit has submitted its answer: this comment can no longer be changed.")
        )


def edit_comment(
    actor: User, draft: Draft, conference: Conference, comment: Comment, data: dict
) -> Comment:
    """Change a comment's body (and, for a top-level one, kind, quote, suggested text); the
    keys absent from `data` stay as they are. Same id, same thread."""
    if not can_see_comment(actor, draft, conference, comment):
        raise NotFoundError(COMMENT_NOT_FOUND)
    thread = thread_of(comment)
    _check_change(actor, comment, thread)
    if comment.parent_id is not None:
        _refuse_reply_extras(data)
        if "body" in data:
            comment.body = _reply_body(data.get("body"))
    else:
        kind = _kind(data["kind"]) if "kind" in data else comment.kind
        body = data.get("body", comment.body)
        suggested = data.get("suggested_text", comment.suggested_text)
        comment.body, comment.suggested_text = _content(kind, body, suggested)
        comment.kind = kind
        if "quote" in data:
            paragraph = db.session.scalar(
                select(Paragraph).where(
                    Paragraph.version_id == comment.version_id, Paragraph.anchor == comment.anchor
                )
            )
            comment.quote = _quote(data.get("quote"), paragraph) if paragraph else None
    comment.updated_at = utcnow()
    db.session.flush()
    audit.record(db.session, actor, "comment.edit", comment, draft=draft.id)
    broadcast(comment, "edited")
    return comment


def delete_comment(actor: User, draft: Draft, conference: Conference, comment: Comment) -> None:
    """Delete one's own comment while it can still be changed; one with replies stays."""
    if not can_see_comment(actor, draft, conference, comment):
        raise NotFoundError(COMMENT_NOT_FOUND)
    thread = thread_of(comment)
    _check_change(actor, comment, thread)
    if comment.parent_id is None and comment.replies:
        raise InvalidStateError(
            _l("This comment has replies, so it cannot be deleted; edit it instead.")
        )
    broadcast(comment, "deleted")
    audit.record(
        db.session, actor, "comment.delete", comment, draft=draft.id, anchor=comment.anchor
    )
    db.session.delete(comment)
    db.session.flush()
    if comment.parent_id is None:
        adoption.comments_changed(draft, conference)


def with_duplicate_retry(work: Callable[[], T]) -> T:
    """Run `work` in a unit of work. Should a concurrent request with the same idempotency
    key win the race (the unique key refuses the second row), run it once more: it then
    finds and returns the comment the other request stored."""
    try:
        with unit_of_work():
            return work()
    except IntegrityError:
        with unit_of_work():
            return work()


# --- live -----------------------------------------------------------------------------------------


def broadcast(comment: Comment, action: str) -> None:
    """Tell the pages showing the comment's thread that it changed (after the commit).

    Sent on /drafts as "comment" {draft_id, thread_id, comment_id, anchor, version, action}
    to the managers' room, the thread's unit's room and, when the draft shares comments,
    the rooms of the units its version (or a later one it may be carried to) was sent to.
    Ids only: each page fetches the thread again, which checks who may see it.
    """
    thread = thread_of(comment)
    draft = db.session.get(Draft, comment.draft_id)
    numbers = _numbers(draft)
    written_on = numbers.get(thread.version_id, 0)
    rooms = {managers_room(draft.id), unit_room(draft.id, thread.unit_id)}
    if draft.comments_shared:
        for version in draft.versions:
            if version.number >= written_on:
                rooms.update(
                    unit_room(draft.id, r) for r in permissions.recipient_unit_ids(version)
                )
    payload = {
        "draft_id": draft.id,
        "thread_id": thread.id,
        "comment_id": comment.id,
        "anchor": thread.anchor,
        "version": written_on,
        "action": action,
    }
    targets = sorted(rooms)
    after_commit(
        db.session,
        lambda: socketio.emit("comment", payload, to=targets, namespace=NAMESPACE),
    )
