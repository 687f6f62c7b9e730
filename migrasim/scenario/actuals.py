"""The transfer log ``migrasim track`` conditions on: what crossed, flow by flow, day by day.

A log is a ``.csv`` (UTF-8) or ``.xlsx`` file (the first sheet) with a header row and one row
per flow per day. It is forgiving of how people type, and strict about what it cannot know.

Columns (:func:`header_column`: any case; ``_``, ``-`` and brackets read as spaces):

- ``date`` (required): the local date (:func:`parse_day`): ``YYYY-MM-DD``; an Excel date cell
  or serial day number; or ``DD/MM/YYYY`` (``D/M/YYYY``, ``DD-MM-YYYY``, ``DD.MM.YYYY``) read day
  first as in the UK, month first with ``month_first`` (``track --month-first``). A day or month
  out of range is refused, never read the other way round; so is a two-digit year;
- ``flow`` (required): the flow's name as in the scenario, in any case and spacing (trimmed,
  inner runs of spaces made one), or the ``organisation:`` of exactly one flow
  (:class:`FlowNames`);
- ``bytes`` (required): what crossed that day; the header may name the unit a bare number is
  in: ``bytes`` (bytes), ``bytes (MB)``, ``bytes_gb``, ``bytes in GiB``, ``MB``, ``gb moved``.
  A cell may give its own unit, in any case (:func:`migrasim.core.units.parse_log_size`):
  ``950 mb`` is 950 megabytes (a log counts bytes, so ``mb`` is never millibits or megabits),
  ``1.2 GB``, ``1,200 MB`` (thousands separators in groups of three only), ``2 GiB`` (2^30);
  ``0`` records a day with nothing moved;
- ``records`` (optional): records moved that day (kept for the record, not used);
- ``rejected_bytes`` (optional): the part of ``bytes`` the target refused (to be re-sent); its
  header may name a unit as ``bytes``'s does (``rejected_bytes (MB)``, ``rejected GB``);
- ``complete`` (optional): ``yes`` on the day the flow finished (``no`` or blank otherwise);
- ``note`` (optional): free text, ignored (e.g. "invented example").

Every problem is reported at once, each with the file, the row (as Excel numbers it: the header
is row 1) and the column (as the header writes it). A flow whose accepted total exceeds the
scenario's ``high`` volume is a warning, not an error: the estimate was too low, and the log is
the better evidence. So is a bare number under 1 MB on a working day in a column headed just
``bytes``: probably MB or GB typed without a unit; the warning names the rows.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from migrasim.core import units
from migrasim.core.calendar import WEEKDAYS, WorkingCalendar, build_calendar
from migrasim.errors import N_, Message, Problem, ScenarioError, UnitError, quoted
from migrasim.scenario.inventory import blank_cell, cell_text, read_rows
from migrasim.scenario.types import SIZE_BOUNDS, EstimateSpec, Scenario

COLUMNS = ("date", "flow", "bytes", "records", "rejected_bytes", "complete", "note")
REQUIRED = ("date", "flow", "bytes")
YES = ("yes", "y", "true", "1")
NO = ("no", "n", "false", "0", "")
SIZED = ("bytes", "rejected_bytes")
"""The columns whose header may name a unit: ``bytes (MB)``, ``GB``, ``rejected_bytes_gib``."""
# A header's words (after the unit is taken out) -> its column; the second table only when
# the header names a unit ('GB', 'gb moved', 'rejected GB').
_NAMES = {c.replace("_", " "): c for c in COLUMNS} | {"bytes moved": "bytes"}
_NAMES_WITH_UNIT = {"": "bytes", "moved": "bytes", "rejected": "rejected_bytes"}
PLAUSIBLE_BYTES = 1e6
"""A bare number under this (1 MB) in a ``bytes`` column with no unit, on a working day, is
probably in MB or GB: a warning."""
SHOWN_ROWS = 5
"""How many rows a warning names before "and N more"."""
MAX_SHOWN = 40
"""A cell longer than this is quoted cut short (:func:`~migrasim.errors.quoted`)."""
EXCEL_EPOCH = date(1899, 12, 30)
"""Day 0 of Excel's (1900) serial day numbers: serial 45810 is 2025-06-02."""


