"""Paths a newcomer takes through the chat that exploratory testing found broken: repeated /mydata,
answers typed instead of tapped, a language change in the middle of the intake."""

from __future__ import annotations

import json

from bot.pipeline import Incoming, Result, process
from bot.services import Services

NEWCOMER = 7601


async def say(services: Services, text: str, lang: str = "ar") -> Result:
    return await process(services, Incoming(NEWCOMER, NEWCOMER, "text", text=text, telegram_language=lang))


async def command(services: Services, name: str, lang: str = "ar") -> Result:
    return await process(services, Incoming(NEWCOMER, NEWCOMER, "command", command=name, telegram_language=lang))


def export_of(result: Result) -> dict[str, object]:
    (document,) = [o for o in result.outgoing if o.kind == "document"]
    loaded: dict[str, object] = json.loads(document.text)
    return loaded


async def test_an_export_names_earlier_exports_instead_of_containing_them(services: Services) -> None:
    await say(services, "hallo", "nl")
    sizes = []
    for _ in range(4):
        result = await command(services, "mydata", "nl")
        sizes.append(len(next(o.text for o in result.outgoing if o.kind == "document")))
    transcript = export_of(result)["transcript"]
    assert isinstance(transcript, list)
    files = [entry for entry in transcript if entry["kind"] == "document"]
    assert [(f["text"], f["file"]) for f in files] == [(None, "werkhelpdesk-my-data.json")] * 3
    # Each export grows by a few lines, not by a copy of the previous one.
    assert sizes[3] - sizes[2] < 1000, sizes
