"""Shipped media for a block of replications at once: a closed form for a flow alone on its
shipment link (per-flow devices, or a shared link no other flow uses). Pure: numpy only.

For a lone flow every device leaves at the same moments (they leave together and come back
together), so departures form cycles: ``D_0`` = the first open moment of the link's windows at
or after ``max(start, available)`` and ``D_(j+1)`` = the first open moment at or after
``D_j + turnaround``. At ``D_j`` the source holds ``W_j = X + g (D_j - start) - j k C`` bytes not
yet shipped (``X`` the backlog at the start, ``g`` growth, ``k`` devices of ``C`` bytes); the
cycle that finds ``W_j <= k C`` takes it all (the cutover) and the flow completes at
``D_j + turnaround``. A rejection phase starts ``delay`` after that with ``fraction / (1 -
fraction)`` of what was delivered plus what grew during the delay, on devices that are all back.
These are the rules of :mod:`migrasim.core.solvers.shipment` (the event engine's), which the
differential test checks row by row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from migrasim.core.capacity import INF
from migrasim.core.model import LinkModel, Model

Rows = np.ndarray


class Columns(Protocol):
    """The inputs of a block this module reads (``core.block.BlockInputs`` has them): per flow
    (rows x flows) ``volume``, ``growth``, ``fraction``, ``delay``; per link (rows x links)
    ``turnaround`` and ``available``."""

    @property
    def volume(self) -> np.ndarray: ...
    @property
    def growth(self) -> np.ndarray: ...
    @property
    def fraction(self) -> np.ndarray: ...
    @property
    def delay(self) -> np.ndarray: ...
    @property
    def turnaround(self) -> np.ndarray | None: ...
    @property
    def available(self) -> np.ndarray: ...


@dataclass(frozen=True)
class ShipPhase:
    """One phase of a block's rows: the cutover (last departure) and completion, inf if none
    by the horizon; and each cycle's delivery time and bytes (cycles x rows, inf / 0 if none)."""

    cutover: Rows
    finished: Rows
    arrivals: np.ndarray
    loads: np.ndarray


def next_open(link: LinkModel, t: Rows) -> Rows:
    """The first moment at or after ``t`` that ``link``'s window is open (inf: never)."""
    opens = np.append(np.asarray(link.schedule.open_s, dtype=float), INF)
    closes = np.asarray(link.schedule.close_s, dtype=float)
    window = np.searchsorted(closes, t, side="right")  # the first window closing after t
    first = opens[window]
    return np.where(first <= t, t, first)


def ship_phase(
    link: LinkModel,
    start: Rows,
    ready: Rows,
    backlog: Rows,
    growth: Rows,
    turnaround: Rows,
    tol: Rows,
    horizon: float,
) -> ShipPhase:
    """Cycles of one phase per row: ``backlog`` bytes waiting at ``start``, growing at
    ``growth`` until the cutover; the link usable from ``ready``."""
    shipment = link.shipment
    assert shipment is not None
    per_cycle = shipment.in_flight * shipment.capacity_bytes
    depart = next_open(link, np.maximum(start, ready))
    active = depart <= horizon
    shipped = np.zeros(start.size)
    cutover = np.full(start.size, INF)
    finished = np.full(start.size, INF)
    arrivals: list[Rows] = []
    loads: list[Rows] = []
    while active.any():
        waiting = backlog + growth * (np.where(active, depart, start) - start) - shipped
        last = active & (waiting - per_cycle <= tol)
        load = np.where(active, np.where(last, waiting, per_cycle), 0.0)
        arrive = np.where(active, depart + turnaround, INF)
        arrivals.append(arrive)
        loads.append(load)
        cutover = np.where(last, depart, cutover)
        finished = np.where(last, arrive, finished)
        shipped += load
        active &= ~last
        depart = np.where(active, next_open(link, depart + turnaround), INF)
        active &= depart <= horizon
    shape = (len(arrivals), start.size)
    return ShipPhase(
        cutover,
        finished,
        np.array(arrivals).reshape(shape),
        np.array(loads).reshape(shape),
    )


