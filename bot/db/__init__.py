"""Persistence: every piece of conversation state lives here, never only in process memory."""
