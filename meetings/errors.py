"""The project's own errors and their HTTP forms (HTML for pages, JSON for the API).

Services raise these; they never raise werkzeug's HTTP exceptions. Messages are
lazy translations so they reach the person in their own language.
"""

from __future__ import annotations

from flask import Flask, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    status = 400
    code = "bad_request"
    default_message = _l("The request could not be processed.")

    def __init__(self, message=None, *, field_errors: dict | None = None):
        self.message = message if message is not None else self.default_message
        self.field_errors = field_errors or {}
        super().__init__(str(self.message))

    def to_dict(self) -> dict:
        data = {"code": self.code, "message": str(self.message)}
        if self.field_errors:
            data["errors"] = {k: [str(m) for m in v] for k, v in self.field_errors.items()}
        return data


class AuthenticationRequiredError(DomainError):
    status = 401
    code = "unauthenticated"
    default_message = _l("Please log in first.")


class PermissionDeniedError(DomainError):
    status = 403
    code = "forbidden"
    default_message = _l("You are not allowed to do this.")


class NotFoundError(DomainError):
    status = 404
    code = "not_found"
    default_message = _l("Not found.")


class ConflictError(DomainError):
    status = 409
    code = "conflict"
    default_message = _l("Someone else changed this in the meantime.")


class InvalidStateError(ConflictError):
    code = "invalid_state"
    default_message = _l("This cannot be done in the current state.")


class ValidationError(DomainError):
    status = 422
    code = "invalid"
    default_message = _l("Some fields are not valid.")

    @classmethod
    def on(cls, field: str, message) -> ValidationError:
        return cls(message, field_errors={field: [message]})


HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "too_many_requests",
    500: "server_error",
}

HTTP_MESSAGES = {
    400: _l("The request was malformed."),
    401: _l("Please log in first."),
    403: _l("You are not allowed to do this."),
    404: _l("The page or record you asked for does not exist."),
    405: _l("This method is not allowed here."),
    413: _l("The upload is too large."),
    429: _l("Too many attempts. Please wait a minute and try again."),
    500: _l("Something went wrong on our side. Please try again."),
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        if wants_json():
            return jsonify(error.to_dict()), error.status
        if isinstance(error, AuthenticationRequiredError):
            return redirect(url_for("accounts.login", next=request.full_path))
        if error.status in (409, 422) and request.method == "POST" and request.referrer:
            flash(str(error.message), "danger")
            return redirect(request.referrer)
        return render_template(
            "errors/error.html", status=error.status, message=error.message
        ), error.status

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        status = error.code or 500
        message = HTTP_MESSAGES.get(status) or error.description
        if status == 400 and getattr(error, "description", None) and "CSRF" in error.description:
            message = _l("Your form expired. Please reload the page and try again.")
        if wants_json():
            payload = {"code": HTTP_CODES.get(status, "error"), "message": str(message)}
            # flask-smorest/webargs put field errors on the exception
            messages = (
                getattr(error, "data", {}).get("messages") if hasattr(error, "data") else None
            )
            if messages:
                payload["errors"] = messages.get("json", messages)
                if status == 422:
                    payload["message"] = str(_l("Some fields are not valid."))
            return jsonify(payload), status
        if status == 401 and not current_user.is_authenticated:
            return redirect(url_for("accounts.login", next=request.full_path))
        return render_template("errors/error.html", status=status, message=message), status
