from flask import Blueprint

bp = Blueprint("conferences", __name__)


@bp.get("/conferences/<int:conference_id>")
def show(conference_id):
    return "conference"
