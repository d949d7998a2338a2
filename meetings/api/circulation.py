"""/api/v1/drafts/<id>/circulations, /api/v1/circulations/<id>/answer and /api/v1/inbox:
sending a draft version to units, the dashboard, the units' answers and their inbox."""

from __future__ import annotations

from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from marshmallow import fields

from meetings.api.base import ApiSchema, Enum, max_length
from meetings.api.blueprint import ApiBlueprint, actor
from meetings.db import unit_of_work
from meetings.drafts import circulation as services
from meetings.drafts.models import Answer
from meetings.errors import PermissionDeniedError

blp = ApiBlueprint(
    "api-circulation",
    __name__,
    description="Draft versions sent to units for comments: deadlines, read receipts, answers.",
)


class CirculateSchema(ApiSchema):
    unit_ids = fields.List(
        fields.Integer(),
        required=True,
        metadata={"description": "The units to send the latest version to (at least one)."},
    )
    deadline = fields.DateTime(
        required=True,
        metadata={
            "description": "Answers are due by then. Without an offset, read in the "
            "conference's time zone. Must be in the future."
        },
    )
    allow_late = fields.Boolean(load_default=False)
    message = fields.String(load_default=None, allow_none=True, validate=max_length(5000))


class AnswerInputSchema(ApiSchema):
    answer = fields.String(
        required=True,
        metadata={
            "description": "“agree” (agree, no comments) or “comments” (submit the unit's comments).",
            "enum": ["agree", "comments"],
        },
    )


class RecipientRowSchema(ApiSchema):
    unit_id = fields.Integer(attribute="unit.id")
    unit_code = fields.String(attribute="unit.code")
    unit_name = fields.String(attribute="unit.name")
    read_at = fields.DateTime(allow_none=True)
    answer = Enum(Answer)
    submitted_at = fields.DateTime(allow_none=True)
    late = fields.Boolean()
    overdue = fields.Boolean()


class CirculationBoardSchema(ApiSchema):
    id = fields.Integer(attribute="circulation.id")
    version = fields.Integer(attribute="version.number")
    deadline = fields.DateTime(attribute="circulation.deadline")
    allow_late = fields.Boolean(attribute="circulation.allow_late")
    message = fields.String(attribute="circulation.message", allow_none=True)
    sent_at = fields.DateTime(attribute="circulation.sent_at")
    total = fields.Integer()
    read = fields.Integer()
    answered = fields.Integer()
    overdue = fields.Integer()
    recipients = fields.List(fields.Nested(RecipientRowSchema), attribute="rows")


class RecipientSchema(ApiSchema):
    circulation_id = fields.Integer()
    unit_id = fields.Integer()
    read_at = fields.DateTime(attribute="first_read_at", allow_none=True)
    answer = Enum(Answer)
    submitted_at = fields.DateTime(allow_none=True)
    late = fields.Boolean()


class InboxItemSchema(ApiSchema):
    circulation_id = fields.Integer(attribute="circulation.id")
    draft_id = fields.Integer(attribute="draft.id")
    draft_title = fields.String(attribute="draft.title")
    version = fields.Integer(attribute="version.number")
    conference_id = fields.Integer(attribute="conference.id")
    conference_title = fields.String(attribute="conference.title")
    deadline = fields.DateTime(attribute="circulation.deadline")
    allow_late = fields.Boolean(attribute="circulation.allow_late")
    state = fields.String(metadata={"enum": ["new", "read", "answered", "overdue"]})
    answer = Enum(Answer, attribute="recipient.answer")
    submitted_at = fields.DateTime(attribute="recipient.submitted_at", allow_none=True)
    can_answer = fields.Boolean()
    due_soon = fields.Boolean()


@blp.route("/drafts/<int:draft_id>/circulations")
class DraftCirculations(MethodView):
    @blp.response(200, CirculationBoardSchema(many=True))
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, draft_id):
        """The dashboard: every circulation of the draft, per unit read / answered / overdue

        The drafting unit and the organizers see every unit; a recipient unit sees its own rows.
        """
        user = actor()
        draft, conference = services.get_draft(draft_id, actor=user)
        boards = services.draft_dashboard(draft)
        if not services.can_circulate(user, draft, conference):
            for board in boards:
                board.rows = [r for r in board.rows if r.unit.id == user.unit_id]
            boards = [b for b in boards if b.rows]
        return boards

    @blp.arguments(CirculateSchema)
    @blp.response(201, CirculationBoardSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, data, draft_id):
        """Send the draft's latest version to units with a deadline (drafting unit, organizers)"""
        user = actor()
        with unit_of_work():
            draft, conference = services.get_draft(draft_id, actor=user)
            if not services.can_circulate(user, draft, conference):
                raise PermissionDeniedError(
                    _l("Only the drafting unit and the organizers may circulate this draft.")
                )
            circulation = services.circulate(
                actor=user, draft=draft, conference=conference, version=draft.latest, **data
            )
            circulation_id = circulation.id
        return next(
            b for b in services.draft_dashboard(draft) if b.circulation.id == circulation_id
        )


@blp.route("/circulations/<int:circulation_id>/answer")
class CirculationAnswer(MethodView):
    @blp.arguments(AnswerInputSchema)
    @blp.response(200, RecipientSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, circulation_id):
        """Submit your unit's answer: "agree" or "comments" (members of a recipient unit)

        A second submission is refused with 409, as is an answer after the deadline
        unless late answers are accepted (then it is marked late).
        """
        with unit_of_work():
            circulation, _draft, _conference = services.load_circulation(
                circulation_id, actor=actor()
            )
            recipient = services.answer(
                actor=actor(), circulation=circulation, answer=data["answer"]
            )
        return recipient


@blp.route("/inbox")
class Inbox(MethodView):
    @blp.response(200, InboxItemSchema(many=True))
    def get(self):
        """The drafts circulated to your unit, newest first, with their deadline and state"""
        return services.inbox(actor())
