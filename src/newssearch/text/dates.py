"""Article dates: an ISO day or month, and the inclusive day range it covers.

A month-only date such as the seed's ``2022-01`` spans its whole month, so it falls inside any date range that
covers that month. Used by the corpus reader (validation), the index (day-range columns) and search (filters).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

__all__ = ["InvalidDate", "date_bounds", "parse_date", "read_typed_date"]

_DATE_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$", re.ASCII)


class InvalidDate(ValueError):
    """A date that is not ``YYYY-MM`` or ``YYYY-MM-DD``, or no such day; the message says why."""


def parse_date(value: str | None) -> str | None:
    """Validate an ISO day (``2022-01-06``) or month (``2022-01``); a whole ISO datetime's day part is accepted too
    (``2022-01-06T08:30:00+07:00``), but not a day followed by anything else (``2022-01-01Tzzzz``)."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if "T" in text:
        try:
            dt.datetime.fromisoformat(text)
        except ValueError:
            raise InvalidDate(f"invalid date {value!r}: expected YYYY-MM, YYYY-MM-DD or an ISO datetime") from None
        text = text[:10]
    match = _DATE_RE.match(text)
    if not match:
        raise InvalidDate(f"invalid date {value!r}: expected YYYY-MM or YYYY-MM-DD")
    year, month, day = int(match[1]), int(match[2]), int(match[3] or 1)
    try:
        dt.date(year, month, day)
    except ValueError as exc:
        raise InvalidDate(f"invalid date {value!r}: {exc}") from None
    return text


def date_bounds(date: str) -> tuple[int, int]:
    """``2022-01-06`` → (20220106, 20220106); ``2022-01`` → (20220101, 20220131), as ``YYYYMMDD`` integers."""
    year, month = int(date[:4]), int(date[5:7])
    if len(date) >= 10:
        day = int(date[8:10])
        return (year * 10000 + month * 100 + day,) * 2
    last = calendar.monthrange(year, month)[1]
    return year * 10000 + month * 100 + 1, year * 10000 + month * 100 + last


_TYPED_DAY_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$", re.ASCII)
_TYPED_MONTH_RE = re.compile(r"^(\d{1,2})[/.-](\d{4})$", re.ASCII)
_TYPED_YEAR_RE = re.compile(r"^(\d{4})$", re.ASCII)


def read_typed_date(value: str | None, *, end: bool = False) -> str | None:
    """A date bound as the page takes it → ``YYYY-MM[-DD]``: ``20/04/2021`` (a day, Vietnamese order), ``04/2021``
    (a month), ``2021`` (a year: its January as a start, its December with ``end``), or ISO as before."""
    text = (value or "").strip()
    if not text:
        return None
    if match := _TYPED_DAY_RE.match(text):
        return parse_date(f"{match[3]}-{int(match[2]):02d}-{int(match[1]):02d}")
    if match := _TYPED_MONTH_RE.match(text):
        return parse_date(f"{match[2]}-{int(match[1]):02d}")
    if match := _TYPED_YEAR_RE.match(text):
        return f"{match[1]}-12" if end else f"{match[1]}-01"
    try:
        return parse_date(text)
    except InvalidDate:
        raise InvalidDate(f"invalid date {value!r}: expected 20/04/2021, 04/2021, 2021 or 2021-04-20") from None
