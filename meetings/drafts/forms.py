"""HTML forms of the draft pages. The services check the rules; their field errors
are put back on these fields by meetings.forms.apply_errors."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from meetings.forms import REQUIRED, optional_id


class VersionForm(FlaskForm):
    text = TextAreaField(_l("Text (Markdown)"), render_kw={"rows": 18, "spellcheck": "true"})
    file = FileField(
        _l("Or upload the file (.docx, or a PDF kept beside the written text)"),
        render_kw={"accept": ".docx,.pdf"},
    )
    note = StringField(_l("What changed (note)"), validators=[Length(max=500)])


class DraftForm(VersionForm):
    title = StringField(_l("Title"), validators=[InputRequired(REQUIRED), Length(max=300)])
    drafting_unit_id = SelectField(
        _l("Drafting unit"),
        coerce=optional_id,
        validators=[InputRequired(REQUIRED)],
        validate_choice=False,
    )
    agenda_item_id = SelectField(_l("Agenda item"), coerce=optional_id, validate_choice=False)
    comments_shared = BooleanField(_l("Units see each other's comments"))
