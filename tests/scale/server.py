"""One server process for the multi-process tests: `python -m tests.scale.server PORT`.

Reads DATABASE_URL, REDIS_URL and SECRET_KEY from the environment, as in
production (create_app() gives Socket.IO the Redis message queue).
"""

from __future__ import annotations

import sys

from meetings import create_app
from meetings.extensions import socketio


def main() -> None:
    port = int(sys.argv[1])
    app = create_app({"SEED_ON_EMPTY": False, "RATELIMIT_ENABLED": False})
    assert app.config["REDIS_URL"], "REDIS_URL must be set"
    socketio.run(app, host="127.0.0.1", port=port, allow_unsafe_werkzeug=True, log_output=False)


if __name__ == "__main__":
    main()
