"""Journey 8 (JOURNEYS.md): the contested paragraphs of the draft are discussed; the chair
calls the adoption vote; a remote site answers online and the secretary enters the hall's
hand count; the chair closes the vote and the result is shown to all, without a reload.

Four browser contexts (own cookies each): the chair, the secretary (a person with the
secretary role in the conference, from the drafting unit), the remote site of Vụ Địa
phương III (its join link, no account) and the secretariat's laptop at the projector (the
organizer, on the room display).

Six units take part (quorum: 4). Present while the vote runs: the chair's, the
secretary's and the organizer's units in the hall, and the site: 4 units. The hall holds
6 people (1 + 1 + 1 in person, 3 for the Legal Department).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import lazy_gettext as _l

from meetings.accounts.models import UnitKind
from meetings.agenda.models import AgendaItem
from meetings.conferences.models import Attendance, ConferenceRole, ConferenceStatus
from meetings.drafts.models import AdoptionVote, VoteAnswer
from meetings.live import services
from tests.browser.helpers import expect, log_in, translated
from tests.browser.test_live_room import connected, current_seq, mark_loaded, never_reloaded

pytestmark = pytest.mark.browser

TITLE = "Hội nghị sơ kết công tác CCHC và thực hiện QCDC 6 tháng đầu năm 2016"
DRAFT_TITLE = "Báo cáo sơ kết công tác cải cách hành chính 6 tháng đầu năm 2016"
ITEMS = ("Khai mạc, giới thiệu đại biểu", "Thảo luận dự thảo báo cáo sơ kết công tác CCHC")
PARAGRAPHS = [
    "I. Kết quả đạt được",
    "Công tác cải cách hành chính được triển khai đồng bộ, đạt nhiều kết quả tích cực.",
    "Việc ứng dụng công nghệ thông tin tại các điểm cầu địa phương còn chậm so với kế hoạch.",
    "Tập trung thực hiện 7 nhiệm vụ CCHC trong 6 tháng cuối năm 2016.",
]
OPEN_REMARK = "Đề nghị bổ sung số liệu về thủ tục hành chính ở các tỉnh Tây Nguyên."
CHALLENGED_REMARK = "Đề nghị nêu rõ nguyên nhân chậm ứng dụng công nghệ thông tin."
EXPLANATION = "Nguyên nhân đã nêu tại Phụ lục 2, không nhắc lại trong báo cáo."
ROOM_PEOPLE = 6
INVITED_UNITS, QUORUM, PRESENT_UNITS = 6, 4, 4


@dataclass
class Scene:
    conference_id: int
    draft_id: int
    item_id: int
    chair_email: str
    secretary_email: str
    organizer_email: str
    site_name: str
    join_path: str


@pytest.fixture
def scene(db, make) -> Scene:
    ubdt = make.unit("UBDT", name_vi="Ủy ban Dân tộc", name_en="Committee", kind=UnitKind.committee)
    office = make.unit("VP", name_vi="Văn phòng Ủy ban", name_en="Office", parent=ubdt)
    personnel = make.unit(
        "TCCB", name_vi="Vụ Tổ chức cán bộ", name_en="Department of Personnel", parent=ubdt
    )
    legal = make.unit("PC", name_vi="Vụ Pháp chế", name_en="Legal Department", parent=ubdt)
    dp2, dp3 = (
        make.unit(
            code,
            name_vi=f"Vụ Địa phương {roman}",
            name_en=f"Regional Department {roman}",
            kind=UnitKind.regional_office,
            parent=ubdt,
        )
        for code, roman in (("DP2", "II"), ("DP3", "III"))
    )
    organizer = make.organizer(unit=office, full_name="Nguyễn Thị Thu", email="thuky@ubdt.test")
    chair = make.user(unit=ubdt, full_name="Hà Hùng", email="hahung@ubdt.test")
    secretary = make.user(
        unit=personnel, full_name="Trần Minh Đức", email="thuky.hoinghi@ubdt.test"
    )
    reader2 = make.user(unit=dp2, full_name="Trương Văn Nam", email="dp2@ubdt.test")
    reader3 = make.user(unit=dp3, full_name="H'Linh Niê", email="dp3@ubdt.test")

    now = datetime.now(UTC).replace(microsecond=0)
    conference = make.conference(
        organizer=organizer,
        chair=chair,
        status=ConferenceStatus.live,
        title=TITLE,
        starts_at=now - timedelta(minutes=30),
        ends_at=now + timedelta(hours=2),
        venue="Hội trường tầng 2",
    )
    make.participant(conference, user=secretary, role=ConferenceRole.secretary)
    make.participant(conference, unit=legal, headcount=3)
    make.participant(conference, unit=dp2, attendance=Attendance.remote, headcount=2)
    make.participant(conference, unit=dp3, attendance=Attendance.remote, headcount=5)
    items = [
        AgendaItem(conference_id=conference.id, position=n, title=title, planned_minutes=30)
        for n, title in enumerate(ITEMS, start=1)
    ]
    db.session.add_all(items)
    db.session.flush()
    discussed = items[1]

    draft = make.draft(
        conference, personnel, PARAGRAPHS, title=DRAFT_TITLE, agenda_item_id=discussed.id
    )
    version = draft.latest
    make.circulation(version, [dp2, dp3, legal])
    # Contested: a comment nobody answered yet, and an explanation its author challenged.
    make.comment(version, reader2, anchor="p2", body=OPEN_REMARK)
    challenged = make.comment(version, reader3, anchor="p3", body=CHALLENGED_REMARK)
    make.disposition(challenged, "explained", EXPLANATION, challenged=True)
    # Settled: an accepted comment is not a discussion point.
    accepted = make.comment(version, reader3, anchor="p4", body="Đề nghị ghi rõ thời hạn.")
    make.disposition(accepted, "accepted")

    site = services.create_site(
        actor=organizer, conference=conference, unit_id=dp3.id, expected_headcount=5
    )
    db.session.commit()
    return Scene(
        conference_id=conference.id,
        draft_id=draft.id,
        item_id=discussed.id,
        chair_email=chair.email,
        secretary_email=secretary.email,
        organizer_email=organizer.email,
        site_name=site.name,
        join_path=f"/join/{site.token}",
    )


def room_path(scene: Scene, page: str = "live") -> str:
    return f"/conferences/{scene.conference_id}/{page}"


def person_in_room(new_page, name: str, email: str, path: str):
    page = new_page(name)
    log_in(page, email)
    page.goto(path)
    connected(page)
    mark_loaded(page)
    return page


def stored_vote(db) -> AdoptionVote:
    db.session.expire_all()
    return db.session.query(AdoptionVote).one()


def discussion_points_shown(page, scene: Scene) -> None:
    draft = page.locator(f"[data-testid='draft-{scene.draft_id}']")
    expect(draft.get_by_test_id("draft-title")).to_have_text(DRAFT_TITLE)
    points = draft.get_by_test_id("discussion-points").locator("li")
    expect(points).to_have_count(2)
    expect(points.nth(0)).to_have_attribute("data-anchor", "p2")
    expect(points.nth(0)).to_contain_text(PARAGRAPHS[1])
    expect(points.nth(1)).to_have_attribute("data-anchor", "p3")
    expect(points.nth(1)).to_contain_text(PARAGRAPHS[2])


def test_the_chair_calls_the_vote_and_everyone_sees_the_result(app, db, scene, new_page):
    chair = person_in_room(new_page, "chair", scene.chair_email, room_path(scene))
    secretary = person_in_room(new_page, "secretary", scene.secretary_email, room_path(scene))
    display = person_in_room(
        new_page, "display", scene.organizer_email, room_path(scene, "display")
    )

    site = new_page("site")
    site.goto(scene.join_path)
    expect(site).to_have_url(re.compile(rf"/conferences/{scene.conference_id}/live$"))
    connected(site)
    mark_loaded(site)
    expect(chair.locator("[data-testid='sites'] li[data-state='connected']")).to_contain_text(
        scene.site_name
    )

    # No draft is under discussion until its agenda item starts
    expect(site.get_by_test_id("adoption")).to_be_hidden()
    chair.get_by_test_id(f"item-start-{scene.item_id}").click()

    # The contested paragraphs are listed in the room and at the site, in text order
    for page in (chair, secretary, site):
        expect(page.get_by_test_id("adoption")).to_be_visible()
        discussion_points_shown(page, scene)
    # Only the chair (or an organizer) may call the vote: not the site, not the secretary
    expect(site.get_by_test_id(f"vote-open-{scene.draft_id}")).to_have_count(0)
    expect(secretary.get_by_test_id(f"vote-open-{scene.draft_id}")).to_have_count(0)

    # The chair calls the vote; it opens everywhere
    chair.get_by_test_id(f"vote-open-{scene.draft_id}").click()
    vote_box = chair.locator("[data-testid='vote'][data-vote-id]")
    expect(vote_box).to_be_visible()
    for page in (secretary, site):
        expect(page.locator("[data-testid='vote'][data-vote-id]")).to_be_visible()
    expect(display.get_by_test_id("display-vote")).to_be_visible()
    expect(display.get_by_test_id("display-vote")).to_contain_text(DRAFT_TITLE)
    expect(chair.get_by_test_id("vote-total-agree_with_comments")).to_have_text("0")
    expect(chair.get_by_test_id("vote-close")).to_be_visible()
    expect(site.get_by_test_id("vote-close")).to_have_count(0)
    expect(site.get_by_test_id("hand-count")).to_have_count(0)

    # The site answers "agree with comments"; the chair's tally and the display follow
    answer = site.get_by_test_id("my-vote").get_by_test_id("vote-answer-agree_with_comments")
    answer.click()
    expect(answer).to_have_attribute("aria-pressed", "true")
    expect(chair.get_by_test_id("vote-total-agree_with_comments")).to_have_text("1")
    expect(chair.get_by_test_id("ballots")).to_contain_text("DP3")
    expect(display.get_by_test_id("display-vote-agree_with_comments")).to_have_text("1")

    # The secretary miscounts: more hands than people in the hall is refused, nothing changes
    seq_before = current_seq(db, scene.conference_id)
    form = secretary.get_by_test_id("hand-count")
    form.get_by_test_id("hand-agree").fill("6")
    form.get_by_test_id("hand-agree_with_comments").fill("2")
    form.get_by_test_id("hand-disagree").fill("1")
    form.get_by_test_id("hand-save").click()
    toast = secretary.get_by_test_id("toast")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text(
        f"9 hands counted, but the room has {ROOM_PEOPLE} people: check the count."
    )
    assert current_seq(db, scene.conference_id) == seq_before
    vote = stored_vote(db)
    assert (vote.room_agree, vote.room_agree_with_comments, vote.room_disagree) == (None,) * 3
    expect(chair.get_by_test_id("vote-total-agree")).to_have_text("0")
    expect(chair.get_by_test_id("vote-total-agree_with_comments")).to_have_text("1")
    # ... and what the secretary typed is still there to correct
    expect(form.get_by_test_id("hand-agree")).to_have_value("6")

    # The corrected count: the hall's hands add to the units' answers, on every screen
    form.get_by_test_id("hand-agree").fill("4")
    form.get_by_test_id("hand-agree_with_comments").fill("1")
    form.get_by_test_id("hand-save").click()
    totals = {"agree": "4", "agree_with_comments": "2", "disagree": "1"}
    for answer_name, total in totals.items():
        expect(chair.get_by_test_id(f"vote-total-{answer_name}")).to_have_text(total)
        expect(site.get_by_test_id(f"vote-total-{answer_name}")).to_have_text(total)
        expect(display.get_by_test_id(f"display-vote-{answer_name}")).to_have_text(total)
    expect(secretary.get_by_test_id("hand-agree")).to_have_value("4")

    # The chair closes the vote (after confirming)
    chair.get_by_test_id("vote-close").click()
    chair.get_by_test_id("confirm-ok").click()

    # The result, with the quorum, reaches the chair, the site and the display
    quorum = _l(
        "%(present)s units present · quorum %(quorum)s of %(invited)s",
        present=PRESENT_UNITS,
        quorum=QUORUM,
        invited=INVITED_UNITS,
    )
    adopted = _l("Adopted")
    for page, locale in ((chair, "en"), (secretary, "en"), (site, "vi")):
        result = page.locator(f"[data-testid='draft-{scene.draft_id}']").get_by_test_id(
            "vote-result"
        )
        expect(result).to_have_attribute("data-adopted", "1")
        expect(result).to_contain_text(translated(app, adopted, locale))
        expect(result.get_by_test_id("vote-result-quorum")).to_contain_text(
            translated(app, quorum, locale)
        )
        expect(page.get_by_test_id("hand-count")).to_have_count(0)
        expect(page.get_by_test_id("my-vote")).to_have_count(0)
    display_result = display.get_by_test_id("display-vote-result")
    expect(display_result).to_have_class(re.compile(r"\bis-adopted\b"))
    expect(display_result).to_contain_text(translated(app, adopted, "en"))
    expect(display.get_by_test_id("display-vote-quorum")).to_have_text(
        translated(app, quorum, "en")
    )
    # The chair may call it again (e.g. on a later version)
    expect(chair.get_by_test_id(f"vote-open-{scene.draft_id}")).to_be_visible()

    # Nobody reloaded, and every page caught up with the last event
    seq = current_seq(db, scene.conference_id)
    for page in (chair, secretary, site, display):
        never_reloaded(page)
        page.wait_for_function(f"() => window.liveRoom.seq === {seq}")

    vote = stored_vote(db)
    assert vote.closed_at is not None and vote.adopted is True
    assert (vote.present_units, vote.quorum) == (PRESENT_UNITS, QUORUM)
    assert (vote.room_agree, vote.room_agree_with_comments, vote.room_disagree) == (4, 1, 1)
    [ballot] = vote.ballots
    assert ballot.answer == VoteAnswer.agree_with_comments
    assert ballot.unit.code == "DP3" and ballot.site_id is not None

    # The draft page keeps the recorded result (the secretary is of the drafting unit)
    link = secretary.locator(f"[data-testid='draft-{scene.draft_id}']").get_by_test_id("draft-link")
    expect(link).to_have_attribute("href", f"/drafts/{scene.draft_id}")
    secretary.goto(f"/drafts/{scene.draft_id}")
    recorded = secretary.get_by_test_id("adoption-votes")
    expect(recorded.get_by_test_id("adoption-result")).to_have_text("Adopted")
    row = recorded.get_by_test_id(f"adoption-vote-{vote.id}")
    expect(row.locator("tbody tr").nth(0)).to_have_text(re.compile(r"Agree\s+0\s+4\s+4"))
    expect(row.locator("tbody tr").nth(1)).to_have_text(re.compile(r"comments\s+1\s+1\s+2"))
    expect(row.locator("tbody tr").nth(2)).to_have_text(re.compile(r"Disagree\s+0\s+1\s+1"))
    expect(row).to_contain_text(f"{PRESENT_UNITS} units present · quorum {QUORUM}")
