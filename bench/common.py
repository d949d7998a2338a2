"""What the page benchmarks share: timing one page through the WSGI test client."""

from __future__ import annotations

import statistics
import time

from sqlalchemy import event

from meetings.extensions import db
from tests import factories


def measure_page(app, email: str, url: str, runs: int, warmups: int = 5) -> dict:
    """Log in as `email`, then GET `url` `runs` times after `warmups`: the median and p95
    in ms, the SQL statements of one request, its bytes, and its bytes gzip-compressed."""
    client = app.test_client()
    client.post("/login", data={"email": email, "password": factories.PASSWORD})
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    for _ in range(warmups):  # template compilation, caches, read receipts
        assert client.get(url).status_code == 200
    event.listen(db.engine, "before_cursor_execute", listener)
    response = client.get(url)
    event.remove(db.engine, "before_cursor_execute", listener)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    packed = client.get(url, headers={"Accept-Encoding": "gzip"})
    timings.sort()
    return {
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 2),
        "queries": len(statements),
        "bytes": len(response.get_data()),
        "gzip_bytes": len(packed.get_data()),
    }
