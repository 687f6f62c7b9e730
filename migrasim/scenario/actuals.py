"""The transfer log ``migrasim track`` conditions on: what crossed, flow by flow, day by day.

A log is a ``.csv`` (UTF-8) or ``.xlsx`` file (the first sheet) with a header row and one row
per flow per day. Columns (header names matched case-insensitively after trimming spaces):

- ``date`` (required): the local date, ``YYYY-MM-DD`` (or an Excel date);
- ``flow`` (required): the flow's name as in the scenario;
- ``bytes`` (required): what crossed that day; a plain number is bytes, or a size such as
  ``1.2 GB``; ``0`` records a day with nothing moved;
- ``records`` (optional): records moved that day (kept for the record, not used);
- ``rejected_bytes`` (optional): the part of ``bytes`` the target refused (to be re-sent);
- ``complete`` (optional): ``yes`` on the day the flow finished (``no`` or blank otherwise);
- ``note`` (optional): free text, ignored (e.g. "invented example").

Every problem is reported at once, each with the file, the row (as Excel numbers it: the header
is row 1) and the column. A flow whose accepted total exceeds the scenario's ``high`` volume is a
warning, not an error: the estimate was too low, and the log is the better evidence.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from migrasim.core import units
from migrasim.errors import N_, Problem, ScenarioError, UnitError, quoted
from migrasim.scenario.inventory import blank_cell, cell_text, read_rows
from migrasim.scenario.types import SIZE_BOUNDS, EstimateSpec, Scenario

COLUMNS = ("date", "flow", "bytes", "records", "rejected_bytes", "complete", "note")
REQUIRED = ("date", "flow", "bytes")
YES = ("yes", "y", "true", "1")
NO = ("no", "n", "false", "0", "")


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


def parse_day(value: Any) -> date:
    """A cell as a date: ``YYYY-MM-DD`` text, an Excel date, or a date-time at midnight."""
    if isinstance(value, datetime):
        if value.time() != time():
            raise ValueError(value)
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value.strip())
    raise ValueError(value)


def _amount(value: Any) -> float:
    """A byte count: a plain number is bytes, text may carry a unit (``1.2 GB``)."""
    if isinstance(value, bool):
        raise UnitError(N_("%(value)s is not a size", value=repr(value)), units.SIZE_HELP)
    if isinstance(value, (int, float)):
        return float(value)
    text = cell_text(value)
    try:
        return float(text)
    except ValueError:
        return units.parse_size(text)


def _header(cells: list[Any], shown: str) -> tuple[dict[str, int], list[Problem]]:
    problems: list[Problem] = []
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        if blank_cell(cell):
            continue
        raw = cell_text(cell)
        key = raw.lower()
        where = N_("%(file)s row %(row)s, column %(column)s", file=shown, row=1, column=raw)
        if key not in COLUMNS:
            close = difflib.get_close_matches(key, COLUMNS, n=1)
            hint = N_("did you mean '%(name)s'? ", name=close[0]) if close else ""
            problems.append(
                Problem(
                    where,
                    N_("unknown column %(column)s", column=repr(raw)),
                    N_("%(hint)sallowed columns: %(columns)s", hint=hint,
                       columns=", ".join(COLUMNS)),
                )
            )  # fmt: skip
        elif key in columns:
            problems.append(
                Problem(
                    where,
                    N_("column %(column)s appears twice", column=repr(raw)),
                    N_("keep one column per key"),
                )
            )
        else:
            columns[key] = index
    missing = [c for c in REQUIRED if c not in columns]
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
    return columns, problems


class _RowReader:
    """Reads one row's cells, collecting a problem per bad cell."""

    def __init__(self, shown: str, number: int, row: list[Any], columns: dict[str, int]) -> None:
        self.shown, self.number, self.row, self.columns = shown, number, row, columns
        self.problems: list[Problem] = []

    def cell(self, key: str) -> Any:
        index = self.columns.get(key)
        if index is None or index >= len(self.row) or blank_cell(self.row[index]):
            return None
        return self.row[index]

    def fail(self, key: str, problem: str, fix: str) -> None:
        where = N_("%(file)s row %(row)s, column %(column)s", file=self.shown, row=self.number,
                   column=key)  # fmt: skip
        self.problems.append(Problem(where, problem, fix))

    def size(self, key: str, required: bool) -> float | None:
        value = self.cell(key)
        if value is None:
            if required:
                self.fail(key, N_("is empty"), N_("give the bytes moved that day, 0 if none"))
            return None
        fix = N_("give a number of bytes or a size such as '1.2 GB'")
        try:
            amount = _amount(value)
        except UnitError:
            self.fail(key, N_("not a number of bytes: %(value)s", value=quoted(value)), fix)
            return None
        if not math.isfinite(amount):
            self.fail(key, N_("not a finite number: %(value)s", value=quoted(value)), fix)
            return None
        if amount < 0:
            self.fail(key, N_("must be >= 0, got %(value)s", value=quoted(value)), fix)
            return None
        if amount > SIZE_BOUNDS[1]:
            self.fail(key, N_("too large, got %(value)s", value=quoted(value)),
                      N_("give at most %(limit)s", limit=SIZE_BOUNDS[3]))  # fmt: skip
            return None
        return amount


