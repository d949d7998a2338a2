"""Render time of a draft page with 300 paragraphs and 1,000 comments, against the same
page with no comments (the baseline).

    .venv/bin/python bench/drafts_page.py [--runs 40] [--database-url URL]

Builds its own database (a temporary SQLite file unless --database-url is given;
the tables are created, filled, and dropped at the end): one conference, a
drafting unit, ten recipient units, two drafts of 300 paragraphs each, both
circulated to the ten units. The commented draft gets 1,000 comments from the
units: 800 top-level (a third of them suggestions on a quoted span, half of the
rest with the drafting unit's disposition) and 200 replies. Logs in as the
organizer (who sees every comment), in Vietnamese, and times GET /drafts/<id> through the WSGI
test client, so the figures are the app's own work: routing, queries, Markdown
of the comments, template. Prints a table and, last, one line of JSON with
every figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bench.common import measure_page  # noqa: E402
from meetings import create_app  # noqa: E402
from meetings.config import TEST_OVERRIDES  # noqa: E402
from meetings.extensions import db  # noqa: E402
from tests import factories  # noqa: E402

PARAGRAPHS = 300
TOP_LEVEL = 800
REPLIES = 200


def build():
    organizer = factories.organizer(locale="vi")  # the interface most people use
    conference = factories.conference(organizer=organizer)
    plain = factories.busy_draft(conference, paragraphs=PARAGRAPHS, top_level=0, replies=0)
    commented = factories.busy_draft(
        conference, paragraphs=PARAGRAPHS, top_level=TOP_LEVEL, replies=REPLIES
    )
    db.session.commit()
    return organizer, plain.id, commented.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-')}/bench.sqlite3"
    app = create_app({**TEST_OVERRIDES, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        try:
            organizer, plain_id, commented_id = build()
            results = {
                "no_comments": measure_page(
                    app, organizer.email, f"/drafts/{plain_id}", args.runs, 3
                ),
                "comments_1000": measure_page(
                    app, organizer.email, f"/drafts/{commented_id}", args.runs, 3
                ),
            }
        finally:
            db.session.remove()
            db.drop_all()
    base, big = results["no_comments"], results["comments_1000"]
    print(
        f"{'page (300 paragraphs)':<34}{'median ms':>10}{'p95 ms':>10}{'queries':>9}{'bytes':>10}{'gzip':>8}"
    )
    for label, r in results.items():
        print(
            f"{'draft page, ' + label:<34}{r['median_ms']:>10}{r['p95_ms']:>10}"
            f"{r['queries']:>9}{r['bytes']:>10}{r['gzip_bytes']:>8}"
        )
    print(
        f"ratio 1000/0 comments: {big['median_ms'] / base['median_ms']:.2f}x time, "
        f"{big['queries'] - base['queries']:+d} queries"
    )
    print(
        json.dumps(
            {
                "bench": "drafts_page",
                "dialect": url.split(":")[0],
                "runs": args.runs,
                "paragraphs": PARAGRAPHS,
                "comments": TOP_LEVEL + REPLIES,
                **results,
            }
        )
    )


if __name__ == "__main__":
    main()
