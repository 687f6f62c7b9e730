"""Capacity rules as objects: each limit a link can set is one :class:`CapacityRule` in
:data:`CAPACITY_RULES`, and :func:`window_rates` is the one rate rule every solver calls.

A rule declares everything about itself that the layers above need: its scenario key (the key
on a link, also the key path ``links.NAME.<key>`` of ``--set``, ``solve --vary`` and the
tornado), what it limits (bytes or records) and per what (a second while the window is open,
or a working day), its unit (how a value is written and parsed), its words (the tornado's and
the advice's label), the unit the advice and ``solve`` state a capacity in, and how ``track``
re-estimates it from the transfer log (:attr:`CapacityRule.track`, :mod:`~migrasim.core.tracking`:
by default scaled by the calibrated efficiency). The decision
modules (``scenario/model.py`` and ``compile.py``, ``analysis/draws.py``, ``sampling.py``,
``sensitivity.py``, ``advice.py``, ``board.py``, ``solve.py``, ``reforecast.py``,
``track/``, ``history.py``, ``render/board.py``) iterate the registry; the solvers
(``solvers/events.py``, ``solvers/curve.py``, ``batch.py``) call :func:`window_rates`.

Composition, the same in every solver (docs/scenario-format.md, "Capacity"):

* a link's byte rate in a window is the least of its per-second byte rules (a bandwidth x
  efficiency); its per-day byte amounts (a daily cap, a daily cap by weekday) are spread evenly
  over the window when no per-second byte rule is set, else the least of them is a quota the
  window's traffic can use up (``quota_limited``, :func:`window_quota`);
* a per-day rule's amount in a window is its value, or, for a rule whose value is one size per
  weekday (``unit`` ``daily_by_weekday``), the size of the weekday the window opens on: the
  compiled link keeps those sizes per window (``LinkModel.profiles``, at the rule's most likely
  value, its largest day) and a run's value scales them in proportion (:func:`day_amounts`);
* its record rate is the least of its per-second record rules and its per-day record amounts
  spread over the window;
* a lone flow's rate on it is the byte rate, or the record rate times the flow's bytes per
  record if that is less.

The four built-in rules keep their named fields on the core's records (``Inputs.cap``,
``LinkModel.cap_bytes``...: :attr:`CapacityRule.field`); a rule registered later
(:func:`register`, e.g. a test's toy rule) keeps its values by key in the ``limits`` of
:class:`~migrasim.core.model.Inputs`, ``BlockInputs``, ``LinkModel`` and ``LinkEstimates``.

Pure: no I/O; imports nothing above the core.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

import numpy as np

from migrasim.core import units
from migrasim.core.capacity import INF
from migrasim.core.curve import CurveArrays
from migrasim.core.tracking import CAPACITY, Track
from migrasim.errors import N_, Message


@dataclass(frozen=True)
class WhatIf:
    """How a kind (a capacity rule, an uncertain input) is a lever of the what-if page
    (``migrasim serve``): its ``--set`` key is the kind's key under the link or flow."""

    always: bool = True  # offered by every link (or flow), else only where the file sets it
    group: str | None = None  # the page's box for it (None: its link's name)
    label: Message | None = None  # its caption on the page (None: the kind's label)


