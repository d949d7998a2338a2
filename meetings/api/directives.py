"""/api/v1: the concluding directives of a conference.

Whoever may see the conference reads its directives. While the conference is live,
the chair and the secretary record (as drafts), edit and delete drafts; the chair
confirms each and may edit a confirmed one. Edits give the version read (409 when
someone changed the directive since). Once the conference is concluded they are
frozen (409). The same services serve the live room's socket events
(directive_record, directive_edit, directive_confirm, directive_delete); every
change reaches the room as a "directives" event.
"""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields

from meetings.api.base import ApiSchema
from meetings.api.blueprint import ApiBlueprint, actor
from meetings.conferences import services as conferences
from meetings.db import unit_of_work
from meetings.directives import services
from meetings.directives.models import DirectiveState, DirectiveStatus
from meetings.live import schemas

blp = ApiBlueprint(
    "api-directives",
    __name__,
    description="The chair's concluding directives: recorded live as drafts, confirmed by "
    "the chair, frozen when the conference is concluded.",
)


# --- schemas ---------------------------------------------------------------------------


class DirectiveUnitSchema(ApiSchema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String(
        attribute="name_vi", metadata={"description": "The unit's official (Vietnamese) name."}
    )


class DirectiveSchema(ApiSchema):
    id = fields.Integer()
    conference_id = fields.Integer()
    number = fields.Integer(metadata={"description": "1, 2, 3... in the conference."})
    text = fields.String()
    lead_unit = fields.Nested(DirectiveUnitSchema)
    cooperating_units = fields.List(fields.Nested(DirectiveUnitSchema))
    deadline = fields.Date()
    agenda_item_id = fields.Integer(allow_none=True)
    state = fields.String(
        attribute="state.value",
        metadata={
            "enum": [s.value for s in DirectiveState],
            "description": "draft (recorded, shown to the room) or confirmed by the chair.",
        },
    )
    status = fields.String(
        attribute="status.value",
        metadata={
            "enum": [s.value for s in DirectiveStatus],
            "description": "Follow-up status.",
        },
    )
    version = fields.Integer(metadata={"description": "Send it back with an edit."})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    confirmed_at = fields.DateTime(allow_none=True)


class DirectiveCreateSchema(ApiSchema, schemas.DirectiveCreateSchema):
    """A new directive, recorded as a draft."""


class DirectiveUpdateSchema(ApiSchema, schemas.DirectiveChangeSchema):
    """The fields to change, and the version you read."""


class DirectiveConfirmSchema(ApiSchema, schemas.DirectiveVersionSchema):
    """Optionally the version you read."""


class DirectiveVersionQuerySchema(ApiSchema, schemas.DirectiveVersionSchema):
    """?version= the version you read (optional)."""


# --- views -----------------------------------------------------------------------------


def _conference(conference_id: int):
    return conferences.get_conference(conference_id, actor=actor())


def _reloaded(directive_id: int):
    return services.get_directive(directive_id, actor=actor())[0]


@blp.route("/conferences/<int:conference_id>/directives")
class ConferenceDirectives(MethodView):
    @blp.response(200, DirectiveSchema(many=True))
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, conference_id):
        """The conference's directives in number order, drafts included"""
        return services.list_for_conference(_conference(conference_id))

    @blp.arguments(DirectiveCreateSchema)
    @blp.response(201, DirectiveSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, conference_id):
        """Record a directive as a draft (the chair and the secretary, while live)

        Without agenda_item_id it comes from the item under discussion. 422 for a
        deadline not after the conference's day, an unknown or inactive unit, an
        empty text; 409 when the conference is not live.
        """
        with unit_of_work():
            conference = _conference(conference_id)
            directive_id = services.record_directive(
                actor=actor(), conference=conference, data=data
            ).id
        return _reloaded(directive_id)


@blp.route("/directives/<int:directive_id>")
class DirectiveById(MethodView):
    @blp.response(200, DirectiveSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, directive_id):
        """One directive (whoever may see its conference)"""
        return _reloaded(directive_id)

    @blp.arguments(DirectiveUpdateSchema)
    @blp.response(200, DirectiveSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def patch(self, data, directive_id):
        """Edit a directive, giving the version you read

        A draft: the chair or the secretary; a confirmed one: the chair (it stays
        confirmed). Only while the conference is live; 409 for a stale version.
        """
        version = data.pop("version")
        with unit_of_work():
            directive, conference = services.get_directive(directive_id, actor=actor())
            services.update_directive(
                actor=actor(),
                conference=conference,
                directive=directive,
                data=data,
                version=version,
            )
        return _reloaded(directive_id)

    @blp.arguments(DirectiveVersionQuerySchema, location="query")
    @blp.response(204)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def delete(self, args, directive_id):
        """Delete a draft directive (the chair and the secretary, while live)

        The directives after it move up a number. A confirmed directive cannot
        be deleted (409).
        """
        with unit_of_work():
            directive, conference = services.get_directive(directive_id, actor=actor())
            services.delete_directive(
                actor=actor(), conference=conference, directive=directive, version=args["version"]
            )


@blp.route("/directives/<int:directive_id>/confirm")
class ConfirmDirective(MethodView):
    @blp.arguments(DirectiveConfirmSchema)
    @blp.response(200, DirectiveSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, directive_id):
        """Confirm a draft directive (the chair, while live)"""
        with unit_of_work():
            directive, conference = services.get_directive(directive_id, actor=actor())
            services.confirm_directive(
                actor=actor(), conference=conference, directive=directive, version=data["version"]
            )
        return _reloaded(directive_id)
