"""The forecast history ``migrasim track --history FILE`` keeps: one CSV row per re-forecast.

The file is a data interface (English column names, ISO dates), appended to by migrasim and
read back strictly: a hand-edited or foreign file is refused with the file, the row (as a
spreadsheet numbers it: the header is row 1) and the column of every problem, and nothing is
written (exit 2). Columns, in this order (:data:`COLUMNS`):

- ``as_of``: the as-of date of the forecast (``YYYY-MM-DD``);
- ``recorded_at``: when it was made (UTC, ``YYYY-MM-DDTHH:MM:SSZ``);
- ``scenario_name``: the scenario's name (free text);
- ``p50``, ``p80``, ``p95``: the programme's completion-date quantiles (``never``: not within
  the horizon);
- ``chance_by_go_live``: the chance of finishing by go-live, 0-1 (blank without a go-live);
- ``go_live``: the scenario's go-live date (blank without one);
- ``flow_p80``: each flow's P80, a JSON object ``{"flow": "YYYY-MM-DD" or "never"}``;
- ``seed``, ``replications``: what the forecast ran with (blank replications: deterministic);
- ``scenario_digest``: the first 16 hex digits of the SHA-256 of the effective scenario text,
  which migrasim stores once per digest as ``<digest>.yaml`` in the folder
  ``<history file name>.scenarios`` beside the history file (:func:`store_folder`);
- ``log_digest``: the same digest of the log's rows before ``as_of`` (:func:`log_digest`), so a
  later forecast can tell whether those rows were edited since;
- ``version``: the migrasim version that made it.

Parsing and formatting only: the app writes the file (atomically, through ``folder.py``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from migrasim.errors import N_, Problem, ScenarioError, quoted
from migrasim.scenario.actuals import ActualsLog

COLUMNS = (
    "as_of",
    "recorded_at",
    "scenario_name",
    "p50",
    "p80",
    "p95",
    "chance_by_go_live",
    "go_live",
    "flow_p80",
    "seed",
    "replications",
    "scenario_digest",
    "log_digest",
    "version",
)
NEVER = "never"
DIGEST_LENGTH = 16
_DIGEST = re.compile(r"[0-9a-f]{16}")
_RECORDED = "%Y-%m-%dT%H:%M:%SZ"
MAX_HISTORY_BYTES = 64 * 2**20
"""A history file larger than this is refused (a forecast a week for a century is ~0.5 MB)."""


@dataclass(frozen=True)
class Forecast:
    """One row of the history: a forecast as it was made."""

    as_of: date
    recorded_at: datetime  # UTC
    scenario_name: str
    p50: date | None  # None: never
    p80: date | None
    p95: date | None
    chance: float | None  # of finishing by go-live (0-1); None without go-live
    go_live: date | None
    flow_p80: tuple[tuple[str, date | None], ...]  # (flow, P80), in the scenario's order
    seed: int
    replications: int | None  # None: deterministic
    scenario_digest: str
    log_digest: str
    version: str
    row: int = 0  # its row in the file (the header is row 1); 0 for a new one


def digest(text: str | bytes) -> str:
    """The first :data:`DIGEST_LENGTH` hex digits of the SHA-256 of ``text`` (UTF-8)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()[:DIGEST_LENGTH]


def log_digest(log: ActualsLog, before: date) -> str:
    """The digest of the log's rows dated before ``before``, as read (day, flow, bytes,
    rejected bytes, records, complete), in a canonical order: the same rows give the same
    digest however the file is laid out (column order, row order, units, blank rows)."""
    lines = sorted(
        f"{d.day.isoformat()}\t{flow}\t{d.bytes_moved!r}\t{d.rejected_bytes!r}\t"
        f"{d.records!r}\t{d.complete}"
        for flow, actual in log.flows.items()
        for d in actual.days
        if d.day < before
    )
    return digest("\n".join(lines))


def store_folder(history: Path) -> Path:
    """Where the scenarios of ``history`` are stored: ``<name>.scenarios`` beside it."""
    return history.with_name(history.name + ".scenarios")


def stored_scenario(history: Path, scenario_digest: str) -> Path:
    """The stored effective scenario text of a forecast with ``scenario_digest``."""
    return store_folder(history) / f"{scenario_digest}.yaml"


def _day(value: date | None) -> str:
    return NEVER if value is None else value.isoformat()


def header_text() -> str:
    return ",".join(COLUMNS) + "\r\n"


