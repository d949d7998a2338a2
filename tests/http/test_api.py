"""JSON API: who may call it (session cookie or personal token), the error format, the
OpenAPI document and its docs page.

The helpers at the top are shared by the other tests/http/test_api_*.py files.
"""

from __future__ import annotations

import json
import re

import pytest
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from meetings.accounts import services as accounts
from meetings.accounts.models import ApiToken, AuditEntry, Unit
from meetings.conferences.models import Conference, Participant
from meetings.extensions import db as _db
from tests import factories

# --- helpers shared by the API tests ---------------------------------------------


@pytest.fixture
def api(client):
    return client


def bearer(user) -> dict:
    """Headers carrying a fresh personal API token of `user` (committed)."""
    _token, secret = accounts.issue_api_token(actor=user, name="tests")
    _db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def login(client: FlaskClient, user) -> None:
    """Log in through the real form, so later requests carry the session cookie."""
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


def stored_state() -> tuple:
    """A fingerprint of everything the API can change; equal before and after = nothing stored."""
    _db.session.expire_all()
    conferences = _db.session.execute(
        select(
            Conference.id,
            Conference.title,
            Conference.status,
            Conference.version,
            Conference.starts_at,
            Conference.ends_at,
            Conference.timezone,
        ).order_by(Conference.id)
    ).all()
    participants = _db.session.execute(
        select(
            Participant.id,
            Participant.role,
            Participant.attendance,
            Participant.headcount,
            Participant.rsvp,
            Participant.substitute_name,
            Participant.checked_in_at,
        ).order_by(Participant.id)
    ).all()
    units = _db.session.execute(
        select(Unit.id, Unit.code, Unit.name_vi, Unit.parent_id).order_by(Unit.id)
    ).all()
    return (tuple(conferences), tuple(participants), tuple(units), count(AuditEntry))


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"], body
    return body


# Every operation of the API, with a body that would be valid for it.
def all_operations(conf_id: int, pid: int, unit_id: int, user_id: int) -> list[tuple]:
    base = f"/api/v1/conferences/{conf_id}"
    return [
        ("GET", "/api/v1/units", None),
        ("POST", "/api/v1/units", {"code": "NEW", "name_vi": "Mới", "name_en": "New"}),
        ("GET", f"/api/v1/units/{unit_id}", None),
        ("PATCH", f"/api/v1/units/{unit_id}", {"city": "Huế"}),
        ("GET", "/api/v1/users", None),
        ("GET", "/api/v1/users/me", None),
        ("GET", f"/api/v1/users/{user_id}", None),
        ("GET", "/api/v1/conferences", None),
        (
            "POST",
            "/api/v1/conferences",
            {
                "title": "T",
                "host_unit_id": unit_id,
                "starts_at": "2031-01-05T08:00:00+07:00",
                "ends_at": "2031-01-05T11:00:00+07:00",
            },
        ),
        ("GET", base, None),
        ("PATCH", base, {"version": 1, "venue": "Hall B"}),
        ("POST", f"{base}/status", {"to": "draft"}),
        ("GET", f"{base}/participants", None),
        ("POST", f"{base}/participants", {"unit_id": unit_id}),
        ("GET", f"{base}/participants/{pid}", None),
        ("PATCH", f"{base}/participants/{pid}", {"role": "observer"}),
        ("POST", f"{base}/participants/{pid}/answer", {"answer": "attending"}),
        ("POST", f"{base}/participants/{pid}/check-in", {"present": True}),
        ("DELETE", f"{base}/participants/{pid}", None),
    ]


# --- authentication ------------------------------------------------------------------


@pytest.fixture
def scene(make):
    """An organizer's scheduled conference with one invited delegate."""
    organizer = make.organizer()
    chair = make.user()
    delegate = make.user()
    conference = make.conference(organizer=organizer, chair=chair)
    invitation = make.participant(conference, user=delegate)
    _db.session.commit()
    return {
        "organizer": organizer,
        "delegate": delegate,
        "conference": conference,
        "invitation": invitation,
        "chair": chair,
    }


