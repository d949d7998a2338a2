"""/api/v1 comments on draft versions: the threads shown on a version, writing a comment or
a reply, reading, changing and deleting one.

Who sees which comment is the same rule as on the pages (meetings.drafts.comments):
a comment one may not see answers 404. A retried POST with the same idempotency key
(the field, or the header Idempotency-Key) returns the comment the first one stored.
"""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from marshmallow import fields

from meetings.api.base import ApiSchema, Enum, max_length
from meetings.api.blueprint import ApiBlueprint, actor
from meetings.db import unit_of_work
from meetings.drafts import comments, services
from meetings.drafts.models import CommentKind, Decision
from meetings.text import render_markdown

blp = ApiBlueprint(
    "api-comments",
    __name__,
    description="Comments on a paragraph of a draft version, with threaded replies.",
)


# --- schemas ---------------------------------------------------------------------------------


class CommentPersonSchema(ApiSchema):
    id = fields.Integer()
    full_name = fields.String()


class CommentUnitSchema(ApiSchema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()


class CommentDispositionSchema(ApiSchema):
    decision = Enum(Decision)
    reason = fields.String()
    apply_suggestion = fields.Boolean()
    challenged = fields.Boolean()
    decided_at = fields.DateTime()


class ReplySchema(ApiSchema):
    id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    body = fields.String(metadata={"description": "Markdown, as written."})
    body_html = fields.String(
        metadata={"description": "The body rendered and sanitized: safe to insert in a page."}
    )
    author = fields.Nested(CommentPersonSchema)
    unit = fields.Nested(CommentUnitSchema)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    can_edit = fields.Boolean(metadata={"description": "Whether you may still change it."})


class CommentSchema(ReplySchema):
    draft_id = fields.Integer()
    version = fields.Integer(metadata={"description": "The version it was written on."})
    anchor = fields.String(metadata={"description": "The paragraph's stable anchor."})
    kind = Enum(CommentKind)
    quote = fields.String(allow_none=True)
    suggested_text = fields.String(allow_none=True)
    late = fields.Boolean()
    submitted_at = fields.DateTime(
        allow_none=True, metadata={"description": "When its unit submitted it with its answer."}
    )
    orphaned_in = fields.Integer(
        allow_none=True,
        metadata={"description": "The version in which its paragraph was deleted, if any."},
    )
    carried_from = fields.Integer(
        allow_none=True,
        metadata={
            "description": "On a version's list: the earlier version an open comment was "
            "written on (null when written on the version listed)."
        },
    )
    disposition = fields.Nested(CommentDispositionSchema, allow_none=True)
    replies = fields.List(fields.Nested(ReplySchema))


class CommentCreateSchema(ApiSchema):
    anchor = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "A paragraph anchor of this version (top-level comments)."},
    )
    kind = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"enum": ["remark", "suggestion"], "description": "Default: remark."},
    )
    quote = fields.String(
        load_default=None,
        allow_none=True,
        validate=max_length(2000),
        metadata={"description": "Words of the paragraph the comment is about."},
    )
    body = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "Markdown. Required for a remark and a reply."},
    )
    suggested_text = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "The replacement text (required for a suggestion)."},
    )
    parent_id = fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={"description": "Reply to this comment (a reply to a reply joins its thread)."},
    )
    idempotency_key = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "Any unique string (up to 64 of A-Z a-z 0-9 - _ . :); a retry with "
            "the same key returns the first comment. Or send the Idempotency-Key header."
        },
    )


class CommentUpdateSchema(ApiSchema):
    kind = fields.String(metadata={"enum": ["remark", "suggestion"]})
    quote = fields.String(allow_none=True, validate=max_length(2000))
    body = fields.String()
    suggested_text = fields.String(allow_none=True)


# --- views -----------------------------------------------------------------------------------


def _reply(user, comment, thread) -> dict:
    return {
        "id": comment.id,
        "parent_id": comment.parent_id,
        "body": comment.body,
        "body_html": str(render_markdown(comment.body)),
        "author": comment.author,
        "unit": comment.unit,
        "created_at": comment.created_at,
        "updated_at": comment.updated_at,
        "can_edit": comments.can_edit(user, comment, thread),
    }


