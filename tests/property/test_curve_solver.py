"""The cumulative-capacity solver and the event-by-event solver agree.

A flow alone on one link (or on a fallback, then its own link) is solved on the link's
cumulative capacity curve; ``method="events"`` forces the general event loop. Both must give
the same completion and the same delivery curve on random links, calendars, outages, growth,
quotas and lead times.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from migrasim.core.calendar import NEVER
from migrasim.core.engine import simulate
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import parse_scenario

WINDOWS = [None, "19:00-07:00", "22:00-06:00", "08:00-18:00", "00:00-12:00", "13:30-14:30"]


@st.composite
def single_link_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    link: dict[str, Any] = {}
    kind = draw(st.sampled_from(["cap", "bandwidth", "both", "records"]))
    if kind in ("cap", "both"):
        link["daily_cap"] = f"{draw(st.floats(0.2, 5)):.3f} GB"
    if kind in ("bandwidth", "both"):
        link["bandwidth"] = f"{draw(st.floats(0.5, 50)):.3f} Mbit/s"
    if kind == "records":
        link["records_rate"] = f"{draw(st.integers(5, 200))} records/s"
    window = draw(st.sampled_from(WINDOWS))
    if window:
        link["window"] = window
    if draw(st.booleans()):
        down = datetime(2025, 7, 7) + timedelta(hours=draw(st.integers(0, 24 * 30)))
        up = down + timedelta(minutes=draw(st.integers(10, 60 * 72)))
        link["outages"] = {"planned": [f"{down:%Y-%m-%dT%H:%M}..{up:%Y-%m-%dT%H:%M}"]}
    flow: dict[str, Any] = {
        "name": "A",
        "source": "s",
        "target": "t",
        "volume": f"{draw(st.floats(0.3, 12)):.3f} GB",
        "links": ["L"],
    }
    if kind == "records":
        flow["records"] = f"{draw(st.integers(100, 5000))} k"
    if draw(st.booleans()):
        flow["growth"] = f"{draw(st.floats(0.01, 0.4)):.3f} GB/day"
    if draw(st.booleans()):
        flow["start"] = f"2025-07-{draw(st.integers(7, 12)):02d}T{draw(st.integers(0, 23)):02d}:30"
    links = {"L": link}
    if draw(st.booleans()):
        link["lead_time"] = f"{draw(st.integers(1, 20))} days"
        if draw(st.booleans()):
            links["slow"] = {"daily_cap": "0.3 GB"}
            link["fallback"] = "slow"
    days = draw(st.sampled_from([["Mon", "Tue", "Wed", "Thu", "Fri"],
                                 ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
                                 ["Tue", "Thu"]]))  # fmt: skip
    return {
        "name": "random",
        "start": "2025-07-07",
        "horizon": "200 days",
        "calendar": {"working_days": days, "holidays": draw(st.sampled_from(["none", "wales"]))},
        "links": links,
        "flows": [flow],
    }


@given(single_link_scenarios())
def test_curve_and_event_solvers_agree(data: dict[str, Any]) -> None:
    model = build_model(parse_scenario(data))
    fast = simulate(model, record=True)
    slow = simulate(model, record=True, method="events")
    a, b = fast.flows[0], slow.flows[0]
    if b.finished_s == NEVER:
        assert a.finished_s == NEVER
    else:
        assert a.finished_s != NEVER
        assert abs(a.finished_s - b.finished_s) < 1e-3
    assert a.delivered_bytes == np.float64(b.delivered_bytes) or abs(
        a.delivered_bytes - b.delivered_bytes
    ) <= 1e-6 * max(1.0, b.delivered_bytes)
    assert fast.curves is not None
    assert slow.curves is not None
    # the two delivery curves agree wherever either has a breakpoint
    (ta, va), (tb, vb) = fast.curves[0], slow.curves[0]
    probe = np.union1d(ta, tb)
    probe = probe[probe <= min(ta[-1], tb[-1])]
    diff = np.abs(np.interp(probe, ta, va) - np.interp(probe, tb, vb))
    assert diff.max(initial=0.0) <= 1e-6 * max(1.0, b.delivered_bytes) + 1.0
