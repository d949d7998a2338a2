"""The JSON API under /api/v1, described by the OpenAPI document flask-smorest generates.

Callers authenticate with their session cookie (writes then need the
X-CSRFToken header) or with a personal API token (Authorization: Bearer mtg_...).
Endpoints are thin: parse with a schema, call one service inside unit_of_work(),
dump with a schema. Errors are JSON {code, message, errors?} (meetings.errors).
"""

from flask import Flask

PREFIX = "/api/v1"


def register_api(app: Flask) -> None:
    from meetings.api import (
        agenda,
        circulation,
        comments,
        conferences,
        dispositions,
        drafts,
        floor,
        participants,
        sites,
        units,
        users,
    )
    from meetings.extensions import api

    _document_error_body(api)
    api.register_blueprint(units.blp, url_prefix=f"{PREFIX}/units")
    api.register_blueprint(users.blp, url_prefix=f"{PREFIX}/users")
    api.register_blueprint(conferences.blp, url_prefix=f"{PREFIX}/conferences")
    api.register_blueprint(
        participants.blp,
        url_prefix=f"{PREFIX}/conferences/<int:conference_id>/participants",
        parameters=[participants.CONFERENCE_PARAMETER],
    )
    api.register_blueprint(
        agenda.blp,
        url_prefix=f"{PREFIX}/conferences/<int:conference_id>/agenda",
        parameters=[agenda.CONFERENCE_PARAMETER],
    )
    api.register_blueprint(
        sites.blp,
        url_prefix=f"{PREFIX}/conferences/<int:conference_id>/sites",
        parameters=[sites.CONFERENCE_PARAMETER],
    )
    api.register_blueprint(drafts.blp, url_prefix=PREFIX)
    api.register_blueprint(
        floor.blp,
        url_prefix=f"{PREFIX}/conferences/<int:conference_id>/floor",
        parameters=[floor.CONFERENCE_PARAMETER],
    )
    api.register_blueprint(circulation.blp, url_prefix=PREFIX)
    api.register_blueprint(comments.blp, url_prefix=PREFIX)
    api.register_blueprint(dispositions.blp, url_prefix=PREFIX)
    from meetings.api import adoption

    api.register_blueprint(adoption.blp, url_prefix=PREFIX)
    from meetings.api import notices

    api.register_blueprint(notices.blp, url_prefix=PREFIX)
    from meetings.api import followup

    api.register_blueprint(followup.blp, url_prefix=PREFIX)
    from meetings.api import directives

    api.register_blueprint(directives.blp, url_prefix=PREFIX)


def _document_error_body(api) -> None:
    """Describe our error body, not flask-smorest's, in the document's "Error" schema.

    flask-smorest registers its own ErrorSchema ({code: int, status, message, errors})
    when the Api is initialised, and every error response it documents refers to
    it; our handlers (meetings.errors) send {code: str, message, errors}.
    """
    from meetings.api.base import ErrorSchema

    api.spec.components.schemas["Error"] = api.ma_plugin.converter.schema2jsonschema(ErrorSchema)
