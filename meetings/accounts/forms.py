"""HTML forms of the log-in, profile and administration pages.

The forms check the shape of the input (required, lengths); the services check
everything else (unique codes and addresses, existing units, the unit tree, the
password rules) and `apply_errors` puts their field errors back on the fields.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import EqualTo, InputRequired, Length

from meetings.accounts.models import LOCALES
from meetings.forms import REQUIRED, labelled_choices, optional_id
from meetings.i18n import GLOBAL_ROLE_LABELS, LANGUAGE_NAMES, UNIT_KIND_LABELS


def _at_most(n: int) -> Length:
    return Length(max=n, message=_l("At most %(n)d characters, please.", n=n))


def language_choices() -> list[tuple[str, str]]:
    return [(code, LANGUAGE_NAMES[code]) for code in LOCALES]


def unit_choices(tree, *, blank=None, exclude: set[int] | None = None) -> list[tuple]:
    """Options for a unit select, indented like the tree; inactive units are marked."""
    choices = [("", blank)] if blank is not None else []
    for unit, depth in tree:
        if exclude and unit.id in exclude:
            continue
        label = "\u2003" * depth + f"{unit.name} ({unit.code})"
        if not unit.active:
            label += " · " + str(_l("inactive"))
        choices.append((unit.id, label))
    return choices


def subtree_ids(tree, unit_id: int) -> set[int]:
    """The unit and everything below it, from unit_tree()'s ordered (unit, depth) list."""
    ids: set[int] = set()
    inside_depth = None
    for unit, depth in tree:
        if inside_depth is not None:
            if depth <= inside_depth:
                break
            ids.add(unit.id)
        elif unit.id == unit_id:
            ids.add(unit.id)
            inside_depth = depth
    return ids


# --- log-in and profile -----------------------------------------------------


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        validators=[InputRequired(REQUIRED), _at_most(254)],
        render_kw={"autocomplete": "username", "inputmode": "email"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(REQUIRED), _at_most(200)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class ProfileForm(FlaskForm):
    full_name = StringField(
        _l("Full name"),
        validators=[InputRequired(REQUIRED), _at_most(200)],
        render_kw={"autocomplete": "name"},
    )
    position = StringField(
        _l("Position"), validators=[_at_most(200)], render_kw={"autocomplete": "organization-title"}
    )
    locale = SelectField(_l("Language"), choices=language_choices, validate_choice=False)


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(REQUIRED)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[InputRequired(REQUIRED)],
        render_kw={"autocomplete": "new-password", "minlength": 8},
    )
    new_password_repeat = PasswordField(
        _l("Repeat the new password"),
        validators=[
            InputRequired(REQUIRED),
            EqualTo("new_password", message=_l("The two new passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        validators=[InputRequired(REQUIRED), _at_most(80)],
        render_kw={"placeholder": _l("e.g. Office reporting script")},
    )


# --- administration ---------------------------------------------------------


class UnitForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[InputRequired(REQUIRED), _at_most(40)],
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )
    name_vi = StringField(
        _l("Name in Vietnamese"),
        validators=[InputRequired(REQUIRED), _at_most(200)],
        render_kw={"lang": "vi"},
    )
    name_en = StringField(
        _l("Name in English"),
        validators=[InputRequired(REQUIRED), _at_most(200)],
        render_kw={"lang": "en"},
    )
    kind = SelectField(
        _l("Kind"), choices=lambda: labelled_choices(UNIT_KIND_LABELS), validate_choice=False
    )
    city = StringField(_l("City"), validators=[_at_most(120)])
    parent_id = SelectField(_l("Parent unit"), coerce=optional_id, validate_choice=False)
    active = BooleanField(_l("Active (can be chosen for accounts and invitations)"), default=True)

    def to_data(self) -> dict:
        return {
            "code": self.code.data,
            "name_vi": self.name_vi.data,
            "name_en": self.name_en.data,
            "kind": self.kind.data,
            "city": self.city.data,
            "parent_id": self.parent_id.data,
            "active": self.active.data,
        }


class UserForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        validators=[InputRequired(REQUIRED), _at_most(254)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    full_name = StringField(_l("Full name"), validators=[InputRequired(REQUIRED), _at_most(200)])
    position = StringField(_l("Position"), validators=[_at_most(200)])
    unit_id = SelectField(
        _l("Unit"), coerce=optional_id, validate_choice=False, validators=[InputRequired(REQUIRED)]
    )
    role = SelectField(
        _l("Role"),
        choices=lambda: labelled_choices(GLOBAL_ROLE_LABELS),
        default="member",
        validate_choice=False,
    )
    locale = SelectField(
        _l("Language"), choices=language_choices, default="vi", validate_choice=False
    )
    active = BooleanField(_l("Active (may log in)"), default=True)
    password = PasswordField(
        _l("Password"), validators=[_at_most(200)], render_kw={"autocomplete": "new-password"}
    )

    def to_data(self, *, creating: bool) -> dict:
        data = {
            "email": self.email.data,
            "full_name": self.full_name.data,
            "position": self.position.data,
            "unit_id": self.unit_id.data,
            "role": self.role.data,
            "locale": self.locale.data,
            "active": self.active.data,
        }
        if creating or self.password.data:
            data["password"] = self.password.data
        return data
