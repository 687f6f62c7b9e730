"""Forecast history: the file (strict reading, appending), the log before an earlier as-of
date, the hybrids and the waterfall whose parts add up.

Every expected figure is worked by hand in the comment beside it."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest

from migrasim.analysis.experiment import run_scenario
from migrasim.analysis.history import (
    PARTS,
    RESTATED,
    explain,
    hybrid,
    log_before,
    programme_p80,
)
from migrasim.analysis.summary import summarise
from migrasim.analysis.track import Conditioned, Shifted, condition, forecast_run
from migrasim.core.distributions import Estimate
from migrasim.errors import ScenarioError
from migrasim.scenario.actuals import read_actuals
from migrasim.scenario.history_file import (
    COLUMNS,
    Forecast,
    appended,
    log_digest,
    parse_history,
    previous_forecast,
    read_history,
)
from migrasim.scenario.types import Scenario, parse_scenario
from tests.helpers import scenario_dict

GB = 1e9


def _forecast(as_of: date, p80: date | None, **more: object) -> Forecast:
    values: dict[str, object] = {
        "as_of": as_of,
        "recorded_at": datetime(2025, 7, 14, 9, 30, tzinfo=UTC),
        "scenario_name": 'Wales, "test"',
        "p50": date(2025, 8, 1),
        "p80": p80,
        "p95": None,
        "chance": 0.25,
        "go_live": date(2025, 9, 1),
        "flow_p80": (("A, the big one", p80), ("B", None)),
        "seed": 7,
        "replications": 200,
        "scenario_digest": "0123456789abcdef",
        "log_digest": "fedcba9876543210",
        "version": "0.1.0",
    }
    values.update(more)
    return Forecast(**values)  # type: ignore[arg-type]


# --- the file ----------------------------------------------------------------------------------


def test_row_round_trip_and_append_keeps_every_byte() -> None:
    first = _forecast(date(2025, 7, 14), date(2025, 8, 20))
    second = _forecast(date(2025, 7, 21), None, chance=None, go_live=None, replications=None)
    one = appended(b"", first)
    assert one.decode("utf-8").splitlines()[0] == ",".join(COLUMNS)
    two = appended(one, second)
    assert two.startswith(one)  # appended, never rewritten
    read = parse_history(two, "h.csv")
    assert [f.row for f in read] == [2, 3]
    assert read[0] == _forecast(date(2025, 7, 14), date(2025, 8, 20), row=2)
    assert read[1].p80 is None
    assert read[1].chance is None
    assert read[1].replications is None
    assert read[1].flow_p80 == (("A, the big one", None), ("B", None))
    # A file whose last line has no line end keeps it, and gets one before the new row.
    cut = one.rstrip(b"\r\n")
    assert appended(cut, second) == cut + b"\r\n" + two[len(one) :]


def test_empty_and_missing_history(tmp_path: Path) -> None:
    assert parse_history(b"", "h.csv") == []
    assert read_history(tmp_path / "none.csv", "none.csv") == (b"", [])


def _rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(content.decode("utf-8").splitlines()))


def _text(rows: list[list[str]]) -> bytes:
    return "".join(",".join(f'"{c}"' if "," in c or '"' in c else c for c in r) + "\n"
                   for r in rows).encode("utf-8")  # fmt: skip


def test_corrupt_history_names_file_row_and_column() -> None:
    content = appended(appended(b"", _forecast(date(2025, 7, 14), date(2025, 8, 20))),
                       _forecast(date(2025, 7, 21), date(2025, 8, 22)))  # fmt: skip
    rows = _rows(content)
    rows[2][COLUMNS.index("p80")] = "next week"
    rows[2][COLUMNS.index("seed")] = "-1"
    rows[1][COLUMNS.index("scenario_digest")] = "xyz"
    rows = [[c.replace('"', '""') if c.startswith("{") else c for c in r] for r in rows]
    with pytest.raises(ScenarioError) as caught:
        parse_history(_text(rows), "h.csv")
    text = str(caught.value)
    assert "h.csv row 3, column p80: not a date: 'next week'." in text
    assert "h.csv row 3, column seed: not a whole number of at least 0: '-1'." in text
    assert "h.csv row 2, column scenario_digest: not a digest of 16 hex digits: 'xyz'." in text


def test_foreign_file_is_refused_at_its_header() -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_history(b"date,flow,bytes\n2025-07-07,A,1 GB\n", "log.csv")
    text = str(caught.value)
    assert text.startswith("log.csv row 1: not a migrasim forecast history (missing as_of")
    assert "unknown 'date', 'flow', 'bytes'" in text


def test_a_row_with_too_few_cells() -> None:
    content = appended(b"", _forecast(date(2025, 7, 14), date(2025, 8, 20))) + b"2025-07-21,x\n"
    with pytest.raises(ScenarioError, match=r"h.csv row 3: has 2 cells, the header 14"):
        parse_history(content, "h.csv")


def test_previous_forecast_is_the_latest_on_or_before() -> None:
    a = _forecast(date(2025, 7, 14), date(2025, 8, 20), row=2)
    b = _forecast(date(2025, 7, 21), date(2025, 8, 22), row=3)
    c = _forecast(date(2025, 7, 14), date(2025, 8, 25), row=4)  # the same week, again
    assert previous_forecast([a, b, c], date(2025, 7, 28)) is b
    assert previous_forecast([a, b, c], date(2025, 7, 20)) is c  # the last written of the 14th
    assert previous_forecast([a, b, c], date(2025, 7, 13)) is None


# --- the log before an earlier date -----------------------------------------------------------


def _scenario(scale: int = 1, cap: str = "10 GB") -> Scenario:
    # Mon 2025-07-07 start, Mon-Fri, no holidays; each flow its own 10 GB/day; A triangular
    # 20-40-60 GB and B 30 GB, times ``scale``.
    return parse_scenario(
        scenario_dict(
            {"pipe": {"daily_cap": cap, "per_flow": True}},
            [
                {"name": "A", "volume": {"low": f"{20 * scale} GB", "likely": f"{40 * scale} GB",
                                         "high": f"{60 * scale} GB", "dist": "triangular"},
                 "links": ["pipe"]},
                {"name": "B", "volume": f"{30 * scale} GB", "links": ["pipe"]},
            ],
            go_live="2025-09-01",
        )
    )  # fmt: skip


def _log(tmp_path: Path, spec: Scenario, as_of: date, complete_b: bool = False):  # type: ignore[no-untyped-def]
    # A and B each move 5 GB every weekday from Mon 7 July (half the plan's 10 GB/day); with
    # complete_b, B moves 10 GB a day instead and is marked complete on Thu 10 July (30 GB).
    rows = [["date", "flow", "bytes", "complete"]]
    for day in (7, 8, 9, 10, 11, 14, 15, 16, 17, 18):
        if date(2025, 7, day) >= as_of:
            continue
        rows.append([f"2025-07-{day:02d}", "A", "5 GB", ""])
        if complete_b and day <= 10:
            rows.append([f"2025-07-{day:02d}", "B", "10 GB", "yes" if day == 10 else ""])
        elif not complete_b:
            rows.append([f"2025-07-{day:02d}", "B", "5 GB", ""])
    path = tmp_path / f"log-{as_of}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return read_actuals(path, path.name, spec, as_of)


def test_log_before_keeps_the_earlier_rows(tmp_path: Path) -> None:
    spec = _scenario()
    log = _log(tmp_path, spec, date(2025, 7, 14), complete_b=True)
    earlier = log_before(log, date(2025, 7, 10), ["A", "B", "C"])
    assert earlier.as_of == date(2025, 7, 10)
    # A: rows of 7, 8 and 9 July (5 GB each); B: 10 GB on each, not yet complete (that was the
    # 10th); C is not in the log: no rows.
    assert earlier.flows["A"].delivered_bytes == pytest.approx(15 * GB)
    assert earlier.flows["B"].delivered_bytes == pytest.approx(30 * GB)
    assert earlier.flows["B"].completed_on is None
    assert earlier.flows["C"].days == ()
    assert log.flows["B"].completed_on == date(2025, 7, 10)
    # Its digest is the digest of the rows before the 10th, however read.
    assert log_digest(earlier, date(2025, 7, 10)) == log_digest(log, date(2025, 7, 10))
    assert log_digest(log, date(2025, 7, 10)) != log_digest(log, date(2025, 7, 14))


# --- hybrids -----------------------------------------------------------------------------------


def test_shifted_volume_by_hand() -> None:
    base = Estimate(10 * GB, 30 * GB, 50 * GB, "uniform")
    shifted = Shifted.of(base, -15 * GB, floor=1.0)
    # uniform 10-50 GB less 15 GB: -5..35 GB, floored at 1 byte; the median 30 - 15 = 15 GB.
    assert (shifted.low, shifted.likely, shifted.high) == (1.0, 15 * GB, 35 * GB)
    u = np.array([0.0, 0.5, 1.0])
    assert shifted.ppf_array(u).tolist() == pytest.approx([1.0, 15 * GB, 35 * GB])


def test_progress_shifts_what_is_left_and_volume_swaps_the_estimate(tmp_path: Path) -> None:
    spec = _scenario()
    earlier = condition(spec, _log(tmp_path, spec, date(2025, 7, 9)))
    later = condition(spec, _log(tmp_path, spec, date(2025, 7, 14)))
    progressed, done = hybrid(earlier, later, ["progress"])
    assert done == {}
    assert progressed.start == later.scenario.start  # 00:00 on Mon 14 July
    a, b = progressed.flows
    # B (30 GB fixed): as of the 9th 10 GB crossed, 20 GB left; by the 14th 25 GB crossed, so
    # progress alone leaves 20 - 15 = 5 GB, what the later conditioning leaves too.
    # (what is simulated: each flow at its own calibrated rate, its volume divided by it)
    fa, fb = (earlier.rate_factors.get(name, 1.0) for name in ("A", "B"))
    assert b.volume * fb == pytest.approx(5 * GB) == later.scenario.flows[1].volume
    # A (triangular 20-40-60 GB): as of the 9th 10 GB crossed (below its low: no truncation),
    # left 10-30-50 GB; 15 GB more crossed by the 14th: 1 byte (floored) - 15 - 35 GB.
    est = a.volume.to_estimate()
    assert (est.low * fa, est.likely * fa, est.high * fa) == pytest.approx((1.0, 15 * GB, 35 * GB))
    # The later conditioning knows A's total is at least 25 GB (truncated triangular), so its
    # median left is higher than the shifted earlier one's: that difference is the volume part.
    sized, _ = hybrid(earlier, later, ["progress", "volume"])
    mid = np.array([0.5])
    assert sized.flows[0].volume.to_estimate().ppf_array(mid)[0] * fa == pytest.approx(
        later.scenario.flows[0].volume.to_estimate().ppf_array(mid)[0]
    )
    assert sized.flows[0].volume.to_estimate().ppf_array(mid)[0] > est.ppf_array(mid)[0]
    # The links are the earlier calibration until throughput is swapped too.
    assert sized.links == earlier.to_simulate.links
    everything, _ = hybrid(earlier, later, PARTS[:3])
    assert everything.links == later.to_simulate.links


def test_a_complete_flag_is_progress(tmp_path: Path) -> None:
    spec = _scenario()
    earlier = condition(spec, _log(tmp_path, spec, date(2025, 7, 9), complete_b=True))
    later = condition(spec, _log(tmp_path, spec, date(2025, 7, 14), complete_b=True))
    progressed, done = hybrid(earlier, later, ["progress"])
    assert done == {"B": date(2025, 7, 10)}
    assert progressed.flows[1].volume == 1.0  # nothing left


def _p80(remaining: Scenario, done: dict[str, date]) -> date | None:
    return programme_p80(run_scenario(remaining, 60, 11), done)


def _forecast_p80(cond: Conditioned) -> date | None:
    """The P80 as ``track`` forecasts it (each flow at its own calibrated rate)."""
    return summarise(forecast_run(cond, 60, 11)).programme.p80


def test_no_swap_is_the_earlier_forecast_and_every_swap_the_later(tmp_path: Path) -> None:
    spec = _scenario()
    earlier = condition(spec, _log(tmp_path, spec, date(2025, 7, 9), complete_b=True))
    later = condition(spec, _log(tmp_path, spec, date(2025, 7, 16), complete_b=True))
    assert _p80(*hybrid(earlier, later, [])) == _forecast_p80(earlier)
    assert _p80(*hybrid(earlier, later, PARTS[:3])) == _forecast_p80(later)


# --- the waterfall -----------------------------------------------------------------------------


def _waterfall(tmp_path: Path, before: Scenario, now: Scenario, first: date, second: date):  # type: ignore[no-untyped-def]
    log = _log(tmp_path, now, second)
    current = condition(now, log)
    current_p80 = _forecast_p80(current)
    recorded = _forecast_p80(condition(before, log_before(log, first, before.flow_names())))
    return explain(before, now, log, first, recorded, current, current_p80, 60, 11), current_p80


def test_parts_add_up_and_edits_are_zero_for_the_same_scenario(tmp_path: Path) -> None:
    spec = _scenario(10)  # A 200-400-600 GB, B 300 GB: months at 10 GB/day
    waterfall, p80 = _waterfall(tmp_path, spec, spec, date(2025, 7, 9), date(2025, 7, 16))
    days = {s.part: s.days for s in waterfall.steps}
    assert days[RESTATED] == 0  # recomputed on the same seed, replications and rows
    assert days["edits"] == 0
    assert waterfall.p80 == p80
    assert sum(d for d in days.values() if d is not None) == waterfall.total_days
    assert waterfall.total_days == (p80 - waterfall.recorded_p80).days  # type: ignore[operator]
    # Half the planned rate for a week pushes the date later, through throughput mostly.
    assert days["throughput"] > 0


def test_same_log_edited_scenario_is_only_scenario_edits(tmp_path: Path) -> None:
    before, now = _scenario(10), _scenario(10, cap="20 GB")
    day = date(2025, 7, 16)
    waterfall, _ = _waterfall(tmp_path, before, now, day, day)
    days = {s.part: s.days for s in waterfall.steps}
    # The same log and as-of date: no progress, no re-estimate, no new calibration; doubling
    # the link's cap (even with the log saying it delivers half of the old one) is an edit.
    assert [days[p] for p in ("progress", "volume", "throughput")] == [0, 0, 0]
    assert days["edits"] is not None
    assert days["edits"] != 0
    assert days["edits"] == waterfall.total_days


# --- the report's tables and charts ------------------------------------------------------------


def test_trend_and_waterfall_tables_by_hand() -> None:
    from migrasim.analysis.history import Step, Waterfall
    from migrasim.render.history_report import (
        trend_figure,
        trend_table,
        waterfall_figure,
        waterfall_table,
    )
    from migrasim.render.inputs import NEVER

    later = _forecast(date(2025, 7, 21), date(2025, 8, 22), row=3)
    never = _forecast(date(2025, 7, 28), None, row=0)  # the new one
    first = _forecast(date(2025, 7, 14), date(2025, 8, 20), row=2)
    table = trend_table([later, never, first])
    # By as-of date; the P80 moved +2 days (20 -> 22 August), then to never (no number).
    assert [r[0] for r in table.rows] == [date(2025, 7, 14), date(2025, 7, 21), date(2025, 7, 28)]
    assert [r[2] for r in table.rows] == [date(2025, 8, 20), date(2025, 8, 22), NEVER]
    assert [r[5] for r in table.rows] == [None, 2, None]
    assert table.columns[4] == "prob_by_go_live"

    steps = (
        Step(RESTATED, date(2025, 8, 20), 0),
        Step("progress", date(2025, 8, 21), 1),
        Step("volume", date(2025, 8, 25), 4),
        Step("throughput", date(2025, 8, 23), -2),
        Step("edits", date(2025, 8, 23), 0),
    )
    waterfall = Waterfall(date(2025, 7, 14), date(2025, 7, 21), date(2025, 8, 20), steps)
    assert waterfall.total_days == 3 == 1 + 4 - 2 + 0
    rows = waterfall_table(waterfall, "h.csv").rows
    # The recorded previous forecast, the four parts (no restatement: it is 0), the total.
    assert [r[2] for r in rows] == [None, 1, 4, -2, 0, 3]
    assert rows[0][0] == "forecast of 2025-07-14, as recorded"
    assert rows[-1][:2] == ("this forecast (as of 2025-07-21): total change", date(2025, 8, 23))
    none = waterfall_table(None, "h.csv").rows
    assert none[0][0].startswith("no earlier forecast in h.csv to compare with")
    # The charts draw, a never included.
    assert trend_figure([first, later, never], date(2025, 9, 1), "t").axes
    assert waterfall_figure(waterfall, "w").axes


# --- appending atomically ----------------------------------------------------------------------


def test_rewrite_file_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from migrasim import folder
    from migrasim.errors import OutputError

    path = tmp_path / "history.csv"
    path.write_bytes(b"old\n")
    path.chmod(0o640)
    assert folder.rewrite_file(path, lambda old: old + b"new\n") == b"old\nnew\n"
    assert path.read_bytes() == b"old\nnew\n"
    assert path.stat().st_mode & 0o777 == 0o640  # keeps its permissions
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.csv"]  # no temp, no lock

    def refuse(old: bytes) -> bytes:
        raise OutputError("no")

    with pytest.raises(OutputError):
        folder.rewrite_file(path, refuse)
    assert path.read_bytes() == b"old\nnew\n"

    def broken(src: object, dst: object) -> None:
        raise OSError(5, "Input/output error", str(dst))

    monkeypatch.setattr(os, "replace", broken)  # the rename fails: the old file stays whole
    with pytest.raises(OutputError, match="Input/output error"):
        folder.rewrite_file(path, lambda old: old + b"more\n")
    assert path.read_bytes() == b"old\nnew\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.csv"]
