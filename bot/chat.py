"""`werkhelpdesk chat`: the same pipeline in a terminal, for staff preview and trying the bot."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from sqlalchemy import select

from bot.db.models import User
from bot.incoming import Incoming
from bot.outbox import Outgoing
from bot.pipeline import mark_delivered, process, set_chosen_language
from bot.privacy import erase
from bot.services import Services

LOCAL_USER_ID = 0  # Telegram user ids are positive; 0 is the local terminal user


def _show(out: Outgoing, buttons: list[str], stream: TextIO) -> None:
    print(out.text, file=stream)
    if out.kind == "document":  # its "button" row carries the file name: not a button to press
        print(f"  (file: {out.buttons[0][0][0]})\n", file=stream)
        return
    for row in out.buttons:
        for label, data in row:
            buttons.append(data)
            print(f"  [{len(buttons)}] {label}", file=stream)
    print(file=stream)


async def forget_local_user(services: Services) -> None:
    """`chat --new`: the terminal user's conversation, intake and cases erased as /delete would."""
    async with services.sessions() as session, session.begin():
        user = await session.scalar(select(User).where(User.telegram_id == LOCAL_USER_ID))
        if user is not None:
            await erase(session, user)


async def chat(
    services: Services,
    lang: str | None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    *,
    new: bool = False,
) -> None:
    if new:
        await forget_local_user(services)
    await set_chosen_language(services, LOCAL_USER_ID, lang)
    print("Werkhelpdesk chat: type a message, a /command, or a button number. Ctrl-D ends.\n", file=stdout)
    buttons: list[str] = []
    while True:
        print("> ", end="", file=stdout, flush=True)
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        line = line.strip()
        if not line:
            continue
        if line.isdigit() and 0 < int(line) <= len(buttons):
            incoming = Incoming(LOCAL_USER_ID, LOCAL_USER_ID, "button", data=buttons[int(line) - 1])
        elif line.startswith("/"):
            name, _, args = line[1:].partition(" ")
            incoming = Incoming(LOCAL_USER_ID, LOCAL_USER_ID, "command", command=name.lower(), args=args.strip())
        else:
            incoming = Incoming(LOCAL_USER_ID, LOCAL_USER_ID, "text", text=line)
        result = await process(services, incoming)
        buttons = []
        for out in result.outgoing:
            _show(out, buttons, stdout)
            await mark_delivered(services, out, None)
