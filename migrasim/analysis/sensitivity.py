"""Which uncertain input moves the programme most: a one-at-a-time swing (tornado).

Each three-point input is set to its low and then its high value with every other input at its
most likely value, and the baseline is simulated again; the swing is how far the programme's
completion moves. Random outages are not swung (they have no single low or high value).
Pure: no I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from migrasim.core.distributions import Estimate
from migrasim.core.engine import simulate
from migrasim.core.model import Inputs, Model, Value, baseline_inputs


@dataclass(frozen=True)
class Swing:
    key: str
    low: float
    high: float
    finish_low_s: float | None  # programme completion with the input at low (None = never)
    finish_high_s: float | None

    def days(self, baseline_s: float | None, horizon_s: float) -> tuple[float, float]:
        """(change at low, change at high) in days against the baseline; never = horizon."""

        def as_days(t: float | None) -> float:
            return (
                (horizon_s if t is None else t) - (horizon_s if baseline_s is None else baseline_s)
            ) / 86400

        return as_days(self.finish_low_s), as_days(self.finish_high_s)


Setter = Callable[[Inputs, float], Inputs]

_T = TypeVar("_T")


class InputKind(enum.Enum):
    """One kind of concrete input in :class:`~migrasim.core.model.Inputs` (per flow or link)."""

    VOLUME = "volume"  # per flow, bytes
    GROWTH = "growth"  # per flow, bytes/s
    REJECTION_FRACTION = "rejection_fraction"  # per flow
    REJECTION_DELAY = "rejection_delay"  # per flow, seconds
    BANDWIDTH = "bandwidth"  # per link, bandwidth x efficiency in bytes/s
    CAP = "cap"  # per link, bytes per working day
    RECORDS_RATE = "records_rate"  # per link, records/s
    DAILY_RECORDS = "daily_records"  # per link, records per working day
    AVAILABLE = "available"  # per link, SimTime from which it can be used
    TURNAROUND = "turnaround"  # per shipment link, seconds from departure to delivery


def _put(values: tuple[_T, ...], index: int, value: _T) -> tuple[_T, ...]:
    return (*values[:index], value, *values[index + 1 :])


def with_input(inputs: Inputs, kind: InputKind, index: int, value: float) -> Inputs:
    """``inputs`` with input ``kind`` of flow or link ``index`` set to ``value``."""
    if kind is InputKind.VOLUME:
        return replace(inputs, volume=_put(inputs.volume, index, value))
    if kind is InputKind.GROWTH:
        return replace(inputs, growth=_put(inputs.growth, index, value))
    if kind is InputKind.REJECTION_FRACTION:
        rejection = inputs.rejection[index]._replace(fraction=value)
        return replace(inputs, rejection=_put(inputs.rejection, index, rejection))
    if kind is InputKind.REJECTION_DELAY:
        rejection = inputs.rejection[index]._replace(delay_s=value)
        return replace(inputs, rejection=_put(inputs.rejection, index, rejection))
    if kind is InputKind.BANDWIDTH:
        return replace(inputs, bandwidth=_put(inputs.bandwidth, index, value))
    if kind is InputKind.CAP:
        return replace(inputs, cap=_put(inputs.cap, index, value))
    if kind is InputKind.RECORDS_RATE:
        return replace(inputs, records_rate=_put(inputs.records_rate, index, value))
    if kind is InputKind.DAILY_RECORDS:
        return replace(inputs, daily_records=_put(inputs.daily_records, index, value))
    if kind is InputKind.TURNAROUND:
        return replace(inputs, turnaround=_put(inputs.turnaround, index, value))
    return replace(inputs, available=_put(inputs.available, index, value))


def input_value(inputs: Inputs, kind: InputKind, index: int) -> float:
    """The value of input ``kind`` of flow or link ``index`` in ``inputs``."""
    if kind is InputKind.REJECTION_FRACTION:
        return inputs.rejection[index].fraction
    if kind is InputKind.REJECTION_DELAY:
        return inputs.rejection[index].delay_s
    values: dict[InputKind, tuple[float, ...]] = {
        InputKind.VOLUME: inputs.volume,
        InputKind.GROWTH: inputs.growth,
        InputKind.BANDWIDTH: inputs.bandwidth,
        InputKind.CAP: inputs.cap,
        InputKind.RECORDS_RATE: inputs.records_rate,
        InputKind.DAILY_RECORDS: inputs.daily_records,
        InputKind.AVAILABLE: inputs.available,
        InputKind.TURNAROUND: inputs.turnaround,
    }
    return values[kind][index]


def input_setter(kind: InputKind, index: int, scale: float = 1.0) -> Setter:
    """A setter putting ``value * scale`` into input ``kind`` of flow or link ``index``."""

    def apply(inputs: Inputs, value: float) -> Inputs:
        return with_input(inputs, kind, index, value * scale)

    return apply


def _likely(value: Value) -> float:
    return value.likely if isinstance(value, Estimate) else value


def uncertain_inputs(model: Model) -> list[tuple[str, Estimate, Setter]]:
    """Every three-point input with a function putting a value for it into Inputs."""
    found: list[tuple[str, Value | None, Setter]] = []
    for f, flow_model in enumerate(model.flows):
        flow = flow_model.estimates
        key = f"flows[{flow_model.name}]"
        found.append((f"{key}.volume", flow.volume, input_setter(InputKind.VOLUME, f)))
        found.append((f"{key}.growth", flow.growth, input_setter(InputKind.GROWTH, f)))
        if flow.rejection_fraction is not None:
            found.append((f"{key}.rejection.fraction", flow.rejection_fraction,
                          input_setter(InputKind.REJECTION_FRACTION, f)))  # fmt: skip
            found.append((f"{key}.rejection.delay", flow.rejection_delay,
                          input_setter(InputKind.REJECTION_DELAY, f)))  # fmt: skip
    for n, link_model in enumerate(model.links):
        link = link_model.estimates
        key = f"links.{link_model.name}"
        found.append((f"{key}.daily_cap", link.daily_cap, input_setter(InputKind.CAP, n)))
        if link.bandwidth is not None:
            efficiency, bandwidth = _likely(link.efficiency), _likely(link.bandwidth)
            found.append((f"{key}.bandwidth", link.bandwidth,
                          input_setter(InputKind.BANDWIDTH, n, scale=efficiency)))  # fmt: skip
            found.append((f"{key}.efficiency", link.efficiency,
                          input_setter(InputKind.BANDWIDTH, n, scale=bandwidth)))  # fmt: skip
        found.append((f"{key}.records_rate", link.records_rate,
                      input_setter(InputKind.RECORDS_RATE, n)))  # fmt: skip
        found.append((f"{key}.daily_records", link.daily_records,
                      input_setter(InputKind.DAILY_RECORDS, n)))  # fmt: skip
        found.append((f"{key}.lead_time", link.lead_time, input_setter(InputKind.AVAILABLE, n)))
        found.append((f"{key}.shipment.turnaround", link.turnaround,
                      input_setter(InputKind.TURNAROUND, n)))  # fmt: skip
    return [(k, e, s) for k, e, s in found if isinstance(e, Estimate) and e.high > e.low]


def swings(model: Model) -> tuple[float | None, list[Swing]]:
    """Baseline programme completion and each input's swing, largest first."""
    base = baseline_inputs(model)
    baseline = simulate(model, base).finished_s
    out = []
    for key, estimate, setter in uncertain_inputs(model):
        low = simulate(model, setter(base, float(estimate.low))).finished_s
        high = simulate(model, setter(base, float(estimate.high))).finished_s
        out.append(Swing(key, float(estimate.low), float(estimate.high), low, high))

    def size(swing: Swing) -> float:
        a, b = swing.days(baseline, model.horizon)
        return abs(b - a)

    out.sort(key=size, reverse=True)
    return baseline, out
