"""Dispositions: the drafting unit's answer to each comment, and what follows from it.

Only members of the drafting unit answer a comment: accepted (tiếp thu), partly
accepted (tiếp thu một phần) or explained (giải trình), with the reason (required
unless accepted). The answer may be changed at any time; every change is audited.
The comment's unit may challenge an explained or partly accepted answer (a reply
saying why): the comment is then open again, a discussion point at the meeting.

An accepted suggestion marked `apply_suggestion` is written into the next
version: next_version_text() pre-fills the "New version" form with it, and
mark_applied(), called by services.save_version, records the version it went into.

Every function that changes something takes the acting user explicitly and
flushes; the caller commits through unit_of_work().
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from meetings import audit, validation
from meetings.accounts.models import User
from meetings.conferences.models import Conference
from meetings.db import utcnow
from meetings.drafts import adoption, permissions, text
from meetings.drafts.models import (
    Comment,
    CommentKind,
    Decision,
    Disposition,
    Draft,
    DraftVersion,
)
from meetings.errors import (
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.extensions import db

MAX_REASON = 5000
# An answer the comment's unit may contest.
CHALLENGEABLE = (Decision.partly_accepted, Decision.explained)
# An answer whose suggestion may be written into the next version.
APPLICABLE = (Decision.accepted, Decision.partly_accepted)

COMMENT_NOT_FOUND = _l("This comment does not exist or is not shared with you.")

TRUE_WORDS = {"1", "true", "on", "yes", "y"}
FALSE_WORDS = {"", "0", "false", "off", "no", "n"}
LIST_MARKER_RE = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+")
HEADING_MARKER_RE = re.compile(r"^#{1,6}\s+")


# --- who may see and do what -----------------------------------------------------------


def comment_scope(user: User | None, draft: Draft, conference: Conference) -> int | None:
    """Whose comments a person who sees a version sees there: None for every unit's, else one.

    The drafting unit and the organizers see all; a recipient unit sees its own,
    and every recipient's when the draft shares comments.
    """
    if permissions.sees_all(user, draft, conference) or draft.comments_shared:
        return None
    return user.unit_id if user is not None and user.is_authenticated else -1


def can_see_comment(
    user: User | None, draft: Draft, conference: Conference, comment: Comment
) -> bool:
    """The one rule of meetings.drafts.comments (pages, API, sockets); its gist without it."""
    try:
        from meetings.drafts.comments import can_see_comment as rule
    except ImportError:  # pragma: no cover - the comments module ships alongside this one
        rule = None
    if rule is not None:
        return rule(user, draft, conference, comment)
    thread = comment
    if comment.parent_id is not None:
        thread = db.session.get(Comment, comment.parent_id)
    if not permissions.can_see_draft(user, draft, conference):
        return False
    scope = comment_scope(user, draft, conference)
    return scope is None or scope == thread.unit_id


def can_dispose(user: User | None, draft: Draft, comment: Comment | None = None) -> bool:
    """Members of the drafting unit answer top-level comments (not the organizers)."""
    return permissions.is_drafter(user, draft) and (comment is None or comment.parent_id is None)


def can_challenge(user: User | None, comment: Comment) -> bool:
    """The comment's unit may contest an explained or partly accepted answer, once."""
    answer = comment.disposition
    return (
        user is not None
        and user.is_authenticated
        and comment.parent_id is None
        and user.unit_id == comment.unit_id
        and answer is not None
        and answer.decision in CHALLENGEABLE
        and not answer.challenged
    )


# --- loading ---------------------------------------------------------------------------


def get_comment(
    draft: Draft,
    conference: Conference,
    comment_id,
    *,
    actor: User | None,
    for_update: bool = False,
) -> Comment:
    """A comment of this draft the person may see, with its answer; 404 otherwise.

    `for_update` locks the comment's row (PostgreSQL), so two people answering the
    same comment at once are served one after the other.
    """
    query = (
        select(Comment)
        .where(Comment.id == comment_id, Comment.draft_id == draft.id)
        .options(selectinload(Comment.disposition), selectinload(Comment.unit))
    )
    if for_update:
        query = query.with_for_update(of=Comment)
    comment = (
        db.session.scalar(query)
        if isinstance(comment_id, int) and not isinstance(comment_id, bool)
        else None
    )
    if comment is None:
        raise NotFoundError(COMMENT_NOT_FOUND)
    if not can_see_comment(actor, draft, conference, comment):
        raise NotFoundError(COMMENT_NOT_FOUND)
    return comment


# --- input -----------------------------------------------------------------------------


def _decision(value) -> Decision:
    if isinstance(value, Decision):
        return value
    try:
        return Decision(value.strip() if isinstance(value, str) else value)
    except ValueError as exc:
        if value in (None, ""):
            message = _l("Choose the answer: accepted, partly accepted or explained.")
        else:
            message = _l(
                "Unknown answer “%(value)s”: choose accepted, partly accepted or explained.",
                value=str(value)[:40],
            )
        raise ValidationError.on("decision", message) from exc