@dataclass(frozen=True)
class LogDay:
    """One row of the log: ``bytes_moved`` crossed on ``day``, ``rejected_bytes`` of it refused."""

    day: date
    flow: str
    bytes_moved: float
    rejected_bytes: float
    records: float | None
    complete: bool
    row: int

    @property
    def accepted_bytes(self) -> float:
        return self.bytes_moved - self.rejected_bytes


@dataclass(frozen=True)
class FlowActuals:
    """One flow's log up to the as-of date."""

    name: str
    days: tuple[LogDay, ...]  # sorted by day
    completed_on: date | None  # the day it was marked complete

    @property
    def delivered_bytes(self) -> float:
        """Accepted bytes so far (rejected bytes still have to be re-sent)."""
        return sum(d.accepted_bytes for d in self.days)

    @property
    def rejected_bytes(self) -> float:
        return sum(d.rejected_bytes for d in self.days)

    @property
    def first_day(self) -> date | None:
        moved = [d.day for d in self.days if d.bytes_moved > 0]
        return min(moved) if moved else None

    def by_day(self) -> dict[date, float]:
        return {d.day: d.bytes_moved for d in self.days}


@dataclass(frozen=True)
class ActualsLog:
    """A validated log: per flow (every scenario flow, logged or not), the as-of date and the
    warnings to show."""

    file: str
    flows: dict[str, FlowActuals]
    as_of: date
    warnings: tuple[str, ...]

    @property
    def last_day(self) -> date:
        return self.as_of - timedelta(days=1)


def horizon_end(scenario: Scenario) -> date:
    """The day the scenario's horizon ends: no log row or as-of date lies beyond it."""
    return (scenario.start + timedelta(seconds=scenario.horizon)).date()


_ISO = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_DMY = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4})")
_SHORT_YEAR = re.compile(r"\d{1,2}([-/.])\d{1,2}\1\d{2}")


