"""The audit log: one row per action that changes something people rely on."""

from __future__ import annotations

import json

from flask import has_request_context, request
from sqlalchemy.orm import Session

from meetings.accounts.models import AuditEntry, User


def record(session: Session, actor: User | None, action: str, obj, **detail) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=type(obj).__tablename__ if obj is not None else "-",
        object_id=getattr(obj, "id", None),
        detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        remote_addr=request.remote_addr if has_request_context() else None,
    )
    session.add(entry)
    return entry
