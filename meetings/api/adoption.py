"""/api/v1: the adoption vote on a draft at the live meeting.

The caller acts as themselves in the live room (the same services as the
socket events vote_open, vote_cast, vote_hand_count and vote_close): the chair
and the organizers open and close a vote, one open vote per conference at a
time; a delegate answers for their unit while the unit is present in the live
room; the secretary or the chair enters the room's hand count. Every change
reaches the live room as a "vote" event. Who sees a draft sees its votes.
"""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields

from meetings.api.base import ApiSchema
from meetings.api.blueprint import ApiBlueprint, actor
from meetings.conferences import services as conferences
from meetings.db import unit_of_work
from meetings.drafts import adoption
from meetings.drafts import services as drafts
from meetings.drafts.models import VoteAnswer
from meetings.live import schemas
from meetings.live.services import Viewer

blp = ApiBlueprint(
    "api-adoption",
    __name__,
    description="The adoption vote on a draft at the live meeting: units answer, the room "
    "is counted, quorum from live presence.",
)


# --- schemas ---------------------------------------------------------------------------


class VoteCountsSchema(ApiSchema):
    agree = fields.Integer()
    agree_with_comments = fields.Integer()
    disagree = fields.Integer()


class VoteBallotOutSchema(ApiSchema):
    unit_id = fields.Integer()
    unit = fields.String(metadata={"description": "The unit's code."})
    name = fields.String(metadata={"description": "The unit's official (Vietnamese) name."})
    answer = fields.String(metadata={"enum": [a.value for a in VoteAnswer]})
    from_ = fields.String(
        data_key="from",
        attribute="from",
        metadata={"description": "room or site", "enum": ["room", "site"]},
    )


class AdoptionVoteSchema(ApiSchema):
    id = fields.Integer()
    draft_id = fields.Integer()
    draft_title = fields.String()
    version = fields.Integer(metadata={"description": "The version voted on."})
    status = fields.String(metadata={"enum": ["open", "closed"]})
    opened_at = fields.String(metadata={"format": "date-time"})
    closed_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    ballots = fields.List(fields.Nested(VoteBallotOutSchema))
    units = fields.Nested(VoteCountsSchema, metadata={"description": "Unit ballots per answer."})
    room = fields.Nested(
        VoteCountsSchema,
        allow_none=True,
        metadata={"description": "The room's hand count; null until entered."},
    )
    totals = fields.Nested(VoteCountsSchema, metadata={"description": "Units and room together."})
    invited_units = fields.Integer()
    present_units = fields.Integer(
        allow_none=True,
        metadata={"description": "Units present (live presence); final when closed."},
    )
    quorum = fields.Integer(allow_none=True, metadata={"description": "More than half."})
    quorum_met = fields.Boolean()
    adopted = fields.Boolean(allow_none=True, metadata={"description": "Null while open."})


class AdoptionVoteOpenSchema(ApiSchema, schemas.VoteOpenSchema):
    """Which draft of the conference to vote on (its latest version)."""


class VoteBallotInSchema(ApiSchema, schemas.BallotAnswerSchema):
    """Your unit's answer; sending it again changes it until the vote closes."""


class VoteHandCountInSchema(ApiSchema, schemas.HandCountSchema):
    """The room's raised hands; together not more than the people in the room."""


class VoteCloseSchema(ApiSchema, schemas.EmptySchema):
    """No fields."""


# --- views -----------------------------------------------------------------------------


def _viewer() -> Viewer:
    return Viewer(user=actor())


def _conference(conference_id: int):
    return conferences.get_conference(conference_id, actor=actor())


@blp.route("/drafts/<int:draft_id>/votes")
class DraftVotes(MethodView):
    @blp.response(200, AdoptionVoteSchema(many=True))
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, draft_id):
        """The draft's adoption votes, newest first (whoever may see the draft)"""
        draft, conference = drafts.get_draft(draft_id, actor=actor())
        return [
            adoption.vote_state(row["vote"], conference) for row in adoption.votes_for_draft(draft)
        ]


@blp.route("/conferences/<int:conference_id>/votes")
class OpenVote(MethodView):
    @blp.arguments(AdoptionVoteOpenSchema)
    @blp.response(201, AdoptionVoteSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, conference_id):
        """Call the adoption vote on a draft (the chair and the organizers)

        409 when another vote of the conference is open, or the conference is
        not live.
        """
        with unit_of_work():
            conference = _conference(conference_id)
            draft = adoption.get_draft(conference, data["draft_id"])
            vote = adoption.open_vote(viewer=_viewer(), conference=conference, draft=draft)
            result = adoption.vote_state(vote, conference)
        return result


def _act(conference_id: int, vote_id: int, action) -> dict:
    with unit_of_work():
        conference = _conference(conference_id)
        vote = adoption.get_vote(conference, vote_id)
        action(conference, vote)
        result = adoption.vote_state(vote, conference)
    return result


@blp.route("/conferences/<int:conference_id>/votes/<int:vote_id>/ballots")
class Ballots(MethodView):
    @blp.arguments(VoteBallotInSchema)
    @blp.response(200, AdoptionVoteSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, conference_id, vote_id):
        """Answer for your unit (a delegate of an invited unit present in the live room)

        409 when the vote is closed or your unit has no live connection to the room.
        """
        return _act(
            conference_id,
            vote_id,
            lambda conference, vote: adoption.cast_ballot(
                viewer=_viewer(), conference=conference, vote=vote, answer=data["answer"]
            ),
        )


@blp.route("/conferences/<int:conference_id>/votes/<int:vote_id>/hand-count")
class HandCount(MethodView):
    @blp.arguments(VoteHandCountInSchema)
    @blp.response(200, AdoptionVoteSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, conference_id, vote_id):
        """Enter the room's hand count (the secretary and the chair)

        Whole numbers, 0 or more, together not more than the people in the room
        (checked in, or invited when nobody was checked in); 422 otherwise.
        """
        return _act(
            conference_id,
            vote_id,
            lambda conference, vote: adoption.record_hand_count(
                viewer=_viewer(), conference=conference, vote=vote, **data
            ),
        )


@blp.route("/conferences/<int:conference_id>/votes/<int:vote_id>/close")
class CloseVote(MethodView):
    @blp.arguments(VoteCloseSchema)
    @blp.response(200, AdoptionVoteSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, conference_id, vote_id):
        """Close the vote (the chair and the organizers): presence, quorum and result are
        recorded now; 409 when it is closed already"""
        return _act(
            conference_id,
            vote_id,
            lambda conference, vote: adoption.close_vote(
                viewer=_viewer(), conference=conference, vote=vote
            ),
        )