def _flag(value, field_name: str) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    raise ValidationError.on(field_name, _l("Enter true or false."))


def _reason(value, decision: Decision) -> str:
    reason = validation.text(value, "reason", max_length=MAX_REASON, required=False)
    if not reason and decision != Decision.accepted:
        raise ValidationError.on(
            "reason",
            _l("Give the reason: a partly accepted or explained comment needs one."),
        )
    return reason or ""


def _broadcast(comment: Comment, action: str) -> None:
    """Tell the people looking at the draft (meetings.drafts.comments queues it after commit)."""
    try:
        from meetings.drafts import comments
    except ImportError:  # pragma: no cover - the comments module ships alongside this one
        return
    broadcast = getattr(comments, "broadcast", None)
    if broadcast is not None:
        broadcast(comment, action)


# --- answering -------------------------------------------------------------------------


def dispose(
    *,
    actor: User,
    draft: Draft,
    conference: Conference,
    comment: Comment,
    data: dict,
    now: datetime | None = None,
) -> Disposition:
    """Answer a comment (or change the answer): decision, reason, apply_suggestion.

    A new answer ends a challenge: the comment's unit may challenge it again.
    """
    if not permissions.is_drafter(actor, draft):
        raise PermissionDeniedError(_l("Only the drafting unit answers the comments on its draft."))
    if comment.draft_id != draft.id:
        raise NotFoundError(COMMENT_NOT_FOUND)
    if comment.parent_id is not None:
        raise ValidationError.on(
            "comment",
            _l("A reply is not answered on its own: answer the comment it replies to."),
        )
    decision = _decision(data.get("decision"))
    reason = _reason(data.get("reason"), decision)
    apply = _flag(data.get("apply_suggestion"), "apply_suggestion")
    if apply:
        if comment.kind != CommentKind.suggestion or not (comment.suggested_text or "").strip():
            raise ValidationError.on(
                "apply_suggestion",
                _l("This comment suggests no text that could be written into the draft."),
            )
        if decision not in APPLICABLE:
            raise ValidationError.on(
                "apply_suggestion",
                _l("Only an accepted or partly accepted suggestion is written into the draft."),
            )
        if comment.orphaned_in_id is not None:
            raise ValidationError.on(
                "apply_suggestion",
                _l(
                    "The paragraph of this comment was deleted in a later version, so its "
                    "suggestion cannot be written in; copy it by hand if you still want it."
                ),
            )

    answer = comment.disposition
    before = (
        None
        if answer is None
        else (answer.decision, answer.reason, answer.apply_suggestion, answer.challenged)
    )
    if before == (decision, reason, apply, False):
        return answer  # the same answer again (a retried request): nothing to record
    if answer is None:
        answer = Disposition(comment_id=comment.id)
        comment.disposition = answer
    answer.decision = decision
    answer.reason = reason
    answer.apply_suggestion = apply
    answer.challenged = False
    answer.decided_by_id = actor.id
    answer.decided_at = now or utcnow()
    db.session.flush()
    audit.record(
        db.session,
        actor,
        "disposition.set" if before is None else "disposition.change",
        answer,
        comment=comment.id,
        draft=draft.id,
        decision=decision.value,
        reason=reason,
        apply_suggestion=apply,
        previous=None if before is None else before[0].value,
        was_challenged=None if before is None else before[3],
    )
    _broadcast(comment, "disposed")
    adoption.comments_changed(draft, conference)
    return answer


def challenge(
    *,
    actor: User,
    draft: Draft,
    conference: Conference,
    comment: Comment,
    reason,
    now: datetime | None = None,
) -> Comment:
    """The comment's unit contests the answer: a reply saying why, and the comment is open again."""
    if comment.draft_id != draft.id:
        raise NotFoundError(COMMENT_NOT_FOUND)
    if comment.parent_id is not None:
        raise ValidationError.on(
            "comment", _l("Challenge the answer to the comment itself, not a reply.")
        )
    if actor.unit_id != comment.unit_id:
        raise PermissionDeniedError(
            _l("Only the unit that wrote this comment may challenge its answer.")
        )
    answer = comment.disposition
    if answer is None:
        raise InvalidStateError(
            _l("This comment has not been answered yet: there is nothing to challenge.")
        )
    if answer.decision not in CHALLENGEABLE:
        raise InvalidStateError(_l("An accepted comment cannot be challenged."))
    if answer.challenged:
        raise InvalidStateError(
            _l("Your unit already challenged this answer; it is a discussion point at the meeting.")
        )
    body = validation.text(reason, "reason", max_length=MAX_REASON, required=False)
    if not body:
        raise ValidationError.on(
            "reason", _l("Explain why your unit does not agree with this answer.")
        )
    reply = Comment(
        draft_id=draft.id,
        version_id=comment.version_id,
        anchor=comment.anchor,
        kind=CommentKind.remark,
        body=body,
        parent_id=comment.id,
        author_id=actor.id,
        unit_id=actor.unit_id,
        submitted_at=now or utcnow(),
        created_at=now or utcnow(),
    )
    db.session.add(reply)
    answer.challenged = True
    db.session.flush()
    audit.record(
        db.session,
        actor,
        "disposition.challenge",
        answer,
        comment=comment.id,
        draft=draft.id,
        reply=reply.id,
        decision=answer.decision.value,
    )
    _broadcast(comment, "disposed")
    adoption.comments_changed(draft, conference)
    return reply


