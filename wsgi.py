"""Entry point: `gunicorn -k gevent -w 1 wsgi:app` per process, or `python wsgi.py`."""

import os

from meetings import create_app
from meetings.extensions import socketio

app = create_app()

if __name__ == "__main__":
    socketio.run(
        app,
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "5000")),
        allow_unsafe_werkzeug=True,
    )
