"""Sweep charts (issue 18): each point's own go-live, cell text that reads on its colour (WCAG
4.5:1), axes in words and units in both languages, and the sweep's --set changes in the title."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import matplotlib.dates as mdates
import numpy as np
import pytest
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from migrasim.analysis.records import SweepPoint
from migrasim.analysis.sweep import point_target, sweep_advice, sweep_point
from migrasim.pipelines.sweep import sweep_figure
from migrasim.render.board import key_words, swept_axis, what_if_text
from migrasim.render.headlines import advice_text
from migrasim.render.i18n import translator
from migrasim.render.plots import (
    GO_LIVE_GID,
    contrast_ratio,
    relative_luminance,
    sweep_heatmap_figure,
    sweep_line_figure,
    text_colour,
)

EN, CY = translator("en"), translator("cy")
CAP, GO = "links.capped.daily_cap", "go_live"


def _date_num(day: dt.date) -> float:
    date2num: Callable[[dt.datetime], float] = mdates.date2num  # matplotlib.dates is untyped
    return float(date2num(dt.datetime.combine(day, dt.time())))


def _axes(fig: Figure) -> Axes:
    return fig.axes[0]


def test_relative_luminance_and_contrast_by_hand() -> None:
    # WCAG 2: white 1, black 0, so 21:1; mid grey #777777: (0.4667+0.055)/1.055)^2.4 = 0.1845.
    assert relative_luminance("#FFFFFF") == pytest.approx(1.0)
    assert relative_luminance("#000000") == pytest.approx(0.0)
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert relative_luminance("#777777") == pytest.approx(0.1845, abs=1e-4)
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(1.05 / 0.2345, abs=1e-3)
    # The old cell text (#111111) on the heatmap's darkest red reads at under 2.5:1.
    assert contrast_ratio("#111111", colormaps["RdYlGn"](0.0)) < 2.5


def test_cell_text_colour_reads_at_4_5_to_1_on_every_heatmap_colour() -> None:
    cmap = colormaps["RdYlGn"]
    for value in np.linspace(0.0, 1.0, 501):
        cell = cmap(value)
        assert contrast_ratio(text_colour(cell), cell) >= 4.5, value
    assert text_colour(cmap(0.0)) == "#FFFFFF"  # dark red: white text
    assert text_colour(cmap(1.0)) == "#FFFFFF"  # dark green: white text
    assert text_colour(cmap(0.5)) == "#000000"  # pale yellow: black text
    # Any colour at all: the better of black and white is at least 4.58:1.
    rng = np.random.default_rng(18)
    for rgb in rng.random((2000, 3)):
        assert contrast_ratio(text_colour(tuple(rgb)), tuple(rgb)) >= 4.5


def _grid_points() -> list[SweepPoint]:
    chances = {("1 GB", "2026-01-05"): 0.0, ("1 GB", "2026-06-01"): 0.12,
               ("2 GB", "2026-01-05"): 0.5, ("2 GB", "2026-06-01"): 0.93,
               ("5 GB", "2026-01-05"): 1.0, ("5 GB", "2026-06-01"): None}  # fmt: skip
    return [
        SweepPoint(
            {CAP: cap, GO: go}, dt.date(2026, 3, 1), chance, go_live=dt.date.fromisoformat(go)
        )
        for (cap, go), chance in chances.items()
    ]


def test_every_heatmap_cell_text_reads_on_its_cell() -> None:
    points = _grid_points()
    fig = sweep_heatmap_figure(points, CAP, GO, "t", EN)
    ax = _axes(fig)
    image = ax.get_images()[0]
    grid = np.ma.filled(image.get_array(), np.nan)
    texts = [text for text in ax.texts if "P80" in text.get_text()]
    assert len(texts) == len(points)
    for text in texts:
        j, i = (round(v) for v in text.get_position())
        value = grid[i, j]
        cell = ax.get_facecolor() if np.isnan(value) else image.cmap(image.norm(value))
        assert contrast_ratio(text.get_color(), cell) >= 4.5, text.get_text()


def test_the_axes_of_a_sweep_are_in_words_and_units() -> None:
    points = _grid_points()
    caps = [str(p.values[CAP]) for p in points]
    axes = {CAP: swept_axis(CAP, caps, EN), GO: swept_axis(GO, [p.values[GO] for p in points], EN)}
    ax = _axes(sweep_heatmap_figure(points, CAP, GO, "t", EN, axes))
    assert ax.get_xlabel() == "Daily cap of link capped (GB a day)"
    assert ax.get_ylabel() == "Go-live"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "5"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2026-01-05", "2026-06-01"]
    welsh = swept_axis(CAP, caps, CY)
    assert welsh.label == "Terfyn dyddiol cyswllt capped (GB y dydd)"
    assert swept_axis(GO, ["2026-01-05"], CY).label == "Mynd yn fyw"
    line = [SweepPoint({CAP: c}, dt.date(2026, 3, 1), 0.5) for c in ("1 GB", "2 GB")]
    ax = _axes(sweep_line_figure(line, CAP, "t", EN, {CAP: swept_axis(CAP, ["1 GB", "2 GB"], EN)}))
    assert ax.get_xlabel() == "Daily cap of link capped (GB a day)"


def test_keys_in_words_and_values_whose_units_differ() -> None:
    assert key_words("flows[Cardiff].volume", EN) == "volume of Cardiff"
    assert key_words("links.wan.bandwidth", EN) == "bandwidth of link wan"
    assert key_words("start", EN) == "start"
    assert key_words("links.wan.outages.mtbf", EN) == "time between outages of link wan"
    assert key_words("links.wan.nonsense", EN) == "nonsense of link wan"  # its own name
    volume = swept_axis("flows[Cardiff].volume", ["100 GB", "400 GB"], EN)
    assert (volume.label, dict(volume.ticks)) == (
        "Volume of Cardiff (GB)",
        {"100 GB": "100", "400 GB": "400"},
    )
    mixed = swept_axis(CAP, ["500 MB", "2 GB"], EN)  # no one unit: values as written
    assert (mixed.label, dict(mixed.ticks)) == (
        "Daily cap of link capped",
        {"500 MB": "500 MB", "2 GB": "2 GB"},
    )
    plain = swept_axis("links.wan.efficiency", ["0.6", "0.9"], EN)
    assert (plain.label, dict(plain.ticks)) == (
        "Efficiency of link wan",
        {"0.6": "0.6", "0.9": "0.9"},
    )


def test_the_line_chart_marks_each_points_own_go_live() -> None:
    go_lives = [dt.date(2026, 1, 5), dt.date(2027, 1, 4), dt.date(2028, 6, 5)]
    points = [
        SweepPoint({GO: g.isoformat()}, dt.date(2028, 3, 13), 0.5, go_live=g) for g in go_lives
    ]
    ax = _axes(sweep_line_figure(points, GO, "t", EN))
    marks = [line for line in ax.get_lines() if line.get_gid() == GO_LIVE_GID]
    assert len(marks) == 1
    xs = np.asarray(marks[0].get_xdata(), dtype=float)
    ys = np.asarray(marks[0].get_ydata(), dtype=float)
    # a dash across each point's slot (within half a slot of it) at that point's go-live
    for x, go_live in enumerate(go_lives):
        near = ~np.isnan(xs) & (np.abs(xs - x) < 0.5)
        assert near.sum() == 2  # both ends of the dash
        assert set(ys[near]) == {_date_num(go_live)}, go_live
    # one go-live for every point: one horizontal line at it
    same = [SweepPoint({CAP: c}, dt.date(2026, 3, 1), 0.5, go_live=go_lives[0]) for c in "12"]
    ax = _axes(sweep_line_figure(same, CAP, "t", EN))
    (line,) = [line for line in ax.get_lines() if line.get_gid() == GO_LIVE_GID]
    assert set(np.asarray(line.get_ydata(), dtype=float)) == {_date_num(go_lives[0])}


def test_sweep_charts_carry_the_sweeps_overrides_in_their_titles() -> None:
    one = [SweepPoint({CAP: c}, dt.date(2026, 3, 1), 0.5) for c in ("1 GB", "2 GB")]
    changes = ["go_live=2026-06-01"]
    for points, keys in ((one, [CAP]), (_grid_points(), [CAP, GO])):
        title = _axes(sweep_figure(points, keys, "S", changes, EN)).get_title(loc="left")
        what_if = what_if_text(changes, EN)  # the what-if label a run's title carries
        assert what_if is not None
        assert what_if in title
        assert "2026-06-01" in what_if
        plain = _axes(sweep_figure(points, keys, "S", [], EN)).get_title(loc="left")
        assert "\n" not in plain
    title = _axes(sweep_figure(one, [CAP], "S", [], EN)).get_title(loc="left")
    assert title == "S: sweep of daily cap of link capped"


def test_sweep_charts_tick_the_points_that_meet_their_target_and_state_the_count() -> None:
    # Go-live 1 March (by 28 February): P80s 1 Feb and 28 Feb meet it, 1 Mar and never do not.
    go_live = dt.date(2026, 3, 1)
    target = point_target(None, go_live)
    p80s = {"1 GB": "2026-03-01", "2 GB": "2026-02-28", "3 GB": "2026-02-01", "4 GB": "never"}
    points = [
        sweep_point(
            {CAP: cap, GO: "2026-03-01"},
            {"p50": "never", "p80": p80, "p95": "never", "prob_by_go_live": 0.5},
            go_live,
            target,
        )
        for cap, p80 in p80s.items()
    ]
    assert [p.meets for p in points] == [False, True, True, False]
    advice = sweep_advice(points)
    assert advice is not None
    assert advice.meeting == 2
    note = advice_text(advice, EN)
    for keys in ([CAP], [CAP, GO]):
        ax = _axes(sweep_figure(points, keys, "S", [], EN, advice))
        shown = " ".join(text.get_text() for text in ax.texts).replace("\n", " ")
        assert " ".join(f"\u2713 {note}".split()) in " ".join(shown.split())
        ticks = [text for text in ax.texts if text.get_text().startswith("\u2713")]
        assert len(ticks) == 1 + advice.meeting  # the note's, then one per point meeting it


def test_the_sweep_table_heads_its_keys_in_words() -> None:
    from migrasim.render.inputs import sweep_table
    from migrasim.render.view import table_view

    points = [SweepPoint({CAP: "1 GB", GO: "2026-01-05"}, None, None)]
    table = sweep_table(points, [CAP, GO])
    assert table.columns[1:3] == (CAP, GO)  # code names, as sweep.csv
    assert table_view(table, EN).headers[1:3] == ["Daily cap of link capped", "Go-live"]
    assert table_view(table, CY).headers[1:3] == [
        "Terfyn dyddiol cyswllt capped",
        "Mynd yn fyw",
    ]
