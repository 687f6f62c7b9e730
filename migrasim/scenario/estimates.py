"""Uncertain inputs: three-point estimates (``{low, likely, high}``) beside plain values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BeforeValidator,
    Discriminator,
    Field,
    Tag,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from migrasim.core import units
from migrasim.core.calendar import WEEKDAYS
from migrasim.core.distributions import Estimate
from migrasim.errors import N_, quoted
from migrasim.scenario.calendar import _to_weekday
from migrasim.scenario.fields import (
    DAILY_BOUNDS,
    CountRate,
    DailyCount,
    DailySize,
    Duration,
    Rate,
    Size,
    _fail,
    _key_error,
    _Model,
    _positive,
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

_DAILY_SIZE = _positive(units.parse_daily, units.DAILY_HELP, DAILY_BOUNDS)
_ESTIMATE_KEYS = {"low", "likely", "high"}


def _weekday_sizes(value: object) -> dict[str, float]:
    """``{Mon: 1 GB, Sat: 5 GB}``: a size a day for each weekday given (``Mon`` ... ``Sun`` or
    the full names), in bytes by ``WEEKDAYS`` name; a weekday left out moves nothing. Each
    problem names its weekday (the key path ends in it, as written)."""
    example = N_("give a size per weekday, e.g. {Mon: 1 GB, Sat: 5 GB}; a weekday left out "
                 "moves nothing that day")  # fmt: skip
    if isinstance(value, Mapping) and value and {str(k) for k in value} <= _ESTIMATE_KEYS:
        raise _fail(N_("one size per weekday is certain, not an estimate: got %(value)s",
                       value=quoted(value)), example)  # fmt: skip
    if not isinstance(value, Mapping) or not value:
        raise _fail(N_("expected a size per weekday, got %(value)s", value=quoted(value)), example)
    out: dict[str, float] = {}
    for key, size in value.items():
        where = str(key)
        try:
            day = _to_weekday(key)
            if isinstance(size, Mapping):
                raise _fail(N_("one size per weekday is certain, not an estimate: got %(value)s",
                               value=quoted(size)), N_("give a size, e.g. 5 GB"))  # fmt: skip
            if day in out:
                raise _fail(N_("%(day)s is given twice", day=day), N_("give each weekday once"))
            out[day] = _DAILY_SIZE(size)
        except PydanticCustomError as exc:
            context = exc.context or {}
            problem, fix = context.get("problem", str(exc)), context.get("fix", "")
            raise _key_error(where, problem, fix) from None
    return out


WeekdaySizes = Annotated[
    dict[str, float],
    BeforeValidator(_weekday_sizes),
    WithJsonSchema(
        {
            "type": "object",
            "description": "a size a day per weekday; a weekday left out moves nothing",
            "propertyNames": {"enum": list(WEEKDAYS)},
            "additionalProperties": {"type": "string", "examples": ["1 GB"]},
            "examples": [{"Mon": "1 GB", "Sat": "5 GB"}],
        }
    ),
]


def weekly(sizes: Mapping[str, float]) -> tuple[float, ...]:
    """A size per weekday (``WeekdaySizes``) as seven sizes, Monday first (0: left out)."""
    return tuple(float(sizes.get(day, 0.0)) for day in WEEKDAYS)


_UNIT_TYPES: dict[str, Any] = {
    "rate": UncertainRate,
    "daily": UncertainDaily,
    "count_rate": UncertainCountRate,
    "daily_count": UncertainDailyCount,
    "daily_by_weekday": WeekdaySizes,
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
