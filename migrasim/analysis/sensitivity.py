"""Which uncertain input moves the programme most: a one-at-a-time swing (tornado).

Each three-point input is set to its low and then its high value with every other input at its
most likely value, and the baseline is simulated again; the swing is how far the programme's
completion moves. Random outages are not swung (they have no single low or high value).
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from migrasim.core.engine import Inputs, Model, baseline_inputs, simulate
from migrasim.scenario.types import EstimateSpec, likely_of


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


def input_setter(field: str, index: int, scale: float = 1.0, part: int | None = None) -> Setter:
    """A setter putting ``value * scale`` into element ``index`` of the Inputs tuple ``field``
    (or ``value`` into part ``part`` of that element)."""

    def apply(inputs: Inputs, value: float) -> Inputs:
        values: list[Any] = list(getattr(inputs, field))
        if part is None:
            values[index] = value * scale
        else:
            item = list(values[index])
            item[part] = value
            values[index] = tuple(item)
        changes: dict[str, Any] = {field: tuple(values)}
        return replace(inputs, **changes)

    return apply


def uncertain_inputs(model: Model) -> list[tuple[str, EstimateSpec, Setter]]:
    """Every three-point input with a function putting a value for it into Inputs."""
    found: list[tuple[str, Any, Setter]] = []
    scenario = model.scenario
    for f, flow in enumerate(scenario.flows):
        key = f"flows[{flow.label}]"
        found.append((f"{key}.volume", flow.volume, input_setter("volume", f)))
        found.append((f"{key}.growth", flow.growth, input_setter("growth", f)))
        if flow.rejection is not None:
            found.append((f"{key}.rejection.fraction", flow.rejection.fraction,
                          input_setter("rejection", f, part=0)))  # fmt: skip
            found.append((f"{key}.rejection.delay", flow.rejection.delay,
                          input_setter("rejection", f, part=1)))  # fmt: skip
    for n, (name, link) in enumerate(scenario.links.items()):
        key = f"links.{name}"
        found.append((f"{key}.daily_cap", link.daily_cap, input_setter("cap", n)))
        if link.bandwidth is not None:
            efficiency, bandwidth = likely_of(link.efficiency), likely_of(link.bandwidth)
            found.append((f"{key}.bandwidth", link.bandwidth,
                          input_setter("bandwidth", n, scale=efficiency)))  # fmt: skip
            found.append((f"{key}.efficiency", link.efficiency,
                          input_setter("bandwidth", n, scale=bandwidth)))  # fmt: skip
        found.append((f"{key}.records_rate", link.records_rate, input_setter("records_rate", n)))
        found.append((f"{key}.daily_records", link.daily_records, input_setter("daily_records", n)))
        found.append((f"{key}.lead_time", link.lead_time, input_setter("available", n)))
    return [(k, e, s) for k, e, s in found if isinstance(e, EstimateSpec) and e.high > e.low]


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
