"""Gettext catalogs (locales/<lang>/LC_MESSAGES/messages.mo) and right-to-left presentation."""

from __future__ import annotations

from pathlib import Path

from babel.support import Translations

from bot.languages import LANGUAGES, RTL_LANGUAGES
from bot.messages import Msg

DOMAIN = "messages"
RLM = "\u200f"


class CatalogMissingError(RuntimeError):
    pass


class Translator:
    """All UI catalogs, loaded once at start-up; a missing catalog is an error, not a silent fallback."""

    def __init__(self, catalogs: dict[str, Translations]) -> None:
        self._catalogs = catalogs

    @classmethod
    def load(cls, locales_dir: Path) -> Translator:
        catalogs: dict[str, Translations] = {}
        for lang in LANGUAGES:
            mo = locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
            if not mo.is_file():
                raise CatalogMissingError(
                    f"{mo} is missing: compile the catalogs with `pybabel compile -d {locales_dir} -D {DOMAIN}`"
                )
            with mo.open("rb") as fp:
                catalogs[lang] = Translations(fp, domain=DOMAIN)
        return cls(catalogs)

    def gettext(self, lang: str, msg: Msg) -> str:
        catalog = self._catalogs[lang]
        params = msg.param_dict()
        if msg.plural is not None and msg.count is not None:
            text = catalog.ngettext(msg.msgid, msg.plural, msg.count)
        else:
            text = catalog.gettext(msg.msgid)
        return text % params if params else text


def directional(text: str, lang: str) -> str:
    """Give every line of a right-to-left reply a right-to-left start, so Telegram lays out lines that
    begin with a Latin word, a number or a URL right-to-left and puts punctuation at the correct end."""
    if lang not in RTL_LANGUAGES:
        return text
    return "\n".join(RLM + line if line.strip() and not line.startswith(RLM) else line for line in text.split("\n"))
