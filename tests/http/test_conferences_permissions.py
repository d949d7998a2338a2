"""Every conference route x every kind of person: who gets what.

L = redirected to the login page, OK = 200 for a page or a redirect after a POST
that did its work, 403 = refused, 404 = the conference (or invitation) is not
shown to this person at all.
"""

from __future__ import annotations

import pytest

from tests.http.test_conferences import build_scene

L, OK = "login", "ok"
ROLES = (
    "anonymous",
    "outsider",
    "delegate",
    "unit_member",
    "secretary",
    "chair",
    "organizer",
    "admin",
)


def row(
    anonymous=L,
    outsider=404,
    delegate=403,
    unit_member=403,
    secretary=403,
    chair=403,
    organizer=OK,
    admin=OK,
):
    return dict(
        anonymous=anonymous,
        outsider=outsider,
        delegate=delegate,
        unit_member=unit_member,
        secretary=secretary,
        chair=chair,
        organizer=organizer,
        admin=admin,
    )


EVERYONE = row(outsider=OK, delegate=OK, unit_member=OK, secretary=OK, chair=OK)
VIEWERS = row(delegate=OK, unit_member=OK, secretary=OK, chair=OK)
SCHEDULERS = row(outsider=403)
MANAGERS = row()


def _edit_form(s):
    return {
        "title": "Sửa",
        "kind": "thematic",
        "host_unit_id": str(s.organizer.unit_id),
        "starts_at": "2016-09-20T15:15",
        "ends_at": "2016-09-20T17:30",
        "timezone": "Asia/Ho_Chi_Minh",
        "chair_id": str(s.chair.id),
        "version": "",
    }


# (name, method, url, form data, expected per role)
ROUTES = [
    ("list", "GET", lambda s: "/conferences", None, EVERYONE),
    ("list past", "GET", lambda s: "/conferences?when=past", None, EVERYONE),
    ("calendar", "GET", lambda s: "/conferences/calendar?year=2016&month=9", None, EVERYONE),
    ("new form", "GET", lambda s: "/conferences/new", None, SCHEDULERS),
    ("create", "POST", lambda s: "/conferences/new", _edit_form, SCHEDULERS),
    ("show", "GET", lambda s: f"/conferences/{s.conference}", None, VIEWERS),
    ("ics", "GET", lambda s: f"/conferences/{s.conference}.ics", None, VIEWERS),
    ("edit form", "GET", lambda s: f"/conferences/{s.conference}/edit", None, MANAGERS),
    ("edit", "POST", lambda s: f"/conferences/{s.conference}/edit", _edit_form, MANAGERS),
    (
        "open",
        "POST",
        lambda s: f"/conferences/{s.conference}/status",
        lambda s: {"to": "live"},
        row(chair=OK),
    ),
    (
        "back to draft",
        "POST",
        lambda s: f"/conferences/{s.conference}/status",
        lambda s: {"to": "draft"},
        MANAGERS,
    ),
    (
        "invite",
        "POST",
        lambda s: f"/conferences/{s.conference}/invitations",
        lambda s: {
            "invitee": "unit",
            "unit_id": str(s.spare_unit),
            "role": "delegate",
            "attendance": "remote",
            "headcount": "2",
        },
        MANAGERS,
    ),
    (
        "update",
        "POST",
        lambda s: f"/conferences/{s.conference}/participants/{s.unit_p}/update",
        lambda s: {"role": "observer", "attendance": "in_room", "headcount": "2"},
        MANAGERS,
    ),
    (
        "remove",
        "POST",
        lambda s: f"/conferences/{s.conference}/participants/{s.unit_p}/remove",
        lambda s: {},
        MANAGERS,
    ),
    (
        "answer own",
        "POST",
        lambda s: f"/conferences/{s.conference}/participants/{s.delegate_p}/answer",
        lambda s: {"answer": "attending"},
        row(delegate=OK),
    ),
    (
        "answer for unit",
        "POST",
        lambda s: f"/conferences/{s.conference}/participants/{s.unit_p}/answer",
        lambda s: {"answer": "attending"},
        row(unit_member=OK),
    ),
    (
        "check in",
        "POST",
        lambda s: f"/conferences/{s.conference}/participants/{s.delegate_p}/check-in",
        lambda s: {"present": "1"},
        row(secretary=OK),
    ),
    (
        "undo check-in",
        "POST",
        lambda s: f"/conferences/{s.conference}/participants/{s.unit_p}/check-in",
        lambda s: {"present": "0"},
        row(secretary=OK),
    ),
]

CASES = [pytest.param(route, role, id=f"{route[0]}-{role}") for route in ROUTES for role in ROLES]


@pytest.mark.parametrize(("route", "role"), CASES)
def test_permission_matrix(db, make, client, login_as, route, role):
    name, method, url, data, expected = route
    scene = build_scene(db, make)
    if role != "anonymous":
        login_as(getattr(scene, role))
    form = data(scene) if data else None
    if name == "edit":
        from meetings.conferences.models import Conference

        form["version"] = str(db.session.get(Conference, scene.conference).version)
    response = client.open(url(scene), method=method, data=form)
    outcome = expected[role]
    if outcome == L:
        assert response.status_code == 302
        assert "/login" in response.location
    elif outcome == OK:
        if method == "GET":
            assert response.status_code == 200
        else:
            assert response.status_code == 302, response.get_data(as_text=True)[:2000]
            assert "/login" not in response.location
    else:
        assert response.status_code == outcome


def test_home_redirects_everyone_to_the_list(client):
    response = client.get("/")
    assert response.status_code == 302 and response.location.endswith("/conferences")


def test_a_conference_that_does_not_exist_is_404(db, make, client, login_as):
    scene = build_scene(db, make)
    login_as(scene.admin)
    for url in ("/conferences/99999", "/conferences/99999/edit", "/conferences/99999.ics"):
        assert client.get(url).status_code == 404
    assert client.post("/conferences/99999/status", data={"to": "live"}).status_code == 404
