"""Charts of the report as SVG, drawn on the server by pygal: no script, no web font, no CDN. The
page shows them as images (a data: URL), so the strict Content-Security-Policy stays as it is."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any

import pygal
from pygal.style import Style

from bot.reports.figures import WORK_ANSWERS, Report, Table

Label = Callable[[str], str]

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f1f1f",
    foreground_strong="#1f1f1f",
    foreground_subtle="#6b6b6b",
    font_family="Noto Sans, DejaVu Sans, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    title_font_size=16,
    value_font_size=12,
    colors=("#1d5f8a", "#d9822b", "#3c8d40", "#b23b3b", "#7a4fa3", "#5c5c5c"),
)


# pygal's tooltips load a script from a CDN (js=[]); an image runs no script anyway.
_CONFIG: dict[str, Any] = {
    "js": [],
    "disable_xml_declaration": True,
    "style": STYLE,
    "width": 800,
    "height": 360,
    "legend_at_bottom": True,
    "truncate_legend": 40,
    "print_zeroes": False,
}


def data_url(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _column(table: Table, name: str) -> list[Any]:
    index = table.columns.index(name)
    return [row[index] for row in table.rows]


def per_day(table: Table, title: str, label: Label) -> str:
    chart = pygal.Line(
        **_CONFIG, title=title, show_dots=len(table.rows) <= 62, x_label_rotation=30, show_minor_x_labels=False
    )
    days = [str(d) for d in _column(table, "day")]
    chart.x_labels = days
    chart.x_labels_major_every = max(len(days) // 10, 1)
    for name in ("conversations", "messages", "handoffs"):
        chart.add(label(name), _column(table, name))
    return str(chart.render(is_unicode=True))


def bars(table: Table, key: str, series: tuple[str, ...], title: str, label: Label, *, stacked: bool = False) -> str:
    kind = pygal.StackedBar if stacked else pygal.Bar
    chart = kind(**_CONFIG, title=title, x_label_rotation=20 if len(table.rows) > 4 else 0)
    chart.x_labels = [label(str(v)) for v in _column(table, key)]
    for name in series:
        chart.add(label(name), [v or 0 for v in _column(table, name)])
    return str(chart.render(is_unicode=True))


def shares(table: Table, key: str, value: str, title: str, label: Label) -> str:
    chart = pygal.Pie(**_CONFIG, title=title, inner_radius=0.45)
    for name, n in zip(_column(table, key), _column(table, value), strict=True):
        chart.add(label(str(name)), n or 0)
    return str(chart.render(is_unicode=True))


def work_outcomes(table: Table, title: str, label: Label) -> str:
    """Per months since the intake and language: what the newcomers answered, stacked."""
    chart = pygal.StackedBar(**_CONFIG, title=title)
    pairs = zip(_column(table, "months"), _column(table, "language"), strict=True)
    chart.x_labels = [f"{label(f'months:{months}')} · {label(str(lang))}" for months, lang in pairs]
    for answer in WORK_ANSWERS:
        chart.add(label(answer), _column(table, answer))
    return str(chart.render(is_unicode=True))


# The bar charts: table key -> (the column of the x labels, the series); those in _STACKED stacked.
_BARS = {
    "per_language": ("language", ("conversations", "messages", "handoffs")),
    "per_topic": ("topic", ("messages", "handoffs")),
    "reply_buckets": ("bucket", ("overall", "office_hours")),
    "outcomes": ("outcome", ("cases",)),
    "per_coach": ("coach", ("cases", "replied")),
    "intake_funnel": ("step", ("newcomers",)),
    "satisfaction_language": ("language", ("helped", "a_little", "no")),
}
_STACKED = {"satisfaction_language"}


def all_charts(report: Report, titles: Mapping[str, str], label: Label) -> dict[str, str]:
    """The chart of each table that has one, as a data: URL, keyed like the tables."""
    svgs = {
        key: bars(report[key], x, series, titles[key], label, stacked=key in _STACKED)
        for key, (x, series) in _BARS.items()
    }
    svgs["per_day"] = per_day(report["per_day"], titles["per_day"], label)
    svgs["answers"] = shares(report["answers"], "answer", "messages", titles["answers"], label)
    svgs["work_outcomes"] = work_outcomes(report["work_outcomes"], titles["work_outcomes"], label)
    return {key: data_url(svg) for key, svg in svgs.items()}