class DateError(ValueError):
    """A cell that is not a date: ``problem`` says why, ``fix`` what to write."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem, self.fix = problem, fix


def _date_fix(month_first: bool) -> Message:
    return (
        N_("write YYYY-MM-DD or MM/DD/YYYY (month first, as --month-first says)")
        if month_first
        else N_("write YYYY-MM-DD or DD/MM/YYYY (day first; --month-first for MM/DD/YYYY)")
    )


def parse_day(value: Any, month_first: bool = False) -> date:
    """A log cell as a date. Accepted: an Excel date cell (a date, or a date-time at midnight);
    an Excel serial day number (a whole number in a numeric cell: 45810 is 2025-06-02); text
    ``YYYY-MM-DD`` (also ``YYYY/MM/DD``, ``YYYY.MM.DD``); and ``DD/MM/YYYY``, read day first as
    in the UK (``D/M/YYYY``, ``DD-MM-YYYY`` and ``DD.MM.YYYY`` too), or month first with
    ``month_first``. A day or month out of range is an error, never read the other way round;
    so is a two-digit year. Raises :class:`DateError`."""
    fix = _date_fix(month_first)
    if isinstance(value, datetime):
        if value.time() != time():
            raise DateError(N_("%(value)s has a time of day", value=quoted(value)),
                            N_("give the date alone"))  # fmt: skip
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial_day(value, fix)
    text = cell_text(value)
    if (match := _ISO.fullmatch(text)) is not None:
        year, month, day = int(match[1]), int(match[3]), int(match[4])
        return _checked(text, year, month, day, fix, None)
    if (match := _DMY.fullmatch(text)) is not None:
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        month, day = (first, second) if month_first else (second, first)
        return _checked(text, year, month, day, fix, month_first)
    if _SHORT_YEAR.fullmatch(text):
        raise DateError(N_("%(value)s has a two-digit year", value=quoted(value)), fix)
    raise DateError(N_("not a date: %(value)s", value=quoted(value)), fix)


def _checked(
    text: str, year: int, month: int, day: int, fix: Message, month_first: bool | None
) -> date:
    """The date, or why not; ``month_first`` None for year-first text, else which order the
    day and month were read in (a date that is valid only the other way round says so)."""
    try:
        return date(year, month, day)
    except ValueError:
        pass
    if month_first is None:
        raise DateError(N_("not a date: %(value)s", value=quoted(text)), fix)
    try:
        date(year, day, month)
    except ValueError:
        other = False
    else:
        other = True
    if month_first:
        problem = N_("%(value)s is not a date read month first (month %(month)s, day %(day)s)",
                     value=quoted(text), month=month, day=day)  # fmt: skip
        hint = N_("leave out --month-first if the log writes the day first, or correct the date")
    else:
        problem = N_("%(value)s is not a date read day first (day %(day)s, month %(month)s)",
                     value=quoted(text), month=month, day=day)  # fmt: skip
        hint = N_("give --month-first if the log writes the month first, or correct the date")
    raise DateError(problem, hint if other else fix)


def _serial_day(value: float, fix: Message) -> date:
    """An Excel serial day number (a numeric cell in the date column)."""
    if not math.isfinite(value) or not float(value).is_integer() or not 61 <= value < 2_958_466:
        raise DateError(N_("not a date: %(value)s", value=quoted(value)), fix)
    return EXCEL_EPOCH + timedelta(days=int(value))


@dataclass(frozen=True)
class Header:
    """The header row read: column -> cell index, the unit (bytes per unit) each sized column's
    header names (None: it names none, so a bare number is bytes), and each column as the
    header writes it (for messages)."""

    index: dict[str, int]
    unit: dict[str, float | None]
    shown: dict[str, str]


def _header_words(raw: str) -> tuple[list[str], list[int]]:
    """A header's words (casefolded; ``_``, ``-`` and brackets as spaces) and which are units."""
    words = re.sub(r"[_\-()\[\]]", " ", raw).casefold().split()
    found = [
        i for i, w in enumerate(words) if w not in ("bytes", "byte") and units.log_size_unit(w)
    ]
    return words, found


def _header_problem(raw: str) -> tuple[Message, Message] | None:
    """Why a header that names no column is refused, if it is for more than an unknown name:
    two units, or a unit on a column that takes none."""
    words, found = _header_words(raw)
    if len(found) > 1:
        return (
            N_("column %(column)s names more than one unit", column=repr(raw)),
            N_("name one unit, e.g. 'bytes (MB)'"),
        )
    if found:
        rest = " ".join(w for j, w in enumerate(words) if j != found[0] and w != "in")
        if _NAMES.get(rest) is not None:
            return (
                N_("column %(column)s cannot name a unit", column=repr(raw)),
                N_("only bytes and rejected_bytes take a unit; write %(name)s",
                   name=repr(_NAMES[rest])),
            )  # fmt: skip
    return None


def header_column(raw: str) -> tuple[str, float | None] | None:
    """The column a header cell names, and the unit it gives, or None if it names none.

    The rule: in any case, with ``_``, ``-`` and brackets read as spaces, a header is the
    column's name (``date``, ``flow``, ``bytes`` or ``bytes moved``, ``records``, ``rejected
    bytes``, ``complete``, ``note``) with, for ``bytes`` and ``rejected bytes``, one size unit
    before or after it (``bytes (MB)``, ``bytes_gb``, ``bytes in GiB``, ``GB bytes``); a unit
    may also stand for ``bytes`` alone or with ``moved`` (``MB``, ``gb moved``) and for
    ``rejected bytes`` with ``rejected`` (``rejected GB``). ``bytes`` itself is no unit."""
    words, found = _header_words(raw)
    if len(found) > 1:
        return None
    unit: float | None = None
    if found:
        i = found[0]
        unit = units.log_size_unit(words[i])
        drop = {i, i - 1} if i > 0 and words[i - 1] == "in" else {i}
        words = [w for j, w in enumerate(words) if j not in drop]
    name = " ".join(words)
    column = _NAMES.get(name) if unit is None else _NAMES_WITH_UNIT.get(name, _NAMES.get(name))
    if column is None or (unit is not None and column not in SIZED):
        return None
    return column, unit