def test_every_operation_refuses_anonymous_callers_with_401_json(api, scene):
    organizer = scene["organizer"]
    operations = all_operations(
        scene["conference"].id, scene["invitation"].id, organizer.unit_id, organizer.id
    )
    before = stored_state()
    for method, url, body in operations:
        response = api.open(url, method=method, json=body)
        assert_error(response, 401, "unauthenticated")
        assert "Bearer" in response.headers["WWW-Authenticate"], url
    assert stored_state() == before


def test_a_personal_token_authenticates_and_is_marked_used(api, scene):
    delegate = scene["delegate"]
    headers = bearer(delegate)

    response = api.get("/api/v1/users/me", headers=headers)

    assert response.status_code == 200
    assert response.get_json()["email"] == delegate.email
    token = _db.session.scalar(select(ApiToken).where(ApiToken.user_id == delegate.id))
    assert token.last_used_at is not None
    # The token does not leave a session behind: the next request without it is anonymous.
    assert "Set-Cookie" not in response.headers
    assert_error(api.get("/api/v1/users/me"), 401, "unauthenticated")


@pytest.mark.parametrize("case", ["revoked", "unknown", "empty", "inactive user", "basic scheme"])
def test_a_bad_token_is_refused_with_401(api, make, case):
    user = make.user()
    token, secret = accounts.issue_api_token(actor=user, name="t")
    if case == "revoked":
        accounts.revoke_api_token(actor=user, token_id=token.id)
    elif case == "unknown":
        secret = "mtg_" + "x" * 43
    elif case == "empty":
        secret = ""
    elif case == "inactive user":
        user.active = False
    _db.session.commit()
    scheme = "Basic" if case == "basic scheme" else "Bearer"

    response = api.get("/api/v1/users/me", headers={"Authorization": f"{scheme} {secret}"})

    assert_error(response, 401, "unauthenticated")


def test_the_session_cookie_authenticates_until_logout(api, scene):
    login(api, scene["delegate"])

    assert api.get("/api/v1/users/me").get_json()["id"] == scene["delegate"].id
    conference_id = scene["conference"].id
    assert api.get(f"/api/v1/conferences/{conference_id}").status_code == 200

    api.post("/logout")
    assert_error(api.get("/api/v1/users/me"), 401, "unauthenticated")


def test_every_operation_works_with_the_session_cookie(api, make, scene):
    admin = make.admin()
    _db.session.commit()
    login(api, admin)
    operations = all_operations(
        scene["conference"].id, scene["invitation"].id, admin.unit_id, admin.id
    )
    for method, url, body in operations:
        if method == "POST" and url.endswith("/status"):
            body = {"to": "live"}  # keep the conference open for the calls after it
        response = api.open(url, method=method, json=body)
        assert response.status_code in (200, 201, 204), (method, url, response.get_json())


def _csrf_token_for(client: FlaskClient, app) -> str:
    """Put a CSRF secret in the client's session and return the matching signed token."""
    raw = "0123456789abcdef" * 2
    with client.session_transaction() as session:
        session["csrf_token"] = raw
    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)


