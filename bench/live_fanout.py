"""Live fan-out: the time from an organizer's change to every socket client having it.

    .venv/bin/python bench/live_fanout.py [--clients 1,50] [--rounds 40]
        [--database-url URL] [--redis-url URL]

Builds its own database (a temporary SQLite file unless --database-url is given;
its tables are created, filled, and dropped at the end), starts the app as a
server process of its own (socketio.run, threading mode, as `make run`), joins N
python-socketio clients over WebSocket to one live conference (as remote
sites), then, R times, the organizer raises or withdraws a hand through the
JSON API (Bearer token) and the time from sending that request to each client
receiving the "floor" event is recorded. A round's figure is the time until
the LAST client had it. Baseline, in the same run: a bare python-socketio server
(same async mode, same web server, no database) whose HTTP endpoint broadcasts
a message of the same size to the same N clients. Also the server's memory
(resident set) with the clients joined. Prints a table and, last, one line of
JSON with every figure.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NAMESPACE = "/live"
TIMEOUT = 15


# --- the two servers (each runs in a process of its own: `--serve app|bare PORT`) ---------


def serve_app(port: int) -> None:
    from meetings import create_app
    from meetings.extensions import socketio

    app = create_app({"SEED_ON_EMPTY": False, "RATELIMIT_ENABLED": False})
    socketio.run(app, host="127.0.0.1", port=port, allow_unsafe_werkzeug=True, log_output=False)


def serve_bare(port: int, payload_bytes: int) -> None:
    import socketio
    from werkzeug.serving import run_simple

    sio = socketio.Server(async_mode="threading")
    sio.on("connect", lambda sid, environ, auth=None: True, namespace=NAMESPACE)
    counter = {"seq": 0}
    filler = "x" * max(0, payload_bytes - 120)

    def wsgi(environ, start_response):
        if environ["PATH_INFO"] == "/emit":
            counter["seq"] += 1
            message = {"seq": counter["seq"], "type": "floor", "data": {"filler": filler}}
            sio.emit("event", message, namespace=NAMESPACE)
        elif environ["PATH_INFO"] != "/healthz":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"status": "ok"}']

    run_simple("127.0.0.1", port, socketio.WSGIApp(sio, wsgi), threaded=True)


# --- the measuring side ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(kind: str, env: dict, extra: list[str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", kind, str(port), *extra],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):
                return process, url
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"the {kind} server exited") from None
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the {kind} server did not start")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


class Round:
    def __init__(self, expected: int):
        self.expected = expected
        self.arrivals: dict[int, float] = {}
        self.lock = threading.Lock()
        self.done = threading.Event()

    def arrived(self, index: int) -> None:
        now = time.perf_counter()
        with self.lock:
            if index not in self.arrivals:
                self.arrivals[index] = now
                if len(self.arrivals) == self.expected:
                    self.done.set()


class Clients:
    """N python-socketio clients; each notes when it gets a "floor" event."""

    def __init__(self, url: str, n: int, auth: dict | None):
        import socketio

        self.current: Round | None = None
        self.clients = []
        for index in range(n):
            client = socketio.Client(reconnection=False)
            client.on("event", self._handler(index), namespace=NAMESPACE)
            client.connect(
                url,
                namespaces=[NAMESPACE],
                auth=auth or {},
                transports=["websocket"],
                wait_timeout=TIMEOUT,
            )
            self.clients.append(client)

    def _handler(self, index: int):
        def on_event(data):
            current = self.current
            if current is not None and data.get("type") == "floor":
                current.arrived(index)

        return on_event

    def close(self) -> None:
        # In parallel: each client waits up to seconds for the WebSocket close handshake.
        threads = [threading.Thread(target=client.disconnect) for client in self.clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def post(url: str, token: str | None = None) -> None:
    request = urllib.request.Request(url, data=b"{}", method="POST")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        assert response.status == 200, response.status


def run_rounds(clients: Clients, n: int, rounds: int, act) -> tuple[list[float], list[float]]:
    """Per round: ms from sending the change until the last of the n clients had it,
    and ms until the HTTP answer came back."""
    figures, requests = [], []
    for number in range(rounds + 3):
        current = Round(n)
        clients.current = current
        started = time.perf_counter()
        act()
        answered = time.perf_counter()
        if not current.done.wait(TIMEOUT):
            raise RuntimeError(f"only {len(current.arrivals)} of {n} clients got the event")
        if number >= 3:  # the first rounds warm up
            figures.append((max(current.arrivals.values()) - started) * 1000)
            requests.append((answered - started) * 1000)
        clients.current = None
        time.sleep(0.05)
    return figures, requests


def summary(figures: list[float], requests: list[float]) -> dict:
    ordered = sorted(figures)
    p99 = ordered[min(len(ordered) - 1, int(round(len(ordered) * 0.99)) - 1)]
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(p99, 2),
        "max_ms": round(ordered[-1], 2),
        "request_median_ms": round(statistics.median(requests), 2),
    }


def build(database_url: str) -> dict:
    """The database, a live conference with a remote site, the organizer's API token."""
    from flask_migrate import upgrade

    from meetings import create_app
    from meetings.accounts import services as accounts
    from meetings.conferences.models import Attendance, ConferenceStatus
    from meetings.config import TEST_OVERRIDES
    from meetings.db import unit_of_work
    from meetings.live import services
    from tests import factories

    app = create_app({**TEST_OVERRIDES, "SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": None})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        with unit_of_work():
            organizer = factories.organizer()
            conference = factories.conference(
                organizer=organizer, chair=factories.user(), status=ConferenceStatus.live
            )
            unit = factories.unit(name_vi="Vụ Địa phương III", city="Cần Thơ")
            factories.participant(conference, unit=unit, attendance=Attendance.remote)
            site = services.create_site(actor=organizer, conference=conference, unit_id=unit.id)
            _, token = accounts.issue_api_token(actor=organizer, name="bench")
            data = {"conference_id": conference.id, "site_token": site.token, "token": token}
    return {"app": app, **data}


