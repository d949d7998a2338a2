"""Pages of the conclusion notice: the list, generating a draft, editing, issuing, correcting,
the preview of the document and its .docx / PDF downloads.

Views parse the input, call one service inside unit_of_work() and render or redirect.
Bad input shows the form again (422) with its messages; nothing is stored. Who may
do what is decided in meetings.directives.notices.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from meetings import uploads
from meetings.accounts.models import User
from meetings.conferences import services as conferences
from meetings.db import unit_of_work
from meetings.directives import documents, notices
from meetings.directives.models import NoticeStatus
from meetings.errors import ConflictError, InvalidStateError, ValidationError
from meetings.extensions import db

bp = Blueprint("notices", __name__)

FORM_FIELDS = notices.FIELDS


def _actor():
    return current_user._get_current_object()


def _errors(error: ValidationError) -> dict[str, list[str]]:
    if error.field_errors:
        return {k: [str(m) for m in v] for k, v in error.field_errors.items()}
    return {"": [str(error.message)]}


# --- the list and generating a draft -------------------------------------------------------


@bp.get("/conferences/<int:conference_id>/notices")
@login_required
def index(conference_id: int):
    actor = _actor()
    conference = conferences.get_conference(conference_id, actor=actor)
    items = notices.list_notices(conference)
    replaced = {
        n.replaces_id: n for n in items if n.replaces_id and n.status == NoticeStatus.issued
    }
    return render_template(
        "notices/index.html",
        conference=conference,
        notices=items,
        replaced=replaced,
        can_manage=notices.can_manage(actor, conference),
        can_write=notices.can_write(actor, conference),
        has_draft=any(n.status == NoticeStatus.draft for n in items),
        has_issued=any(n.status == NoticeStatus.issued for n in items),
        directive_count=len(notices.confirmed_directives(conference)),
    )


@bp.post("/conferences/<int:conference_id>/notices")
@login_required
def create(conference_id: int):
    actor = _actor()
    with unit_of_work():
        conference = conferences.get_conference(conference_id, actor=actor)
        notice = notices.generate_notice(actor=actor, conference=conference)
    flash(_("A draft notice was generated from the record. Check it, then issue it."), "success")
    return redirect(url_for("notices.edit", notice_id=notice.id), code=303)


# --- one notice ----------------------------------------------------------------------------


def _form_of(notice) -> dict:
    form = {name: getattr(notice, name) or "" for name in FORM_FIELDS}
    form["issued_on"] = notice.issued_on.isoformat() if notice.issued_on else ""
    form["version"] = notice.version
    return form


def _edit_page(notice, conference, *, form, errors=None, conflict=None, status=200):
    errors = errors or {}
    return render_template(
        "notices/edit.html",
        notice=notice,
        conference=conference,
        form=form,
        errors=errors,
        alerts=errors.get("", []),
        conflict=conflict,
        directives=notices.directives_of(notice, conference),
        deadline_of=notices.deadline_of,
        can_issue=conference.status in notices.ISSUABLE_STATES,
        limits=notices.LIMITS,
    ), status


@bp.route("/notices/<int:notice_id>/edit", methods=["GET", "POST"])
@login_required
def edit(notice_id: int):
    actor = _actor()
    notice, conference = notices.get_notice(notice_id, actor=actor)
    if request.method == "GET":
        if notice.status != NoticeStatus.draft:
            flash(
                _(
                    "Notice No. %(ref)s is issued and can no longer be changed.",
                    ref=notice.reference,
                ),
                "warning",
            )
            return redirect(url_for("notices.show", notice_id=notice_id))
        notices.check_writable(actor, notice, conference)  # the refusal a save would give
        return _edit_page(notice, conference, form=_form_of(notice))
    form = {name: request.form.get(name, "") for name in FORM_FIELDS}
    form["version"] = request.form.get("version", "")
    try:
        with unit_of_work():
            notice, conference = notices.get_notice(notice_id, actor=actor, for_update=True)
            notices.update_notice(
                actor=actor,
                notice=notice,
                conference=conference,
                data=form,
                version=form["version"],
            )
    except ValidationError as error:
        notice, conference = notices.get_notice(notice_id, actor=actor)
        return _edit_page(notice, conference, form=form, errors=_errors(error), status=422)
    except InvalidStateError:
        raise
    except ConflictError as error:
        notice, conference = notices.get_notice(notice_id, actor=actor)
        return _edit_page(
            notice, conference, form=_form_of(notice), conflict=error.message, status=409
        )
    if request.form.get("then") == "issue":
        return redirect(url_for("notices.edit", notice_id=notice_id, _anchor="issue"), code=303)
    flash(_("The notice was saved."), "success")
    return redirect(url_for("notices.show", notice_id=notice_id), code=303)


@bp.post("/notices/<int:notice_id>/issue")
@login_required
def issue(notice_id: int):
    actor = _actor()
    data = {
        "number": request.form.get("number", ""),
        "issued_on": request.form.get("issued_on", ""),
        "version": request.form.get("version", ""),
    }

    def work():
        notice, conference = notices.get_notice(notice_id, actor=actor, for_update=True)
        return notices.issue_notice(
            actor=actor,
            notice=notice,
            conference=conference,
            number=data["number"],
            issued_on=data["issued_on"],
            version=data["version"],
        )

    try:
        notice = notices.retry_on_taken_number(work)
    except ValidationError as error:
        notice, conference = notices.get_notice(notice_id, actor=actor)
        form = _form_of(notice)
        form.update(number=data["number"], issued_on=data["issued_on"])
        return _edit_page(notice, conference, form=form, errors=_errors(error), status=422)
    flash(
        _("Notice No. %(ref)s was issued. It can no longer be edited.", ref=notice.reference),
        "success",
    )
    return redirect(url_for("notices.show", notice_id=notice_id), code=303)


@bp.post("/notices/<int:notice_id>/correct")
@login_required
def correct(notice_id: int):
    actor = _actor()
    with unit_of_work():
        notice, conference = notices.get_notice(notice_id, actor=actor, for_update=True)
        correction = notices.correct_notice(actor=actor, notice=notice, conference=conference)
    flash(
        _("A correction of No. %(ref)s was drafted. Edit it, then issue it.", ref=notice.reference),
        "success",
    )
    return redirect(url_for("notices.edit", notice_id=correction.id), code=303)


@bp.post("/notices/<int:notice_id>/delete")
@login_required
def delete(notice_id: int):
    actor = _actor()
    with unit_of_work():
        notice, conference = notices.get_notice(notice_id, actor=actor, for_update=True)
        conference_id = conference.id
        notices.delete_notice(
            actor=actor,
            notice=notice,
            conference=conference,
            version=request.form.get("version") or None,
        )
    flash(_("The draft notice was deleted."), "success")
    return redirect(url_for("notices.index", conference_id=conference_id), code=303)


@bp.get("/notices/<int:notice_id>")
@login_required
def show(notice_id: int):
    actor = _actor()
    notice, conference = notices.get_notice(notice_id, actor=actor)
    return render_template(
        "notices/show.html",
        notice=notice,
        conference=conference,
        doc=notices.document(notice, conference),
        replaced_by=notices.replaced_by(notice),
        issued_by=db.session.get(User, notice.issued_by_id) if notice.issued_by_id else None,
        can_write=notices.can_write(actor, conference),
        layout=documents,
    )


@bp.get("/notices/<int:notice_id>.docx")
@login_required
def docx(notice_id: int):
    notice, conference = notices.get_notice(notice_id, actor=_actor())
    return uploads.send_private(
        documents.to_docx(notices.document(notice, conference)),
        name=notices.download_name(notice, "docx"),
        mimetype=documents.DOCX_MIMETYPE,
    )


@bp.get("/notices/<int:notice_id>.pdf")
@login_required
def pdf(notice_id: int):
    notice, conference = notices.get_notice(notice_id, actor=_actor())
    return uploads.send_private(
        documents.to_pdf(notices.document(notice, conference)),
        name=notices.download_name(notice, "pdf"),
        mimetype=documents.PDF_MIMETYPE,
    )