def _read_row(
    reader: _RowReader, scenario: Scenario, names: list[str], as_of: date | None
) -> LogDay | None:
    day_cell = reader.cell("date")
    day: date | None = None
    if day_cell is None:
        reader.fail("date", N_("is empty"), N_("give the date as YYYY-MM-DD"))
    else:
        try:
            day = parse_day(day_cell)
        except ValueError:
            reader.fail(
                "date", N_("not a date: %(value)s", value=quoted(day_cell)), N_("write YYYY-MM-DD")
            )
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
    flow = None if flow_cell is None else cell_text(flow_cell)
    if flow is None:
        reader.fail("flow", N_("is empty"), N_("give the flow's name as in the scenario"))
    elif flow not in names:
        close = difflib.get_close_matches(flow, names, n=1)
        hint = N_("did you mean %(name)s? ", name=repr(close[0])) if close else ""
        reader.fail(
            "flow",
            N_("unknown flow %(flow)s", flow=repr(flow)),
            N_("%(hint)suse a flow name from the scenario", hint=hint),
        )
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
    if day is None or flow is None or flow not in names or moved is None:
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


def _group(days: Sequence[LogDay], shown: str) -> tuple[dict[str, list[LogDay]], list[Problem]]:
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
                        column="date",
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
                            column="bytes",
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


def read_actuals(
    path: Path, shown: str, scenario: Scenario, as_of: date | None = None
) -> ActualsLog:
    """The log at ``path`` (named ``shown`` in messages), checked against ``scenario``.

    ``as_of`` defaults to the day after the last logged date. Raises :class:`ScenarioError`
    listing every bad header cell, row and column.
    """
    rows = read_rows(path, shown)
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
    columns, problems = _header(rows[0], shown)
    if problems:
        raise ScenarioError(problems)
    names = scenario.flow_names()
    days: list[LogDay] = []
    for number, row in enumerate(rows[1:], start=2):
        if all(blank_cell(c) for c in row):
            continue
        reader = _RowReader(shown, number, row, columns)
        entry = _read_row(reader, scenario, names, as_of)
        problems.extend(reader.problems)
        if entry is not None:
            days.append(entry)
    if not days and not problems:
        problems.append(
            Problem(shown, N_("the log has a header but no rows"), N_("add a row per day"))
        )
    by_flow, more = _group(days, shown)
    problems.extend(more)
    if problems:
        raise ScenarioError(problems)
    last = max(d.day for d in days)
    as_of = as_of if as_of is not None else last + timedelta(days=1)
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
    flows: dict[str, FlowActuals] = {}
    warnings: list[str] = []
    for name in names:
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
    return ActualsLog(shown, flows, as_of, tuple(warnings))