def test_cookie_writes_need_the_csrf_header_token_writes_do_not(api, app, make, monkeypatch):
    # The suite runs with CSRF off; switch it on for this test only. (A second
    # create_app() would re-bind the process-wide extensions such as socketio.)
    admin = make.admin()
    headers = bearer(admin)
    login(api, admin)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    body = {"code": "CSRF-1", "name_vi": "Một", "name_en": "One"}

    refused = api.post("/api/v1/units", json=body)
    assert_error(refused, 400, "csrf_failed")
    assert "X-CSRFToken" in refused.get_json()["message"]
    assert count(Unit) == 1  # the admin's own unit only

    token = _csrf_token_for(api, app)
    accepted = api.post("/api/v1/units", json=body, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201, accepted.get_json()

    script = app.test_client(use_cookies=False)  # a script: no cookies, only its token
    by_token = script.post("/api/v1/units", json={**body, "code": "CSRF-2"}, headers=headers)
    assert by_token.status_code == 201, by_token.get_json()
    assert count(Unit) == 3


def test_a_token_works_beside_a_session_cookie_without_login(api, make):
    user = make.user()
    headers = bearer(user)
    with api.session_transaction() as session:
        session["locale"] = "en"

    response = api.get("/api/v1/users/me", headers=headers)

    assert response.status_code == 200


def test_no_user_response_exposes_password_hash_or_feed_token(api, scene):
    delegate = scene["delegate"]
    headers = bearer(delegate)
    responses = [
        api.get("/api/v1/users/me", headers=headers),
        api.get("/api/v1/users", headers=headers),
        api.get(f"/api/v1/users/{delegate.id}", headers=headers),
    ]
    for response in responses:
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert "password" not in text and "feed_token" not in text and "token" not in text
        assert delegate.password_hash not in text
        assert delegate.feed_token not in text


# --- the error format ------------------------------------------------------------------


def test_malformed_json_is_400_with_a_clear_message_and_nothing_stored(api, scene):
    headers = {**bearer(scene["organizer"]), "Content-Type": "application/json"}
    before = stored_state()

    response = api.post("/api/v1/conferences", data='{"title": "Half', headers=headers)

    body = assert_error(response, 400, "malformed_json")
    assert "not valid JSON" in body["message"] and "line 1" in body["message"]
    assert stored_state() == before


def test_a_body_that_is_not_json_is_415(api, scene):
    headers = bearer(scene["organizer"])
    before = stored_state()

    response = api.post("/api/v1/conferences", data={"title": "Form post"}, headers=headers)

    body = assert_error(response, 415, "unsupported_media_type")
    assert "application/json" in body["message"]
    assert stored_state() == before


@pytest.mark.parametrize(
    "payload, field, fragment",
    [
        ({"unexpected": 1}, "unexpected", "Unknown field"),
        ({"title": 42}, "title", "text"),
        ({"host_unit_id": "7"}, "host_unit_id", "whole number"),
        ({"host_unit_id": True}, "host_unit_id", "whole number"),
        ({"starts_at": "next Monday"}, "starts_at", "ISO 8601"),
        ({"kind": "party"}, "kind", "semi_annual_review"),
        ({"title": None}, "title", "null"),
        ({"title": "x" * 301}, "title", "300"),
        ({}, "title", "required"),
    ],
)
def test_schema_errors_are_422_per_field_and_nothing_stored(api, scene, payload, field, fragment):
    valid = {
        "title": "T",
        "host_unit_id": scene["organizer"].unit_id,
        "starts_at": "2031-01-05T08:00:00+07:00",
        "ends_at": "2031-01-05T11:00:00+07:00",
    }
    body = {} if payload == {} else {**valid, **payload}
    headers = bearer(scene["organizer"])
    before = stored_state()

    response = api.post("/api/v1/conferences", json=body, headers=headers)

    error = assert_error(response, 422, "invalid")
    assert fragment in " ".join(error["errors"][field]), error
    assert stored_state() == before


@pytest.mark.parametrize("raw", ["[]", "null", '"title"', "3"])
def test_a_json_body_that_is_not_an_object_is_422(api, scene, raw):
    headers = {**bearer(scene["organizer"]), "Content-Type": "application/json"}

    response = api.post("/api/v1/conferences", data=raw, headers=headers)

    assert_error(response, 422, "invalid")


def test_query_string_errors_are_422(api, scene):
    headers = bearer(scene["delegate"])
    body = assert_error(api.get("/api/v1/conferences?when=soon", headers=headers), 422, "invalid")
    assert "upcoming" in body["errors"]["when"][0]
    body = assert_error(api.get("/api/v1/units?kind=castle", headers=headers), 422, "invalid")
    assert "kind" in body["errors"]


def test_unknown_paths_and_methods_answer_in_json(api, scene):
    headers = bearer(scene["delegate"])
    assert_error(api.get("/api/v1/nothing-here", headers=headers), 404, "not_found")
    assert_error(api.get("/api/v1/units/999999", headers=headers), 404, "not_found")
    assert_error(api.delete("/api/v1/conferences", headers=headers), 405, "method_not_allowed")


def test_messages_follow_the_language_asked_for(api, scene):
    headers = bearer(scene["organizer"])
    english = api.post("/api/v1/conferences?lang=en", json={}, headers=headers).get_json()
    assert english["message"] == "Some fields are not valid."
    assert english["errors"]["title"] == ["This field is required."]


# --- the OpenAPI document and its docs page ----------------------------------------------

EXPECTED_OPERATIONS = {
    "/api/v1/units": {"get", "post"},
    "/api/v1/units/{unit_id}": {"get", "patch"},
    "/api/v1/users": {"get"},
    "/api/v1/users/me": {"get"},
    "/api/v1/users/{user_id}": {"get"},
    "/api/v1/conferences": {"get", "post"},
    "/api/v1/conferences/{conference_id}": {"get", "patch"},
    "/api/v1/conferences/{conference_id}/status": {"post"},
    "/api/v1/conferences/{conference_id}/participants": {"get", "post"},
    "/api/v1/conferences/{conference_id}/participants/{participant_id}": {"get", "patch", "delete"},
    "/api/v1/conferences/{conference_id}/participants/{participant_id}/answer": {"post"},
    "/api/v1/conferences/{conference_id}/participants/{participant_id}/check-in": {"post"},
    "/api/v1/conferences/{conference_id}/agenda": {"get", "post"},
    "/api/v1/conferences/{conference_id}/agenda/order": {"put"},
    "/api/v1/conferences/{conference_id}/agenda/{item_id}": {"get", "patch", "delete"},
    "/api/v1/conferences/{conference_id}/floor": {"get"},
    "/api/v1/conferences/{conference_id}/floor/raise": {"post"},
    "/api/v1/conferences/{conference_id}/floor/withdraw": {"post"},
    "/api/v1/conferences/{conference_id}/floor/grant": {"post"},
    "/api/v1/conferences/{conference_id}/floor/end": {"post"},
    "/api/v1/conferences/{conference_id}/sites": {"get", "post"},
    "/api/v1/conferences/{conference_id}/sites/{site_id}": {"get", "patch"},
    "/api/v1/conferences/{conference_id}/sites/{site_id}/renew": {"post"},
    "/api/v1/conferences/{conference_id}/sites/{site_id}/revoke": {"post"},
    "/api/v1/drafts/{draft_id}/circulations": {"get", "post"},
    "/api/v1/circulations/{circulation_id}/answer": {"post"},
    "/api/v1/inbox": {"get"},
    "/api/v1/conferences/{conference_id}/drafts": {"get", "post"},
    "/api/v1/drafts/{draft_id}": {"get"},
    "/api/v1/drafts/{draft_id}/versions": {"get", "post"},
    "/api/v1/drafts/{draft_id}/versions/{number}": {"get"},
    "/api/v1/drafts/{draft_id}/diff": {"get"},
    "/api/v1/drafts/{draft_id}/versions/{number}/comments": {"get", "post"},
    "/api/v1/drafts/{draft_id}/comments/{comment_id}": {"get", "patch", "delete"},
    "/api/v1/drafts/{draft_id}/comments/{comment_id}/disposition": {"get", "put"},
    "/api/v1/drafts/{draft_id}/comments/{comment_id}/challenge": {"post"},
    "/api/v1/drafts/{draft_id}/table": {"get"},
    "/api/v1/drafts/{draft_id}/table.docx": {"get"},
    "/api/v1/drafts/{draft_id}/table.xlsx": {"get"},
    "/api/v1/drafts/{draft_id}/votes": {"get"},
    "/api/v1/conferences/{conference_id}/votes": {"post"},
    "/api/v1/conferences/{conference_id}/votes/{vote_id}/ballots": {"post"},
    "/api/v1/conferences/{conference_id}/votes/{vote_id}/hand-count": {"post"},
    "/api/v1/conferences/{conference_id}/votes/{vote_id}/close": {"post"},
    "/api/v1/conferences/{conference_id}/notices": {"get", "post"},
    "/api/v1/notices/{notice_id}": {"get", "patch", "delete"},
    "/api/v1/notices/{notice_id}/issue": {"post"},
    "/api/v1/notices/{notice_id}/correct": {"post"},
    "/api/v1/notices/{notice_id}.docx": {"get"},
    "/api/v1/notices/{notice_id}.pdf": {"get"},
    "/api/v1/conferences/{conference_id}/minutes": {"get"},
    "/api/v1/conferences/{conference_id}/minutes/revisions": {"get", "post"},
    "/api/v1/conferences/{conference_id}/minutes/revisions/{number}": {"get"},
    "/api/v1/conferences/{conference_id}/minutes/generate": {"post"},
    "/api/v1/conferences/{conference_id}/minutes.docx": {"get"},
    "/api/v1/conferences/{conference_id}/minutes.pdf": {"get"},
    "/api/v1/directives/{directive_id}/reports": {"get", "post"},
    "/api/v1/reports/{report_id}/accept": {"post"},
    "/api/v1/reports/{report_id}/send-back": {"post"},
    "/api/v1/followup": {"get"},
    "/api/v1/conferences/{conference_id}/directives": {"get", "post"},
    "/api/v1/directives/{directive_id}": {"get", "patch", "delete"},
    "/api/v1/directives/{directive_id}/confirm": {"post"},
}
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def test_the_openapi_document_describes_every_operation(api, db):
    response = api.get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    doc = json.loads(response.get_data(as_text=True))
    assert doc["openapi"].startswith("3.")
    operations = {
        path: {m for m in item if m in HTTP_METHODS} for path, item in doc["paths"].items()
    }
    assert operations == EXPECTED_OPERATIONS
    for path, item in doc["paths"].items():
        for method in operations[path]:
            responses = item[method]["responses"]
            assert "401" in responses, (path, method)
            if method in ("post", "patch"):
                assert "422" in responses and "requestBody" in item[method], (path, method)


def test_the_openapi_document_carries_the_generated_schemas(api, db):
    doc = api.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]

    for name in (
        "Unit",
        "UnitCreate",
        "UnitUpdate",
        "User",
        "Me",
        "ConferenceSummary",
        "Conference",
        "ConferenceCreate",
        "ConferenceUpdate",
        "StatusChange",
        "Participant",
        "Invite",
        "ParticipantUpdate",
        "Answer",
        "CheckIn",
        "Error",
    ):
        assert name in schemas, name
    assert schemas["ConferenceUpdate"]["required"] == ["version"]
    assert set(schemas["ConferenceCreate"]["required"]) == {
        "title",
        "host_unit_id",
        "starts_at",
        "ends_at",
    }
    assert schemas["Participant"]["properties"]["role"]["enum"][0] == "organizer"
    assert not {"password_hash", "feed_token"} & set(schemas["User"]["properties"])
    # Errors are described as they are sent (meetings.errors), not as flask-smorest's default.
    assert schemas["Error"]["properties"]["code"]["type"] == "string"
    assert set(schemas["Error"]["properties"]) == {"code", "message", "errors"}
    assert set(doc["components"]["securitySchemes"]) == {"bearerAuth", "cookieAuth"}
    assert {"bearerAuth": []} in doc["security"]