def _dump(user, draft, comment, shown_on: int | None = None) -> dict:
    """A comment with its replies as the API shows it (numbers of versions, not ids)."""
    numbers = {v.id: v.number for v in draft.versions}
    thread = comments.thread_of(comment)
    written_on = numbers.get(comment.version_id)
    return {
        **_reply(user, comment, thread),
        "draft_id": comment.draft_id,
        "version": written_on,
        "anchor": comment.anchor,
        "kind": comment.kind,
        "quote": comment.quote,
        "suggested_text": comment.suggested_text,
        "late": comment.late,
        "submitted_at": comment.submitted_at,
        "orphaned_in": numbers.get(comment.orphaned_in_id) if comment.orphaned_in_id else None,
        "carried_from": written_on if shown_on and written_on != shown_on else None,
        "disposition": comment.disposition,
        "replies": [_reply(user, r, thread) for r in comment.replies],
    }


@blp.route("/drafts/<int:draft_id>/versions/<int:number>/comments")
class VersionComments(MethodView):
    @blp.response(200, CommentSchema(many=True))
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, draft_id, number):
        """The threads shown on a version: its comments and the open ones carried to it

        Top-level comments in paragraph order, each with its replies; only those you may see.
        """
        user = actor()
        draft, conference = services.get_draft(draft_id, actor=user)
        version = services.get_version(draft, conference, number, actor=user)
        threads = comments.visible_threads(user, draft, conference, version)
        return [
            _dump(user, draft, t.comment, shown_on=version.number)
            for p in version.paragraphs
            for t in threads.get(p.anchor, ())
        ]

    @blp.arguments(CommentCreateSchema)
    @blp.response(201, CommentSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, draft_id, number):
        """Comment on a paragraph of this version, or reply to a comment (parent_id)

        Top-level comments: members of a unit the version was sent to, until the unit
        submits its answer and before the deadline (after it only when late comments
        are allowed: they are marked late). Replies: anyone who sees the thread.
        """
        user = actor()
        if not data.get("idempotency_key"):
            data["idempotency_key"] = request.headers.get("Idempotency-Key")

        def work():
            draft, conference = services.get_draft(draft_id, actor=user)
            version = services.get_version(draft, conference, number, actor=user)
            return comments.add_comment(user, draft, conference, version, data).id

        comment_id = comments.with_duplicate_retry(work)
        draft, conference = services.get_draft(draft_id, actor=user)
        comment = comments.get_comment(comment_id, actor=user, draft=draft, conference=conference)
        return _dump(user, draft, comment)


@blp.route("/drafts/<int:draft_id>/comments/<int:comment_id>")
class CommentById(MethodView):
    @blp.response(200, CommentSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, draft_id, comment_id):
        """One comment (or reply) with its replies and the drafting unit's answer"""
        user = actor()
        draft, conference = services.get_draft(draft_id, actor=user)
        comment = comments.get_comment(comment_id, actor=user, draft=draft, conference=conference)
        return _dump(user, draft, comment)

    @blp.arguments(CommentUpdateSchema)
    @blp.response(200, CommentSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def patch(self, data, draft_id, comment_id):
        """Change your comment (same id) until your unit submits its answer or it is answered"""
        user = actor()
        with unit_of_work():
            draft, conference = services.get_draft(draft_id, actor=user)
            comment = comments.get_comment(
                comment_id, actor=user, draft=draft, conference=conference
            )
            comments.edit_comment(user, draft, conference, comment, data)
        draft, conference = services.get_draft(draft_id, actor=user)
        comment = comments.get_comment(comment_id, actor=user, draft=draft, conference=conference)
        return _dump(user, draft, comment)

    @blp.response(204)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def delete(self, draft_id, comment_id):
        """Delete your comment while it may still be changed (not one with replies)"""
        user = actor()
        with unit_of_work():
            draft, conference = services.get_draft(draft_id, actor=user)
            comment = comments.get_comment(
                comment_id, actor=user, draft=draft, conference=conference
            )
            comments.delete_comment(user, draft, conference, comment)
