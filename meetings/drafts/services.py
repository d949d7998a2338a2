"""Rules of draft reports: creating a draft, saving immutable numbered versions, reading them.

Every function takes the acting user explicitly and flushes; the caller commits
through unit_of_work(). A version's paragraphs carry anchors from the previous
version (meetings.drafts.text.carry_anchors), so comments follow their paragraph;
a comment whose paragraph is gone is marked orphaned in the new version.
"""

from __future__ import annotations

import io
import os
import secrets
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session, selectinload

from meetings import audit, uploads, validation
from meetings.accounts.models import Unit, User
from meetings.agenda.models import AgendaItem
from meetings.conferences import services as conferences
from meetings.conferences.models import Conference
from meetings.db import utcnow
from meetings.drafts import permissions, text
from meetings.drafts.models import (
    Circulation,
    Comment,
    Draft,
    DraftVersion,
    Paragraph,
    ParagraphKind,
    VersionSource,
)
from meetings.errors import NotFoundError, PermissionDeniedError, ValidationError
from meetings.extensions import db

MAX_TEXT = 500_000
MAX_PARAGRAPHS = 5000
DOCX_MAIN = "word/document.xml"
DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIMETYPE = "application/pdf"

NOT_FOUND = _l("This draft does not exist or is not shared with you.")
VERSION_NOT_FOUND = _l("This version does not exist or was not sent to your unit.")
SETTINGS_REFUSED = _l(
    "Only the drafting unit and the organizers may change the settings of a draft."
)


@dataclass(frozen=True)
class Upload:
    """An uploaded file as the services see it: the person's file name and its bytes."""

    filename: str | None
    stream: BinaryIO | None


# --- who may do what -------------------------------------------------------------


def drafting_units(conference: Conference) -> list[Unit]:
    """The units that may own a draft of this conference: the host and the invited units."""
    units = {p.unit.id: p.unit for p in conference.participants if p.unit is not None}
    if conference.host_unit is not None:
        units.setdefault(conference.host_unit.id, conference.host_unit)
    return sorted(units.values(), key=lambda unit: unit.name)


def can_create(user: User | None, conference: Conference) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if conferences.can_manage(user, conference):
        return True
    return conferences.can_view(user, conference) and any(
        unit.id == user.unit_id for unit in drafting_units(conference)
    )


# --- reading ---------------------------------------------------------------------


def _draft_query():
    return select(Draft).options(
        selectinload(Draft.drafting_unit),
        selectinload(Draft.versions).selectinload(DraftVersion.created_by),
        selectinload(Draft.versions)
        .selectinload(DraftVersion.circulations)
        .selectinload(Circulation.recipients),
    )


def list_drafts(*, actor: User, conference: Conference) -> list[Draft]:
    """The conference's drafts the person may see (at least one visible version)."""
    drafts = db.session.scalars(
        _draft_query().where(Draft.conference_id == conference.id).order_by(Draft.id)
    ).all()
    return [d for d in drafts if permissions.can_see_draft(actor, d, conference)]


def get_draft(draft_id, *, actor: User | None) -> tuple[Draft, Conference]:
    """The draft and its conference; 404 for anyone who may not see any of its versions."""
    draft = (
        db.session.scalar(_draft_query().where(Draft.id == draft_id))
        if isinstance(draft_id, int)
        else None
    )
    if draft is None:
        raise NotFoundError(NOT_FOUND)
    try:
        conference = conferences.get_conference(draft.conference_id, actor=actor)
    except NotFoundError as exc:
        raise NotFoundError(NOT_FOUND) from exc
    if not permissions.can_see_draft(actor, draft, conference):
        raise NotFoundError(NOT_FOUND)
    return draft, conference


def get_version(
    draft: Draft,
    conference: Conference,
    number,
    *,
    actor: User | None,
    with_paragraphs: bool = True,
) -> DraftVersion:
    """Version `number` of the draft (None: the latest the person may see); 404 otherwise."""
    visible = permissions.visible_versions(actor, draft, conference)
    if number is None:
        version = visible[-1] if visible else None
    else:
        version = next((v for v in visible if v.number == number), None)
    if version is None:
        raise NotFoundError(VERSION_NOT_FOUND)
    if with_paragraphs:
        load_paragraphs([version])
    return version


