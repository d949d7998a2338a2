"""HTML forms of the agenda editor.

The forms check the shape of the input; the services check everything else
(meetings.agenda.services) and their field errors go back on the fields.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from meetings.conferences.forms import FriendlyIntegerField
from meetings.forms import REQUIRED, optional_id

TOO_LONG = _l("At most %(max)d characters, please.")


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ItemForm(FlaskForm):
    title = StringField(
        _l("Item title"), validators=[InputRequired(REQUIRED), Length(max=300, message=TOO_LONG)]
    )
    presenter_id = SelectField(
        _l("Presenter (a participant)"), coerce=optional_id, validate_choice=False
    )
    presenter_name = StringField(
        _l("…or a presenter's name"),
        validators=[Optional(), Length(max=200, message=TOO_LONG)],
    )
    planned_minutes = FriendlyIntegerField(
        _l("Minutes"),
        default=10,
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=1, max=480, message=_l("Plan between 1 and 480 minutes for an item.")),
        ],
    )
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=5000, message=TOO_LONG)]
    )
    version = HiddenField()

    def fill_choices(self, presenters) -> None:
        choices = [SelectChoice("", _l("Nobody chosen"))]
        choices += [SelectChoice(person.id, person.full_name) for person in presenters]
        self.presenter_id.choices = choices

    def service_data(self) -> dict:
        return {
            "title": self.title.data,
            "description": self.description.data,
            "presenter_id": self.presenter_id.data,
            "presenter_name": self.presenter_name.data,
            "planned_minutes": self.planned_minutes.data,
        }

    def stored_version(self) -> int | None:
        return _int_or_none(self.version.data)

    @classmethod
    def for_item(cls, item, **kwargs) -> ItemForm:
        """A form showing the stored values (ignoring what was posted)."""
        return cls(
            formdata=None,
            title=item.title,
            description=item.description,
            presenter_id=item.presenter_id,
            presenter_name=item.presenter_name,
            planned_minutes=item.planned_minutes,
            version=str(item.version),
            **kwargs,
        )


class AddItemForm(ItemForm):
    position = SelectField(_l("Place"), coerce=optional_id, validate_choice=False)
    agenda_version = HiddenField()

    def fill_positions(self, items) -> None:
        choices = [SelectChoice("", _l("At the end"))]
        for item in items:
            label = _l("Before %(n)d. %(title)s", n=item.position, title=item.title[:60])
            choices.append(SelectChoice(item.position, label))
        self.position.choices = choices

    def service_data(self) -> dict:
        return {**super().service_data(), "position": self.position.data}

    def stored_agenda_version(self) -> int | None:
        return _int_or_none(self.agenda_version.data)


def posted_int(form, name: str) -> int | None:
    """A whole number from a posted form (None when missing or not a number)."""
    return _int_or_none(form.get(name))
