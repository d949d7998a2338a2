"""/api/v1 draft reports: drafts of a conference, their immutable versions, the word diff.

A caller sees a draft only when at least one of its versions is visible to them
(the drafting unit and the organizers see all; other units only the versions
circulated to them); anything else answers 404. New versions are sent as
Markdown text; .docx uploads go through the web page.
"""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields

from meetings.api.base import ApiSchema, Enum, max_length
from meetings.api.blueprint import ApiBlueprint, actor
from meetings.conferences import services as conferences
from meetings.db import unit_of_work
from meetings.drafts import permissions, services
from meetings.drafts.models import ParagraphKind, VersionSource

blp = ApiBlueprint(
    "api-drafts",
    __name__,
    description="Draft reports: versions with stable paragraph anchors, and their word diff.",
)


# --- schemas ---------------------------------------------------------------------------


class DraftUnitSchema(ApiSchema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()


class VersionSummarySchema(ApiSchema):
    number = fields.Integer()
    source = Enum(VersionSource)
    note = fields.String(allow_none=True)
    original_filename = fields.String(allow_none=True)
    created_at = fields.DateTime()
    created_by_id = fields.Integer(allow_none=True)


class DraftSchema(ApiSchema):
    id = fields.Integer()
    conference_id = fields.Integer()
    title = fields.String()
    drafting_unit = fields.Nested(DraftUnitSchema)
    agenda_item_id = fields.Integer(allow_none=True)
    comments_shared = fields.Boolean()
    created_at = fields.DateTime()
    latest_version = fields.Integer(metadata={"description": "The latest version you may see."})
    versions = fields.List(fields.Nested(VersionSummarySchema))


class ParagraphSchema(ApiSchema):
    position = fields.Integer()
    anchor = fields.String(metadata={"description": "Stable across versions; comments use it."})
    kind = Enum(ParagraphKind)
    level = fields.Integer()
    text = fields.String()


class VersionSchema(VersionSummarySchema):
    draft_id = fields.Integer()
    paragraphs = fields.List(fields.Nested(ParagraphSchema))


class DraftCreateSchema(ApiSchema):
    title = fields.String(required=True, validate=max_length(300))
    drafting_unit_id = fields.Integer(required=True)
    agenda_item_id = fields.Integer(allow_none=True)
    comments_shared = fields.Boolean(load_default=False)
    text = fields.String(required=True, metadata={"description": "Markdown: # headings, - lists."})
    note = fields.String(allow_none=True, validate=max_length(500))


class VersionCreateSchema(ApiSchema):
    text = fields.String(required=True, metadata={"description": "The whole text, as Markdown."})
    note = fields.String(allow_none=True, validate=max_length(500))


class DiffQuerySchema(ApiSchema):
    from_ = fields.Integer(data_key="from", required=True)
    to = fields.Integer(required=True)


class SpanSchema(ApiSchema):
    op = fields.String(metadata={"description": "equal, insert or delete"})
    text = fields.String()


class DiffRowSchema(ApiSchema):
    status = fields.String(metadata={"description": "unchanged, changed, added or removed"})
    anchor = fields.String()
    kind = fields.String()
    level = fields.Integer()
    old_number = fields.Integer(allow_none=True)
    new_number = fields.Integer(allow_none=True)
    spans = fields.List(fields.Nested(SpanSchema))


class DiffSchema(ApiSchema):
    from_ = fields.Integer(data_key="from")
    to = fields.Integer()
    summary = fields.Dict(keys=fields.String(), values=fields.Integer())
    paragraphs = fields.List(fields.Nested(DiffRowSchema))


# --- views -----------------------------------------------------------------------------


def _dump(draft, conference) -> dict:
    visible = permissions.visible_versions(actor(), draft, conference)
    return {
        "id": draft.id,
        "conference_id": draft.conference_id,
        "title": draft.title,
        "drafting_unit": draft.drafting_unit,
        "agenda_item_id": draft.agenda_item_id,
        "comments_shared": draft.comments_shared,
        "created_at": draft.created_at,
        "latest_version": visible[-1].number,
        "versions": visible,
    }


@blp.route("/conferences/<int:conference_id>/drafts")
class ConferenceDrafts(MethodView):
    @blp.response(200, DraftSchema(many=True))
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, conference_id):
        """List the conference's drafts you may see"""
        conference = conferences.get_conference(conference_id, actor=actor())
        return [
            _dump(d, conference) for d in services.list_drafts(actor=actor(), conference=conference)
        ]

    @blp.arguments(DraftCreateSchema)
    @blp.response(201, DraftSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, data, conference_id):
        """Add a draft with its first version (organizers, or a unit invited for its own drafts)"""
        conference = conferences.get_conference(conference_id, actor=actor())
        with unit_of_work():
            draft = services.create_draft(actor=actor(), conference=conference, data=data)
        draft, conference = services.get_draft(draft.id, actor=actor())
        return _dump(draft, conference)


@blp.route("/drafts/<int:draft_id>")
class DraftById(MethodView):
    @blp.response(200, DraftSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, draft_id):
        """Get one draft and the versions you may see"""
        draft, conference = services.get_draft(draft_id, actor=actor())
        return _dump(draft, conference)


@blp.route("/drafts/<int:draft_id>/versions")
class DraftVersions(MethodView):
    @blp.response(200, VersionSummarySchema(many=True))
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, draft_id):
        """List the versions you may see"""
        draft, conference = services.get_draft(draft_id, actor=actor())
        return permissions.visible_versions(actor(), draft, conference)

    @blp.arguments(VersionCreateSchema)
    @blp.response(201, VersionSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, data, draft_id):
        """Save a new version (drafting unit, organizers)

        Paragraphs that are unchanged or slightly edited keep their anchor;
        comments on paragraphs that disappeared are marked orphaned.
        """
        draft, conference = services.get_draft(draft_id, actor=actor())
        with unit_of_work():
            version = services.save_version(
                actor=actor(),
                draft=draft,
                conference=conference,
                text_value=data["text"],
                note=data.get("note"),
            )
            number = version.number
        draft, conference = services.get_draft(draft_id, actor=actor())
        return services.get_version(draft, conference, number, actor=actor())


@blp.route("/drafts/<int:draft_id>/versions/<int:number>")
class DraftVersionByNumber(MethodView):
    @blp.response(200, VersionSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, draft_id, number):
        """Get one version with its numbered paragraphs and their anchors"""
        draft, conference = services.get_draft(draft_id, actor=actor())
        return services.get_version(draft, conference, number, actor=actor())


@blp.route("/drafts/<int:draft_id>/diff")
class DraftDiff(MethodView):
    @blp.arguments(DiffQuerySchema, location="query")
    @blp.response(200, DiffSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, draft_id):
        """The word-by-word diff between two versions, paragraph by paragraph"""
        draft, conference = services.get_draft(draft_id, actor=actor())
        before, after, rows = services.diff(
            draft, conference, actor=actor(), old=args["from_"], new=args["to"]
        )
        return {
            "from_": before.number,
            "to": after.number,
            "summary": services.text.diff_summary(rows),
            "paragraphs": rows,
        }
