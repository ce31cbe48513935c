"""Which archives to keep: the newest of each of the last N days, weeks and
months (local time), as backup.keep_daily, keep_weekly and keep_monthly say.

Only archives of this site (its name prefix) are ever considered, and this
runs only after a backup has succeeded, so a failing destination or a bad
night never costs an older archive.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

Period = Callable[[datetime], Hashable]


def _day(when: datetime) -> Hashable:
    return when.date()


def _week(when: datetime) -> Hashable:
    return when.isocalendar()[:2]


def _month(when: datetime) -> Hashable:
    return (when.year, when.month)


def to_keep(archives: dict[str, datetime], daily: int, weekly: int, monthly: int,
            tz: ZoneInfo = LOCAL_TZ) -> set[str]:
    """The names to keep among `archives` (name -> time made). The newest is
    always kept."""
    newest_first = sorted(archives, key=lambda name: archives[name], reverse=True)
    keep = set(newest_first[:1])
    for count, period in ((daily, _day), (weekly, _week), (monthly, _month)):
        seen: set[Hashable] = set()
        for name in newest_first:
            if len(seen) >= count:
                break
            key = period(archives[name].astimezone(tz))
            if key not in seen:
                seen.add(key)
                keep.add(name)
    return keep
