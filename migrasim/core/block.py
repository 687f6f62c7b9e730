"""A block of replications' records: its inputs, one row per replication, and what it yields.

:class:`BlockInputs` holds every replication's concrete inputs at once (the draws fill it,
:mod:`migrasim.core.batch` and :mod:`migrasim.core.shared_batch` solve it), :func:`row_inputs`
gives one row of it to the event engine, and :class:`BlockResult` is what the batch solvers
return. Pure: numpy only.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np

from migrasim.core import kinds
from migrasim.core.model import Inputs, Model, Rejection

HORIZON_TOL = 1e-6
"""Seconds: the engine's TIME_TOL; a completion this close past the horizon completes."""


Rows = np.ndarray
"""A float array with one entry per replication of the block (or of a subset of it)."""


@dataclass(frozen=True)
class BlockInputs:
    """The concrete inputs of a block of replications, one row per replication.

    Per flow (rows x flows): ``volume`` bytes, ``growth`` bytes/s, rejection ``fraction`` and
    ``delay`` s. Per link (rows x links): ``bandwidth`` (x efficiency, bytes/s), ``cap`` (bytes per
    working day), ``records_rate``, ``daily_records`` (inf: none) and ``available`` (SimTime).
    ``down[(link, flow or -1)] = (starts, ends)``: rows x K sorted, disjoint outages, padded with
    inf.
    """

    volume: np.ndarray
    growth: np.ndarray
    fraction: np.ndarray
    delay: np.ndarray
    bandwidth: np.ndarray
    cap: np.ndarray
    records_rate: np.ndarray
    daily_records: np.ndarray
    available: np.ndarray
    down: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    turnaround: np.ndarray | None = None  # rows x links, shipment turnaround s (inf: none)
    limits: dict[str, np.ndarray] = field(default_factory=dict)  # registered capacity rules'
    # values (rows x links) by key (core.kinds; the built-in rules are the fields above)
    down_drawn: dict[tuple[int, int], Hashable] = field(default_factory=dict)
    """Per instance of ``down`` that the draws memoise, a value naming its draw and rows (equal
    values, equal outages): a decision loop's points share the batch solver's stack of them
    (:func:`_stacked`). Whoever replaces ``down`` replaces this too (or leaves it empty)."""

    @property
    def rows(self) -> int:
        return int(self.volume.shape[0])


def row_inputs(model: Model, block: BlockInputs, row: int) -> Inputs:
    """Row ``row`` of ``block`` as the engine's :class:`~migrasim.core.model.Inputs` (its
    outages are every one drawn: up to the horizon)."""
    down = {}
    for key, (s, e) in block.down.items():
        finite = np.isfinite(s[row])
        down[key] = (tuple(s[row][finite].tolist()), tuple(e[row][finite].tolist()))
    fraction, delay = block.fraction[row].tolist(), block.delay[row].tolist()
    return Inputs(
        volume=tuple(block.volume[row].tolist()),
        growth=tuple(block.growth[row].tolist()),
        rejection=tuple(Rejection(f, d) for f, d in zip(fraction, delay, strict=True)),
        **kinds.as_fields(
            {r.key: tuple(r.values(block)[row].tolist()) for r in kinds.CAPACITY_RULES}
        ),
        available=tuple(block.available[row].tolist()),
        down=down,
        outages_until=model.horizon,
        turnaround=() if block.turnaround is None else tuple(block.turnaround[row].tolist()),
    )


@dataclass(frozen=True)
class BlockResult:
    """What a block contributes: ``finished`` (rows x flows, SimTime, inf = never),
    ``bottleneck`` (rows x flows, link index, -1 = none) and ``progress`` (band rows x days,
    programme progress fraction at the end of each day)."""

    finished: np.ndarray
    bottleneck: np.ndarray
    progress: np.ndarray
