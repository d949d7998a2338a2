"""/api/v1 dispositions and the consolidated comment table.

PUT a disposition (the drafting unit's answer to a comment: accepted, partly
accepted or explained, with the reason), challenge it (the comment's unit), and
read the table of a version as JSON, .docx or .xlsx. The same rules as the pages:
only the drafting unit answers; a unit sees its own comments (every unit's when
the draft shares them); anything not visible answers 404.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from marshmallow import fields

from meetings import uploads
from meetings.api.base import ApiSchema, Enum, max_length, one_of
from meetings.api.blueprint import ApiBlueprint, actor
from meetings.db import unit_of_work
from meetings.drafts import dispositions, services, table
from meetings.drafts.models import CommentKind, Decision
from meetings.errors import NotFoundError

blp = ApiBlueprint(
    "api-dispositions",
    __name__,
    description="The drafting unit's answers to comments, and the consolidated comment table "
    "(bảng tổng hợp ý kiến) as JSON, .docx and .xlsx.",
)

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- schemas ---------------------------------------------------------------------------


class DispositionInputSchema(ApiSchema):
    decision = Enum(
        Decision,
        required=True,
        metadata={"description": "accepted (tiếp thu), partly_accepted or explained (giải trình)"},
    )
    reason = fields.String(
        load_default=None,
        allow_none=True,
        validate=max_length(dispositions.MAX_REASON),
        metadata={"description": "Required for partly_accepted and explained."},
    )
    apply_suggestion = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Write the suggested text into the next version (an accepted or "
            "partly accepted suggestion only)."
        },
    )


class DispositionSchema(ApiSchema):
    comment_id = fields.Integer()
    decision = Enum(Decision)
    reason = fields.String()
    apply_suggestion = fields.Boolean()
    challenged = fields.Boolean(
        metadata={"description": "The comment's unit contests the answer: open again."}
    )
    applied_in_version = fields.Integer(
        allow_none=True,
        metadata={"description": "The version the suggested text was written into."},
    )
    decided_by_id = fields.Integer(allow_none=True)
    decided_at = fields.DateTime()


class ChallengeInputSchema(ApiSchema):
    reason = fields.String(
        required=True,
        validate=max_length(dispositions.MAX_REASON),
        metadata={"description": "Why the unit does not agree; posted as a reply in the thread."},
    )


class ChallengeResultSchema(ApiSchema):
    reply_id = fields.Integer()
    disposition = fields.Nested(DispositionSchema)


class TableQuerySchema(ApiSchema):
    version = fields.Integer(metadata={"description": "The version (default: the latest you see)."})
    decision = fields.String(
        validate=one_of(table.STATES),
        metadata={"description": "Only the comments in this state.", "enum": list(table.STATES)},
    )
    unit_id = fields.Integer(metadata={"description": "Only the comments of this unit."})
    lang = fields.String(
        validate=one_of(["vi", "en"]),
        metadata={"description": "The language of the labels (default: yours)."},
    )


class TableUnitSchema(ApiSchema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()


class TableRowSchema(ApiSchema):
    number = fields.Integer(metadata={"description": "No. in the whole (unfiltered) table."})
    comment_id = fields.Integer()
    unit = fields.Nested(TableUnitSchema)
    author = fields.String()
    kind = Enum(CommentKind)
    quote = fields.String(allow_none=True)
    body = fields.String(metadata={"description": "Markdown."})
    suggested_text = fields.String(allow_none=True)
    late = fields.Boolean()
    written_on = fields.Integer(metadata={"description": "The version it was written on."})
    carried = fields.Boolean(
        metadata={"description": "Written on an earlier version and still open."}
    )
    state = fields.String(
        metadata={"enum": ["pending", "accepted", "partly_accepted", "explained"]}
    )
    contested = fields.Boolean()
    disposition = fields.Nested(DispositionSchema, allow_none=True)
    objection = fields.String(
        allow_none=True,
        metadata={"description": "The unit's reply when it challenged the answer."},
    )


class TableParagraphSchema(ApiSchema):
    position = fields.Integer()
    anchor = fields.String()
    text = fields.String()
    comments = fields.List(fields.Nested(TableRowSchema))


class TableSchema(ApiSchema):
    draft_id = fields.Integer()
    draft_title = fields.String()
    drafting_unit = fields.Nested(TableUnitSchema)
    conference_id = fields.Integer()
    conference_title = fields.String()
    version = fields.Integer()
    generated_at = fields.DateTime()
    decision = fields.String(allow_none=True)
    unit_id = fields.Integer(allow_none=True)
    counts = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={
            "description": "Over the whole table: total, pending, accepted, partly_accepted, "
            "explained, contested, late, carried."
        },
    )
    paragraphs = fields.List(fields.Nested(TableParagraphSchema))


def _dump_disposition(answer, numbers: dict[int, int]) -> dict:
    return {
        "comment_id": answer.comment_id,
        "decision": answer.decision,
        "reason": answer.reason,
        "apply_suggestion": answer.apply_suggestion,
        "challenged": answer.challenged,
        "applied_in_version": numbers.get(answer.applied_in_id) if answer.applied_in_id else None,
        "decided_by_id": answer.decided_by_id,
        "decided_at": answer.decided_at,
    }


def _dump_table(data: table.CommentTable) -> dict:
    numbers = data.applied_in

    def row(r: table.Row) -> dict:
        comment = r.comment
        return {
            "number": r.number,
            "comment_id": comment.id,
            "unit": comment.unit,
            "author": comment.author.full_name,
            "kind": comment.kind,
            "quote": comment.quote,
            "body": comment.body,
            "suggested_text": comment.suggested_text,
            "late": comment.late,
            "written_on": r.written_on,
            "carried": r.carried,
            "state": r.state,
            "contested": r.contested,
            "disposition": _dump_disposition(r.disposition, numbers) if r.disposition else None,
            "objection": r.objection.body if r.objection is not None else None,
        }

    return {
        "draft_id": data.draft.id,
        "draft_title": data.draft.title,
        "drafting_unit": data.draft.drafting_unit,
        "conference_id": data.conference.id,
        "conference_title": data.conference.title,
        "version": data.version.number,
        "generated_at": data.generated_at,
        "decision": data.state,
        "unit_id": data.unit_id,
        "counts": data.counts,
        "paragraphs": [
            {
                "position": g.paragraph.position,
                "anchor": g.paragraph.anchor,
                "text": g.paragraph.text,
                "comments": [row(r) for r in g.rows],
            }
            for g in data.groups
        ],
    }


# --- views -----------------------------------------------------------------------------


def _numbers(draft) -> dict[int, int]:
    return {v.id: v.number for v in draft.versions}


@blp.route("/drafts/<int:draft_id>/comments/<int:comment_id>/disposition")
class CommentDisposition(MethodView):
    @blp.response(200, DispositionSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, draft_id, comment_id):
        """The answer to a comment (404 while it has none)"""
        draft, conference = services.get_draft(draft_id, actor=actor())
        comment = dispositions.get_comment(draft, conference, comment_id, actor=actor())
        if comment.disposition is None:
            raise NotFoundError(_l("This comment has not been answered yet."))
        return _dump_disposition(comment.disposition, _numbers(draft))

    @blp.arguments(DispositionInputSchema)
    @blp.response(200, DispositionSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def put(self, data, draft_id, comment_id):
        """Answer a comment, or change its answer (members of the drafting unit)

        The reason is required for partly_accepted and explained. A new answer
        ends a challenge. Sending the same answer again changes nothing.
        """
        user = actor()
        draft, conference = services.get_draft(draft_id, actor=user)
        with unit_of_work():
            comment = dispositions.get_comment(
                draft, conference, comment_id, actor=user, for_update=True
            )
            answer = dispositions.dispose(
                actor=user, draft=draft, conference=conference, comment=comment, data=data
            )
            result = _dump_disposition(answer, _numbers(draft))
        return result


@blp.route("/drafts/<int:draft_id>/comments/<int:comment_id>/challenge")
class CommentChallenge(MethodView):
    @blp.arguments(ChallengeInputSchema)
    @blp.response(201, ChallengeResultSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, data, draft_id, comment_id):
        """Challenge an explained or partly accepted answer (the comment's unit, once)

        The reason is posted as a reply in the comment's thread; the comment is
        open again: a discussion point at the meeting.
        """
        user = actor()
        draft, conference = services.get_draft(draft_id, actor=user)
        with unit_of_work():
            comment = dispositions.get_comment(
                draft, conference, comment_id, actor=user, for_update=True
            )
            reply = dispositions.challenge(
                actor=user,
                draft=draft,
                conference=conference,
                comment=comment,
                reason=data["reason"],
            )
            result = {
                "reply_id": reply.id,
                "disposition": _dump_disposition(comment.disposition, _numbers(draft)),
            }
        return result


def _build(args: dict, draft_id: int) -> table.CommentTable:
    user = actor()
    draft, conference = services.get_draft(draft_id, actor=user)
    return table.build(
        actor=user,
        draft=draft,
        conference=conference,
        version_number=args.get("version"),
        state=args.get("decision"),
        unit_id=args.get("unit_id"),
    )


@blp.route("/drafts/<int:draft_id>/table")
class CommentTableView(MethodView):
    @blp.arguments(TableQuerySchema, location="query")
    @blp.response(200, TableSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def get(self, args, draft_id):
        """The consolidated comment table of a version, grouped by paragraph

        The comments written on the version, plus the open ones written on an
        earlier version whose paragraph is still there (carried); only those you
        may see.
        """
        return _dump_table(_build(args, draft_id))


def _file(data: bytes, name: str, mimetype: str):
    return uploads.send_private(data, name=name, mimetype=mimetype)


@blp.route("/drafts/<int:draft_id>/table.docx")
class CommentTableDocx(MethodView):
    @blp.arguments(TableQuerySchema, location="query")
    @blp.response(200, description="A Word document (A4 landscape).", content_type=DOCX_MIMETYPE)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def get(self, args, draft_id):
        """The comment table as a Word (.docx) document"""
        data = _build(args, draft_id)
        return _file(table.to_docx(data), table.download_name(data, "docx"), DOCX_MIMETYPE)


@blp.route("/drafts/<int:draft_id>/table.xlsx")
class CommentTableXlsx(MethodView):
    @blp.arguments(TableQuerySchema, location="query")
    @blp.response(200, description="An Excel workbook.", content_type=XLSX_MIMETYPE)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def get(self, args, draft_id):
        """The comment table as an Excel (.xlsx) workbook"""
        data = _build(args, draft_id)
        return _file(table.to_xlsx(data), table.download_name(data, "xlsx"), XLSX_MIMETYPE)
