"""Translation progress per language for `werkhelpdesk flows status [--by-flow]`: nodes translated, reviewed,
stale, unstamped."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

from bot.flows.loader import LANGUAGE_NAMES, CheckResult, Problem, check_flows
from bot.flows.model import Node
from bot.flows.quality import MAX_LIX, MAX_SENTENCE_WORDS, Readability, is_home_page, readability, rule_words
from bot.languages import LANGUAGES

SOURCE_LANGUAGE = "nl"
# Dutch (the source) first, then the translations in the order the flow files list them.
_DISPLAY_ORDER = ("nl", "en", "ar", "ti")
STATUS_LANGUAGES: tuple[str, ...] = tuple(sorted(LANGUAGES, key=lambda lang: (*_DISPLAY_ORDER, lang).index(lang)))


@dataclass
class Counts:
    """Counts for one language. `translated`, `reviewed`, `stale` and `unstamped` only count nodes that have
    a (non-empty) text in that language, so each is at most `translated`."""

    nodes: int = 0
    translated: int = 0
    reviewed: int = 0
    stale: int = 0
    unstamped: int = 0

    def add(self, other: Counts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass(frozen=True)
class StaleTranslation:
    flow: str
    node: str
    lang: str


@dataclass(frozen=True)
class ForReview:
    """A node that needs a person's look before publishing, and why."""

    flow: str
    node: str
    reason: str


# The languages whose plain-language level is measured (LIX is defined for Latin-script text).
READABILITY_LANGUAGES = ("nl", "en")
# Translations only a native speaker can review; the English is reviewed by staff.
NATIVE_REVIEW_LANGUAGES = ("ar", "ti")


@dataclass
class StatusReport:
    languages: tuple[str, ...]
    flows: int
    nodes: int
    totals: dict[str, Counts]
    by_flow: dict[str, dict[str, Counts]]
    stale: list[StaleTranslation] = field(default_factory=list)
    # Errors found while reading the files: a file that cannot be read is not counted.
    errors: list[Problem] = field(default_factory=list)
    # Per flow and language (nl, en): the plain-language measure of all its answers together.
    readability: dict[str, dict[str, Readability]] = field(default_factory=dict)
    # factual: false nodes whose Dutch text has words that often state a rule.
    rule_like: list[ForReview] = field(default_factory=list)
    # Nodes marked `recheck:` (e.g. a figure that changes every half year).
    recheck: list[ForReview] = field(default_factory=list)
    # factual nodes citing a site's front page instead of the page that states the rule.
    home_pages: list[ForReview] = field(default_factory=list)
    # Per language (ar, ti): flow -> node ids whose translation is not reviewed by a native speaker.
    awaiting_native: dict[str, dict[str, list[str]]] = field(default_factory=dict)


def node_counts(node: Node, lang: str) -> Counts:
    """This one node's contribution to the counts of `lang`."""
    translated = bool(node.text.get(lang, "").strip())
    if lang == SOURCE_LANGUAGE:
        # The Dutch text is the source: it needs no review and cannot be stale.
        return Counts(nodes=1, translated=int(translated), reviewed=int(translated))
    review = node.review.get(lang)
    return Counts(
        nodes=1,
        translated=int(translated),
        reviewed=int(translated and review is not None and review.reviewed),
        stale=int(translated and node.is_stale(lang)),
        unstamped=int(translated and (review is None or review.nl_hash is None)),
    )


def flow_status(flows_dir: Path) -> StatusReport:
    return status_of(check_flows(flows_dir))


def status_of(result: CheckResult) -> StatusReport:
    """The report for checked flows (the files, or the content published in the database)."""
    languages = STATUS_LANGUAGES
    report = StatusReport(
        languages,
        flows=len(result.flows.flows),
        nodes=0,
        totals={lang: Counts() for lang in languages},
        by_flow={},
        errors=result.errors,
        awaiting_native={lang: {} for lang in NATIVE_REVIEW_LANGUAGES if lang in languages},
    )
    for flow_id in sorted(result.flows.flows):
        flow = result.flows.flows[flow_id]
        counts = report.by_flow[flow_id] = {lang: Counts() for lang in languages}
        plain = report.readability[flow_id] = {lang: Readability(0, 0, 0) for lang in READABILITY_LANGUAGES}
        for node_id, node in flow.nodes.items():
            report.nodes += 1
            for lang in READABILITY_LANGUAGES:
                plain[lang] += readability(node.text.get(lang, ""))
            if not node.factual and (words := rule_words(node.text.get(SOURCE_LANGUAGE, ""))):
                report.rule_like.append(ForReview(flow_id, node_id, "factual: false but says " + ", ".join(words)))
            if node.recheck:
                report.recheck.append(ForReview(flow_id, node_id, node.recheck))
            if node.factual and (homes := [s.url for s in node.sources if is_home_page(s.url)]):
                report.home_pages.append(ForReview(flow_id, node_id, ", ".join(homes)))
            for lang, waiting in report.awaiting_native.items():
                review = node.review.get(lang)
                if node.text.get(lang, "").strip() and (review is None or not review.reviewed):
                    waiting.setdefault(flow_id, []).append(node_id)
            for lang in languages:
                one = node_counts(node, lang)
                counts[lang].add(one)
                if one.stale:
                    report.stale.append(StaleTranslation(flow_id, node_id, lang))
        for lang in languages:
            report.totals[lang].add(counts[lang])
    return report


