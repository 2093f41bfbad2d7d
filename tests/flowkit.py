"""A tiny valid flow set for tests that must not depend on the real content."""

from __future__ import annotations

from pathlib import Path

GREET = """\
id: greet
intents: [greet]
title: {nl: Welkom, en: Welcome, ar: أهلا, ti: እንቋዕ ብደሓን መጻእኩም}
nodes:
  start:
    text:
      nl: Hallo!
      en: Hello!
      ar: مرحبا!
      ti: ሰላም!
    review:
      en: {reviewed: true}
      ar: {reviewed: false}
      ti: {reviewed: false}
    buttons:
      - goto: diploma.start
        label: {nl: Diploma, en: Diploma, ar: الشهادة, ti: ዲፕሎማ}
"""

DIPLOMA = """\
id: diploma
intents: [diploma_recognition]
menu: 10
title: {nl: Diploma, en: Diploma, ar: الشهادة, ti: ዲፕሎማ}
nodes:
  start:
    factual: true
    sources:
      - url: https://idw.nl/nl/diplomawaardering.html
        checked: 2026-11-22
    text:
      nl: Laat je diploma waarderen bij IDW.
      en: Have your diploma evaluated by IDW.
      ar: قيّم شهادتك عند IDW.
      ti: ዲፕሎማኻ ብ IDW ኣገምግም።
    review:
      en: {reviewed: true}
      ar: {reviewed: false}
      ti: {reviewed: false}
    buttons:
      - goto: lost
        label: {nl: Papieren kwijt, en: Lost my papers, ar: فقدت أوراقي, ti: ወረቐተይ ጠፊኡ}
      - action: language
  lost:
    text:
      nl: Vraag het toch aan.
      en: Apply anyway.
      ar: قدّم الطلب على أي حال.
      ti: ብዘየገድስ ኣመልክት።
    review:
      en: {reviewed: true}
      ar: {reviewed: false}
      ti: {reviewed: false}
"""

OUT_OF_SCOPE = """\
id: out_of_scope
intents: [out_of_scope]
title: {nl: Andere vraag, en: Other question, ar: سؤال آخر, ti: ካልእ ሕቶ}
nodes:
  start:
    text:
      nl: Daar kan ik niet mee helpen.
      en: I cannot help with that.
      ar: لا أستطيع المساعدة في ذلك.
      ti: በዚ ክሕግዝ ኣይክእልን።
    review:
      en: {reviewed: true}
      ar: {reviewed: false}
      ti: {reviewed: false}
"""


def write_flows(directory: Path, **overrides: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    files = {"greet": GREET, "diploma": DIPLOMA, "out_of_scope": OUT_OF_SCOPE, **overrides}
    for name, text in files.items():
        (directory / f"{name}.yml").write_text(text, encoding="utf-8")
    return directory
