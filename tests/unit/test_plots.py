"""Unit tests for migrasim.render.plots: structure of the figures, go-live line, saving as PNG."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from migrasim.render.plots import (
    GO_LIVE_GID,
    MAX_LEGEND_FLOWS,
    MAX_NAMED_FLOWS,
    NAMED_LARGEST,
    NAMED_LATEST,
    NEVER,
    OTHERS_GID,
    OVERALL_GID,
    burnup_figure,
    gantt_figure,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
START = dt.date(2025, 6, 2)
GO_LIVE = dt.date(2025, 6, 12)
GB = 1e9


def _timeline(
    daily: dict[str, float], volumes: dict[str, float], horizon_days: int = 20
) -> pd.DataFrame:
    """A row per flow per calendar day until the flow completes (or the horizon)."""
    rows = []
    for flow, rate in daily.items():
        cum = 0.0
        for i in range(horizon_days):
            step = min(rate, volumes[flow] - cum)
            cum += step
            day = START + dt.timedelta(days=i)
            rows.append(
                {
                    # mix date objects and ISO strings: both are accepted
                    "date": day if i % 2 else day.isoformat(),
                    "flow": flow,
                    "delivered_bytes": step,
                    "cumulative_bytes": cum,
                }
            )
            if cum >= volumes[flow]:
                break
    return pd.DataFrame(rows)


def _records(
    timeline: pd.DataFrame, volumes: dict[str, float], go_live: dt.date | None = GO_LIVE
) -> dict[str, Any]:
    """What the records give ``burnup_figure`` for a test timeline: each flow's completion day
    (the first day it reaches its volume; None: never) and whether that misses go-live."""
    days: dict[str, dt.date | None] = dict.fromkeys(volumes)
    for row in timeline.itertuples():
        flow = str(row.flow)
        if days[flow] is None and row.cumulative_bytes >= volumes[flow]:
            days[flow] = dt.date.fromisoformat(str(row.date))
    late = {f: None if go_live is None else (d is None or d >= go_live) for f, d in days.items()}
    return {"completed_on": days, "late": late}


@pytest.fixture
def volumes() -> dict[str, float]:
    return {"Cardiff": 10 * GB, "Powys": 4 * GB, "Never": 100 * GB}


@pytest.fixture
def timeline(volumes: dict[str, float]) -> pd.DataFrame:
    # Cardiff done on day 10 (late for a day-10 go-live), Powys on day 4, Never stops at 20 GB.
    return _timeline({"Cardiff": 1 * GB, "Powys": 1 * GB, "Never": 1 * GB}, volumes)


@pytest.fixture
def bars() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "flow": ["Cardiff", "Powys", "Never"],
            "start": pd.to_datetime(["2025-06-02 09:00"] * 3),
            "end": [pd.Timestamp("2025-06-11 17:00"), pd.Timestamp("2025-06-05 17:00"), None],
            "late": [False, False, True],
        }
    )


def _only_axes(fig: Figure) -> Axes:
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 1
    return fig.axes[0]


def _go_live_lines(ax: Axes) -> list[Line2D]:
    return [line for line in ax.get_lines() if line.get_gid() == GO_LIVE_GID]


def _date_num(day: dt.date) -> float:
    date2num: Callable[[dt.datetime], float] = mdates.date2num  # matplotlib.dates is untyped
    return float(date2num(dt.datetime.combine(day, dt.time())))


def _save_png(fig: Figure, path: Path) -> bytes:
    fig.savefig(path, dpi=60)
    data = path.read_bytes()
    assert len(data) > 1000
    assert data.startswith(PNG_MAGIC)
    return data


# --- burn-up -----------------------------------------------------------------------------------


def test_burnup_has_a_line_per_flow_plus_overall_and_go_live(
    timeline: pd.DataFrame, volumes: dict[str, float], tmp_path: Path
) -> None:
    fig = burnup_figure(
        timeline, volumes, GO_LIVE, "Wales: data migrated", **_records(timeline, volumes)
    )
    ax = _only_axes(fig)

    labels = [str(line.get_label()) for line in ax.get_lines()]
    for flow in volumes:
        assert labels.count(flow) == 1
    assert len([line for line in ax.get_lines() if line.get_gid() == OVERALL_GID]) == 1
    go_live = _go_live_lines(ax)
    assert len(go_live) == 1
    assert np.allclose(go_live[0].get_xdata(), _date_num(GO_LIVE))
    assert ax.get_title(loc="left") == "Wales: data migrated"
    low, high = ax.get_ylim()
    assert low <= 0
    assert 100 <= high <= 102
    legend = ax.get_legend()
    assert legend is not None
    texts = [t.get_text() for t in legend.get_texts()]
    assert "Overall programme" in texts
    assert any(t.startswith("Go-live") for t in texts)
    _save_png(fig, tmp_path / "burnup.png")


def test_burnup_overall_is_forward_filled_share_of_total(
    timeline: pd.DataFrame, volumes: dict[str, float]
) -> None:
    ax = _only_axes(burnup_figure(timeline, volumes, GO_LIVE, "t", **_records(timeline, volumes)))
    (overall,) = [line for line in ax.get_lines() if line.get_gid() == OVERALL_GID]
    y = np.asarray(overall.get_ydata(), dtype=float)
    assert len(y) == 21  # 0 at the start, then the end of every calendar day of the run
    assert y[0] == 0.0
    # Day 20: Cardiff 10 + Powys 4 (held after completing) + Never 20 = 34 of 114 GB.
    assert y[-1] == pytest.approx(34 / 114 * 100)
    assert np.all(np.diff(y) >= 0)


def test_burnup_without_go_live_has_no_go_live_line(
    timeline: pd.DataFrame, volumes: dict[str, float], tmp_path: Path
) -> None:
    fig = burnup_figure(timeline, volumes, None, "No go-live", **_records(timeline, volumes, None))
    ax = _only_axes(fig)
    assert _go_live_lines(ax) == []
    assert ax.get_title(loc="left") == "No go-live"
    legend = ax.get_legend()
    assert legend is not None
    assert not any(t.get_text().startswith("Go-live") for t in legend.get_texts())
    _save_png(fig, tmp_path / "burnup_no_go_live.png")


def test_burnup_with_many_flows_has_a_short_legend(tmp_path: Path) -> None:
    n = 29
    volumes = {f"Org {i:02d}": (i + 1) * GB for i in range(n)}
    daily = dict.fromkeys(volumes, 1 * GB)
    timeline = _timeline(daily, volumes, horizon_days=40)
    fig = burnup_figure(timeline, volumes, GO_LIVE, "29 flows", **_records(timeline, volumes))
    ax = _only_axes(fig)
    legend = ax.get_legend()
    assert legend is not None
    assert len(legend.get_texts()) < MAX_LEGEND_FLOWS
    assert len(ax.get_lines()) >= n + 1
    _save_png(fig, tmp_path / "burnup_29.png")


def test_burnup_of_many_flows_names_the_latest_and_largest_and_bands_the_rest(
    tmp_path: Path,
) -> None:
    n = 200
    # Flow i moves 1 GB a day and holds 1 + i % 50 GB, so flows 49, 99, 149, 199 finish last;
    # "Big" flows are the largest but finish early (they move 30 GB a day).
    volumes = {f"F{i:03d}": (1 + i % 50) * GB for i in range(n)}
    daily = dict.fromkeys(volumes, 1 * GB)
    for i in range(0, n, 20):
        volumes[f"F{i:03d}"] = 60 * GB
        daily[f"F{i:03d}"] = 30 * GB
    timeline = _timeline(daily, volumes, horizon_days=60)
    fig = burnup_figure(timeline, volumes, GO_LIVE, "200 flows", **_records(timeline, volumes))
    ax = _only_axes(fig)
    named = {str(line.get_label()) for line in ax.get_lines()} & set(volumes)
    assert len(named) == NAMED_LATEST + NAMED_LARGEST
    assert {"F049", "F099", "F149", "F199"} <= named  # the last to finish
    assert {f"F{i:03d}" for i in range(0, n, 20)} <= named  # the largest
    assert len([c for c in ax.collections if c.get_gid() == OTHERS_GID]) == 1
    legend = ax.get_legend()
    assert legend is not None
    texts = [t.get_text() for t in legend.get_texts()]
    assert f"{n - len(named)} other flows (middle 80%)" in texts
    assert "200 flows complete in time" not in texts  # the counts are over every flow
    assert sum(int(t.split()[0]) for t in texts if " flows complete" in t) == n
    # the overall line still counts every flow: 100 % once all are done
    (overall,) = [line for line in ax.get_lines() if line.get_gid() == OVERALL_GID]
    assert np.asarray(overall.get_ydata(), dtype=float)[-1] == pytest.approx(100.0)
    _save_png(fig, tmp_path / "burnup_200.png")


def test_burnup_names_every_flow_up_to_the_limit() -> None:
    volumes = {f"F{i:03d}": (1 + i % 7) * GB for i in range(MAX_NAMED_FLOWS)}
    timeline = _timeline(dict.fromkeys(volumes, 1 * GB), volumes)
    ax = _only_axes(burnup_figure(timeline, volumes, GO_LIVE, "t", **_records(timeline, volumes)))
    assert {str(line.get_label()) for line in ax.get_lines()} >= set(volumes)
    assert not [c for c in ax.collections if c.get_gid() == OTHERS_GID]


def test_burnup_keeps_the_largest_cumulative_of_a_day() -> None:
    volumes = {"A": 10 * GB}
    timeline = pd.DataFrame(
        {
            "date": ["2025-06-02", "2025-06-02", dt.date(2025, 6, 3)],
            "flow": ["A", "A", "A"],
            "delivered_bytes": [0.0, 0.0, 0.0],
            "cumulative_bytes": [4 * GB, 2 * GB, 5 * GB],
        }
    )
    ax = _only_axes(burnup_figure(timeline, volumes, GO_LIVE, "t", **_records(timeline, volumes)))
    (line,) = [line for line in ax.get_lines() if line.get_label() == "A"]
    assert list(np.asarray(line.get_ydata(), dtype=float)) == [0.0, 40.0, 50.0]


def test_burnup_rejects_a_flow_without_volume(timeline: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="Never"):
        burnup_figure(
            timeline, {"Cardiff": 10 * GB, "Powys": 4 * GB}, GO_LIVE, "t", completed_on={}, late={}
        )


def test_burnup_of_empty_timeline_still_returns_a_figure(tmp_path: Path) -> None:
    empty = pd.DataFrame(columns=["date", "flow", "delivered_bytes", "cumulative_bytes"])
    fig = burnup_figure(empty, {}, GO_LIVE, "Nothing", completed_on={}, late={})
    assert _only_axes(fig).get_title(loc="left") == "Nothing"
    _save_png(fig, tmp_path / "empty.png")


# --- Gantt -------------------------------------------------------------------------------------


def test_gantt_has_one_bar_per_flow_first_at_top(bars: pd.DataFrame, tmp_path: Path) -> None:
    fig = gantt_figure(bars, GO_LIVE, "Wales: migration schedule")
    ax = _only_axes(fig)
    assert len(ax.patches) == len(bars)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(bars["flow"])
    low, high = ax.get_ylim()
    assert low > high  # y axis inverted: the first flow is at the top
    assert len(_go_live_lines(ax)) == 1
    assert ax.get_title(loc="left") == "Wales: migration schedule"
    assert any(t.get_text().strip().startswith("never") for t in ax.texts)
    assert fig.get_figheight() == pytest.approx(3.0)  # 3 flows: the minimum height
    _save_png(fig, tmp_path / "gantt.png")


def test_gantt_colours_late_and_never_differently(bars: pd.DataFrame) -> None:
    ax = _only_axes(gantt_figure(bars, GO_LIVE, "t"))
    on_time, _, never = ax.patches
    assert isinstance(on_time, Rectangle)
    assert isinstance(never, Rectangle)
    assert on_time.get_facecolor() != never.get_facecolor()
    assert never.get_hatch()
    # The never bar runs to the right, past the last real end.
    assert never.get_x() + never.get_width() > on_time.get_x() + on_time.get_width()
    late_bars = bars.assign(late=[True, False, True])
    late_ax = _only_axes(gantt_figure(late_bars, GO_LIVE, "t"))
    assert late_ax.patches[0].get_facecolor() != late_ax.patches[1].get_facecolor()


# Okabe & Ito's colour-blind-safe palette, as drawn and as the report's caption names it.
OKABE_ITO = {"blue": "#0072B2", "orange": "#E69F00", "vermilion": "#D55E00"}


def _hex(patch: Patch) -> str:
    return to_hex(patch.get_facecolor(), keep_alpha=False).upper()


def test_gantt_status_bars_are_colour_blind_safe_and_late_is_hatched() -> None:
    # four flows finishing in the baseline: on track, at risk, likely late (in time in the
    # baseline) and likely late (late in the baseline, so also labelled with how late)
    frame = pd.DataFrame(
        {
            "flow": ["ok", "risk", "late", "later"],
            "start": pd.to_datetime(["2025-06-02 09:00"] * 4),
            "end": pd.to_datetime(["2025-06-05 17:00", "2025-06-09 17:00", "2025-06-10 17:00",
                                   "2025-06-20 17:00"]),
            "late": [False, False, False, True],
            "status": ["ok", "risk", "late", "late"],
        }
    )  # fmt: skip
    fig = gantt_figure(frame, GO_LIVE, "t")
    ax = _only_axes(fig)
    ok, risk, late, later = ax.patches
    assert isinstance(ok, Rectangle)
    assert isinstance(risk, Rectangle)
    assert isinstance(late, Rectangle)
    assert isinstance(later, Rectangle)
    assert [_hex(p) for p in (ok, risk, late, later)] == [
        OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["vermilion"], OKABE_ITO["vermilion"]
    ]  # fmt: skip
    # the second cue: likely late bars are hatched, the others are plain
    assert [p.get_hatch() for p in (ok, risk, late, later)] == [None, None, "//", "//"]
    assert "late" in " ".join(t.get_text() for t in ax.texts)  # "+1 wk late" on the bar
    # the legend draws each status as the bars are drawn
    legend = fig.legends[0]
    handles: dict[str, Any] = {str(t.get_text()).split(" (")[0]: h
               for t, h in zip(legend.get_texts(), legend.legend_handles, strict=True)}  # fmt: skip
    assert isinstance(handles["likely late"], Rectangle)
    assert handles["likely late"].get_hatch() == "//"
    assert _hex(handles["likely late"]) == OKABE_ITO["vermilion"]
    assert _hex(handles["at risk"]) == OKABE_ITO["orange"]
    assert _hex(handles["on track"]) == OKABE_ITO["blue"]
    assert handles["on track"].get_hatch() is None


def test_gantt_without_status_hatches_the_late_bars(bars: pd.DataFrame) -> None:
    late_bars = bars.assign(late=[True, False, True])
    ax = _only_axes(gantt_figure(late_bars, GO_LIVE, "t"))
    late, on_time, never = ax.patches
    assert isinstance(late, Rectangle)
    assert isinstance(on_time, Rectangle)
    assert isinstance(never, Rectangle)
    assert (_hex(late), late.get_hatch()) == (OKABE_ITO["vermilion"], "//")
    assert _hex(on_time) == OKABE_ITO["blue"]
    assert not on_time.get_hatch()
    assert never.get_hatch() == "xx"  # never finishes: a pattern of its own


def test_burnup_dashes_the_late_flows_when_coloured_by_status() -> None:
    # more flows than MAX_LEGEND_FLOWS: lines are coloured by status; late ones are dashed
    n = MAX_LEGEND_FLOWS + 1
    volumes = {f"f{i}": 10 * GB for i in range(n)}
    daily = {f"f{i}": (10 * GB if i else 0.5 * GB) for i in range(n)}  # f0 takes 20 days
    timeline = _timeline(daily, volumes, horizon_days=25)
    fig = burnup_figure(timeline, volumes, GO_LIVE, "t", **_records(timeline, volumes))
    ax = _only_axes(fig)
    lines = {str(line.get_label()): line for line in ax.get_lines()}
    assert lines["f0"].get_linestyle() == "--"
    assert to_hex(lines["f0"].get_color()).upper() == OKABE_ITO["vermilion"]
    assert lines["f1"].get_linestyle() == "-"
    assert to_hex(lines["f1"].get_color()).upper() == OKABE_ITO["blue"]


def test_burnup_reads_each_flows_status_from_the_records() -> None:
    # The timeline has every flow done on day 1, in time for the programme's go-live; the
    # records say f1 misses its own (earlier) go-live and f2 never completes (a re-send the
    # timeline's volume does not show). The chart follows the records, not the timeline.
    n = MAX_LEGEND_FLOWS + 1
    volumes = {f"f{i}": 10 * GB for i in range(n)}
    timeline = _timeline(dict.fromkeys(volumes, 10 * GB), volumes, horizon_days=25)
    records = _records(timeline, volumes)
    assert not any(records["late"].values())  # what the timeline alone would say
    records["late"]["f1"] = True
    records["completed_on"]["f2"] = None
    records["late"]["f2"] = True
    ax = _only_axes(burnup_figure(timeline, volumes, GO_LIVE, "t", **records))
    lines = {str(line.get_label()): line for line in ax.get_lines()}
    assert lines["f1"].get_linestyle() == "--"
    assert to_hex(lines["f1"].get_color()).upper() == OKABE_ITO["vermilion"]
    assert to_hex(lines["f2"].get_color()).upper() == NEVER.upper()
    assert lines["f0"].get_linestyle() == "-"
    assert to_hex(lines["f0"].get_color()).upper() == OKABE_ITO["blue"]


def test_gantt_without_go_live_has_no_go_live_line(bars: pd.DataFrame, tmp_path: Path) -> None:
    fig = gantt_figure(bars.assign(late=False), None, "No go-live")
    ax = _only_axes(fig)
    assert _go_live_lines(ax) == []
    assert len(ax.patches) == len(bars)
    _save_png(fig, tmp_path / "gantt_no_go_live.png")


def test_gantt_height_scales_with_flows() -> None:
    n = 29
    bars = pd.DataFrame(
        {
            "flow": [f"Org {i}" for i in range(n)],
            "start": [pd.Timestamp("2025-06-02")] * n,
            "end": [pd.Timestamp("2025-06-02") + pd.Timedelta(days=5 * i + 1) for i in range(n)],
            "late": [i > 20 for i in range(n)],
        }
    )
    fig = gantt_figure(bars, GO_LIVE, "29 flows")
    assert len(_only_axes(fig).patches) == n
    assert 0.3 * n <= fig.get_figheight() <= 0.3 * n + 2


def _many_bars(n: int) -> pd.DataFrame:
    """Flow i starts on day 0 and ends on day 1 + i % 50 (flows 49, 99 ... end last); every
    tenth flow is the largest; the flow at 7 never ends."""
    start = pd.Timestamp("2025-06-02")
    ends = [start + pd.Timedelta(days=1 + i % 50) for i in range(n)]
    ends[7] = None
    return pd.DataFrame(
        {
            "flow": [f"F{i:04d}" for i in range(n)],
            "start": [start] * n,
            "end": ends,
            "late": [e is None or e.date() >= GO_LIVE for e in ends],
            "bytes": [1e12 if i % 10 == 3 else 1e9 for i in range(n)],
        }
    )


def test_gantt_of_many_flows_names_the_latest_and_largest_and_bands_the_rest(
    tmp_path: Path,
) -> None:
    n = 1000
    bars = _many_bars(n)
    fig = gantt_figure(bars, GO_LIVE, "1000 flows")
    ax = _only_axes(fig)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    named = labels[:-1]
    assert len(named) == NAMED_LATEST + NAMED_LARGEST
    assert labels[-1] == f"{n - len(named)} other flows"
    assert named == sorted(named)  # in the order given
    assert "F0007" in named  # never ends: the latest of all
    assert {"F0049", "F0099", "F0149"} <= set(named)
    assert sum(1 for name in named if int(name[1:]) % 10 == 3) >= NAMED_LARGEST
    others = [p for p in ax.patches if p.get_gid() == OTHERS_GID]
    assert len(others) == 1
    assert len(ax.patches) <= len(named) + 2  # a bar per named flow and the band's two
    assert fig.get_figheight() <= 0.3 * (len(named) + 1) + 2
    legend_texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "never (1)" in legend_texts  # the counts are over every flow
    assert any(note.startswith(f"{len(named)} of {n} flows by name") for note in
               [t.get_text() for t in ax.texts])  # fmt: skip
    _save_png(fig, tmp_path / "gantt_1000.png")


def test_gantt_names_every_flow_up_to_the_limit() -> None:
    bars = _many_bars(MAX_NAMED_FLOWS)
    ax = _only_axes(gantt_figure(bars, GO_LIVE, "t"))
    assert [t.get_text() for t in ax.get_yticklabels()] == list(bars["flow"])
    assert not [p for p in ax.patches if p.get_gid() == OTHERS_GID]


def test_gantt_flow_that_never_starts_has_no_bar(bars: pd.DataFrame, tmp_path: Path) -> None:
    blocked = bars.copy()
    blocked["start"] = pd.Series(
        [pd.Timestamp("2025-06-02"), pd.NaT, pd.Timestamp("2025-06-02")], dtype="datetime64[ns]"
    )
    blocked["end"] = pd.Series([pd.Timestamp("2025-06-05"), pd.NaT, pd.NaT], dtype="datetime64[ns]")
    fig = gantt_figure(blocked, GO_LIVE, "t")
    ax = _only_axes(fig)
    assert len(ax.patches) == 2
    assert any("never starts" in t.get_text() for t in ax.texts)
    _save_png(fig, tmp_path / "blocked.png")


def test_gantt_of_no_flows_still_returns_a_figure(tmp_path: Path) -> None:
    empty = pd.DataFrame(columns=["flow", "start", "end", "late"])
    fig = gantt_figure(empty, None, "Nothing")
    assert _only_axes(fig).get_title(loc="left") == "Nothing"
    _save_png(fig, tmp_path / "empty.png")
