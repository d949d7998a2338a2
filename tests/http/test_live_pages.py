"""The live room's pages: the room, the hall's display, and a remote site's join link.

Who may open which page (a table), what a site's link does to the browser's
session, links that stop working, and what the page hands to live.js.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from meetings.agenda.models import AgendaItem
from meetings.conferences.models import Attendance, ConferenceRole, ConferenceStatus
from meetings.live import services
from meetings.live.models import Site

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
PAGES = ("live", "display")


@dataclass
class Room:
    conference: int
    other_conference: int
    organizer: object
    chair: object
    secretary: object
    delegate: object
    unit_member: object
    outsider: object
    admin: object
    site_token: str
    other_site_token: str


def build_room(db, make, status=ConferenceStatus.live) -> Room:
    organizer = make.organizer(full_name="Nguyễn Thị Thu")
    chair = make.user(full_name="Hà Hùng")
    conference = make.conference(
        organizer=organizer,
        chair=chair,
        status=ConferenceStatus.scheduled,
        title="Hội nghị sơ kết 6 tháng đầu năm 2016",
        starts_at=datetime(2016, 9, 20, 8, 15, tzinfo=UTC),
        ends_at=datetime(2016, 9, 20, 10, 30, tzinfo=UTC),
        venue="Hội trường tầng 2",
    )
    secretary = make.user(full_name="Phạm Văn Long")
    make.participant(conference, user=secretary, role=ConferenceRole.secretary)
    delegate = make.user(full_name="Lê Thị Hoa")
    make.participant(conference, user=delegate)
    unit = make.unit(code="TCCB", name_vi="Vụ Tổ chức cán bộ", name_en="Personnel Department")
    unit_member = make.user(unit=unit, full_name="Trần Minh Đức")
    make.participant(conference, unit=unit, headcount=4)
    dp3 = make.unit(code="DP3", name_vi="Vụ Địa phương III", name_en="Regional Department III")
    make.participant(conference, unit=dp3, attendance=Attendance.remote, headcount=5)
    site = services.create_site(
        actor=organizer, conference=conference, unit_id=dp3.id, expected_headcount=5
    )
    db.session.add(
        AgendaItem(conference_id=conference.id, position=1, title="Khai mạc", planned_minutes=10)
    )
    # Another conference with a remote site of its own
    other = make.conference(
        organizer=organizer, status=ConferenceStatus.live, title="Hội nghị khác"
    )
    dp2 = make.unit(code="DP2", name_vi="Vụ Địa phương II", name_en="Regional Department II")
    make.participant(other, unit=dp2, attendance=Attendance.remote)
    other_site = services.create_site(actor=organizer, conference=other, unit_id=dp2.id)
    conference.status = status
    outsider = make.user(full_name="Người Ngoài")
    admin = make.admin(full_name="Quản Trị")
    db.session.commit()
    return Room(
        conference=conference.id,
        other_conference=other.id,
        organizer=organizer,
        chair=chair,
        secretary=secretary,
        delegate=delegate,
        unit_member=unit_member,
        outsider=outsider,
        admin=admin,
        site_token=site.token,
        other_site_token=other_site.token,
    )


@pytest.fixture
def room(db, make) -> Room:
    return build_room(db, make)


def page_url(conference_id: int, page: str) -> str:
    return f"/conferences/{conference_id}/{page}"


def config_of(response) -> dict:
    match = re.search(
        r'<script type="application/json" id="live-config">(.*?)</script>',
        response.get_data(as_text=True),
        re.S,
    )
    assert match, "the page carries its settings for live.js"
    return json.loads(match.group(1))


# --- who may open the pages ----------------------------------------------------------

EVERY_INVITEE = dict(
    anonymous=L,
    outsider=404,
    delegate=OK,
    unit_member=OK,
    secretary=OK,
    chair=OK,
    organizer=OK,
    admin=OK,
)
# A draft is seen by its organizers only; an archived conference's room is closed but to them.
ONLY_MANAGERS_DRAFT = {
    **EVERY_INVITEE,
    **dict(delegate=404, unit_member=404, secretary=404, chair=404),
}
ONLY_MANAGERS_ARCHIVED = {
    **EVERY_INVITEE,
    **dict(delegate=409, unit_member=409, secretary=409, chair=409),
}
TABLE = [
    (ConferenceStatus.scheduled, EVERY_INVITEE),
    (ConferenceStatus.live, EVERY_INVITEE),
    (ConferenceStatus.concluded, EVERY_INVITEE),
    (ConferenceStatus.draft, ONLY_MANAGERS_DRAFT),
    (ConferenceStatus.archived, ONLY_MANAGERS_ARCHIVED),
]
CASES = [
    pytest.param(status, expected, page, role, id=f"{status.value}-{page}-{role}")
    for status, expected in TABLE
    for page in PAGES
    for role in ROLES
]


@pytest.mark.parametrize(("status", "expected", "page", "role"), CASES)
def test_permission_table(db, make, client, login_as, status, expected, page, role):
    scene = build_room(db, make, status=status)
    if role != "anonymous":
        login_as(getattr(scene, role))
    response = client.get(page_url(scene.conference, page))
    outcome = expected[role]
    if outcome == L:
        assert response.status_code == 302
        assert "/login" in response.location
        assert "next=" in response.location
    elif outcome == OK:
        assert response.status_code == 200
        assert "Hội nghị sơ kết 6 tháng đầu năm 2016" in response.get_data(as_text=True)
    else:
        assert response.status_code == outcome
        assert "live-config" not in response.get_data(as_text=True)


def test_a_conference_that_does_not_exist_is_404(room, client, login_as):
    login_as(room.admin)
    for page in PAGES:
        assert client.get(page_url(99999, page)).status_code == 404


# --- what the pages hand to live.js -----------------------------------------------------


def test_the_chair_gets_the_control_panel_and_a_delegate_does_not(room, client, login_as):
    login_as(room.chair)
    response = client.get(page_url(room.conference, "live"))
    html = response.get_data(as_text=True)
    assert 'data-testid="control-panel"' in html
    config = config_of(response)
    assert config["mode"] == "room"
    assert config["conference_id"] == room.conference
    assert config["timezone"] == "Asia/Ho_Chi_Minh"
    assert config["viewer_kind"] == "user"

    login_as(room.delegate)
    html = client.get(page_url(room.conference, "live")).get_data(as_text=True)
    assert 'data-testid="control-panel"' not in html
    assert "Lê Thị Hoa" in html


def test_the_words_of_the_script_come_from_the_catalog(room, client, login_as, db):
    """live.js writes no text of its own: the page passes it, in the viewer's language."""
    login_as(room.delegate)  # reads English (the factories' default)
    strings = config_of(client.get(page_url(room.conference, "live")))["strings"]
    assert strings["raise_hand"] == "Raise hand"
    assert strings["conference_status"]["live"] == "Live"
    # Both plural forms, with the number left for the script to put in
    assert strings["updates"] == {"one": "%(count)s update", "other": "%(count)s updates"}
    assert strings["since"] == "since %(time)s"

    room.delegate.locale = "vi"
    db.session.commit()
    strings = config_of(client.get(page_url(room.conference, "live")))["strings"]
    assert strings["conference_status"]["live"] == "Đang họp"
    assert strings["open_conference"] == "Khai mạc hội nghị"


