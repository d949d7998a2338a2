"""The conclusion notice: generated from the record, edited, issued (numbered, frozen),
corrected; read back from its .docx and PDF exports in Vietnamese."""

from __future__ import annotations

import io
import os
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from meetings.conferences.models import ConferenceStatus
from meetings.directives import documents, notices
from meetings.directives.models import Notice, NoticeStatus
from meetings.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from meetings.extensions import db
from tests import notices_scene
from tests.notices_scene import DIRECTIVE_1, DIRECTIVE_2, DRAFT_DIRECTIVE, normalized


@pytest.fixture
def scene(make):
    return notices_scene.build(make)


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Notice))


def _generate(scene) -> Notice:
    return notices.generate_notice(actor=scene.organizer, conference=scene.conference)


def _issue(scene, notice, **kwargs) -> Notice:
    kwargs.setdefault("issued_on", date(2016, 9, 22))
    return notices.issue_notice(
        actor=scene.organizer, notice=notice, conference=scene.conference, **kwargs
    )


def _other_conference(scene, make):
    """Another concluded conference of the same host, a few days earlier, with a directive."""
    other = make.conference(
        organizer=scene.organizer,
        chair=scene.chair,
        host_unit=scene.office,
        starts_at=notices_scene.at(8, 0) - timedelta(days=5),
        status=ConferenceStatus.concluded,
    )
    make.directive(other, scene.personnel)
    return other


def require_fonts():
    if not documents.fonts_installed():
        if os.environ.get("CI"):
            pytest.fail("static/vendor/fonts/ is missing: `make vendor` must install the PDF font")
        pytest.skip("the PDF font is not vendored; run `make vendor`")


# --- generating ------------------------------------------------------------------------


def test_a_draft_is_generated_from_the_record(scene):
    notice = _generate(scene)

    assert notice.status == NoticeStatus.draft and notice.number is None
    assert notice.symbol == "TB-UBDT"  # the series of the top body, Ủy ban Dân tộc
    assert notice.issuing_body == "Ủy ban Dân tộc" and notice.parent_body == ""
    assert notice.place == "Hà Nội"
    assert "Thứ trưởng, Phó Chủ nhiệm Hà Hùng" in notice.title
    assert notices_scene.TITLE in notice.title
    summary = notice.summary
    # who chaired, the day, who attended in the room (checked in) and online, what was reviewed
    assert "Thứ trưởng, Phó Chủ nhiệm Hà Hùng" in summary
    assert "ngày 20 tháng 9 năm 2016" in summary.lower()
    assert "Vụ Pháp chế" in summary and "Vụ Tổ chức cán bộ" in summary
    assert "Điểm cầu Vụ Địa phương II" in summary
    assert "Báo cáo sơ kết công tác cải cách hành chính" in summary
    assert "Phần việc không thực hiện" not in summary  # skipped on the day
    assert "(8" in summary  # the adoption vote: 7 hands in the room and one site
    # recipients: the chair and every unit with a directive, then the file copy
    for unit in ("Vụ Tổ chức cán bộ;", "Vụ Pháp chế;", "Vụ Địa phương II;", "Văn phòng Ủy ban;"):
        assert unit in notice.recipients
    assert notice.signer_name == "Hà Hùng"
    # the directives announced: the confirmed ones only, in order
    directives = notices.directives_of(notice, scene.conference)
    assert [d["text"] for d in directives] == [DIRECTIVE_1, DIRECTIVE_2]
    assert directives[0]["lead_unit"]["name_vi"] == "Vụ Tổ chức cán bộ"
    assert [u["code"] for u in directives[0]["cooperating_units"]] == ["PC", "DP2"]
    assert directives[0]["deadline"] == "2016-12-31"


def test_a_later_notice_of_the_same_host_takes_its_series_and_signer(scene, make):
    first = _generate(scene)
    notices.update_notice(
        actor=scene.organizer,
        notice=first,
        conference=scene.conference,
        data={
            "signer_title": "TL. BỘ TRƯỞNG, CHỦ NHIỆM\nCHÁNH VĂN PHÒNG",
            "signer_name": "Nguyễn Văn An",
        },
    )
    later = make.conference(
        organizer=scene.organizer,
        chair=scene.chair,
        status=ConferenceStatus.live,
        host_unit=scene.office,
    )

    second = notices.generate_notice(actor=scene.organizer, conference=later)

    assert second.symbol == "TB-UBDT"
    assert second.signer_title == "TL. BỘ TRƯỞNG, CHỦ NHIỆM\nCHÁNH VĂN PHÒNG"
    assert second.signer_name == "Nguyễn Văn An"


