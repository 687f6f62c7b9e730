"""Pure capacity rules: how links' capacities become flow rates. No simpy, no dates.

* a link's rate while its window is open is :func:`migrasim.core.kinds.window_rates`.
* :func:`max_min_rates` - max-min fair sharing (water-filling / progressive filling, as in
  SimGrid's flow-level model): every flow is limited by its own per-flow links (a bound) and
  shares each shared link with the flows using it; a share one flow cannot use goes to the others.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

INF = math.inf
"""Unbounded: a link's limit it does not set (no cap, no bandwidth), and the one infinity of the
core: a time that never comes is this very value (``calendar.NEVER``)."""


class Constraint(NamedTuple):
    """A shared limit: ``sum(weights[i] * rate[flows[i]]) <= capacity``.

    A byte limit weighs every flow 1; a record limit weighs each flow by its records per byte.
    """

    capacity: float  # bytes/s or records/s
    flows: list[int]  # the flows it limits (indices into the rates)
    weights: list[float]  # one per flow in ``flows``


def max_min_rates(
    bounds: Sequence[float],
    shared: Sequence[Constraint],
) -> tuple[list[float], list[int]]:
    """Max-min fair rates for flows ``0..n-1``.

    ``bounds[f]`` is flow f's own limit (``inf`` if none). ``shared[l]`` is a shared
    :class:`Constraint` on the flows it names. Returns ``(rates, binding)`` where ``binding[f]``
    is ``-1`` if the flow's own bound limited it, else the index of the shared constraint that
    saturated on its path.

    Progressive filling: all unfixed flows rise together; a flow whose bound is reached stops
    there (which only raises the level the others can reach), otherwise the constraint with the
    lowest fair level saturates and fixes every unfixed flow crossing it.
    """
    n = len(bounds)
    rates = [0.0] * n
    binding = [-1] * n
    if not shared:
        return [float(b) for b in bounds], binding
    links_of: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    remaining_cap = [float(c.capacity) for c in shared]
    unfixed_weight = [0.0] * len(shared)
    unfixed_count = [0] * len(shared)
    for index, (_, members, weights) in enumerate(shared):
        for i, f in enumerate(members):
            w = float(weights[i])
            links_of[f].append((index, w))
            unfixed_weight[index] += w
            unfixed_count[index] += 1
    fixed = [False] * n
    order = sorted(range(n), key=lambda f: bounds[f])
    cursor = 0
    left = n
    while left:
        level, bottleneck = INF, -1
        for index, weight in enumerate(unfixed_weight):
            if unfixed_count[index]:
                fair = max(remaining_cap[index], 0.0) / weight
                if fair < level:
                    level, bottleneck = fair, index
        while cursor < n and fixed[order[cursor]]:
            cursor += 1
        if cursor < n and bounds[order[cursor]] <= level:
            candidates = [order[cursor]]
            binder = -1
        elif bottleneck >= 0:
            candidates = [f for f in shared[bottleneck].flows if not fixed[f]]
            binder = bottleneck
        else:  # no constraint left on any unfixed flow: each runs at its own bound
            candidates = [f for f in range(n) if not fixed[f]]
            binder = -1
        for f in candidates:
            rate = bounds[f] if binder == -1 else level
            rates[f] = rate
            binding[f] = binder
            fixed[f] = True
            left -= 1
            for index, w in links_of[f]:
                remaining_cap[index] -= w * rate
                unfixed_weight[index] -= w
                unfixed_count[index] -= 1
    return rates, binding
