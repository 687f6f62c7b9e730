"""Hypothesis strategies for small, valid scenario dicts (the mapping ``parse_scenario`` reads).

Everything generated lands on a 30-minute grid of local time: the scenario start, every flow's
``start`` and every window's open and close. Link windows on whole or half hours are what the
brief asks for, and the grid is what lets ``tests.reference_model`` step in fixed steps with
the windows exactly at step boundaries. Start dates are in summer 2025 (June to mid-August), so
that with the horizons used here no clock change falls inside a run unless a test asks for it.

Sizes are drawn as whole MB so the text round-trips exactly through ``units.py``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ALL_WEEK = list(WEEKDAYS)
OFFICE_WEEK = list(WEEKDAYS[:5])

FIRST_START = date(2025, 6, 2)
LAST_START = date(2025, 8, 15)


def hhmm(seconds: int) -> str:
    """``5400`` -> ``"01:30"``; ``86400`` -> ``"24:00"``."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


@st.composite
def windows(draw: st.DrawFn) -> str:
    """``"HH:MM-HH:MM"`` on whole or half hours; about half of them cross midnight."""
    open_slot = draw(st.integers(0, 47))
    close_slot = draw(st.sampled_from([c for c in range(1, 49) if c % 48 != open_slot]))
    return f"{hhmm(open_slot * 1800)}-{hhmm(close_slot * 1800)}"


def sizes_mb(lo: int, hi: int) -> st.SearchStrategy[str]:
    return st.integers(lo, hi).map(lambda mb: f"{mb} MB")


def bandwidths(lo_mbit: float = 1.0, hi_mbit: float = 50.0) -> st.SearchStrategy[str]:
    """Half-Mbit/s steps between the bounds."""
    return st.integers(int(lo_mbit * 2), int(hi_mbit * 2)).map(lambda h: f"{h / 2:g} Mbit/s")


@st.composite
def links(
    draw: st.DrawFn,
    cap_mb: tuple[int, int] = (500, 5000),
    bandwidth_mbit: tuple[float, float] = (1.0, 50.0),
    window: bool | None = None,
    kind: str | None = None,
) -> dict[str, Any]:
    """One link spec: cap only, bandwidth only, or both; maybe a window; shared or per-flow.

    ``window`` True/False forces a window or none; ``kind`` is ``"cap"``, ``"bw"`` or ``"both"``.
    """
    kind = kind or draw(st.sampled_from(["cap", "bw", "both"]))
    spec: dict[str, Any] = {}
    if kind in ("cap", "both"):
        spec["daily_cap"] = draw(sizes_mb(*cap_mb))
    if kind in ("bw", "both"):
        spec["bandwidth"] = draw(bandwidths(*bandwidth_mbit))
        efficiency = draw(st.sampled_from([1.0, 1.0, 0.9, 0.7, 0.5]))
        if efficiency != 1.0:
            spec["efficiency"] = efficiency
    has_window = draw(st.booleans()) if window is None else window
    if has_window:
        spec["window"] = draw(windows())
    if draw(st.booleans()):
        spec["per_flow"] = True
    return spec


@st.composite
def start_moments(draw: st.DrawFn, first: date = FIRST_START, last: date = LAST_START) -> datetime:
    """A scenario start between ``first`` and ``last`` (summer 2025 by default), at 00:00 or on
    another half hour."""
    day = draw(st.dates(first, last))
    slot = draw(st.sampled_from([0, 0, 0, *range(1, 48)]))
    return datetime.combine(day, datetime.min.time()) + timedelta(minutes=30 * slot)


def _iso(moment: datetime) -> str:
    if moment.hour == 0 and moment.minute == 0 and not moment.second:
        return moment.date().isoformat()
    return moment.isoformat(timespec="minutes")


