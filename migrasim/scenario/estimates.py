"""Uncertain inputs: three-point estimates (``{low, likely, high}``) beside plain values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BeforeValidator,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from migrasim.core.distributions import Estimate
from migrasim.errors import N_, quoted
from migrasim.scenario.fields import (
    CountRate,
    DailyCount,
    DailySize,
    Duration,
    Rate,
    Size,
    _fail,
    _Model,
)

VALUE_TAG, ESTIMATE_TAG = "<value>", "<estimate>"


class EstimateSpec(_Model):
    """A three-point estimate ``{low, likely, high, dist, group}``; subclasses type the values."""

    low: Any
    likely: Any
    high: Any
    dist: Literal["pert", "triangular", "uniform"] = Field(
        default="pert", description="distribution between low and high"
    )
    group: str | None = Field(
        default=None, description="inputs in one correlation group err together"
    )

    @model_validator(mode="after")
    def _ordered(self) -> EstimateSpec:
        if not self.low <= self.likely <= self.high:
            raise _fail(
                f"need low <= likely <= high, got low={self.low:g}, likely={self.likely:g}, "
                f"high={self.high:g} (SI units)",
                "reorder the three values",
            )
        return self

    def to_estimate(self) -> Estimate:
        return Estimate(self.low, self.likely, self.high, self.dist, self.group)


class SizeEstimate(EstimateSpec):
    low: Size
    likely: Size
    high: Size


class RateEstimate(EstimateSpec):
    low: Rate
    likely: Rate
    high: Rate


class DailyEstimate(EstimateSpec):
    low: DailySize
    likely: DailySize
    high: DailySize


class DurationEstimate(EstimateSpec):
    low: Duration
    likely: Duration
    high: Duration


def _check_share(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise _fail(
            N_("must be in (0, 1], got %(value)s", value=quoted(value)),
            N_("give a share, e.g. 0.7"),
        )
    return value


Share = Annotated[float, BeforeValidator(_check_share)]


class ShareEstimate(EstimateSpec):
    low: Share
    likely: Share
    high: Share


class CountRateEstimate(EstimateSpec):
    low: CountRate
    likely: CountRate
    high: CountRate


class DailyCountEstimate(EstimateSpec):
    low: DailyCount
    likely: DailyCount
    high: DailyCount


def _check_fraction(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise _fail(
            N_("must be in [0, 1), got %(value)s", value=quoted(value)),
            N_("give a fraction, e.g. 0.05 for 5%%"),
        )
    return value


Fraction = Annotated[float, BeforeValidator(_check_fraction)]


class FractionEstimate(EstimateSpec):
    low: Fraction
    likely: Fraction
    high: Fraction


def _pick(value: Any) -> str:
    return ESTIMATE_TAG if isinstance(value, (Mapping, EstimateSpec)) else VALUE_TAG


UncertainSize = Annotated[
    Union[Annotated[Size, Tag(VALUE_TAG)], Annotated[SizeEstimate, Tag(ESTIMATE_TAG)]],  # noqa: UP007
    Discriminator(_pick),
]
UncertainRate = Annotated[
    Union[Annotated[Rate, Tag(VALUE_TAG)], Annotated[RateEstimate, Tag(ESTIMATE_TAG)]],  # noqa: UP007
    Discriminator(_pick),
]
UncertainDaily = Annotated[
    Union[Annotated[DailySize, Tag(VALUE_TAG)], Annotated[DailyEstimate, Tag(ESTIMATE_TAG)]],  # noqa: UP007
    Discriminator(_pick),
]
UncertainDuration = Annotated[
    Union[Annotated[Duration, Tag(VALUE_TAG)], Annotated[DurationEstimate, Tag(ESTIMATE_TAG)]],  # noqa: UP007
    Discriminator(_pick),
]
UncertainShare = Annotated[
    Union[Annotated[Share, Tag(VALUE_TAG)], Annotated[ShareEstimate, Tag(ESTIMATE_TAG)]],  # noqa: UP007
    Discriminator(_pick),
]
UncertainCountRate = Annotated[
    Union[Annotated[CountRate, Tag(VALUE_TAG)], Annotated[CountRateEstimate, Tag(ESTIMATE_TAG)]],  # noqa: UP007
    Discriminator(_pick),
]
UncertainDailyCount = Annotated[
    Union[Annotated[DailyCount, Tag(VALUE_TAG)], Annotated[DailyCountEstimate, Tag(ESTIMATE_TAG)]],  # noqa: UP007
    Discriminator(_pick),
]
UncertainFraction = Annotated[
    Union[Annotated[Fraction, Tag(VALUE_TAG)], Annotated[FractionEstimate, Tag(ESTIMATE_TAG)]],  # noqa: UP007
    Discriminator(_pick),
]
Uncertain = float | EstimateSpec

_UNIT_TYPES: dict[str, Any] = {
    "rate": UncertainRate,
    "daily": UncertainDaily,
    "count_rate": UncertainCountRate,
    "daily_count": UncertainDailyCount,
    "size": UncertainSize,
    "duration": UncertainDuration,
    "share": UncertainShare,
    "fraction": UncertainFraction,
}
"""The validated type of a registered kind's value (a plain value or a three-point estimate),
by its ``unit``: a capacity rule's (``core.kinds``) or an uncertain input's
(``analysis.uncertain``); see ``scenario/registered.py``."""


def as_value(value: Uncertain) -> float | Estimate:
    """The plain float, or the :class:`Estimate` an estimate spec describes."""
    return value.to_estimate() if isinstance(value, EstimateSpec) else float(value)


def likely_of(value: Uncertain) -> float:
    """The most likely value (what the baseline uses)."""
    return float(value.likely) if isinstance(value, EstimateSpec) else float(value)
