"""Release periods: a quarter (2026Q4), a month (2026-11), a year (2026), or the twelve months to date."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from apps.common.errors import ValidationFailed

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


def _month_start(year: int, month: int) -> date:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, 1)


@dataclass(frozen=True)
class Period:
    label: str
    start: date  # inclusive
    end: date  # exclusive

    @property
    def start_at(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC)

    @property
    def end_at(self) -> datetime:
        return datetime(self.end.year, self.end.month, self.end.day, tzinfo=UTC)

    def months(self) -> list[date]:
        months, current = [], self.start
        while current < self.end:
            months.append(current)
            current = _month_start(current.year, current.month + 1)
        return months


def period_parse(text: str) -> Period:
    """A named period, or a clear refusal."""
    text = text.strip()
    if found := _QUARTER.match(text):
        year, quarter = int(found[1]), int(found[2])
        return Period(text, _month_start(year, 3 * quarter - 2), _month_start(year, 3 * quarter + 1))
    if (found := _MONTH.match(text)) and 1 <= int(found[2]) <= 12:
        year, month = int(found[1]), int(found[2])
        return Period(text, _month_start(year, month), _month_start(year, month + 1))
    if found := _YEAR.match(text):
        return Period(text, date(int(found[1]), 1, 1), date(int(found[1]) + 1, 1, 1))
    raise ValidationFailed("Unknown period.", errors=[{"pointer": "/period", "detail": "use 2026Q4, 2026-11 or 2026"}])


def period_trailing_year(today: date) -> Period:
    """The twelve calendar months ending with the current one (what the periodic job releases)."""
    start = _month_start(today.year, today.month - 11)
    end = _month_start(today.year, today.month + 1)
    return Period(f"{start:%Y-%m}..{_month_start(today.year, today.month):%Y-%m}", start, end)


def period_current_quarter(today: date) -> Period:
    return period_parse(f"{today.year}Q{(today.month - 1) // 3 + 1}")
