"""Every model, imported once so the metadata (and Alembic) sees all tables."""

from meetings.accounts.models import ApiToken, AuditEntry, Unit, User
from meetings.conferences.models import Conference, Participant

__all__ = ["ApiToken", "AuditEntry", "Conference", "Participant", "Unit", "User"]
