"""The console's UI strings: their own gettext domain `console` (locales/<lang>/LC_MESSAGES/console.po),
so the bot's catalogs stay what newcomers read. Compiled in memory at start-up, like the tests do."""

from __future__ import annotations

import functools
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

DOMAIN = "console"
CONSOLE_LANGUAGES = ("nl", "en")


class ConsoleCatalogs:
    def __init__(self, catalogs: dict[str, Translations]) -> None:
        self._catalogs = catalogs

    @classmethod
    def load(cls, locales_dir: Path) -> ConsoleCatalogs:
        """The .po files of the source tree (fails loudly when one is missing)."""
        catalogs = {}
        source = Path(__file__).resolve().parents[2] / "locales"
        for lang in CONSOLE_LANGUAGES:
            po = locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
            if not po.is_file():
                po = source / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
            catalogs[lang] = _compiled(po, lang, po.stat().st_mtime_ns)
        return cls(catalogs)

    def gettext(self, lang: str, msgid: str) -> str:
        return self._catalogs.get(lang, self._catalogs["en"]).gettext(msgid)

    def ngettext(self, lang: str, singular: str, plural: str, n: int) -> str:
        return self._catalogs.get(lang, self._catalogs["en"]).ngettext(singular, plural, n)


@functools.cache  # once per file version and process (the tests start hundreds of web apps)
def _compiled(po: Path, lang: str, _mtime_ns: int) -> Translations:
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def pick_language(preferred: list[str | None], accept_language: str = "") -> str:
    """The first console language among the coach's own, else the browser's, else English."""
    for lang in preferred:
        if lang in CONSOLE_LANGUAGES:
            return lang
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in CONSOLE_LANGUAGES:
            return tag
    return "en"
