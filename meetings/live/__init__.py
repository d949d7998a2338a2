"""The live conference: remote sites, presence, the floor queue, chat, timers, the event log."""
