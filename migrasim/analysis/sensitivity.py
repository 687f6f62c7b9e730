"""Which uncertain input moves the programme most: a one-at-a-time swing (tornado).

Each three-point input is set to its low and then its high value with every other input at its
most likely value, and the baseline is simulated again; the swing is how far the programme's
completion moves. Random outages are not swung (they have no single low or high value).

Every swung case is one row of a block solved at once by the batch solver (``core.batch``)
when every flow is alone on its links, else one engine run each. The cost is bounded: beyond
:data:`MAX_SWINGS` uncertain inputs, inputs are swung in groups, all members of a group to
their lows together and then to their highs: inputs of one correlation group together (they
err together anyway), the rest by kind (``flows[*].volume``, ``links.*.daily_cap``...). A
group's swing reports ``nan`` for its low and high values (its members have their own).
Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import numpy as np

from migrasim.analysis import uncertain
from migrasim.analysis.uncertain import UncertainInput
from migrasim.core import kinds
from migrasim.core.batch import BlockInputs
from migrasim.core.calendar import NEVER
from migrasim.core.capacity import INF
from migrasim.core.distributions import Estimate
from migrasim.core.engine import simulate
from migrasim.core.kinds import CapacityRule
from migrasim.core.model import Inputs, Model, Value, baseline_inputs
from migrasim.core.shared_batch import batchable, solve_block

MAX_SWINGS = 100
"""Uncertain inputs swung one by one; with more, they are swung in groups (module docstring).
Each swung input is two rows of a batch block, so the cost grows as inputs x flows: 100 keeps
the Wales scenarios (87 inputs, 29 flows) per input, in about 30 ms, and bounds a scenario with
thousands of flows to a few rows per kind of input."""


@dataclass(frozen=True)
class Swing:
    key: str
    low: float
    high: float
    finish_low_s: float  # programme completion with the input at low (NEVER: never)
    finish_high_s: float

    def days(self, baseline_s: float, horizon_s: float) -> tuple[float, float]:
        """(change at low, change at high) in days against the baseline; never = horizon."""

        def at(t: float) -> float:
            return horizon_s if t == NEVER else t

        def as_days(t: float) -> float:
            return (at(t) - at(baseline_s)) / 86400

        return as_days(self.finish_low_s), as_days(self.finish_high_s)


Setter = Callable[[Inputs, float], Inputs]

_T = TypeVar("_T")


def _put(values: tuple[_T, ...], changes: dict[int, _T]) -> tuple[_T, ...]:
    """``values`` with ``changes`` (index -> value) made: one copy however many change."""
    if len(changes) == 1:
        ((index, value),) = changes.items()
        return (*values[:index], value, *values[index + 1 :])
    out = list(values)
    for index, value in changes.items():
        out[index] = value
    return tuple(out)


Kind = UncertainInput | CapacityRule
"""An input's kind: a flow's or link's uncertain input (``analysis/uncertain.py``), or a link's
capacity rule (``core/kinds.py``; a bandwidth there is bandwidth x efficiency)."""


def with_input(inputs: Inputs, kind: Kind, index: int, value: float) -> Inputs:
    """``inputs`` with input ``kind`` of flow or link ``index`` set to ``value``."""
    return with_inputs(inputs, kind, {index: value})


def with_inputs(inputs: Inputs, kind: Kind, values: dict[int, float]) -> Inputs:
    """``inputs`` with input ``kind`` of each flow or link ``index`` of ``values`` set to its
    value: one copy of the tuple, not one per input (a group of 10,000 flows' volumes)."""
    if isinstance(kind, CapacityRule):
        return replace(inputs, **kind.with_values(inputs, _put(kind.values(inputs), values)))
    assert kind.field is not None, f"{kind.key} is not a field of Inputs"
    current = getattr(inputs, kind.field)
    changes: dict[int, Any] = values
    if kind.part is not None:  # one part of each record (a rejection's fraction or delay)
        changes = {i: current[i]._replace(**{kind.part: v}) for i, v in values.items()}
    changed: dict[str, Any] = {kind.field: _put(current, changes)}
    return replace(inputs, **changed)


def input_value(inputs: Inputs, kind: Kind, index: int) -> float:
    """The value of input ``kind`` of flow or link ``index`` in ``inputs``."""
    if isinstance(kind, CapacityRule):
        return float(kind.values(inputs)[index])
    assert kind.field is not None, f"{kind.key} is not a field of Inputs"
    value = getattr(inputs, kind.field)[index]
    return float(value if kind.part is None else getattr(value, kind.part))


def _shares_field(kind: Kind) -> bool:
    """``kind`` fills a field of ``Inputs`` other kinds combine onto, or combines onto one (a
    lead time's or a start delay's ``available``): its value is combined with theirs."""
    if isinstance(kind, CapacityRule) or kind.field is None or kind.part is not None:
        return False
    return bool(uncertain.combining(kind.field))


def with_kind_values(
    inputs: Inputs, kind: Kind, values: dict[int, float], model: Model, base: Inputs
) -> Inputs:
    """``inputs`` with input ``kind`` of each flow or link ``index`` of ``values`` at its value.
    On a field other kinds combine onto (``available``: a lead time, a start delay), the field
    is recomputed from ``base`` (``baseline_inputs(model)``: without the combining kinds) with
    the kind at its new value and every other kind of the field at its most likely one
    (``uncertain.field_value``): relieving or swinging one keeps the others. Else as
    :func:`with_inputs`."""
    if not _shares_field(kind):
        return with_inputs(inputs, kind, values)
    assert isinstance(kind, UncertainInput)
    assert kind.field is not None
    field = kind.field
    return with_inputs(inputs, kind, {
        i: uncertain.field_value(model, base, field, i, {kind: v}) for i, v in values.items()
    })  # fmt: skip


@dataclass(frozen=True)
class _InputSetter:
    """Puts ``value * scale`` into input ``kind`` of flow or link ``index``; given ``model``
    and ``base`` (``baseline_inputs(model)``), on a field other kinds combine onto, combined
    with theirs at their most likely (:func:`with_kind_values`)."""

    kind: Kind
    index: int
    scale: float = 1.0
    model: Model | None = None
    base: Inputs | None = None

    @property
    def joint(self) -> bool:
        """Its value is combined with the other kinds' of its field."""
        return self.model is not None and self.base is not None and _shares_field(self.kind)

    def final(self, value: float, others: dict[Kind, float] | None = None) -> float:
        """The value put into the field for ``value`` (with ``others``, the values of other
        kinds of the field set at once)."""
        value = value * self.scale
        if not self.joint:
            return value
        assert self.model is not None
        assert self.base is not None
        assert isinstance(self.kind, UncertainInput)
        assert self.kind.field is not None
        values: dict[UncertainInput, float] = {self.kind: value}
        values |= {k: v for k, v in (others or {}).items() if isinstance(k, UncertainInput)}
        return uncertain.field_value(self.model, self.base, self.kind.field, self.index, values)

    def __call__(self, inputs: Inputs, value: float) -> Inputs:
        return with_input(inputs, self.kind, self.index, self.final(value))


def input_setter(kind: Kind, index: int, scale: float = 1.0) -> Setter:
    """A setter putting ``value * scale`` into input ``kind`` of flow or link ``index``."""
    return _InputSetter(kind, index, scale)


def _likely(value: Value) -> float:
    return value.likely if isinstance(value, Estimate) else value


def uncertain_inputs(model: Model) -> list[tuple[str, Estimate, Setter]]:
    """Every three-point input with a function putting a value for it into Inputs."""
    found: list[tuple[str, Value | None, Setter]] = []
    base = baseline_inputs(model)  # a field without the kinds that combine onto it

    def setter(kind: UncertainInput, index: int) -> Setter:
        if not _shares_field(kind):
            return input_setter(kind, index)
        return _InputSetter(kind, index, model=model, base=base)

    swung = [kind for kind in uncertain.of("flow") if kind.swung]
    for f, flow_model in enumerate(model.flows):
        for kind in swung:
            found.append((kind.path(model, f), kind.given(flow_model.estimates),
                          setter(kind, f)))  # fmt: skip
    swung = [kind for kind in uncertain.of("link") if kind.swung]
    for n, link_model in enumerate(model.links):
        link = link_model.estimates
        key = f"links.{link_model.name}"
        for rule in kinds.CAPACITY_RULES:
            given = rule.given(link)
            if not rule.scaled_by_efficiency:
                found.append((f"{key}.{rule.key}", given, input_setter(rule, n)))
            elif given is not None:  # the drawn value is value x efficiency: either one swings
                efficiency, value = _likely(link.efficiency), _likely(given)
                found.append((f"{key}.{rule.key}", given,
                              input_setter(rule, n, scale=efficiency)))  # fmt: skip
                found.append((f"{key}.efficiency", link.efficiency,
                              input_setter(rule, n, scale=value)))  # fmt: skip
        for kind in swung:
            found.append((kind.path(model, n), kind.given(link), setter(kind, n)))
    return [(k, e, s) for k, e, s in found if isinstance(e, Estimate) and e.high > e.low]


def _group_of(key: str, estimate: Estimate) -> str:
    """The swing group of an input: its correlation group, else its kind."""
    if estimate.group is not None:
        return f"correlation group {estimate.group}"
    kind = re.sub(r"^flows\[[^\]]*\]", "flows[*]", key)
    return re.sub(r"^links\.[^.]+\.", "links.*.", kind)


def swing_cases(model: Model) -> list[tuple[str, float, float, Setter, Setter]]:
    """(key, low, high, set to low, set to high) of each input swung, or of each group of
    inputs when there are more than :data:`MAX_SWINGS` (then low and high are nan)."""
    found = uncertain_inputs(model)

    def at(setter: Setter, value: float) -> Callable[[Inputs], Inputs]:
        return lambda inputs: setter(inputs, value)

    if len(found) <= MAX_SWINGS:
        return [
            (key, float(est.low), float(est.high),
             _const(at(setter, float(est.low))), _const(at(setter, float(est.high))))
            for key, est, setter in found
        ]  # fmt: skip
    groups: dict[str, list[tuple[Estimate, Setter]]] = {}
    for key, est, setter in found:
        groups.setdefault(_group_of(key, est), []).append((est, setter))
    out = []
    for name, members in groups.items():
        lows = [(setter, float(est.low)) for est, setter in members]
        highs = [(setter, float(est.high)) for est, setter in members]
        label = f"{name} ({len(members)} inputs)"
        out.append((label, float("nan"), float("nan"), _chain(lows), _chain(highs)))
    return out


def _const(apply: Callable[[Inputs], Inputs]) -> Setter:
    return lambda inputs, _value: apply(inputs)


def _chain(steps: list[tuple[Setter, float]]) -> Setter:
    """Every ``setter(inputs, value)`` of ``steps`` in turn; the inputs of one kind at once
    (:func:`with_inputs`), so a group of n inputs costs n, not n x n."""

    def apply(inputs: Inputs, _value: float) -> Inputs:
        by_kind: dict[Kind, dict[int, float]] = {}
        # the kinds of a field others combine onto, set at once: (field, index) -> kind -> value
        joint: dict[tuple[str, int], dict[Kind, float]] = {}
        setters: dict[tuple[str, int], _InputSetter] = {}

        def flush(inputs: Inputs) -> Inputs:
            for key, parts in joint.items():  # the field with each of its kinds' values
                first = setters[key]
                kind, value = next(iter(parts.items()))
                others = {k: v for k, v in parts.items() if k is not kind}
                whole = replace(first, kind=kind, scale=1.0).final(value, others)
                by_kind.setdefault(kind, {})[first.index] = whole
            for kind, values in by_kind.items():
                inputs = with_inputs(inputs, kind, values)
            by_kind.clear()
            joint.clear()
            return inputs

        for setter, value in steps:
            if isinstance(setter, _InputSetter) and setter.joint:
                assert isinstance(setter.kind, UncertainInput)
                assert setter.kind.field is not None
                key = (setter.kind.field, setter.index)
                joint.setdefault(key, {})[setter.kind] = value * setter.scale
                setters[key] = setter
            elif isinstance(setter, _InputSetter):
                by_kind.setdefault(setter.kind, {})[setter.index] = setter.final(value)
            else:
                inputs = setter(flush(inputs), value)
        return flush(inputs)

    return apply


def programme_finishes(model: Model, cases: list[Inputs]) -> list[float]:
    """The programme's completion (NEVER: never) for each of ``cases``: one batch block when
    every flow is alone on its links, else the engine case by case."""
    down_keys = set().union(*(case.down for case in cases)) if cases else set()
    if not cases or not batchable(model, down_keys):
        return [simulate(model, case).finished_s for case in cases]
    finished = solve_block(model, block_of(cases, model), np.zeros(0), 0).finished
    return [float(row) for row in finished.max(axis=1).tolist()]


def block_of(cases: list[Inputs], model: Model | None = None) -> BlockInputs:
    """Concrete inputs (one per row) as a batch block: each uncertain input kind's column
    (``uncertain.columns``) and each capacity rule's. A case without a kind's values (an
    ``Inputs`` made without its shipment turnarounds, say) has, given ``model``, each flow's or
    link's most likely value (its kind's value when not given where there is none)."""

    def rows(values: list[tuple[float, ...]]) -> np.ndarray:
        return np.array(values, dtype=float).reshape(len(cases), -1)

    columns: dict[str, Any] = {}  # BlockInputs keywords
    for kind in uncertain.columns():
        assert kind.column is not None
        columns[kind.column] = rows([_case_values(case, kind, model) for case in cases])
    down: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    for key in set().union(*(case.down for case in cases)):
        spans = [case.down.get(key, ((), ())) for case in cases]
        width = max(len(s[0]) for s in spans)
        starts = np.full((len(cases), width), INF)
        ends = np.full((len(cases), width), INF)
        for r, (a, b) in enumerate(spans):
            starts[r, : len(a)] = a
            ends[r, : len(b)] = b
        down[key] = (starts, ends)
    return BlockInputs(
        **columns,
        **kinds.as_fields(
            {r.key: rows([r.values(c) for c in cases]) for r in kinds.CAPACITY_RULES}
        ),
        down=down,
    )


def _case_values(case: Inputs, kind: UncertainInput, model: Model | None) -> tuple[float, ...]:
    """Input ``kind``'s value of every flow or link in ``case`` (see :func:`block_of`)."""
    assert kind.field is not None
    current = getattr(case, kind.field)
    if kind.part is not None:  # one part of each record (a rejection's fraction or delay)
        return tuple(getattr(record, kind.part) for record in current)
    if current or model is None:
        return tuple(current)
    count = len(model.flows if kind.owner == "flow" else model.links)
    likely = (kind.likely(model, i) for i in range(count))
    return tuple(kind.default if value is None else value for value in likely)


def swings(model: Model) -> tuple[float, list[Swing]]:
    """Baseline programme completion and each input's (or group's) swing, largest first."""
    base = uncertain.baseline(model)
    found = swing_cases(model)
    cases = [base]
    for _, low, high, to_low, to_high in found:
        cases += [to_low(base, low), to_high(base, high)]
    finishes = programme_finishes(model, cases)
    baseline = finishes[0]
    out = [
        Swing(key, low, high, finishes[1 + 2 * i], finishes[2 + 2 * i])
        for i, (key, low, high, _, _) in enumerate(found)
    ]

    def size(swing: Swing) -> float:
        a, b = swing.days(baseline, model.horizon)
        return abs(b - a)

    out.sort(key=size, reverse=True)
    return baseline, out
