"""Real server processes sharing the test's PostgreSQL database and a Redis message queue.

These tests need PostgreSQL (TEST_DATABASE_URL or DATABASE_URL) and REDIS_URL;
otherwise they are skipped, saying why. .ci/run sets both for its PostgreSQL run
(its SQLite run has REDIS_URL but no PostgreSQL: skipped there, by design).

The processes use the test's own database: a test creates its data, commits,
then starts them (`servers(2)`); they are stopped before the tables are emptied.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import database_url

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30


def missing_services() -> str | None:
    """Why these tests cannot run here, or None."""
    url = database_url()
    redis_url = os.environ.get("REDIS_URL")
    if not url.startswith("postgresql"):
        where = (
            "REDIS_URL is set, but this run uses SQLite; the PostgreSQL run covers it"
            if redis_url
            else "this run uses SQLite and has no REDIS_URL"
        )
        return f"needs PostgreSQL (TEST_DATABASE_URL/DATABASE_URL) and Redis (REDIS_URL): {where}"
    if not redis_url:
        return "needs Redis (REDIS_URL) as the Socket.IO message queue between the processes"
    return None


@pytest.fixture
def require_services():
    reason = missing_services()
    if reason is None:
        return
    if os.environ.get("CI") == "true" and database_url().startswith("postgresql"):
        pytest.fail(f"CI's PostgreSQL run must run the multi-process tests: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def request(self, method: str, path: str, body: dict | None = None, token: str | None = None):
        """(status, JSON body) of an HTTP request to this process."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")


def start_server(port: int, workdir: Path) -> Server:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "SECRET_KEY": "scale-test-secret",
        "SEED_ON_EMPTY": "0",
        "PYTHONUNBUFFERED": "1",
    }
    log_path = workdir / f"server-{port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.scale.server", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    log.close()
    return Server(port, process, log_path)


def wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server on {server.port} exited:\n{server.log()}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(
        f"server on {server.port} did not answer in {START_TIMEOUT} s:\n{server.log()}"
    )


def stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


@pytest.fixture
def servers(require_services, db):
    """servers(n): start n processes (after the test committed its data); all are
    stopped when the test ends, before its tables are emptied."""
    started: list[Server] = []
    workdir = Path(tempfile.mkdtemp(prefix="meetings-scale-"))

    def start(n: int) -> list[Server]:
        new = [start_server(free_port(), workdir) for _ in range(n)]
        started.extend(new)
        for server in new:
            wait_until_up(server)
        return new

    try:
        yield start
    finally:
        for server in started:
            stop(server)
            # Shown by pytest when the test failed.
            print(f"--- server on port {server.port} ---\n{server.log()}")
        shutil.rmtree(workdir, ignore_errors=True)
        db.session.rollback()
