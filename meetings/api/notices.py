"""/api/v1 conclusion notices and minutes.

Notices: list and generate a draft (per conference), read, edit a draft (with the
version read, as a stale edit is refused), delete a draft, issue (numbered in its
series for the year and frozen, directives included), correct an issued one (a new
draft that replaces it), and download as .docx or PDF. Minutes: the latest
revision, every revision, save a new one (naming the revision edited), generate
one from the record, and download as .docx or PDF. The same rules as the pages:
the organizers write notices, the organizers and the secretary write minutes,
anyone who may see the conference reads them; anything else answers 404.
"""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields

from meetings import uploads
from meetings.api.base import ApiSchema, Enum, max_length
from meetings.api.blueprint import ApiBlueprint, actor
from meetings.conferences import services as conferences
from meetings.db import unit_of_work
from meetings.directives import documents, minutes, notices
from meetings.directives.models import NoticeStatus

blp = ApiBlueprint(
    "api-notices",
    __name__,
    description="The conclusion notice (thông báo kết luận) and the minutes (biên bản) of a "
    "conference, as JSON, Word (.docx) and PDF.",
)


# --- schemas ---------------------------------------------------------------------------


class NoticeUnitSchema(ApiSchema):
    id = fields.Integer()
    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()


class NoticeDirectiveSchema(ApiSchema):
    id = fields.Integer()
    number = fields.Integer()
    text = fields.String()
    lead_unit = fields.Nested(NoticeUnitSchema)
    cooperating_units = fields.List(fields.Nested(NoticeUnitSchema))
    deadline = fields.String(metadata={"format": "date", "example": "2016-12-31"})
    agenda_item_id = fields.Integer(allow_none=True)


class NoticeSchema(ApiSchema):
    id = fields.Integer()
    conference_id = fields.Integer()
    status = Enum(NoticeStatus, metadata={"description": "draft, or issued (frozen)"})
    symbol = fields.String(metadata={"example": "TB-UBDT"})
    number = fields.Integer(allow_none=True, metadata={"description": "Given when issued."})
    year = fields.Integer(allow_none=True)
    reference = fields.String(allow_none=True, metadata={"example": "123/TB-UBDT"})
    parent_body = fields.String()
    issuing_body = fields.String()
    place = fields.String()
    issued_on = fields.Date(allow_none=True)
    title = fields.String()
    summary = fields.String(metadata={"description": "The introduction, one paragraph a line."})
    closing = fields.String(allow_none=True)
    recipients = fields.String(metadata={"description": "Nơi nhận, one a line."})
    signer_title = fields.String()
    signer_name = fields.String()
    directives = fields.List(
        fields.Nested(NoticeDirectiveSchema),
        metadata={
            "description": "As frozen when issued; for a draft, the confirmed directives now."
        },
    )
    replaces_id = fields.Integer(allow_none=True)
    replaced_by_id = fields.Integer(allow_none=True)
    version = fields.Integer()
    created_at = fields.DateTime()
    issued_at = fields.DateTime(allow_none=True)


class NoticeCreateSchema(ApiSchema):
    """Nothing to send: the draft is generated from the conference's record."""


class NoticeUpdateSchema(ApiSchema):
    version = fields.Integer(
        required=True, metadata={"description": "The version you read; a stale one gives 409."}
    )
    symbol = fields.String(validate=max_length(notices.LIMITS["symbol"]))
    parent_body = fields.String(validate=max_length(notices.LIMITS["parent_body"]))
    issuing_body = fields.String(validate=max_length(notices.LIMITS["issuing_body"]))
    place = fields.String(validate=max_length(notices.LIMITS["place"]))
    issued_on = fields.Date(allow_none=True)
    title = fields.String(validate=max_length(notices.LIMITS["title"]))
    summary = fields.String(validate=max_length(notices.LIMITS["summary"]))
    closing = fields.String(allow_none=True, validate=max_length(notices.LIMITS["closing"]))
    recipients = fields.String(validate=max_length(notices.LIMITS["recipients"]))
    signer_title = fields.String(validate=max_length(notices.LIMITS["signer_title"]))
    signer_name = fields.String(validate=max_length(notices.LIMITS["signer_name"]))


class NoticeIssueSchema(ApiSchema):
    version = fields.Integer(required=True)
    number = fields.Integer(
        load_default=None,
        allow_none=True,
        metadata={"description": "The number the register gave; null: the next free one."},
    )
    issued_on = fields.Date(
        load_default=None,
        allow_none=True,
        metadata={"description": "Null: the notice's date, else today in the conference's zone."},
    )


class NoticeCorrectSchema(ApiSchema):
    """Nothing to send: the correction starts as a copy that names the notice it replaces."""


class NoticeDeleteQuerySchema(ApiSchema):
    version = fields.Integer(metadata={"description": "The version you read (optional)."})


class MinutesAuthorSchema(ApiSchema):
    id = fields.Integer()
    full_name = fields.String()


