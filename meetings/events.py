"""Domain signals. Services send them after a change; listeners react (audit, live rooms)."""

from blinker import Namespace

_signals = Namespace()

conference_changed = _signals.signal("conference-changed")
participants_changed = _signals.signal("participants-changed")
user_logged_in = _signals.signal("user-logged-in")
