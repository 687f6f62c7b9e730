"""Flows from an inventory a programme office already keeps: ``flows_from: inventory.csv``.

An inventory is a ``.csv`` (UTF-8, with or without Excel's byte-order mark) or ``.xlsx`` file
(the first sheet, or the one named by ``sheet:``) with one flow per row under a header row.
Header names are flow keys, matched case-insensitively after trimming spaces:
``source, target, volume`` are required; ``name, records, links, after, start, growth,
description, organisation, go_live`` are optional. A ``links`` or ``after`` cell lists names
separated by ``;``.
Blank cells are "not given"; blank rows are skipped.

Each row becomes an :class:`InventoryFlow`, so :func:`parse_scenario` reports
its problems as ``inventory.csv row 4, column volume`` (the row number Excel shows: the header
is row 1) instead of ``flows[7].volume``. This module reads files; it validates only the file's
shape (header, columns), leaving every value to the scenario model.
"""

from __future__ import annotations

import csv
import difflib
import stat
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from migrasim.errors import N_, Problem, ScenarioError
from migrasim.scenario.types import (
    MAX_FLOWS,
    InventoryFlow,
    InventorySpec,
    input_keys,
    problems_from_validation,
)

COLUMNS = (
    "name",
    "source",
    "target",
    "volume",
    "records",
    "links",
    "after",
    "start",
    "growth",
    "description",
    "organisation",
    "go_live",
)
REQUIRED = ("source", "target", "volume")
LIST_COLUMNS = ("links", "after")
SEPARATOR = ";"
SUFFIXES = (".csv", ".xlsx")


def columns_allowed() -> tuple[str, ...]:
    """The columns an inventory may have: :data:`COLUMNS` and every registered uncertain
    input's key on a flow (``scenario/registered.py``), whose cells are its values."""
    return COLUMNS + tuple(k.key for k in input_keys("flow"))


def _problem(where: str, problem: str, fix: str = "") -> ScenarioError:
    return ScenarioError([Problem(where, problem, fix)])


MAX_ROWS = 1_000_000
"""Non-blank rows read from one table (a transfer log of years of days for every flow fits;
an inventory is held to the scenario's flow limit after reading)."""
MAX_COLUMNS = 1_000
"""Cells in one row: far beyond any inventory's or log's columns."""
MAX_LINE = 1_000_000
"""Characters in one line of a CSV file (a description is at most 10,000)."""
MAX_FILE_BYTES = 200 * 10**6
"""The largest table or scenario file read: bigger is not an inventory, a log or a scenario."""


