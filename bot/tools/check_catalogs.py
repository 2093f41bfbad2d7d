"""Checks the gettext catalogs: every UI string in the code is in every catalog, translated and not
fuzzy. Exit 1 with a list of what is missing. Usage: python -m bot.tools.check_catalogs locales"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.languages import LANGUAGES

KEYWORDS = {"t_": None, "tn_": (1, 2)}
PACKAGE = Path(__file__).resolve().parent.parent


NUMBER = re.compile(r"%\((\w+)\)d")


def _extracted() -> list[tuple[str, str | tuple[str, ...]]]:
    return [
        (file, message)
        for file, _line, message, _comments, _context in extract_from_dir(
            PACKAGE, method_map=[("**.py", "python")], keywords=KEYWORDS
        )
    ]


def code_msgids() -> set[str]:
    return {message[0] if isinstance(message, tuple) else message for _file, message in _extracted()}


def number_problems() -> list[str]:
    """Every number in a message is the count of a plural form (`tn_`, `%(num)d`): "10 minutes" needs
    a different noun form per count in many languages (Arabic has six)."""
    out: list[str] = []
    for file, message in _extracted():
        plural = isinstance(message, tuple)
        for text in message if isinstance(message, tuple) else (message,):
            for name in NUMBER.findall(text):
                if not plural or name != "num":
                    out.append(
                        f"bot/{file}: a number that is not the plural count: use tn_ with %(num)d "
                        f"(one count per message): {text[:60]!r}"
                    )
    return out


def problems(locales: Path) -> list[str]:
    wanted = code_msgids()
    out: list[str] = number_problems()
    for lang in LANGUAGES:
        po = locales / lang / "LC_MESSAGES" / "messages.po"
        if not po.is_file():
            out.append(f"{po}: missing")
            continue
        with po.open("rb") as fp:
            catalog: Catalog = read_po(fp, locale=lang)
        present = {str(m.id[0] if isinstance(m.id, (tuple, list)) else m.id): m for m in catalog if m.id}
        for msgid in sorted(wanted - present.keys()):
            out.append(f"{po}: not in the catalog (run the pybabel extract/update commands): {msgid[:60]!r}")
        for key, message in present.items():
            strings = tuple(message.string) if isinstance(message.string, (tuple, list)) else (message.string,)
            if not all(strings):
                out.append(f"{po}: untranslated: {key[:60]!r}")
            if message.fuzzy:
                out.append(f"{po}: fuzzy (check the translation, then remove the fuzzy flag): {key[:60]!r}")
    return out


def main(argv: list[str]) -> int:
    locales = Path(argv[0] if argv else "locales")
    found = problems(locales)
    for line in found:
        print(line)
    print(f"catalogs: {len(found)} problems in {', '.join(LANGUAGES)}")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