def drop(app) -> None:
    from sqlalchemy import text

    from meetings.extensions import db

    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def measure(sizes: list[int], rounds: int, database_url: str, redis_url: str | None) -> dict:
    built = build(database_url)
    env = {"DATABASE_URL": database_url, "SECRET_KEY": "bench-secret", "SEED_ON_EMPTY": "0"}
    env["REDIS_URL"] = redis_url or ""
    results: dict = {"app": {}, "bare": {}}
    app_process, app_url = start("app", env, [])
    bare_process, bare_url = start("bare", {}, ["--payload-bytes", "700"])
    try:
        results["app_idle_rss_mb"] = rss_mb(app_process.pid)
        results["bare_idle_rss_mb"] = rss_mb(bare_process.pid)
        floor = f"{app_url}/api/v1/conferences/{built['conference_id']}/floor"
        hand = itertools.cycle(["raise", "withdraw"])  # each one a change, whatever N ran before
        for n in sizes:
            auth = {"conference_id": built["conference_id"], "site_token": built["site_token"]}
            clients = Clients(app_url, n, auth)
            try:
                time.sleep(0.5)
                figures = run_rounds(
                    clients, n, rounds, lambda: post(f"{floor}/{next(hand)}", built["token"])
                )
                results["app"][n] = {**summary(*figures), "rss_mb": rss_mb(app_process.pid)}
            finally:
                clients.close()
            bare_clients = Clients(bare_url, n, None)
            try:
                time.sleep(0.5)
                figures = run_rounds(bare_clients, n, rounds, lambda: post(f"{bare_url}/emit"))
                results["bare"][n] = {**summary(*figures), "rss_mb": rss_mb(bare_process.pid)}
            finally:
                bare_clients.close()
            time.sleep(1.0)  # the app publishes the leaving sockets' presence
    finally:
        stop(app_process)
        stop(bare_process)
        drop(built["app"])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="1,50", help="comma-separated N (default 1,50)")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default=None, help="use Redis as the message queue")
    parser.add_argument("--serve", nargs=2, metavar=("KIND", "PORT"), help=argparse.SUPPRESS)
    parser.add_argument("--payload-bytes", type=int, default=700, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        kind, port = args.serve
        serve_app(int(port)) if kind == "app" else serve_bare(int(port), args.payload_bytes)
        return

    sizes = [int(n) for n in args.clients.split(",")]
    workdir = tempfile.mkdtemp(prefix="meetings-bench-")
    database_url = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"
    try:
        results = measure(sizes, args.rounds, database_url, args.redis_url)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    database = database_url.split(":", 1)[0].split("+", 1)[0]
    queue = "Redis" if args.redis_url else "none"
    print(f"Live fan-out, {args.rounds} rounds per N, database {database}, message queue {queue}")
    print("ms from the organizer's HTTP request to the LAST client having the event;")
    print("HTTP: the app's median time to answer that request (it emits before answering)")
    header = f"{'N':>5} | {'app median':>10} {'p99':>8} {'max':>8} {'HTTP':>6} {'RSS MB':>7} |"
    print(header + f" {'bare median':>11} {'p99':>8} {'max':>8} {'RSS MB':>7} | ratio")
    figures = {
        "benchmark": "live_fanout",
        "database": database,
        "message_queue": queue,
        "rounds": args.rounds,
        "app_idle_rss_mb": results["app_idle_rss_mb"],
        "bare_idle_rss_mb": results["bare_idle_rss_mb"],
        "sizes": {},
    }
    for n in sizes:
        app, bare = results["app"][n], results["bare"][n]
        ratio = round(app["median_ms"] / bare["median_ms"], 2) if bare["median_ms"] else None
        print(
            f"{n:>5} | {app['median_ms']:>10} {app['p99_ms']:>8} {app['max_ms']:>8} "
            f"{app['request_median_ms']:>6} {app['rss_mb']:>7} | "
            f"{bare['median_ms']:>11} {bare['p99_ms']:>8} "
            f"{bare['max_ms']:>8} {bare['rss_mb']:>7} | {ratio}"
        )
        figures["sizes"][str(n)] = {"app": app, "bare": bare, "ratio_median": ratio}
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
