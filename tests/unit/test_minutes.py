"""The minutes: generated from what the system recorded, edited with every revision kept,
exported as .docx and PDF and read back."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from meetings.agenda.models import AgendaItem
from meetings.conferences.models import ConferenceStatus
from meetings.directives import documents, minutes
from meetings.directives.models import MinutesRevision
from meetings.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.extensions import db
from meetings.live.models import FloorRequest, FloorStatus
from tests import notices_scene
from tests.notices_scene import DIRECTIVE_1, DIRECTIVE_2, DRAFT_DIRECTIVE, at, normalized
from tests.unit.test_notices import require_fonts


@pytest.fixture
def scene(make):
    return notices_scene.build(make)


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(MinutesRevision))


def test_the_minutes_are_generated_from_the_record(scene):
    revision = minutes.generate_minutes(actor=scene.secretary, conference=scene.conference)

    assert (revision.number, revision.generated, revision.saved_by_id) == (
        1,
        True,
        scene.secretary.id,
    )
    body = revision.body
    # time and place, as it ran: from the first item's start to the last item's end
    assert "15:15" in body and "17:20" in body and "20/09/2016" in body
    assert "Hội trường tầng 2" in body
    # attendance in the room, with check-in times, and per remote site with its spells
    assert "Thứ trưởng, Phó Chủ nhiệm Hà Hùng" in body
    assert "Trần Minh Đức" in body
    assert "Lê Thị Hoa (Phó Vụ trưởng Vụ Pháp chế)" in body and "15:05" in body
    assert "**Vụ Tổ chức cán bộ**" in body and "15:08" in body
    assert "**Điểm cầu Vụ Địa phương II** (Cần Thơ)" in body
    assert "15:10–16:02, 16:05–17:21" in body  # the second screen does not end the spell
    # the agenda with actual times, the skipped item marked, who had the floor, the vote
    assert "### 2. Báo cáo sơ kết công tác cải cách hành chính (15:27–15:50)" in body
    assert "### 4. Phần việc không thực hiện (" in body
    assert "Lê Thị Hoa (15:52–15:58)" in body
    assert "Điểm cầu Vụ Địa phương II (điểm cầu trực tuyến, 16:10–16:16)" in body
    assert "Báo cáo sơ kết công tác cải cách hành chính" in body and "(8" in body
    # the confirmed directives with lead units and deadlines; the draft one only counted
    assert DIRECTIVE_1 in body and DIRECTIVE_2 in body
    assert "Vụ Tổ chức cán bộ" in body and "31/12/2016" in body and "30/11/2016" in body
    assert DRAFT_DIRECTIVE not in body


def test_the_generation_makes_a_fixed_number_of_queries(scene, make, query_counter):
    def queries() -> int:
        db.session.expire_all()
        with query_counter() as statements:
            minutes.generate_markdown(scene.conference)
        return len(statements)

    few = queries()
    for n in range(12):
        item = AgendaItem(
            conference_id=scene.conference.id,
            position=10 + n,
            title=f"Mục {n}",
            presenter_id=make.user().id,
            started_at=at(16, 0),
            ended_at=at(16, 5),
        )
        db.session.add(item)
        db.session.flush()
        db.session.add(
            FloorRequest(
                conference_id=scene.conference.id,
                user_id=make.user().id,
                agenda_item_id=item.id,
                status=FloorStatus.done,
                granted_at=at(16, 1),
                ended_at=at(16, 2),
            )
        )
        make.directive(scene.conference, make.unit(), cooperating_units=[make.unit()])
    db.session.flush()

    assert queries() == few


def test_recorded_text_reads_as_written_in_the_markdown(scene):
    scene.items[0].title = "Mục *quan trọng* #1 <b>"
    db.session.flush()

    body = minutes.generate_markdown(scene.conference)
    html = str(minutes.render(body))

    assert "Mục *quan trọng* #1 &lt;b&gt;" in html
    assert "<em>" not in html.split("Mục")[1][:40]


def test_the_page_never_runs_what_was_typed():
    html = str(
        minutes.render("## Mục\n\n<script>alert(1)</script> [x](javascript:alert(1)) **đậm**")
    )

    assert "<script" not in html and "&lt;script&gt;" in html  # shown, never run
    assert "href" not in html  # no javascript: link
    assert "<h2>Mục</h2>" in html and "<strong>đậm</strong>" in html


@pytest.mark.parametrize("who", ["chair", "delegate", "remote_member"])
def test_only_the_organizers_and_the_secretary_keep_the_minutes(scene, who):
    person = getattr(scene, who)
    with pytest.raises(PermissionDeniedError):
        minutes.generate_minutes(actor=person, conference=scene.conference)
    with pytest.raises(PermissionDeniedError):
        minutes.save_minutes(actor=person, conference=scene.conference, body="x", base=None)
    assert _count() == 0
    assert minutes.generate_minutes(actor=scene.organizer, conference=scene.conference).number == 1


@pytest.mark.parametrize(
    "status", [ConferenceStatus.draft, ConferenceStatus.scheduled, ConferenceStatus.archived]
)
def test_the_minutes_are_written_while_live_or_once_concluded(scene, status):
    scene.conference.status = status
    with pytest.raises(InvalidStateError):
        minutes.generate_minutes(actor=scene.secretary, conference=scene.conference)
    assert _count() == 0


def test_every_save_is_a_new_revision_and_none_is_overwritten(scene):
    first = minutes.generate_minutes(actor=scene.secretary, conference=scene.conference)
    generated = first.body

    second = minutes.save_minutes(
        actor=scene.secretary,
        conference=scene.conference,
        body=generated + "\nThư ký bổ sung: Hội nghị thống nhất cao.\n",
        note="Bổ sung ý kiến",
        base=1,
    )
    third = minutes.generate_minutes(actor=scene.organizer, conference=scene.conference)

    assert [r.number for r in minutes.revisions(scene.conference)] == [3, 2, 1]
    assert (second.number, second.generated, second.note) == (2, False, "Bổ sung ý kiến")
    assert minutes.get_revision(scene.conference, 1).body == generated
    assert "Thư ký bổ sung" in minutes.get_revision(scene.conference, 2).body
    assert minutes.latest(scene.conference) is third
    with pytest.raises(NotFoundError):
        minutes.get_revision(scene.conference, 9)


def test_a_save_on_an_older_revision_is_refused_and_nothing_is_stored(scene):
    minutes.generate_minutes(actor=scene.secretary, conference=scene.conference)
    minutes.generate_minutes(actor=scene.organizer, conference=scene.conference)

    with pytest.raises(ConflictError, match="Revision 2 is the latest"):
        minutes.save_minutes(actor=scene.secretary, conference=scene.conference, body="Mới", base=1)
    with pytest.raises(ConflictError):
        minutes.save_minutes(
            actor=scene.secretary, conference=scene.conference, body="Mới", base=None
        )
    assert _count() == 2


def test_bad_input_is_refused_and_nothing_is_stored(scene):
    current = minutes.generate_minutes(actor=scene.secretary, conference=scene.conference)

    with pytest.raises(ValidationError) as caught:
        minutes.save_minutes(
            actor=scene.secretary, conference=scene.conference, body="  ", note="x" * 501, base=1
        )
    assert set(caught.value.field_errors) == {"body", "note"}
    with pytest.raises(ValidationError, match="Nothing changed"):
        minutes.save_minutes(
            actor=scene.secretary, conference=scene.conference, body=current.body, base=1
        )
    with pytest.raises(ValidationError):
        minutes.save_minutes(
            actor=scene.secretary,
            conference=scene.conference,
            body="x" * (minutes.MAX_BODY + 1),
            base=1,
        )
    assert _count() == 1


def test_site_spells_pair_joins_and_leaves(scene):
    spells = minutes.site_connections(scene.conference)[scene.site.id]

    assert [
        (
            a.astimezone(notices_scene.HANOI).strftime("%H:%M"),
            b and b.astimezone(notices_scene.HANOI).strftime("%H:%M"),
        )
        for a, b in spells
    ] == [
        ("15:10", "16:02"),
        ("16:05", "17:21"),
    ]


def test_markdown_becomes_document_blocks():
    blocks = documents.markdown_blocks(
        "## I. Thành phần\n\n- Chủ trì: **Hà Hùng**\n- Thư ký\n\n1. một\n2. *hai*\n\nĐoạn văn."
    )

    assert [(b.kind, b.label, b.text) for b in blocks] == [
        ("heading", "", "I. Thành phần"),
        ("bullet", "-", "Chủ trì: Hà Hùng"),
        ("bullet", "-", "Thư ký"),
        ("numbered", "1.", "một"),
        ("numbered", "2.", "hai"),
        ("paragraph", "", "Đoạn văn."),
    ]
    assert blocks[1].runs[1].bold and blocks[4].runs[0].italic
    assert blocks[5].indent and not blocks[1].indent


def _exports(scene):
    revision = minutes.generate_minutes(actor=scene.secretary, conference=scene.conference)
    return minutes.document(scene.conference, revision)


def test_the_word_export_reads_back(scene):
    import docx

    doc = _exports(scene)
    document = docx.Document(io.BytesIO(documents.to_docx(doc)))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.extend(p.text for p in cell.paragraphs)
    text = "\n".join(parts)

    for expected in (
        "ỦY BAN DÂN TỘC",
        "VĂN PHÒNG ỦY BAN",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "BIÊN BẢN",
        notices_scene.TITLE,
        "Hà Nội, ngày 20 tháng 9 năm 2016",
        "Điểm cầu Vụ Địa phương II",
        DIRECTIVE_1,
        "31/12/2016",
        "THƯ KÝ",
        "CHỦ TRÌ",
        "Trần Minh Đức",
        "Hà Hùng",
    ):
        assert expected in text, expected
    assert "**" not in text  # Markdown became bold runs
    headings = [p for p in document.paragraphs if p.text.startswith("2. Báo cáo sơ kết")]
    assert headings and all(r.bold for r in headings[0].runs if r.text.strip())


def test_the_pdf_export_reads_back_in_vietnamese(scene):
    require_fonts()
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(documents.to_pdf(_exports(scene))))
    text = normalized("\n".join(page.extract_text() for page in reader.pages))

    for expected in (
        "BIÊN BẢN",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        normalized(notices_scene.TITLE),
        "Lê Thị Hoa",
        "Điểm cầu Vụ Địa phương II",
        normalized(DIRECTIVE_1),
        "31/12/2016",
        "Vụ Tổ chức cán bộ",
        "THƯ KÝ",
        "CHỦ TRÌ",
        "Trần Minh Đức",
    ):
        assert expected in text, expected
    assert len(reader.pages) >= 2
