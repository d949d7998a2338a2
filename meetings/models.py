"""Every model, imported once so the metadata (and Alembic) sees all tables."""

from meetings.accounts.models import ApiToken, AuditEntry, Unit, User
from meetings.agenda.models import AgendaDocument, AgendaItem
from meetings.conferences.models import Conference, Participant
from meetings.directives.models import (
    Directive,
    MinutesRevision,
    Notice,
    ProgressReport,
    PublicSummary,
    ReportAttachment,
)
from meetings.drafts.models import (
    AdoptionVote,
    Ballot,
    Circulation,
    Comment,
    Disposition,
    Draft,
    DraftVersion,
    Paragraph,
    Recipient,
)
from meetings.live.models import ChatMessage, FloorRequest, LiveConnection, LiveEvent, Site

__all__ = [
    "Directive",
    "MinutesRevision",
    "Notice",
    "ProgressReport",
    "PublicSummary",
    "ReportAttachment",
    "AdoptionVote",
    "Ballot",
    "Circulation",
    "Comment",
    "Disposition",
    "Draft",
    "DraftVersion",
    "Paragraph",
    "Recipient",
    "AgendaDocument",
    "AgendaItem",
    "ApiToken",
    "AuditEntry",
    "ChatMessage",
    "Conference",
    "FloorRequest",
    "LiveConnection",
    "LiveEvent",
    "Participant",
    "Site",
    "Unit",
    "User",
]