def _header(cells: list[Any], shown: str) -> tuple[Header, list[Problem]]:
    problems: list[Problem] = []
    header = Header({}, {}, {})
    for index, cell in enumerate(cells):
        if blank_cell(cell):
            continue
        raw = cell_text(cell)
        read = header_column(raw)
        key = raw.lower()
        where = N_("%(file)s row %(row)s, column %(column)s", file=shown, row=1, column=raw)
        why = _header_problem(raw) if read is None else None
        if why is not None:
            problems.append(Problem(where, *why))
            continue
        if read is None:
            guess = re.sub(r"[\s\-]+", "_", key)
            close = difflib.get_close_matches(guess, COLUMNS, n=1)
            hint = N_("did you mean '%(name)s'? ", name=close[0]) if close else ""
            problems.append(
                Problem(
                    where,
                    N_("unknown column %(column)s", column=repr(raw)),
                    N_("%(hint)sallowed columns: %(columns)s; bytes and rejected_bytes may "
                       "name a unit, e.g. 'bytes (MB)'", hint=hint, columns=", ".join(COLUMNS)),
                )
            )  # fmt: skip
            continue
        column, unit = read
        if column in header.index:
            problems.append(
                Problem(
                    where,
                    N_("column %(column)s appears twice", column=repr(raw)),
                    N_("keep one column per key"),
                )
            )
            continue
        header.index[column] = index
        header.unit[column] = unit
        # messages name the column as the header writes it, unless that is its name in
        # another case
        header.shown[column] = column if raw.casefold() == column else raw
    missing = [c for c in REQUIRED if c not in header.index]
    if missing and not problems:
        problems.append(
            Problem(
                N_("%(file)s row %(row)s", file=shown, row=1),
                N_("missing required column %(missing)s", missing=", ".join(missing))
                if len(missing) == 1
                else N_("missing required columns %(missing)s", missing=", ".join(missing)),
                N_(
                    "the header row needs date, flow and bytes; optional: records, "
                    "rejected_bytes, complete, note"
                ),
            )
        )
    return header, problems


class _RowReader:
    """Reads one row's cells, collecting a problem per bad cell."""

    def __init__(self, shown: str, number: int, row: list[Any], header: Header) -> None:
        self.shown, self.number, self.row, self.header = shown, number, row, header
        self.columns = header.index
        self.problems: list[Problem] = []
        self.bare_bytes = False  # the bytes cell is a bare number in a column with no unit

    def cell(self, key: str) -> Any:
        index = self.columns.get(key)
        if index is None or index >= len(self.row) or blank_cell(self.row[index]):
            return None
        return self.row[index]

    def fail(self, key: str, problem: str, fix: str) -> None:
        where = N_("%(file)s row %(row)s, column %(column)s", file=self.shown, row=self.number,
                   column=self.header.shown.get(key, key))  # fmt: skip
        self.problems.append(Problem(where, problem, fix))

    def size(self, key: str, required: bool) -> float | None:
        value = self.cell(key)
        if value is None:
            if required:
                self.fail(key, N_("is empty"), N_("give the bytes moved that day, 0 if none"))
            return None
        unit = self.header.unit.get(key)
        fix = N_("give a number of bytes or a size such as '1.2 GB'")
        try:
            amount, own_unit = units.parse_log_size(value, 1.0 if unit is None else unit)
        except UnitError as exc:
            text = cell_text(value) if not isinstance(value, bool) else ""
            # a number with a unit it cannot read (a long cell gets the short message)
            if re.match(r"\s*[+-]?\.?\d", text) and len(text) <= MAX_SHOWN:
                self.fail(key, exc.problem, N_("give a number or a size such as '950 MB', "
                                               "'1.2 GB' or '1,200 MB' (a unit in any case: "
                                               "'mb' is megabytes)"))  # fmt: skip
            else:
                self.fail(key, N_("not a number of bytes: %(value)s", value=quoted(value)), fix)
            return None
        if math.isnan(amount):
            self.fail(key, N_("not a finite number: %(value)s", value=quoted(value)), fix)
            return None
        if amount < 0:
            self.fail(key, N_("must be >= 0, got %(value)s", value=quoted(value)), fix)
            return None
        if amount > SIZE_BOUNDS[1]:
            self.fail(key, N_("too large, got %(value)s", value=quoted(value)),
                      N_("give at most %(limit)s", limit=SIZE_BOUNDS[3]))  # fmt: skip
            return None
        if key == "bytes":
            self.bare_bytes = unit is None and not own_unit
        return amount + 0.0  # -0 is 0


