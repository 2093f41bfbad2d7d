"""Send rates as Telegram limits them, counted by the stand-ins for the Bot API (bench/lean_tg.py,
bench/fake_tg.py) and by the pacing tests: the most messages in any one-second window to one chat,
in any one-minute window to one group, and in any one-second window of the whole bot."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

# calls that put a message in a chat (answerCallbackQuery, sendChatAction, edits are not messages)
MESSAGE_METHODS = frozenset({"sendMessage", "copyMessage", "forwardMessage", "sendDocument", "sendPhoto"})


def most_in_window(times: Sequence[float], window: float) -> int:
    """The most of `times` (sorted) in any half-open window [t, t + window)."""
    most, first = 0, 0
    for last, at in enumerate(times):
        while times[first] <= at - window:
            first += 1
        most = max(most, last - first + 1)
    return most


class SendRates:
    """Arrival times of the bot's messages, by chat (negative chat ids are groups)."""

    def __init__(self) -> None:
        self.by_chat: dict[int, list[float]] = defaultdict(list)

    def add(self, chat_id: int, at: float) -> None:
        self.by_chat[chat_id].append(at)

    def extend(self, sends: Iterable[tuple[int, float]]) -> None:
        for chat_id, at in sends:
            self.add(chat_id, at)

    def summary(self) -> dict[str, int]:
        chats = [sorted(t) for c, t in self.by_chat.items() if c >= 0]
        groups = [sorted(t) for c, t in self.by_chat.items() if c < 0]
        every = sorted(at for times in self.by_chat.values() for at in times)
        return {
            "messages": len(every),
            "max_per_chat_per_second": max((most_in_window(t, 1.0) for t in chats), default=0),
            "max_per_group_per_minute": max((most_in_window(t, 60.0) for t in groups), default=0),
            "max_per_bot_per_second": most_in_window(every, 1.0),
        }


def describe(summary: dict[str, int]) -> str:
    return (
        f"send rates: {summary.get('messages', 0)} messages, max {summary.get('max_per_chat_per_second', 0)}/s "
        f"to one chat (limit 1), {summary.get('max_per_group_per_minute', 0)}/min to one group (limit 20), "
        f"{summary.get('max_per_bot_per_second', 0)}/s of the bot (limit 30)"
    )
