"""The Telegram adapter: the only part of the bot that imports `telegram`."""