def scenario_organisations(scenario: Scenario) -> list[str]:
    """The organisations the scenario names with ``organisation:``."""
    return [f.organisation for f in scenario.flows if f.organisation is not None]


def _fold(name: str) -> str:
    """A name as the log is matched by: trimmed, inner runs of spaces made one, casefolded."""
    return " ".join(name.split()).casefold()


class FlowNames:
    """Finds a scenario flow from the name a log gives: exactly, else in any case and spacing
    ('cardiff ', 'CARDIFF' -> 'Cardiff'), else by the organisation the flow belongs to if that
    organisation has only this flow (an ``organisation:`` of several flows is refused: the row
    must name which). Anything else is refused with the closest name (did you mean)."""

    def __init__(self, scenario: Scenario) -> None:
        self.names = scenario.flow_names()
        self.flows: dict[str, list[str]] = {}
        self.organisations: dict[str, list[str]] = {}
        for flow in scenario.flows:
            self.flows.setdefault(_fold(flow.label), []).append(flow.label)
            if flow.organisation is not None:
                self.organisations.setdefault(_fold(flow.organisation), []).append(flow.label)
        # a folded name -> how to show it in a did-you-mean
        # (an organisation only if it names one flow: suggesting one of several is no help)
        self.shown = {
            _fold(o): o
            for o in scenario_organisations(scenario)
            if len(self.organisations[_fold(o)]) == 1
        }
        self.shown |= {_fold(n): n for n in self.names}

    def find(self, text: str) -> str | tuple[Message, Message]:
        """The flow's name, or (problem, fix)."""
        if text in self.names:
            return text
        folded = _fold(text)
        for found, what in ((self.flows.get(folded), "flow"),
                            (self.organisations.get(folded), "organisation")):  # fmt: skip
            if not found:
                continue
            if len(found) == 1:
                return found[0]
            names = ", ".join(quoted(n) for n in found)
            if what == "flow":
                return (
                    N_("%(name)s matches several flows: %(names)s", name=quoted(text), names=names),
                    N_("write the flow's name exactly as in the scenario"),
                )
            return (
                N_("%(name)s is an organisation with several flows: %(names)s",
                   name=quoted(text), names=names),
                N_("give one row per flow, named as in the scenario"),
            )  # fmt: skip
        close = difflib.get_close_matches(folded, list(self.shown), n=1)
        hint = N_("did you mean %(name)s? ", name=repr(self.shown[close[0]])) if close else ""
        return (
            N_("unknown flow %(flow)s", flow=quoted(text)),
            N_("%(hint)suse a flow name from the scenario", hint=hint),
        )


