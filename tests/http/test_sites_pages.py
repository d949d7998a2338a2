"""The remote sites page and the conference page's sites card, through the test client."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from meetings.accounts.models import AuditEntry
from meetings.conferences.models import Attendance, Conference, ConferenceStatus, Participant
from meetings.db import utcnow
from meetings.live import services
from meetings.live.models import Site
from meetings.live.services import Viewer
from tests.http.test_conferences import Scene, build_scene, page


@dataclass
class SiteScene:
    s: Scene
    site: int  # the site of Vụ Địa phương III (DP3), invited remotely
    remote_unit: int

    @property
    def base(self) -> str:
        return f"/conferences/{self.s.conference}/sites"


def build_site_scene(db, make) -> SiteScene:
    scene = build_scene(db, make)
    remote = db.session.get(Participant, scene.remote_p)
    conference = remote.conference
    site = services.create_site(
        actor=scene.organizer, conference=conference, unit_id=remote.unit_id, expected_headcount=5
    )
    db.session.commit()
    return SiteScene(scene, site.id, remote.unit_id)


@pytest.fixture
def ss(db, make) -> SiteScene:
    return build_site_scene(db, make)


def fresh_site(db, site_id: int) -> Site:
    db.session.expire_all()
    return db.session.get(Site, site_id)


def site_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Site))


def audit_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


# --- the list --------------------------------------------------------------------------


def test_organizers_see_each_site_with_its_link_state_and_activity(db, client, login_as, ss):
    login_as(ss.s.organizer)
    response = client.get(ss.base)

    assert response.status_code == 200
    html = page(response)
    site = fresh_site(db, ss.site)
    row = html[html.index(f'id="site-{site.id}"') :]
    assert "Vụ Địa phương III" in row and "DP3" in row and "Đà Nẵng" in row
    assert 'data-state="never"' in row and "Never joined" in row
    assert f'value="http://localhost/join/{site.token}"' in html
    assert 'data-copy="link-' in html
    assert f"/conferences/{ss.s.conference}/live" in html
    activity = html[html.index('id="activity-heading"') :]
    assert "added the site" in activity and ss.s.organizer.full_name in activity
    assert 'id="add-site"' in html


def test_invitees_see_the_sites_but_never_a_link_or_the_activity(db, client, login_as, ss):
    login_as(ss.s.delegate)
    html = page(client.get(ss.base))

    site = fresh_site(db, ss.site)
    assert "Vụ Địa phương III" in html and 'data-state="never"' in html
    assert site.token not in html and "/join/" not in html
    assert 'id="activity-heading"' not in html and 'id="add-site"' not in html
    assert "New link" not in html and "Revoke" not in html


def test_a_connected_site_shows_since_when_and_its_connections_and_the_join_is_logged(
    db, client, login_as, ss
):
    site = fresh_site(db, ss.site)
    conference = site.conference_id
    services.connect(
        viewer=Viewer(site=site),
        conference=db.session.get(Conference, conference),
        sid="sock-1",
        remote_addr="203.0.113.9",
    )
    db.session.commit()
    login_as(ss.s.organizer)

    html = page(client.get(ss.base))

    row = html[html.index(f'id="site-{ss.site}"') :]
    assert 'data-state="connected"' in row and "Connected" in row and "since" in row
    assert 'data-testid="connections">1 connection<' in row
    activity = html[html.index('id="activity-heading"') :]
    assert "joined the live room" in activity and "203.0.113.9" in activity
    assert 'data-testid="sites-connected">1<' in html


# --- adding ----------------------------------------------------------------------------


def _new(unit_id, **fields) -> dict:
    return {"unit_id": str(unit_id), "expected_headcount": "", "valid_days": "30", "name": ""} | {
        k: str(v) for k, v in fields.items()
    }


def test_the_unit_choice_offers_remote_units_first_and_only_invited_units(
    db, make, client, login_as, ss
):
    # A second remote unit without a site, and the one with a site already.
    conference = fresh_site(db, ss.site).conference_id
    other = make.unit(code="DP2", name_vi="Vụ Địa phương II", name_en="Regional Department II")
    make.participant(
        db.session.get(Conference, conference),
        unit=other,
        attendance=Attendance.remote,
        headcount=6,
    )
    db.session.commit()
    login_as(ss.s.organizer)

    html = page(client.get(ss.base))
    select_html = html[html.index('name="unit_id"') : html.index("</select>")]

    groups = re.findall(r'<optgroup label="([^"]+)">', select_html)
    assert groups == ["Invited to attend remotely", "Other invited units"]
    remote_group = select_html[: select_html.index("Other invited units")]
    assert f'value="{other.id}"' in remote_group and 'data-headcount="6"' in remote_group
    assert f'value="{ss.remote_unit}"' not in select_html  # has its site already
    assert f'value="{ss.s.spare_unit}"' not in select_html  # not invited
    assert f'value="{ss.s.unit}"' in select_html  # invited to the room


def test_adding_a_site_stores_it_and_shows_its_link(db, client, login_as, ss):
    login_as(ss.s.organizer)  # reads the app in English
    response = client.post(ss.base, data=_new(ss.s.unit, expected_headcount=4, valid_days=10))

    assert response.status_code == 302
    site = db.session.scalar(select(Site).where(Site.unit_id == ss.s.unit))
    assert response.location.endswith(f"/sites#site-{site.id}")
    assert site.name == "Vụ Tổ chức cán bộ"  # the official name, not the English one
    assert site.expected_headcount == 4
    assert site.expires_at - utcnow() > timedelta(days=9, hours=23)
    html = page(client.get(response.location))
    assert "was added" in html and f"/join/{site.token}" in html


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"unit_id": ""}, "Choose an invited unit."),
        ({"expected_headcount": "0"}, "The headcount must be between 1 and 500."),
        ({"expected_headcount": "501"}, "The headcount must be between 1 and 500."),
        ({"expected_headcount": "abc"}, "Enter a whole number."),
        ({"valid_days": "0"}, "A link is valid for 1 to 365 days."),
        ({"valid_days": "400"}, "A link is valid for 1 to 365 days."),
        ({"name": "x" * 201}, "At most 200 characters, please."),
    ],
)
def test_bad_input_is_explained_and_nothing_is_stored(db, client, login_as, ss, fields, message):
    login_as(ss.s.organizer)
    before = (site_count(db), audit_count(db))
    data = _new(ss.s.unit) | fields

    response = client.post(ss.base, data=data)

    assert response.status_code == 422
    html = page(response)
    assert "The site was not added" in html and message in html
    assert (site_count(db), audit_count(db)) == before


def test_a_unit_not_invited_is_refused(db, client, login_as, ss):
    login_as(ss.s.organizer)
    before = site_count(db)
    response = client.post(ss.base, data=_new(ss.s.spare_unit))
    assert response.status_code == 422
    assert "Invite the unit to the conference first." in page(response)
    assert site_count(db) == before


def test_a_second_site_for_a_unit_is_a_conflict(db, client, login_as, ss):
    login_as(ss.s.organizer)
    response = client.post(ss.base, data=_new(ss.remote_unit))
    assert response.status_code == 409
    assert "has a remote site already" in page(response)
    assert site_count(db) == 1


# --- changing, renewing, revoking ------------------------------------------------------


def test_editing_a_site(db, client, login_as, ss):
    login_as(ss.s.organizer)
    token = fresh_site(db, ss.site).token
    response = client.post(
        f"{ss.base}/{ss.site}/edit",
        data={"name": "Điểm cầu Đà Nẵng", "expected_headcount": "8", "valid_days": "3"},
    )
    assert response.status_code == 302 and response.location.endswith(f"#site-{ss.site}")
    site = fresh_site(db, ss.site)
    assert (site.name, site.expected_headcount, site.token) == ("Điểm cầu Đà Nẵng", 8, token)
    assert site.expires_at < utcnow() + timedelta(days=3, minutes=1)


def test_editing_without_a_validity_keeps_the_expiry(db, client, login_as, ss):
    login_as(ss.s.organizer)
    expires = fresh_site(db, ss.site).expires_at
    client.post(
        f"{ss.base}/{ss.site}/edit",
        data={"name": "Vụ Địa phương III", "expected_headcount": "6", "valid_days": ""},
    )
    site = fresh_site(db, ss.site)
    assert site.expected_headcount == 6 and site.expires_at == expires


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "expected_headcount": "5"}, "This field is required."),
        ({"name": "A", "expected_headcount": "0"}, "The headcount must be between 1 and 500."),
        ({"name": "A", "expected_headcount": "5", "valid_days": "999"}, "1 to 365 days"),
    ],
)
def test_a_bad_edit_reopens_the_row_with_the_message_and_stores_nothing(
    db, client, login_as, ss, data, message
):
    login_as(ss.s.organizer)
    response = client.post(f"{ss.base}/{ss.site}/edit", data=data)
    assert response.status_code == 422
    html = page(response)
    assert message in html and "The changes were not saved" in html
    assert f'class="collapse show" id="edit-{ss.site}"' in html
    site = fresh_site(db, ss.site)
    assert (site.name, site.expected_headcount) == ("Vụ Địa phương III", 5)


def test_a_new_link_replaces_the_old_one_at_once(db, client, login_as, ss):
    old = fresh_site(db, ss.site).token
    login_as(ss.s.organizer)

    response = client.post(f"{ss.base}/{ss.site}/renew", data={"valid_days": "7"})

    assert response.status_code == 302
    new = fresh_site(db, ss.site).token
    assert new != old
    html = page(client.get(response.location))
    assert "has a new link" in html and f"/join/{new}" in html and old not in html
    client.post("/logout")
    assert client.get(f"/join/{old}").status_code == 404
    assert client.get(f"/join/{new}").status_code == 302


def test_a_renewal_with_a_bad_validity_changes_nothing(db, client, login_as, ss):
    old = fresh_site(db, ss.site).token
    login_as(ss.s.organizer)
    response = client.post(f"{ss.base}/{ss.site}/renew", data={"valid_days": "0"})
    assert response.status_code == 422
    assert "No new link was made." in page(response)
    assert fresh_site(db, ss.site).token == old


def test_revoking_a_link(db, client, login_as, ss):
    token = fresh_site(db, ss.site).token
    login_as(ss.s.organizer)

    response = client.post(f"{ss.base}/{ss.site}/revoke")

    assert response.status_code == 302
    assert fresh_site(db, ss.site).revoked_at is not None
    html = page(client.get(response.location))
    assert "was revoked" in html and 'data-state="revoked"' in html
    assert f"/join/{token}" not in html and "No working link" in html
    assert "revoked the link" in html[html.index('id="activity-heading"') :]
    client.post("/logout")
    assert client.get(f"/join/{token}").status_code == 410


def test_a_site_of_another_conference_is_404(db, make, client, login_as, ss):
    other = make.conference(organizer=ss.s.organizer)
    unit = make.unit()
    make.participant(other, unit=unit)
    other_site = services.create_site(actor=ss.s.organizer, conference=other, unit_id=unit.id)
    db.session.commit()
    login_as(ss.s.organizer)
    for action in ("revoke", "renew"):
        assert client.post(f"{ss.base}/{other_site.id}/{action}").status_code == 404
    assert client.post(f"{ss.base}/99999/edit", data={"name": "X"}).status_code == 404
    assert fresh_site(db, other_site.id).revoked_at is None


# --- the conference page -----------------------------------------------------------------


def test_the_conference_page_shows_the_sites_card_and_the_way_into_the_live_room(
    db, client, login_as, ss
):
    login_as(ss.s.delegate)
    html = page(client.get(f"/conferences/{ss.s.conference}"))

    card = html[html.index('data-testid="sites-card"') :]
    card = card[: card.index("</section>")]
    assert "Vụ Địa phương III" in card and "5 people" in card
    assert 'data-state="never"' in card
    assert f'href="/conferences/{ss.s.conference}/sites"' in card and "Details" in card
    assert f'href="/conferences/{ss.s.conference}/live" data-testid="live-room"' in html
    assert f'href="/conferences/{ss.s.conference}/display"' in html

    login_as(ss.s.organizer)
    html = page(client.get(f"/conferences/{ss.s.conference}"))
    assert f'href="/conferences/{ss.s.conference}/sites"><i class="bi bi-gear' in html


def test_the_conference_page_without_sites_invites_organizers_to_add_one(
    db, make, client, login_as
):
    scene = build_scene(db, make)
    login_as(scene.organizer)
    html = page(client.get(f"/conferences/{scene.conference}"))
    assert 'data-testid="no-sites"' in html and "Add a site for a remote unit" in html


def test_a_draft_has_no_live_room_button_for_invitees(db, make, client, login_as):
    scene = build_scene(db, make, status=ConferenceStatus.draft)
    login_as(scene.organizer)  # organizers prepare the room before it is scheduled
    assert 'data-testid="live-room"' in page(client.get(f"/conferences/{scene.conference}"))


def _conference_with_live_sites(db, make, sites: int):
    """A conference with `sites` connected remote sites and as many people online."""
    organizer = make.organizer()
    conference = make.conference(organizer=organizer, chair=make.user())
    for _ in range(sites):
        unit = make.unit(city="Huế")
        make.participant(conference, unit=unit, attendance=Attendance.remote, headcount=3)
        person = make.user()
        make.participant(conference, user=person)
        site = services.create_site(actor=organizer, conference=conference, unit_id=unit.id)
        services.connect(
            viewer=Viewer(site=site),
            conference=conference,
            sid=f"s{site.id}",
            remote_addr="10.0.0.1",
        )
        services.connect(
            viewer=Viewer(user=person), conference=conference, sid=f"u{site.id}", remote_addr=None
        )
    db.session.commit()
    return organizer, conference.id


def _queries(client, login_as, query_counter, organizer, url: str) -> int:
    login_as(organizer)
    with query_counter() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def test_the_sites_card_keeps_the_conference_page_within_its_query_budget(
    db, make, client, login_as, query_counter
):
    """The bound of tests/http/test_conferences.py (12), with connected sites and people."""
    counts = []
    for sites in (1, 12):
        organizer, conference_id = _conference_with_live_sites(db, make, sites)
        counts.append(
            _queries(client, login_as, query_counter, organizer, f"/conferences/{conference_id}")
        )
    assert counts[0] == counts[1], counts
    assert counts[1] <= 13, counts  # 12 for the page, 1 for the navbar's inbox badge


def test_the_sites_page_takes_the_same_number_of_queries_whatever_the_number_of_sites(
    db, make, client, login_as, query_counter
):
    counts = []
    for sites in (1, 10):
        organizer, conference_id = _conference_with_live_sites(db, make, sites)
        counts.append(
            _queries(
                client, login_as, query_counter, organizer, f"/conferences/{conference_id}/sites"
            )
        )
    assert counts[0] == counts[1], counts