def load_paragraphs(versions: list[DraftVersion]) -> None:
    """Load the paragraphs of several versions in one query."""
    ids = [v.id for v in versions]
    if ids:
        db.session.scalars(
            select(DraftVersion)
            .where(DraftVersion.id.in_(ids))
            .options(selectinload(DraftVersion.paragraphs))
        ).all()


def diff(draft: Draft, conference: Conference, *, actor: User | None, old: int, new: int):
    """The word diff between two versions the person may see."""
    before = get_version(draft, conference, old, actor=actor, with_paragraphs=False)
    after = get_version(draft, conference, new, actor=actor, with_paragraphs=False)
    load_paragraphs([before, after])
    return before, after, text.diff_paragraphs(before.paragraphs, after.paragraphs)


def version_markdown(version: DraftVersion) -> str:
    return text.to_markdown(version.paragraphs)


def original_path(version: DraftVersion) -> Path:
    if not version.original_storage_key:
        raise NotFoundError(_l("This version was written here, not uploaded: it has no file."))
    path = uploads.upload_folder() / version.original_storage_key
    if not path.is_file():
        raise NotFoundError(_l("The file of this version is missing; ask the organizers."))
    return path


# --- input -----------------------------------------------------------------------


def _drafting_unit(conference: Conference, value) -> Unit:
    units = {unit.id: unit for unit in drafting_units(conference)}
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if value in (None, ""):
        raise ValidationError.on("drafting_unit_id", _l("Choose the drafting unit."))
    if not isinstance(value, int) or value not in units:
        raise ValidationError.on(
            "drafting_unit_id",
            _l("Choose the host unit or a unit invited to this conference."),
        )
    return units[value]


def _agenda_item(conference: Conference, value) -> int | None:
    if value in (None, ""):
        return None
    item = db.session.get(AgendaItem, value) if isinstance(value, int) else None
    if item is None or item.conference_id != conference.id:
        raise ValidationError.on(
            "agenda_item_id", _l("Choose an item of this conference's agenda.")
        )
    return item.id


def _blocks_from_text(source) -> list[text.Block]:
    if source is not None and not isinstance(source, str):
        raise ValidationError.on("text", _l("Must be text."))
    if source and len(source) > MAX_TEXT:
        raise ValidationError.on(
            "text", _l("The text is too long: at most %(n)d characters.", n=MAX_TEXT)
        )
    blocks = text.split_markdown(source or "")
    if not blocks:
        raise ValidationError.on("text", _l("Write the text of the draft, or upload a .docx file."))
    return blocks


def _refuse_file(name: str, kind: str = "Word (.docx)"):
    return ValidationError.on(
        "file",
        _l(
            "“%(name)s” is not a real %(kind)s file: its content does not match its name. "
            "Open it again and save it as %(kind)s.",
            name=name,
            kind=kind,
        ),
    )


ORIGINAL_KINDS = {".docx": DOCX_MIMETYPE, ".pdf": PDF_MIMETYPE}


def original_mimetype(version: DraftVersion) -> str:
    extension = os.path.splitext(version.original_filename or "")[1].lower()
    return ORIGINAL_KINDS.get(extension, DOCX_MIMETYPE)


def _read_upload(upload: Upload) -> tuple[str, str, bytes]:
    """The cleaned name, the extension (.docx or .pdf) and the bytes, within the size limit."""
    if upload is None or upload.stream is None or not upload.filename:
        raise ValidationError.on("file", _l("Choose a file to upload."))
    name = uploads.clean_filename(upload.filename)
    extension = os.path.splitext(name)[1].lower()
    if extension not in ORIGINAL_KINDS:
        raise ValidationError.on(
            "file",
            _l(
                "“%(name)s” is neither a Word (.docx) nor a PDF file. Save it as .docx "
                "(its text is read into paragraphs) or as PDF.",
                name=name,
            ),
        )
    limit = uploads.max_upload_bytes()
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise ValidationError.on(
            "file",
            _l(
                "“%(name)s” is too large: at most %(limit)s per file.",
                name=name,
                limit=uploads.format_size(limit),
            ),
        )
    if not data:
        raise ValidationError.on("file", _l("“%(name)s” is empty.", name=name))
    return name, extension, data