@dataclass(frozen=True)
class CapacityRule:
    """One limit a link can set (see the module's composition rule)."""

    key: str  # the scenario key on a link, e.g. "daily_cap"
    measure: Literal["bytes", "records"]
    per: Literal["second", "day"]  # a rate while open, or an amount per working day (window)
    # how a value is written; daily_by_weekday: one size per weekday, the rule's value being
    # the largest day's (the others in proportion: LinkModel.profiles)
    unit: Literal["rate", "daily", "count_rate", "daily_count", "daily_by_weekday"]
    label: Message  # the tornado's and the advice's words, e.g. "daily cap"
    advice_unit: str  # the unit the advice and solve state a value in, e.g. "GB"
    per_advice_unit: float  # SI per advice unit (bytes per GB ...)
    field: str | None = None  # a built-in rule's field on Inputs / BlockInputs (None: limits)
    model_field: str | None = None  # ... and on LinkModel (most likely value, SI)
    scaled_by_efficiency: bool = False  # the drawn value is value x the link's efficiency
    advice_rank: int = 9  # the advice states a link's capacity in its set rule of least rank
    excludes: tuple[str, ...] = ()  # keys a link may not set beside this one (ambiguous)
    track: Track | None = CAPACITY  # how `track` re-estimates it (None: taken as given)
    what_if: WhatIf | None = None  # a lever of the what-if page (None: not one)

    def values(self, inputs: Any) -> Any:
        """This rule's value per link in an ``Inputs`` (a tuple) or ``BlockInputs`` (rows x
        links); inf: no limit."""
        if self.field is not None:
            return getattr(inputs, self.field)
        return inputs.limits[self.key]

    def with_values(self, inputs: Any, values: Any) -> dict[str, Any]:
        """The ``dataclasses.replace`` keywords putting ``values`` in for this rule."""
        if self.field is not None:
            return {self.field: values}
        return {"limits": {**inputs.limits, self.key: values}}

    def likely(self, link: Any) -> float:
        """A ``LinkModel``'s most likely value of this rule (inf: none)."""
        if self.model_field is not None:
            return float(getattr(link, self.model_field))
        return float(dict(link.limits).get(self.key, INF))

    def given(self, estimates: Any) -> Any:
        """A ``LinkEstimates``' value or estimate of this rule as given (None: not set)."""
        if self.field is not None:
            return getattr(estimates, self.key)
        return dict(estimates.limits).get(self.key)

    def parse(self, text: object) -> float:
        """A value as ``--set`` and ``solve`` take it ("5 GB"), in SI units."""
        return _PARSERS[self.unit](text)


_PARSERS: dict[str, Callable[[object], float]] = {
    "rate": units.parse_rate,
    "daily": units.parse_daily,
    "count_rate": units.parse_count_rate,
    "daily_count": units.parse_daily_count,
    "daily_by_weekday": units.parse_daily,  # a value: the largest day's size
}

DAILY_CAP = CapacityRule(
    "daily_cap", "bytes", "day", "daily", N_("daily cap"), "GB", 1e9, "cap", "cap_bytes",
    advice_rank=0, what_if=WhatIf(label=N_("Daily cap")),
)  # fmt: skip
BANDWIDTH = CapacityRule(
    "bandwidth", "bytes", "second", "rate", N_("bandwidth"), "Mbit/s", 1e6 / 8, "bandwidth",
    "bandwidth", scaled_by_efficiency=True, advice_rank=1, what_if=WhatIf(label=N_("Bandwidth")),
)  # fmt: skip
DAILY_RECORDS = CapacityRule(
    "daily_records", "records", "day", "daily_count", N_("daily record limit"), "records/day",
    1.0, "daily_records", "daily_records", advice_rank=2, what_if=WhatIf(always=False),
)  # fmt: skip
RECORDS_RATE = CapacityRule(
    "records_rate", "records", "second", "count_rate", N_("record rate"), "records/s", 1.0,
    "records_rate", "records_rate", advice_rank=3, what_if=WhatIf(always=False),
)  # fmt: skip

CAPACITY_RULES: list[CapacityRule] = [DAILY_CAP, BANDWIDTH, RECORDS_RATE, DAILY_RECORDS]
"""Every capacity rule, in the order the tornado and a link's words list them."""


def register(rule: CapacityRule) -> CapacityRule:
    """Add ``rule`` to the registry (a new rule's module calls this when imported). A new rule
    is a per-second byte or record rate, or a per-day byte or record amount (one value, or one
    per weekday: ``unit`` ``daily_by_weekday``)."""
    if any(r.key == rule.key for r in CAPACITY_RULES):
        raise ValueError(f"capacity rule {rule.key!r} is registered already")
    if rule.unit == "daily_by_weekday" and (rule.measure, rule.per) != ("bytes", "day"):
        raise ValueError("a value per weekday is an amount of bytes per day")
    CAPACITY_RULES.append(rule)
    return rule


def unregister(rule: CapacityRule) -> None:
    """Take ``rule`` out of the registry again (tests)."""
    CAPACITY_RULES.remove(rule)


def rule_of(key: str) -> CapacityRule | None:
    """The capacity rule with scenario key ``key`` (the last part of a key path), or None."""
    return next((r for r in CAPACITY_RULES if r.key == key), None)


