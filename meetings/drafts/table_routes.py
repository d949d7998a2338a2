"""Dispositions and the consolidated comment table: answering a comment, challenging an
answer, the table of a version as a page and as .docx / .xlsx downloads.

Views parse the input, call one service inside unit_of_work() and render or
redirect. Bad input shows the form again (422) with its message; nothing is stored.
Who may see or do what is decided in meetings.drafts.dispositions / table.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from meetings import uploads
from meetings.db import unit_of_work
from meetings.drafts import dispositions, permissions, services
from meetings.drafts import table as comment_table
from meetings.drafts.models import Paragraph
from meetings.errors import NotFoundError, ValidationError
from meetings.extensions import db
from meetings.text import render_markdown

bp = Blueprint("dispositions", __name__)

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _actor():
    return current_user._get_current_object()


def _int_arg(value) -> int | None:
    if value in (None, ""):
        return None
    if not str(value).isdigit():
        raise NotFoundError(services.VERSION_NOT_FOUND)
    return int(value)


def _back(draft, comment, *, own_version: bool) -> str:
    """Where a form returns to: the table, or the draft page at the comment's thread.

    An answered comment stays with the version it was written on, so the draft
    page of that version; a challenged one is shown again on the page it was on.
    """
    version = request.form.get("version", "")
    version = int(version) if version.isdigit() else None
    if request.form.get("return_to") == "table":
        return url_for(
            "dispositions.table", draft_id=draft.id, version=version, _anchor=f"c{comment.id}"
        )
    written_on = next((v.number for v in draft.versions if v.id == comment.version_id), None)
    if own_version or version is None:
        version = written_on
    return url_for("drafts.show", draft_id=draft.id, version=version, _anchor=f"t{comment.id}")


def _paragraph(comment) -> Paragraph | None:
    """The paragraph as it was on the version the comment was written on."""
    return db.session.scalar(
        select(Paragraph).where(
            Paragraph.version_id == comment.version_id, Paragraph.anchor == comment.anchor
        )
    )


def _form_page(draft, conference, comment, *, mode: str, form: dict, errors: dict, status=200):
    """The full-page form: answer a comment (mode "dispose") or challenge its answer."""
    return render_template(
        "drafts/disposition.html",
        draft=draft,
        conference=conference,
        comment=comment,
        paragraph=_paragraph(comment),
        numbers={v.id: v.number for v in draft.versions},
        mode=mode,
        form=form,
        errors=errors,
        alerts=errors.get("", []),
        can_dispose=dispositions.can_dispose(_actor(), draft, comment),
        can_challenge=dispositions.can_challenge(_actor(), comment),
        render_markdown=render_markdown,
    ), status


def _errors(error: ValidationError) -> dict[str, list[str]]:
    if error.field_errors:
        return {k: [str(m) for m in v] for k, v in error.field_errors.items()}
    return {"": [str(error.message)]}


# --- answering a comment --------------------------------------------------------------------


@bp.route("/drafts/<int:draft_id>/comments/<int:comment_id>/disposition", methods=["GET", "POST"])
@login_required
def dispose(draft_id: int, comment_id: int):
    actor = _actor()
    draft, conference = services.get_draft(draft_id, actor=actor)
    comment = dispositions.get_comment(draft, conference, comment_id, actor=actor)
    answer = comment.disposition
    if request.method == "GET":
        form = {
            "decision": answer.decision.value if answer else "",
            "reason": answer.reason if answer else "",
            "apply_suggestion": bool(answer and answer.apply_suggestion),
        }
        return _form_page(draft, conference, comment, mode="dispose", form=form, errors={})
    form = {
        "decision": request.form.get("decision", ""),
        "reason": request.form.get("reason", ""),
        "apply_suggestion": request.form.get("apply_suggestion", ""),
    }
    try:
        with unit_of_work():
            comment = dispositions.get_comment(
                draft, conference, comment_id, actor=actor, for_update=True
            )
            dispositions.dispose(
                actor=actor, draft=draft, conference=conference, comment=comment, data=form
            )
    except ValidationError as error:
        draft, conference = services.get_draft(draft_id, actor=actor)
        comment = dispositions.get_comment(draft, conference, comment_id, actor=actor)
        form["apply_suggestion"] = form["apply_suggestion"] not in ("", "0", "false", "off")
        return _form_page(
            draft, conference, comment, mode="dispose", form=form, errors=_errors(error), status=422
        )
    flash(_("The answer to comment #%(id)d was saved.", id=comment_id), "success")
    return redirect(_back(draft, comment, own_version=True), code=303)


@bp.route("/drafts/<int:draft_id>/comments/<int:comment_id>/challenge", methods=["GET", "POST"])
@login_required
def challenge(draft_id: int, comment_id: int):
    actor = _actor()
    draft, conference = services.get_draft(draft_id, actor=actor)
    comment = dispositions.get_comment(draft, conference, comment_id, actor=actor)
    if request.method == "GET":
        return _form_page(
            draft, conference, comment, mode="challenge", form={"reason": ""}, errors={}
        )
    form = {"reason": request.form.get("reason", "")}
    try:
        with unit_of_work():
            comment = dispositions.get_comment(
                draft, conference, comment_id, actor=actor, for_update=True
            )
            dispositions.challenge(
                actor=actor,
                draft=draft,
                conference=conference,
                comment=comment,
                reason=form["reason"],
            )
    except ValidationError as error:
        draft, conference = services.get_draft(draft_id, actor=actor)
        comment = dispositions.get_comment(draft, conference, comment_id, actor=actor)
        return _form_page(
            draft,
            conference,
            comment,
            mode="challenge",
            form=form,
            errors=_errors(error),
            status=422,
        )
    flash(_("Your unit's objection was sent: the comment is a discussion point again."), "success")
    return redirect(_back(draft, comment, own_version=False), code=303)


# --- the consolidated table -------------------------------------------------------------------


def _table():
    actor = _actor()
    draft_id = request.view_args["draft_id"]
    draft, conference = services.get_draft(draft_id, actor=actor)
    return comment_table.build(
        actor=actor,
        draft=draft,
        conference=conference,
        version_number=_int_arg(request.args.get("version")),
        state=request.args.get("decision") or None,
        unit_id=request.args.get("unit") or None,
    )


@bp.get("/drafts/<int:draft_id>/table")
@login_required
def table(draft_id: int):
    actor = _actor()
    data = _table()
    visible = permissions.visible_versions(actor, data.draft, data.conference)
    return render_template(
        "drafts/table.html",
        table=data,
        draft=data.draft,
        conference=data.conference,
        version=data.version,
        visible=visible,
        states=comment_table.STATES,
        state_labels=comment_table.STATE_LABELS,
        can_dispose=dispositions.can_dispose(actor, data.draft),
        actor_unit_id=actor.unit_id,
        can_challenge=dispositions.can_challenge,
        actor=actor,
        render_markdown=render_markdown,
    )


def _download(data: bytes, name: str, mimetype: str):
    return uploads.send_private(data, name=name, mimetype=mimetype)


@bp.get("/drafts/<int:draft_id>/table.docx")
@login_required
def table_docx(draft_id: int):
    data = _table()
    return _download(
        comment_table.to_docx(data), comment_table.download_name(data, "docx"), DOCX_MIMETYPE
    )


@bp.get("/drafts/<int:draft_id>/table.xlsx")
@login_required
def table_xlsx(draft_id: int):
    data = _table()
    return _download(
        comment_table.to_xlsx(data), comment_table.download_name(data, "xlsx"), XLSX_MIMETYPE
    )