def _read_row(
    reader: _RowReader,
    scenario: Scenario,
    names: FlowNames,
    as_of: date | None,
    month_first: bool = False,
) -> LogDay | None:
    day_cell = reader.cell("date")
    day: date | None = None
    if day_cell is None:
        reader.fail("date", N_("is empty"), _date_fix(month_first))
    else:
        try:
            day = parse_day(day_cell, month_first)
        except DateError as exc:
            reader.fail("date", exc.problem, exc.fix)
    start = scenario.start.date()
    if day is not None and day < start:
        reader.fail(
            "date",
            N_("%(day)s is before the scenario's start %(start)s", day=day, start=start),
            N_("remove the row, or correct the date or the scenario's start"),
        )
    if day is not None and day >= horizon_end(scenario):
        reader.fail(
            "date",
            N_(
                "%(day)s is after the scenario's horizon (it ends %(end)s)",
                day=day,
                end=horizon_end(scenario),
            ),
            N_("correct the date, or give the scenario a longer horizon"),
        )
    if day is not None and as_of is not None and day >= as_of:
        reader.fail(
            "date",
            N_("%(day)s is on or after the as-of date %(as_of)s", day=day, as_of=as_of),
            N_("remove the row, or give a later --as-of"),
        )
    flow_cell = reader.cell("flow")
    flow: str | None = None
    if flow_cell is None:
        reader.fail("flow", N_("is empty"), N_("give the flow's name as in the scenario"))
    else:
        found = names.find(cell_text(flow_cell))
        if isinstance(found, tuple):
            reader.fail("flow", *found)
        else:
            flow = found
    moved = reader.size("bytes", required=True)
    rejected = reader.size("rejected_bytes", required=False) or 0.0
    if moved is not None and rejected > moved:
        reader.fail(
            "rejected_bytes",
            N_(
                "%(value)s is more than the bytes moved that day",
                value=quoted(reader.cell("rejected_bytes")),
            ),
            N_("give the part of that day's bytes the target refused"),
        )
    records = _records(reader)
    complete = _complete(reader)
    if day is None or flow is None or moved is None:
        return None
    return LogDay(day, flow, moved, rejected, records, complete, reader.number)


def _records(reader: _RowReader) -> float | None:
    value = reader.cell("records")
    if value is None:
        return None
    try:
        number = float(cell_text(value)) if not isinstance(value, bool) else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < 0:
        reader.fail(
            "records",
            N_("not a count of records: %(value)s", value=quoted(value)),
            N_("give a number >= 0"),
        )
        return None
    return number


def _complete(reader: _RowReader) -> bool:
    value = reader.cell("complete")
    text = "" if value is None else cell_text(value).lower()
    if text in YES:
        return True
    if text not in NO:
        reader.fail(
            "complete",
            N_("expected yes or no, got %(value)s", value=quoted(value)),
            N_("write yes or no"),
        )
    return False


def _high(scenario: Scenario, name: str) -> float:
    flow = next(f for f in scenario.flows if f.label == name)
    volume = flow.volume
    return float(volume.high) if isinstance(volume, EstimateSpec) else float(volume)


def _group(
    days: Sequence[LogDay], shown: str, columns: dict[str, str]
) -> tuple[dict[str, list[LogDay]], list[Problem]]:
    problems: list[Problem] = []
    seen: dict[tuple[str, date], int] = {}
    by_flow: dict[str, list[LogDay]] = {}
    for entry in days:
        key = (entry.flow, entry.day)
        if key in seen:
            problems.append(
                Problem(
                    N_(
                        "%(file)s row %(row)s, column %(column)s",
                        file=shown,
                        row=entry.row,
                        column=columns["date"],
                    ),
                    N_(
                        "a second row for %(flow)s on %(day)s (first on row %(first)s)",
                        flow=repr(entry.flow),
                        day=entry.day,
                        first=seen[key],
                    ),
                    N_("give one row per flow per day (add the amounts together)"),
                )
            )
            continue
        seen[key] = entry.row
        by_flow.setdefault(entry.flow, []).append(entry)
    for name, entries in by_flow.items():
        entries.sort(key=lambda d: d.day)
        done = [d for d in entries if d.complete]
        if not done:
            continue
        last_done = done[-1]
        for entry in entries:
            if entry.day > last_done.day and entry.bytes_moved > 0:
                problems.append(
                    Problem(
                        N_(
                            "%(file)s row %(row)s, column %(column)s",
                            file=shown,
                            row=entry.row,
                            column=columns["bytes"],
                        ),
                        N_(
                            "%(flow)s moves data on %(day)s, after it was marked complete on "
                            "%(done)s (row %(row)s)",
                            flow=repr(name),
                            day=entry.day,
                            done=last_done.day,
                            row=last_done.row,
                        ),
                        N_("move 'complete: yes' to the flow's last day of transfers"),
                    )
                )
    return by_flow, problems


