"""Render time of the conference page with 200 participants, against 20 (the baseline).

    .venv/bin/python bench/conference_page.py [--runs 60] [--database-url URL]

Builds its own database (a temporary SQLite file unless --database-url is given;
the tables are created, filled, and dropped at the end), logs in as the
organizer and times GET /conferences/<id> through the WSGI test client, so the
figures are the app's own work: routing, queries, template. Prints a table and,
last, one line of JSON with every figure.
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
from meetings.conferences.models import Attendance, ConferenceRole  # noqa: E402
from meetings.config import TEST_OVERRIDES  # noqa: E402
from meetings.extensions import db  # noqa: E402
from tests import factories  # noqa: E402


def build(people: int, units: int):
    organizer = factories.organizer()
    conference = factories.conference(organizer=organizer, chair=factories.user())
    for i in range(people):
        factories.participant(
            conference,
            user=factories.user(),
            role=ConferenceRole.delegate if i % 5 else ConferenceRole.presenter,
        )
    for i in range(units):
        factories.participant(
            conference,
            unit=factories.unit(),
            attendance=Attendance.remote if i % 3 == 0 else Attendance.in_room,
            headcount=3,
        )
    db.session.commit()
    return organizer, conference.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-')}/bench.sqlite3"
    app = create_app({**TEST_OVERRIDES, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    results = {}
    with app.app_context():
        db.drop_all()
        db.create_all()
        try:
            for label, people, units in (("baseline_20", 10, 10), ("participants_200", 100, 100)):
                organizer, conference_id = build(people, units)
                results[label] = measure_page(
                    app, organizer.email, f"/conferences/{conference_id}", args.runs
                )
        finally:
            db.session.remove()
            db.drop_all()
    base, big = results["baseline_20"], results["participants_200"]
    print(f"{'page':<34}{'median ms':>10}{'p95 ms':>10}{'queries':>9}{'bytes':>9}{'gzip':>8}")
    for label, r in results.items():
        print(
            f"{'conference page, ' + label:<34}{r['median_ms']:>10}{r['p95_ms']:>10}"
            f"{r['queries']:>9}{r['bytes']:>9}{r['gzip_bytes']:>8}"
        )
    print(
        f"ratio 200/20: {big['median_ms'] / base['median_ms']:.2f}x time, "
        f"{big['queries'] - base['queries']:+d} queries"
    )
    print(
        json.dumps(
            {"bench": "conference_page", "dialect": url.split(":")[0], "runs": args.runs, **results}
        )
    )


if __name__ == "__main__":
    main()
