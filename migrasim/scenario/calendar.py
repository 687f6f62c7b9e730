"""Dates, times and the working calendar in a scenario: local dates and date-times within the
years the calendar can hold, transfer windows, weekdays, closures, periods, and
:class:`CalendarSpec`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal

from pydantic import (
    BeforeValidator,
    Field,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)

from migrasim.core.calendar import WEEKDAYS
from migrasim.errors import N_, quoted
from migrasim.scenario.fields import (
    _fail,
    _Model,
)

FIRST_YEAR, LAST_YEAR = 1990, 2200
"""Every date a scenario gives (start, go-live, closures, outages, a flow's start) lies in these
years: the calendar, holidays and every date conversion can hold them with the horizon added."""


def _in_years(value: date) -> None:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise _fail(
            N_("the year %(year)s is outside %(first)s-%(last)s", year=value.year,
               first=FIRST_YEAR, last=LAST_YEAR),
            N_("give the real date (a year from %(first)s to %(last)s)", first=FIRST_YEAR,
               last=LAST_YEAR),
        )  # fmt: skip


def _to_date(value: object) -> date:
    day = _parse_date(value)
    _in_years(day)
    return day


def _parse_date(value: object) -> date:
    if isinstance(value, datetime):
        raise _fail(
            N_("expected a date, got the date-time %(value)s", value=quoted(value.isoformat())),
            N_("write YYYY-MM-DD"),
        )
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _fail(
        N_("not a valid date: %(value)s", value=quoted(value)),
        N_("write a real date as YYYY-MM-DD, e.g. 2025-06-02"),
    )


def _to_datetime(value: object) -> datetime:
    """A date (meaning 00:00) or a naive local date-time, within the years allowed."""
    moment = _parse_datetime(value)
    _in_years(moment.date())
    return moment


def _parse_datetime(value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            parsed = None
        if parsed is not None:
            if parsed.tzinfo is not None:
                raise _fail(
                    N_("give local time without a UTC offset, got %(value)s", value=quoted(value)),
                    N_(
                        "write YYYY-MM-DD or YYYY-MM-DDTHH:MM (local time of the scenario's "
                        "timezone)"
                    ),
                )
            return parsed
    raise _fail(
        N_("not a valid date or date-time: %(value)s", value=quoted(value)),
        N_("write YYYY-MM-DD or YYYY-MM-DDTHH:MM, e.g. 2025-06-02T08:00"),
    )


LocalDate = Annotated[
    date,
    BeforeValidator(_to_date),
    WithJsonSchema({"type": "string", "format": "date", "examples": ["2026-01-05"]}),
]
LocalDateTime = Annotated[
    datetime,
    BeforeValidator(_to_datetime),
    PlainSerializer(lambda d: d.isoformat()),
    WithJsonSchema(
        {
            "type": "string",
            "description": "date (00:00) or local date-time",
            "examples": ["2025-06-02", "2025-06-02T08:00"],
        }
    ),
]

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _to_window(value: object) -> tuple[int, int]:
    """``"19:00-07:00"`` -> (68400, 25200): open and close as seconds after midnight."""
    fix = N_("write HH:MM-HH:MM in local time, e.g. '19:00-07:00' (may cross midnight)")
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return int(value[0]), int(value[1])
    match = _WINDOW.match(value) if isinstance(value, str) else None
    if not match:
        raise _fail(N_("not a time window: %(value)s", value=quoted(value)), fix)
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2 != 0):
        raise _fail(N_("not a valid time of day in %(value)s", value=quoted(value)), fix)
    open_s, close_s = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
    if open_s == close_s % 86400:
        raise _fail(
            N_("window %(value)s opens and closes at the same time", value=quoted(value)),
            N_("leave out 'window' for a link open all working day, or give different times"),
        )
    return open_s, close_s


def _format_window(window: tuple[int, int]) -> str:
    def hhmm(seconds: int) -> str:
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"

    return f"{hhmm(window[0])}-{hhmm(window[1])}"


Window = Annotated[
    tuple[int, int],
    BeforeValidator(_to_window),
    PlainSerializer(_format_window),
    WithJsonSchema(
        {"type": "string", "pattern": r"^\d{1,2}:\d{2}-\d{1,2}:\d{2}$", "examples": ["19:00-07:00"]}
    ),
]


def _to_weekday(value: object) -> str:
    if isinstance(value, str):
        for day in WEEKDAYS:
            if value.strip().lower() in (day.lower(), _FULL_DAY[day].lower()):
                return day
    raise _fail(
        N_("not a weekday: %(value)s", value=quoted(value)),
        N_("use Mon, Tue, Wed, Thu, Fri, Sat or Sun"),
    )


_FULL_DAY = dict(
    zip(
        WEEKDAYS,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)
Weekday = Annotated[
    str, BeforeValidator(_to_weekday), WithJsonSchema({"type": "string", "enum": list(WEEKDAYS)})
]


def _to_closure(value: object) -> tuple[date, date]:
    """``2025-11-03`` or ``"2025-12-22..2026-01-02"`` (inclusive) -> (first, last)."""
    if isinstance(value, str) and ".." in value:
        first_text, _, last_text = value.partition("..")
        first, last = _to_date(first_text), _to_date(last_text)
        if last < first:
            raise _fail(
                N_("range %(value)s ends before it starts", value=quoted(value)),
                N_("write FIRST..LAST, FIRST <= LAST"),
            )
        return first, last
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return _to_date(value[0]), _to_date(value[1])
    day = _to_date(value)
    return day, day


Closure = Annotated[
    tuple[date, date],
    BeforeValidator(_to_closure),
    PlainSerializer(lambda c: c[0].isoformat() if c[0] == c[1] else f"{c[0]}..{c[1]}"),
    WithJsonSchema(
        {
            "type": "string",
            "description": "a date, or an inclusive range FIRST..LAST",
            "examples": ["2025-11-03", "2025-12-22..2026-01-02"],
        }
    ),
]


def _to_period(value: object) -> tuple[datetime, datetime]:
    """``"2025-10-04T08:00..2025-10-05T18:00"``; a date as either end means the whole of that
    day (inclusive), and a bare date ``"2025-07-08"`` means that whole local day."""
    fix = N_(
        "write FROM..TO with dates or local date-times, e.g. 2025-10-04T08:00..2025-10-05T18:00"
    )
    if isinstance(value, date) and not isinstance(value, datetime):
        value = value.isoformat()
    if isinstance(value, str) and ".." not in value and len(value.strip()) == 10:
        value = f"{value.strip()}..{value.strip()}"  # a bare date: that whole local day
    if not isinstance(value, str) or ".." not in value:
        raise _fail(N_("not a period: %(value)s", value=quoted(value)), fix)
    first_text, _, last_text = (part.strip() for part in value.partition(".."))
    first = _to_datetime(first_text)
    last = _to_datetime(last_text)
    if len(last_text) == 10:  # a date: up to the end of that day
        last = last + timedelta(days=1)
    if last <= first:
        raise _fail(N_("period %(value)s ends before it starts", value=quoted(value)), fix)
    return first, last


Period = Annotated[
    tuple[datetime, datetime],
    BeforeValidator(_to_period),
    PlainSerializer(lambda p: f"{p[0].isoformat()}..{p[1].isoformat()}"),
    WithJsonSchema({"type": "string", "examples": ["2025-10-04T08:00..2025-10-05T18:00"]}),
]


class CalendarSpec(_Model):
    """Which days transfers may happen on."""

    working_days: tuple[Weekday, ...] = Field(
        default=("Mon", "Tue", "Wed", "Thu", "Fri"), description="days of the week that are worked"
    )
    holidays: Literal["wales", "england", "scotland", "northern_ireland", "none"] = Field(
        default="wales", description="public holidays (UK bank holidays for the region) or 'none'"
    )
    closures: tuple[Closure, ...] = Field(
        default=(), description="extra non-working days, e.g. change freezes"
    )
    weekend_holidays: Literal["substitute", "both", "actual"] = Field(
        default="substitute",
        description="a bank holiday on a Saturday or Sunday that has a substitute weekday: "
        "'substitute' (the default) closes the substitute day only, 'both' the actual day too, "
        "'actual' the actual day only; matters when working_days include weekends",
    )

    @model_validator(mode="after")
    def _some_working_day(self) -> CalendarSpec:
        if not self.working_days:
            raise _fail(
                N_("working_days is empty, so nothing could ever move"),
                N_("list at least one day"),
            )
        return self