def test_the_openapi_document_is_valid_openapi(api, db):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(api.get("/api/v1/openapi.json").get_json())


def test_the_docs_page_loads_swagger_ui_from_our_own_static_files(api, app, db):
    response = api.get("/api/v1/docs")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "/static/vendor/swagger-ui/swagger-ui.css" in page
    assert "/api/v1/openapi.json" in page
    external = re.findall(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", page)
    assert external == [], external
    # Every asset the page refers to is served by the app itself (after `make vendor`).
    for url in re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", page):
        asset = api.get(url)
        if asset.status_code == 404 and not (app.static_folder and _vendored(app.static_folder)):
            pytest.skip("static/vendor/ is not built; run `make vendor`")
        assert asset.status_code == 200, url


def _vendored(static_folder: str) -> bool:
    from pathlib import Path

    return (Path(static_folder) / "vendor" / "swagger-ui" / "swagger-ui-bundle.js").exists()


# --- loading up front ----------------------------------------------------------------------


def test_lists_take_the_same_number_of_queries_whatever_their_length(api, make, query_counter):
    organizer = make.organizer()
    conference = make.conference(organizer=organizer)
    headers = bearer(organizer)
    urls = [
        "/api/v1/conferences",
        f"/api/v1/conferences/{conference.id}",
        f"/api/v1/conferences/{conference.id}/participants",
        "/api/v1/users",
        "/api/v1/units",
    ]

    def queries() -> list[int]:
        counts = []
        for url in urls:
            _db.session.expire_all()
            with query_counter() as statements:
                assert api.get(url, headers=headers).status_code == 200
            counts.append(len(statements))
        return counts

    few = queries()
    for _ in range(5):
        make.conference(organizer=organizer, chair=make.user(unit=make.unit()))
        make.participant(conference, user=make.user(unit=make.unit()))
        make.participant(conference, unit=make.unit())
    _db.session.commit()

    assert queries() == few
