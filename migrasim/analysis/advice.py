"""What would make go-live: the capacity the bottleneck link needs, found quickly.

The report's headline names one change that would make go-live. Finding the exact P80 answer is
``migrasim solve``'s job (many replications per point); the headline uses the baseline (every
input at its most likely value), which takes milliseconds per point, and says so, with the
``solve`` command that gives the answer at 80% confidence.

The bottleneck link's binding capacity (its daily cap, else its bandwidth, else its records
limits) is raised by a search on a factor (each round's factors solved as one batch block)
until the programme's baseline completion date falls before go-live; the stated value
is rounded to 4 significant figures and checked to make it.
Pure: no I/O.
"""

from __future__ import annotations

import itertools
import math
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from migrasim.analysis.sampling import has_uncertainty
from migrasim.analysis.sensitivity import (
    input_setter,
    input_value,
    programme_finishes,
)
from migrasim.analysis.uncertain import baseline as likely_inputs
from migrasim.core import kinds
from migrasim.core.model import Model
from migrasim.core.rules import in_time
from migrasim.core.shared_batch import batchable
from migrasim.scenario.compile import build_model
from migrasim.scenario.types import Scenario, likely_of

MAX_FACTOR = 100.0
"""Capacity is searched up to this multiple of today's."""

SECTIONS = (1, 15)
"""Factors tried per round of the search (one batch block a round), up to and beyond
:data:`MANY_FLOWS` flows. 1 is bisection, the fastest measured on the Wales scenario (91 ms
against 166 ms for 3 and 313 ms for 15): each distinct capacity is its own curve and row group
in the batch solver, so rows of different factors share no work. With many flows each block
pays a fixed cost per flow, so fewer, wider rounds (5 instead of 23) win."""

MANY_FLOWS = 100
AHEAD = 4
"""Rounds of the search solved in one block when the link is shared (2^4 - 1 = 15 factors of
a bisection: one phase loop instead of four)."""


@dataclass(frozen=True)
class Fix:
    """A change to one link that makes go-live at the most likely inputs: data, put in words
    (in each language) by ``migrasim.render.headlines.advice_text``."""

    key: str  # e.g. links.capped.daily_cap
    noun: str  # e.g. daily cap
    link: str
    current: str  # as the user would write it, e.g. "1 GB"
    needed: str | None  # None: even MAX_FACTOR times today's does not make go-live
    factor: float | None  # needed / current
    solve_command: str
    uncertain: bool = True  # some input is uncertain: the most likely inputs' value is not the fix

    @property
    def already(self) -> bool:
        """The baseline already makes go-live: no change is needed at the most likely inputs."""
        return self.needed == self.current


def _rounded(value: float, up: bool = False, down: bool = False) -> float:
    """``value`` to 4 significant figures (whole numbers from 10,000), to nearest, up or down."""
    step = 1.0 if value >= 10000 else 10.0 ** (math.floor(math.log10(value)) - 3)
    if up:
        return math.ceil(value / step - 1e-9) * step
    if down:
        return math.floor(value / step + 1e-9) * step
    return round(value / step) * step


def rounded_setting(value: float, up: bool = False, down: bool = False) -> float:
    """A suggested capacity as it is stated and typed (4 significant figures): to nearest, or
    up (a value that must still make the target), or down (an interval's lower end)."""
    if not (value > 0 and math.isfinite(value)):
        return value
    stated = _rounded(value, up=up, down=down)
    return float(f"{stated:.4g}") if stated < 10000 else stated  # 4.903, not 4.9030000000000005


def setting_text(value: float, unit: str) -> str:
    """A capacity as ``--set`` takes it for its key (``unit``: the key's, e.g. ``4.97 GB`` for a
    daily cap, ``186.3 Mbit/s`` for a nominal bandwidth), to 4 significant figures."""
    return _text(value, unit)


def _text(value: float, unit: str) -> str:
    return f"{_rounded(value):.4g} {unit}" if value < 10000 else f"{_rounded(value):.0f} {unit}"


