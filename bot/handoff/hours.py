"""Office hours of the coaches and the next opening, in the organisation's time zone."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, get_datetime_format

if TYPE_CHECKING:
    from bot.settings import Settings

_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_SPEC = re.compile(
    r"^(?P<d1>[a-z]{3})(?:-(?P<d2>[a-z]{3}))?\s+(?P<h1>\d{1,2}):(?P<m1>\d\d)-(?P<h2>\d{1,2}):(?P<m2>\d\d)$"
)
_EXAMPLE = "'mon-fri 09:00-17:00', or several: 'mon-thu 09:00-17:00, fri 09:00-12:00'"
_SEARCH_DAYS = 400  # how far ahead the next opening is looked for (closed days can make a long gap)


@dataclass(frozen=True)
class Period:
    days: frozenset[int]  # 0 = Monday
    opens: time
    closes: time


@dataclass(frozen=True)
class OfficeHours:
    periods: tuple[Period, ...]
    zone: ZoneInfo
    closed: frozenset[date] = frozenset()  # whole days without coaches (holidays)

    @classmethod
    def of(cls, settings: Settings) -> OfficeHours:
        """OFFICE_HOURS and OFFICE_CLOSED, read in TIMEZONE."""
        return cls.parse(settings.office_hours, settings.timezone, settings.office_closed)

    @classmethod
    @lru_cache(maxsize=16)
    def parse(cls, spec: str, zone: str, closed: str = "") -> OfficeHours:
        """'mon-fri 09:00-17:00' (days in English, 24-hour clock), several separated by commas ('mon-fri
        09:00-12:30, mon-fri 13:30-17:00'); `closed`: dates without coaches, '2026-12-25, 2026-12-26'."""
        periods = tuple(_period(part) for part in spec.split(","))
        for day in range(7):
            spans = sorted((p.opens, p.closes) for p in periods if day in p.days)
            if any(later[0] < earlier[1] for earlier, later in itertools.pairwise(spans)):
                raise ValueError(f"office hours overlap on {_DAYS[day]}: {spec!r}")
        return cls(periods, ZoneInfo(zone), parse_closed(closed))

    def spans(self, day: date) -> list[tuple[datetime, datetime]]:
        """The opening times of one day, in order (none on a closed day)."""
        if day in self.closed:
            return []
        spans = [(p.opens, p.closes) for p in self.periods if day.weekday() in p.days]
        return [(datetime.combine(day, a, self.zone), datetime.combine(day, b, self.zone)) for a, b in sorted(spans)]

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(self.zone)
        return any(opens <= local < closes for opens, closes in self.spans(local.date()))

    def next_opening(self, now: datetime) -> datetime:
        local = now.astimezone(self.zone)
        for offset in range(_SEARCH_DAYS):
            for opens, _ in self.spans((local + timedelta(days=offset)).date()):
                if opens > local:
                    return opens
        raise ValueError("no opening in the coming year: check OFFICE_CLOSED")


def parse_closed(closed: str) -> frozenset[date]:
    """OFFICE_CLOSED: '2026-12-25, 2026-12-26' (empty: none). Raises ValueError."""
    try:
        return frozenset(date.fromisoformat(part.strip()) for part in closed.split(",") if part.strip())
    except ValueError:
        raise ValueError(f"closed days must be dates like 2026-12-25, separated by commas, not {closed!r}") from None


def _period(part: str) -> Period:
    match = _SPEC.match(part.strip().lower())
    if match is None or match["d1"] not in _DAYS or (match["d2"] and match["d2"] not in _DAYS):
        raise ValueError(f"office hours must look like {_EXAMPLE}, not {part.strip()!r}")
    first = _DAYS.index(match["d1"])
    last = _DAYS.index(match["d2"]) if match["d2"] else first
    days = frozenset(range(first, last + 1)) if first <= last else frozenset([*range(first, 7), *range(last + 1)])
    try:
        opens = time(int(match["h1"]), int(match["m1"]))
        closes = time(int(match["h2"]), int(match["m2"]))
    except ValueError:
        raise ValueError(f"office hours must look like {_EXAMPLE}, not {part.strip()!r}") from None
    if closes <= opens:
        raise ValueError("office hours must close after they open")
    return Period(days, opens, closes)


@lru_cache(maxsize=256)
def format_opening(moment: datetime, lang: str) -> str:
    """'Monday 24 November at 09:00' in the user's language (Babel/CLDR). Cached: the next opening
    is the same moment for hours, and every turn may offer a coach."""
    day = format_datetime(moment, "EEEE d MMMM", tzinfo=moment.tzinfo, locale=lang)
    clock = format_datetime(moment, "HH:mm", tzinfo=moment.tzinfo, locale=lang)
    # The locale joins them (a Latin ", " read as a stray fragment in Arabic and Tigrinya).
    return str(get_datetime_format("medium", locale=lang)).format(clock, day)
