"""/api/v1/directives/<id>/reports, /api/v1/reports/<id>/accept|send-back and
/api/v1/followup: the lead unit's progress reports, the organizers' review of a proposed
completion, and the follow-up dashboard across conferences."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from marshmallow import fields

from meetings.api.base import ApiSchema, Enum, in_range, max_length, one_of
from meetings.api.blueprint import ApiBlueprint, actor
from meetings.db import unit_of_work
from meetings.directives import followup as services
from meetings.directives.models import DirectiveStatus, ReportReview

blp = ApiBlueprint(
    "api-followup",
    __name__,
    description="Follow-up of confirmed directives: progress reports of the lead unit, "
    "the organizers' review of a proposed completion, the dashboard.",
)


class ReportAttachmentSchema(ApiSchema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer(metadata={"description": "Bytes."})
    url = fields.Method("_url", metadata={"description": "Download (same permissions)."})

    def _url(self, attachment) -> str:
        return url_for("followup.download", attachment_id=attachment.id)


class ProgressReportSchema(ApiSchema):
    id = fields.Integer()
    directive_id = fields.Integer()
    directive_status = Enum(DirectiveStatus, attribute="directive.status")
    unit_id = fields.Integer()
    unit_name = fields.String(attribute="unit.name")
    author_id = fields.Integer()
    author_name = fields.String(attribute="author.full_name")
    body = fields.String(metadata={"description": "Markdown."})
    proposes_completion = fields.Boolean()
    review = Enum(
        ReportReview,
        metadata={
            "description": "none (a plain report), pending (completion proposed, awaiting "
            "the organizers), accepted or sent_back."
        },
    )
    review_note = fields.String(allow_none=True)
    reviewed_by_id = fields.Integer(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    attachments = fields.List(fields.Nested(ReportAttachmentSchema))


class ProgressReportCreateSchema(ApiSchema):
    body = fields.String(
        required=True,
        validate=max_length(services.MAX_REPORT),
        metadata={"description": "What has been done (Markdown). Attach files on the page."},
    )
    proposes_completion = fields.Boolean(
        load_default=False,
        metadata={"description": "The directive is carried out: ask the organizers to accept."},
    )


class ReportReviewSchema(ApiSchema):
    note = fields.String(
        load_default=None,
        allow_none=True,
        validate=max_length(services.MAX_NOTE),
        metadata={"description": "Optional when accepting; required when sending back."},
    )


class FollowupQuerySchema(ApiSchema):
    unit_id = fields.Integer(metadata={"description": "Only directives led by this unit."})
    status = fields.String(
        validate=one_of(services.STATUS_FILTERS),
        metadata={
            "description": "overdue, open, in_progress (the last two: not overdue), done, "
            "or pending_review (a completion proposal awaits the organizers)."
        },
    )
    deadline_from = fields.Date()
    deadline_to = fields.Date()
    page = fields.Integer(load_default=1, validate=in_range(1, 100000))


class FollowupCountsSchema(ApiSchema):
    total = fields.Integer()
    overdue = fields.Integer()
    open = fields.Integer()
    in_progress = fields.Integer()
    done = fields.Integer()
    pending_review = fields.Integer()


class FollowupUnitSchema(ApiSchema):
    unit_id = fields.Integer(attribute="unit.id")
    code = fields.String(attribute="unit.code")
    name = fields.String(attribute="unit.name")
    overdue = fields.Function(lambda bar: bar.counts["overdue"])
    open = fields.Function(lambda bar: bar.counts["open"])
    in_progress = fields.Function(lambda bar: bar.counts["in_progress"])
    done = fields.Function(lambda bar: bar.counts["done"])
    total = fields.Integer()


class FollowupRowSchema(ApiSchema):
    id = fields.Integer(attribute="directive.id")
    number = fields.Integer(attribute="directive.number")
    text = fields.String(attribute="directive.text")
    conference_id = fields.Integer(attribute="conference.id")
    conference_title = fields.String(attribute="conference.title")
    lead_unit_id = fields.Integer(attribute="lead_unit.id")
    lead_unit_name = fields.String(attribute="lead_unit.name")
    cooperating_unit_ids = fields.Function(
        lambda row: [unit.id for unit in row.directive.cooperating_units]
    )
    deadline = fields.Date(attribute="directive.deadline")
    status = Enum(DirectiveStatus, attribute="directive.status")
    overdue = fields.Boolean()
    category = fields.String(metadata={"enum": list(services.CATEGORIES)})
    completed_at = fields.DateTime(attribute="directive.completed_at", allow_none=True)
    reports = fields.Integer()
    last_report_at = fields.DateTime(allow_none=True)
    pending_review = fields.Boolean()


class FollowupDashboardSchema(ApiSchema):
    today = fields.Date()
    counts = fields.Nested(FollowupCountsSchema)
    units = fields.List(fields.Nested(FollowupUnitSchema))
    page = fields.Integer(attribute="filters.page")
    pages = fields.Integer()
    total = fields.Integer(metadata={"description": "Directives matching every filter."})
    directives = fields.List(fields.Nested(FollowupRowSchema), attribute="rows")


@blp.route("/directives/<int:directive_id>/reports")
class DirectiveReports(MethodView):
    @blp.response(200, ProgressReportSchema(many=True))
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, directive_id):
        """The progress reports on a directive, oldest first (whoever may see it)"""
        directive, _conference = services.get_directive(directive_id, actor=actor())
        return directive.reports

    @blp.arguments(ProgressReportCreateSchema)
    @blp.response(201, ProgressReportSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, directive_id):
        """Report progress (members of the lead unit)

        The first report moves the directive from open to in_progress. With
        `proposes_completion` the report waits for the organizers' review; a second
        proposal while one is pending, and any report on a done directive, are
        refused with 409.
        """
        user = actor()
        with unit_of_work():
            directive, conference = services.get_directive(directive_id, actor=user)
            report = services.post_report(
                actor=user, directive=directive, conference=conference, **data
            )
            report_id = report.id
        report, _directive, _conference = services.get_report(report_id, actor=user)
        return report


def _review(report_id: int, note, decide):
    user = actor()
    with unit_of_work():
        report, directive, conference = services.get_report(report_id, actor=user)
        decide(actor=user, directive=directive, conference=conference, report=report, note=note)
    report, _directive, _conference = services.get_report(report_id, actor=user)
    return report


@blp.route("/reports/<int:report_id>/accept")
class ReportAccept(MethodView):
    @blp.arguments(ReportReviewSchema)
    @blp.response(200, ProgressReportSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, report_id):
        """Accept a proposed completion: the directive is done (organizers of the conference)"""
        return _review(report_id, data.get("note"), services.accept_report)


@blp.route("/reports/<int:report_id>/send-back")
class ReportSendBack(MethodView):
    @blp.arguments(ReportReviewSchema)
    @blp.response(200, ProgressReportSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, report_id):
        """Send a proposed completion back with a note (organizers of the conference)

        The note saying what is missing is required; the directive stays in progress.
        """
        return _review(report_id, data.get("note"), services.send_back_report)


@blp.route("/followup")
class Followup(MethodView):
    @blp.arguments(FollowupQuerySchema, location="query")
    @blp.response(200, FollowupDashboardSchema)
    def get(self, args):
        """The follow-up dashboard: every confirmed directive the caller may see

        Counts by status and by lead unit (over the unit and deadline filters), and one
        page of 50 directives matching every filter, overdue first.
        """
        filters = services.dashboard_filters(
            unit_id=args.get("unit_id"),
            status=args.get("status"),
            deadline_from=args.get("deadline_from"),
            deadline_to=args.get("deadline_to"),
            page=args.get("page"),
        )
        return services.dashboard(actor=actor(), filters=filters)