def check_regular_file(path: Path, shown: str, fix: str | None = None) -> None:
    """Refuse, before reading, what is not a regular file of bounded size (a folder, a FIFO,
    a device such as /dev/zero that never ends)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return  # the reader says so, with the fix
    except OSError as exc:
        raise _problem(shown, N_("cannot read the file: %(error)s", error=exc)) from None
    if not stat.S_ISREG(info.st_mode):
        raise _problem(shown, N_("is not a regular file (a folder, a device or a pipe)"),
                       fix or N_("give the path of a .csv or .xlsx file"))  # fmt: skip
    if info.st_size > MAX_FILE_BYTES:
        raise _problem(shown, N_("is %(size)s bytes, more than %(limit)s",
                                 size=f"{info.st_size:,}", limit=f"{MAX_FILE_BYTES:,}"),
                       N_("give a smaller file"))  # fmt: skip


def _bounded(rows: Iterable[Sequence[Any]], shown: str, max_rows: int) -> list[list[Any]]:
    """Rows as lists (trailing empty cells dropped), stopping with an error as soon as a row
    is wider than :data:`MAX_COLUMNS` or there are more than ``max_rows`` non-blank rows,
    so a hostile file costs no more than its first rows."""
    out: list[list[Any]] = []
    filled = 0
    for number, cells in enumerate(rows, start=1):
        row = list(cells)
        while row and blank_cell(row[-1]):
            row.pop()
        if len(row) > MAX_COLUMNS:
            raise _problem(N_("%(file)s row %(row)s", file=shown, row=number),
                           N_("has %(n)s columns", n=f"{len(row):,}"),
                           N_("give at most %(limit)s", limit=f"{MAX_COLUMNS:,}"))  # fmt: skip
        if row:
            filled += 1
            if filled > max_rows:
                raise _problem(shown, N_("has more than %(n)s rows", n=f"{max_rows:,}"),
                               N_("give at most %(limit)s", limit=f"{max_rows:,}"))  # fmt: skip
        out.append(row)
    return out


def _lines(handle: Iterable[str], shown: str) -> Iterator[str]:
    for number, line in enumerate(handle, start=1):
        if len(line) > MAX_LINE:
            where = N_("%(file)s line %(line)s", file=shown, line=number)
            limit = N_("give at most %(limit)s per line", limit=f"{MAX_LINE:,}")
            raise _problem(where, N_("is %(n)s characters long", n=f"{len(line):,}"), limit)
        yield line


def _read_csv(path: Path, shown: str, max_rows: int) -> list[list[Any]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(_lines(_Capped(handle, MAX_LINE + 1), shown))
            try:
                return _bounded(reader, shown, max_rows)
            except csv.Error as exc:
                raise _problem(
                    N_("%(file)s row %(row)s", file=shown, row=reader.line_num),
                    N_("cannot read the CSV: %(error)s", error=exc),
                ) from None
    except UnicodeDecodeError:
        raise _problem(
            shown,
            N_("the file is not UTF-8 text"),
            N_("save it from Excel as 'CSV UTF-8 (Comma delimited)', or as .xlsx"),
        ) from None


class _Capped:
    """A text file's lines, each read at most ``limit`` characters at a time (so a line of
    40 MB is never held whole: its first piece is already too long)."""

    def __init__(self, handle: Any, limit: int) -> None:
        self.handle, self.limit = handle, limit

    def __iter__(self) -> Iterator[str]:
        while line := self.handle.readline(self.limit):
            yield line


def _read_xlsx(path: Path, shown: str, sheet: str | None, max_rows: int) -> list[list[Any]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise _problem(
            shown,
            N_("cannot read it as an Excel workbook: %(error)s", error=exc),
            N_("save it as .xlsx from Excel"),
        ) from None
    try:
        if sheet is None:
            worksheet = book.worksheets[0]
        elif sheet in book.sheetnames:
            worksheet = book[sheet]
        else:
            raise _problem(
                shown,
                N_("no sheet named %(sheet)s", sheet=repr(sheet)),
                N_("use one of: %(sheets)s", sheets=", ".join(repr(n) for n in book.sheetnames)),
            )
        if not hasattr(worksheet, "iter_rows"):
            raise _problem(
                shown, N_("sheet %(sheet)s is a chart, not a table", sheet=repr(worksheet.title))
            )
        # Trust no stored dimensions (some tools write wrong ones): read every row there is,
        # as it comes (rows are not padded to the widest), within the bounds.
        reset = getattr(worksheet, "reset_dimensions", None)
        if reset is not None:
            reset()
        return _bounded(worksheet.iter_rows(values_only=True), shown, max_rows)
    finally:
        book.close()


def read_rows(
    path: Path, shown: str, sheet: str | None = None, max_rows: int = MAX_ROWS
) -> list[list[Any]]:
    """Every row of the file (row 1 first), cells as read: text, numbers, dates or None;
    trailing empty cells dropped. Bounded: ``max_rows`` non-blank rows, :data:`MAX_COLUMNS`,
    :data:`MAX_LINE` and :data:`MAX_FILE_BYTES`."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        fix = (
            N_("save it as .xlsx")
            if suffix in (".xls", ".xlsm", ".ods")
            else N_("give a .csv or .xlsx")
        )
        problem = (
            N_("cannot read %(suffix)s files", suffix=repr(suffix))
            if suffix
            else N_("cannot read files without an extension")
        )
        raise _problem(shown, problem, fix)
    if sheet is not None and suffix != ".xlsx":
        raise _problem(shown, N_("'sheet' applies to .xlsx files only"), N_("remove 'sheet'"))
    try:
        check_regular_file(path, shown)
        if suffix == ".csv":
            return _read_csv(path, shown, max_rows)
        return _read_xlsx(path, shown, sheet, max_rows)
    except FileNotFoundError:
        raise _problem(
            shown,
            N_("no such file (looked for %(path)s)", path=path),
            N_("flows_from paths are relative to the scenario file's folder"),
        ) from None
    except (IsADirectoryError, PermissionError, OSError) as exc:
        raise _problem(shown, N_("cannot read the file: %(error)s", error=exc)) from None