_HEADER = ("language", "nodes", "translated", "reviewed", "stale", "unstamped")


def _table(languages: tuple[str, ...], counts: dict[str, Counts], indent: str = "") -> list[str]:
    rows: list[tuple[str, ...]] = [_HEADER]
    for lang in languages:
        c, source = counts[lang], lang == SOURCE_LANGUAGE
        name = f"{lang} {LANGUAGE_NAMES.get(lang, lang)}{' (source)' if source else ''}"
        rest = ("-", "-") if source else (str(c.stale), str(c.unstamped))  # the source is never stale
        rows.append((name, str(c.nodes), str(c.translated), str(c.reviewed), *rest))
    return _aligned(rows, indent, left=(0,))


def _aligned(rows: list[tuple[str, ...]], indent: str, left: tuple[int, ...]) -> list[str]:
    """The rows as text columns: the columns in `left` left-aligned, the others right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        indent + "  ".join(c.ljust(widths[i]) if i in left else c.rjust(widths[i]) for i, c in enumerate(row)).rstrip()
        for row in rows
    ]


def _plain_language(report: StatusReport) -> list[str]:
    if not report.readability:
        return []
    rows = [("flow", *(f"{lang} {what}" for what in ("words/sentence", "LIX") for lang in READABILITY_LANGUAGES), "")]
    for flow_id, by_lang in report.readability.items():
        measured = [by_lang[lang] for lang in READABILITY_LANGUAGES]
        hard = [lang for lang, r in zip(READABILITY_LANGUAGES, measured, strict=True) if r.words and not r.plain]
        rows.append(
            (
                flow_id,
                *(f"{r.words_per_sentence:.1f}" for r in measured),
                *(f"{r.lix:.0f}" for r in measured),
                f"above B1: {', '.join(hard)}" if hard else "",
            )
        )
    return [
        "",
        f"Plain language (B1: at most {MAX_SENTENCE_WORDS:.0f} words a sentence and LIX at most {MAX_LIX:.0f}):",
        *_aligned(rows, "  ", left=(0, len(rows[0]) - 1)),
    ]


def format_status(report: StatusReport, *, by_flow: bool = False) -> str:
    lines = [f"{report.flows} flows, {report.nodes} nodes", *_table(report.languages, report.totals)]
    if by_flow:
        for flow_id, counts in report.by_flow.items():
            first = next(iter(counts.values()), Counts())
            lines += [
                "",
                f"{flow_id} ({first.nodes} node{'' if first.nodes == 1 else 's'})",
                *_table(report.languages, counts, indent="  "),
            ]
    lines += [
        "",
        "translated: has a text; reviewed: checked by staff (en) or a native speaker (ar, ti) (reviewed: true);",
        "stale: the Dutch text changed after the translation was made;",
        "unstamped: the translation has no nl_hash yet (werkhelpdesk flows stamp --only-missing).",
    ]
    lines += _plain_language(report)
    for heading, items in (
        ("To re-check before publishing (`recheck:` in the node):", report.recheck),
        (
            "Sources that are a home page (fine for an address to send people to; for a rule, cite the page that says it):",
            report.home_pages,
        ),
        (
            "For review: marked factual: false but may state a rule (add a source and factual: true, or rephrase):",
            report.rule_like,
        ),
    ):
        if items:
            lines += ["", heading, *(f"  {r.flow} node '{r.node}': {r.reason}" for r in items)]
    for lang, waiting in report.awaiting_native.items():
        if waiting:
            total = sum(len(ids) for ids in waiting.values())
            lines += ["", f"Waiting for a native {LANGUAGE_NAMES.get(lang, lang)} speaker ({total} nodes):"]
            lines += [f"  {flow_id}: {', '.join(ids)}" for flow_id, ids in waiting.items()]
    if report.stale:
        lines += ["", "Stale translations: update the text, then run `werkhelpdesk flows stamp --lang LANG FLOW`:"]
        lines += [f"  {s.flow} node '{s.node}': {s.lang}" for s in report.stale]
    if report.errors:
        lines += [
            "",
            f"{len(report.errors)} errors in the flow files; a file that cannot be read is not counted. "
            "Run `werkhelpdesk flows check`.",
        ]
    return "\n".join(lines)
