"""Pure date rules: working days, holidays, closures, transfer windows and go-live.

No simpy, no randomness, no I/O. This module and ``rules.py`` (in time, days late) are the
only core modules that deal in dates; the engine works in seconds since the scenario start
(:data:`SimTime`), real elapsed time, so a window on the night the clocks change is an hour
longer or shorter, as it is on the wire.

:class:`Clock` is the one date-conversion API (local time <-> SimTime, the day a completion
counts for, one value or an array) and :data:`NEVER` the one "never" of a time: a SimTime or day
ordinal that never comes is ``NEVER`` (inf), a local moment ``NaT`` in an array or ``None``
alone, a date ``None`` (a date cannot be infinite).
"""

from __future__ import annotations

import bisect
import functools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_lib
import numpy as np

from migrasim.core.capacity import INF

SimTime = float
"""Seconds since the scenario's start (real elapsed time)."""

NEVER = INF
"""The one "never" of a time (the core's one infinity, ``capacity.INF``, by its name for a time): a
SimTime that never comes (``FlowResult.started_s`` and ``finished_s``, ``RunResult.finished_s``, a
swing's finish, every array of completions) and a day ordinal that never comes
(:meth:`Clock.completion_days`). Where a time turns into a calendar value, never stays never in that
type's own way: a local moment in an array is ``datetime64`` ``NaT``, a lone one ``None``; a date is
``None`` (a ``date`` cannot be infinite). The text "never" is written only at the edge (CSV,
terminal, reports)."""

