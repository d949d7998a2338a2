"""/api/v1/conferences: scheduling, editing and the lifecycle of conferences.

A caller sees only the conferences shared with them; any other id answers 404.
"""

from __future__ import annotations

from flask.views import MethodView

from meetings.api.blueprint import ApiBlueprint, actor
from meetings.conferences import services
from meetings.conferences.schemas import (
    ConferenceCreateSchema,
    ConferenceQuerySchema,
    ConferenceSchema,
    ConferenceSummarySchema,
    ConferenceUpdateSchema,
    StatusChangeSchema,
)
from meetings.db import unit_of_work

blp = ApiBlueprint(
    "api-conferences", __name__, description="Conferences the caller organises or is invited to."
)


@blp.route("")
class Conferences(MethodView):
    @blp.arguments(ConferenceQuerySchema, location="query")
    @blp.response(200, ConferenceSummarySchema(many=True))
    def get(self, args):
        """List the conferences shared with the caller"""
        return services.list_conferences(
            actor=actor(), when=args["when"], unit_id=args.get("unit_id")
        )

    @blp.arguments(ConferenceCreateSchema)
    @blp.response(201, ConferenceSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    def post(self, data):
        """Schedule a new conference (secretariat)

        The conference starts as a draft visible to its organizers only; the
        caller becomes its first organizer.
        """
        with unit_of_work():
            conference = services.create_conference(actor=actor(), data=data)
        return services.get_conference(conference.id, actor=actor())


@blp.route("/<int:conference_id>")
class ConferenceById(MethodView):
    @blp.response(200, ConferenceSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, conference_id):
        """Get one conference"""
        return services.get_conference(conference_id, actor=actor())

    @blp.arguments(ConferenceUpdateSchema)
    @blp.response(200, ConferenceSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def patch(self, data, conference_id):
        """Edit a conference (organizers), giving the version you edited

        Send only the fields to change. When someone saved the conference after
        you read it (a newer `version`), or it is concluded or archived, the edit
        is refused with 409 and nothing is changed.
        """
        version = data.pop("version")
        with unit_of_work():
            conference = services.get_conference(conference_id, actor=actor(), for_update=True)
            services.update_conference(
                actor=actor(), conference=conference, data=data, version=version
            )
        return services.get_conference(conference_id, actor=actor())


@blp.route("/<int:conference_id>/status")
class ConferenceStatus(MethodView):
    @blp.arguments(StatusChangeSchema)
    @blp.response(200, ConferenceSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, conference_id):
        """Move a conference to another state

        draft -> scheduled (needs a chair) -> live -> concluded -> archived; a
        scheduled conference may go back to draft. Organizers make every move,
        the chair opens (live) and closes (concluded) the meeting. A move the
        current state does not allow is refused with 409 invalid_state.
        """
        with unit_of_work():
            conference = services.get_conference(conference_id, actor=actor(), for_update=True)
            services.change_status(actor=actor(), conference=conference, to=data["to"])
        return services.get_conference(conference_id, actor=actor())
