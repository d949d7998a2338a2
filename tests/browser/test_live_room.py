"""Journeys in the live room (issue 3): the chair runs the meeting, a remote site follows it
and takes the floor, the hall's display follows by itself; a site that drops off the network
comes back to the current state and is told what it missed.

Three browser contexts (own cookies each): the chair (a person who logs in), the remote
site (no account: its join link), and the secretariat's laptop at the projector.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from meetings.accounts.models import UnitKind
from meetings.agenda.models import AgendaItem
from meetings.conferences.models import Attendance, Conference, ConferenceStatus
from meetings.db import unit_of_work
from meetings.live import services
from meetings.live.models import FloorRequest
from tests.browser.helpers import expect, log_in

pytestmark = pytest.mark.browser

TITLE = "Hội nghị sơ kết công tác CCHC và thực hiện QCDC 6 tháng đầu năm 2016"
ITEMS = (
    ("Khai mạc, giới thiệu đại biểu", 10),
    ("Báo cáo sơ kết công tác CCHC 6 tháng đầu năm", 20),
    ("Thảo luận", 45),
)
TIMER = re.compile(r"^\+?(\d+:)?\d\d:\d\d$")


@dataclass
class Scene:
    conference_id: int
    organizer_email: str
    chair_email: str
    site_name: str
    join_path: str
    item_ids: list[int]


def build_scene(db, make, status=ConferenceStatus.scheduled) -> Scene:
    ubdt = make.unit("UBDT", name_vi="Ủy ban Dân tộc", name_en="Committee", kind=UnitKind.committee)
    office = make.unit("VP", name_vi="Văn phòng Ủy ban", name_en="Office", parent=ubdt)
    dp3 = make.unit(
        "DP3",
        name_vi="Vụ Địa phương III",
        name_en="Regional Department III",
        kind=UnitKind.regional_office,
        parent=ubdt,
        city="Buôn Ma Thuột",
    )
    organizer = make.organizer(unit=office, full_name="Nguyễn Thị Thu", email="thuky@ubdt.test")
    chair = make.user(unit=ubdt, full_name="Hà Hùng", email="hahung@ubdt.test")
    now = datetime.now(UTC).replace(microsecond=0)
    conference = make.conference(
        organizer=organizer,
        chair=chair,
        status=status,
        title=TITLE,
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=2),
        venue="Hội trường tầng 2",
    )
    make.participant(conference, unit=dp3, attendance=Attendance.remote, headcount=5)
    items = []
    for position, (title, minutes) in enumerate(ITEMS, start=1):
        item = AgendaItem(
            conference_id=conference.id, position=position, title=title, planned_minutes=minutes
        )
        db.session.add(item)
        items.append(item)
    db.session.flush()
    site = services.create_site(
        actor=organizer, conference=conference, unit_id=dp3.id, expected_headcount=5
    )
    db.session.commit()
    return Scene(
        conference_id=conference.id,
        organizer_email=organizer.email,
        chair_email=chair.email,
        site_name=site.name,
        join_path=f"/join/{site.token}",
        item_ids=[item.id for item in items],
    )


def room_path(scene: Scene, page: str = "live") -> str:
    return f"/conferences/{scene.conference_id}/{page}"


def connected(page) -> None:
    """Connected and synced: the socket is up and the page shows the server's state."""
    expect(page.locator("[data-testid='connection']")).to_have_attribute("data-state", "connected")
    page.wait_for_function("() => window.liveRoom && window.liveRoom.seq !== null")


def in_english(page) -> None:
    """A site has no profile: it picks its language in the room's top bar (kept in its session)."""
    page.locator(".live-lang button[lang='en']").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    connected(page)


def mark_loaded(page) -> None:
    """A flag in the page's memory: still there at the end means the page never reloaded."""
    page.evaluate("() => { window.__sameDocument = true; }")


def never_reloaded(page) -> None:
    assert page.evaluate("() => window.__sameDocument === true")


def current_seq(db, conference_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Conference, conference_id).live_seq