def row_text(forecast: Forecast) -> str:
    """The forecast as one CSV line (with its line end), in :data:`COLUMNS`' order."""
    flows = {name: _day(p80) for name, p80 in forecast.flow_p80}
    cells = [
        forecast.as_of.isoformat(),
        forecast.recorded_at.astimezone(UTC).strftime(_RECORDED),
        forecast.scenario_name,
        _day(forecast.p50),
        _day(forecast.p80),
        _day(forecast.p95),
        "" if forecast.chance is None else f"{forecast.chance:.4f}",
        "" if forecast.go_live is None else forecast.go_live.isoformat(),
        json.dumps(flows, ensure_ascii=False, separators=(",", ":")),
        str(forecast.seed),
        "" if forecast.replications is None else str(forecast.replications),
        forecast.scenario_digest,
        forecast.log_digest,
        forecast.version,
    ]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()


class _Row:
    """Reads one row's cells, collecting a problem per bad cell."""

    def __init__(self, shown: str, number: int, cells: Mapping[str, str]) -> None:
        self.shown, self.number, self.cells = shown, number, cells
        self.problems: list[Problem] = []

    def fail(self, column: str, problem: str, fix: str) -> None:
        where = N_("%(file)s row %(row)s, column %(column)s", file=self.shown, row=self.number,
                   column=column)  # fmt: skip
        self.problems.append(Problem(where, problem, fix))

    def text(self, column: str) -> str:
        return self.cells[column].strip()

    def day(self, column: str, never: bool = False, blank: bool = False) -> date | None:
        value = self.text(column)
        if (blank and value == "") or (never and value == NEVER):
            return None
        try:
            return date.fromisoformat(value) if len(value) == 10 else _bad_date()
        except ValueError:
            fix = N_("give a date as YYYY-MM-DD")
            if never:
                fix = N_("give a date as YYYY-MM-DD, or 'never'")
            self.fail(column, N_("not a date: %(value)s", value=quoted(value)), fix)
            return None

    def integer(self, column: str, least: int, blank: bool = False) -> int | None:
        value = self.text(column)
        if blank and value == "":
            return None
        if not value.isdigit() or int(value) < least or int(value) > 2**63 - 1:
            self.fail(column, N_("not a whole number of at least %(least)s: %(value)s",
                                 least=least, value=quoted(value)),
                      N_("restore the value migrasim wrote"))  # fmt: skip
            return None
        return int(value)


def _bad_date() -> date:
    raise ValueError("not YYYY-MM-DD")


def _read_row(reader: _Row) -> Forecast | None:
    as_of = None
    if reader.text("as_of") == "":
        reader.fail("as_of", N_("is empty"), N_("give the forecast's as-of date as YYYY-MM-DD"))
    else:
        as_of = reader.day("as_of")
    recorded: datetime | None = None
    try:
        recorded = datetime.strptime(reader.text("recorded_at"), _RECORDED).replace(tzinfo=UTC)
    except ValueError:
        reader.fail("recorded_at", N_("not a UTC time: %(value)s",
                                      value=quoted(reader.text("recorded_at"))),
                    N_("give a time as YYYY-MM-DDTHH:MM:SSZ"))  # fmt: skip
    p50, p80, p95 = (reader.day(c, never=True) for c in ("p50", "p80", "p95"))
    chance: float | None = None
    text = reader.text("chance_by_go_live")
    if text:
        try:
            chance = float(text)
            if not 0.0 <= chance <= 1.0:
                raise ValueError(text)
        except ValueError:
            chance = None
            reader.fail("chance_by_go_live", N_("not a chance between 0 and 1: %(value)s",
                                                value=quoted(text)),
                        N_("give a number from 0 to 1, or leave it blank"))  # fmt: skip
    go_live = reader.day("go_live", blank=True)
    flows = _flow_p80(reader)
    seed = reader.integer("seed", 0)
    replications = reader.integer("replications", 1, blank=True)
    digests = {}
    for column in ("scenario_digest", "log_digest"):
        value = reader.text(column)
        if not _DIGEST.fullmatch(value):
            reader.fail(column, N_("not a digest of 16 hex digits: %(value)s",
                                   value=quoted(value)),
                        N_("restore the value migrasim wrote"))  # fmt: skip
        digests[column] = value
    if reader.problems or as_of is None or recorded is None or seed is None or flows is None:
        return None
    return Forecast(
        as_of, recorded, reader.text("scenario_name"), p50, p80, p95, chance, go_live, flows,
        seed, replications, digests["scenario_digest"], digests["log_digest"],
        reader.text("version"), reader.number,
    )  # fmt: skip


