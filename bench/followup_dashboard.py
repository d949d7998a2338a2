"""Render time of the follow-up dashboard with 2,000 directives across 100 conferences,
against the same page with 20 directives of one conference (the baseline).

    .venv/bin/python bench/followup_dashboard.py [--runs 40] [--database-url URL]

Builds its own database (a temporary SQLite file unless --database-url is given; the
tables are created, filled, and dropped at the end). Two secretariats, each with its own
programme: the baseline one has one concluded conference with 20 directives over 4 lead
units; the measured one has 100 concluded conferences with 20 directives each over 20
lead units (each with a cooperating unit), a third open, a third in progress, a third
done, deadlines spread from 40 days past to 80 days ahead (so about a fifth overdue),
and a progress report on every fourth directive (half of them proposing completion).
Logs in as each secretariat's organizer, in Vietnamese, and times GET /followup (the
counts, the chart by unit and the first page of 50 rows, overdue first) through the
WSGI test client, so the figures are the app's own work: routing, queries, template.
On PostgreSQL the tables are ANALYZEd after loading, as autovacuum would. Prints a table and, last, one line of JSON with every figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bench.common import measure_page  # noqa: E402
from meetings import create_app  # noqa: E402
from meetings.conferences.models import ConferenceStatus  # noqa: E402
from meetings.config import TEST_OVERRIDES  # noqa: E402
from meetings.directives.followup import local_today  # noqa: E402
from meetings.directives.models import (  # noqa: E402
    DirectiveStatus,
    ProgressReport,
    ReportReview,
)
from meetings.extensions import db  # noqa: E402
from tests import factories  # noqa: E402

PER_CONFERENCE = 20


def programme(prefix: str, conferences: int, units: int):
    """A secretariat's conferences and their directives; returns its organizer's e-mail."""
    organizer = factories.organizer(locale="vi")  # the interface most people use
    lead_units = [factories.unit(code=f"{prefix}{n:02d}") for n in range(units)]
    today = local_today()
    start = datetime(2016, 1, 4, 1, 0, tzinfo=UTC)
    statuses = (DirectiveStatus.open, DirectiveStatus.in_progress, DirectiveStatus.done)
    directives = []
    for c in range(conferences):
        conference = factories.conference(
            organizer=organizer,
            status=ConferenceStatus.concluded,
            starts_at=start + timedelta(days=3 * c),
            title=f"Hội nghị sơ kết công tác số {c + 1}",
        )
        for n in range(PER_CONFERENCE):
            i = c * PER_CONFERENCE + n
            directives.append(
                factories.directive(
                    conference,
                    lead_units[i % units],
                    text=(
                        f"Kết luận {i + 1}: tiếp tục triển khai kế hoạch cải cách hành chính, "
                        "quy chế dân chủ cơ sở và ứng dụng công nghệ thông tin năm 2016."
                    ),
                    number=n + 1,
                    deadline=today + timedelta(days=(i % 120) - 40),
                    status=statuses[i % 3],
                    cooperating_units=[lead_units[(i + 1) % units]],
                )
            )
    author = factories.user(unit=lead_units[0])
    db.session.add_all(
        ProgressReport(
            directive_id=d.id,
            unit_id=d.lead_unit_id,
            author_id=author.id,
            body="Đã triển khai, đang tổng hợp kết quả.",
            proposes_completion=k % 2 == 0,
            review=ReportReview.pending if k % 2 == 0 else ReportReview.none,
        )
        for k, d in enumerate(directives[::4])
    )
    db.session.commit()
    return organizer.email, len(directives)


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
            small_email, small_n = programme("S", conferences=1, units=4)
            big_email, big_n = programme("B", conferences=100, units=20)
            if db.engine.dialect.name == "postgresql":
                # Statistics, as autovacuum gathers them after a bulk load: without them the
                # planner guesses a handful of rows and picks nested loops.
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            results = {
                f"directives_{small_n}": measure_page(app, small_email, "/followup", args.runs),
                f"directives_{big_n}": measure_page(app, big_email, "/followup", args.runs),
            }
        finally:
            db.session.remove()
            db.drop_all()
    base, big = results[f"directives_{small_n}"], results[f"directives_{big_n}"]
    print(
        f"{'GET /followup':<34}{'median ms':>10}{'p95 ms':>10}{'queries':>9}{'bytes':>10}{'gzip':>8}"
    )
    for label, r in results.items():
        print(
            f"{'dashboard, ' + label.replace('_', ' '):<34}{r['median_ms']:>10}{r['p95_ms']:>10}"
            f"{r['queries']:>9}{r['bytes']:>10}{r['gzip_bytes']:>8}"
        )
    print(
        f"ratio {big_n}/{small_n} directives: {big['median_ms'] / base['median_ms']:.2f}x time, "
        f"{big['queries'] - base['queries']:+d} queries"
    )
    print(
        json.dumps(
            {
                "bench": "followup_dashboard",
                "dialect": url.split(":")[0],
                "runs": args.runs,
                "conferences": 100,
                "directives": big_n,
                **results,
            }
        )
    )


if __name__ == "__main__":
    main()
