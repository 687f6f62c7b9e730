"""``migrasim track --history``: read and check the forecast history before simulating,
the waterfall since the previous forecast, and the new forecast appended after the
results are written.

The history's modules (its file, the waterfall, its tables and charts: pandas and matplotlib)
are imported in the functions that use them, so only ``track --history`` loads them, not every
command that imports the pipelines (api.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from migrasim import __version__
from migrasim.analysis.records import RunReport
from migrasim.analysis.runner import Execution
from migrasim.errors import N_, Problem, ScenarioError
from migrasim.folder import rewrite_file
from migrasim.render.bundle import csv_files
from migrasim.render.i18n import fill, translator
from migrasim.render.messages import CHARTS
from migrasim.scenario.loader import load_scenario, self_contained_text
from migrasim.scenario.types import Scenario


@dataclass(frozen=True)
class HistoryBefore:
    """What ``track --history`` read before simulating: the history, the forecast the new one
    is compared with (and the scenario it was made with), the effective scenario now."""

    content: bytes
    forecasts: tuple[Any, ...]  # scenario.history_file.Forecast, in file order
    previous: Any  # the Forecast compared with, or None (the first)
    previous_scenario: Scenario | None
    text: str  # the effective scenario, self-contained (stored once per digest)
    digest: str
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class TrackHistory:
    """What ``track --history`` added: the new forecast, the waterfall (None: the first
    forecast), the report's tables and charts, and the row it was written to."""

    forecast: Any  # scenario.history_file.Forecast
    waterfall: Any  # analysis.history.Waterfall or None
    forecasts: tuple[Any, ...]  # every forecast, the new one last
    tables: tuple[Any, ...]
    pngs: dict[str, bytes]
    csvs: dict[str, bytes]  # forecast_waterfall.csv, with a waterfall
    file: Path
    row: int = 0  # the file's row the forecast went to (the header is row 1)


def history_before(
    history: Path, path: Path, overrides: Sequence[str], spec: Scenario, log: Any
) -> HistoryBefore:
    """Read and check the history and, for the forecast to compare with, the scenario it was
    made with (stored beside the history by its digest): every problem is an error (exit 2)
    before anything is simulated or written."""
    from migrasim.render.tables import inert_cell
    from migrasim.scenario.history_file import (
        digest,
        log_digest,
        previous_forecast,
        read_history,
        stored_scenario,
    )

    content, forecasts = read_history(history, str(history))
    text = self_contained_text(path, overrides)
    now = digest(text)
    mine = stored_scenario(history, now)
    if mine.is_file() and mine.read_bytes() != text.encode("utf-8"):
        raise ScenarioError([Problem(str(mine), N_(
            "holds another scenario than its name (digest) says"),
            N_("move it away; migrasim writes it again"))])  # fmt: skip
    previous = previous_forecast(forecasts, log.as_of)
    previous_scenario = None
    warnings: list[str] = []
    if previous is not None:
        if previous.scenario_digest == now:
            previous_scenario = spec
        else:
            stored = stored_scenario(history, previous.scenario_digest)
            where = N_("%(file)s row %(row)s, column %(column)s", file=str(history),
                       row=previous.row, column="scenario_digest")  # fmt: skip
            try:
                kept = stored.read_bytes()
            except OSError:
                raise ScenarioError([Problem(where, N_(
                    "the scenario of the forecast as of %(date)s is missing: %(stored)s",
                    date=previous.as_of, stored=str(stored)),
                    N_("restore that file (migrasim stored it), or give a new --history file"))
                ]) from None  # fmt: skip
            if digest(kept) != previous.scenario_digest:
                raise ScenarioError([Problem(where, N_(
                    "%(stored)s was changed after migrasim stored it (its digest differs)",
                    stored=str(stored)),
                    N_("restore that file as migrasim stored it, or give a new --history file"))
                ])  # fmt: skip
            previous_scenario = load_scenario(stored)
        if previous.scenario_name != inert_cell(spec.name):
            warnings.append(
                N_("%(file)s: the forecast as of %(date)s was of %(before)s, this one is of "
                   "%(now)s; check that it is the same programme's history", file=str(history),
                   date=previous.as_of, before=repr(previous.scenario_name),
                   now=repr(spec.name))
            )  # fmt: skip
        if log_digest(log, previous.as_of) != previous.log_digest:
            warnings.append(
                N_("%(file)s: the log's rows before %(date)s differ from those the forecast as "
                   "of %(date)s used; it is recomputed from the log as it is now and the "
                   "difference is shown as a restatement", file=log.file, date=previous.as_of)
            )  # fmt: skip
    return HistoryBefore(content, tuple(forecasts), previous, previous_scenario, text, now,
                         tuple(warnings))  # fmt: skip