@st.composite
def calendars(draw: st.DrawFn, start: datetime) -> dict[str, Any]:
    """Working days (office week, all week or any non-empty set), holidays, maybe a closure."""
    choice = draw(st.sampled_from(["office", "office", "all", "any"]))
    if choice == "office":
        working = OFFICE_WEEK
    elif choice == "all":
        working = ALL_WEEK
    else:
        picked = draw(st.sets(st.sampled_from(WEEKDAYS), min_size=1))
        working = [d for d in WEEKDAYS if d in picked]
    calendar: dict[str, Any] = {
        "holidays": draw(st.sampled_from(["none", "wales"])),
        "working_days": working,
    }
    if calendar["holidays"] == "wales" and draw(st.integers(0, 3)) == 0:
        calendar["weekend_holidays"] = draw(st.sampled_from(["both", "actual"]))
    if draw(st.integers(0, 3)) == 0:
        first = start.date() + timedelta(days=draw(st.integers(0, 20)))
        last = first + timedelta(days=draw(st.integers(0, 4)))
        calendar["closures"] = [first.isoformat() if first == last else f"{first}..{last}"]
    return calendar


@st.composite
def scenarios(
    draw: st.DrawFn,
    max_flows: int = 4,
    max_links: int = 3,
    volume_mb: tuple[int, int] = (500, 20000),
    horizon_days: int | st.SearchStrategy[int] = 120,
    start_dates: tuple[date, date] = (FIRST_START, LAST_START),
    link_kwargs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A whole scenario: 1-``max_links`` links, 1-``max_flows`` flows, optional ``after`` (acyclic:
    a flow only waits for flows listed before it) and optional flow start times.

    ``horizon_days`` is a number of days or a strategy for one; ``start_dates`` bounds the start.
    """
    start = draw(start_moments(*start_dates))
    if isinstance(horizon_days, st.SearchStrategy):
        horizon_days = draw(horizon_days)
    n_links = draw(st.integers(1, max_links))
    link_names = [f"L{i}" for i in range(n_links)]
    link_specs = {name: draw(links(**(link_kwargs or {}))) for name in link_names}
    n_flows = draw(st.integers(1, max_flows))
    flows = []
    for i in range(n_flows):
        path = draw(
            st.lists(st.sampled_from(link_names), min_size=1, max_size=n_links, unique=True)
        )
        flow: dict[str, Any] = {
            "name": f"F{i}",
            "source": f"s{i}",
            "target": "t",
            "volume": draw(sizes_mb(*volume_mb)),
            "links": path,
        }
        if i and draw(st.integers(0, 2)) == 0:
            flow["after"] = draw(
                st.lists(st.sampled_from([f"F{j}" for j in range(i)]), min_size=1, unique=True)
            )
        if draw(st.integers(0, 2)) == 0:
            # half-hour slots from a day before the scenario start (clamped to it) to 10 days on
            offset = draw(st.integers(-48, 480))
            flow["start"] = _iso(start + timedelta(minutes=30 * offset))
        flows.append(flow)
    return {
        "name": "generated",
        "start": _iso(start),
        "horizon": f"{horizon_days} days",
        "calendar": draw(calendars(start)),
        "links": link_specs,
        "flows": flows,
    }


@st.composite
def single_flow_improvements(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], str]:
    """A one-flow scenario and a copy where one link on its path has more capacity.

    Returns ``(base, better, what_changed)``: ``better`` multiplies the ``daily_cap`` or the
    ``bandwidth`` that one link on the path already has by a factor in (1, 4] and changes
    nothing else (no window is touched, no limit added or removed).
    """
    base = draw(scenarios(max_flows=1, max_links=3, volume_mb=(500, 8000), horizon_days=90))
    name = draw(st.sampled_from(list(base["flows"][0]["links"])))
    spec = dict(base["links"][name])
    knobs = [k for k in ("daily_cap", "bandwidth") if k in spec]
    knob = draw(st.sampled_from(knobs))
    factor = draw(st.sampled_from([1.1, 1.5, 2.0, 4.0]))
    number, unit = spec[knob].split(" ", 1)
    spec[knob] = f"{float(number) * factor:g} {unit}"
    better = {**base, "links": {**base["links"], name: spec}}
    return base, better, f"{name}.{knob} x{factor}"
