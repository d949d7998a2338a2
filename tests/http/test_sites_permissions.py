"""Every remote sites route x every kind of person: who gets what.

L = redirected to the login page, OK = 200 for a page or a redirect after a POST
that did its work, 403 = refused, 404 = the conference is not shown to this person.
"""

from __future__ import annotations

import pytest

from meetings.live.models import Site
from tests.http.test_conferences_permissions import OK, ROLES, L, row
from tests.http.test_sites_pages import build_site_scene, site_count

VIEWERS = row(delegate=OK, unit_member=OK, secretary=OK, chair=OK)
MANAGERS = row()

# (name, method, url, form data, expected per role)
ROUTES = [
    ("list", "GET", lambda ss: ss.base, None, VIEWERS),
    (
        "add",
        "POST",
        lambda ss: ss.base,
        lambda ss: {"unit_id": str(ss.s.unit), "expected_headcount": "3", "valid_days": "5"},
        MANAGERS,
    ),
    (
        "edit",
        "POST",
        lambda ss: f"{ss.base}/{ss.site}/edit",
        lambda ss: {"name": "Điểm cầu", "expected_headcount": "4"},
        MANAGERS,
    ),
    ("renew", "POST", lambda ss: f"{ss.base}/{ss.site}/renew", lambda ss: {}, MANAGERS),
    ("revoke", "POST", lambda ss: f"{ss.base}/{ss.site}/revoke", lambda ss: {}, MANAGERS),
]

CASES = [pytest.param(route, role, id=f"{route[0]}-{role}") for route in ROUTES for role in ROLES]


@pytest.mark.parametrize(("route", "role"), CASES)
def test_permission_matrix(db, make, client, login_as, route, role):
    name, method, url, data, expected = route
    ss = build_site_scene(db, make)
    before = db.session.get(Site, ss.site)
    token, headcount = before.token, before.expected_headcount
    if role != "anonymous":
        login_as(getattr(ss.s, role))

    response = client.open(url(ss), method=method, data=data(ss) if data else None)

    outcome = expected[role]
    if outcome == L:
        assert response.status_code == 302 and "/login" in response.location
    elif outcome == OK:
        if method == "GET":
            assert response.status_code == 200
        else:
            assert response.status_code == 302, response.get_data(as_text=True)[:2000]
            assert "/login" not in response.location
    else:
        assert response.status_code == outcome
    if outcome != OK:  # a refused request changes nothing
        db.session.expire_all()
        after = db.session.get(Site, ss.site)
        assert (after.token, after.expected_headcount, after.revoked_at) == (
            token,
            headcount,
            None,
        )
        assert site_count(db) == 1
