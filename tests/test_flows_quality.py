"""The content checks of issue 22: glossary, rule-like texts, amounts without a date, plain language,
re-check and native-review lists."""

from __future__ import annotations

from pathlib import Path

from bot.flows.glossary import alternatives_used, load_glossary
from bot.flows.loader import check_flows
from bot.flows.quality import amount_without_date, is_home_page, readability, rule_like, rule_words
from bot.flows.status import flow_status, format_status
from tests.flowkit import DIPLOMA, GREET, write_flows

GLOSSARY = """\
# Glossary

## nl

| term | use | not |
| --- | --- | --- |
| you | je | u, U, uw, Uw |
| CV | cv | CV |

## ar

| term | use | not |
|---|---|---|
| coach | مرشد | مدرّب, مدرب |
"""


def problems(flows_dir: Path) -> list[str]:
    return [str(p) for p in check_flows(flows_dir).problems]


def test_glossary_is_read_per_language_with_lines(tmp_path: Path) -> None:
    path = tmp_path / "GLOSSARY.md"
    path.write_text(GLOSSARY, encoding="utf-8")
    entries = load_glossary(path)
    assert [(e.lang, e.use, e.alternative, e.line) for e in entries] == [
        ("nl", "je", "u", 7),
        ("nl", "je", "U", 7),
        ("nl", "je", "uw", 7),
        ("nl", "je", "Uw", 7),
        ("nl", "cv", "CV", 8),
        ("ar", "مرشد", "مدرّب", 14),
        ("ar", "مرشد", "مدرب", 14),
    ]
    assert load_glossary(tmp_path / "missing.md") == []


def test_glossary_matches_whole_words_case_sensitively_and_skips_quotes_and_urls(tmp_path: Path) -> None:
    path = tmp_path / "GLOSSARY.md"
    path.write_text(GLOSSARY, encoding="utf-8")
    entries = load_glossary(path)

    def used(text: str, lang: str = "nl") -> list[str]:
        return [e.alternative for e in alternatives_used(text, lang, entries)]

    assert used("Heeft u een CV?") == ["u", "CV"]
    assert used('Stuur je cv. Zeg eerst "u" tegen je baas. https://www.uaf.nl/u/uw') == []
    assert used("Uitzendbureau, uur, nu") == []
    # Arabic words carry their article: the alternative is found inside the word.
    assert used("تحدّث مع المدرّب", "ar") == ["مدرّب"]
    assert used("تحدّث مع المرشد", "ar") == []


def test_flows_check_warns_when_a_text_or_label_uses_a_known_alternative(tmp_path: Path) -> None:
    flows_dir = write_flows(
        tmp_path / "flows",
        greet=GREET.replace("nl: Hallo!", "nl: Hallo! Heeft u vragen?").replace("nl: Diploma,", "nl: Uw diploma,"),
    )
    (flows_dir / "GLOSSARY.md").write_text(GLOSSARY, encoding="utf-8")
    result = check_flows(flows_dir)
    assert result.errors == []
    assert [str(w) for w in result.warnings] == [
        "flows/greet.yml line 7: warning: node 'start': the Dutch text uses 'u'; "
        "the glossary (GLOSSARY.md line 7) says 'je' for you",
        "flows/greet.yml line 16: warning: node 'start' button 1: the Dutch label uses 'Uw'; "
        "the glossary (GLOSSARY.md line 7) says 'je' for you",
    ]


def test_rule_like_text_marked_not_factual_is_refused(tmp_path: Path) -> None:
    flows_dir = write_flows(tmp_path / "flows", greet=GREET.replace("nl: Hallo!", "nl: Je mag 6 maanden 25% houden."))
    assert (
        "flows/greet.yml line 5: error: node 'start' states a percentage and a duration ('6 maanden') but is "
        "marked factual: false; set factual: true and add the source that says it"
    ) in problems(flows_dir)
    # Marked factual with a source, the same text is fine.
    factual = GREET.replace("nl: Hallo!", "nl: Je mag 6 maanden 25% houden.").replace(
        "  start:\n",
        "  start:\n    factual: true\n    sources:\n      - {url: https://example.org/a, checked: 2026-12-01}\n",
    )
    flows_dir = write_flows(tmp_path / "b" / "flows", greet=factual)
    assert problems(flows_dir) == []


def test_detection_of_rules_amounts_and_dates() -> None:
    assert rule_like("Kosten: € 148,83.") == ["an amount"]
    assert rule_like("It takes 6 work weeks, or 12 weeks.") == ["a duration ('12 weeks')"]
    assert rule_like("Bel 112 of 0800-2000, 24 uur per dag. https://x.nl/10-jaar") == []
    assert rule_words("Je moet het melden. Een BIG-registratie is niet nodig.") == ["moet", "niet nodig"]
    assert amount_without_date("Het kost € 148,83.")
    assert not amount_without_date("Het kost € 148,83 (prijs 2026).")
    assert not amount_without_date("Bel 0800-0113.")


