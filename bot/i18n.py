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


def _is_rtl(ch: str) -> bool:
    return "\u0590" <= ch <= "\u08ff" or "\ufb1d" <= ch <= "\ufefc"


def _needs_mark(line: str) -> bool:
    """True when a line with right-to-left text would start left-to-right: its first letter is Latin
    (a URL, 'IDW', 'CV'), so Telegram would lay out the whole line left to right."""
    if not any(_is_rtl(ch) for ch in line):
        return False
    first_letter = next((ch for ch in line if ch.isalpha()), "")
    return not _is_rtl(first_letter)


def directional(text: str, lang: str) -> str:
    """In a right-to-left language, a right-to-left mark before every line that would begin left-to-right (a Latin
    word, number or URL first), so it reads right to left and its punctuation ends up at the correct end."""
    if lang not in RTL_LANGUAGES:
        return text
    return "\n".join(RLM + line if _needs_mark(line) else line for line in text.split("\n"))