class MinutesRevisionSummarySchema(ApiSchema):
    number = fields.Integer()
    generated = fields.Boolean(metadata={"description": "Generated from the record."})
    note = fields.String(allow_none=True)
    saved_by = fields.Nested(MinutesAuthorSchema, allow_none=True)
    saved_at = fields.DateTime()


class MinutesRevisionSchema(MinutesRevisionSummarySchema):
    conference_id = fields.Integer()
    body = fields.String(metadata={"description": "Markdown."})


class MinutesSaveSchema(ApiSchema):
    body = fields.String(required=True, validate=max_length(minutes.MAX_BODY))
    note = fields.String(load_default=None, allow_none=True, validate=max_length(minutes.MAX_NOTE))
    base = fields.Integer(
        required=True,
        allow_none=True,
        metadata={
            "description": "The revision you edited (null when there is none yet); a save on "
            "an older one gives 409."
        },
    )


class MinutesGenerateSchema(ApiSchema):
    note = fields.String(load_default=None, allow_none=True, validate=max_length(minutes.MAX_NOTE))


class MinutesFileQuerySchema(ApiSchema):
    revision = fields.Integer(metadata={"description": "The revision (default: the latest)."})


def _dump(notice, conference) -> dict:
    newer = notices.replaced_by(notice)
    data = {name: getattr(notice, name, None) for name in NoticeSchema._declared_fields}
    data.update(
        reference=notice.reference,
        directives=notices.directives_of(notice, conference),
        replaced_by_id=newer.id if newer is not None else None,
    )
    return data


def _load(notice_id: int, *, for_update: bool = False):
    return notices.get_notice(notice_id, actor=actor(), for_update=for_update)


# --- notices ---------------------------------------------------------------------------


@blp.route("/conferences/<int:conference_id>/notices")
class ConferenceNotices(MethodView):
    @blp.response(200, NoticeSchema(many=True))
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, conference_id):
        """The conference's notices, newest first"""
        conference = conferences.get_conference(conference_id, actor=actor())
        return [_dump(n, conference) for n in notices.list_notices(conference)]

    @blp.arguments(NoticeCreateSchema)
    @blp.response(201, NoticeSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, conference_id):
        """Generate a draft notice from the record (organizers; live or concluded)

        Who chaired, who attended in the room and online, what was reviewed, and the
        confirmed directives. 409 when a draft exists already or the notice is issued
        (make a correction instead).
        """
        user = actor()
        with unit_of_work():
            conference = conferences.get_conference(conference_id, actor=user)
            notice = notices.generate_notice(actor=user, conference=conference)
            result = _dump(notice, conference)
        return result


@blp.route("/notices/<int:notice_id>")
class NoticeById(MethodView):
    @blp.response(200, NoticeSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, notice_id):
        """One notice"""
        notice, conference = _load(notice_id)
        return _dump(notice, conference)

    @blp.arguments(NoticeUpdateSchema)
    @blp.response(200, NoticeSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def patch(self, data, notice_id):
        """Edit a draft notice (organizers), giving the version you read

        An issued notice is never edited (409 invalid_state): make a correction.
        """
        user = actor()
        version = data.pop("version")
        with unit_of_work():
            notice, conference = _load(notice_id, for_update=True)
            notices.update_notice(
                actor=user, notice=notice, conference=conference, data=data, version=version
            )
            result = _dump(notice, conference)
        return result

    @blp.arguments(NoticeDeleteQuerySchema, location="query")
    @blp.response(204)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def delete(self, args, notice_id):
        """Delete a draft notice (organizers); an issued one stays for the record (409)"""
        user = actor()
        with unit_of_work():
            notice, conference = _load(notice_id, for_update=True)
            notices.delete_notice(
                actor=user, notice=notice, conference=conference, version=args.get("version")
            )


@blp.route("/notices/<int:notice_id>/issue")
class IssueNotice(MethodView):
    @blp.arguments(NoticeIssueSchema)
    @blp.response(200, NoticeSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, notice_id):
        """Issue a draft notice: numbered in its series for the year, then frozen

        The conference must be concluded and have confirmed directives; the signer's
        name is required. A number already taken in the series gives 422.
        """
        user = actor()

        def work():
            notice, conference = _load(notice_id, for_update=True)
            notices.issue_notice(
                actor=user,
                notice=notice,
                conference=conference,
                number=data["number"],
                issued_on=data["issued_on"],
                version=data["version"],
            )
            return _dump(notice, conference)

        return notices.retry_on_taken_number(work)


@blp.route("/notices/<int:notice_id>/correct")
class CorrectNotice(MethodView):
    @blp.arguments(NoticeCorrectSchema)
    @blp.response(201, NoticeSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, notice_id):
        """Draft a correction of an issued notice: a new notice that replaces it"""
        user = actor()
        with unit_of_work():
            notice, conference = _load(notice_id, for_update=True)
            correction = notices.correct_notice(actor=user, notice=notice, conference=conference)
            result = _dump(correction, conference)
        return result


@blp.route("/notices/<int:notice_id>.docx")
class NoticeDocx(MethodView):
    @blp.response(200, description="A Word document (A4).", content_type=documents.DOCX_MIMETYPE)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, notice_id):
        """The notice as a Word (.docx) document"""
        notice, conference = _load(notice_id)
        return uploads.send_private(
            documents.to_docx(notices.document(notice, conference)),
            name=notices.download_name(notice, "docx"),
            mimetype=documents.DOCX_MIMETYPE,
        )


