"""The draft page stays within a fixed number of SQL queries, however many paragraphs
and comments it shows (bench/drafts_page.py measures its time)."""

from __future__ import annotations


def _queries(db, make, client, login_as, query_counter, **size):
    organizer = make.organizer()
    conference = make.conference(organizer=organizer)
    draft = make.busy_draft(conference, **size)
    db.session.commit()
    login_as(organizer)
    url = f"/drafts/{draft.id}"
    assert client.get(url).status_code == 200  # first visit: read receipts, caches
    with query_counter() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def test_draft_page_with_300_paragraphs_and_1000_comments_makes_bounded_queries(
    db, make, client, login_as, query_counter
):
    small, _ = _queries(
        db, make, client, login_as, query_counter, paragraphs=3, top_level=2, replies=1
    )
    big, page = _queries(
        db, make, client, login_as, query_counter, paragraphs=300, top_level=800, replies=200
    )
    assert big == small, (small, big)
    assert big <= 20, big
    assert "(ý kiến số 800)" in page  # the comments are on the page, not just counted
