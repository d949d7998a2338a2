"""Small checks shared by services: the last line of defence behind forms and schemas."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_babel import lazy_gettext as _l

from meetings.errors import ValidationError

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def text(value, field: str, *, max_length: int, required: bool = True) -> str | None:
    value = (value or "").strip() if isinstance(value, str) or value is None else value
    if not isinstance(value, str):
        raise ValidationError.on(field, _l("Must be text."))
    if not value:
        if required:
            raise ValidationError.on(field, _l("This field is required."))
        return None
    if len(value) > max_length:
        raise ValidationError.on(
            field,
            _l(
                "At most %(n)d characters, please (you gave %(given)d).",
                n=max_length,
                given=len(value),
            ),
        )
    return value


def email(value, field: str = "email") -> str:
    value = text(value, field, max_length=254).lower()
    if not EMAIL_RE.match(value):
        raise ValidationError.on(field, _l("This is not a valid e-mail address."))
    return value


def timezone(value, field: str = "timezone") -> str:
    value = text(value, field, max_length=64)
    if value not in available_timezones():
        raise ValidationError.on(
            field, _l("Unknown time zone “%(tz)s”; use a name like Asia/Ho_Chi_Minh.", tz=value)
        )
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError.on(field, _l("Unknown time zone.")) from exc
    return value


def url(value, field: str, *, max_length: int = 500) -> str | None:
    value = text(value, field, max_length=max_length, required=False)
    if value and not re.match(r"^https?://[^\s/$.?#].[^\s]*$", value, re.IGNORECASE):
        raise ValidationError.on(field, _l("Enter a web address starting with https://."))
    return value


def password(value, field: str = "password") -> str:
    if not isinstance(value, str) or len(value) < 8:
        raise ValidationError.on(field, _l("The password needs at least 8 characters."))
    if len(value) > 200:
        raise ValidationError.on(field, _l("The password is too long."))
    return value