def labelled(noun: str) -> CapacityRule | None:
    """The capacity rule whose label (in English) is ``noun``, or None (a ``Fix``'s noun)."""
    return next((r for r in CAPACITY_RULES if r.label == noun), None)


def extra_rules() -> list[CapacityRule]:
    """The rules registered beyond the built-in four (their values live in ``limits``)."""
    return [r for r in CAPACITY_RULES if r.field is None]


def sets_rate(values: Sequence[float]) -> bool:
    """A link with these values (one per rule, registry order) limits a rate: a per-second
    rule (byte or record) is set."""
    return any(r.per == "second" and v < INF for r, v in zip(CAPACITY_RULES, values, strict=True))


def day_bytes_set(values: Sequence[float]) -> bool:
    """A per-day byte rule is set (a daily cap, a daily cap by weekday...)."""
    return any(
        r.measure == "bytes" and r.per == "day" and v < INF
        for r, v in zip(CAPACITY_RULES, values, strict=True)
    )


def quota_limited(values: Sequence[float]) -> bool:
    """A per-day byte amount is a quota the window's traffic can use up: a per-second byte rule
    is set too (else the amount is spread evenly over the window)."""
    return day_bytes_set(values) and byte_rate_set(values)


def limits_records(values: Sequence[float]) -> bool:
    """Some record rule is set."""
    rules = zip(CAPACITY_RULES, values, strict=True)
    return any(r.measure == "records" and v < INF for r, v in rules)


def byte_rate_set(values: Sequence[float]) -> bool:
    """A per-second byte rule is set (a daily cap is then a quota, not spread)."""
    return any(
        r.measure == "bytes" and r.per == "second" and v < INF
        for r, v in zip(CAPACITY_RULES, values, strict=True)
    )


Minimum = Callable[[Any, Any], Any]


def day_amounts(link: Any, values: Sequence[float]) -> list[Any]:
    """Each rule's amount per window on ``link`` (a ``LinkModel``) at rule ``values`` (registry
    order): a rule's value, or for a rule with one size per weekday on this link, the sizes of
    its windows (an array, one per window of ``link.schedule``) scaled in proportion to the
    value (the likely value, the largest day's, gives them as written)."""
    if not link.profiles:
        return list(values)
    profiles = dict(link.profiles)
    out: list[Any] = []
    for rule, value in zip(CAPACITY_RULES, values, strict=True):
        profile = profiles.get(rule.key)
        if profile is None or value >= INF:
            out.append(value)
        else:  # as written at the likely value: the ratio is then exactly 1
            out.append(np.asarray(profile, dtype=float) * (value / rule.likely(link)))
    return out


def window_quota(link: Any, values: Sequence[float]) -> Any:
    """The most bytes a window of ``link`` may move by its per-day byte rules at ``values``:
    the least of their amounts, one number or an array per window (inf: no such rule)."""
    quota: Any = INF
    for rule, amount in zip(CAPACITY_RULES, day_amounts(link, values), strict=True):
        if rule.measure == "bytes" and rule.per == "day":
            per_window = isinstance(amount, np.ndarray) or isinstance(quota, np.ndarray)
            quota = np.minimum(quota, amount) if per_window else min(quota, amount)
    return quota


def window_rates(
    values: Sequence[float],
    spans: Any,
    minimum: Minimum = np.minimum,
    amounts: Sequence[Any] | None = None,
) -> tuple[Any, Any]:
    """THE rate rule: a link's (bytes/s, records/s) while a window of ``spans`` seconds is open
    (an array of windows, or one window with ``minimum=min``), for its rule ``values`` (one per
    rule of :data:`CAPACITY_RULES`, in its order; inf: not set). inf: no such limit. A per-day
    rule's amount in the window(s) is ``amounts`` (:func:`day_amounts`), if given, else its
    value."""
    byte: Any = INF
    record: Any = INF
    spread = not byte_rate_set(values)
    amounts = values if amounts is None else amounts
    for rule, value, amount in zip(CAPACITY_RULES, values, amounts, strict=True):
        if value >= INF:
            continue
        if rule.per == "second":
            rate = value
        elif rule.measure == "bytes" and not spread:
            continue  # a quota, not a rate (see quota_limited)
        else:
            rate = amount / spans
        if rule.measure == "bytes":
            byte = minimum(byte, rate)
        else:
            record = minimum(record, rate)
    if isinstance(spans, np.ndarray):  # every window, even where no rule is set
        byte = np.broadcast_to(np.asarray(byte, dtype=float), spans.shape)
        record = np.broadcast_to(np.asarray(record, dtype=float), spans.shape)
    return byte, record


