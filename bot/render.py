"""Turns the dialog's replies (message ids, flow references) into text and buttons in one language."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from babel import Locale

from bot.flows.model import FlowSet
from bot.i18n import Translator, directional
from bot.messages import ButtonLabel, FlowTitle, Label, Lines, Listing, Msg, Plain, Reply, Text, t_

TELEGRAM_MAX_TEXT = 4096
# Above an answer served in Dutch or English because its translation is stale (CONTENT_STALE_FALLBACK).
STALE_NOTES = {
    "nl": t_("The translation of this answer is being updated. Here it is in Dutch for now:"),
    "en": t_("The translation of this answer is being updated. Here it is in English for now:"),
}

Keyboard = tuple[tuple[tuple[str, str], ...], ...]  # rows of (label, callback data)


@dataclass(frozen=True)
class RenderedReply:
    text: str
    buttons: Keyboard = ()


@cache
def list_separator(lang: str) -> str:
    """What goes between two items of a list in `lang` (CLDR's middle pattern): ", " in Dutch and
    English, "፣ " in Tigrinya, " و" in Arabic (a Latin comma there reads as a foreign fragment)."""
    middle: str = Locale.parse(lang).list_patterns["standard"]["middle"]
    return middle.replace("{0}", "").replace("{1}", "")


def split_text(text: str, limit: int = TELEGRAM_MAX_TEXT) -> list[str]:
    """Split a long text into Telegram-sized parts, at paragraph, line or word boundaries if possible."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"))
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not parts:
        parts.append(rest)
    return parts


class Renderer:
    def __init__(self, translator: Translator, flows: FlowSet) -> None:
        self._translator = translator
        self._flows = flows

    def text(self, text: Text | Listing, lang: str) -> str:
        if isinstance(text, Msg):
            return self._translator.gettext(lang, text)
        if isinstance(text, Plain):
            return text.text
        if isinstance(text, Listing):
            return list_separator(lang).join(self.text(item, lang) for item in text.items)
        if isinstance(text, Lines):
            lines = [self.text(text.heading, lang)]
            lines += [f"• {self.text(label, lang)}: {self.text(value, lang)}" for label, value in text.items]
            return "\n".join(lines)
        served = self._flows.served_language(text.flow, text.node, lang)
        answer = self._flows.text(text.flow, text.node, served)
        if served == lang:
            return answer
        return f"{self._translator.gettext(lang, STALE_NOTES[served])}\n\n{answer}"

    def label(self, label: Label, lang: str) -> str:
        if isinstance(label, ButtonLabel):
            node = self._flows.node(label.flow, label.node)
            labels = node.buttons[label.index].label if node is not None else {}
            served = self._flows.served_language(label.flow, label.node, lang)
            return labels.get(served) or labels.get("nl", "…")
        if isinstance(label, FlowTitle):
            flow = self._flows.flows.get(label.flow)
            return (flow.title.get(lang) or flow.title["nl"]) if flow else "…"
        return self.text(label, lang)

    def render(self, reply: Reply, lang: str) -> list[RenderedReply]:
        """One reply as one or more Telegram messages; the buttons go with the last part."""
        text = directional(self.text(reply.text, lang), lang)
        buttons = tuple(
            tuple((directional(self.label(b.label, lang), lang), b.data) for b in row) for row in reply.buttons
        )
        parts = split_text(text)
        return [RenderedReply(part, buttons if i == len(parts) - 1 else ()) for i, part in enumerate(parts)]
