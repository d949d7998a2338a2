"""The agenda editor: organizers add, edit, reorder and delete items and attach documents;
other invitees read the agenda and download its documents.

Views parse the input, call one service inside unit_of_work() and redirect. A
refused change shows the page again: field errors on the form (422), or, when
someone else changed the agenda first, the conflict and the current agenda (409)
with nothing saved.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from meetings import uploads
from meetings.agenda import services
from meetings.agenda.forms import AddItemForm, ItemForm, posted_int
from meetings.agenda.models import ItemStatus
from meetings.conferences import services as conferences
from meetings.conferences.models import Conference
from meetings.db import unit_of_work
from meetings.directives import followup
from meetings.errors import (
    AuthenticationRequiredError,
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.extensions import db
from meetings.forms import apply_errors

bp = Blueprint("agenda", __name__)

NOT_SHARED = _l("This conference does not exist or is not shared with you.")
ITEM_STATUS_LABELS = {
    ItemStatus.pending: _l("Not started"),
    ItemStatus.running: _l("Under way"),
    ItemStatus.paused: _l("Paused"),
    ItemStatus.done: _l("Done"),
    ItemStatus.skipped: _l("Skipped"),
}


def _actor():
    return current_user._get_current_object()


def _conference(conference_id: int) -> Conference:
    return conferences.get_conference(conference_id, actor=_actor())


def _require_organizer(conference: Conference) -> None:
    if not conferences.can_manage(_actor(), conference):
        raise PermissionDeniedError(_l("Only the organizers may change the agenda."))


def _presenters(conference: Conference, items) -> list:
    """People to offer as presenters: the invitees in person, the chair, current presenters."""
    people = {p.user.id: p.user for p in conference.participants if p.user is not None}
    if conference.chair is not None:
        people[conference.chair.id] = conference.chair
    for item in items:
        if item.presenter is not None:
            people[item.presenter.id] = item.presenter
    return sorted(people.values(), key=lambda person: person.full_name)


def _edit_url(conference_id: int, item_id: int | None = None) -> str:
    anchor = f"item-{item_id}" if item_id else None
    return url_for("agenda.index", conference_id=conference_id, _anchor=anchor)


def _render(
    conference: Conference,
    *,
    status: int = 200,
    add_form: AddItemForm | None = None,
    edit_forms: dict | None = None,
    open_item: int | None = None,
    conflict=None,
    unsaved: list | None = None,
    alerts: list | None = None,
):
    actor = _actor()
    view = services.agenda_view(conference)
    editable = services.can_edit(actor, conference)
    forms: dict = {}
    presenters = []
    if editable:
        presenters = _presenters(conference, view.items)
        add_form = add_form or AddItemForm(formdata=None)
        add_form.fill_choices(presenters)
        add_form.fill_positions(view.items)
        add_form.agenda_version.data = str(view.agenda_version)
        for item in view.items:
            form = (edit_forms or {}).get(item.id) or ItemForm.for_item(item)
            form.fill_choices(presenters)
            forms[item.id] = form
    page = render_template(
        "agenda/index.html",
        conference=conference,
        view=view,
        editable=editable,
        can_manage=conferences.can_manage(actor, conference),
        add_form=add_form if editable else None,
        edit_forms=forms,
        open_item=open_item,
        conflict=conflict,
        unsaved=unsaved or [],
        alerts=alerts or [],
        ITEM_STATUS_LABELS=ITEM_STATUS_LABELS,
        accept=services.ACCEPT,
        max_upload=uploads.max_upload_bytes(),
        # The next conference of a programme offers the previous one's open directives.
        review_offer=followup.review_offer(actor, conference, view.items) if editable else None,
    )
    return page, status


def _conflict_page(conference_id: int, error: ConflictError, **kwargs):
    db.session.rollback()
    conference = _conference(conference_id)
    return _render(conference, status=409, conflict=error.message, **kwargs)


def _unsaved(form: ItemForm, item) -> list[tuple[str, str, str]]:
    """What the person typed that differs from what is stored now: to redo it by hand."""
    rows = []
    current = {
        "title": item.title,
        "presenter_name": item.presenter_name or "",
        "planned_minutes": str(item.planned_minutes),
        "description": item.description or "",
    }
    for name, stored in current.items():
        mine = form[name].data
        mine = "" if mine is None else str(mine)
        if mine.strip() != stored.strip():
            rows.append((str(form[name].label.text), mine or "—", stored or "—"))
    return rows


# --- the page -----------------------------------------------------------------------


@bp.get("/conferences/<int:conference_id>/agenda")
@login_required
def index(conference_id):
    return _render(_conference(conference_id))


# --- items --------------------------------------------------------------------------


@bp.post("/conferences/<int:conference_id>/agenda/items")
@login_required
def add_item(conference_id):
    actor = _actor()
    conference = _conference(conference_id)
    _require_organizer(conference)
    form = AddItemForm()
    alerts: list = []
    if form.validate():
        try:
            with unit_of_work():
                item = services.add_item(
                    actor=actor,
                    conference=conference,
                    data=form.service_data(),
                    agenda_version=form.stored_agenda_version(),
                )
                item_id, title = item.id, item.title
        except InvalidStateError:
            raise
        except ConflictError as error:
            # The agenda changed under the form: keep what was typed, show the current agenda.
            return _conflict_page(conference_id, error, add_form=form)
        except ValidationError as error:
            alerts = apply_errors(form, error)
            conference = _conference(conference_id)
        else:
            flash(_("“%(title)s” was added to the agenda.", title=title), "success")
            return redirect(_edit_url(conference_id, item_id))
    return _render(
        conference,
        status=422,
        add_form=form,
        alerts=[_("The item was not added. Please correct the fields marked below."), *alerts],
    )


@bp.post("/conferences/<int:conference_id>/agenda/items/<int:item_id>/edit")
@login_required
def update_item(conference_id, item_id):
    actor = _actor()
    conference = _conference(conference_id)
    _require_organizer(conference)
    item = services.get_item(conference, item_id)
    form = ItemForm()
    alerts: list = []
    if form.validate():
        try:
            with unit_of_work():
                services.update_item(
                    actor=actor,
                    conference=conference,
                    item=item,
                    data=form.service_data(),
                    version=form.stored_version(),
                )
        except InvalidStateError:
            raise
        except ConflictError as error:
            db.session.rollback()
            conference = _conference(conference_id)
            current = services.get_item(conference, item_id)
            return _render(
                conference,
                status=409,
                conflict=error.message,
                unsaved=_unsaved(form, current),
                open_item=item_id,
            )
        except ValidationError as error:
            alerts = apply_errors(form, error)
            conference = _conference(conference_id)
        else:
            flash(_("The changes were saved."), "success")
            return redirect(_edit_url(conference_id, item_id))
    return _render(
        conference,
        status=422,
        edit_forms={item_id: form},
        open_item=item_id,
        alerts=[_("The item was not changed. Please correct the fields marked below."), *alerts],
    )


@bp.post("/conferences/<int:conference_id>/agenda/items/<int:item_id>/delete")
@login_required
def delete_item(conference_id, item_id):
    actor = _actor()
    conference = _conference(conference_id)
    _require_organizer(conference)
    item = services.get_item(conference, item_id)
    title = item.title
    try:
        with unit_of_work():
            services.delete_item(
                actor=actor,
                conference=conference,
                item=item,
                version=posted_int(request.form, "version"),
            )
    except InvalidStateError:
        raise
    except ConflictError as error:
        return _conflict_page(conference_id, error, open_item=item_id)
    flash(_("“%(title)s” was removed from the agenda.", title=title), "success")
    return redirect(_edit_url(conference_id))


@bp.post("/conferences/<int:conference_id>/agenda/items/<int:item_id>/move")
@login_required
def move_item(conference_id, item_id):
    actor = _actor()
    conference = _conference(conference_id)
    _require_organizer(conference)
    item = services.get_item(conference, item_id)
    try:
        with unit_of_work():
            services.move_item(
                actor=actor,
                conference=conference,
                item=item,
                direction=request.form.get("direction"),
                agenda_version=posted_int(request.form, "agenda_version"),
            )
    except InvalidStateError:
        raise
    except ConflictError as error:
        return _conflict_page(conference_id, error)
    except ValidationError as error:
        db.session.rollback()
        return _render(_conference(conference_id), status=422, alerts=[error.message])
    return redirect(_edit_url(conference_id, item_id))


# --- documents ------------------------------------------------------------------------


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    limit = uploads.max_upload_bytes() // (1024 * 1024)
    message = _(
        "The file is too large: at most %(limit)d MB per file. Nothing was stored.", limit=limit
    )
    if request.view_args and "conference_id" in request.view_args:
        flash(message, "danger")
        return redirect(
            _edit_url(request.view_args["conference_id"], request.view_args.get("item_id"))
        )
    return render_template("errors/error.html", status=413, message=message), 413


@bp.post("/conferences/<int:conference_id>/agenda/items/<int:item_id>/documents")
@login_required
def upload_document(conference_id, item_id):
    actor = _actor()
    conference = _conference(conference_id)
    _require_organizer(conference)
    item = services.get_item(conference, item_id)
    upload = request.files.get("file")
    try:
        with unit_of_work():
            document = services.add_document(
                actor=actor,
                conference=conference,
                item=item,
                filename=upload.filename if upload else None,
                stream=upload.stream if upload else None,
            )
            name = document.filename
    except ValidationError as error:
        db.session.rollback()
        return _render(
            _conference(conference_id),
            status=422,
            open_item=item_id,
            alerts=[_("The document was not attached: %(reason)s", reason=error.message)],
        )
    flash(_("“%(name)s” is attached.", name=name), "success")
    return redirect(_edit_url(conference_id, item_id))


@bp.post("/conferences/<int:conference_id>/agenda/documents/<int:document_id>/delete")
@login_required
def delete_document(conference_id, document_id):
    actor = _actor()
    conference = _conference(conference_id)
    _require_organizer(conference)
    document = services.get_document(conference, document_id)
    name, item_id = document.filename, document.item_id
    with unit_of_work():
        services.delete_document(actor=actor, conference=conference, document=document)
    flash(_("“%(name)s” was removed.", name=name), "success")
    return redirect(_edit_url(conference_id, item_id))


@bp.get("/conferences/<int:conference_id>/agenda/documents/<int:document_id>")
def download_document(conference_id, document_id):
    """For invitees, and for the conference's remote sites (who join without an account)."""
    user = _actor() if current_user.is_authenticated else None
    site_token = session.get("site_token")
    conference = db.session.get(Conference, conference_id)
    if conference is None or not services.can_download(
        conference, user=user, site_token=site_token
    ):
        if user is None and not site_token:
            raise AuthenticationRequiredError()
        raise NotFoundError(NOT_SHARED)
    document = services.get_document(conference, document_id)
    return uploads.send_private(
        services.document_path(document),
        name=document.filename,
        mimetype=document.content_type,
        etag=document.sha256,
    )
