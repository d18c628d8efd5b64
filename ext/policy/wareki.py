"""Dates of a policy's history, written and shown in 和暦 (令和8年4月1日).

Editors write a date as an ISO date (2026-04-01) or in 和暦, to the day or to the month
(令和8年3月: the published basic policy is dated to the month, and is shown as written).
Conversion between the two goes through japanera, a maintained library with the table of
eras and their first days: the boundaries (平成31年4月30日 is a date, 平成31年5月1日 is not;
令和元年 begins on 5月1日) are facts to be looked up, not to be typed again here, and the
library rejects impossible dates (2月30日) with the same check.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
import warnings
from dataclasses import dataclass

from japanera import EraDate

_ISO = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?$")
_WAREKI = re.compile(
    r"^(?P<era>\D+?)(?P<year>元|\d{1,2})年(?P<month>\d{1,2})月(?:(?P<day>\d{1,2})日)?$")


class BadDate(ValueError):
    """A date that cannot be read or does not exist; the message says which."""


@dataclass(frozen=True, order=True)
class PolicyDate:
    """A date of the history: to the day, or to the month (``day`` is then 0).

    Ordered by the first day it can mean, so that 令和8年3月 comes before 令和8年3月2日.
    """

    year: int
    month: int
    day: int = 0

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, self.month, self.day or 1)

    @property
    def last_day(self) -> datetime.date:
        if self.day:
            return self.first_day
        following = datetime.date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return following - datetime.timedelta(days=1)

    def iso(self) -> str:
        return f"{self.year:04d}-{self.month:02d}" + (f"-{self.day:02d}" if self.day else "")

    def wareki(self) -> str:
        """令和8年4月1日, 令和元年5月1日, 令和8年3月: era and year from japanera."""
        era_date = _era_date(self.first_day)
        year = int(era_date.strftime("%-Y"))
        text = f"{era_date.era.kanji}{'元' if year == 1 else year}年{self.month}月"
        return text + (f"{self.day}日" if self.day else "")

    def english(self) -> str:
        """1 April 2026, or March 2026."""
        month = datetime.date(2000, self.month, 1).strftime("%B")
        return f"{self.day} {month} {self.year}" if self.day else f"{month} {self.year}"

    def shown(self, language: str = "ja") -> str:
        return self.wareki() if language.startswith("ja") else self.english()


def _era_date(date: datetime.date) -> EraDate:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return EraDate.from_date(date)


def parse(text: str) -> PolicyDate:
    """Read an ISO or 和暦 date, to the day or to the month; ``BadDate`` if it is not one."""
    written = unicodedata.normalize("NFKC", str(text)).strip().replace(" ", "")
    iso = _ISO.match(written)
    if iso:
        year, month = int(iso["year"]), int(iso["month"])
        day = int(iso["day"]) if iso["day"] else 0
        try:
            datetime.date(year, month, day or 1)
        except ValueError as exc:
            raise BadDate(f"{text}: {exc}") from None
        return PolicyDate(year, month, day)
    wareki = _WAREKI.match(written)
    if not wareki:
        raise BadDate(f"{text}: 2026-04-01 or 令和8年4月1日 (令和8年3月) expected")
    shape = "%-K%-y年%-m月" + ("%-d日" if wareki["day"] else "")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = EraDate.strptime(written, shape)
    except ValueError:
        raise BadDate(f"{text}: no such date") from None
    # Only eras in common use: 南北朝 court eras share names and would give two dates.
    dates = sorted({(d.year, d.month, d.day) for d in found if d.year >= 1868})
    if len(dates) != 1:
        raise BadDate(f"{text}: no such date")
    year, month, day = dates[0]
    return PolicyDate(year, month, day if wareki["day"] else 0)


def from_iso(text: str) -> PolicyDate:
    """A date as ``iso()`` wrote it (kept in the environment and in JSON)."""
    parts = [int(part) for part in text.split("-")]
    return PolicyDate(parts[0], parts[1], parts[2] if len(parts) > 2 else 0)
