"""/api/v1/conferences/<id>/sites: the remote sites of a conference and their join links.

Invitees see the sites and their presence; only the organizers see the join
links (token and URL) and add, change, renew or revoke them. Revoking or
renewing a link disconnects the site at once; every change reaches the live
room through the services' events.
"""

from __future__ import annotations

from datetime import datetime

from flask.views import MethodView
from marshmallow import fields

from meetings.accounts.schemas import UnitRefSchema
from meetings.api.base import ApiSchema, in_range, max_length, one_of
from meetings.api.blueprint import ApiBlueprint, actor
from meetings.conferences import services as conferences
from meetings.db import unit_of_work, utcnow
from meetings.live import services
from meetings.live.schemas import EmptySchema
from meetings.live.services import LINK_VALIDITY
from meetings.live.site_routes import join_url

blp = ApiBlueprint(
    "api-sites",
    __name__,
    description="Remote sites of a conference: regional offices joining through their link.",
)

CONFERENCE_PARAMETER = {
    "in": "path",
    "name": "conference_id",
    "description": "The conference's id.",
}
SITE_STATES = ("never", "connected", "reconnecting", "away", "revoked")
VALID_DAYS_HELP = (
    f"How many days the link works, from now: 1 to 365 (default {LINK_VALIDITY.days})."
)


class SiteSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(
        dump_only=True, metadata={"description": "The name shown in the live room."}
    )
    unit = fields.Nested(UnitRefSchema, dump_only=True)
    expected_headcount = fields.Integer(dump_only=True)
    expires_at = fields.DateTime(dump_only=True, metadata={"description": "The link's expiry."})
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    link_valid = fields.Boolean(
        dump_only=True, metadata={"description": "The link works now (not revoked or expired)."}
    )
    state = fields.String(
        dump_only=True,
        validate=one_of(SITE_STATES),
        metadata={
            "description": "never (joined), connected, reconnecting (lost its connection in "
            "the last minute), away, or revoked.",
            "enum": list(SITE_STATES),
        },
    )
    since = fields.DateTime(dump_only=True, allow_none=True)
    connections = fields.Integer(
        dump_only=True, metadata={"description": "Open live-room connections of this site."}
    )
    token = fields.String(
        dump_only=True, metadata={"description": "The join token (organizers only)."}
    )
    join_url = fields.String(
        dump_only=True,
        metadata={"description": "The link to send to the site (organizers only)."},
    )


class SiteCreateSchema(ApiSchema):
    unit_id = fields.Integer(
        required=True,
        strict=True,
        metadata={"description": "A unit invited to the conference, without a site yet."},
    )
    expected_headcount = fields.Integer(
        strict=True,
        validate=in_range(1, 500),
        metadata={"description": "People expected at the site (default 1)."},
    )
    name = fields.String(
        allow_none=True,
        validate=max_length(200),
        metadata={"description": "Name shown in the live room; default: the unit's name."},
    )
    valid_days = fields.Integer(
        strict=True, validate=in_range(1, 365), metadata={"description": VALID_DAYS_HELP}
    )


class SiteUpdateSchema(ApiSchema):
    """Fields to change; leave out what stays the same."""

    name = fields.String(validate=max_length(200))
    expected_headcount = fields.Integer(strict=True, validate=in_range(1, 500))
    valid_days = fields.Integer(
        strict=True,
        validate=in_range(1, 365),
        metadata={"description": "A new expiry, counted from now (the link stays the same)."},
    )


class SiteRenewSchema(ApiSchema):
    valid_days = fields.Integer(
        strict=True, validate=in_range(1, 365), metadata={"description": VALID_DAYS_HELP}
    )


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def site_payload(site, presence: dict, *, manage: bool, now: datetime) -> dict:
    payload = {
        "id": site.id,
        "name": site.name,
        "unit": site.unit,
        "expected_headcount": site.expected_headcount,
        "expires_at": site.expires_at,
        "revoked_at": site.revoked_at,
        "created_at": site.created_at,
        "link_valid": site.is_valid_at(now),
        "state": presence["state"],
        "since": _parse(presence["since"]),
        "connections": presence["connections"],
    }
    if manage:
        payload["token"] = site.token
        payload["join_url"] = join_url(site.token)
    return payload


def _payload_of(conference, site_id: int) -> dict:
    manage = conferences.can_manage(actor(), conference)
    for site, presence in services.sites_with_presence(conference):
        if site.id == site_id:
            return site_payload(site, presence, manage=manage, now=utcnow())
    raise AssertionError("the site was just loaded")  # pragma: no cover


def _load(conference_id: int, site_id: int | None = None):
    conference = conferences.get_conference(conference_id, actor=actor())
    return conference, (services.get_site(conference, site_id) if site_id is not None else None)


@blp.route("")
class Sites(MethodView):
    @blp.response(200, SiteSchema(many=True))
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, conference_id):
        """List the remote sites with their presence (links for organizers only)"""
        conference, _ = _load(conference_id)
        manage = conferences.can_manage(actor(), conference)
        now = utcnow()
        return [
            site_payload(site, presence, manage=manage, now=now)
            for site, presence in services.sites_with_presence(conference)
        ]

    @blp.arguments(SiteCreateSchema)
    @blp.response(201, SiteSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data, conference_id):
        """Add a remote site for an invited unit (organizers)

        The unit must be invited to the conference; a unit has one site (409
        conflict for a second one), and a concluded conference takes no new
        sites (409 invalid_state). The answer carries the join link.
        """
        with unit_of_work():
            conference, _ = _load(conference_id)
            site = services.create_site(actor=actor(), conference=conference, **data)
            site_id = site.id
        return _payload_of(conference, site_id)


@blp.route("/<int:site_id>")
class SiteById(MethodView):
    @blp.response(200, SiteSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, conference_id, site_id):
        """Get one remote site"""
        conference, site = _load(conference_id, site_id)
        return _payload_of(conference, site.id)

    @blp.arguments(SiteUpdateSchema)
    @blp.response(200, SiteSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    def patch(self, data, conference_id, site_id):
        """Change a site's name, expected headcount or link expiry (organizers)"""
        with unit_of_work():
            conference, site = _load(conference_id, site_id)
            services.update_site(actor=actor(), conference=conference, site=site, data=data)
        return _payload_of(conference, site_id)


@blp.route("/<int:site_id>/revoke")
class RevokeSite(MethodView):
    @blp.arguments(EmptySchema)
    @blp.response(200, SiteSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, data, conference_id, site_id):
        """Revoke a site's link (organizers): it stops working and the site is disconnected"""
        with unit_of_work():
            conference, site = _load(conference_id, site_id)
            services.revoke_site(actor=actor(), conference=conference, site=site)
        return _payload_of(conference, site_id)


@blp.route("/<int:site_id>/renew")
class RenewSite(MethodView):
    @blp.arguments(SiteRenewSchema)
    @blp.response(200, SiteSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, data, conference_id, site_id):
        """Give a site a new link (organizers)

        The old link stops working at once (its open connections are cut); a
        revoked site becomes usable again with the new link.
        """
        with unit_of_work():
            conference, site = _load(conference_id, site_id)
            services.renew_site_link(actor=actor(), conference=conference, site=site, **data)
        return _payload_of(conference, site_id)