@blp.route("/notices/<int:notice_id>.pdf")
class NoticePdf(MethodView):
    @blp.response(200, description="A PDF document (A4).", content_type=documents.PDF_MIMETYPE)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, notice_id):
        """The notice as PDF"""
        notice, conference = _load(notice_id)
        return uploads.send_private(
            documents.to_pdf(notices.document(notice, conference)),
            name=notices.download_name(notice, "pdf"),
            mimetype=documents.PDF_MIMETYPE,
        )


# --- minutes ---------------------------------------------------------------------------


def _conference(conference_id: int):
    return conferences.get_conference(conference_id, actor=actor())


def _dump_revision(revision) -> dict:
    return {
        "number": revision.number,
        "conference_id": revision.conference_id,
        "body": revision.body,
        "generated": revision.generated,
        "note": revision.note,
        "saved_by": revision.saved_by,
        "saved_at": revision.saved_at,
    }


@blp.route("/conferences/<int:conference_id>/minutes")
class Minutes(MethodView):
    @blp.response(200, MinutesRevisionSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, conference_id):
        """The latest revision of the minutes (404 while there is none)"""
        return _dump_revision(minutes.require_minutes(_conference(conference_id)))


@blp.route("/conferences/<int:conference_id>/minutes/revisions")
class MinutesRevisions(MethodView):
    @blp.response(200, MinutesRevisionSummarySchema(many=True))
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, conference_id):
        """Every saved revision, newest first (without their text)"""
        return minutes.revisions(_conference(conference_id))

    @blp.arguments(MinutesSaveSchema)
    @blp.response(201, MinutesRevisionSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, conference_id):
        """Save the edited minutes as a new revision (organizers and the secretary)

        `base` names the revision you edited; when someone saved meanwhile the
        answer is 409 and nothing is stored. Earlier revisions are never changed.
        """
        user = actor()
        with unit_of_work():
            conference = _conference(conference_id)
            revision = minutes.save_minutes(
                actor=user,
                conference=conference,
                body=data["body"],
                note=data["note"],
                base=data["base"],
            )
            result = _dump_revision(revision)
        return result


@blp.route("/conferences/<int:conference_id>/minutes/revisions/<int:number>")
class MinutesRevisionByNumber(MethodView):
    @blp.response(200, MinutesRevisionSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, conference_id, number):
        """One revision of the minutes"""
        return _dump_revision(minutes.get_revision(_conference(conference_id), number))


@blp.route("/conferences/<int:conference_id>/minutes/generate")
class GenerateMinutes(MethodView):
    @blp.arguments(MinutesGenerateSchema)
    @blp.response(201, MinutesRevisionSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, conference_id):
        """Generate a new revision from the record (organizers and the secretary)

        Attendance in the room and per remote site with the times connected, the
        agenda as it ran, who had the floor, the drafts and their votes, the
        directives. Earlier revisions are kept.
        """
        user = actor()
        with unit_of_work():
            conference = _conference(conference_id)
            revision = minutes.generate_minutes(
                actor=user, conference=conference, note=data["note"]
            )
            result = _dump_revision(revision)
        return result


def _minutes_file(conference_id: int, args: dict):
    conference = _conference(conference_id)
    if args.get("revision") is not None:
        return conference, minutes.get_revision(conference, args["revision"])
    return conference, minutes.require_minutes(conference)


@blp.route("/conferences/<int:conference_id>/minutes.docx")
class MinutesDocx(MethodView):
    @blp.arguments(MinutesFileQuerySchema, location="query")
    @blp.response(200, description="A Word document (A4).", content_type=documents.DOCX_MIMETYPE)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, conference_id):
        """The minutes as a Word (.docx) document"""
        conference, revision = _minutes_file(conference_id, args)
        return uploads.send_private(
            documents.to_docx(minutes.document(conference, revision)),
            name=minutes.download_name(conference, revision, "docx"),
            mimetype=documents.DOCX_MIMETYPE,
        )


@blp.route("/conferences/<int:conference_id>/minutes.pdf")
class MinutesPdf(MethodView):
    @blp.arguments(MinutesFileQuerySchema, location="query")
    @blp.response(200, description="A PDF document (A4).", content_type=documents.PDF_MIMETYPE)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, conference_id):
        """The minutes as PDF"""
        conference, revision = _minutes_file(conference_id, args)
        return uploads.send_private(
            documents.to_pdf(minutes.document(conference, revision)),
            name=minutes.download_name(conference, revision, "pdf"),
            mimetype=documents.PDF_MIMETYPE,
        )
