"""Rules for units, users, log-in and tokens. Callers commit through unit_of_work()."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from meetings import audit, validation
from meetings.accounts.models import LOCALES, ApiToken, GlobalRole, Unit, UnitKind, User
from meetings.db import utcnow
from meetings.errors import NotFoundError, PermissionDeniedError, ValidationError
from meetings.extensions import db

# --- permissions -----------------------------------------------------------


def require_admin(actor: User | None) -> None:
    if actor is None or not actor.is_admin:
        raise PermissionDeniedError(_l("Only an administrator may do this."))


# --- units -----------------------------------------------------------------


def get_unit(unit_id) -> Unit:
    unit = db.session.get(Unit, unit_id) if isinstance(unit_id, int) else None
    if unit is None:
        raise NotFoundError(_l("Unknown unit."))
    return unit


def _unit_fields(data: dict, unit: Unit | None) -> dict:
    fields: dict = {}
    if unit is None or "code" in data:
        code = validation.text(data.get("code"), "code", max_length=40)
        if not validation.CODE_RE.match(code):
            raise ValidationError.on(
                "code", _l("Use letters, digits, dots, dashes or underscores.")
            )
        clash = db.session.scalar(select(Unit).where(func.lower(Unit.code) == code.lower()))
        if clash is not None and clash is not unit:
            raise ValidationError.on(
                "code", _l("Another unit already has the code %(code)s.", code=code)
            )
        fields["code"] = code
    if unit is None or "name_vi" in data:
        fields["name_vi"] = validation.text(data.get("name_vi"), "name_vi", max_length=200)
    if unit is None or "name_en" in data:
        fields["name_en"] = validation.text(data.get("name_en"), "name_en", max_length=200)
    if "kind" in data or unit is None:
        try:
            fields["kind"] = UnitKind(data.get("kind") or UnitKind.department)
        except ValueError as exc:
            raise ValidationError.on("kind", _l("Unknown kind of unit.")) from exc
    if "city" in data:
        fields["city"] = validation.text(data.get("city"), "city", max_length=120, required=False)
    if "parent_id" in data:
        parent_id = data.get("parent_id") or None
        if parent_id is not None:
            parent = db.session.get(Unit, parent_id) if isinstance(parent_id, int) else None
            if parent is None:
                raise ValidationError.on("parent_id", _l("Unknown parent unit."))
            ancestor = parent
            while ancestor is not None:
                if unit is not None and ancestor.id == unit.id:
                    raise ValidationError.on(
                        "parent_id", _l("A unit cannot be placed under itself or its own sub-unit.")
                    )
                ancestor = ancestor.parent
        fields["parent_id"] = parent_id
    if "active" in data:
        fields["active"] = bool(data["active"])
    return fields


def create_unit(*, actor: User | None, data: dict, system: bool = False) -> Unit:
    if not system:
        require_admin(actor)
    unit = Unit(**_unit_fields(data, None))
    db.session.add(unit)
    db.session.flush()
    audit.record(db.session, actor, "unit.create", unit, code=unit.code)
    return unit


def update_unit(*, actor: User, unit: Unit, data: dict) -> Unit:
    require_admin(actor)
    for key, value in _unit_fields(data, unit).items():
        setattr(unit, key, value)
    db.session.flush()
    audit.record(db.session, actor, "unit.update", unit, fields=sorted(data))
    return unit


def unit_tree() -> list[tuple[Unit, int]]:
    """All units in tree order with their depth, in two queries whatever the size."""
    units = db.session.scalars(select(Unit).order_by(Unit.code)).all()
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    ordered: list[tuple[Unit, int]] = []

    def walk(parent_id, depth):
        for unit in children.get(parent_id, []):
            ordered.append((unit, depth))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return ordered


def user_counts_by_unit() -> dict[int, int]:
    """How many accounts each unit has, in one query."""
    rows = db.session.execute(select(User.unit_id, func.count(User.id)).group_by(User.unit_id))
    return {unit_id: count for unit_id, count in rows}


# --- users -----------------------------------------------------------------


def get_user(user_id) -> User:
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        raise NotFoundError(_l("Unknown user."))
    return user


def find_user_by_email(address: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == (address or "").strip().lower()))


def _user_fields(data: dict, user: User | None) -> dict:
    fields: dict = {}
    if user is None or "email" in data:
        address = validation.email(data.get("email"))
        clash = find_user_by_email(address)
        if clash is not None and clash is not user:
            raise ValidationError.on(
                "email", _l("An account with this e-mail address exists already.")
            )
        fields["email"] = address
    if user is None or "full_name" in data:
        fields["full_name"] = validation.text(data.get("full_name"), "full_name", max_length=200)
    if "position" in data:
        fields["position"] = validation.text(
            data.get("position"), "position", max_length=200, required=False
        )
    if user is None or "unit_id" in data:
        unit_id = data.get("unit_id")
        if not isinstance(unit_id, int) or db.session.get(Unit, unit_id) is None:
            raise ValidationError.on("unit_id", _l("Choose an existing unit."))
        fields["unit_id"] = unit_id
    if "role" in data or user is None:
        try:
            fields["role"] = GlobalRole(data.get("role") or GlobalRole.member)
        except ValueError as exc:
            raise ValidationError.on("role", _l("Unknown role.")) from exc
    if "locale" in data:
        if data["locale"] not in LOCALES:
            raise ValidationError.on("locale", _l("Choose Vietnamese or English."))
        fields["locale"] = data["locale"]
    if "active" in data:
        fields["active"] = bool(data["active"])
    return fields


def create_user(*, actor: User | None, data: dict, system: bool = False) -> User:
    """Create an account. `system=True` is for the CLI and the seed loader."""
    if not system:
        require_admin(actor)
    fields = _user_fields(data, None)
    password = validation.password(data.get("password"))
    user = User(**fields)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(db.session, actor, "user.create", user, email=user.email)
    return user


def update_user(*, actor: User, user: User, data: dict) -> User:
    require_admin(actor)
    fields = _user_fields(data, user)
    if user.id == actor.id and (
        fields.get("role", user.role) != GlobalRole.admin or fields.get("active", True) is False
    ):
        raise ValidationError.on("role", _l("You cannot remove your own administrator rights."))
    for key, value in fields.items():
        setattr(user, key, value)
    if data.get("password"):
        user.set_password(validation.password(data["password"]))
    db.session.flush()
    audit.record(
        db.session, actor, "user.update", user, fields=sorted(k for k in data if k != "password")
    )
    return user


def update_profile(*, actor: User, data: dict) -> User:
    """What a person may change about themselves: name, position, language."""
    allowed = {k: v for k, v in data.items() if k in {"full_name", "position", "locale"}}
    for key, value in _user_fields(allowed, actor).items():
        setattr(actor, key, value)
    db.session.flush()
    return actor


def change_password(*, actor: User, current: str, new: str) -> None:
    if not actor.check_password(current or ""):
        raise ValidationError.on("current_password", _l("The current password is not right."))
    actor.set_password(validation.password(new, "new_password"))
    db.session.flush()
    audit.record(db.session, actor, "user.password", actor)


def authenticate(email: str, password: str) -> User | None:
    user = find_user_by_email(email or "")
    if user is None or not user.active or not user.check_password(password or ""):
        return None
    return user


def regenerate_feed_token(*, actor: User) -> str:
    actor.feed_token = secrets.token_urlsafe(32)
    db.session.flush()
    return actor.feed_token


def user_for_feed_token(token: str) -> User | None:
    if not token or len(token) > 64:
        return None
    user = db.session.scalar(select(User).where(User.feed_token == token))
    return user if user is not None and user.active else None


def list_users(unit_id: int | None = None) -> Sequence[User]:
    query = select(User).options(selectinload(User.unit)).order_by(User.full_name)
    if unit_id is not None:
        query = query.where(User.unit_id == unit_id)
    return db.session.scalars(query).all()


# --- API tokens ------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(*, actor: User, name: str) -> tuple[ApiToken, str]:
    name = validation.text(name, "name", max_length=80)
    secret = "mtg_" + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=actor.id, name=name, prefix=secret[:10], token_hash=_hash_token(secret)
    )
    db.session.add(token)
    db.session.flush()
    audit.record(db.session, actor, "api_token.issue", token, name=name)
    return token, secret


def revoke_api_token(*, actor: User, token_id: int) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != actor.id:
        raise NotFoundError(_l("Unknown token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(db.session, actor, "api_token.revoke", token)
    db.session.flush()
    return token


def list_api_tokens(*, actor: User) -> Sequence[ApiToken]:
    """The person's tokens still in force, newest first."""
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == actor.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return db.session.scalars(query).all()


def user_for_api_token(secret: str) -> User | None:
    if not secret or len(secret) > 100:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    token.last_used_at = utcnow()
    return token.user