# --- accepted suggestions into the next version ---------------------------------------------


@dataclass(frozen=True)
class AppliedSuggestion:
    """An accepted suggestion written into the text of the next version."""

    disposition: Disposition
    comment: Comment
    position: int  # the paragraph's number in the latest version
    whole_paragraph: bool  # no quote, or the quote is no longer there: the paragraph replaced


@dataclass
class NextVersion:
    text: str
    applied: list[AppliedSuggestion] = field(default_factory=list)


@dataclass
class _Block:
    kind: str
    level: int
    text: str


def _pending_query(draft: Draft):
    return (
        select(Disposition)
        .join(Comment, Comment.id == Disposition.comment_id)
        .where(
            Comment.draft_id == draft.id,
            Comment.parent_id.is_(None),
            Comment.kind == CommentKind.suggestion,
            Comment.suggested_text.is_not(None),
            Disposition.apply_suggestion.is_(True),
            Disposition.applied_in_id.is_(None),
            Disposition.decision.in_(APPLICABLE),
        )
        .options(selectinload(Disposition.comment).selectinload(Comment.unit))
        .order_by(Comment.id)
    )


def pending_suggestions(draft: Draft) -> list[Disposition]:
    """Accepted suggestions still to be written into a version (their paragraph still there)."""
    return list(db.session.scalars(_pending_query(draft).where(Comment.orphaned_in_id.is_(None))))


def _replacement(suggested: str, kind: str, current: str) -> str:
    """The suggested text as a whole paragraph of `kind`: a list item keeps its marker."""
    new = suggested.strip()
    if kind == text.HEADING:
        new = HEADING_MARKER_RE.sub("", new)
    elif kind == text.LIST_ITEM and not LIST_MARKER_RE.match(new):
        marker = LIST_MARKER_RE.match(current)
        new = (marker.group(0).lstrip() if marker else "- ") + new
    return new


def next_version_text(draft: Draft) -> NextVersion:
    """The latest version as Markdown, with every pending accepted suggestion applied.

    Each replaces the quoted span of its paragraph, or the whole paragraph when
    there is no quote or the quote is no longer found; in the order they were written.
    """
    latest = draft.latest
    if latest is None:
        return NextVersion("")
    from meetings.drafts.services import load_paragraphs

    load_paragraphs([latest])
    blocks = {
        p.anchor: _Block(getattr(p.kind, "value", p.kind), p.level, p.text)
        for p in latest.paragraphs
    }
    positions = {p.anchor: p.position for p in latest.paragraphs}
    applied: list[AppliedSuggestion] = []
    for answer in pending_suggestions(draft):
        comment = answer.comment
        block = blocks.get(comment.anchor)
        if block is None:
            continue
        quote = (comment.quote or "").strip()
        if quote and quote in block.text:
            block.text = block.text.replace(quote, comment.suggested_text.strip(), 1)
            whole = False
        else:
            block.text = _replacement(comment.suggested_text, block.kind, block.text)
            whole = True
        applied.append(AppliedSuggestion(answer, comment, positions[comment.anchor], whole))
    body = text.to_markdown([b for b in blocks.values() if b.text.strip()])
    return NextVersion(body, applied)


def _squeeze(value: str) -> str:
    return " ".join(value.split())


def mark_applied(*, actor: User, draft: Draft, version: DraftVersion) -> list[Disposition]:
    """After `version` was saved: the pending suggestions whose text it contains are applied.

    A suggestion removed from the text before saving stays pending for the next
    version. A comment whose paragraph was rewritten with its own suggestion (so
    the paragraph got a new identity) is not orphaned by it.
    """
    # populate_existing: the comments just marked orphaned by a bulk UPDATE may be stale.
    candidates = db.session.scalars(
        _pending_query(draft)
        .where(or_(Comment.orphaned_in_id.is_(None), Comment.orphaned_in_id == version.id))
        .execution_options(populate_existing=True)
    ).all()
    if not candidates:
        return []
    by_anchor = {p.anchor: _squeeze(p.text) for p in version.paragraphs}
    everything = "\n".join(by_anchor.values())
    applied = []
    for answer in candidates:
        comment = answer.comment
        wanted = _squeeze(HEADING_MARKER_RE.sub("", comment.suggested_text.strip()))
        if not wanted:
            continue
        where = by_anchor.get(comment.anchor, everything)
        if wanted not in where:
            continue
        answer.applied_in_id = version.id
        if comment.orphaned_in_id == version.id:
            comment.orphaned_in_id = None
        applied.append(answer)
    if applied:
        db.session.flush()
        audit.record(
            db.session,
            actor,
            "disposition.applied",
            version,
            draft=draft.id,
            number=version.number,
            comments=[a.comment_id for a in applied],
        )
    return applied