@pytest.mark.parametrize("who", ["chair", "secretary", "delegate"])
def test_only_the_organizers_prepare_the_notice(scene, who):
    with pytest.raises(PermissionDeniedError):
        notices.generate_notice(actor=getattr(scene, who), conference=scene.conference)
    assert _count() == 0


@pytest.mark.parametrize(
    "status", [ConferenceStatus.draft, ConferenceStatus.scheduled, ConferenceStatus.archived]
)
def test_a_notice_is_prepared_only_while_live_or_once_concluded(scene, status):
    scene.conference.status = status

    with pytest.raises(InvalidStateError):
        _generate(scene)
    assert _count() == 0


def test_one_draft_at_a_time_and_no_second_notice_once_issued(scene):
    notice = _generate(scene)
    with pytest.raises(ConflictError, match="draft notice exists"):
        _generate(scene)
    _issue(scene, notice)
    with pytest.raises(InvalidStateError, match="correction"):
        _generate(scene)
    assert _count() == 1


def test_people_who_cannot_see_the_conference_do_not_see_its_notices(scene):
    notice = _generate(scene)

    with pytest.raises(NotFoundError):
        notices.get_notice(notice.id, actor=scene.outsider)
    assert notices.get_notice(notice.id, actor=scene.delegate)[0] is notice
    with pytest.raises(NotFoundError):
        notices.get_notice(notice.id + 1000, actor=scene.organizer)


# --- editing ---------------------------------------------------------------------------


def test_an_edit_is_saved_and_bumps_the_version(scene):
    notice = _generate(scene)
    version = notice.version

    notices.update_notice(
        actor=scene.organizer,
        notice=notice,
        conference=scene.conference,
        data={
            "title": "Kết luận của Thứ trưởng Hà Hùng",
            "symbol": "tb-ubdt",
            "issued_on": "2016-09-23",
        },
        version=version,
    )

    assert notice.title == "Kết luận của Thứ trưởng Hà Hùng"
    assert notice.symbol == "TB-UBDT"  # written in capitals
    assert notice.issued_on == date(2016, 9, 23)
    assert notice.version == version + 1


def test_bad_input_is_refused_field_by_field_and_nothing_changes(scene):
    notice = _generate(scene)
    before = (notice.title, notice.symbol, notice.recipients, notice.issued_on, notice.version)

    with pytest.raises(ValidationError) as caught:
        notices.update_notice(
            actor=scene.organizer,
            notice=notice,
            conference=scene.conference,
            data={
                "title": "   ",
                "symbol": "TB UBDT!",
                "recipients": "\n - \n",
                "issued_on": "2016-09-19",
                "summary": "x" * 20001,
            },
            version=notice.version,
        )

    errors = caught.value.field_errors
    assert set(errors) == {"title", "symbol", "recipients", "issued_on", "summary"}
    assert "before the conference (20/09/2016)" in str(errors["issued_on"][0])
    assert "TB-UBDT" in str(errors["symbol"][0])
    assert (
        notice.title,
        notice.symbol,
        notice.recipients,
        notice.issued_on,
        notice.version,
    ) == before


def test_a_stale_edit_is_refused(scene):
    notice = _generate(scene)
    notices.update_notice(
        actor=scene.organizer, notice=notice, conference=scene.conference, data={"place": "Hà Nội"}
    )
    notices.update_notice(
        actor=scene.organizer, notice=notice, conference=scene.conference, data={"place": "Huế"}
    )

    with pytest.raises(ConflictError):
        notices.update_notice(
            actor=scene.organizer,
            notice=notice,
            conference=scene.conference,
            data={"place": "Đà Nẵng"},
            version=1,
        )
    assert notice.place == "Huế"


# --- issuing ---------------------------------------------------------------------------


def test_issuing_numbers_the_notice_in_its_series_and_freezes_it(scene, make):
    notice = _generate(scene)

    _issue(scene, notice)

    assert notice.status == NoticeStatus.issued
    assert (notice.number, notice.year, notice.reference) == (1, 2016, "1/TB-UBDT")
    assert notice.issued_on == date(2016, 9, 22) and notice.issued_by_id == scene.organizer.id
    # The directives are frozen: a later change of the record does not reach the notice.
    scene.directives[0].text = "Đã sửa sau khi ban hành."
    db.session.flush()
    assert notices.directives_of(notice, scene.conference)[0]["text"] == DIRECTIVE_1
    # The next notice of the series in 2016 is number 2; a new year starts again at 1.
    other = _other_conference(scene, make)
    second = notices.generate_notice(actor=scene.organizer, conference=other)
    notices.issue_notice(
        actor=scene.organizer, notice=second, conference=other, issued_on=date(2016, 10, 3)
    )
    assert second.reference == "2/TB-UBDT"
    assert notices.next_number("TB-UBDT", 2017) == 1