def test_no_user_facing_text_is_written_in_the_script():
    from pathlib import Path

    script = (Path(__file__).resolve().parents[2] / "static" / "js" / "live.js").read_text()
    # Every word shown comes from T.<key>; the script holds no Vietnamese or English sentences.
    assert not re.search(
        r"[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]", script
    )
    for sentence in ("Raise hand", "Reconnecting", "While you were away", "Nobody"):
        assert sentence not in script


def test_the_display_is_read_only(room, client, login_as):
    login_as(room.organizer)
    response = client.get(page_url(room.conference, "display"))
    html = response.get_data(as_text=True)
    assert config_of(response)["mode"] == "display"
    assert "live-display" in html
    assert 'data-testid="control-panel"' not in html
    assert "chat-form" not in html


def test_the_room_page_is_light(room, client, login_as, query_counter):
    """A shell for slow links: no Bootstrap script or htmx, a bounded number of queries."""
    login_as(room.chair)
    with query_counter() as statements:
        response = client.get(page_url(room.conference, "live"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "bootstrap.bundle" not in html and "htmx" not in html
    assert "socket.io.min.js" in html and "js/live.js" in html
    assert len(html.encode()) < 40_000
    assert len(statements) <= 12


# --- a remote site's link ------------------------------------------------------------------


def test_a_site_joins_with_its_link_and_becomes_the_site(room, client, login_as):
    login_as(room.delegate)  # a person was logged in on this computer before
    response = client.get(f"/join/{room.site_token}")
    assert response.status_code == 302
    assert response.location.endswith(page_url(room.conference, "live"))
    with client.session_transaction() as session:
        assert session["site_token"] == room.site_token
        assert isinstance(session["site_id"], int)
        assert "_user_id" not in session  # the person is logged out: the browser is the site

    response = client.get(page_url(room.conference, "live"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Vụ Địa phương III" in html
    assert "Lê Thị Hoa" not in html
    assert config_of(response)["viewer_kind"] == "site"
    assert 'data-testid="control-panel"' not in html
    assert client.get(page_url(room.conference, "display")).status_code == 200
    # No personal account: the rest of the app still asks to log in
    assert "/login" in client.get("/conferences").location


def test_a_site_keeps_the_language_chosen_before_it_joined(room, client):
    client.post("/language", data={"locale": "en", "next": "/"})
    client.get(f"/join/{room.site_token}")
    html = client.get(page_url(room.conference, "live")).get_data(as_text=True)
    assert '<html lang="en">' in html


def test_a_site_cannot_open_another_conferences_room(room, client):
    client.get(f"/join/{room.site_token}")
    for page in PAGES:
        response = client.get(page_url(room.other_conference, page))
        assert response.status_code == 404
        assert "Hội nghị khác" not in response.get_data(as_text=True)
    # Its own room still opens
    assert client.get(page_url(room.conference, "live")).status_code == 200


def test_an_unknown_link_is_404_with_a_clear_message(room, client):
    response = client.get("/join/not-a-real-token?lang=en")
    assert response.status_code == 404
    assert "This link is not valid" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "site_token" not in session


def _site(db, token) -> Site:
    db.session.expire_all()
    return services.site_for_token(token)


def test_an_expired_link_is_410(room, client, db):
    site = _site(db, room.site_token)
    site.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    response = client.get(f"/join/{room.site_token}?lang=en")
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "This link has expired." in html
    assert "Ask the organizers of the conference for a new link." in html
    with client.session_transaction() as session:
        assert "site_token" not in session


def test_a_revoked_link_is_410(room, client, db):
    site = _site(db, room.site_token)
    services.revoke_site(actor=room.organizer, conference=site_conference(db, site), site=site)
    db.session.commit()
    response = client.get(f"/join/{room.site_token}?lang=en")
    assert response.status_code == 410
    assert "The organizers closed this link." in response.get_data(as_text=True)


def test_a_link_revoked_after_joining_closes_the_room_for_that_browser(room, client, db):
    assert client.get(f"/join/{room.site_token}").status_code == 302
    assert client.get(page_url(room.conference, "live")).status_code == 200
    site = _site(db, room.site_token)
    services.revoke_site(actor=room.organizer, conference=site_conference(db, site), site=site)
    db.session.commit()
    response = client.get(page_url(room.conference, "live") + "?lang=en")
    assert response.status_code == 410
    assert "The organizers closed this link." in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "site_token" not in session and "site_id" not in session
    # The browser is nobody now: the login page
    response = client.get(page_url(room.conference, "live"))
    assert response.status_code == 302 and "/login" in response.location


def test_a_renewed_link_replaces_the_old_one(room, client, db):
    site = _site(db, room.site_token)
    services.renew_site_link(actor=room.organizer, conference=site_conference(db, site), site=site)
    new_token = site.token
    db.session.commit()
    assert client.get(f"/join/{room.site_token}").status_code == 404
    assert client.get(f"/join/{new_token}").status_code == 302


def test_logging_in_drops_the_site(room, client, login_as):
    client.get(f"/join/{room.site_token}")
    login_as(room.delegate)
    with client.session_transaction() as session:
        assert "site_token" not in session
    response = client.get(page_url(room.conference, "live"))
    assert response.status_code == 200
    assert config_of(response)["viewer_kind"] == "user"


def site_conference(db, site: Site):
    from meetings.conferences.models import Conference

    return db.session.get(Conference, site.conference_id)