def _docx_text(name: str, data: bytes) -> list[text.Block]:
    """The paragraphs of a real, readable .docx (checked by its content, not its name)."""
    if not data.startswith(b"PK\x03\x04"):
        raise _refuse_file(name)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.getinfo(DOCX_MAIN)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, NotImplementedError) as exc:
        raise _refuse_file(name) from exc
    try:
        blocks = text.docx_blocks(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on a damaged package
        raise ValidationError.on(
            "file",
            _l(
                "“%(name)s” is damaged and cannot be read. Open it in Word, save it again "
                "and upload it once more.",
                name=name,
            ),
        ) from exc
    if not blocks:
        raise ValidationError.on("file", _l("“%(name)s” contains no text.", name=name))
    return blocks


def _check_pdf(name: str, data: bytes) -> None:
    """A PDF starts with its header and ends with its end-of-file marker."""
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise _refuse_file(name, "PDF")


def _store_original(name: str, data: bytes) -> dict:
    """Keep the checked file under a random storage key; a stored one is removed again if
    the transaction is rolled back, and a refused upload never reaches the disk."""
    storage_key = secrets.token_hex(24)
    folder = uploads.upload_folder()
    partial = folder / f".{storage_key}.part"
    try:
        partial.write_bytes(data)
        partial.replace(folder / storage_key)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    uploads.remove_on_rollback(storage_key)
    return {
        "original_filename": name,
        "original_storage_key": storage_key,
        "original_size": len(data),
    }


# --- writing ---------------------------------------------------------------------


def _add_version(
    *,
    actor: User,
    draft: Draft,
    blocks: list[text.Block],
    note,
    source,
    original: dict | None,
    now: datetime | None = None,
) -> DraftVersion:
    if len(blocks) > MAX_PARAGRAPHS:
        raise ValidationError.on(
            "text", _l("At most %(n)d paragraphs per version, please.", n=MAX_PARAGRAPHS)
        )
    previous = draft.latest
    if previous is not None:
        load_paragraphs([previous])
        anchors = text.carry_anchors(
            [(p.anchor, p.text) for p in previous.paragraphs], [b.text for b in blocks]
        )
    else:
        anchors = [text.new_anchor() for _ in blocks]
    last = db.session.scalar(
        select(func.max(DraftVersion.number)).where(DraftVersion.draft_id == draft.id)
    )
    number = (last or 0) + 1
    version = DraftVersion(
        number=number,
        source=source,
        note=note,
        created_by_id=actor.id,
        created_at=now or utcnow(),
        **(original or {}),
    )
    version.paragraphs = [
        Paragraph(
            position=position,
            anchor=anchor,
            kind=ParagraphKind(block.kind),
            level=block.level,
            text=block.text,
        )
        for position, (block, anchor) in enumerate(zip(blocks, anchors, strict=True), start=1)
    ]
    draft.versions.append(version)
    db.session.flush()
    if previous is not None:
        # Comments whose paragraph is gone are listed for the drafting unit to handle.
        db.session.execute(
            update(Comment)
            .where(
                Comment.draft_id == draft.id,
                Comment.orphaned_in_id.is_(None),
                Comment.anchor.not_in(anchors),
            )
            .values(orphaned_in_id=version.id)
            .execution_options(synchronize_session="fetch")
        )
    return version


def _content(text_value, upload: Upload | None):
    """The version's paragraphs and where they come from: a .docx (its text is read and
    the file kept), written text, or written text with its PDF kept as the original."""
    if upload is None or upload.stream is None or not upload.filename:
        return _blocks_from_text(text_value), VersionSource.text, None
    name, extension, data = _read_upload(upload)
    if extension == ".docx":
        blocks = _docx_text(name, data)
        return blocks, VersionSource.docx, _store_original(name, data)
    _check_pdf(name, data)
    if not (isinstance(text_value, str) and text_value.strip()):
        raise ValidationError.on(
            "text",
            _l(
                "A PDF is kept as the original file, but its text cannot be read into "
                "paragraphs: write or paste the text as well."
            ),
        )
    return _blocks_from_text(text_value), VersionSource.text, _store_original(name, data)


def create_draft(
    *,
    actor: User,
    conference: Conference,
    data: dict,
    upload: Upload | None = None,
    now: datetime | None = None,
) -> Draft:
    """A new draft with its first version, written as Markdown or uploaded as .docx."""
    if not can_create(actor, conference):
        raise PermissionDeniedError(
            _l("Only the organizers and the units invited to this conference may add drafts.")
        )
    title = validation.text(data.get("title"), "title", max_length=300)
    unit = _drafting_unit(conference, data.get("drafting_unit_id"))
    if not conferences.can_manage(actor, conference) and unit.id != actor.unit_id:
        raise ValidationError.on(
            "drafting_unit_id", _l("You may only add drafts of your own unit.")
        )
    agenda_item_id = _agenda_item(conference, data.get("agenda_item_id"))
    note = validation.text(data.get("note"), "note", max_length=500, required=False)
    blocks, source, original = _content(data.get("text"), upload)
    draft = Draft(
        conference_id=conference.id,
        title=title,
        drafting_unit_id=unit.id,
        drafting_unit=unit,
        agenda_item_id=agenda_item_id,
        comments_shared=bool(data.get("comments_shared")),
        created_by_id=actor.id,
        created_at=now or utcnow(),
    )
    db.session.add(draft)
    db.session.flush()
    version = _add_version(
        actor=actor,
        draft=draft,
        blocks=blocks,
        note=note,
        source=source,
        original=original,
        now=now,
    )
    audit.record(
        db.session,
        actor,
        "draft.create",
        draft,
        title=title,
        unit=unit.id,
        version=version.number,
        source=source.value,
    )
    return draft


def save_version(
    *,
    actor: User,
    draft: Draft,
    conference: Conference,
    text_value=None,
    upload: Upload | None = None,
    note=None,
    now: datetime | None = None,
) -> DraftVersion:
    """A new immutable numbered version; anchors carried from the latest version."""
    if not permissions.can_manage(actor, draft, conference):
        raise PermissionDeniedError(
            _l("Only the drafting unit and the organizers may write a new version.")
        )
    note = validation.text(note, "note", max_length=500, required=False)
    blocks, source, original = _content(text_value, upload)
    latest = draft.latest
    if (
        source == VersionSource.text
        and latest is not None
        and [(b.kind, b.level, b.text) for b in blocks]
        == [(p.kind.value, p.level, p.text) for p in latest.paragraphs]
    ):
        raise ValidationError.on(
            "text",
            _l("Nothing changed since version %(n)d: no new version was made.", n=latest.number),
        )
    version = _add_version(
        actor=actor,
        draft=draft,
        blocks=blocks,
        note=note,
        source=source,
        original=original,
        now=now,
    )
    from meetings.drafts import dispositions  # imported here: it reads this module

    dispositions.mark_applied(actor=actor, draft=draft, version=version)
    audit.record(
        db.session,
        actor,
        "draft.version",
        version,
        draft=draft.id,
        number=version.number,
        source=source.value,
        paragraphs=len(blocks),
    )
    return version


def update_draft(*, actor: User, draft: Draft, conference: Conference, data: dict) -> Draft:
    """The draft's settings: title, agenda item, and whether units see each other's comments."""
    if not permissions.can_manage(actor, draft, conference):
        raise PermissionDeniedError(SETTINGS_REFUSED)
    title = validation.text(data.get("title"), "title", max_length=300)
    agenda_item_id = _agenda_item(conference, data.get("agenda_item_id"))
    shared = data.get("comments_shared")
    if not isinstance(shared, bool):
        raise ValidationError.on("comments_shared", _l("Enter true or false."))
    changes = {
        name: value
        for name, value in (
            ("title", title),
            ("agenda_item_id", agenda_item_id),
            ("comments_shared", shared),
        )
        if getattr(draft, name) != value
    }
    for name, value in changes.items():
        setattr(draft, name, value)
    db.session.flush()
    if changes:
        audit.record(db.session, actor, "draft.settings", draft, **changes)
    return draft


# --- versions are immutable ------------------------------------------------------


class ImmutableVersionError(RuntimeError):
    """A programming error: a saved version or paragraph was changed."""


@event.listens_for(Session, "before_flush")
def _refuse_version_changes(session: Session, flush_context, instances) -> None:
    for obj in session.dirty:
        if isinstance(obj, DraftVersion | Paragraph) and session.is_modified(
            obj, include_collections=False
        ):
            raise ImmutableVersionError(f"{obj!r} is immutable; save a new version instead")
    for obj in session.deleted:
        if isinstance(obj, Paragraph) and obj.version not in session.deleted:
            raise ImmutableVersionError(f"{obj!r} is immutable; save a new version instead")
