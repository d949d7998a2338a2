"""Draft report pages: the list of a conference's drafts, a new draft, the draft page with
its versions, a new version, the word diff between two versions, the uploaded original.

Views parse the input, call one service inside unit_of_work() and render or
redirect. Who may see what is decided in meetings.drafts.services/permissions:
a version not circulated to the person's unit answers 404.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from meetings import uploads
from meetings.agenda import services as agenda
from meetings.conferences import services as conferences
from meetings.db import unit_of_work
from meetings.drafts import dispositions, permissions, services, text
from meetings.drafts.comment_routes import render_draft_page
from meetings.drafts.forms import DraftForm, VersionForm
from meetings.errors import NotFoundError, PermissionDeniedError, ValidationError
from meetings.extensions import db
from meetings.forms import apply_errors

bp = Blueprint("drafts", __name__)


def _actor():
    return current_user._get_current_object()


def _upload() -> services.Upload | None:
    file = request.files.get("file")
    if file is None or not file.filename:
        return None
    return services.Upload(filename=file.filename, stream=file.stream)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    if not value:
        return None
    if not value.isdigit():
        raise NotFoundError(services.VERSION_NOT_FOUND)
    return int(value)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    limit = uploads.max_upload_bytes() // (1024 * 1024)
    message = _(
        "The file is too large: at most %(limit)d MB per file. Nothing was stored.", limit=limit
    )
    return render_template("errors/error.html", status=413, message=message), 413


# --- list and new draft -------------------------------------------------------------


@bp.get("/conferences/<int:conference_id>/drafts")
@login_required
def index(conference_id):
    actor = _actor()
    conference = conferences.get_conference(conference_id, actor=actor)
    drafts = services.list_drafts(actor=actor, conference=conference)
    rows = [(d, permissions.visible_versions(actor, d, conference)[-1]) for d in drafts]
    return render_template(
        "drafts/index.html",
        conference=conference,
        rows=rows,
        can_create=services.can_create(actor, conference),
    )


def _draft_form(conference, actor, formdata=None) -> DraftForm:
    form = DraftForm(formdata=formdata) if formdata is not None else DraftForm()
    units = services.drafting_units(conference)
    form.drafting_unit_id.choices = [("", _("Choose…"))] + [(u.id, u.name) for u in units]
    items = agenda.items_of(conference)
    form.agenda_item_id.choices = [("", _("(none)"))] + [
        (item.id, f"{item.position}. {item.title}") for item in items
    ]
    if request.method == "GET" and actor.unit_id in {u.id for u in units}:
        form.drafting_unit_id.data = actor.unit_id
    return form


@bp.route("/conferences/<int:conference_id>/drafts/new", methods=["GET", "POST"])
@login_required
def new(conference_id):
    actor = _actor()
    conference = conferences.get_conference(conference_id, actor=actor)
    if not services.can_create(actor, conference):
        raise PermissionDeniedError(
            _("Only the organizers and the units invited to this conference may add drafts.")
        )
    form = _draft_form(conference, actor)
    alerts: list[str] = []
    if form.validate_on_submit():
        data = {
            "title": form.title.data,
            "drafting_unit_id": form.drafting_unit_id.data,
            "agenda_item_id": form.agenda_item_id.data,
            "comments_shared": form.comments_shared.data,
            "text": form.text.data,
            "note": form.note.data,
        }
        try:
            with unit_of_work():
                draft = services.create_draft(
                    actor=actor, conference=conference, data=data, upload=_upload()
                )
                draft_id = draft.id
        except ValidationError as error:
            db.session.rollback()
            alerts = apply_errors(form, error)
        else:
            flash(_("The draft was saved as version 1."), "success")
            return redirect(url_for("drafts.show", draft_id=draft_id))
    status = 422 if request.method == "POST" else 200
    conference = conferences.get_conference(conference_id, actor=actor)
    return render_template(
        "drafts/new.html",
        conference=conference,
        form=form,
        alerts=alerts,
        max_upload=uploads.max_upload_bytes(),
    ), status


# --- one draft ----------------------------------------------------------------------


def _mark_read(actor, version) -> None:
    try:
        from meetings.drafts.circulation import mark_read
    except ImportError:  # pragma: no cover - the circulation module ships with this one
        return
    if actor.unit_id in permissions.recipient_unit_ids(version):
        with unit_of_work():
            mark_read(actor=actor, version=version)


@bp.get("/drafts/<int:draft_id>")
@login_required
def show(draft_id):
    actor = _actor()
    draft, conference = services.get_draft(draft_id, actor=actor)
    version = services.get_version(draft, conference, _int_arg("version"), actor=actor)
    _mark_read(actor, version)
    return render_draft_page(actor, draft, conference, version)


@bp.route("/drafts/<int:draft_id>/versions/new", methods=["GET", "POST"])
@login_required
def new_version(draft_id):
    actor = _actor()
    draft, conference = services.get_draft(draft_id, actor=actor)
    if not permissions.can_manage(actor, draft, conference):
        raise NotFoundError(services.NOT_FOUND)
    latest = services.get_version(draft, conference, None, actor=actor)
    # The text offered: the latest version with the accepted suggestions written in
    # (?suggestions=0: as it is); saving marks those the new text contains as applied.
    with_suggestions = request.args.get("suggestions") != "0"
    upcoming = dispositions.next_version_text(draft)
    form = VersionForm()
    if request.method == "GET":
        form.text.data = upcoming.text if with_suggestions else services.version_markdown(latest)
    alerts: list[str] = []
    if form.validate_on_submit():
        try:
            with unit_of_work():
                version = services.save_version(
                    actor=actor,
                    draft=draft,
                    conference=conference,
                    text_value=form.text.data,
                    upload=_upload(),
                    note=form.note.data,
                )
                number = version.number
        except ValidationError as error:
            db.session.rollback()
            alerts = apply_errors(form, error)
        else:
            flash(_("Version %(n)d was saved.", n=number), "success")
            return redirect(url_for("drafts.show", draft_id=draft_id, version=number))
        draft, conference = services.get_draft(draft_id, actor=actor)
        latest = services.get_version(draft, conference, None, actor=actor)
        upcoming = dispositions.next_version_text(draft)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "drafts/version_form.html",
        conference=conference,
        draft=draft,
        latest=latest,
        applied=upcoming.applied,
        with_suggestions=with_suggestions,
        form=form,
        alerts=alerts,
        max_upload=uploads.max_upload_bytes(),
    ), status


@bp.get("/drafts/<int:draft_id>/diff")
@login_required
def diff(draft_id):
    actor = _actor()
    draft, conference = services.get_draft(draft_id, actor=actor)
    visible = permissions.visible_versions(actor, draft, conference)
    new = _int_arg("to") or visible[-1].number
    old = _int_arg("from")
    if old is None:
        earlier = [v.number for v in visible if v.number < new]
        old = earlier[-1] if earlier else new
    before, after, rows = services.diff(draft, conference, actor=actor, old=old, new=new)
    return render_template(
        "drafts/diff.html",
        conference=conference,
        draft=draft,
        before=before,
        after=after,
        rows=rows,
        summary=text.diff_summary(rows),
        visible=visible,
    )


@bp.get("/drafts/<int:draft_id>/versions/<int:number>/original")
@login_required
def original(draft_id, number):
    actor = _actor()
    draft, conference = services.get_draft(draft_id, actor=actor)
    version = services.get_version(draft, conference, number, actor=actor, with_paragraphs=False)
    return uploads.send_private(
        services.original_path(version),
        name=version.original_filename or f"draft-{draft.id}-v{number}.docx",
        mimetype=services.original_mimetype(version),
    )