def solve_shipped_flow(
    model: Model,
    volume: Rows,
    growth: Rows,
    fraction: Rows,
    delay: Rows,
    turnaround: Rows,
    available: Rows,
    f: int,
    start: Rows,
) -> tuple[Rows, ShipPhase, ShipPhase | None, np.ndarray]:
    """Completion (inf: never; a completion within 1 microsecond past the horizon is at it) of
    flow ``f`` per row, its two phases and the rows (indices) with a rejection phase."""
    horizon = model.horizon
    link = model.links[model.flows[f].links[0]]
    tol = np.maximum(1e-3, volume * 1e-13)
    first = ship_phase(link, start, available, volume + growth * start, growth, turnaround,
                       tol, horizon)  # fmt: skip
    t_end = first.finished.copy()
    again = np.flatnonzero(np.isfinite(first.finished) & (fraction > 0))
    second = None
    if again.size:
        fr = fraction[again]
        moved = volume[again] + growth[again] * first.cutover[again]
        s2 = first.finished[again] + delay[again]
        rework = moved * fr / (1.0 - fr) + growth[again] * delay[again]
        second = ship_phase(link, s2, available[again], rework, growth[again],
                            turnaround[again], tol[again], horizon)  # fmt: skip
        t_end[again] = second.finished
    t_end = np.where(t_end <= horizon + 1e-6, np.minimum(t_end, horizon), INF)
    return t_end, first, second, again


def delivered_by(phase: ShipPhase, times: np.ndarray) -> np.ndarray:
    """Bytes delivered by each of ``times`` (rows x times)."""
    got = np.zeros((phase.loads.shape[1], times.size))
    for arrive, load in zip(phase.arrivals, phase.loads, strict=True):
        got += np.where(arrive[:, None] <= times[None, :], load[:, None], 0.0)
    return got


def owed(phase: ShipPhase, start: Rows, backlog: Rows, growth: Rows, horizon: float) -> Rows:
    """What a phase had to move: its backlog and growth to the cutover (the horizon if none)."""
    until = np.minimum(phase.cutover, horizon)
    return np.where(start <= horizon, backlog + growth * (until - start), 0.0)


def shipped_rows(
    model: Model,
    block: Columns,
    f: int,
    rows: np.ndarray,
    start: Rows,
    times: np.ndarray,
    band_rows: int,
) -> tuple[Rows, np.ndarray, Rows]:
    """For ``rows`` of ``block`` (flow ``f`` starting at ``start``): completion, and for the
    rows below ``band_rows`` the bytes delivered by each of ``times`` and the bytes owed."""
    link = model.flows[f].links[0]
    assert block.turnaround is not None
    volume, growth = block.volume[rows, f], block.growth[rows, f]
    t_end, first, second, again = solve_shipped_flow(
        model, volume, growth, block.fraction[rows, f], block.delay[rows, f],
        block.turnaround[rows, link], block.available[rows, link], f, start,
    )  # fmt: skip
    band = np.flatnonzero(rows < band_rows)
    horizon = model.horizon
    got = delivered_by(first, times)[band]
    due = owed(first, start, volume + growth * start, growth, horizon)[band]
    if second is not None:
        pos = np.full(rows.size, -1)
        pos[again] = np.arange(again.size)
        mine = np.flatnonzero(pos[band] >= 0)
        idx = pos[band[mine]]
        got[mine] += delivered_by(second, times)[idx]
        moved = volume[again] + growth[again] * first.cutover[again]
        fr = block.fraction[rows[again], f]
        delay = block.delay[rows[again], f]
        s2 = first.finished[again] + delay
        rework = moved * fr / (1.0 - fr) + growth[again] * delay
        due[mine] += owed(second, s2, rework, growth[again], horizon)[idx]
    return t_end, got, due
