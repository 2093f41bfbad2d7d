"""The FAQ content as published in the database: revisions, drafts, and what every replica serves."""
