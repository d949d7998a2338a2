"""/api/v1/conferences/<id>/participants: invitations, answers and check-in."""

from __future__ import annotations

from flask.views import MethodView

from meetings.api.blueprint import ApiBlueprint, actor
from meetings.conferences import services
from meetings.conferences.schemas import (
    AnswerSchema,
    CheckInSchema,
    InviteSchema,
    ParticipantSchema,
    ParticipantUpdateSchema,
)
from meetings.db import unit_of_work

blp = ApiBlueprint(
    "api-participants", __name__, description="The people and units invited to a conference."
)

CONFERENCE_PARAMETER = {
    "in": "path",
    "name": "conference_id",
    "description": "The conference's id.",
}


def _load(conference_id: int, participant_id: int | None = None):
    conference = services.get_conference(conference_id, actor=actor(), for_update=True)
    if participant_id is None:
        return conference, None
    return conference, services.get_participant(conference, participant_id)


@blp.route("")
class Participants(MethodView):
    @blp.response(200, ParticipantSchema(many=True))
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, conference_id):
        """List the invitations of a conference"""
        conference, _ = _load(conference_id)
        return conference.participants

    @blp.arguments(InviteSchema)
    @blp.response(201, ParticipantSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, conference_id):
        """Invite a person (user_id) or a whole unit (unit_id) (organizers)

        Inviting someone already invited, or inviting after the conference is
        over, is refused with 409.
        """
        with unit_of_work():
            conference, _ = _load(conference_id)
            participant = services.invite(actor=actor(), conference=conference, **data)
        return participant


@blp.route("/<int:participant_id>")
class ParticipantById(MethodView):
    @blp.response(200, ParticipantSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, conference_id, participant_id):
        """Get one invitation"""
        return _load(conference_id, participant_id)[1]

    @blp.arguments(ParticipantUpdateSchema)
    @blp.response(200, ParticipantSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def patch(self, data, conference_id, participant_id):
        """Change the role, attendance or headcount of an invitation (organizers)"""
        with unit_of_work():
            conference, participant = _load(conference_id, participant_id)
            services.update_participant(
                actor=actor(), conference=conference, participant=participant, data=data
            )
        return participant

    @blp.response(204)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def delete(self, conference_id, participant_id):
        """Withdraw an invitation (organizers)"""
        with unit_of_work():
            conference, participant = _load(conference_id, participant_id)
            services.remove_participant(
                actor=actor(), conference=conference, participant=participant
            )


@blp.route("/<int:participant_id>/answer")
class Answer(MethodView):
    @blp.arguments(AnswerSchema)
    @blp.response(200, ParticipantSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, conference_id, participant_id):
        """Answer an invitation: attend, send a substitute, or decline

        The invitee answers (for a unit invitation, any member of the unit);
        organizers may record an answer given by phone or letter. Answers are
        taken while the conference is scheduled or live (409 otherwise).
        """
        with unit_of_work():
            conference, participant = _load(conference_id, participant_id)
            services.answer_invitation(
                actor=actor(), conference=conference, participant=participant, **data
            )
        return participant


@blp.route("/<int:participant_id>/check-in")
class CheckIn(MethodView):
    @blp.arguments(CheckInSchema)
    @blp.response(200, ParticipantSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, conference_id, participant_id):
        """Check an in-room invitee in at the door, or undo it (secretariat)

        Open to organizers and secretaries while the conference is scheduled or
        live (409 otherwise).
        """
        with unit_of_work():
            conference, participant = _load(conference_id, participant_id)
            services.check_in(
                actor=actor(),
                conference=conference,
                participant=participant,
                present=data["present"],
            )
        return participant
