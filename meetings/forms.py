"""Pieces shared by the forms of every domain."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice

REQUIRED = _l("This field is required.")


def optional_id(value):
    """'' -> None, '12' -> 12; anything else is passed on for the service to refuse."""
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def labelled_choices(labels: dict) -> list[SelectChoice]:
    """Select options from one of meetings.i18n's {enum member: label} dicts."""
    return [SelectChoice(key.value, label) for key, label in labels.items()]


def apply_errors(form: FlaskForm, error) -> list[str]:
    """Put a service's field errors on the form; return the messages no field shows."""
    loose = []
    for name, messages in (error.field_errors or {"": [error.message]}).items():
        field = form._fields.get(name) if name else None
        if field is None or field.type in ("HiddenField", "CSRFTokenField"):
            loose.extend(str(m) for m in messages)
        else:
            field.errors = [*field.errors, *messages]
    return loose