def test_chair_runs_the_agenda_and_gives_the_floor_to_a_remote_site(db, make, new_page):
    scene = build_scene(db, make)
    first, second, _third = scene.item_ids

    chair = new_page("chair")
    log_in(chair, scene.chair_email)
    chair.goto(room_path(scene))
    connected(chair)

    # The remote site joins with its link: no account, straight into the room
    site = new_page("site")
    site.goto(scene.join_path)
    expect(site).to_have_url(re.compile(rf"/conferences/{scene.conference_id}/live$"))
    connected(site)
    expect(site.locator("[data-testid='viewer']")).to_contain_text(scene.site_name)
    expect(site.locator("[data-testid='control-panel']")).to_have_count(0)
    mark_loaded(site)

    # The projector in the hall
    display = new_page("display")
    log_in(display, scene.organizer_email)
    display.goto(room_path(scene, "display"))
    connected(display)
    mark_loaded(display)

    # The chair sees the site arrive on the presence board
    expect(chair.locator("[data-testid='sites'] li[data-state='connected']")).to_contain_text(
        scene.site_name
    )

    # Open the conference; everyone's page follows
    chair.locator("[data-testid='open-conference']").click()
    expect(site.locator("body")).to_have_attribute("data-conference-status", "live")
    expect(site.locator("#live-status [data-status='live']")).to_be_visible()

    # Item 1, then item 2: the agenda advances (item 1 is closed by starting item 2)
    chair.locator(f"[data-testid='item-start-{first}']").click()
    expect(site.locator("[data-testid='now-title']")).to_contain_text(ITEMS[0][0])
    expect(display.locator("[data-testid='display-title']")).to_have_text(ITEMS[0][0])
    chair.locator("[data-testid='start-next']").click()
    expect(site.locator("[data-testid='now-title']")).to_contain_text(ITEMS[1][0])
    expect(site.locator(f"[data-testid='agenda-item-{first}']")).to_have_attribute(
        "data-status", "done"
    )
    expect(site.locator(f"[data-testid='agenda-item-{second}']")).to_have_attribute(
        "data-status", "running"
    )
    expect(site.locator("[data-testid='now-remaining']")).to_have_text(TIMER)
    expect(display.locator("[data-testid='display-title']")).to_have_text(ITEMS[1][0])
    expect(display.locator("[data-testid='display-timer']")).to_have_text(TIMER)

    # The site raises its hand; the chair sees where the request comes from and grants it
    site.locator("[data-testid='raise-hand']").click()
    expect(site.locator("[data-testid='withdraw']")).to_be_visible()
    queue = chair.locator("[data-testid='queue']")
    expect(queue).to_contain_text(scene.site_name)
    db.session.expire_all()
    request_id = db.session.scalar(
        select(FloorRequest.id).where(FloorRequest.conference_id == scene.conference_id)
    )
    expect(display.locator("[data-testid='display-queue']")).to_contain_text(scene.site_name)
    chair.locator(f"[data-testid='grant-{request_id}']").click()

    # The site has the floor, on its own page and on the hall's display
    expect(site.locator("[data-testid='speaker-name']")).to_have_text(scene.site_name)
    expect(site.locator("[data-testid='my-floor']")).to_be_visible()
    expect(site.locator("[data-testid='speaker-time']")).to_have_text(TIMER)
    expect(display.locator("[data-testid='display-speaker-name']")).to_have_text(scene.site_name)
    expect(
        display.locator("[data-testid='display-sites'] li[data-state='connected']")
    ).to_contain_text(scene.site_name)
    expect(chair.locator("[data-testid='end-turn']")).to_be_visible()

    # A chat message and an announcement reach the site; markup is shown, never run
    chair.locator("[data-testid='chat-input']").fill("<b>Xin chào</b> các điểm cầu")
    chair.locator("[data-testid='chat-send']").click()
    chair.locator("[data-testid='chat-input']").fill("Giải lao 10 phút")
    chair.locator("[data-testid='chat-announce']").click()
    messages = site.locator("[data-testid='chat-list']")
    expect(messages).to_contain_text("<b>Xin chào</b> các điểm cầu")
    expect(messages.locator(".is-announcement")).to_contain_text("Giải lao 10 phút")
    expect(messages.locator("b")).to_have_count(0)

    # The site and the display followed everything without a reload, up to the last event
    never_reloaded(site)
    never_reloaded(display)
    seq = current_seq(db, scene.conference_id)
    site.wait_for_function(f"() => window.liveRoom.seq === {seq}")
    display.wait_for_function(f"() => window.liveRoom.seq === {seq}")