def track_history(
    history: Path,
    past: HistoryBefore,
    spec: Scenario,
    log: Any,
    result: Any,
    forecast: RunReport,
    seed: int,
    execution: Execution,
    lang: str,
) -> TrackHistory:
    """The new forecast's record, the waterfall since the previous one (recomputed on the
    same seed and replications), and the report's trend and waterfall tables and charts."""

    from migrasim.analysis.history import explain
    from migrasim.render.history_report import (
        trend_figure,
        trend_table,
        waterfall_figure,
        waterfall_frame,
        waterfall_table,
    )
    from migrasim.render.tables import figure_png, inert_cell
    from migrasim.scenario.history_file import Forecast, log_digest

    programme = forecast.programme
    new = Forecast(
        log.as_of, datetime.now(UTC).replace(microsecond=0), str(inert_cell(spec.name)),
        programme.p50,
        programme.p80, programme.p95, programme.chance, spec.go_live,
        tuple((f.name, f.p80) for f in forecast.flows), seed, forecast.replications, past.digest,
        log_digest(log, log.as_of), __version__,
    )  # fmt: skip
    waterfall = None
    csvs: dict[str, bytes] = {}
    previous = past.previous
    if previous is not None and past.previous_scenario is not None:
        waterfall = explain(
            past.previous_scenario, spec, log, previous.as_of, previous.p80,
            result.conditioned, programme.p80, forecast.replications, seed, execution,
        )  # fmt: skip
    forecasts = (*past.forecasts, new)
    t = translator(lang)
    pngs = {
        "forecast_trend.png": figure_png(trend_figure(
            forecasts, spec.go_live, fill(t, CHARTS["history_trend_title"], name=spec.name), t))
    }  # fmt: skip
    if waterfall is not None:
        title = fill(t, CHARTS["history_waterfall_title"], name=spec.name,
                     date=waterfall.previous_as_of.isoformat())  # fmt: skip
        pngs["forecast_waterfall.png"] = figure_png(waterfall_figure(waterfall, title, t))
        csvs = csv_files({"forecast_waterfall.csv": waterfall_frame(waterfall)})
    tables = (
        trend_table(forecasts),
        waterfall_table(waterfall, str(history), not past.forecasts, log.as_of),
    )
    return TrackHistory(new, waterfall, forecasts, tables, pngs, csvs, history)


def record_forecast(history: Path, past: HistoryBefore, kept: TrackHistory) -> TrackHistory:
    """Store the effective scenario (once per digest) and append the forecast to the history,
    atomically; the history is read again under its lock and must still be valid and hold at
    least what was read before (a file cut short or rewritten meanwhile is refused)."""
    from migrasim.scenario.history_file import appended, parse_history, stored_scenario

    stored = stored_scenario(history, past.digest)

    def store(old: bytes) -> bytes:
        if old and old != past.text.encode("utf-8"):
            raise ScenarioError([Problem(str(stored), N_(
                "holds another scenario than its name (digest) says"),
                N_("move it away; migrasim writes it again"))])  # fmt: skip
        return past.text.encode("utf-8")

    if not stored.exists() or stored.read_bytes() != past.text.encode("utf-8"):
        rewrite_file(stored, store)
    row = 0

    def append(old: bytes) -> bytes:
        nonlocal row
        if not old.startswith(past.content):
            raise ScenarioError([Problem(str(history), N_(
                "changed while this forecast ran"),
                N_("run the forecast again"))])  # fmt: skip
        parse_history(old, str(history))  # still valid
        new = appended(old, kept.forecast)
        row = parse_history(new, str(history))[-1].row
        return new

    rewrite_file(history, append)
    return replace(kept, row=row)