def test_an_amount_without_a_date_is_an_error(tmp_path: Path) -> None:
    text = DIPLOMA.replace("en: Have your diploma evaluated by IDW.", "en: It costs €148.83.")
    assert (
        "flows/diploma.yml line 13: error: node 'start': the English text names an amount without a date; "
        "say from when it holds (for example 'sinds 1 januari 2026')"
    ) in problems(write_flows(tmp_path / "flows", diploma=text))
    dated = text.replace("It costs €148.83.", "It costs €148.83 (price 2026).")
    assert problems(write_flows(tmp_path / "b" / "flows", diploma=dated)) == []


def test_readability_counts_sentences_words_and_long_words() -> None:
    plain = readability(
        "Dit is kort. Nog een zin!\n• een lijstje\nhttps://www.rijksoverheid.nl/onderwerpen/minimumloon"
    )
    assert (plain.sentences, plain.words, plain.long_words) == (3, 8, 1)
    assert plain.plain
    hard = readability(
        "Indien de arbeidsovereenkomst voor bepaalde tijd wordt aangegaan voor een periode van ten hoogste "
        "zes maanden, kan geen proeftijdbeding worden overeengekomen tussen werkgever en werknemer."
    )
    assert hard.words_per_sentence > 15
    assert not hard.plain


def test_status_reports_plain_language_review_lists_and_native_review(tmp_path: Path) -> None:
    greet = GREET.replace("nl: Hallo!", "nl: Je moet je altijd melden.").replace(
        "  start:\n", "  start:\n    recheck: minimumloon verandert op 1 juli\n"
    )
    long_en = "en: " + " ".join(["Wonderful"] * 40) + "."
    flows_dir = write_flows(tmp_path / "flows", greet=greet, diploma=DIPLOMA.replace("en: Apply anyway.", long_en))
    report = flow_status(flows_dir)
    assert report.errors == []
    assert [(r.flow, r.node, r.reason) for r in report.recheck] == [
        ("greet", "start", "minimumloon verandert op 1 juli")
    ]
    assert [(r.flow, r.node) for r in report.rule_like] == [("greet", "start")]
    assert report.awaiting_native["ar"] == {"diploma": ["start", "lost"], "greet": ["start"], "out_of_scope": ["start"]}
    assert report.readability["diploma"]["en"].words_per_sentence > 15
    text = format_status(report)
    assert "greet node 'start': minimumloon verandert op 1 juli" in text
    assert "greet node 'start': factual: false but says moet" in text
    assert "Waiting for a native Arabic speaker (4 nodes):" in text
    assert "  diploma: start, lost" in text
    diploma_row = next(line for line in text.splitlines() if line.startswith("  diploma "))
    assert diploma_row.endswith("above B1: en")


ROOT = Path(__file__).resolve().parent.parent


def _catalog_texts(lang: str) -> list[str]:
    from babel.messages.pofile import read_po

    with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    texts: list[str] = []
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        texts += [str(s) for s in strings if s]
    return texts


def test_real_flows_and_catalogs_follow_the_glossary() -> None:
    entries = load_glossary(ROOT / "flows" / "GLOSSARY.md")
    assert {e.alternative for e in entries if e.lang == "nl"} >= {"u", "uw", "CV"}
    assert {e.alternative for e in entries if e.lang == "ar"} >= {"مدرّب"}
    glossary_warnings = [str(w) for w in check_flows(ROOT / "flows").warnings if "the glossary" in str(w)]
    assert glossary_warnings == []
    # The bot's own buttons and messages use the same voice and the same coach as the answers. (The intake's
    # "A0: not yet" choice is a stored answer code of bot/intake, so language levels are left out here.)
    voice = [e for e in entries if e.term in ("you (address)", "CV", "coach")]
    for lang in ("nl", "ar"):
        used = {(e.alternative, t[:60]) for t in _catalog_texts(lang) for e in alternatives_used(t, lang, voice)}
        assert used == set(), lang


def test_status_lists_factual_nodes_that_cite_a_home_page(tmp_path: Path) -> None:
    assert is_home_page("https://www.duo.nl")
    assert is_home_page("https://www.duo.nl/")
    assert not is_home_page("https://duo.nl/particulier/buitenlands-diploma-in-nederland/werken-als-leraar.jsp")
    home = DIPLOMA.replace("url: https://idw.nl/nl/diplomawaardering.html", "url: https://www.idw.nl/")
    report = flow_status(write_flows(tmp_path / "flows", diploma=home))
    assert [(r.flow, r.node, r.reason) for r in report.home_pages] == [("diploma", "start", "https://www.idw.nl/")]
    assert "  diploma node 'start': https://www.idw.nl/" in format_status(report)
    assert flow_status(write_flows(tmp_path / "b" / "flows")).home_pages == []
