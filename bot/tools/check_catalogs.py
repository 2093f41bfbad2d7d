"""Checks the gettext catalogs: every UI string in the code is in every catalog, translated and not
fuzzy. Exit 1 with a list of what is missing. Usage: python -m bot.tools.check_catalogs locales"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.languages import LANGUAGES

KEYWORDS = {"t_": None, "tn_": (1, 2)}
PACKAGE = Path(__file__).resolve().parent.parent


def code_msgids() -> set[str]:
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        PACKAGE, method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def problems(locales: Path) -> list[str]:
    wanted = code_msgids()
    out: list[str] = []
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
