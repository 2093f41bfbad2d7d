"""Werkhelpdesk: a helpdesk bot for newcomers looking for work in the Netherlands."""