def _implausible(bare: Sequence[LogDay], scenario: Scenario, as_of: date) -> list[int]:
    """The rows (sorted) whose bare number of bytes, in a ``bytes`` column with no unit, is
    more than 0 but under 1 MB on a working day of the scenario's calendar: probably MB or GB
    written without a unit. 0 is a day with nothing moved, not suspect."""
    candidates = [d for d in bare if 0 < d.bytes_moved < PLAUSIBLE_BYTES]
    if not candidates:
        return []
    cal = _calendar(scenario, as_of)
    return sorted(d.row for d in candidates if cal.is_working(d.day))


def _calendar(scenario: Scenario, last: date) -> WorkingCalendar:
    """The scenario's working days up to ``last``."""
    spec = scenario.calendar
    return build_calendar(
        (WEEKDAYS.index(d) for d in spec.working_days), spec.holidays, spec.closures,
        scenario.start.date() - timedelta(days=1), last, spec.weekend_holidays,
    )  # fmt: skip


def _rows_text(rows: Sequence[int]) -> str | Message:
    """``'2, 3, 4, 5, 6 and 7 more'``: the first :data:`SHOWN_ROWS` rows, then how many else."""
    listed = ", ".join(str(r) for r in rows[:SHOWN_ROWS])
    if len(rows) <= SHOWN_ROWS:
        return listed
    return N_("%(names)s and %(n)s more", names=listed, n=len(rows) - SHOWN_ROWS)


def _implausible_warning(shown: str, column: str, rows: Sequence[int]) -> Message:
    fix = N_(
        "a bare number there is read as bytes: if the log counts MB or GB, name the unit in "
        "the header, e.g. 'bytes (MB)' or 'bytes (GB)' (or 'bytes (B)' if they are bytes)"
    )
    if len(rows) == 1:
        return N_("%(file)s: column %(column)s gives less than 1 MB on a working day in row "
                  "%(row)s; %(fix)s", file=shown, column=column, row=rows[0], fix=fix)  # fmt: skip
    return N_(
        "%(file)s: column %(column)s gives less than 1 MB on a working day in %(count)s rows "
        "(%(rows)s); %(fix)s",
        file=shown,
        column=column,
        count=len(rows),
        rows=_rows_text(rows),
        fix=fix,
    )


def read_actuals(
    path: Path,
    shown: str,
    scenario: Scenario,
    as_of: date | None = None,
    *,
    month_first: bool = False,
) -> ActualsLog:
    """The log at ``path`` (named ``shown`` in messages), checked against ``scenario``.

    ``as_of`` defaults to the day after the last logged date; ``month_first`` reads ``01/02/2025``
    as 2 January (the default, as in the UK, is 1 February). Raises :class:`ScenarioError`
    listing every bad header cell, row and column.
    """
    rows = read_rows(path, shown)
    _check_header_row(rows, shown)
    header, problems = _header(rows[0], shown)
    if problems:
        raise ScenarioError(problems)
    names = FlowNames(scenario)
    days, bare = _read_days(rows, shown, header, scenario, names, as_of, month_first, problems)
    if not days and not problems:
        problems.append(
            Problem(shown, N_("the log has a header but no rows"), N_("add a row per day"))
        )
    by_flow, more = _group(days, shown, header.shown)
    problems.extend(more)
    if problems:
        raise ScenarioError(problems)
    last = max(d.day for d in days)
    as_of = as_of if as_of is not None else last + timedelta(days=1)
    _check_as_of(as_of, scenario)
    warnings: list[str] = []
    small = _implausible(bare, scenario, as_of)
    if small:
        warnings.append(_implausible_warning(shown, header.shown["bytes"], small))
    flows = _flow_actuals(names, by_flow, scenario, shown, warnings)
    return ActualsLog(shown, flows, as_of, tuple(warnings))