def flow_rates(
    values: Sequence[float],
    spans: np.ndarray,
    per_record: float,
    amounts: Sequence[Any] | None = None,
) -> np.ndarray:
    """A lone flow's bytes/s in each window on a link: the byte rate, or the record rate times
    its ``per_record`` bytes if that is less (:func:`window_rates`)."""
    byte, record = window_rates(values, spans, np.minimum, amounts)
    if limits_records(values):
        return np.asarray(np.minimum(byte, record * per_record), dtype=float)
    return np.array(byte, dtype=float)


def curve_arrays(link: Any, values: Sequence[float], per_record: float) -> CurveArrays:
    """A ``LinkModel``'s cumulative capacity curve for a lone flow of ``per_record`` bytes per
    record, at rule ``values`` (registry order): the curve solver's and the batch's."""
    opens = np.asarray(link.schedule.open_s, dtype=float)
    closes = np.asarray(link.schedule.close_s, dtype=float)
    amounts = day_amounts(link, values)
    rates = flow_rates(values, closes - opens, per_record, amounts)
    quota = window_quota(link, values) if link.quota_limited else INF
    return CurveArrays.build(opens, closes, rates, quota)


def as_fields(by_key: Mapping[str, Any]) -> dict[str, Any]:
    """Every rule's values by key as the keywords of ``Inputs`` / ``BlockInputs``: a built-in
    rule's field, the others in ``limits``."""
    out = {r.field: by_key[r.key] for r in CAPACITY_RULES if r.field is not None}
    out["limits"] = {r.key: by_key[r.key] for r in CAPACITY_RULES if r.field is None}
    return out


def as_model_fields(by_key: Mapping[str, float]) -> dict[str, Any]:
    """Every rule's most likely value by key as the keywords of ``LinkModel``."""
    out: dict[str, Any] = {
        r.model_field: by_key[r.key] for r in CAPACITY_RULES if r.model_field is not None
    }
    out["limits"] = tuple((r.key, by_key[r.key]) for r in CAPACITY_RULES if r.field is None)
    return out


def as_estimate_fields(by_key: Mapping[str, Any]) -> dict[str, Any]:
    """Every rule's value or estimate as given, by key, as the keywords of ``LinkEstimates``
    (a built-in rule's field is named by its key)."""
    out = {r.key: by_key[r.key] for r in CAPACITY_RULES if r.field is not None}
    out["limits"] = tuple((r.key, by_key[r.key]) for r in CAPACITY_RULES if r.field is None)
    return out


def link_values(inputs: Any, link: int) -> list[float]:
    """Link ``link``'s value of every rule in ``inputs`` (registry order)."""
    return [float(rule.values(inputs)[link]) for rule in CAPACITY_RULES]


def likely_values(link: Any) -> list[float]:
    """A ``LinkModel``'s most likely value of every rule (registry order)."""
    return [rule.likely(link) for rule in CAPACITY_RULES]


def load_modules(package: ModuleType, attribute: str, register: Callable[[Any], Any]) -> list[Any]:
    """``register`` the ``attribute`` of every module of ``package`` (in name order); returns
    what was registered. How both registries find their kinds: a capacity rule is a module of
    :mod:`migrasim.core.capacity_rules` defining ``RULE`` (:func:`load_rules`), an uncertain
    input one of ``migrasim.analysis.uncertain_inputs`` defining ``KIND``."""
    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        found.append(register(getattr(module, attribute)))
    return found


def load_rules(package: ModuleType) -> list[CapacityRule]:
    """Register the ``RULE`` of every module of ``package``, as
    :mod:`migrasim.core.capacity_rules` is loaded below: a new rule is a new module there.
    Returns the rules registered."""
    return load_modules(package, "RULE", register)


from migrasim.core import capacity_rules  # noqa: E402 - its modules import this one

load_rules(capacity_rules)