DAY = 86_400

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Weekday names in ``date.weekday()`` order (Monday is 0)."""

HOLIDAY_REGIONS = {"wales": "WLS", "england": "ENG", "scotland": "SCT", "northern_ireland": "NIR"}
"""Holiday region names and their ``holidays`` library subdivision codes."""


@dataclass(frozen=True)
class WorkingCalendar:
    """Which local dates are working days."""

    working_weekdays: frozenset[int]
    non_working_dates: frozenset[date]

    def is_working(self, day: date) -> bool:
        return day.weekday() in self.working_weekdays and day not in self.non_working_dates


WEEKEND_HOLIDAY_RULES = ("substitute", "both", "actual")
"""Which day a bank holiday on a weekend closes, when it has a substitute weekday (the
``holidays`` library's "(observed)" day): the substitute only (the default), both, or the
actual day only (docs/semantics.md, "Working days")."""


def bank_holidays(
    region: str, years: Iterable[int], weekend: str = "substitute"
) -> dict[date, str]:
    """UK bank holidays for a region ('wales', ...), or none for 'none'.

    A holiday on a Saturday or Sunday has a substitute weekday (the library's observed day,
    named "... (observed)"); ``weekend`` (:data:`WEEKEND_HOLIDAY_RULES`) says which of the two
    is the holiday. It matters only to a calendar that works weekends."""
    if region == "none":
        return {}
    subdiv, years = HOLIDAY_REGIONS[region], list(years)
    observed = holidays_lib.country_holidays("GB", subdiv=subdiv, years=years)
    actual = holidays_lib.country_holidays("GB", subdiv=subdiv, years=years, observed=False)
    substitutes = {day: str(name) for day, name in observed.items() if day not in actual}
    if weekend == "actual":
        return {day: str(name) for day, name in actual.items()}
    if weekend == "both":
        return {day: str(name) for day, name in observed.items()}
    # the weekend days a substitute stands in for: the same holiday, observed days after it
    replaced = {
        day
        for day, name in actual.items()
        if day.weekday() >= 5
        and any(str(name) in sub and 0 < (on - day).days <= 3 for on, sub in substitutes.items())
    }
    return {day: str(name) for day, name in observed.items() if day not in replaced}


def build_calendar(
    working_weekdays: Iterable[int],
    holiday_region: str,
    closures: Iterable[tuple[date, date]],
    first: date,
    last: date,
    weekend_holidays: str = "substitute",
) -> WorkingCalendar:
    """The working calendar between ``first`` and ``last`` (inclusive).

    ``working_weekdays`` are ``date.weekday()`` numbers (Monday 0), ``holiday_region`` a key of
    :data:`HOLIDAY_REGIONS` or ``'none'``, ``closures`` inclusive (first, last) date ranges and
    ``weekend_holidays`` which day a weekend bank holiday closes (:func:`bank_holidays`).
    """
    years = range(first.year, last.year + 1)
    closed: set[date] = set(bank_holidays(holiday_region, years, weekend_holidays))
    for lo, hi in closures:
        closed.update(lo + timedelta(days=i) for i in range((hi - lo).days + 1))
    return WorkingCalendar(frozenset(working_weekdays), frozenset(closed))


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_EPOCH_LOCAL = datetime.combine(date(1970, 1, 1), time())

MIDNIGHT_TOL = 1e-6
"""Seconds: an instant this close after 00:00 *is* 00:00 (floating-point dust, the engine's
TIME_TOL); 0.4 s after midnight is not."""


def _day_ordinals(instant_s: np.ndarray, offsets: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """The end-of-day rule, written once: the day each exact instant counts for, as date
    ordinals (floats). ``instant_s``: seconds since 1970-01-01 00:00 (UTC, or local with zero
    ``offsets``); ``offsets(second)``: the zone's UTC offset at each whole second. Only an
    instant of exactly 00:00 (within :data:`MIDNIGHT_TOL`) counts for the day before, so
    00:00:00.4 is the new day."""
    exact = instant_s - MIDNIGHT_TOL  # 00:00 + dust falls in the day before
    local = exact + offsets(np.floor(exact).astype(np.int64))
    out: np.ndarray = np.floor(local / DAY) + _EPOCH_ORDINAL
    return out


@dataclass(frozen=True)
class Clock:
    """The one date-conversion API: local wall-clock times <-> :data:`SimTime`, and the day a
    completion counts for, for one time or an array of them. The zone's offsets come from
    ``zoneinfo``; :data:`NEVER` converts to ``NaT`` (arrays of moments), ``NEVER`` (arrays of
    day ordinals) or ``None`` (one date)."""

    start: datetime  # naive local
    tz: ZoneInfo

    @functools.cached_property
    def epoch(self) -> float:
        """The start as a POSIX timestamp (computed once: every conversion needs it)."""
        return self.start.replace(tzinfo=self.tz).timestamp()

    @functools.cached_property
    def _days_seen(self) -> dict[float, date]:
        """:meth:`completion_day`'s memo (replications repeat values)."""
        return {}

    def to_sim(self, local: datetime) -> SimTime:
        """The SimTime of a naive local date-time."""
        return local.replace(tzinfo=self.tz).timestamp() - self.epoch

    def to_local(self, t: SimTime) -> datetime:
        """Naive local date-time of ``t`` (finite), rounded to the nearest second."""
        if not math.isfinite(t):
            raise ValueError(f"a time that never comes has no local date-time: {t}")
        aware = datetime.fromtimestamp(round(self.epoch + t), tz=self.tz)
        return aware.replace(tzinfo=None)

    def local_moments(self, t: np.ndarray) -> np.ndarray:
        """:meth:`to_local` for an array: the naive local time of each ``t`` as
        ``datetime64[s]`` (never, ``t`` infinite or nan: ``NaT``).

        Rounds as ``to_local`` does (``round`` of ``epoch + t``, half to even)."""
        t = np.asarray(t, dtype=float)
        finite = np.isfinite(t)
        out = np.full(t.shape, np.datetime64("NaT"), dtype="datetime64[s]")
        if not finite.any():
            return out
        utc = np.round(self.epoch + t[finite]).astype(np.int64)
        out[finite] = (utc + _utc_offsets(self, utc)).astype("datetime64[s]")
        return out

    def completion_days(self, t: np.ndarray) -> np.ndarray:
        """The day each completion ``t`` counts for, as date ordinals (whole numbers as
        floats; :data:`NEVER` where ``t`` is not finite), from the exact instant, not the
        rounded second (:func:`_day_ordinals`: 00:00 counts for the day before, 00:00:00.4
        for the new day)."""
        t = np.asarray(t, dtype=float)
        finite = np.isfinite(t)
        out = np.full(t.shape, NEVER)
        if not finite.any():
            return out
        out[finite] = _day_ordinals(self.epoch + t[finite], lambda s: _utc_offsets(self, s))
        return out

    def completion_day(self, t: SimTime) -> date | None:
        """The local date a completion at ``t`` counts for (:meth:`completion_days` for one
        instant); ``None`` when it never comes. Memoised per clock."""
        if not math.isfinite(t):
            return None
        day = self._days_seen.get(t)
        if day is None:
            ordinal = self.completion_days(np.asarray([t]))[0]
            day = self._days_seen[t] = date.fromordinal(int(ordinal))
        return day

    @staticmethod
    def local_completion_day(moment: datetime) -> date:
        """The date an exact naive local ``moment`` counts for (the same rule: exactly 00:00
        counts for the day before). For a SimTime use :meth:`completion_day`, which does not
        round to the second first."""
        local_s = (moment - _EPOCH_LOCAL) / timedelta(seconds=1)
        ordinal = _day_ordinals(np.asarray([local_s]), np.zeros_like)[0]
        return date.fromordinal(int(ordinal))


def _utc_offsets(clock: Clock, utc: np.ndarray) -> np.ndarray:
    """The zone's UTC offset (seconds, int64) at each whole UTC second of ``utc`` (int64), as
    zoneinfo gives it. Asked once at each end of every UTC day the seconds fall on, and second
    by second only on a day whose two ends differ (a clock change): seconds cluster in days, so
    this is a few thousand look-ups however many seconds there are."""

    def offset(second: int) -> int:
        delta = datetime.fromtimestamp(second, tz=clock.tz).utcoffset()
        return 0 if delta is None else int(delta.total_seconds())

    days, inverse = np.unique(utc // DAY, return_inverse=True)
    first = np.array([offset(int(d) * DAY) for d in days], dtype=np.int64)
    last = np.array([offset(int(d) * DAY + DAY - 1) for d in days], dtype=np.int64)
    out = first[inverse]
    on_a_change = np.flatnonzero((first != last)[inverse])
    if on_a_change.size:
        seconds, back = np.unique(utc[on_a_change], return_inverse=True)
        out[on_a_change] = np.array([offset(int(s)) for s in seconds], dtype=np.int64)[back]
    return out


@dataclass(frozen=True)
class WindowSchedule:
    """A link's transfer windows as sorted, disjoint [open, close) intervals of SimTime."""

    open_s: tuple[float, ...]
    close_s: tuple[float, ...]

    def at(self, t: SimTime) -> int:
        """Index of the window open at ``t``, or -1 - (index of the next window) if none is."""
        i = bisect.bisect_right(self.open_s, t) - 1
        if i >= 0 and t < self.close_s[i]:
            return i
        return -2 - i

    def next_change(self, t: SimTime) -> float:
        """The first open or close strictly after ``t`` (inf when there is none)."""
        i = self.at(t)
        if i >= 0:
            return self.close_s[i]
        nxt = -1 - i
        return self.open_s[nxt] if nxt < len(self.open_s) else float("inf")


def window_schedule(
    window: tuple[int, int] | None,
    calendar: WorkingCalendar,
    clock: Clock,
    first: date,
    last: date,
) -> WindowSchedule:
    """Windows opening on each working day from ``first`` to ``last``.

    A window belongs to the day on which it opens and runs to its close even past midnight;
    without a window a working day's window is 00:00-24:00.
    """
    open_sec, close_sec = window if window is not None else (0, DAY)
    opens: list[float] = []
    closes: list[float] = []
    day = first
    while day <= last:
        if calendar.is_working(day):
            midnight = datetime.combine(day, time())
            close_day = day if close_sec > open_sec else day + timedelta(days=1)
            o = clock.to_sim(midnight + timedelta(seconds=open_sec))
            c = clock.to_sim(datetime.combine(close_day, time()) + timedelta(seconds=close_sec))
            if opens and o < closes[-1]:  # only with DST oddities: keep windows disjoint
                o = closes[-1]
            if c > o:
                opens.append(o)
                closes.append(c)
        day += timedelta(days=1)
    return WindowSchedule(tuple(opens), tuple(closes))


def week_starts(clock: Clock, last: date) -> list[float]:
    """SimTime of every local Monday 00:00 from the one on or before the start to past ``last``."""
    monday = clock.start.date() - timedelta(days=clock.start.weekday())
    starts = []
    while monday <= last + timedelta(days=7):
        starts.append(clock.to_sim(datetime.combine(monday, time())))
        monday += timedelta(days=7)
    return starts
