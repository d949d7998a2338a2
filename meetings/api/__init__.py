"""The JSON API under /api/v1, described by the OpenAPI document flask-smorest generates."""

from flask import Flask


def register_api(app: Flask) -> None:
    pass
