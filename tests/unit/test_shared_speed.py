"""core/shared_batch.py's speed paths give the numbers of the plain ones: a step's searches
from one origin (``_Outages.origin``, found once) and a short row of outages counted whole."""

from __future__ import annotations

import numpy as np
import pytest

from migrasim.analysis.draws import draw_block
from migrasim.core import shared_batch
from migrasim.core.batch import _make_instance
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import parse_scenario


def _outages(mtbf: str) -> shared_batch._Outages:
    # one 1 GB-a-day link, weekdays, with random outages on every one of 50 rows
    spec = {
        "name": "o", "start": "2025-07-07", "horizon": "120 days",
        "calendar": {"holidays": "none"},
        "links": {"l": {"daily_cap": "1 GB", "per_flow": False,
                        "outages": {"mtbf": mtbf, "mttr": {"low": "2 h", "likely": "1 day",
                                                           "high": "3 days"}}}},
        "flows": [{"name": n, "source": n, "target": "t", "volume": "5 GB", "links": ["l"]}
                  for n in ("a", "b")],
    }  # fmt: skip
    model = build_model(parse_scenario(spec))
    block = draw_block(parse_scenario(spec), model, 2, 0, rows=50)
    params = [float(c[0]) for c in shared_batch._link_columns(block, 0)]
    curve = _make_instance(
        model, block, 0, params, 0.0, np.arange(1), np.full(1, -1), {}, True
    ).curve
    starts, ends = block.down[(0, -1)]
    return shared_batch._Outages(curve, starts, ends)


@pytest.mark.parametrize("mtbf", ["4 days", "40 days"])  # rows longer and shorter than a look
def test_searches_from_one_origin_and_whole_rows_agree_with_the_plain_ones(
    mtbf: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(5)
    rows = np.repeat(np.arange(50), 3)  # entries of a row repeat, as a row's flows do
    s = np.sort(rng.uniform(0, 100 * 86400.0, (50, 4)), axis=1)
    xs = rng.uniform(0, 3e9, (4, rows.size))
    found = {}
    for look in (shared_batch._LOOK, 1):  # 1: every row longer than a look (the look path)
        monkeypatch.setattr(shared_batch, "_LOOK", look)
        for once in (True, False):
            out = _outages(mtbf)
            assert (out.width > 8) == (mtbf == "4 days")
            got = []
            for step in range(4):  # each row's times only move on, as in the phase loop
                t = s[rows, step]
                origin = out.origin(rows, t) if once else None
                got.append(out.clear(rows, t, xs[step], np.zeros(rows.size), origin))
                got.append(out.moved(rows, t, t + 5 * 86400.0, origin))
            found[(look, once)] = got
    first = found[(shared_batch._LOOK, True)]
    for key, got in found.items():
        for a, b in zip(first, got, strict=True):
            np.testing.assert_array_equal(a, b, err_msg=str(key))


def _staggered(flows: int, cap: str) -> dict[str, object]:
    # ``flows`` flows on one shared link, one starting every 2 hours, with uncertain volumes,
    # growth and rejections: more than _WINDOW flows, so the loop steps on a window of them
    from datetime import datetime, timedelta

    start = datetime(2025, 6, 2)
    return {
        "name": "staggered", "start": "2025-06-02", "horizon": "1 year",
        "calendar": {"holidays": "none"},
        "links": {"L": {"daily_cap": cap, "per_flow": False,
                        "outages": {"mtbf": "20 days", "mttr": "1 day"}}},
        "flows": [{"name": f"F{i}", "source": f"s{i}", "target": "t", "links": ["L"],
                   "volume": {"low": f"{1 + i % 5} GB", "likely": f"{2 + i % 5} GB",
                              "high": f"{4 + i % 5} GB"},
                   "growth": "0.01 GB/day",
                   "rejection": {"fraction": 0.05, "delay": {"low": "1 day", "likely": "3 days",
                                                             "high": "1 week"}},
                   "start": (start + timedelta(hours=2 * i)).isoformat()}
                  for i in range(flows)],
    }  # fmt: skip


@pytest.mark.parametrize("cap", ["40 GB", "25 GB"])  # keeping up with the starts, falling behind
def test_a_window_on_many_staggered_flows_solves_what_the_whole_width_solves(
    cap: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 200 flows: the loop's window (core.shared_batch._WINDOW) must give the very numbers of
    # stepping on every flow, and the engine's completions on a few rows
    from tests.helpers import assert_block_agrees

    scenario = parse_scenario(_staggered(200, cap))
    model = build_model(scenario)
    block = draw_block(scenario, model, 3, 0, rows=6)
    days = np.array([], dtype=float)
    windows = []
    slide = shared_batch._Phases._slide

    def seen(self: shared_batch._Phases, *args: object) -> None:
        slide(self, *args)  # type: ignore[arg-type]
        windows.append(self.hi - self.lo)

    monkeypatch.setattr(shared_batch._Phases, "_slide", seen)
    narrow = shared_batch.solve_block(model, block, days, 0)
    assert windows
    assert np.mean(windows) < 200
    monkeypatch.setattr(shared_batch, "_WINDOW", 10_000)  # every flow in view
    whole = shared_batch.solve_block(model, block, days, 0)
    np.testing.assert_array_equal(narrow.finished, whole.finished)
    np.testing.assert_array_equal(narrow.bottleneck, whole.bottleneck)
    assert np.isfinite(narrow.finished).all()
    monkeypatch.undo()
    assert_block_agrees(model, block, 1, 1.0, shared_batch.solve_block)


def test_the_fix_search_on_a_shared_link_solves_rounds_ahead_to_the_same_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 12 flows of 20-31 GB (about 300 GB) through one shared 1 GB a day, go-live 60 days on:
    # the baseline misses it; the cap it needs is found with AHEAD rounds per block, and
    # must be the very answer of one round per block, in fewer blocks.
    from migrasim.analysis import advice

    spec = _staggered(12, "1 GB")
    spec["go_live"] = "2025-08-01"
    for i, flow in enumerate(spec["flows"]):  # type: ignore[union-attr]
        flow.update(volume=f"{20 + i} GB", start="2025-06-02")
        del flow["rejection"], flow["growth"]
    scenario = parse_scenario(spec)
    model = build_model(scenario)
    calls = []
    finishes = advice.programme_finishes

    def counted(model: object, cases: list[object]) -> object:
        calls.append(len(cases))
        return finishes(model, cases)  # type: ignore[arg-type]

    monkeypatch.setattr(advice, "programme_finishes", counted)
    ahead = advice.fix_for(scenario, "L", "s.yaml", model=model)
    blocks = len(calls)
    monkeypatch.setattr(advice, "AHEAD", 1)
    calls.clear()
    alone = advice.fix_for(scenario, "L", "s.yaml", model=model)
    assert ahead is not None
    assert ahead == alone
    assert ahead.needed is not None  # (about 300 GB / 44 working days: some 6.9 GB a day)
    assert blocks < len(calls)
    assert max(calls) == 2  # one round (and the two ends) at a time
