"""The intake: consent first, then questions, review and edit, submit to the coach queue."""