def test_an_issued_notice_can_no_longer_be_edited_or_deleted(scene):
    notice = _issue(scene, _generate(scene))

    with pytest.raises(InvalidStateError, match="1/TB-UBDT"):
        notices.update_notice(
            actor=scene.organizer, notice=notice, conference=scene.conference, data={"title": "X"}
        )
    with pytest.raises(InvalidStateError):
        notices.delete_notice(actor=scene.organizer, notice=notice, conference=scene.conference)
    with pytest.raises(InvalidStateError):
        _issue(scene, notice)
    assert notice.title != "X"


def test_the_number_the_register_gave_is_used_unless_it_is_taken(scene, make):
    notice = _generate(scene)
    other = _other_conference(scene, make)
    taken = notices.generate_notice(actor=scene.organizer, conference=other)
    notices.issue_notice(
        actor=scene.organizer,
        notice=taken,
        conference=other,
        number=57,
        issued_on=date(2016, 9, 21),
    )

    with pytest.raises(ValidationError) as caught:
        _issue(scene, notice, number=57)
    assert "57/TB-UBDT" in str(caught.value.field_errors["number"][0])
    assert notice.status == NoticeStatus.draft and notice.number is None

    with pytest.raises(ValidationError):
        _issue(scene, notice, number="abc")
    _issue(scene, notice, number="123")
    assert notice.reference == "123/TB-UBDT"


def test_issuing_waits_for_the_conclusion_a_signer_and_a_confirmed_directive(scene):
    scene.conference.status = ConferenceStatus.live
    notice = _generate(scene)
    with pytest.raises(InvalidStateError, match="Conclude the conference"):
        _issue(scene, notice)

    scene.conference.status = ConferenceStatus.concluded
    notices.update_notice(
        actor=scene.organizer, notice=notice, conference=scene.conference, data={"signer_name": ""}
    )
    with pytest.raises(ValidationError) as caught:
        _issue(scene, notice)
    assert set(caught.value.field_errors) == {"signer_name"}

    notices.update_notice(
        actor=scene.organizer,
        notice=notice,
        conference=scene.conference,
        data={"signer_name": "An"},
    )
    for directive in scene.directives:
        db.session.delete(directive)
    db.session.flush()
    with pytest.raises(InvalidStateError, match="no confirmed directive"):
        _issue(scene, notice)
    assert notice.status == NoticeStatus.draft


def test_the_chair_cannot_issue(scene):
    notice = _generate(scene)
    with pytest.raises(PermissionDeniedError):
        notices.issue_notice(actor=scene.chair, notice=notice, conference=scene.conference)
    assert notice.status == NoticeStatus.draft


# --- correcting ------------------------------------------------------------------------


def test_a_correction_is_a_new_draft_that_names_the_notice_it_replaces(scene):
    original = _issue(scene, _generate(scene))

    correction = notices.correct_notice(
        actor=scene.organizer, notice=original, conference=scene.conference
    )

    assert correction.id != original.id and correction.status == NoticeStatus.draft
    assert correction.replaces_id == original.id
    assert "1/TB-UBDT" in correction.summary.splitlines()[0]
    assert "22/09/2016" in correction.summary.splitlines()[0]
    assert "1/TB-UBDT" in correction.title
    assert notices.replaced_by(original) is correction
    assert original.status == NoticeStatus.issued  # untouched
    with pytest.raises(ConflictError, match="being drafted"):
        notices.correct_notice(actor=scene.organizer, notice=original, conference=scene.conference)
    with pytest.raises(InvalidStateError):
        notices.correct_notice(
            actor=scene.organizer, notice=correction, conference=scene.conference
        )

    _issue(scene, correction, issued_on=date(2016, 9, 26))
    assert correction.reference == "2/TB-UBDT"
    with pytest.raises(InvalidStateError, match="2/TB-UBDT"):
        notices.correct_notice(actor=scene.organizer, notice=original, conference=scene.conference)


