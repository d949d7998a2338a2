"""JSON API permission table: every operation x every kind of caller, by token and by cookie.

A refused call stores nothing; an allowed write stores something (at least its audit entry).
"""

from __future__ import annotations

import pytest

from meetings.extensions import db as _db
from tests.http.test_api import assert_error, bearer, login, stored_state


@pytest.fixture
def api(client):
    return client


ROLES = ("anonymous", "outsider", "invitee", "organizer", "admin")

# operation: (method, path, body, expected status for each of ROLES)
TABLE = {
    "list units": ("GET", "/api/v1/units", None, (401, 200, 200, 200, 200)),
    "create unit": (
        "POST",
        "/api/v1/units",
        {"code": "NEW", "name_vi": "Mới", "name_en": "New"},
        (401, 403, 403, 403, 201),
    ),
    "read unit": ("GET", "/api/v1/units/{unit}", None, (401, 200, 200, 200, 200)),
    "change unit": ("PATCH", "/api/v1/units/{unit}", {"city": "Huế"}, (401, 403, 403, 403, 200)),
    "list people": ("GET", "/api/v1/users", None, (401, 200, 200, 200, 200)),
    "me": ("GET", "/api/v1/users/me", None, (401, 200, 200, 200, 200)),
    "read person": ("GET", "/api/v1/users/{user}", None, (401, 200, 200, 200, 200)),
    "list conferences": ("GET", "/api/v1/conferences", None, (401, 200, 200, 200, 200)),
    "schedule": (
        "POST",
        "/api/v1/conferences",
        {
            "title": "T",
            "host_unit_id": "{unit}",
            "starts_at": "2031-01-05T08:00:00+07:00",
            "ends_at": "2031-01-05T11:00:00+07:00",
        },
        (401, 403, 403, 201, 201),
    ),
    "read conference": ("GET", "/api/v1/conferences/{conf}", None, (401, 404, 200, 200, 200)),
    "edit conference": (
        "PATCH",
        "/api/v1/conferences/{conf}",
        {"version": 1, "venue": "B"},
        (401, 404, 403, 200, 200),
    ),
    "change status": (
        "POST",
        "/api/v1/conferences/{conf}/status",
        {"to": "draft"},
        (401, 404, 403, 200, 200),
    ),
    "list invitations": (
        "GET",
        "/api/v1/conferences/{conf}/participants",
        None,
        (401, 404, 200, 200, 200),
    ),
    "invite": (
        "POST",
        "/api/v1/conferences/{conf}/participants",
        {"unit_id": "{other_unit}"},
        (401, 404, 403, 201, 201),
    ),
    "read invitation": (
        "GET",
        "/api/v1/conferences/{conf}/participants/{pid}",
        None,
        (401, 404, 200, 200, 200),
    ),
    "change invitation": (
        "PATCH",
        "/api/v1/conferences/{conf}/participants/{pid}",
        {"attendance": "remote"},
        (401, 404, 403, 200, 200),
    ),
    "withdraw invitation": (
        "DELETE",
        "/api/v1/conferences/{conf}/participants/{pid}",
        None,
        (401, 404, 403, 204, 204),
    ),
    "answer": (
        "POST",
        "/api/v1/conferences/{conf}/participants/{pid}/answer",
        {"answer": "declined"},
        (401, 404, 200, 200, 200),
    ),
    "check in": (
        "POST",
        "/api/v1/conferences/{conf}/participants/{pid}/check-in",
        {"present": True},
        (401, 404, 403, 200, 200),
    ),
}

CASES = [
    pytest.param(operation, role, mode, id=f"{operation}-{role}-{mode}")
    for operation in TABLE
    for index, role in enumerate(ROLES)
    for mode in (("none",) if role == "anonymous" else ("token", "cookie"))
]


@pytest.fixture
def scene(make):
    organizer = make.organizer()
    invitee = make.user()
    conference = make.conference(organizer=organizer)  # scheduled, version 1
    invitation = make.participant(conference, user=invitee)
    callers = {
        "outsider": make.user(),
        "invitee": invitee,
        "organizer": organizer,
        "admin": make.admin(),
    }
    ids = {
        "unit": organizer.unit_id,
        "user": invitee.id,
        "conf": conference.id,
        "pid": invitation.id,
        "other_unit": make.unit().id,
    }
    _db.session.commit()
    return callers, ids


def _fill(value, ids: dict):
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]  # a whole placeholder becomes the id itself (an integer)
    return value.format(**ids) if isinstance(value, str) else value


@pytest.mark.parametrize("operation, role, mode", CASES)
def test_permission_table(api, scene, operation, role, mode):
    callers, ids = scene
    method, path, body, expected_by_role = TABLE[operation]
    expected = expected_by_role[ROLES.index(role)]
    headers = {}
    if mode == "token":
        headers = bearer(callers[role])
    elif mode == "cookie":
        login(api, callers[role])
    before = stored_state()

    response = api.open(_fill(path, ids), method=method, json=_fill(body, ids), headers=headers)

    if expected >= 400:
        code = {401: "unauthenticated", 403: "forbidden", 404: "not_found"}[expected]
        assert_error(response, expected, code)
        assert stored_state() == before
    else:
        assert response.status_code == expected, response.get_json()
        if method != "GET":
            assert stored_state() != before
