"""/api/v1/conferences/<id>/floor: the one queue for the floor, room and remote sites.

The caller acts as themselves in the live room (the same services as the
socket events): invitees raise and withdraw their hand while the conference is
live; the chair and the organizers grant and end the floor. Every change
reaches the live room as a "floor" event.
"""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields

from meetings.api.base import ApiSchema
from meetings.api.blueprint import ApiBlueprint, actor
from meetings.conferences import services as conferences
from meetings.db import unit_of_work
from meetings.live import schemas, services, state
from meetings.live.services import Viewer

blp = ApiBlueprint(
    "api-floor",
    __name__,
    description="The floor queue of a live conference: raise a hand, grant and end the floor.",
)

CONFERENCE_PARAMETER = {
    "in": "path",
    "name": "conference_id",
    "description": "The conference's id.",
}


class FloorRequestSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    who = fields.String(dump_only=True, metadata={"description": "A person's or a site's name."})
    from_ = fields.String(
        dump_only=True,
        data_key="from",
        attribute="from",
        metadata={"description": "room or site", "enum": ["room", "site"]},
    )
    site_id = fields.Integer(dump_only=True, allow_none=True)
    user_id = fields.Integer(dump_only=True, allow_none=True)
    status = fields.String(
        dump_only=True, metadata={"enum": ["waiting", "speaking"], "example": "waiting"}
    )
    requested_at = fields.String(dump_only=True, metadata={"format": "date-time"})
    granted_at = fields.String(dump_only=True, allow_none=True, metadata={"format": "date-time"})


class FloorSchema(ApiSchema):
    speaking = fields.Nested(
        FloorRequestSchema,
        dump_only=True,
        allow_none=True,
        metadata={"description": "Who has the floor now, or null."},
    )
    queue = fields.List(
        fields.Nested(FloorRequestSchema),
        dump_only=True,
        metadata={"description": "Raised hands, in the order they were raised."},
    )


class FloorGrantSchema(ApiSchema, schemas.GrantSchema):
    """Whom to give the floor: a waiting request, or null for the next one."""


def _conference(conference_id: int):
    return conferences.get_conference(conference_id, actor=actor())


def _viewer() -> Viewer:
    return Viewer(user=actor())


@blp.route("")
class Floor(MethodView):
    @blp.response(200, FloorSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, conference_id):
        """The floor: who speaks and who waits"""
        return state.floor_state(_conference(conference_id).id)


@blp.route("/raise")
class RaiseHand(MethodView):
    @blp.arguments(schemas.EmptySchema)
    @blp.response(200, FloorSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, conference_id):
        """Ask for the floor (invitees, while the conference is live)

        Raising a hand twice keeps its one place in the queue. Before the
        conference is opened, or after it is closed, the answer is 409
        invalid_state.
        """
        with unit_of_work():
            conference = _conference(conference_id)
            services.raise_hand(viewer=_viewer(), conference=conference)
        return state.floor_state(conference_id)


@blp.route("/withdraw")
class WithdrawHand(MethodView):
    @blp.arguments(schemas.EmptySchema)
    @blp.response(200, FloorSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, conference_id):
        """Withdraw your raised hand (409 invalid_state when you have none waiting)"""
        with unit_of_work():
            conference = _conference(conference_id)
            services.withdraw_hand(viewer=_viewer(), conference=conference)
        return state.floor_state(conference_id)


@blp.route("/grant")
class GrantFloor(MethodView):
    @blp.arguments(FloorGrantSchema)
    @blp.response(200, FloorSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, conference_id):
        """Give the floor (the chair and the organizers)

        With a request_id, to that waiting request; with null (or no body), to
        the next one, alternating fairly between the room and the remote sites.
        The current speaker's turn ends. 409 when nobody waits, when the request
        is no longer waiting, or when the conference is not live.
        """
        with unit_of_work():
            conference = _conference(conference_id)
            services.grant_floor(
                viewer=_viewer(), conference=conference, request_id=data["request_id"]
            )
        return state.floor_state(conference_id)


@blp.route("/end")
class EndFloor(MethodView):
    @blp.arguments(schemas.EmptySchema)
    @blp.response(200, FloorSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, conference_id):
        """End the current speaker's turn (the chair and the organizers)"""
        with unit_of_work():
            conference = _conference(conference_id)
            services.end_floor(viewer=_viewer(), conference=conference)
        return state.floor_state(conference_id)