# --- the document ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, expected",
    [
        (date(2016, 9, 20), "ngày 20 tháng 9 năm 2016"),
        (date(2017, 2, 5), "ngày 05 tháng 02 năm 2017"),
        (date(2016, 1, 15), "ngày 15 tháng 01 năm 2016"),
        (date(2016, 12, 3), "ngày 03 tháng 12 năm 2016"),
    ],
)
def test_dates_are_written_as_the_decree_says(day, expected):
    assert documents.vietnamese_date(day) == expected


def test_a_draft_document_is_marked_and_leaves_room_for_number_and_day(scene):
    notice = _generate(scene)

    doc = notices.document(notice, scene.conference)

    assert doc.draft
    assert doc.reference.startswith("Số:") and doc.reference.endswith("/TB-UBDT")
    assert "1/" not in doc.reference
    assert doc.place_date.startswith("Hà Nội, ngày") and doc.place_date.endswith("năm 2016")
    assert doc.kind == "THÔNG BÁO"


def _docx_text(data: bytes) -> tuple[str, object]:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.extend(p.text for p in cell.paragraphs)
    return "\n".join(parts), document


def test_the_word_export_has_the_decree_layout_and_the_vietnamese_text(scene):
    notice = _issue(scene, _generate(scene))

    text, document = _docx_text(documents.to_docx(notices.document(notice, scene.conference)))

    for expected in (
        "ỦY BAN DÂN TỘC",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 1/TB-UBDT",
        "Hà Nội, ngày 22 tháng 9 năm 2016",
        "THÔNG BÁO",
        "Nơi nhận:",
        "- Vụ Tổ chức cán bộ;",
        "Hà Hùng",
        DIRECTIVE_1,
        DIRECTIVE_2,
        "Vụ Tổ chức cán bộ",
        "Vụ Pháp chế, Vụ Địa phương II",
        "31/12/2016",
        "30/11/2016",
    ):
        assert expected in text, expected
    assert DRAFT_DIRECTIVE not in text and "DỰ THẢO" not in text
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    margins = [
        round(m.mm)
        for m in (
            section.top_margin,
            section.bottom_margin,
            section.left_margin,
            section.right_margin,
        )
    ]
    assert margins == [20, 20, 30, 15]
    normal = document.styles["Normal"].font
    assert normal.name == "Times New Roman" and normal.size.pt == 14
    motto = next(
        run
        for table in document.tables
        for cell in table.rows[0].cells
        for p in cell.paragraphs
        for run in p.runs
        if run.text == "Độc lập - Tự do - Hạnh phúc"
    )
    assert motto.bold and motto.underline
    numbered = [p for p in document.paragraphs if p.text.startswith("1. ")]
    assert numbered and any(r.italic and "31/12/2016" in r.text for r in numbered[0].runs)
    assert document.core_properties.language == "vi-VN"


def test_the_pdf_export_reads_back_in_vietnamese(scene):
    require_fonts()
    from pypdf import PdfReader

    notice = _issue(scene, _generate(scene))

    reader = PdfReader(io.BytesIO(documents.to_pdf(notices.document(notice, scene.conference))))

    text = normalized("\n".join(page.extract_text() for page in reader.pages))
    for expected in (
        "ỦY BAN DÂN TỘC",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 1/TB-UBDT",
        "Hà Nội, ngày 22 tháng 9 năm 2016",
        "THÔNG BÁO",
        "Nơi nhận:",
        normalized(DIRECTIVE_1),
        normalized(DIRECTIVE_2),
        "Vụ Tổ chức cán bộ",
        "Vụ Địa phương II",
        "31/12/2016",
        "30/11/2016",
        "Hà Hùng",
    ):
        assert expected in text, expected
    assert DRAFT_DIRECTIVE[:30] not in text
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    assert reader.metadata.title == notice.title


def test_without_the_vendored_font_the_pdf_is_refused_with_a_clear_message(
    scene, monkeypatch, tmp_path
):
    notice = _generate(scene)
    monkeypatch.setattr(documents, "font_folder", lambda: tmp_path)

    with pytest.raises(documents.ExportUnavailableError, match="make vendor"):
        documents.to_pdf(notices.document(notice, scene.conference))


def test_recipient_lines_are_dashed_once():
    assert documents.recipient_lines("Bộ trưởng (để b/c);\n- Lưu: VT, VP.\n\n  • Các vụ;") == [
        "- Bộ trưởng (để b/c);",
        "- Lưu: VT, VP.",
        "- Các vụ;",
    ]
