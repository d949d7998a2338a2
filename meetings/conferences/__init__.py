"""Conferences: scheduling, lifecycle, invitations, RSVP, check-in, calendars."""