def _check_header_row(rows: list[list[Any]], shown: str) -> None:
    """Raises unless the file has a header on row 1."""
    nonblank = [i for i, row in enumerate(rows) if not all(blank_cell(c) for c in row)]
    if not nonblank:
        raise ScenarioError(
            [Problem(shown, N_("the file is empty"), N_("give a header row: date, flow, bytes"))]
        )
    if nonblank[0] != 0:
        raise ScenarioError(
            [
                Problem(
                    N_("%(file)s row %(row)s", file=shown, row=nonblank[0] + 1),
                    N_("the header must be on row 1, but rows above it are blank"),
                    N_("delete the blank rows above the header"),
                )
            ]
        )


def _read_days(
    rows: list[list[Any]],
    shown: str,
    header: Header,
    scenario: Scenario,
    names: FlowNames,
    as_of: date | None,
    month_first: bool,
    problems: list[Problem],
) -> tuple[list[LogDay], list[LogDay]]:
    """Every row after the header read as a day (each bad cell added to ``problems``), and the
    days whose bytes is a bare number in a column with no unit."""
    days: list[LogDay] = []
    bare: list[LogDay] = []  # rows whose bytes is a bare number in a column with no unit
    for number, row in enumerate(rows[1:], start=2):
        if all(blank_cell(c) for c in row):
            continue
        reader = _RowReader(shown, number, row, header)
        entry = _read_row(reader, scenario, names, as_of, month_first)
        problems.extend(reader.problems)
        if entry is not None:
            days.append(entry)
            if reader.bare_bytes:
                bare.append(entry)
    return days, bare


def _check_as_of(as_of: date, scenario: Scenario) -> None:
    """Raises unless ``as_of`` is after the scenario's start and within its horizon."""
    if as_of <= scenario.start.date():
        raise ScenarioError(
            [
                Problem(
                    "--as-of",
                    N_("%(as_of)s is not after the start", as_of=as_of),
                    N_("give a later date"),
                )
            ]
        )
    if as_of > horizon_end(scenario):
        raise ScenarioError(
            [
                Problem(
                    "--as-of",
                    N_(
                        "%(day)s is after the scenario's horizon (it ends %(end)s)",
                        day=as_of,
                        end=horizon_end(scenario),
                    ),
                    N_("give an earlier date, or the scenario a longer horizon"),
                )
            ]
        )


def _flow_actuals(
    names: FlowNames,
    by_flow: Mapping[str, list[LogDay]],
    scenario: Scenario,
    shown: str,
    warnings: list[str],
) -> dict[str, FlowActuals]:
    """Each scenario flow's days (none for a flow without rows), a warning added to
    ``warnings`` for a flow that has delivered more than its high volume."""
    flows: dict[str, FlowActuals] = {}
    for name in names.names:
        entries = tuple(by_flow.get(name, ()))
        done = [d.day for d in entries if d.complete]
        flows[name] = FlowActuals(name, entries, max(done) if done else None)
        delivered = flows[name].delivered_bytes
        high = _high(scenario, name)
        if delivered > high:
            warnings.append(
                N_("%(file)s: flow %(flow)s has delivered %(delivered)s, more than the "
                   "scenario's high volume %(high)s; raise its volume estimate", file=shown,
                   flow=repr(name), delivered=units.format_size(delivered),
                   high=units.format_size(high))
            )  # fmt: skip
    return flows
