"""Log-in, log-out, the language switch and the personal profile, through the test client."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from meetings.accounts import services
from meetings.accounts.models import ApiToken, User
from tests.factories import PASSWORD


def html_lang(response) -> str:
    match = re.search(r'<html lang="([a-z]+)"', response.get_data(as_text=True))
    assert match, "no <html lang>"
    return match.group(1)


def field_errors(response, name: str) -> str:
    """The messages shown under the form control called `name` (asserting it is marked invalid)."""
    html = response.get_data(as_text=True)
    controls = [
        m
        for m in re.finditer(rf'<(input|select)\b[^>]*\bname="{name}"[^>]*>', html)
        if 'type="hidden"' not in m.group(0)
    ]
    assert controls, f"no control named {name}"
    control = controls[0]
    assert "is-invalid" in control.group(0), f"{name} is not marked invalid"
    rest = html[control.end() :]
    return " ".join(
        re.findall(
            r'<div class="invalid-feedback d-block">([^<]*)</div>',
            rest[: rest.find("</div>\n") + 400],
        )
    )


def fresh(db, obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


# --- log-in and log-out -------------------------------------------------------------


def test_the_login_page_has_the_form(client, db):
    response = client.get("/login?next=/admin/units")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="email"' in html and 'name="password"' in html
    assert 'name="next" type="hidden" value="/admin/units"' in html
    assert html_lang(response) == "vi"


def test_logging_in_and_out(client, db, make):
    person = make.user(email="dp3@ubdt.demo")
    db.session.commit()
    response = client.post("/login", data={"email": "DP3@ubdt.demo ", "password": PASSWORD})
    assert response.status_code == 302
    assert response.location == "/conferences"
    assert client.get("/profile").status_code == 200
    assert person.full_name in client.get("/profile").get_data(as_text=True)

    response = client.post("/logout")
    assert response.status_code == 302 and response.location == "/login"
    response = client.get("/profile")
    assert response.status_code == 302 and response.location.startswith("/login?next=")
    assert client.get("/logout").status_code == 405


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("dp3@ubdt.demo", "wrong-password"),
        ("nobody@ubdt.demo", PASSWORD),
        ("retired@ubdt.demo", PASSWORD),
    ],
)
def test_a_failed_login_says_so_in_the_persons_language(client, db, make, email, password):
    make.user(email="dp3@ubdt.demo")
    make.user(email="retired@ubdt.demo", active=False)
    db.session.commit()
    client.post("/language", data={"locale": "en", "next": "/login"})
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 200
    assert html_lang(response) == "en"
    assert "Wrong e-mail or password." in response.get_data(as_text=True)
    assert email in response.get_data(as_text=True)  # the address stays filled in
    assert client.get("/profile").status_code == 302  # still not logged in


def test_an_empty_login_form_names_the_missing_fields(client, db):
    client.post("/language", data={"locale": "en", "next": "/login"})
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 200
    assert "This field is required." in field_errors(response, "email")
    assert "This field is required." in field_errors(response, "password")


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/admin/units", "/admin/units"),
        ("/profile?tab=tokens", "/profile?tab=tokens"),
        ("/profile?lang=en", "/profile"),
        ("", "/conferences"),
        ("https://evil.example/steal", "/conferences"),
        ("//evil.example/steal", "/conferences"),
        ("/\\evil.example/steal", "/conferences"),
        ("javascript:alert(1)", "/conferences"),
        ("/no/such/page", "/conferences"),
        ("/logout", "/conferences"),  # POST-only: following it would only show an error
    ],
)
def test_login_goes_to_next_only_when_it_is_a_page_of_this_site(
    client, db, make, next_url, lands_on
):
    person = make.admin()
    db.session.commit()
    response = client.post(
        "/login", data={"email": person.email, "password": PASSWORD, "next": next_url}
    )
    assert response.status_code == 302
    assert response.location == lands_on


def test_login_uses_the_persons_language_and_forgets_the_previous_session(client, db, make):
    person = make.user(locale="en")
    db.session.commit()
    with client.session_transaction() as session:
        session["left_over"] = "from the previous visitor"
        session["locale"] = "vi"
    client.post("/login", data={"email": person.email, "password": PASSWORD})
    with client.session_transaction() as session:
        assert session["locale"] == "en"
        assert "left_over" not in session
    assert html_lang(client.get("/profile")) == "en"


def test_the_login_page_sends_a_logged_in_person_on(client, db, make, login_as):
    person = make.user()
    db.session.commit()
    login_as(person)
    response = client.get("/login?next=/profile")
    assert response.status_code == 302 and response.location == "/profile"


# --- language ----------------------------------------------------------------------


def test_anonymous_language_switch_is_kept_in_the_session(client, db):
    assert html_lang(client.get("/login")) == "vi"
    response = client.post("/language", data={"locale": "en", "next": "/login?lang=vi&x=1"})
    assert response.status_code == 302
    assert response.location == "/login?x=1"  # lang= would override the choice just made
    assert html_lang(client.get("/login")) == "en"
    client.post("/language", data={"locale": "vi", "next": "/login"})
    assert html_lang(client.get("/login")) == "vi"


def test_language_switch_is_saved_on_the_account(client, db, make, login_as):
    person = make.user(locale="vi")
    db.session.commit()
    login_as(person)
    response = client.post("/language", data={"locale": "en", "next": "/profile"})
    assert response.status_code == 302 and response.location == "/profile"
    assert fresh(db, person).locale == "en"
    page = client.get("/profile")
    assert html_lang(page) == "en" and "My profile" in page.get_data(as_text=True)

    # It follows the person to their next log-in, whatever the browser had.
    client.post("/logout")
    client.post("/language", data={"locale": "vi", "next": "/login"})
    login_as(person)
    assert html_lang(client.get("/profile")) == "en"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "/logout", "/profile/tokens/1/revoke"]
)
def test_language_switch_never_leaves_the_site(client, db, next_url):
    response = client.post("/language", data={"locale": "en", "next": next_url})
    assert response.status_code == 302 and response.location == "/conferences"


def test_an_unknown_language_is_refused_and_nothing_changes(client, db, make, login_as):
    person = make.user(locale="en")
    db.session.commit()
    login_as(person)
    response = client.post("/language", data={"locale": "fr", "next": "/profile"})
    assert response.status_code == 422
    assert "Choose Vietnamese or English." in response.get_data(as_text=True)
    assert fresh(db, person).locale == "en"
    client.post("/logout")
    assert client.post("/language", data={"locale": "klingon"}).status_code == 422


# --- profile -----------------------------------------------------------------------


def test_profile_page_shows_the_person_and_their_calendar_link(client, db, make, login_as):
    person = make.user(full_name="Hà Hùng", position="Thứ trưởng")
    db.session.commit()
    login_as(person)
    response = client.get("/profile")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Hà Hùng"' in html and 'value="Thứ trưởng"' in html
    assert f"http://localhost/calendar/{person.feed_token}.ics" in html
    assert response.headers["Cache-Control"] == "no-store"


def test_saving_the_profile(client, db, make, login_as):
    person = make.user(locale="vi")
    db.session.commit()
    login_as(person)
    response = client.post(
        "/profile", data={"full_name": "  Trần Minh Đức ", "position": "", "locale": "en"}
    )
    assert response.status_code == 302 and response.location == "/profile"
    person = fresh(db, person)
    assert (person.full_name, person.position, person.locale) == ("Trần Minh Đức", None, "en")
    page = client.get("/profile")
    assert html_lang(page) == "en"
    assert "Your profile was saved." in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"full_name": "N" * 201}, "full_name", "At most 200 characters"),
        ({"full_name": ""}, "full_name", "This field is required."),
        ({"position": "P" * 201}, "position", "At most 200 characters"),
        ({"locale": "de"}, "locale", "Choose Vietnamese or English."),
    ],
)
def test_bad_profile_input_is_shown_on_the_field_and_nothing_is_saved(
    client, db, make, login_as, data, field, message
):
    person = make.user(full_name="Tên Cũ", position="Chức vụ cũ", locale="en")
    db.session.commit()
    login_as(person)
    form = {"full_name": "Tên Mới", "position": "Chức vụ mới", "locale": "en", **data}
    response = client.post("/profile", data=form)
    assert response.status_code == 422
    assert message in field_errors(response, field)
    assert "Nothing was saved" in response.get_data(as_text=True)
    person = fresh(db, person)
    assert (person.full_name, person.position, person.locale) == ("Tên Cũ", "Chức vụ cũ", "en")


def test_changing_the_password(client, db, make, login_as):
    person = make.user(locale="en")
    db.session.commit()
    login_as(person)
    response = client.post(
        "/profile/password",
        data={
            "current_password": PASSWORD,
            "new_password": "mat-khau-moi-2026",
            "new_password_repeat": "mat-khau-moi-2026",
        },
    )
    assert response.status_code == 302
    assert "Your password was changed." in client.get("/profile").get_data(as_text=True)
    client.post("/logout")
    assert (
        client.post("/login", data={"email": person.email, "password": PASSWORD}).status_code == 200
    )
    assert (
        client.post(
            "/login", data={"email": person.email, "password": "mat-khau-moi-2026"}
        ).status_code
        == 302
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"current_password": "wrong-password"},
            "current_password",
            "The current password is not right.",
        ),
        (
            {"new_password_repeat": "something-else"},
            "new_password_repeat",
            "The two new passwords are not the same.",
        ),
        (
            {"new_password": "short", "new_password_repeat": "short"},
            "new_password",
            "The password needs at least 8 characters.",
        ),
        ({"current_password": ""}, "current_password", "This field is required."),
    ],
)
def test_a_refused_password_change_changes_nothing(
    client, db, make, login_as, data, field, message
):
    person = make.user(locale="en")
    db.session.commit()
    old_hash = person.password_hash
    login_as(person)
    form = {
        "current_password": PASSWORD,
        "new_password": "mat-khau-moi-2026",
        "new_password_repeat": "mat-khau-moi-2026",
        **data,
    }
    response = client.post("/profile/password", data=form)
    assert response.status_code == 422
    assert message in field_errors(response, field)
    assert fresh(db, person).password_hash == old_hash


def test_post_only_profile_addresses_lead_back_to_the_profile(client, db, make, login_as):
    person = make.user()
    db.session.commit()
    login_as(person)
    for path in ("/profile/password", "/profile/tokens", "/profile/feed/regenerate"):
        response = client.get(path)
        assert response.status_code == 302 and response.location == "/profile"


# --- API tokens and the calendar link ------------------------------------------------


def bearer(app, secret: str, path: str = "/api/v1/users/me"):
    """A request from a program: no cookies, only the token."""
    program = app.test_client(use_cookies=False)
    return program.get(path, headers={"Authorization": f"Bearer {secret}"})


def bearer_free(app):
    return app.test_client(use_cookies=False)


def test_api_token_is_shown_once_works_and_stops_working_when_revoked(
    app, client, db, make, login_as
):
    person = make.user(email="script.owner@ubdt.demo", locale="en")
    db.session.commit()
    login_as(person)

    response = client.post("/profile/tokens", data={"name": "Báo cáo tuần"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="new-token-secret"[^>]*value="(mtg_[^"]+)"', html).group(1)
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == person.id))
    assert token.name == "Báo cáo tuần" and token.token_hash != secret

    later = client.get("/profile").get_data(as_text=True)
    assert secret not in later  # shown once only
    assert "Báo cáo tuần" in later and f"{token.prefix}…" in later
    with client.session_transaction() as session:
        assert secret not in str(dict(session))  # never kept in the cookie

    me = bearer(app, secret)
    assert me.status_code == 200 and me.get_json()["email"] == "script.owner@ubdt.demo"
    assert fresh(db, token).last_used_at is not None

    response = client.post(f"/profile/tokens/{token.id}/revoke")
    assert response.status_code == 302
    assert fresh(db, token).revoked_at is not None
    page = client.get("/profile").get_data(as_text=True)
    assert "was revoked" in page and f"{token.prefix}…" not in page

    assert bearer(app, secret).status_code == 401
    assert services.user_for_api_token(secret) is None


def test_a_token_needs_a_name_of_sensible_length(client, db, make, login_as):
    person = make.user(locale="en")
    db.session.commit()
    login_as(person)
    for name, message in (("", "This field is required."), ("n" * 81, "At most 80 characters")):
        response = client.post("/profile/tokens", data={"name": name})
        assert response.status_code == 422
        assert message in field_errors(response, "name")
        assert "mtg_" not in response.get_data(as_text=True)
    assert db.session.scalars(select(ApiToken)).all() == []


def test_nobody_revokes_someone_elses_token(app, client, db, make, login_as):
    owner = make.user()
    token, secret = services.issue_api_token(actor=owner, name="owner's")
    admin = make.admin()
    db.session.commit()
    login_as(admin)
    assert client.post(f"/profile/tokens/{token.id}/revoke").status_code == 404
    assert client.post("/profile/tokens/999999/revoke").status_code == 404
    assert fresh(db, token).revoked_at is None
    assert bearer(app, secret).status_code == 200


def test_a_new_calendar_link_replaces_the_old_one(app, client, db, make, login_as):
    person = make.user()
    db.session.commit()
    old = person.feed_token
    login_as(person)
    assert bearer_free(app).get(f"/calendar/{old}.ics").status_code == 200

    response = client.post("/profile/feed/regenerate")
    assert response.status_code == 302 and response.location == "/profile#calendar"
    new = fresh(db, person).feed_token
    assert new != old
    page = client.get("/profile").get_data(as_text=True)
    assert f"/calendar/{new}.ics" in page and old not in page
    assert bearer_free(app).get(f"/calendar/{old}.ics").status_code == 404
    assert bearer_free(app).get(f"/calendar/{new}.ics").status_code == 200


def test_a_user_sees_their_own_profile_only(client, db, make, login_as):
    me, other = make.user(full_name="Người Thứ Nhất"), make.user(full_name="Người Thứ Hai")
    services.issue_api_token(actor=other, name="token of the other one")
    db.session.commit()
    login_as(me)
    html = client.get("/profile").get_data(as_text=True)
    assert "Người Thứ Nhất" in html
    assert "token of the other one" not in html and other.feed_token not in html
    assert db.session.get(User, other.id).full_name == "Người Thứ Hai"