def test_an_action_from_a_stale_page_is_refused_with_the_servers_message(db, make, new_page):
    """Two people run the meeting; one acts on a page that has not caught up yet: the server
    refuses, the page shows its message in a toast and then catches up."""
    scene = build_scene(db, make, status=ConferenceStatus.live)
    first = scene.item_ids[0]

    site = new_page("site")
    site.goto(scene.join_path)
    connected(site)

    chair = new_page("chair")
    log_in(chair, scene.chair_email)
    chair.goto(room_path(scene))
    connected(chair)

    organizer = new_page("organizer")
    log_in(organizer, scene.organizer_email)
    organizer.goto(room_path(scene))
    connected(organizer)
    expect(organizer.locator(f"[data-testid='item-skip-{first}']")).to_be_visible()
    # An organizer sees who is connected from where; the chair and the site do not
    details = organizer.locator("[data-testid='connections']")
    details.locator("summary").click()
    expect(details).to_contain_text(scene.site_name)
    expect(details).to_contain_text("127.0.0.1")
    expect(chair.locator("[data-testid='connections']")).to_have_count(0)
    expect(site.locator("[data-testid='connections']")).to_have_count(0)
    # The organizer's page falls behind: the next changes have not reached it yet
    organizer.evaluate("() => window.liveRoom.socket.off('event')")

    chair.locator(f"[data-testid='item-skip-{first}']").click()
    expect(site.locator(f"[data-testid='agenda-item-{first}']")).to_have_attribute(
        "data-status", "skipped"
    )

    # The organizer's page still offers to skip item 1: the server refuses, the page says why
    organizer.locator(f"[data-testid='item-skip-{first}']").click()
    toast = organizer.locator("[data-testid='toast']")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text("Only an item not yet started can be skipped.")
    # Once its connection is renewed it catches up with what it missed
    organizer.evaluate("() => window.liveRoom.socket.io.engine.close()")
    expect(organizer.locator(f"[data-testid='agenda-item-{first}']")).to_have_attribute(
        "data-status", "skipped", timeout=15_000
    )

    # Closing the conference asks first; cancelling changes nothing, confirming closes it
    chair.locator("[data-testid='close-conference']").click()
    chair.locator("[data-testid='confirm-cancel']").click()
    expect(chair.locator("body")).to_have_attribute("data-conference-status", "live")
    chair.locator("[data-testid='close-conference']").click()
    chair.locator("[data-testid='confirm-ok']").click()
    expect(site.locator("body")).to_have_attribute("data-conference-status", "concluded")
    expect(site.locator("[data-testid='raise-hand']")).to_have_count(0)
    expect(site.locator("[data-testid='chat-send']")).to_be_disabled()


