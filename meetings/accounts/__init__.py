"""Units, users, log-in, API tokens and the admin pages that manage them."""
