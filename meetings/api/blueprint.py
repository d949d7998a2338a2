"""The API's blueprint class: who is asking, how input is read, how input errors look.

Every API blueprint refuses anonymous callers with 401 before its view runs,
reads JSON bodies with a parser that turns malformed JSON, non-JSON bodies and
schema errors into the project's own errors (so meetings.errors renders them
like any other: {code, message, errors}), and explains a missing CSRF token.
"""

from __future__ import annotations

import json

import flask_smorest
from flask import jsonify
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from meetings.accounts.models import User
from meetings.errors import AuthenticationRequiredError, DomainError, ValidationError


class MalformedRequestError(DomainError):
    status = 400
    code = "malformed_json"
    default_message = _l("The request body is not valid JSON.")


class UnsupportedMediaTypeError(DomainError):
    status = 415
    code = "unsupported_media_type"
    default_message = _l(
        "Send the request body as JSON with the header Content-Type: application/json."
    )


def _flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    """webargs' {location: {field: [msg] | {nested...}}} as {"field" or "a.b": [msg, ...]}."""
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(_flatten(value, name))
        else:
            items = value if isinstance(value, list | tuple) else [value]
            flat.setdefault(name, []).extend(str(item) for item in items)
    return flat


class ApiParser(FlaskParser):
    def _raw_load_json(self, req):
        if not is_json_request(req):
            # A form post or text body would otherwise be read as "{}" and give
            # a puzzling list of missing fields.
            if req.get_data(cache=True):
                raise UnsupportedMediaTypeError()
            return core.missing
        return core.parse_json(req.get_data(cache=True))

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        if isinstance(error, json.JSONDecodeError):
            raise MalformedRequestError(
                _l(
                    "The request body is not valid JSON (line %(line)d, column %(column)d: %(reason)s).",
                    line=error.lineno,
                    column=error.colno,
                    reason=error.msg,
                )
            )
        raise MalformedRequestError(_l("The request body is not valid UTF-8 text."))

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        field_errors = {}
        for location_messages in error.messages.values():
            if isinstance(location_messages, dict):
                field_errors.update(_flatten(location_messages))
            else:
                field_errors.setdefault("_schema", []).extend(str(m) for m in location_messages)
        raise ValidationError(field_errors=field_errors)


class ApiBlueprint(flask_smorest.Blueprint):
    """A flask-smorest blueprint whose every route needs an authenticated caller."""

    ARGUMENTS_PARSER = ApiParser()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.before_request(_require_login)
        self.after_request(_challenge)
        self.register_error_handler(CSRFError, _csrf_error)
        self._prepare_doc_cbks.append(_document_401)


def _require_login():
    if not current_user.is_authenticated:
        raise AuthenticationRequiredError(
            _l("Log in first, or send a personal API token as “Authorization: Bearer mtg_...”.")
        )


def _document_401(doc, doc_info, **kwargs):
    doc.setdefault("responses", {})[401] = "UNAUTHORIZED"
    return doc


def _challenge(response):
    if response.status_code == 401:
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="meetings"')
    return response


def _csrf_error(error: CSRFError):
    return jsonify(
        {
            "code": "csrf_failed",
            "message": str(
                _l(
                    "A request authenticated by the session cookie must carry the "
                    "X-CSRFToken header (from the page's csrf-token meta tag); "
                    "scripts should use a personal API token instead."
                )
            ),
        }
    ), 400


def actor() -> User:
    """The authenticated caller as a real User (services must not get the proxy)."""
    return current_user._get_current_object()
