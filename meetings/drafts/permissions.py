"""Who may see and do what with a draft report. Services and views both ask here."""

from __future__ import annotations

from meetings.accounts.models import User
from meetings.conferences import services as conferences
from meetings.conferences.models import Conference, ConferenceRole
from meetings.drafts.models import Draft, DraftVersion


def is_drafter(user: User | None, draft: Draft) -> bool:
    """A member of the drafting unit: writes versions, circulates, answers comments."""
    return user is not None and user.is_authenticated and user.unit_id == draft.drafting_unit_id


def can_manage(user: User | None, draft: Draft, conference: Conference) -> bool:
    """The drafting unit and the conference's organizers (and administrators)."""
    return is_drafter(user, draft) or conferences.can_manage(user, conference)


def presides(user: User | None, conference: Conference) -> bool:
    """The chair and the secretary of the conference: they lead the discussion of the drafts."""
    if user is None or not user.is_authenticated:
        return False
    roles = conferences.roles_of(user, conference)
    return ConferenceRole.chair in roles or ConferenceRole.secretary in roles


def sees_all(user: User | None, draft: Draft, conference: Conference) -> bool:
    """Every version and every comment: the drafting unit, the organizers, and those who
    preside over the meeting (who read but do not write versions or dispositions)."""
    return can_manage(user, draft, conference) or presides(user, conference)


def recipient_unit_ids(version: DraftVersion) -> set[int]:
    return {r.unit_id for c in version.circulations for r in c.recipients}


def can_see_version(
    user: User | None, draft: Draft, version: DraftVersion, conference: Conference
) -> bool:
    """Only the units a version was circulated to see it; the drafters and organizers see all."""
    if user is None or not user.is_authenticated:
        return False
    if sees_all(user, draft, conference):
        return True
    return user.unit_id in recipient_unit_ids(version)


def visible_versions(user: User | None, draft: Draft, conference: Conference) -> list[DraftVersion]:
    return [v for v in draft.versions if can_see_version(user, draft, v, conference)]


def can_see_draft(user: User | None, draft: Draft, conference: Conference) -> bool:
    return bool(visible_versions(user, draft, conference))
