"""Office hours of the coaches and the next opening, in the organisation's time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, get_datetime_format

_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_SPEC = re.compile(
    r"^(?P<d1>[a-z]{3})(?:-(?P<d2>[a-z]{3}))?\s+(?P<h1>\d{1,2}):(?P<m1>\d\d)-(?P<h2>\d{1,2}):(?P<m2>\d\d)$"
)


@dataclass(frozen=True)
class OfficeHours:
    days: frozenset[int]  # 0 = Monday
    opens: time
    closes: time
    zone: ZoneInfo

    @classmethod
    @lru_cache(maxsize=16)
    def parse(cls, spec: str, zone: str) -> OfficeHours:
        """'mon-fri 09:00-17:00' (days in English, 24-hour clock)."""
        match = _SPEC.match(spec.strip().lower())
        if match is None or match["d1"] not in _DAYS or (match["d2"] and match["d2"] not in _DAYS):
            raise ValueError(f"office hours must look like 'mon-fri 09:00-17:00', not {spec!r}")
        first = _DAYS.index(match["d1"])
        last = _DAYS.index(match["d2"]) if match["d2"] else first
        days = frozenset(range(first, last + 1)) if first <= last else frozenset([*range(first, 7), *range(last + 1)])
        opens = time(int(match["h1"]), int(match["m1"]))
        closes = time(int(match["h2"]), int(match["m2"]))
        if closes <= opens:
            raise ValueError("office hours must close after they open")
        return cls(days, opens, closes, ZoneInfo(zone))

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(self.zone)
        return local.weekday() in self.days and self.opens <= local.time() < self.closes

    def next_opening(self, now: datetime) -> datetime:
        local = now.astimezone(self.zone)
        for offset in range(8):
            day = (local + timedelta(days=offset)).date()
            opening = datetime.combine(day, self.opens, self.zone)
            if day.weekday() in self.days and opening > local:
                return opening
        raise ValueError("no opening day")  # pragma: no cover - parse() guarantees at least one day


@lru_cache(maxsize=256)
def format_opening(moment: datetime, lang: str) -> str:
    """'Monday 24 November at 09:00' in the user's language (Babel/CLDR). Cached: the next opening
    is the same moment for hours, and every turn may offer a coach."""
    day = format_datetime(moment, "EEEE d MMMM", tzinfo=moment.tzinfo, locale=lang)
    clock = format_datetime(moment, "HH:mm", tzinfo=moment.tzinfo, locale=lang)
    # The locale joins them (a Latin ", " read as a stray fragment in Arabic and Tigrinya).
    return str(get_datetime_format("medium", locale=lang)).format(clock, day)