def test_a_site_that_drops_off_comes_back_to_the_current_state(db, make, new_page):
    scene = build_scene(db, make, status=ConferenceStatus.live)
    first, second, _third = scene.item_ids

    chair = new_page("chair")
    log_in(chair, scene.chair_email)
    chair.goto(room_path(scene))
    connected(chair)
    chair.locator(f"[data-testid='item-start-{first}']").click()

    site = new_page("site")
    site.goto(scene.join_path)
    connected(site)
    in_english(site)
    expect(site.locator("[data-testid='now-title']")).to_contain_text(ITEMS[0][0])
    site.locator("[data-testid='raise-hand']").click()
    expect(chair.locator("[data-testid='queue']")).to_contain_text(scene.site_name)
    mark_loaded(site)

    # The site's connection drops (its transport closes; no automatic reconnect for now)
    site.evaluate(
        "() => { window.liveRoom.socket.io.reconnection(false); window.liveRoom.socket.io.engine.close(); }"
    )
    expect(site.locator("[data-testid='connection']")).to_have_attribute(
        "data-state", "reconnecting"
    )
    expect(site.locator("[data-testid='stale-note']")).to_be_visible()
    # The chair sees the site reconnecting
    expect(chair.locator("[data-testid='sites'] li[data-state='reconnecting']")).to_contain_text(
        scene.site_name
    )

    # Meanwhile the chair moves on: item 2, the floor to the site, two messages
    chair.locator("[data-testid='start-next']").click()
    expect(chair.locator("[data-testid='now-title']")).to_contain_text(ITEMS[1][0])
    chair.locator("[data-testid='queue'] [data-testid^='grant-']").click()
    expect(chair.locator("[data-testid='speaker-name']")).to_have_text(scene.site_name)
    for text in ("Mời Vụ Địa phương III phát biểu", "Đề nghị các điểm cầu bật micro"):
        chair.locator("[data-testid='chat-input']").fill(text)
        chair.locator("[data-testid='chat-send']").click()
        expect(chair.locator("[data-testid='chat-list']")).to_contain_text(text)
    # The site's page still shows the old state; what it tries offline is not queued for later
    expect(site.locator("[data-testid='now-title']")).to_contain_text(ITEMS[0][0])
    site.locator("[data-testid='withdraw']").click()
    # (A toast may also say that the server did not answer a request cut off by the drop.)
    expect(
        site.locator("[data-testid='toast']").filter(has_text="You are not connected")
    ).to_be_visible()
    # A site still "reconnecting" a minute after it dropped shows as away on the chair's board
    chair.evaluate(
        """() => { window.liveRoom.state.presence.sites[0].since =
             new Date(Date.now() - 120000).toISOString(); }"""
    )
    expect(chair.locator("[data-testid='sites'] li[data-state='away']")).to_contain_text(
        scene.site_name, timeout=8_000
    )

    # The network comes back
    site.evaluate(
        "() => { window.liveRoom.socket.io.reconnection(true); window.liveRoom.socket.connect(); }"
    )
    connected(site)
    expect(site.locator("[data-testid='stale-note']")).to_be_hidden()
    expect(site.locator("[data-testid='now-title']")).to_contain_text(ITEMS[1][0])
    expect(site.locator(f"[data-testid='agenda-item-{first}']")).to_have_attribute(
        "data-status", "done"
    )
    expect(site.locator("[data-testid='speaker-name']")).to_have_text(scene.site_name)
    expect(site.locator("[data-testid='my-floor']")).to_be_visible()
    expect(site.locator("[data-testid='chat-list']")).to_contain_text(
        "Đề nghị các điểm cầu bật micro"
    )

    # ... and says what changed while it was away
    summary = site.locator("[data-testid='away-summary']")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(ITEMS[1][0])
    expect(summary).to_contain_text(scene.site_name)
    expect(summary).to_contain_text("2 new messages")
    summary.locator("[data-testid='away-dismiss']").click()
    expect(summary).to_be_hidden()

    # Same document, same sequence number as the server, each message once
    never_reloaded(site)
    seq = current_seq(db, scene.conference_id)
    site.wait_for_function(f"() => window.liveRoom.seq === {seq}")
    assert site.locator("[data-testid='chat-list'] .live-message").count() == 2
    statuses = site.evaluate(
        "() => [...document.querySelectorAll('[data-item-id]')].map(e => e.dataset.status)"
    )
    assert statuses == ["done", "running", "pending"]


def test_a_site_whose_link_is_revoked_is_cut_off_at_once(db, make, new_page):
    scene = build_scene(db, make, status=ConferenceStatus.live)
    site = new_page("site")
    site.goto(scene.join_path)
    connected(site)
    in_english(site)

    with unit_of_work():
        conference = db.session.get(Conference, scene.conference_id)
        services.revoke_site(
            actor=conference.created_by, conference=conference, site=conference.sites[0]
        )

    fatal = site.locator("[data-testid='fatal']")
    expect(fatal).to_be_visible()
    expect(fatal).to_contain_text("The organizers closed this link.")
    expect(site.locator("[data-testid='connection']")).to_have_attribute("data-state", "offline")
    expect(site.locator("[data-testid='raise-hand']")).to_have_css("pointer-events", "none")
