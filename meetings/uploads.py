"""Uploaded files: where they live, how big they may be, and their fate with the transaction.

Files are stored under random names in UPLOAD_FOLDER (never the person's file
name); a file whose row is not committed is removed when the transaction ends,
and a file whose row is deleted is removed once that deletion is committed.
"""

from __future__ import annotations

import io
import os
import unicodedata
from pathlib import Path

from flask import current_app, send_file
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from meetings.db import after_commit
from meetings.errors import ValidationError
from meetings.extensions import db

DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024
PENDING_FILES = "meetings.uploads.pending_files"


def max_upload_bytes() -> int:
    return int(current_app.config.get("MAX_UPLOAD_BYTES") or DEFAULT_MAX_UPLOAD)


def upload_folder() -> Path:
    folder = current_app.config.get("UPLOAD_FOLDER") or os.path.join(
        current_app.instance_path, "uploads"
    )
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def clean_filename(filename) -> str:
    """The name as the person knows it (Vietnamese kept), without any path or control chars."""
    name = filename if isinstance(filename, str) else ""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if not name:
        raise ValidationError.on("file", _l("Choose a file to upload."))
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 255 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:255]
    return name


def format_size(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def send_private(source: bytes | Path, *, name: str, mimetype: str, etag: str | None = None):
    """A download for the person who asked only: an attachment no shared cache keeps,
    which the browser checks again each time (permissions may have changed)."""
    response = send_file(
        io.BytesIO(source) if isinstance(source, bytes) else source,
        mimetype=mimetype,
        as_attachment=True,
        download_name=name,
        etag=etag if etag is not None else not isinstance(source, bytes),
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def remove_on_rollback(storage_key: str) -> None:
    """A stored file whose row is never committed is removed when the transaction ends."""
    db.session.info.setdefault(PENDING_FILES, []).append(str(upload_folder() / storage_key))


def remove_files_after_commit(storage_keys: list[str]) -> None:
    if not storage_keys:
        return
    paths = [upload_folder() / key for key in storage_keys]

    def remove():
        for path in paths:
            path.unlink(missing_ok=True)

    after_commit(db.session, remove)


@event.listens_for(Session, "after_commit")
def _keep_committed_files(session: Session) -> None:
    session.info.pop(PENDING_FILES, None)


@event.listens_for(Session, "after_transaction_end")
def _drop_uncommitted_files(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return
    for path in session.info.pop(PENDING_FILES, []):
        Path(path).unlink(missing_ok=True)
