"""Human handoff: the coach queue in the database, claiming, relaying, reminders."""
