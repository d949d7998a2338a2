"""The public summary through the test client: the organizers' page (who may, bad input,
conflicts), the public news pages (anonymous, light, Vietnamese first, printable), the view
counter, and that nothing unpublished or internal reaches the public."""

from __future__ import annotations

import io
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from meetings.conferences.models import Conference, ConferenceStatus
from meetings.db import unit_of_work
from meetings.directives import summaries
from meetings.directives.models import PublicSummary
from meetings.extensions import db as _db
from tests.conftest import count_queries
from tests.http.test_conferences import build_scene

S = ConferenceStatus
TITLE = "Sơ kết công tác cải cách hành chính và thực hiện quy chế dân chủ 6 tháng đầu năm 2016"
LEAD = "Chiều ngày 20/9/2016, Ủy ban Dân tộc tổ chức Hội nghị sơ kết công tác CCHC và QCDC."
BODY = (
    "Tham dự Hội nghị có Lãnh đạo các vụ, đơn vị thuộc UBDT.\n\n"
    "Các đại biểu cơ bản nhất trí với nội dung dự thảo 2 báo cáo.\n\n"
    "<script>alert('x')</script> **tiếp tục** thực hiện nghiêm túc kế hoạch CCHC."
)
CAPTION = "Toàn cảnh Hội nghị"


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


@pytest.fixture
def scene(db, make):
    return build_scene(db, make, status=S.live)


def conference(scene) -> Conference:
    _db.session.expire_all()
    return _db.session.get(Conference, scene.conference)


def jpeg(width=1200, height=800) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (164, 22, 26)).save(out, "JPEG")
    return out.getvalue()


def write(scene, *, publish=False, photo=True, title=TITLE, conf=None) -> str:
    """A summary made through the services and committed; its slug."""
    conf = conf or conference(scene)
    with unit_of_work():
        summary = summaries.save_summary(
            actor=scene.organizer,
            conference=conf,
            data={
                "title": title,
                "lead": LEAD,
                "body": BODY,
                "photo_caption": CAPTION,
                "author_name": "Ngọc Ánh",
            },
            version=None,
            photo_filename="toan-canh.jpg" if photo else None,
            photo_stream=io.BytesIO(jpeg()) if photo else None,
        )
        if publish:
            summaries.publish_summary(actor=scene.organizer, conference=conf)
        slug = summary.slug
    return slug


def stored(scene) -> PublicSummary | None:
    _db.session.expire_all()
    return _db.session.scalar(
        select(PublicSummary).where(PublicSummary.conference_id == scene.conference)
    )


def views(slug) -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(PublicSummary.view_count).where(PublicSummary.slug == slug))


def form(**changes) -> dict:
    return {
        "title": TITLE,
        "lead": LEAD,
        "body": BODY,
        "photo_caption": CAPTION,
        "author_name": "Ngọc Ánh",
        "version": "",
    } | changes


# --- who may use the organizers' page ------------------------------------------------------

L, OK = "login", "ok"
EXPECTED = {
    "anonymous": L,
    "outsider": 404,
    "delegate": 403,
    "unit_member": 403,
    "secretary": 403,
    "chair": 403,
    "organizer": OK,
    "admin": OK,
}
ROUTES = [
    ("edit form", "GET", "/conferences/{c}/summary", None),
    ("save", "POST", "/conferences/{c}/summary", lambda: form(version="1")),
    ("publish", "POST", "/conferences/{c}/summary/publish", lambda: {}),
    ("unpublish", "POST", "/conferences/{c}/summary/unpublish", lambda: {}),
]


@pytest.mark.parametrize(
    ("route", "role"),
    [pytest.param(r, role, id=f"{r[0]}-{role}") for r in ROUTES for role in EXPECTED],
)
def test_permission_matrix(scene, client, login_as, route, role):
    name, method, url, data = route
    write(scene, publish=name == "unpublish")
    if role != "anonymous":
        login_as(getattr(scene, role))
    response = client.open(url.format(c=scene.conference), method=method, data=data and data())
    expected = EXPECTED[role]
    if expected == L:
        assert response.status_code == 302 and "/login" in response.location
    elif expected == OK:
        assert response.status_code == (200 if method == "GET" else 302)
        assert "/login" not in (response.location or "")
    else:
        assert response.status_code == expected
    summary = stored(scene)
    if expected != OK:  # nothing changed for those refused
        assert summary.version == 1
        assert (summary.published_at is not None) == (name == "unpublish")


