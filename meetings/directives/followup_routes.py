"""Follow-up pages: a directive with its progress reports, the report form of the lead unit
and the organizers' review, the unit's directives, the dashboard across conferences, a
unit's deadlines as iCalendar, and the review item for the next conference's agenda.

Views parse the input, call one service inside unit_of_work() and render or redirect.
A refused form is shown again with its message (422) and nothing is stored.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import BuildError

from meetings import uploads
from meetings.accounts import services as accounts
from meetings.agenda import services as agenda_services
from meetings.conferences import services as conferences
from meetings.db import unit_of_work
from meetings.directives import followup as services
from meetings.directives.models import ReportReview
from meetings.errors import (
    AuthenticationRequiredError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.forms import optional_id

bp = Blueprint("followup", __name__)

CATEGORY_LABELS = {
    "overdue": _l("Overdue"),
    "open": _l("Open"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    "pending_review": _l("Awaiting review"),
}
REVIEW_LABELS = {
    ReportReview.pending: _l("Awaiting the organizers' review"),
    ReportReview.accepted: _l("Completion accepted"),
    ReportReview.sent_back: _l("Sent back"),
}


def _actor():
    return current_user._get_current_object()


def directives_index_url(conference_id: int) -> str:
    # The conference's list of directives belongs to the directives blueprint.
    try:
        return url_for("directives.index", conference_id=conference_id)
    except BuildError:
        return url_for("conferences.show", conference_id=conference_id)


@bp.record_once
def _template_globals(state) -> None:
    # Globals, not a context processor: imported macros (and the agenda page) see them too.
    state.app.jinja_env.globals.update(
        FOLLOWUP_CATEGORY_LABELS=CATEGORY_LABELS,
        REPORT_REVIEW_LABELS=REVIEW_LABELS,
        directives_index_url=directives_index_url,
    )


# --- one directive -------------------------------------------------------------------


def _render_show(directive, conference, *, status=200, form=None, errors=None, review=None):
    page = services.directive_page(directive, conference, actor=_actor())
    return render_template(
        "followup/show.html",
        page=page,
        directive=directive,
        conference=conference,
        form=form or {},
        errors=errors or {},
        review=review or {},
        accept=agenda_services.ACCEPT,
        max_upload=uploads.max_upload_bytes(),
        max_files=services.MAX_FILES,
    ), status


def _field_errors(error: ValidationError) -> dict[str, list[str]]:
    errors = {k: [str(m) for m in v] for k, v in error.field_errors.items()}
    return errors or {"": [str(error.message)]}


@bp.get("/directives/<int:directive_id>")
@login_required
def show(directive_id: int):
    directive, conference = services.get_directive(directive_id, actor=_actor())
    return _render_show(directive, conference)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    limit = uploads.max_upload_bytes() // (1024 * 1024)
    message = _(
        "The files are too large: at most %(limit)d MB per file. Nothing was stored.",
        limit=limit,
    )
    if request.view_args and "directive_id" in request.view_args:
        flash(message, "danger")
        return redirect(
            url_for("followup.show", directive_id=request.view_args["directive_id"]) + "#report"
        )
    return render_template("errors/error.html", status=413, message=message), 413


@bp.post("/directives/<int:directive_id>/reports")
@login_required
def post_report(directive_id: int):
    actor = _actor()
    directive, conference = services.get_directive(directive_id, actor=actor)
    form = {
        "body": request.form.get("body", ""),
        "proposes_completion": request.form.get("proposes_completion") in ("1", "on", "true"),
    }
    files = [
        (upload.filename, upload.stream)
        for upload in request.files.getlist("files")
        if upload is not None and upload.filename
    ]
    try:
        with unit_of_work():
            report = services.post_report(
                actor=actor,
                directive=directive,
                conference=conference,
                body=form["body"],
                proposes_completion=form["proposes_completion"],
                files=files,
            )
    except ValidationError as error:
        directive, conference = services.get_directive(directive_id, actor=actor)
        return _render_show(
            directive, conference, status=422, form=form, errors=_field_errors(error)
        )
    if report.proposes_completion:
        flash(
            _("Your report was posted; the organizers will review the proposed completion."),
            "success",
        )
    else:
        flash(_("Your progress report was posted."), "success")
    return redirect(
        url_for("followup.show", directive_id=directive_id, _anchor=f"report-{report.id}")
    )


@bp.post("/reports/<int:report_id>/accept")
@login_required
def accept(report_id: int):
    actor = _actor()
    with unit_of_work():
        report, directive, conference = services.get_report(report_id, actor=actor)
        services.accept_report(
            actor=actor,
            directive=directive,
            conference=conference,
            report=report,
            note=request.form.get("note", ""),
        )
    flash(_("Completion accepted: the directive is done."), "success")
    return redirect(url_for("followup.show", directive_id=directive.id))


@bp.post("/reports/<int:report_id>/send-back")
@login_required
def send_back(report_id: int):
    actor = _actor()
    note = request.form.get("note", "")
    try:
        with unit_of_work():
            report, directive, conference = services.get_report(report_id, actor=actor)
            services.send_back_report(
                actor=actor, directive=directive, conference=conference, report=report, note=note
            )
    except ValidationError as error:
        report, directive, conference = services.get_report(report_id, actor=actor)
        return _render_show(
            directive,
            conference,
            status=422,
            review={"note": note, "errors": _field_errors(error)},
        )
    flash(_("The proposal was sent back to the unit with your note."), "info")
    return redirect(url_for("followup.show", directive_id=directive.id))


@bp.get("/reports/attachments/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    attachment, _directive = services.get_attachment(attachment_id, actor=_actor())
    return uploads.send_private(
        services.attachment_path(attachment),
        name=attachment.filename,
        mimetype=attachment.content_type,
        etag=attachment.sha256,
    )


# --- lists ----------------------------------------------------------------------------


@bp.get("/my-directives")
@login_required
def mine():
    actor = _actor()
    return render_template(
        "followup/mine.html",
        mine=services.my_directives(actor),
        feed_url=url_for(
            "followup.deadlines_feed",
            unit_id=actor.unit_id,
            token=actor.feed_token,
            _external=True,
        ),
    )


def _date_arg(name: str):
    """'2016-12-31' -> date; '' -> None; anything else is passed on for the service to refuse."""
    value = (request.args.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return value


@bp.get("/followup")
@login_required
def dashboard():
    actor = _actor()
    raw = {
        "unit_id": optional_id(request.args.get("unit") or None),
        "status": request.args.get("status") or None,
        "deadline_from": _date_arg("from"),
        "deadline_to": _date_arg("to"),
        "page": optional_id(request.args.get("page") or None),
    }
    errors: dict = {}
    while True:
        try:
            filters = services.dashboard_filters(**raw)
            break
        except ValidationError as error:
            # Show the page without each filter that was refused, and say why.
            refused = _field_errors(error)
            errors.update(refused)
            if not any(raw.pop(name, None) is not None for name in refused):
                filters = services.DashboardFilters()
                break
    board = services.dashboard(actor=actor, filters=filters)
    return render_template(
        "followup/dashboard.html",
        board=board,
        units=services.unit_choices(),
        errors=errors,
        raw_args=request.args,
    ), (422 if errors else 200)


# --- a unit's deadlines as iCalendar ----------------------------------------------------


@bp.get("/units/<int:unit_id>/deadlines.ics")
def deadlines_feed(unit_id: int):
    """With the person's calendar token (?token=, from their profile) or their session."""
    token = request.args.get("token")
    if token:
        person = accounts.user_for_feed_token(token)
    elif current_user.is_authenticated:
        person = _actor()
    else:
        raise AuthenticationRequiredError()
    unit = services.get_unit(unit_id)
    if person is None or not services.can_follow_unit(person, unit):
        raise NotFoundError(
            _l(
                "This calendar link is not valid (any more). Copy the current link "
                "from “My directives”."
            )
        )
    body = services.deadline_calendar(
        unit,
        services.unit_deadlines(unit),
        host=urlsplit(request.host_url).hostname or "meetings",
        locale=person.locale,
    )
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers.set("Content-Disposition", "inline", filename=f"deadlines-{unit.code}.ics")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


# --- the next conference's agenda -------------------------------------------------------


@bp.post("/conferences/<int:conference_id>/agenda/review-directives")
@login_required
def add_review_item(conference_id: int):
    actor = _actor()
    with unit_of_work():
        conference = conferences.get_conference(conference_id, actor=actor)
        if not conferences.can_manage(actor, conference):
            raise PermissionDeniedError(_l("Only the organizers may change the agenda."))
        version = optional_id(request.form.get("agenda_version") or None)
        item = services.add_review_item(actor=actor, conference=conference, agenda_version=version)
    flash(_("The open directives of the previous conference were added to the agenda."), "success")
    return redirect(url_for("agenda.index", conference_id=conference_id, _anchor=f"item-{item.id}"))