def fix_for(
    scenario: Scenario,
    bottleneck: str,
    scenario_path: str,
    overrides: Sequence[str] = (),
    model: Model | None = None,
) -> Fix | None:
    """The capacity ``bottleneck`` needs for the baseline to make go-live (``needed`` equals
    ``current`` when the baseline already makes it); None when there is nothing to say (no
    go-live, no such link, or no capacity to raise).

    Each trial scales the link's value in the baseline Inputs, so the model is compiled once."""
    link = scenario.links.get(bottleneck)
    go_live = scenario.go_live
    if go_live is None or link is None:
        return None
    # the capacity rule of least advice_rank the link sets (core.kinds)
    ranked = sorted(kinds.CAPACITY_RULES, key=lambda r: r.advice_rank)
    quantity = next((r for r in ranked if link.limit(r) is not None), None)
    if quantity is None:
        return None
    current = likely_of(link.limit(quantity)) / quantity.per_advice_unit
    if not math.isfinite(current) or current <= 0:
        return None
    model = model if model is not None else build_model(scenario)
    base = likely_inputs(model)
    index = list(scenario.links).index(bottleneck)
    scaled = input_setter(quantity, index, scale=input_value(base, quantity, index))

    clock = model.clock

    def make_go_live(factors: list[float]) -> list[bool]:
        finishes = programme_finishes(model, [scaled(base, f) for f in factors])
        return [in_time(clock.completion_day(t), go_live) for t in finishes]

    def makes_go_live(factor: float) -> bool:
        return make_go_live([factor])[0]

    key = f"links.{bottleneck}.{quantity.key}"
    current_text = _text(current, quantity.advice_unit)
    high_text = _text(current * MAX_FACTOR, quantity.advice_unit)
    sets = [word for s in overrides for word in ("--set", s)]
    # Every word quoted for a POSIX shell: a name from the scenario (a link called
    # 'x;touch PWNED;#') is one inert argument when the command is pasted.
    command = shlex.join(
        ["migrasim", "solve", scenario_path, *sets, "--vary", key, "--between", current_text,
         high_text, "--target", "P80 < go_live",
         "--force"]  # runs again as printed: --force only replaces a folder migrasim wrote
    )  # fmt: skip
    uncertain = has_uncertainty(scenario)
    at_ends = make_go_live([1.0, MAX_FACTOR])
    if at_ends[0]:
        return Fix(key, quantity.label, bottleneck, current_text, current_text, 1.0, command,
                   uncertain)  # fmt: skip
    if not at_ends[1]:
        return Fix(key, quantity.label, bottleneck, current_text, None, None, command, uncertain)
    sections = SECTIONS[len(model.flows) > MANY_FLOWS]
    # On a shared link the batch solves every factor's row in one phase loop (the rows differ
    # by a scale only), so the next AHEAD rounds' factors go in one block: the same factors
    # and answers, a loop for AHEAD rounds.
    shared = not model.links[index].per_flow and batchable(model, set(base.down))
    hi = _least_factor(make_go_live, sections, AHEAD if sections == 1 and shared else 1)
    # State a round value, checked: the nearest if it makes go-live, else the next one up.
    needed = _rounded(current * hi)
    if needed < current * hi and not makes_go_live(needed / current):
        needed = _rounded(current * hi, up=True)
    return Fix(key, quantity.label, bottleneck, current_text, _text(needed, quantity.advice_unit),
               needed / current, command, uncertain)  # fmt: skip


def _least_factor(
    make_go_live: Callable[[list[float]], list[bool]], sections: int, ahead: int
) -> float:
    """The least factor in (1, MAX_FACTOR] that makes go-live, to 0.001 %: each round solves
    ``sections`` factors (geometric) between the bracket's ends as one batch block (or engine
    runs when the batch cannot take the scenario), shrinking it sections + 1 times; with
    ``ahead`` > 1 the next rounds' factors are solved in the same block."""
    lo, hi = 1.0, MAX_FACTOR
    known: dict[float, bool] = {}
    while hi / lo > 1.00001:
        ratio = (hi / lo) ** (1.0 / (sections + 1))
        factors = [lo * ratio**i for i in range(1, sections + 1)]
        if any(f not in known for f in factors):
            asked = _rounds(lo, hi, sections, ahead)
            known.update(zip(asked, make_go_live(asked), strict=True))
        met = [known[f] for f in factors]
        first = next((i for i, m in enumerate(met) if m), sections)
        lo = factors[first - 1] if first > 0 else lo
        hi = factors[first] if first < sections else hi
    return hi


def _rounds(lo: float, hi: float, sections: int, rounds: int) -> list[float]:
    """The factors :func:`fix_for`'s search may try in its next ``rounds`` rounds from the
    bracket (lo, hi), computed as it computes them."""
    out: list[float] = []
    brackets = [(lo, hi)]
    for _ in range(rounds):
        below = []
        for a, b in brackets:
            if b / a <= 1.00001:
                continue
            ratio = (b / a) ** (1.0 / (sections + 1))
            factors = [a * ratio**i for i in range(1, sections + 1)]
            out += factors
            ends = [a, *factors, b]
            below += list(itertools.pairwise(ends))
        brackets = below
    return out


__all__ = ["MAX_FACTOR", "Fix", "fix_for", "rounded_setting", "setting_text"]