# --- the organizers' page ------------------------------------------------------------------


def test_organizer_writes_previews_and_publishes(scene, client, login_as, uploads):
    login_as(scene.organizer)
    page = client.get(f"/conferences/{scene.conference}/summary")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="Hội nghị sơ kết 6 tháng đầu năm 2016"' in html  # the title to start from
    assert 'enctype="multipart/form-data"' in html and 'data-testid="publish"' not in html

    data = form() | {"photo": (io.BytesIO(jpeg()), "Toàn cảnh.jpg")}
    response = client.post(
        f"/conferences/{scene.conference}/summary", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    summary = stored(scene)
    assert summary.title == TITLE and summary.photo_content_type == "image/jpeg"
    assert summary.published_at is None
    assert len(list(uploads.iterdir())) == 2

    html = client.get(f"/conferences/{scene.conference}/summary").get_data(as_text=True)
    assert "Look at the preview, then publish it." in html
    assert 'data-testid="publish"' in html and 'data-testid="current-photo"' in html

    preview = client.get(f"/news/{summary.slug}")
    assert preview.status_code == 200
    assert "this summary is not published" in preview.get_data(as_text=True)
    assert views(summary.slug) == 0  # an organizer's preview is not a view

    response = client.post(
        f"/conferences/{scene.conference}/summary/publish", data={"version": "1"}
    )
    assert response.status_code == 302 and response.location.endswith(f"/news/{summary.slug}")
    assert stored(scene).published_at is not None
    html = client.get(f"/conferences/{scene.conference}/summary").get_data(as_text=True)
    assert "Withdraw from the public pages" in html
    assert f"/news/{summary.slug}" in html

    client.post(f"/conferences/{scene.conference}/summary/unpublish")
    assert stored(scene).published_at is None


def test_publishing_before_the_conference_opens_is_refused(db, make, client, login_as):
    scene = build_scene(db, make, status=S.scheduled)
    write(scene)
    login_as(scene.organizer)
    html = client.get(f"/conferences/{scene.conference}/summary").get_data(as_text=True)
    assert 'data-testid="not-publishable"' in html and 'data-testid="publish"' not in html
    response = client.post(f"/conferences/{scene.conference}/summary/publish")
    assert response.status_code == 409
    assert "once the conference has opened" in response.get_data(as_text=True)
    assert stored(scene).published_at is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "This field is required."),
        ({"body": "   "}, "This field is required."),
        ({"title": "x" * 301}, "Field cannot be longer than 300 characters."),
    ],
)
def test_bad_input_shows_the_form_again_and_stores_nothing(
    scene, client, login_as, uploads, changes, message
):
    login_as(scene.organizer)
    data = form(**changes) | {"photo": (io.BytesIO(jpeg()), "anh.jpg")}
    response = client.post(
        f"/conferences/{scene.conference}/summary", data=data, content_type="multipart/form-data"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and "Nothing was saved" in html
    assert stored(scene) is None
    assert not uploads.exists() or list(uploads.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("anh.jpg", b"MZ\x90\x00 an executable", "is not a PNG or JPEG photo"),
        ("anh.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "is damaged or not a real PNG image"),
    ],
)
def test_a_bad_photo_is_refused_with_a_clear_message(
    scene, client, login_as, uploads, name, content, message
):
    login_as(scene.organizer)
    write(scene, photo=False)
    data = form(version="1", title="Tiêu đề mới") | {"photo": (io.BytesIO(content), name)}
    response = client.post(
        f"/conferences/{scene.conference}/summary", data=data, content_type="multipart/form-data"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert "choose it again if you still want it" in html
    summary = stored(scene)
    assert summary.title == TITLE and summary.version == 1 and summary.photo_storage_key is None
    assert not uploads.exists() or list(uploads.iterdir()) == []


def test_an_upload_over_the_request_limit_is_refused(scene, client, login_as, app, monkeypatch):
    login_as(scene.organizer)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 50_000)
    data = form() | {"photo": (io.BytesIO(b"\xff\xd8\xff" + b"\0" * 80_000), "anh.jpg")}
    response = client.post(
        f"/conferences/{scene.conference}/summary", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/conferences/{scene.conference}/summary")
    assert stored(scene) is None


def test_a_stale_edit_shows_the_conflict_and_keeps_the_saved_text(scene, client, login_as):
    write(scene)
    with unit_of_work():
        summaries.save_summary(
            actor=scene.admin,
            conference=conference(scene),
            data={"title": TITLE, "body": "Bản đã lưu của người khác."},
            version=1,
        )
    login_as(scene.organizer)
    response = client.post(
        f"/conferences/{scene.conference}/summary", data=form(version="1", body="Bản của tôi.")
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'data-testid="conflict"' in html
    assert "Bản của tôi." in html and "Bản đã lưu của người khác." in html
    assert stored(scene).body == "Bản đã lưu của người khác."


def test_organizers_find_the_page_from_the_conference(scene, client, login_as):
    login_as(scene.organizer)
    html = client.get(f"/conferences/{scene.conference}").get_data(as_text=True)
    assert f"/conferences/{scene.conference}/summary" in html
    login_as(scene.delegate)
    html = client.get(f"/conferences/{scene.conference}").get_data(as_text=True)
    assert f"/conferences/{scene.conference}/summary" not in html


# --- the public pages ---------------------------------------------------------------------


def test_anyone_reads_a_published_summary_like_the_seed_article(scene, client):
    slug = write(scene, publish=True)
    response = client.get(f"/news/{slug}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="vi">' in html and response.headers["Content-Language"] == "vi"
    assert f'<h1 class="news-title">{TITLE}</h1>' in html
    published = stored(scene).published_at.astimezone(conference(scene).tz)
    assert published.strftime("%d/%m/%Y %H:%M") in html  # the time, in the conference's zone
    assert CAPTION in html and LEAD in html and "Ngọc Ánh" in html
    assert "<strong>tiếp tục</strong>" in html  # Markdown rendered...
    assert "<script>alert" not in html and "&lt;script&gt;" in html  # ...and nothing runs
    assert 'data-testid="views">1<' in html
    assert f'href="/news/{slug}/print"' in html
    assert re.search(rf'src="/news/{slug}/photo\?v=\d+&amp;size=small"', html)


def test_the_public_pages_are_light(scene, client):
    slug = write(scene, publish=True)
    for url in ("/news", f"/news/{slug}", f"/news/{slug}/print"):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert "Set-Cookie" not in response.headers, url  # no session for a reader
        assert response.headers["Cache-Control"] == "no-cache"
        assert "<script" not in html, url
        assert "bootstrap" not in html, url
        assert len(html.encode()) < 20_000, url
    css = client.get("/static/css/news.css")
    assert css.status_code == 200 and len(css.data) < 12_000


def test_english_on_request_and_links_keep_the_language(scene, client):
    slug = write(scene, publish=True)
    vi = client.get(f"/news/{slug}").get_data(as_text=True)
    assert f'href="/news/{slug}?lang=en"' in vi
    en = client.get(f"/news/{slug}?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in en and "Views" in en and "Print" in en
    assert f'href="/news/{slug}/print?lang=en"' in en
    assert 'href="/news?lang=en"' in en
    published = stored(scene).published_at.astimezone(conference(scene).tz)
    assert published.strftime("%d/%m/%Y %H:%M") not in en  # English date format
    assert str(published.year) in en


def test_the_print_view(scene, client):
    slug = write(scene, publish=True)
    response = client.get(f"/news/{slug}/print")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert TITLE in html and LEAD in html and CAPTION in html and "Ngọc Ánh" in html
    assert f'src="/news/{slug}/photo?v=' in html and "size=small" not in html  # full size on paper
    assert f"http://localhost/news/{slug}" in html  # where it came from
    assert 'name="robots" content="noindex"' in html
    assert views(slug) == 0  # printing is not another view


def test_the_photo(scene, client, login_as):
    slug = write(scene)
    for size in ("", "?size=small"):
        assert client.get(f"/news/{slug}/photo{size}").status_code == 404  # not published yet
    login_as(scene.organizer)
    preview = client.get(f"/news/{slug}/photo")
    assert preview.status_code == 200 and preview.headers["Cache-Control"] == "private, no-store"
    client.post(f"/conferences/{scene.conference}/summary/publish")
    client.post("/logout")
    full = client.get(f"/news/{slug}/photo")
    small = client.get(f"/news/{slug}/photo?size=small")
    assert full.status_code == small.status_code == 200
    assert full.mimetype == "image/jpeg" and full.data.startswith(b"\xff\xd8\xff")
    assert full.headers["Cache-Control"] == "public, max-age=3600"
    assert len(small.data) < len(full.data)
    assert Image.open(io.BytesIO(small.data)).size == (640, 427)


def test_the_news_list_newest_first_in_pages(db, make, client):
    organizer = make.organizer()
    start = datetime(2016, 1, 4, 3, 0, tzinfo=UTC)
    for n in range(23):
        conf = make.conference(organizer=organizer, status=S.concluded, title=f"Hội nghị {n}")
        summary = summaries.save_summary(
            actor=organizer,
            conference=conf,
            data={"title": f"Tin số {n:02d}", "lead": f"Tóm tắt {n}", "body": "Nội dung."},
            version=None,
        )
        summary.published_at = start + timedelta(days=n)
    hidden = make.conference(organizer=organizer, status=S.concluded)
    summaries.save_summary(
        actor=organizer,
        conference=hidden,
        data={"title": "Tin chưa đăng", "body": "Chưa đăng."},
        version=None,
    )
    db.session.commit()
    first = client.get("/news").get_data(as_text=True)
    titles = re.findall(r"Tin số (\d\d)", first)
    assert titles == [f"{n:02d}" for n in range(22, 2, -1)]
    assert 'href="/news?page=2"' in first and 'rel="prev"' not in first
    second = client.get("/news?page=2").get_data(as_text=True)
    assert re.findall(r"Tin số (\d\d)", second) == ["02", "01", "00"]
    assert 'rel="next"' not in second and 'href="/news?page=1"' in second
    assert "Tin chưa đăng" not in first + second
    for odd in ("99", "abc", "-3", "0", "9" * 30):
        assert client.get(f"/news?page={odd}").status_code == 200, odd
    assert client.get(f"/news/{summaries_slug(db)}?slug=x&page=2").status_code == 200


def summaries_slug(db) -> str:
    return db.session.scalar(
        select(PublicSummary.slug).where(PublicSummary.published_at.is_not(None))
    )


def test_an_empty_news_list(client, db):
    html = client.get("/news").get_data(as_text=True)
    assert 'data-testid="news-empty"' in html


def test_the_article_page_makes_a_bounded_number_of_queries(db, make, scene, client):
    slug = write(scene, publish=True)
    organizer = make.organizer()
    for n in range(30):
        conf = make.conference(organizer=organizer, status=S.concluded)
        summaries.save_summary(
            actor=organizer, conference=conf, data={"title": f"Tin {n}", "body": "x"}, version=None
        )
        summaries.publish_summary(actor=organizer, conference=conf)
    db.session.commit()
    with count_queries(db.engine) as statements:
        html = client.get(f"/news/{slug}").get_data(as_text=True)
    assert html.count('<li><a href="/news/') == 5  # "Other news"
    assert len(statements) <= 5, statements
    with count_queries(db.engine) as statements:
        client.get("/news")
    assert len(statements) <= 2, statements


# --- the view counter -----------------------------------------------------------------------


def test_views_are_counted_once_per_reader_visit_but_not_for_organizers(scene, client, login_as):
    slug = write(scene, publish=True)
    assert client.get(f"/news/{slug}").status_code == 200
    assert client.get(f"/news/{slug}?lang=en").status_code == 200
    assert views(slug) == 2
    client.head(f"/news/{slug}")
    client.get(f"/news/{slug}", headers={"Sec-Purpose": "prefetch"})
    client.get(f"/news/{slug}", headers={"Purpose": "prefetch"})
    client.get(f"/news/{slug}/print")
    assert views(slug) == 2
    login_as(scene.delegate)  # a logged-in reader who is not an organizer is a reader
    client.get(f"/news/{slug}")
    assert views(slug) == 3
    for who in (scene.organizer, scene.admin):
        login_as(who)
        html = client.get(f"/news/{slug}").get_data(as_text=True)
        assert "your own visits are not counted" in html
        assert 'data-testid="views">3<' in html
    assert views(slug) == 3


def test_simultaneous_readers_are_all_counted(app, scene):
    slug = write(scene, publish=True)
    _db.session.commit()
    readers, visits = 6, 5
    errors: list = []

    def read():
        client = app.test_client()
        for _ in range(visits):
            response = client.get(f"/news/{slug}")
            if response.status_code != 200:
                errors.append(response.status_code)

    threads = [threading.Thread(target=read) for _ in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert views(slug) == readers * visits


# --- nothing unpublished or internal leaks --------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "outsider", "delegate", "chair", "secretary"])
def test_an_unpublished_summary_is_not_found(scene, client, login_as, who):
    slug = write(scene)
    if who != "anonymous":
        login_as(getattr(scene, who))
    for url in (f"/news/{slug}", f"/news/{slug}/print", f"/news/{slug}/photo"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert TITLE not in response.get_data(as_text=True)
    assert TITLE not in client.get("/news").get_data(as_text=True)
    assert views(slug) == 0


def test_a_withdrawn_summary_disappears(scene, client, login_as):
    slug = write(scene, publish=True)
    assert client.get(f"/news/{slug}").status_code == 200
    login_as(scene.organizer)
    client.post(f"/conferences/{scene.conference}/summary/unpublish")
    client.post("/logout")
    assert client.get(f"/news/{slug}").status_code == 404
    assert client.get(f"/news/{slug}/photo").status_code == 404
    assert TITLE not in client.get("/news").get_data(as_text=True)


def test_nothing_internal_reaches_the_public_pages(db, make, scene, client):
    conf = conference(scene)
    unit = make.unit(code="VPDD", name_vi="Văn phòng đại diện bí mật", name_en="Secret Office")
    make.directive(conf, unit, text="Chỉ đạo đã xác nhận không có trong bài viết.")
    make.directive(conf, unit, text="Chỉ đạo nháp chưa xác nhận.", confirmed=False)
    draft = make.draft(
        conf, unit, title="Dự thảo báo cáo nội bộ", paragraphs=["Đoạn văn nội bộ của dự thảo."]
    )
    make.comment(draft.versions[0], scene.delegate, body="Góp ý nội bộ không công khai.")
    db.session.commit()
    slug = write(scene, publish=True)

    secrets = [
        # the people and units invited, and the chair (not named in this summary's text)
        "Nguyễn Thị Thu", "Hà Hùng", "Phạm Văn Long", "Lê Thị Hoa", "Trần Minh Đức",
        "Người Ngoài", "Quản Trị", "Vụ Tổ chức cán bộ", "Vụ Địa phương III", "Văn phòng đại diện bí mật",
        # the conference's own record
        "Hội nghị sơ kết 6 tháng đầu năm 2016", "Hội trường tầng 2", "Dòng một",
        # drafts, comments, directives
        "Dự thảo báo cáo nội bộ", "Đoạn văn nội bộ", "Góp ý nội bộ",
        "Chỉ đạo đã xác nhận", "Chỉ đạo nháp",
        # the way into the internal pages, and the people's addresses
        "/conferences/", "@example.test", "csrf",
    ]  # fmt: skip
    pages = {
        url: client.get(url).get_data(as_text=True)
        for url in ("/news", f"/news/{slug}", f"/news/{slug}/print", f"/news/{slug}?lang=en")
    }
    for url, html in pages.items():
        assert TITLE in html, url
        leaked = [secret for secret in secrets if secret in html]
        assert leaked == [], (url, leaked)