def _flow_p80(reader: _Row) -> tuple[tuple[str, date | None], ...] | None:
    text = reader.text("flow_p80")
    fix = N_('restore the value migrasim wrote: a JSON object such as {"Cardiff": "2025-09-30"}')
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        reader.fail("flow_p80", N_("not a JSON object of flows and dates: %(value)s",
                                   value=quoted(text[:60])), fix)  # fmt: skip
        return None
    out: list[tuple[str, date | None]] = []
    for name, value in data.items():
        try:
            day = None if value == NEVER else date.fromisoformat(str(value))
        except ValueError:
            problem = N_("flow %(flow)s: not a date: %(value)s", flow=quoted(name),
                         value=quoted(str(value)))  # fmt: skip
            reader.fail("flow_p80", problem, fix)
            return None
        out.append((name, day))
    return tuple(out)


def parse_history(content: bytes, shown: str) -> list[Forecast]:
    """The forecasts in a history file's ``content`` (named ``shown`` in messages), in file
    order. An empty file has none. Raises :class:`ScenarioError` listing every problem."""
    if not content.strip():
        return []
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            [Problem(shown, N_("not UTF-8 text (byte %(at)s)", at=exc.start + 1),
                     N_("give the history file migrasim wrote, or a new file name"))]
        ) from None  # fmt: skip
    if "\x00" in text:
        raise ScenarioError(
            [Problem(shown, N_("not a text file"),
                     N_("give the history file migrasim wrote, or a new file name"))]
        )  # fmt: skip
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ScenarioError(
            [Problem(shown, N_("not a CSV file: %(error)s", error=exc),
                     N_("give the history file migrasim wrote, or a new file name"))]
        ) from None  # fmt: skip
    header = [cell.strip() for cell in rows[0]]
    if tuple(header) != COLUMNS:
        missing = ", ".join(c for c in COLUMNS if c not in header)
        unknown = ", ".join(quoted(c) for c in header if c not in COLUMNS)
        if missing and unknown:
            detail = N_("missing %(missing)s; unknown %(unknown)s", missing=missing,
                        unknown=unknown)  # fmt: skip
        elif missing:
            detail = N_("missing %(columns)s", columns=missing)
        elif unknown:
            detail = N_("unknown %(columns)s", columns=unknown)
        else:
            detail = N_("the columns are out of order")
        raise ScenarioError(
            [
                Problem(
                    N_("%(file)s row %(row)s", file=shown, row=1),
                    N_("not a migrasim forecast history (%(detail)s)", detail=detail),
                    N_("give the history file migrasim wrote (header: %(columns)s), or a new "
                       "file name", columns=",".join(COLUMNS)),
                )
            ]
        )  # fmt: skip
    problems: list[Problem] = []
    forecasts: list[Forecast] = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(COLUMNS):
            problems.append(
                Problem(
                    N_("%(file)s row %(row)s", file=shown, row=number),
                    N_("has %(got)s cells, the header %(want)s", got=len(cells),
                       want=len(COLUMNS)),
                    N_("restore the row migrasim wrote, or delete it"),
                )
            )  # fmt: skip
            continue
        reader = _Row(shown, number, dict(zip(COLUMNS, cells, strict=True)))
        found = _read_row(reader)
        problems.extend(reader.problems)
        if found is not None:
            forecasts.append(found)
    if problems:
        raise ScenarioError(problems)
    return forecasts


def read_history(path: Path, shown: str) -> tuple[bytes, list[Forecast]]:
    """The history file's bytes and its forecasts; a missing file is an empty history."""
    if not path.exists() and not path.is_symlink():
        return b"", []
    if path.is_dir():
        raise ScenarioError([Problem(shown, N_("is a folder"), N_("give the name of a .csv file"))])
    try:
        size = path.stat().st_size
        if size > MAX_HISTORY_BYTES:
            raise ScenarioError(
                [Problem(shown, N_("too large for a forecast history (%(size)s bytes)",
                                   size=size), N_("give the history file migrasim wrote"))]
            )  # fmt: skip
        content = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(
            [Problem(shown, N_("cannot read the file: %(error)s", error=exc.strerror or exc),
                     "")]
        ) from None  # fmt: skip
    return content, parse_history(content, shown)


def appended(content: bytes, forecast: Forecast) -> bytes:
    """``content`` (a history file's bytes, possibly empty) with ``forecast`` added as its
    last row: the bytes already there are kept as they are (a header first if empty)."""
    if not content.strip():
        return (header_text() + row_text(forecast)).encode("utf-8")
    end = b"" if content.endswith((b"\n", b"\r")) else b"\r\n"
    return content + end + row_text(forecast).encode("utf-8")


def previous_forecast(forecasts: Iterable[Forecast], as_of: date) -> Forecast | None:
    """The forecast a new one as of ``as_of`` is compared with: the one with the latest as-of
    date on or before ``as_of`` (the last written, if several share it); None if none."""
    best: Forecast | None = None
    for forecast in forecasts:
        if forecast.as_of <= as_of and (best is None or forecast.as_of >= best.as_of):
            best = forecast
    return best
