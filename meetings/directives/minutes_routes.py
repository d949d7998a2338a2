"""Pages of the minutes: the latest text with its revisions, generating from the record,
editing (every save a new revision), one revision, and the .docx / PDF downloads.

Views parse the input, call one service inside unit_of_work() and render or redirect.
Who may do what is decided in meetings.directives.minutes.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from meetings import uploads
from meetings.conferences import services as conferences
from meetings.db import unit_of_work
from meetings.directives import documents, minutes
from meetings.errors import ConflictError, NotFoundError, ValidationError

bp = Blueprint("minutes", __name__)


def _actor():
    return current_user._get_current_object()


def _conference(conference_id: int):
    return conferences.get_conference(conference_id, actor=_actor())


@bp.get("/conferences/<int:conference_id>/minutes")
@login_required
def show(conference_id: int):
    actor = _actor()
    conference = _conference(conference_id)
    history = minutes.revisions(conference)
    current = history[0] if history else None
    return render_template(
        "minutes/show.html",
        conference=conference,
        revision=current,
        revisions=history,
        body=minutes.render(current.body) if current else None,
        can_edit=minutes.can_edit(actor, conference),
        can_write=minutes.can_write(actor, conference),
        latest_number=current.number if current else None,
    )


@bp.get("/conferences/<int:conference_id>/minutes/revisions/<int:number>")
@login_required
def revision(conference_id: int, number: int):
    actor = _actor()
    conference = _conference(conference_id)
    chosen = minutes.get_revision(conference, number)
    newest = minutes.latest(conference)
    return render_template(
        "minutes/show.html",
        conference=conference,
        revision=chosen,
        revisions=minutes.revisions(conference),
        body=minutes.render(chosen.body),
        can_edit=minutes.can_edit(actor, conference),
        can_write=minutes.can_write(actor, conference),
        latest_number=newest.number if newest else None,
    )


@bp.post("/conferences/<int:conference_id>/minutes/generate")
@login_required
def generate(conference_id: int):
    actor = _actor()
    with unit_of_work():
        conference = _conference(conference_id)
        created = minutes.generate_minutes(
            actor=actor, conference=conference, note=request.form.get("note") or None
        )
    flash(
        _(
            "Revision %(n)d was generated from the record; the earlier revisions are kept.",
            n=created.number,
        ),
        "success",
    )
    return redirect(url_for("minutes.show", conference_id=conference_id), code=303)


def _edit_page(conference, *, form, errors=None, conflict=None, status=200):
    errors = errors or {}
    current = minutes.latest(conference)
    return render_template(
        "minutes/edit.html",
        conference=conference,
        form=form,
        errors=errors,
        alerts=errors.get("", []),
        conflict=conflict,
        current=current,
        current_html=minutes.render(current.body) if (conflict and current) else None,
        max_body=minutes.MAX_BODY,
    ), status


@bp.route("/conferences/<int:conference_id>/minutes/edit", methods=["GET", "POST"])
@login_required
def edit(conference_id: int):
    actor = _actor()
    conference = _conference(conference_id)
    if request.method == "GET":
        minutes.check_writable(actor, conference)
        current = minutes.latest(conference)
        if current is None:
            flash(_("Generate the minutes from the record first, then edit them."), "info")
            return redirect(url_for("minutes.show", conference_id=conference_id))
        form = {"body": current.body, "note": "", "base": current.number}
        return _edit_page(conference, form=form)
    form = {
        "body": request.form.get("body", ""),
        "note": request.form.get("note", ""),
        "base": request.form.get("base", ""),
    }
    try:
        with unit_of_work():
            conference = _conference(conference_id)
            saved = minutes.save_minutes(
                actor=actor,
                conference=conference,
                body=form["body"],
                note=form["note"] or None,
                base=form["base"],
            )
    except ValidationError as error:
        conference = _conference(conference_id)
        errors = {k: [str(m) for m in v] for k, v in error.field_errors.items()} or {
            "": [str(error.message)]
        }
        return _edit_page(conference, form=form, errors=errors, status=422)
    except ConflictError as error:
        conference = _conference(conference_id)
        return _edit_page(conference, form=form, conflict=error.message, status=409)
    flash(_("The minutes were saved as revision %(n)d.", n=saved.number), "success")
    return redirect(url_for("minutes.show", conference_id=conference_id), code=303)


def _chosen(conference):
    asked = request.args.get("revision", "")
    if asked:
        if not asked.isdigit():
            raise NotFoundError(_("This revision of the minutes does not exist."))
        return minutes.get_revision(conference, int(asked))
    return minutes.require_minutes(conference)


@bp.get("/conferences/<int:conference_id>/minutes.docx")
@login_required
def docx(conference_id: int):
    conference = _conference(conference_id)
    chosen = _chosen(conference)
    return uploads.send_private(
        documents.to_docx(minutes.document(conference, chosen)),
        name=minutes.download_name(conference, chosen, "docx"),
        mimetype=documents.DOCX_MIMETYPE,
    )


@bp.get("/conferences/<int:conference_id>/minutes.pdf")
@login_required
def pdf(conference_id: int):
    conference = _conference(conference_id)
    chosen = _chosen(conference)
    return uploads.send_private(
        documents.to_pdf(minutes.document(conference, chosen)),
        name=minutes.download_name(conference, chosen, "pdf"),
        mimetype=documents.PDF_MIMETYPE,
    )
