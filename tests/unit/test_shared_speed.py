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
