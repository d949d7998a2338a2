"""Rules of the agenda: items, their order, presenters, planned durations and documents.

Every function takes the acting user explicitly and flushes; the caller commits
through unit_of_work(). Concurrent edits are guarded by versions: each item has
its own `version`, the order of the whole agenda is guarded by
Conference.agenda_version. A stale version is refused with a ConflictError and
nothing is changed. Every change publishes the new agenda to the live room.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import InvalidRequestError

from meetings import audit, uploads, validation
from meetings.accounts.models import User
from meetings.agenda.models import AgendaDocument, AgendaItem, ItemStatus
from meetings.conferences import services as conferences
from meetings.conferences.models import Conference, ConferenceStatus
from meetings.db import utcnow
from meetings.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.extensions import db

EDITABLE_STATES = (ConferenceStatus.draft, ConferenceStatus.scheduled, ConferenceStatus.live)
MAX_MINUTES = 480
CHUNK = 64 * 1024

STALE_AGENDA = _l(
    "Someone else changed the agenda while you were working on it: nothing was saved. "
    "Here is the current agenda; make your change again if it is still needed."
)


def _stale_item(title: str):
    return _l(
        "Someone else changed the item “%(title)s” while you were editing it: nothing was "
        "saved. Here is the current agenda; make your change again if it is still needed.",
        title=title,
    )


# --- who may do what -----------------------------------------------------------------


def can_edit(user: User | None, conference: Conference) -> bool:
    return conferences.can_manage(user, conference) and conference.status in EDITABLE_STATES


def _require_editor(actor: User, conference: Conference) -> None:
    if not conferences.can_manage(actor, conference):
        raise PermissionDeniedError(_l("Only the organizers may change the agenda."))
    if conference.status not in EDITABLE_STATES:
        raise InvalidStateError(
            _l("The conference is concluded or archived: its agenda can no longer be changed.")
        )


# --- reading -----------------------------------------------------------------------


def get_item(conference: Conference, item_id) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id) if isinstance(item_id, int) else None
    if item is None or item.conference_id != conference.id:
        raise NotFoundError(_l("This agenda item does not exist (any more)."))
    return item


def items_of(conference: Conference) -> list[AgendaItem]:
    from meetings.live.state import load_items

    return load_items(conference.id)


@dataclass(frozen=True)
class AgendaRow:
    item: AgendaItem
    projected_start: datetime | None
    projected_end: datetime | None


@dataclass(frozen=True)
class AgendaView:
    rows: list[AgendaRow]
    projected_end: datetime | None
    agenda_version: int
    planned_seconds: int
    # How far the projected end lies past the conference's planned end (0 if not).
    overrun_seconds: int
    planned_end: datetime

    @property
    def items(self) -> list[AgendaItem]:
        return [row.item for row in self.rows]


def _parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def agenda_view(conference: Conference, now: datetime | None = None) -> AgendaView:
    """The items in order with the projected start and end of each, as the live room sees them."""
    from meetings.live.state import agenda_state

    # Held here: the session keeps loaded objects only while someone refers to them.
    items = {item.id: item for item in items_of(conference)}
    projection = agenda_state(conference, now)
    rows = [
        AgendaRow(
            item=items.get(entry["id"]) or get_item(conference, entry["id"]),
            projected_start=_parse_iso(entry["projected_start"]),
            projected_end=_parse_iso(entry["projected_end"]),
        )
        for entry in projection["items"]
    ]
    projected_end = _parse_iso(projection["projected_end"]) if rows else None
    reference = _parse_iso(projection["planned_end"])
    overrun = (projected_end - reference).total_seconds() if projected_end else 0
    return AgendaView(
        rows=rows,
        projected_end=projected_end,
        agenda_version=conference.agenda_version,
        planned_seconds=sum(row.item.planned_seconds for row in rows),
        overrun_seconds=max(0, int(overrun)),
        planned_end=reference,
    )


# --- versions ----------------------------------------------------------------------


def _stale_agenda(conference: Conference) -> ConflictError:
    db.session.refresh(conference)
    return ConflictError(STALE_AGENDA)


def _claim_agenda(conference: Conference, agenda_version) -> None:
    """Check and bump the agenda's version in one statement (safe across processes)."""
    if agenda_version is None:
        raise ValidationError.on("agenda_version", _l("The agenda version is missing."))
    if not isinstance(agenda_version, int) or isinstance(agenda_version, bool):
        raise ValidationError.on("agenda_version", _l("The agenda version must be a number."))
    claimed = db.session.execute(
        update(Conference)
        .where(Conference.id == conference.id, Conference.agenda_version == agenda_version)
        .values(agenda_version=Conference.agenda_version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise _stale_agenda(conference)
    db.session.refresh(conference, ["agenda_version"])


def _bump_agenda(conference: Conference) -> None:
    db.session.execute(
        update(Conference)
        .where(Conference.id == conference.id)
        .values(agenda_version=Conference.agenda_version + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(conference, ["agenda_version"])


def _claim_item(item: AgendaItem, version) -> None:
    if version is None:
        raise ValidationError.on("version", _l("The item's version is missing."))
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValidationError.on("version", _l("The item's version must be a number."))
    claimed = db.session.execute(
        update(AgendaItem)
        .where(AgendaItem.id == item.id, AgendaItem.version == version)
        .values(version=AgendaItem.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        try:
            db.session.refresh(item)
        except InvalidRequestError as exc:  # deleted meanwhile
            raise NotFoundError(_l("This agenda item does not exist (any more).")) from exc
        raise ConflictError(_stale_item(item.title))
    db.session.refresh(item, ["version"])


def _renumber(items: list[AgendaItem]) -> None:
    for position, item in enumerate(items, start=1):
        if item.position != position:
            item.position = position


def _publish(conference: Conference) -> None:
    from meetings.live.services import publish_agenda

    db.session.flush()
    db.session.expire(conference, ["agenda_items"])
    publish_agenda(conference)


# --- item fields -------------------------------------------------------------------


def _minutes(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not (1 <= value <= MAX_MINUTES):
        raise ValidationError.on(
            "planned_minutes",
            _l("Plan between 1 and %(max)d minutes for an item.", max=MAX_MINUTES),
        )
    return value


def _presenter(value) -> int | None:
    if value in (None, ""):
        return None
    user = db.session.get(User, value) if isinstance(value, int) else None
    if user is None or not user.active:
        raise ValidationError.on("presenter_id", _l("Choose an existing person as presenter."))
    return user.id


def _item_fields(data: dict, item: AgendaItem | None) -> dict:
    fields: dict = {}
    if item is None or "title" in data:
        fields["title"] = validation.text(data.get("title"), "title", max_length=300)
    if "description" in data:
        fields["description"] = validation.text(
            data.get("description"), "description", max_length=5000, required=False
        )
    if "presenter_id" in data:
        fields["presenter_id"] = _presenter(data.get("presenter_id"))
    if "presenter_name" in data:
        fields["presenter_name"] = validation.text(
            data.get("presenter_name"), "presenter_name", max_length=200, required=False
        )
    if item is None or "planned_minutes" in data:
        value = data.get("planned_minutes")
        fields["planned_minutes"] = 10 if value is None and item is None else _minutes(value)
    # One presenter: a person with an account, or a name typed in (a unit, a guest).
    if fields.get("presenter_id"):
        fields["presenter_name"] = None
    elif fields.get("presenter_name") and "presenter_id" not in fields:
        fields["presenter_id"] = None
    return fields


# --- changing the agenda -----------------------------------------------------------


def add_item(*, actor: User, conference: Conference, data: dict, agenda_version=None) -> AgendaItem:
    """A new item at the end, or at `data["position"]` (1 = first) moving the others down."""
    _require_editor(actor, conference)
    fields = _item_fields(data, None)
    items = items_of(conference)
    position = data.get("position")
    if position in (None, ""):
        position = len(items) + 1
    elif (
        isinstance(position, bool)
        or not isinstance(position, int)
        or not (1 <= position <= len(items) + 1)
    ):
        raise ValidationError.on(
            "position",
            _l("Choose a place between 1 and %(n)d.", n=len(items) + 1),
        )
    _claim_agenda(conference, agenda_version)
    item = AgendaItem(conference_id=conference.id, position=position, **fields)
    db.session.add(item)
    items.insert(position - 1, item)
    _renumber(items)
    db.session.flush()
    audit.record(db.session, actor, "agenda.add", item, conference=conference.id, title=item.title)
    _publish(conference)
    return item


def update_item(
    *, actor: User, conference: Conference, item: AgendaItem, data: dict, version
) -> AgendaItem:
    _require_editor(actor, conference)
    if item.conference_id != conference.id:
        raise NotFoundError(_l("This agenda item does not exist (any more)."))
    fields = _item_fields(data, item)
    _claim_item(item, version)
    for key, value in fields.items():
        setattr(item, key, value)
    db.session.flush()
    audit.record(db.session, actor, "agenda.update", item, fields=sorted(fields))
    _publish(conference)
    return item


def delete_item(*, actor: User, conference: Conference, item: AgendaItem, version) -> None:
    _require_editor(actor, conference)
    if item.conference_id != conference.id:
        raise NotFoundError(_l("This agenda item does not exist (any more)."))
    if item.status in (ItemStatus.running, ItemStatus.paused):
        raise InvalidStateError(
            _l(
                "The item “%(title)s” is being discussed: close it before deleting it.",
                title=item.title,
            )
        )
    _claim_item(item, version)
    _bump_agenda(conference)
    files = [document.storage_key for document in item.documents]
    audit.record(db.session, actor, "agenda.delete", item, title=item.title)
    _forget_item(item)
    db.session.delete(item)
    db.session.flush()
    _renumber([other for other in items_of(conference) if other.id != item.id])
    uploads.remove_files_after_commit(files)
    _publish(conference)


def _forget_item(item: AgendaItem) -> None:
    """What pointed at the item stays and no longer points at it: the drafts discussed
    under it, the floor given during it, the directives recorded during it."""
    from meetings.directives.models import Directive  # they build on the agenda
    from meetings.drafts.models import Draft
    from meetings.live.models import FloorRequest

    for model in (Directive, Draft, FloorRequest):
        db.session.execute(
            update(model)
            .where(model.agenda_item_id == item.id)
            .values(agenda_item_id=None)
            .execution_options(synchronize_session="fetch")
        )


def reorder_agenda(
    *, actor: User, conference: Conference, order, agenda_version
) -> list[AgendaItem]:
    """Put the items in the given order: `order` lists every item's id exactly once."""
    _require_editor(actor, conference)
    items = items_of(conference)
    if (
        not isinstance(order, list | tuple)
        or any(isinstance(i, bool) or not isinstance(i, int) for i in order)
        or sorted(order) != sorted(item.id for item in items)
    ):
        # A list made from an older agenda (an item added or deleted since) is stale.
        if isinstance(agenda_version, int) and agenda_version != conference.agenda_version:
            raise _stale_agenda(conference)
        raise ValidationError.on(
            "order", _l("The new order must list every item of the agenda exactly once.")
        )
    _claim_agenda(conference, agenda_version)
    by_id = {item.id: item for item in items}
    ordered = [by_id[item_id] for item_id in order]
    _renumber(ordered)
    db.session.flush()
    audit.record(db.session, actor, "agenda.reorder", conference, order=list(order))
    _publish(conference)
    return ordered


def move_item(
    *, actor: User, conference: Conference, item: AgendaItem, direction: str, agenda_version
) -> list[AgendaItem]:
    """One place up or down: the keyboard (and no-script) way to reorder."""
    _require_editor(actor, conference)
    if direction not in ("up", "down"):
        raise ValidationError.on("direction", _l("Move an item up or down."))
    items = items_of(conference)
    ids = [other.id for other in items]
    if item.id not in ids:
        raise NotFoundError(_l("This agenda item does not exist (any more)."))
    index = ids.index(item.id)
    target = index - 1 if direction == "up" else index + 1
    if not (0 <= target < len(ids)):
        if isinstance(agenda_version, int) and agenda_version != conference.agenda_version:
            raise _stale_agenda(conference)
        raise ValidationError.on(
            "direction",
            _l("The item is already first.")
            if direction == "up"
            else _l("The item is already last."),
        )
    ids[index], ids[target] = ids[target], ids[index]
    return reorder_agenda(
        actor=actor, conference=conference, order=ids, agenda_version=agenda_version
    )


# --- documents ---------------------------------------------------------------------

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
PNG = "image/png"
JPEG = "image/jpeg"

# extension -> (content type, what people call it)
ALLOWED_TYPES = {
    ".pdf": (PDF, "PDF"),
    ".docx": (DOCX, "Word (.docx)"),
    ".xlsx": (XLSX, "Excel (.xlsx)"),
    ".pptx": (PPTX, "PowerPoint (.pptx)"),
    ".odt": (ODT, "OpenDocument (.odt)"),
    ".png": (PNG, "PNG"),
    ".jpg": (JPEG, "JPEG"),
    ".jpeg": (JPEG, "JPEG"),
}
# The main part an Office Open XML package of each kind declares in [Content_Types].xml.
OOXML_MAIN = {
    DOCX: b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    XLSX: b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    PPTX: b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
MAX_MANIFEST = 1024 * 1024
ACCEPT = ",".join(ALLOWED_TYPES)


def _sniff_zip(path: Path, content_type: str) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            if content_type == ODT:
                info = archive.getinfo("mimetype")
                return info.file_size < 200 and archive.read(info).strip() == ODT.encode()
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > MAX_MANIFEST:
                return False
            return OOXML_MAIN[content_type] in archive.read(info)
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError, ValueError):
        return False


def _content_matches(path: Path, head: bytes, content_type: str) -> bool:
    if content_type == PDF:
        return head.startswith(b"%PDF-")
    if content_type == PNG:
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if content_type == JPEG:
        return head.startswith(b"\xff\xd8\xff")
    return head.startswith(b"PK\x03\x04") and _sniff_zip(path, content_type)


def store_document(filename, stream: BinaryIO, field: str = "file") -> dict:
    """Check an uploaded document by its type, content and size, and keep it under a random
    key in the upload folder (never the person's file name). A refused upload leaves
    nothing on disk; a stored one is removed again if the transaction is rolled back.
    Returns the fields of its row: filename, content_type, size, sha256, storage_key.
    Errors are reported on `field`."""
    try:
        name = uploads.clean_filename(filename)
    except ValidationError as error:
        raise ValidationError.on(field, error.message) from error
    extension = os.path.splitext(name)[1].lower()
    if extension not in ALLOWED_TYPES:
        raise ValidationError.on(
            field,
            _l(
                "“%(name)s” cannot be attached: only PDF, Word (.docx), Excel (.xlsx), "
                "PowerPoint (.pptx), OpenDocument (.odt) and PNG or JPEG images are accepted.",
                name=name,
            ),
        )
    content_type, kind = ALLOWED_TYPES[extension]
    limit = uploads.max_upload_bytes()
    folder = uploads.upload_folder()
    storage_key = secrets.token_hex(24)
    partial = folder / f".{storage_key}.part"
    digest, size, head = hashlib.sha256(), 0, b""
    try:
        with partial.open("wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise ValidationError.on(
                        field,
                        _l(
                            "“%(name)s” is too large: at most %(limit)s per file.",
                            name=name,
                            limit=uploads.format_size(limit),
                        ),
                    )
                if len(head) < 16:
                    head += chunk[:16]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ValidationError.on(field, _l("“%(name)s” is empty.", name=name))
        if not _content_matches(partial, head, content_type):
            raise ValidationError.on(
                field,
                _l(
                    "“%(name)s” is not a real %(kind)s file: its content does not match its "
                    "name. Save it again in that format, or export it as PDF.",
                    name=name,
                    kind=kind,
                ),
            )
        partial.replace(folder / storage_key)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    uploads.remove_on_rollback(storage_key)
    return {
        "filename": name,
        "content_type": content_type,
        "size": size,
        "sha256": digest.hexdigest(),
        "storage_key": storage_key,
    }


def add_document(
    *, actor: User, conference: Conference, item: AgendaItem, filename, stream: BinaryIO
) -> AgendaDocument:
    """Store an uploaded file for an item, after checking its type by its content and size.

    The file goes under a random name in the upload folder (never the person's
    file name); a refused upload leaves nothing behind, in the database or on disk.
    """
    _require_editor(actor, conference)
    if item.conference_id != conference.id:
        raise NotFoundError(_l("This agenda item does not exist (any more)."))
    stored = store_document(filename, stream)
    name, size = stored["filename"], stored["size"]
    document = AgendaDocument(item_id=item.id, uploaded_by_id=actor.id, **stored)
    item.documents.append(document)
    db.session.flush()
    audit.record(
        db.session, actor, "agenda.document.add", document, item=item.id, filename=name, size=size
    )
    _publish(conference)
    return document


def get_document(conference: Conference, document_id) -> AgendaDocument:
    document = db.session.get(AgendaDocument, document_id) if isinstance(document_id, int) else None
    if document is None or document.item.conference_id != conference.id:
        raise NotFoundError(_l("This document does not exist (any more)."))
    return document


def delete_document(*, actor: User, conference: Conference, document: AgendaDocument) -> None:
    _require_editor(actor, conference)
    if document.item.conference_id != conference.id:
        raise NotFoundError(_l("This document does not exist (any more)."))
    audit.record(db.session, actor, "agenda.document.delete", document, filename=document.filename)
    key = document.storage_key
    document.item.documents.remove(document)
    db.session.flush()
    uploads.remove_files_after_commit([key])
    _publish(conference)


def can_download(
    conference: Conference, *, user: User | None, site_token: str | None = None
) -> bool:
    """Invitees (who can see the conference) and the conference's own remote sites."""
    if user is not None and conferences.can_view(user, conference):
        return True
    if site_token:
        from meetings.live.services import site_for_token

        site = site_for_token(site_token)
        return (
            site is not None and site.conference_id == conference.id and site.is_valid_at(utcnow())
        )
    return False


def document_path(document: AgendaDocument) -> Path:
    path = uploads.upload_folder() / document.storage_key
    if not path.is_file():
        raise NotFoundError(_l("The file of this document is missing; ask the organizers."))
    return path