def blank_cell(value: Any) -> bool:
    """An empty cell: None or only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a spurious '.0', dates as ISO."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time():
        return value.date().isoformat()
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _header(cells: list[Any], shown: str) -> dict[int, str]:
    """Column index -> flow key. Raises listing every bad header cell."""
    problems: list[Problem] = []
    columns: dict[int, str] = {}
    seen: dict[str, int] = {}
    allowed = columns_allowed()
    for index, cell in enumerate(cells):
        if blank_cell(cell):
            continue
        raw = cell_text(cell)
        key = raw.lower()
        where = N_("%(file)s row %(row)s, column %(column)s", file=shown, row=1, column=raw)
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = N_("did you mean '%(name)s'? ", name=close[0]) if close else ""
            problem = N_("unknown column %(column)s", column=repr(raw))
            if SEPARATOR in raw or "\t" in raw:
                problem = N_(
                    "unknown column %(column)s (the file seems to separate columns with ';' or "
                    "tabs, not commas)",
                    column=repr(raw),
                )
                hint = N_("save it as CSV with commas between columns, or as .xlsx; ")
            problems.append(
                Problem(
                    where,
                    problem,
                    N_("%(hint)sallowed columns: %(columns)s", hint=hint,
                       columns=", ".join(allowed)),
                )
            )  # fmt: skip
        elif key in seen:
            problems.append(
                Problem(
                    where,
                    N_("column %(column)s appears twice", column=repr(raw)),
                    N_("keep one column per key"),
                )
            )
        else:
            seen[key] = index
            columns[index] = key
    missing = [key for key in REQUIRED if key not in seen]
    seen_names = [cell_text(cell) for cell in cells if not blank_cell(cell)]
    if missing and not problems:
        problems.append(
            Problem(
                N_("%(file)s row %(row)s", file=shown, row=1),
                (
                    N_(
                        "missing required column %(missing)s (header: %(header)s)",
                        missing=", ".join(missing),
                        header=", ".join(seen_names),
                    )
                    if len(missing) == 1
                    else N_(
                        "missing required columns %(missing)s (header: %(header)s)",
                        missing=", ".join(missing),
                        header=", ".join(seen_names),
                    )
                ),
                N_(
                    "the header row needs source, target and volume; optional: %(optional)s",
                    optional=", ".join(c for c in allowed if c not in REQUIRED),
                ),
            )
        )
    if problems:
        raise ScenarioError(problems)
    return columns


def _cell_value(key: str, value: Any) -> Any:
    if key in LIST_COLUMNS:
        return [part.strip() for part in cell_text(value).split(SEPARATOR) if part.strip()]
    if key in ("name", "source", "target", "description", "organisation"):
        return cell_text(value)
    if isinstance(value, str):
        return value.strip()
    return value  # numbers stay numbers (so '180' without a unit is refused), dates stay dates


def read_inventory(
    path: Path, shown: str, sheet: str | None = None, links: tuple[str, ...] | None = None
) -> list[InventoryFlow]:
    """The flows in an inventory file, one per non-blank row below the header.

    ``shown`` names the file in messages (as written in the scenario); ``links`` are used for
    rows without a ``links`` cell.
    """
    where_file = shown if sheet is None else f"{shown} sheet {sheet!r}"
    rows = read_rows(path, shown, sheet, max_rows=MAX_FLOWS + 1)  # the header and the flows
    first = next((i for i, row in enumerate(rows) if not all(blank_cell(c) for c in row)), None)
    if first is None:
        raise _problem(
            where_file,
            N_("the file is empty"),
            N_("give a header row (source, target, volume, ...)"),
        )
    if first > 0:
        raise _problem(
            N_("%(file)s row %(row)s", file=where_file, row=first + 1),
            N_("the header must be on row 1, but rows above it are blank"),
            N_("delete the blank rows above the header"),
        )
    columns = _header(rows[0], where_file)
    problems: list[Problem] = []
    flows: list[InventoryFlow] = []
    for number, row in enumerate(rows[1:], start=2):
        if all(blank_cell(c) for c in row):
            continue
        where = N_("%(file)s row %(row)s", file=where_file, row=number)
        stray = [i for i, c in enumerate(row) if not blank_cell(c) and i not in columns]
        for index in stray:
            problems.append(
                Problem(
                    N_("%(where)s, column %(column)s", where=where, column=index + 1),
                    N_(
                        "%(value)s is in a column without a header",
                        value=repr(cell_text(row[index])),
                    ),
                    N_("give the column a header or clear the cell"),
                )
            )
        values: dict[str, Any] = {}
        for index, key in columns.items():
            if index < len(row) and not blank_cell(row[index]):
                values[key] = _cell_value(key, row[index])
        if "links" not in values and links is not None:
            values["links"] = list(links)
        flows.append(InventoryFlow(values, where))
    if problems:
        raise ScenarioError(problems)
    if not flows:
        raise _problem(
            where_file, N_("the file has a header but no flows"), N_("add a row per flow")
        )
    return flows


def _entries(spec: Any) -> list[tuple[str, Any]]:
    if isinstance(spec, list):
        return [(f"flows_from[{i}]", entry) for i, entry in enumerate(spec)]
    return [("flows_from", spec)]


def _read_entry(key: str, entry: Any, folder: Path) -> list[InventoryFlow]:
    fix = N_("give a file name, e.g. 'flows_from: inventory.csv', or {file: ..., sheet: ...}")
    if isinstance(entry, str):
        if not entry.strip():
            raise _problem(key, N_("empty file name"), fix)
        return read_inventory(folder / entry.strip(), entry.strip())
    if not isinstance(entry, Mapping):
        raise _problem(key, N_("expected a file name, got %(value)s", value=repr(entry)), fix)
    try:
        spec = InventorySpec.model_validate(entry)
    except ValidationError as exc:
        raise ScenarioError(problems_from_validation(exc, prefix=(key,))) from None
    return read_inventory(folder / spec.file, spec.file, spec.sheet, spec.links)


def expand_flows_from(data: dict[str, Any], folder: Path, source: str | None) -> dict[str, Any]:
    """``data`` with ``flows_from`` replaced by its flows, appended after the inline ``flows``.

    Raises :class:`ScenarioError` naming every file, row and column that is wrong.
    """
    if "flows_from" not in data:
        return data
    spec = data["flows_from"]
    entries = _entries(spec)
    if not entries:
        raise ScenarioError(
            [Problem("flows_from", N_("is empty"), N_("name a .csv or .xlsx file, or remove it"))],
            source,
        )
    problems: list[Problem] = []
    found: list[InventoryFlow] = []
    for key, entry in entries:
        try:
            found.extend(_read_entry(key, entry, folder))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    inline = data.get("flows")
    if inline is None:
        inline = []
    if not isinstance(inline, list):
        problems.append(
            Problem(
                "flows",
                N_("expected a list of flows, got %(type)s", type=type(inline).__name__),
                N_("list flows under 'flows:' with '- ' items, or remove it"),
            )
        )
    if problems:
        raise ScenarioError(problems, source)
    expanded = {key: value for key, value in data.items() if key != "flows_from"}
    expanded["flows"] = [*inline, *found]
    return expanded
