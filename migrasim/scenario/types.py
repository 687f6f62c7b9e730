"""The scenario format: pydantic models (unknown keys rejected, frozen) and :func:`parse_scenario`.

Never opens files (see ``loader.py``); no simpy, no click. Every quantity is read by ``units.py``
and stored in SI units: ``volume`` in bytes, ``bandwidth`` in bytes/s, ``daily_cap`` in bytes per
working day, ``horizon`` in seconds. YAML keys match attribute names, so an error's key path
(``flows[3].volume``) names both.
"""

from __future__ import annotations

import contextlib
import difflib
import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    Tag,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from migrasim.core import kinds, units
from migrasim.core.calendar import WEEKDAYS
from migrasim.core.distributions import Estimate
from migrasim.errors import N_, Message, Problem, ScenarioError, UnitError, quoted


def _fail(problem: str, fix: str = "") -> PydanticCustomError:
    """A validation error carrying ``problem`` and ``fix`` as they are (messages made with
    ``N_`` keep their msgid and values: the command line translates them)."""
    return PydanticCustomError("migrasim", "{problem}", {"problem": problem, "fix": fix})


def _key_error(key: str, problem: str, fix: str = "") -> PydanticCustomError:
    """:func:`_fail` for key ``key`` of the object being validated (its key path ends in it)."""
    return PydanticCustomError(
        "migrasim", "{problem}", {"problem": problem, "fix": fix, "key": key}
    )


def _positive(parse: Any, help_text: str, bounds: tuple[float, float, str, str]) -> Any:
    """A validator: parse the quantity, then check it is finite, > 0 and within ``bounds``
    (lowest, highest, and both as text): the range the engine can represent exactly, so that
    whatever validates also runs (no overflow to infinity, no underflow to zero)."""
    lowest, highest, lowest_text, highest_text = bounds

    def validate(value: object) -> float:
        try:
            parsed = float(parse(value))
        except UnitError as exc:
            raise _fail(exc.problem, N_("give %(what)s", what=help_text)) from None
        got = quoted(value)
        if math.isnan(parsed) or parsed <= 0:
            raise _fail(N_("must be > 0, got %(value)s", value=got),
                        N_("give %(what)s", what=help_text))  # fmt: skip
        if parsed < lowest:
            raise _fail(N_("too small, got %(value)s", value=got),
                        N_("give at least %(lowest)s", lowest=lowest_text))  # fmt: skip
        if parsed > highest:
            raise _fail(N_("too large, got %(value)s", value=got),
                        N_("give at most %(highest)s", highest=highest_text))  # fmt: skip
        return parsed

    return validate


_YEAR_S = 365.25 * 86400.0
SIZE_BOUNDS = (1.0, 1e18, "1 B", "1000 PB (10^18 bytes)")
RATE_BOUNDS = (1e-6, 1e15, "1 B per 11.6 days (10^-6 B/s)", "1 PB/s")
DAILY_BOUNDS = (1.0, 1e18, "1 B a day", "1000 PB a day")
DURATION_BOUNDS = (1.0, 100 * _YEAR_S, "1 s", "100 years")
COUNT_BOUNDS = (1.0, 1e15, "1", "10^15")
COUNT_RATE_BOUNDS = (1e-6, 1e12, "10^-6 records/s", "10^12 records/s")


def _schema(help_text: str, example: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "description": help_text, "examples": [example]})


Size = Annotated[
    float,
    BeforeValidator(_positive(units.parse_size, units.SIZE_HELP, SIZE_BOUNDS)),
    _schema(units.SIZE_HELP, "180 GB"),
]
Rate = Annotated[
    float,
    BeforeValidator(_positive(units.parse_rate, units.RATE_HELP, RATE_BOUNDS)),
    _schema(units.RATE_HELP, "100 Mbit/s"),
]
DailySize = Annotated[
    float,
    BeforeValidator(_positive(units.parse_daily, units.DAILY_HELP, DAILY_BOUNDS)),
    _schema(units.DAILY_HELP, "1 GB"),
]
Duration = Annotated[
    float,
    BeforeValidator(_positive(units.parse_duration, units.DURATION_HELP, DURATION_BOUNDS)),
    _schema(units.DURATION_HELP, "10 years"),
]


Count = Annotated[
    float,
    BeforeValidator(_positive(units.parse_count, units.COUNT_HELP, COUNT_BOUNDS)),
    _schema(units.COUNT_HELP, "2 M"),
]
CountRate = Annotated[
    float,
    BeforeValidator(_positive(units.parse_count_rate, units.COUNT_RATE_HELP, COUNT_RATE_BOUNDS)),
    _schema(units.COUNT_RATE_HELP, "150 records/s"),
]
DailyCount = Annotated[
    float,
    BeforeValidator(_positive(units.parse_daily_count, units.DAILY_COUNT_HELP, COUNT_BOUNDS)),
    _schema(units.DAILY_COUNT_HELP, "2 M"),
]


PROGRAMME_ROW = "ALL"
"""The row every output gives the whole programme: no flow may be called that."""
FIRST_YEAR, LAST_YEAR = 1990, 2200
"""Every date a scenario gives (start, go-live, closures, outages, a flow's start) lies in these
years: the calendar, holidays and every date conversion can hold them with the horizon added."""


def _in_years(value: date) -> None:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise _fail(
            N_("the year %(year)s is outside %(first)s-%(last)s", year=value.year,
               first=FIRST_YEAR, last=LAST_YEAR),
            N_("give the real date (a year from %(first)s to %(last)s)", first=FIRST_YEAR,
               last=LAST_YEAR),
        )  # fmt: skip


def _to_date(value: object) -> date:
    day = _parse_date(value)
    _in_years(day)
    return day


def _parse_date(value: object) -> date:
    if isinstance(value, datetime):
        raise _fail(
            N_("expected a date, got the date-time %(value)s", value=quoted(value.isoformat())),
            N_("write YYYY-MM-DD"),
        )
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _fail(
        N_("not a valid date: %(value)s", value=quoted(value)),
        N_("write a real date as YYYY-MM-DD, e.g. 2025-06-02"),
    )


def _to_datetime(value: object) -> datetime:
    """A date (meaning 00:00) or a naive local date-time, within the years allowed."""
    moment = _parse_datetime(value)
    _in_years(moment.date())
    return moment


def _parse_datetime(value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            parsed = None
        if parsed is not None:
            if parsed.tzinfo is not None:
                raise _fail(
                    N_("give local time without a UTC offset, got %(value)s", value=quoted(value)),
                    N_(
                        "write YYYY-MM-DD or YYYY-MM-DDTHH:MM (local time of the scenario's "
                        "timezone)"
                    ),
                )
            return parsed
    raise _fail(
        N_("not a valid date or date-time: %(value)s", value=quoted(value)),
        N_("write YYYY-MM-DD or YYYY-MM-DDTHH:MM, e.g. 2025-06-02T08:00"),
    )


LocalDate = Annotated[
    date,
    BeforeValidator(_to_date),
    WithJsonSchema({"type": "string", "format": "date", "examples": ["2026-01-05"]}),
]
LocalDateTime = Annotated[
    datetime,
    BeforeValidator(_to_datetime),
    PlainSerializer(lambda d: d.isoformat()),
    WithJsonSchema(
        {
            "type": "string",
            "description": "date (00:00) or local date-time",
            "examples": ["2025-06-02", "2025-06-02T08:00"],
        }
    ),
]

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _to_window(value: object) -> tuple[int, int]:
    """``"19:00-07:00"`` -> (68400, 25200): open and close as seconds after midnight."""
    fix = N_("write HH:MM-HH:MM in local time, e.g. '19:00-07:00' (may cross midnight)")
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return int(value[0]), int(value[1])
    match = _WINDOW.match(value) if isinstance(value, str) else None
    if not match:
        raise _fail(N_("not a time window: %(value)s", value=quoted(value)), fix)
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2 != 0):
        raise _fail(N_("not a valid time of day in %(value)s", value=quoted(value)), fix)
    open_s, close_s = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
    if open_s == close_s % 86400:
        raise _fail(
            N_("window %(value)s opens and closes at the same time", value=quoted(value)),
            N_("leave out 'window' for a link open all working day, or give different times"),
        )
    return open_s, close_s


def _format_window(window: tuple[int, int]) -> str:
    def hhmm(seconds: int) -> str:
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"

    return f"{hhmm(window[0])}-{hhmm(window[1])}"


Window = Annotated[
    tuple[int, int],
    BeforeValidator(_to_window),
    PlainSerializer(_format_window),
    WithJsonSchema(
        {"type": "string", "pattern": r"^\d{1,2}:\d{2}-\d{1,2}:\d{2}$", "examples": ["19:00-07:00"]}
    ),
]


def _to_weekday(value: object) -> str:
    if isinstance(value, str):
        for day in WEEKDAYS:
            if value.strip().lower() in (day.lower(), _FULL_DAY[day].lower()):
                return day
    raise _fail(
        N_("not a weekday: %(value)s", value=quoted(value)),
        N_("use Mon, Tue, Wed, Thu, Fri, Sat or Sun"),
    )


_FULL_DAY = dict(
    zip(
        WEEKDAYS,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)
Weekday = Annotated[
    str, BeforeValidator(_to_weekday), WithJsonSchema({"type": "string", "enum": list(WEEKDAYS)})
]


def _to_closure(value: object) -> tuple[date, date]:
    """``2025-11-03`` or ``"2025-12-22..2026-01-02"`` (inclusive) -> (first, last)."""
    if isinstance(value, str) and ".." in value:
        first_text, _, last_text = value.partition("..")
        first, last = _to_date(first_text), _to_date(last_text)
        if last < first:
            raise _fail(
                N_("range %(value)s ends before it starts", value=quoted(value)),
                N_("write FIRST..LAST, FIRST <= LAST"),
            )
        return first, last
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return _to_date(value[0]), _to_date(value[1])
    day = _to_date(value)
    return day, day


Closure = Annotated[
    tuple[date, date],
    BeforeValidator(_to_closure),
    PlainSerializer(lambda c: c[0].isoformat() if c[0] == c[1] else f"{c[0]}..{c[1]}"),
    WithJsonSchema(
        {
            "type": "string",
            "description": "a date, or an inclusive range FIRST..LAST",
            "examples": ["2025-11-03", "2025-12-22..2026-01-02"],
        }
    ),
]


def _to_period(value: object) -> tuple[datetime, datetime]:
    """``"2025-10-04T08:00..2025-10-05T18:00"``; a date as either end means the whole of that
    day (inclusive), and a bare date ``"2025-07-08"`` means that whole local day."""
    fix = N_(
        "write FROM..TO with dates or local date-times, e.g. 2025-10-04T08:00..2025-10-05T18:00"
    )
    if isinstance(value, date) and not isinstance(value, datetime):
        value = value.isoformat()
    if isinstance(value, str) and ".." not in value and len(value.strip()) == 10:
        value = f"{value.strip()}..{value.strip()}"  # a bare date: that whole local day
    if not isinstance(value, str) or ".." not in value:
        raise _fail(N_("not a period: %(value)s", value=quoted(value)), fix)
    first_text, _, last_text = (part.strip() for part in value.partition(".."))
    first = _to_datetime(first_text)
    last = _to_datetime(last_text)
    if len(last_text) == 10:  # a date: up to the end of that day
        last = last + timedelta(days=1)
    if last <= first:
        raise _fail(N_("period %(value)s ends before it starts", value=quoted(value)), fix)
    return first, last


Period = Annotated[
    tuple[datetime, datetime],
    BeforeValidator(_to_period),
    PlainSerializer(lambda p: f"{p[0].isoformat()}..{p[1].isoformat()}"),
    WithJsonSchema({"type": "string", "examples": ["2025-10-04T08:00..2025-10-05T18:00"]}),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
}
"""The validated type of a capacity rule's value, by its ``unit`` (``core.kinds``)."""


def as_value(value: Uncertain) -> float | Estimate:
    """The plain float, or the :class:`Estimate` an estimate spec describes."""
    return value.to_estimate() if isinstance(value, EstimateSpec) else float(value)


def likely_of(value: Uncertain) -> float:
    """The most likely value (what the baseline uses)."""
    return float(value.likely) if isinstance(value, EstimateSpec) else float(value)


class OutageSpec(_Model):
    """Link failures: unplanned (``mtbf`` and ``mttr``) and planned (dated periods)."""

    mtbf: UncertainDuration | None = Field(
        default=None, description="mean time between failures (calendar time), e.g. 30 days"
    )
    mttr: UncertainDuration | None = Field(
        default=None, description="time to repair each failure, e.g. {low: 2 h, likely: 8 h, ...}"
    )
    planned: tuple[Period, ...] = Field(default=(), description="planned outages FROM..TO")

    @model_validator(mode="after")
    def _both_or_neither(self) -> OutageSpec:
        if (self.mtbf is None) != (self.mttr is None):
            raise _fail(
                N_("give both mtbf and mttr for unplanned outages"), N_("add the missing one")
            )
        if self.mtbf is None and not self.planned:
            raise _fail(N_("no outages described"), N_("give mtbf and mttr, or planned periods"))
        return self


class RejectionSpec(_Model):
    """A fraction of delivered data fails the target's validation and is re-sent."""

    fraction: UncertainFraction = Field(description="share of the first pass rejected, 0 <= f < 1")
    delay: UncertainDuration | None = Field(
        default=None, description="remediation time before the rejected data is re-sent"
    )


class CalendarSpec(_Model):
    """Which days transfers may happen on."""

    working_days: tuple[Weekday, ...] = Field(
        default=("Mon", "Tue", "Wed", "Thu", "Fri"), description="days of the week that are worked"
    )
    holidays: Literal["wales", "england", "scotland", "northern_ireland", "none"] = Field(
        default="wales", description="public holidays (UK bank holidays for the region) or 'none'"
    )
    closures: tuple[Closure, ...] = Field(
        default=(), description="extra non-working days, e.g. change freezes"
    )
    weekend_holidays: Literal["substitute", "both", "actual"] = Field(
        default="substitute",
        description="a bank holiday on a Saturday or Sunday that has a substitute weekday: "
        "'substitute' (the default) closes the substitute day only, 'both' the actual day too, "
        "'actual' the actual day only; matters when working_days include weekends",
    )

    @model_validator(mode="after")
    def _some_working_day(self) -> CalendarSpec:
        if not self.working_days:
            raise _fail(
                N_("working_days is empty, so nothing could ever move"),
                N_("list at least one day"),
            )
        return self


class ShipmentSpec(_Model):
    """Shipped media: devices that carry ``capacity`` bytes each and deliver ``turnaround``
    after they leave; at most ``in_flight`` are out at once (docs/scenario-format.md,
    "Shipped media")."""

    capacity: Size = Field(description="bytes one device carries, e.g. 4 TB")
    turnaround: UncertainDuration = Field(
        description="from a device leaving to its data being loaded at the target (copy, "
        "transit, ingest), calendar time, e.g. 5 days"
    )
    in_flight: int = Field(
        default=1, ge=1, le=1000, description="most devices out at once (default 1)"
    )


SHIPMENT_EXCLUDES = (
    "bandwidth",
    "daily_cap",
    "efficiency",
    "daily_records",
    "records_rate",
    "outages",
    "fallback",
)
"""Link keys that do not apply to a shipment link (it moves devices, not a stream)."""


class LinkSpec(_Model):
    """A capacity rule. One shared resource, unless ``per_flow`` gives every flow its own copy."""

    daily_cap: UncertainDaily | None = Field(
        default=None, description="most bytes the link moves per working day"
    )
    bandwidth: UncertainRate | None = Field(
        default=None, description="line rate while the window is open"
    )
    efficiency: UncertainShare = Field(
        default=1.0, description="share of bandwidth achieved, 0 < efficiency <= 1"
    )
    window: Window | None = Field(
        default=None,
        description="local time window HH:MM-HH:MM opening on each working day (default all day)",
    )
    per_flow: bool = Field(default=False, description="every flow gets its own copy of the link")
    daily_records: UncertainDailyCount | None = Field(
        default=None, description="most records per working day, spread evenly over the window"
    )
    records_rate: UncertainCountRate | None = Field(
        default=None, description="records per second while open, e.g. '150 records/s'"
    )
    outages: OutageSpec | None = None
    available_from: LocalDateTime | None = Field(
        default=None, description="the link can be used only from this local time"
    )
    lead_time: UncertainDuration | None = Field(
        default=None, description="the link can be used only this long after the start"
    )
    fallback: str | None = Field(
        default=None, description="link flows use instead until this one is available"
    )
    not_before: Duration | None = Field(
        default=None,
        description="the link can be used no earlier than this long after the start (e.g. an "
        "installation crew's slot); with lead_time or available_from, the later of the two",
    )
    draws_as: str | None = Field(
        default=None,
        description="draw this link's uncertain inputs (lead time, rates, failures) on the "
        "random streams of the link named here: a copy of it, e.g. the same installation in a "
        "later crew slot (plan.yaml's links)",
    )
    shipment: ShipmentSpec | None = Field(
        default=None,
        description="shipped media instead of a network: {capacity, turnaround, in_flight}",
    )
    description: str = ""
    limits: SkipJsonSchema[dict[str, Any]] = Field(
        default_factory=dict,
        description="(not a key) the values of capacity rules registered beyond the built-in "
        "ones (migrasim.core.kinds), each written as its own key on the link",
    )

    @model_validator(mode="before")
    @classmethod
    def _registered_rules(cls, data: Any) -> Any:
        """Each registered capacity rule's key (``core.kinds``), validated by its unit, into
        ``limits``; ``limits`` itself is not a key a scenario may write."""
        if not isinstance(data, Mapping):
            return data
        data = dict(data)
        if "limits" in data:
            keys = ", ".join(_link_keys())
            raise _key_error("limits", N_("unknown key"), N_("allowed keys: %(keys)s", keys=keys))
        limits = {}
        for rule in kinds.extra_rules():
            if rule.key in data:
                value = data.pop(rule.key)
                try:
                    limits[rule.key] = TypeAdapter(_UNIT_TYPES[rule.unit]).validate_python(value)
                except ValidationError as exc:
                    problem = problems_from_validation(exc)[0]
                    raise _key_error(rule.key, problem.problem, problem.fix) from None
        if limits:  # else unset: the fields set are the keys the file wrote
            data["limits"] = limits
        return data

    def limit(self, rule: kinds.CapacityRule) -> Any:
        """The value (or estimate) this link gives capacity rule ``rule``, None if not set."""
        if rule.field is not None:
            return getattr(self, rule.key)
        return self.limits.get(rule.key)

    @model_validator(mode="after")
    def _has_capacity(self) -> LinkSpec:
        if self.shipment is None and all(self.limit(r) is None for r in kinds.CAPACITY_RULES):
            raise _fail(
                N_("a link needs a capacity, one of: %(keys)s",
                   keys=", ".join(r.key for r in kinds.CAPACITY_RULES)),
                N_("add e.g. 'daily_cap: 1 GB' or 'bandwidth: 100 Mbit/s'"),
            )  # fmt: skip
        if self.available_from is not None and self.lead_time is not None:
            raise _fail(N_("give available_from or lead_time, not both"), N_("remove one"))
        if (
            self.fallback is not None
            and self.available_from is None
            and self.lead_time is None
            and self.not_before is None
        ):
            raise _fail(
                N_(
                    "fallback applies until the link is available, but it has no "
                    "available_from or lead_time"
                ),
                N_("add lead_time or available_from, or remove fallback"),
            )
        if self.shipment is None and self.bandwidth is None and self.efficiency != 1.0:
            raise _fail(
                N_("efficiency applies to bandwidth, and this link has none"),
                N_("remove efficiency or add bandwidth"),
            )
        return self

    @property
    def limits_records(self) -> bool:
        records = [r for r in kinds.CAPACITY_RULES if r.measure == "records"]
        return any(self.limit(r) is not None for r in records)


class FlowSpec(_Model):
    """One migration: ``volume`` bytes from ``source`` to ``target`` over ``links``."""

    name: str = Field(default="", description='unique name; default "SOURCE -> TARGET"')
    source: str = Field(min_length=1)
    target: str = Field(min_length=1)
    volume: UncertainSize = Field(description="bytes to move (or a three-point estimate)")
    links: tuple[str, ...] = Field(min_length=1, description="names of the links on the path")
    after: tuple[str, ...] = Field(default=(), description="flows that must complete first")
    start: LocalDateTime | None = Field(default=None, description="not before this local time")
    growth: UncertainRate | None = Field(
        default=None, description="new data at the source until cutover, e.g. '0.5 GB/day'"
    )
    records: Count | None = Field(
        default=None, description="number of records (needed on links that limit records)"
    )
    rejection: RejectionSpec | None = None
    description: str = ""
    organisation: str | None = Field(
        default=None,
        description="the organisation the flow belongs to (default: the flow's name); an "
        "organisation is in time when all its flows are",
    )
    go_live: LocalDate | None = Field(
        default=None,
        description="the flow's own go-live (a cohort's date; default: the programme's); "
        "`migrasim plan` judges its organisation against the earliest of its flows' dates",
    )

    @property
    def label(self) -> str:
        return self.name or f"{self.source} -> {self.target}"

    @property
    def organisation_name(self) -> str:
        """The organisation the flow belongs to: ``organisation``, else the flow's name."""
        return self.organisation or self.label

    @field_validator("organisation")
    @classmethod
    def _organisation_named(cls, value: str | None) -> str | None:
        # Only a value written in the file reaches here (the default is not validated), so
        # None is an empty 'organisation:'.
        if value is None or not value.strip():
            got = "nothing" if value is None else quoted(value)
            raise _fail(
                f"must be a non-empty name, got {got}",
                "give the organisation's name, or leave the key out to use the flow's name",
            )
        return value


class InventoryFlow(dict[str, Any]):
    """A flow read from one row of an inventory file (``flows_from``, see ``inventory.py``).

    A plain mapping to validate like any flow, which remembers ``where`` it came from (e.g.
    ``"inventory.csv row 4"``) so that :func:`parse_scenario` reports its problems as
    ``inventory.csv row 4, column volume`` instead of ``flows[7].volume``. ``--set`` overrides
    copy it with :func:`copy.deepcopy`, which keeps ``where``.
    """

    def __init__(self, values: Mapping[str, Any], where: str) -> None:
        super().__init__(values)
        self.where = where
        self.changed: frozenset[str] = frozenset()  # keys set by --set, not read from the file


class InventorySpec(_Model):
    """One inventory file of flows, with options (``flows_from: {file: ..., sheet: ...}``)."""

    file: str = Field(min_length=1, description=".csv or .xlsx, relative to the scenario file")
    sheet: str | None = Field(default=None, description="the .xlsx sheet (default: the first)")
    links: tuple[str, ...] | None = Field(
        default=None, min_length=1, description="links of rows whose 'links' cell is blank"
    )


InventorySource = str | InventorySpec


class CrewSpec(_Model):
    """An installation crew: at most ``capacity`` applications of an option per ``per``."""

    capacity: int = Field(ge=1, le=100_000, description="applications per period, e.g. 2")
    per: Duration = Field(gt=0, description="the period, e.g. 4 weeks")


FLOW_PLACEHOLDER = "{flow}"
"""In an option's ``set`` key paths: each flow of the organisation the option applies to."""


class OptionSpec(_Model):
    """A change `migrasim plan` may choose: ``set`` (key paths as ``--set``) at ``cost``, for
    each organisation (``each: organisation``) or once for the programme."""

    name: str = Field(min_length=1, description="unique name, e.g. hard-wire")
    each: Literal["organisation"] | None = Field(
        default=None,
        description="chosen separately for each organisation; omit for one programme-wide choice",
    )
    flows: tuple[str, ...] | None = Field(
        default=None, min_length=1, description="organisations it may apply to (default: all)"
    )
    set: dict[str, Any] = Field(
        min_length=1,
        description="key paths exactly as --set, {flow} standing for each of the "
        'organisation\'s flows, e.g. {"flows[{flow}].links": [wired]}',
    )
    cost: float = Field(ge=0, allow_inf_nan=False, description="per application")
    group: str | None = Field(
        default=None, min_length=1, description="at most one option of a group per organisation"
    )
    crew: CrewSpec | None = Field(
        default=None,
        description="at most capacity applications per period, in plan order: the k-th is "
        "available no earlier than start + ceil(k / capacity) x per",
    )
    description: str = ""


class Scenario(_Model):
    """A whole migration programme."""

    name: str = Field(min_length=1)
    description: str = ""
    start: LocalDateTime = Field(description="local start, date (00:00) or date-time")
    go_live: LocalDate | None = Field(default=None, description="completion must be before this")
    timezone: str = Field(default="Europe/London", description="IANA zone of every local time")
    horizon: Duration = Field(
        default=10 * 365.25 * 86400.0, description="give up after this long ('never')"
    )
    calendar: CalendarSpec = Field(default_factory=CalendarSpec)
    links: dict[str, LinkSpec] = Field(min_length=1)
    flows: tuple[FlowSpec, ...] = Field(min_length=1)
    flows_from: InventorySource | tuple[InventorySource, ...] | None = Field(
        default=None,
        description="inventory file(s) of flows (.csv or .xlsx, one flow per row, header: "
        "source, target, volume and optionally name, records, links, after, start, growth, "
        "description, organisation, go_live; lists separated by ';'), relative to this file; "
        "appended after 'flows'",
    )
    seed: int | None = Field(
        default=None, ge=0, le=2**63 - 1, description="random seed (default 0)"
    )
    replications: int | None = Field(
        default=None,
        ge=1,
        le=1_000_000,
        description="Monte Carlo replications (default 1000 if uncertain)",
    )
    correlation: dict[str, float] = Field(
        default_factory=dict,
        description="correlation (0 to 1) within each named group of uncertain inputs",
    )
    options: tuple[OptionSpec, ...] = Field(
        default=(), description="changes `migrasim plan` may choose (ignored by the others)"
    )

    @field_validator("flows_from")
    @classmethod
    def _inventory_is_read_by_the_loader(cls, value: object) -> None:
        if value is not None:
            raise _fail(
                "inventory files are read when a scenario file is loaded, and this mapping "
                "was not read from a file (or flows_from was changed after loading)",
                "load the scenario with migrasim.load_scenario, or list the flows under 'flows:'",
            )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def flow_names(self) -> list[str]:
        return [flow.label for flow in self.flows]


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if part in (VALUE_TAG, ESTIMATE_TAG):
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    if ESTIMATE_TAG in loc:
        return list(EstimateSpec.model_fields)
    model: type[BaseModel] = Scenario
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if model is Scenario and part == "flows":
            model = FlowSpec
        elif model is Scenario and part == "links":
            model = LinkSpec
        elif model is LinkSpec and part == "shipment":
            model = ShipmentSpec
        elif model is Scenario and part == "calendar":
            model = CalendarSpec
        elif model is Scenario and part == "flows_from":
            model = InventorySpec
        elif model is Scenario and part == "options":
            model = OptionSpec
        elif model is OptionSpec and part == "crew":
            model = CrewSpec
    if model is LinkSpec:
        return _link_keys()
    return list(model.model_fields)


def _link_keys() -> list[str]:
    """The keys a link may have: its fields and every registered capacity rule's."""
    return [k for k in LinkSpec.model_fields if k != "limits"] + [
        r.key for r in kinds.extra_rules()
    ]


def _problem_from_pydantic(error: Any) -> Problem:
    loc = tuple(error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "migrasim":
        where = (*loc, ctx["key"]) if "key" in ctx else loc
        return Problem(_key_path(where), ctx["problem"], ctx.get("fix", ""))
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = _allowed_keys(loc)
        close = difflib.get_close_matches(key, allowed, n=1)
        keys = ", ".join(allowed)
        fix = (
            N_("did you mean '%(key)s'? allowed keys: %(keys)s", key=close[0], keys=keys)
            if close
            else N_("allowed keys: %(keys)s", keys=keys)
        )
        return Problem(_key_path(loc), N_("unknown key"), fix)
    if kind == "missing":
        return Problem(_key_path(loc), REQUIRED, N_("add it"))
    got = quoted(error.get("input"))
    if kind == "literal_error":
        return Problem(
            _key_path(loc),
            N_("got %(value)s", value=got),
            N_("use one of %(choices)s", choices=ctx.get("expected", "")),
        )
    if kind == "too_short":
        return Problem(_key_path(loc), N_("must not be empty, got %(value)s", value=got), "")
    if kind in _PYDANTIC_PROBLEMS:
        with contextlib.suppress(KeyError):  # pydantic's context lacks a value: its own text
            return Problem(
                _key_path(loc), N_(_PYDANTIC_PROBLEMS[kind].msgid, **{**ctx, "value": got})
            )
    msg = str(error["msg"])  # a kind not mapped above: pydantic's English
    return Problem(_key_path(loc), f"{msg[0].lower()}{msg[1:]}, got {got}")


REQUIRED = N_("is required")

_PYDANTIC_PROBLEMS: dict[str, Message] = {
    # pydantic's error type -> its message (in English the same words as pydantic's), with
    # the bad value and pydantic's context (``%(gt)s`` ...) filled in
    "string_type": N_("input should be a valid string, got %(value)s"),
    "int_type": N_("input should be a valid integer, got %(value)s"),
    "int_parsing": N_(
        "input should be a valid integer, unable to parse string as an integer, got %(value)s"
    ),
    "int_from_float": N_(
        "input should be a valid integer, got a number with a fractional part, got %(value)s"
    ),
    "float_type": N_("input should be a valid number, got %(value)s"),
    "float_parsing": N_(
        "input should be a valid number, unable to parse string as a number, got %(value)s"
    ),
    "finite_number": N_("input should be a finite number, got %(value)s"),
    "bool_type": N_("input should be a valid boolean, got %(value)s"),
    "bool_parsing": N_("input should be a valid boolean, unable to interpret input, got %(value)s"),
    "model_type": N_(
        "input should be a valid dictionary or instance of %(class_name)s, got %(value)s"
    ),
    "dict_type": N_("input should be a valid dictionary, got %(value)s"),
    "list_type": N_("input should be a valid list, got %(value)s"),
    "tuple_type": N_("input should be a valid tuple, got %(value)s"),
    "greater_than": N_("input should be greater than %(gt)s, got %(value)s"),
    "greater_than_equal": N_("input should be greater than or equal to %(ge)s, got %(value)s"),
    "less_than": N_("input should be less than %(lt)s, got %(value)s"),
    "less_than_equal": N_("input should be less than or equal to %(le)s, got %(value)s"),
}


def problems_from_validation(
    exc: ValidationError, prefix: tuple[int | str, ...] = ()
) -> list[Problem]:
    """One :class:`Problem` per pydantic error, key paths starting with ``prefix``."""
    return [
        _problem_from_pydantic({**e, "loc": (*prefix, *e["loc"])})
        for e in exc.errors(include_url=False)
        # pydantic also calls a list "too short" when its items failed; those are reported.
        if not (e["type"] == "too_short" and e.get("input"))
    ]


_FLOW_PATH = re.compile(r"^flows\[(\d+)\](?:\.([A-Za-z_]+)([^\s]*))?$")
_FLOW_REF = re.compile(r"\bflows\[(\d+)\]")


def _inventory_rows(data: Mapping[Any, Any]) -> dict[int, InventoryFlow]:
    """Flow index -> the flow, for flows read from an inventory file."""
    flows = data.get("flows")
    if not isinstance(flows, (list, tuple)):
        return {}
    return {i: f for i, f in enumerate(flows) if isinstance(f, InventoryFlow)}


def _locate(problem: Problem, rows: Mapping[int, InventoryFlow]) -> Problem:
    """``flows[7].volume`` -> ``inventory.csv row 4, column volume`` for inventory flows."""
    if not rows:
        return problem

    def ref(match: re.Match[str]) -> str:
        index = int(match.group(1))
        return rows[index].where if index in rows else match.group(0)

    text = _FLOW_REF.sub(ref, problem.problem)
    if text == problem.problem:
        text = problem.problem  # keep a translatable message (see errors.Message)
    match = _FLOW_PATH.match(problem.key_path)
    if not match or int(match.group(1)) not in rows:
        return Problem(problem.key_path, text, problem.fix)
    flow = rows[int(match.group(1))]
    where = flow.where
    column, rest = match.group(2), re.sub(r"\[\d+\]", "", match.group(3) or "")
    if column is None:
        return Problem(where, text, problem.fix)
    if column in getattr(flow, "changed", ()):
        return Problem(
            N_("%(where)s, column %(column)s (as changed by --set)", where=where,
               column=f"{column}{rest}"),
            text,
            problem.fix,
        )  # fmt: skip
    fix = problem.fix
    if (text, fix) == (REQUIRED, "add it"):
        text = N_("is empty")
        fix = (
            N_("fill in the links cell (names separated by ';'), or give default links under "
               "flows_from")
            if column == "links"
            else N_("fill in the %(column)s cell", column=column)
        )  # fmt: skip
    elif column in ("links", "after") and "," in text:
        fix = N_("separate names in one cell with ';', not ','. %(fix)s", fix=fix)
    elif column == "after":
        fix = fix.replace("in 'flows:'", "in 'flows:' or in an inventory")
    return Problem(N_("%(where)s, column %(column)s", where=where, column=f"{column}{rest}"),
                   text, fix)  # fmt: skip


def _find_cycle(deps: dict[str, tuple[str, ...]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in deps.get(node, ()):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt in deps and not state.get(nxt):
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in deps:
        if not state.get(node):
            found = visit(node)
            if found:
                return found
    return None


MAX_FLOWS = 20_000
"""Flows in one scenario: checked before anything else so a 100,000-row inventory is refused
at once with this limit (a run costs time and memory in proportion to the flows)."""
MAX_NAME_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 10_000
MAX_OUTAGES = 100_000
"""Random outages expected within the horizon on one link (at the shortest mtbf + mttr): more
would cost memory and time for no meaning (a link down every few seconds is not a link)."""
MAX_OUTAGES_IN_ALL = 2_000_000
"""... and over every copy of a per-flow link together (each flow's copy fails on its own):
hourly failures on 29 copies (2.5 million in ten years) are refused, while the Wales outages
on 10,000 flows (1.2 million) run."""


def _text_problem(key: str, value: str, limit: int, multiline: bool) -> Problem | None:
    """Names and descriptions must be printable text of bounded length: they reach every
    output (CSV, HTML, charts, the workbook), and a NUL, a control character or a lone
    surrogate breaks some of them."""
    if len(value) > limit:
        return Problem(
            key,
            N_("is %(n)s characters long", n=f"{len(value):,}"),
            N_("shorten it to %(limit)s", limit=f"{limit:,}"),
        )
    if not multiline and value != value.strip():
        return Problem(
            key,
            N_("%(value)s has spaces at its start or end", value=quoted(value)),
            N_("remove them (a log row, --set or option naming it would not match)"),
        )
    allowed = "\n\t" if multiline else ""
    for char in value:
        kind = unicodedata.category(char)
        if (kind == "Cc" and char not in allowed) or kind == "Cs":
            return Problem(
                key,
                N_(
                    "contains the control character %(char)s in %(value)s",
                    char=f"U+{ord(char):04X}",
                    value=quoted(value),
                ),
                N_("use printable text only"),
            )
    return None


def _range_checks(scenario: Scenario) -> list[Problem]:
    """Bounds that keep every valid scenario runnable: printable names, dates the calendar
    can hold, a bounded number of random outages."""
    checks: list[tuple[str, str, int, bool]] = [
        ("name", scenario.name, MAX_NAME_LENGTH, False),
        ("description", scenario.description, MAX_DESCRIPTION_LENGTH, True),
    ]
    for name, link in scenario.links.items():
        checks.append((f"links.{name}", name, MAX_NAME_LENGTH, False))
        checks.append((f"links.{name}.description", link.description, MAX_DESCRIPTION_LENGTH, True))
    for i, flow in enumerate(scenario.flows):
        for key in ("name", "source", "target"):
            checks.append((f"flows[{i}].{key}", getattr(flow, key), MAX_NAME_LENGTH, False))
        checks.append((f"flows[{i}].description", flow.description, MAX_DESCRIPTION_LENGTH, True))
    for group in scenario.correlation:
        checks.append((f"correlation.{group}", group, MAX_NAME_LENGTH, False))
    problems = [p for p in (_text_problem(*c) for c in checks) if p is not None]
    for name, link in scenario.links.items():
        outages = link.outages
        if outages is None or outages.mtbf is None or outages.mttr is None:
            continue
        shortest = _lowest(outages.mtbf) + _lowest(outages.mttr)
        # A per-flow link is one copy per flow on it, each with its own failures.
        copies = max(1, sum(name in f.links for f in scenario.flows) if link.per_flow else 1)
        each = scenario.horizon / shortest
        if each > MAX_OUTAGES:
            problems.append(
                Problem(
                    f"links.{name}.outages.mtbf",
                    N_(
                        "about %(n)s failures within the horizon (mtbf + mttr as short as "
                        "%(seconds)s s)",
                        n=f"{each:,.0f}",
                        seconds=f"{shortest:,.0f}",
                    ),
                    N_(
                        "give an mtbf of at least %(hours)s h or a shorter horizon",
                        hours=f"{scenario.horizon / MAX_OUTAGES / 3600:,.1f}",
                    ),
                )
            )
        elif each * copies > MAX_OUTAGES_IN_ALL:
            problems.append(
                Problem(
                    f"links.{name}.outages.mtbf",
                    N_(
                        "about %(n)s failures within the horizon (mtbf + mttr as short as "
                        "%(seconds)s s; in all, over its %(copies)s per-flow copies)",
                        n=f"{each * copies:,.0f}",
                        seconds=f"{shortest:,.0f}",
                        copies=f"{copies:,}",
                    ),
                    N_(
                        "give an mtbf of at least %(hours)s h or a shorter horizon",
                        hours=f"{scenario.horizon * copies / MAX_OUTAGES_IN_ALL / 3600:,.1f}",
                    ),
                )
            )
    return problems


def _lowest(value: Any) -> float:
    return float(value.low) if isinstance(value, EstimateSpec) else float(value)


def _did_you_mean(close: list[str]) -> str:
    """``did you mean 'x'? `` for the closest name found, or ''."""
    return N_("did you mean '%(name)s'? ", name=close[0]) if close else ""


def _cross_checks(scenario: Scenario) -> list[Problem]:
    """Rules that span keys: names, references, cycles, dates."""
    problems: list[Problem] = _range_checks(scenario)
    try:
        ZoneInfo(scenario.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            Problem(
                "timezone",
                N_("unknown time zone %(zone)s", zone=repr(scenario.timezone)),
                N_("e.g. Europe/London"),
            )
        )
    seen: dict[str, int] = {}
    for i, flow in enumerate(scenario.flows):
        label = flow.label
        if label.upper() == PROGRAMME_ROW:
            problems.append(
                Problem(
                    f"flows[{i}].name",
                    N_(
                        "%(name)s is the name every output gives the whole programme",
                        name=repr(label),
                    ),
                    N_("give the flow another name"),
                )
            )
        if label in seen:
            problems.append(
                Problem(
                    f"flows[{i}].name",
                    N_(
                        "duplicate flow name %(name)s (also %(other)s)",
                        name=repr(label),
                        other=f"flows[{seen[label]}]",
                    ),
                    N_("give every flow a unique name"),
                )
            )
        seen.setdefault(label, i)
    for i, flow in enumerate(scenario.flows):
        for j, link in enumerate(flow.links):
            if link not in scenario.links:
                close = difflib.get_close_matches(link, list(scenario.links), n=1)
                problems.append(
                    Problem(
                        f"flows[{i}].links[{j}]",
                        N_("undefined link %(link)s", link=repr(link)),
                        N_("%(hint)sdefine it under 'links:' (defined: %(links)s)",
                           hint=_did_you_mean(close), links=", ".join(scenario.links)),
                    )
                )  # fmt: skip
        if len(set(flow.links)) != len(flow.links):
            problems.append(
                Problem(
                    f"flows[{i}].links",
                    N_("a link is listed twice in %(links)s", links=repr(list(flow.links))),
                )
            )
        for j, dep in enumerate(flow.after):
            if dep not in seen:
                close = difflib.get_close_matches(dep, list(seen), n=1)
                problems.append(
                    Problem(
                        f"flows[{i}].after[{j}]",
                        N_("unknown flow %(flow)s", flow=repr(dep)),
                        N_("%(hint)sname a flow defined in 'flows:'", hint=_did_you_mean(close)),
                    )
                )
            elif dep == flow.label:
                problems.append(
                    Problem(
                        f"flows[{i}].after[{j}]",
                        N_("flow %(flow)s waits for itself", flow=repr(dep)),
                        N_("remove it"),
                    )
                )
    deps: dict[str, tuple[str, ...]] = {}
    for f in scenario.flows:  # duplicates (reported above) pool their dependencies
        deps[f.label] = deps.get(f.label, ()) + tuple(
            d for d in f.after if d in seen and d != f.label
        )
    cycle = _find_cycle(deps)
    if cycle:
        first = seen[cycle[0]]
        problems.append(
            Problem(
                f"flows[{first}].after",
                N_("dependency cycle: %(cycle)s", cycle=" -> ".join(cycle)),
                N_("remove one of these 'after' entries"),
            )
        )
    for name, spec in scenario.links.items():
        if spec.fallback is not None:
            if spec.fallback not in scenario.links:
                problems.append(
                    Problem(
                        f"links.{name}.fallback",
                        N_("undefined link %(link)s", link=repr(spec.fallback)),
                        N_(
                            "%(hint)sdefine it under 'links:' (defined: %(links)s)",
                            hint="",
                            links=", ".join(scenario.links),
                        ),
                    )
                )
            elif spec.fallback == name:
                problems.append(
                    Problem(f"links.{name}.fallback", N_("a link cannot be its own fallback"))
                )
            elif scenario.links[spec.fallback].fallback is not None:
                problems.append(
                    Problem(
                        f"links.{name}.fallback",
                        N_("fallback %(link)s has a fallback of its own", link=repr(spec.fallback)),
                        N_("use a fallback link that is available from the start"),
                    )
                )
    problems += _shipment_checks(scenario)
    for i, flow in enumerate(scenario.flows):
        used = [n for n in flow.links if n in scenario.links]
        used += [scenario.links[n].fallback or "" for n in used if scenario.links[n].fallback]
        limited = [n for n in used if n in scenario.links and scenario.links[n].limits_records]
        if limited and flow.records is None:
            problems.append(
                Problem(
                    f"flows[{i}].records",
                    N_("is required: link %(link)s limits records", link=repr(limited[0])),
                    N_("give the number of records, e.g. 'records: 2 M'"),
                )
            )
    for path, group in _estimate_groups(scenario):
        if group not in scenario.correlation:
            problems.append(
                Problem(
                    f"{path}.group",
                    N_("undefined correlation group %(group)s", group=repr(group)),
                    N_(
                        "add it under 'correlation:', e.g. %(example)s",
                        example=f"'correlation: {{{group}: 0.8}}'",
                    ),
                )
            )
    for group, rho in scenario.correlation.items():
        if not 0 <= rho <= 1:
            problems.append(
                Problem(
                    f"correlation.{group}",
                    N_("must be in [0, 1], got %(value)s", value=repr(rho)),
                    N_("e.g. 0.8"),
                )
            )
    if scenario.go_live is not None and scenario.go_live <= scenario.start.date():
        problems.append(
            Problem(
                "go_live",
                N_(
                    "go-live %(go_live)s is not after the start %(start)s",
                    go_live=scenario.go_live,
                    start=scenario.start.date(),
                ),
                N_("give a go-live date after start"),
            )
        )
    return problems


def _shipment_checks(scenario: Scenario) -> list[Problem]:
    """A shipment link has no network keys, is no fallback, and is alone on a flow's path."""
    problems = []
    shipped = [name for name, spec in scenario.links.items() if spec.shipment is not None]
    for name in shipped:
        spec = scenario.links[name]
        for key in SHIPMENT_EXCLUDES:
            value = getattr(spec, key)
            if value is not None and not (key == "efficiency" and value == 1.0):
                problems.append(
                    Problem(
                        f"links.{name}.{key}",
                        N_(
                            "does not apply to a shipment link (it moves devices, not a "
                            "network stream), got %(value)s",
                            value=quoted(_shown(value)),
                        ),
                        N_("remove %(key)s, or describe the network as a link of its own", key=key),
                    )
                )
    for name, spec in scenario.links.items():
        if spec.fallback in shipped:
            problems.append(
                Problem(
                    f"links.{name}.fallback",
                    N_(
                        "%(link)s is a shipment link and cannot stand in for a network",
                        link=repr(spec.fallback),
                    ),
                    N_("use a network link as the fallback"),
                )
            )
    for i, flow in enumerate(scenario.flows):
        on_path = [n for n in flow.links if n in shipped]
        if on_path and len(flow.links) > 1:
            name = flow.label
            problems.append(
                Problem(
                    f"flows[{i}].links",
                    N_(
                        "shipment link %(link)s must be the only link on a flow's path, got "
                        "%(links)s",
                        link=repr(on_path[0]),
                        links=repr(list(flow.links)),
                    ),
                    N_(
                        "ship the bulk on one flow and send the rest on another, e.g. "
                        "'%(name)s bulk' with links: [%(link)s] and '%(name)s delta' with the "
                        "network links and after: ['%(name)s bulk']",
                        name=name,
                        link=on_path[0],
                    ),
                )
            )
    return problems


def _shown(value: object) -> object:
    """A key's value as the user wrote it, near enough for a message."""
    if isinstance(value, EstimateSpec):
        return {"low": value.low, "likely": value.likely, "high": value.high}
    if isinstance(value, BaseModel):
        return value.model_dump(exclude_defaults=True)
    return value


def _estimate_groups(scenario: Scenario) -> list[tuple[str, str]]:
    """(key path, group) of every estimate that names a correlation group."""
    found: list[tuple[str, str]] = []

    def visit(value: object, path: str) -> None:
        if isinstance(value, EstimateSpec):
            if value.group is not None:
                found.append((path, value.group))
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                if name == "limits" and isinstance(value, LinkSpec):
                    visit(value.limits, path)  # a registered rule's key is the link's own
                else:
                    visit(getattr(value, name), f"{path}.{name}" if path else name)
        elif isinstance(value, dict):
            for key, item in value.items():
                visit(item, f"{path}.{key}")
        elif isinstance(value, tuple):
            for index, item in enumerate(value):
                visit(item, f"{path}[{index}]")

    visit(scenario, "")
    return found


def parse_scenario(data: object, source: str | None = None) -> Scenario:
    """Validate a mapping (as read from YAML) into a :class:`Scenario`.

    ``source`` names the file in error messages. Raises :class:`ScenarioError` listing every
    problem found.
    """
    if data is None:
        raise ScenarioError(
            [
                Problem(
                    "",
                    N_("the scenario is empty"),
                    N_("give a mapping with name, start, links, flows"),
                )
            ],
            source,
        )
    if not isinstance(data, Mapping):
        raise ScenarioError(
            [
                Problem(
                    "",
                    N_(
                        "expected a mapping of keys (name, start, links, flows), got a %(type)s",
                        type=type(data).__name__,
                    ),
                    N_("see docs/scenario-format.md"),
                )
            ],
            source,
        )
    flows = data.get("flows")
    if isinstance(flows, (list, tuple)) and len(flows) > MAX_FLOWS:
        raise ScenarioError(
            [
                Problem(
                    "flows",
                    N_(
                        "%(n)s flows (inventory rows included), over the limit of %(limit)s",
                        n=f"{len(flows):,}",
                        limit=f"{MAX_FLOWS:,}",
                    ),
                    N_(
                        "split the programme into scenarios of at most %(limit)s flows, or group "
                        "small systems into one flow each",
                        limit=f"{MAX_FLOWS:,}",
                    ),
                )
            ],
            source,
        )
    rows = _inventory_rows(data)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_validation(exc)
        named = [_name_flow(_locate(p, rows), data, rows) for p in problems]
        raise ScenarioError(named, source) from None
    problems = _cross_checks(scenario)
    if not problems:
        problems = _option_checks(scenario, data)
    if problems:
        raise ScenarioError([_locate(p, rows) for p in problems], source)
    return scenario


def organisations_of(scenario: Scenario) -> dict[str, list[str]]:
    """Each organisation (in the order of its first flow) with its flows' names."""
    found: dict[str, list[str]] = {}
    for flow in scenario.flows:
        found.setdefault(flow.organisation_name, []).append(flow.label)
    return found


def option_assignments(option: OptionSpec, flows: list[str] | None) -> list[tuple[str, Any]]:
    """An option's ``(key path, value)`` changes for one organisation (its ``flows``: every
    key with ``{flow}`` once per flow), or for the programme (``flows`` None)."""
    out: list[tuple[str, Any]] = []
    for key, value in option.set.items():
        if FLOW_PLACEHOLDER in key and flows is not None:
            out += [(key.replace(FLOW_PLACEHOLDER, name), value) for name in flows]
        else:
            out.append((key, value))
    return out


def _option_checks(scenario: Scenario, data: Any) -> list[Problem]:
    """The options: unique names, organisations that exist, ``{flow}`` only where an option is
    chosen per organisation, and every key path applied (for the first organisation it may
    apply to) to a scenario that then validates."""
    from migrasim.scenario.overrides import apply_override, key_path_problem

    problems: list[Problem] = []
    for i, flow in enumerate(scenario.flows):
        if flow.go_live is not None and flow.go_live <= scenario.start.date():
            problems.append(
                Problem(
                    f"flows[{i}].go_live",
                    N_(
                        "go-live %(go_live)s is not after the start %(start)s",
                        go_live=flow.go_live,
                        start=scenario.start.date(),
                    ),
                    N_("give a go-live date after start"),
                )
            )
    for name, link in scenario.links.items():
        if link.draws_as is not None and link.draws_as not in scenario.links:
            problems.append(
                Problem(
                    f"links.{name}.draws_as",
                    N_("undefined link %(link)s", link=repr(link.draws_as)),
                    N_("name a link defined under 'links:'"),
                )
            )
    if not scenario.options:
        return problems
    organisations = organisations_of(scenario)
    names: set[str] = set()
    base = {k: v for k, v in data.items() if k != "options"} if isinstance(data, Mapping) else {}
    for i, option in enumerate(scenario.options):
        where = f"options[{i}]"
        before = len(problems)
        if option.name in names:
            problems.append(
                Problem(
                    f"{where}.name",
                    N_("duplicate option name %(name)s", name=repr(option.name)),
                    N_("give every option its own name"),
                )
            )
        names.add(option.name)
        each = option.each is not None
        for j, org in enumerate(option.flows or ()):
            if org not in organisations:
                close = difflib.get_close_matches(org, list(organisations), n=1)
                problems.append(
                    Problem(
                        f"{where}.flows[{j}]",
                        N_("no organisation named %(name)s", name=repr(org)),
                        N_("did you mean %(name)s?", name=repr(close[0]))
                        if close
                        else N_("name an organisation of the flows"),
                    )
                )
        if not each:
            for key, fix in (
                ("flows", N_("add 'each: organisation', or remove flows")),
                ("crew", N_("add 'each: organisation', or remove crew")),
            ):
                if getattr(option, key) is not None:
                    problems.append(
                        Problem(
                            f"{where}.{key}",
                            N_("applies to organisations, and the option is programme-wide"),
                            fix,
                        )
                    )
            for key in option.set:
                if FLOW_PLACEHOLDER in key:
                    problems.append(
                        Problem(
                            f'{where}.set."{key}"',
                            N_("{flow} stands for an organisation's flows, and the option is "
                               "programme-wide"),
                            N_("add 'each: organisation', or name the flow"),
                        )
                    )  # fmt: skip
        if len(problems) > before:
            continue
        eligible = [o for o in organisations if option.flows is None or o in option.flows]
        org = eligible[0]
        flows = organisations[org] if each else None
        variant: Any = base
        failed = False
        for key, value in option.set.items():
            for resolved, v in option_assignments(option.model_copy(update={"set": {key: value}}),
                                                  flows):  # fmt: skip
                try:
                    variant = apply_override(variant, resolved, v)
                except (KeyError, ValueError) as exc:
                    problem = key_path_problem(f'{where}.set."{key}"', exc)
                    problems.append(problem)
                    failed = True
                    break
        if failed:
            continue
        try:
            applied = parse_scenario(variant)
        except ScenarioError as exc:
            for inner in exc.problems:
                problems.append(
                    Problem(
                        _option_key(where, option, inner.key_path, flows, scenario),
                        N_(
                            "applied to %(organisation)s, %(where)s: %(problem)s",
                            organisation=repr(org),
                            where=inner.key_path,
                            problem=inner.problem,
                        ),
                        inner.fix,
                    )
                )
            continue
        if option.crew is not None:
            problems += _crew_checks(where, scenario, applied, organisations[org])
    return problems


def _crew_checks(where: str, before: Scenario, after: Scenario, flows: list[str]) -> list[Problem]:
    """A crew installs each organisation's own copy of a link: the links a crewed option puts
    on a flow's path must be per-flow (a shared link cannot be in for one organisation and
    not yet for another)."""
    old = {f.label: set(f.links) for f in before.flows}
    problems = []
    for flow in after.flows:
        if flow.label not in flows:
            continue
        for name in flow.links:
            if name not in old.get(flow.label, set()) and not after.links[name].per_flow:
                problems.append(
                    Problem(
                        f"{where}.crew",
                        N_(
                            "a crew installs each organisation's own copy of a link, and link "
                            "%(link)s is shared",
                            link=repr(name),
                        ),
                        N_("give the link 'per_flow: true', or remove crew"),
                    )
                )
    return problems


def _option_key(
    where: str, option: OptionSpec, inner: str, flows: list[str] | None, scenario: Scenario
) -> str:
    """The option's key path a problem of its applied scenario comes from (``inner`` is the
    problem's place there), else the option's ``set``."""
    labels = scenario.flow_names()
    for key in option.set:
        forms = {key}
        for name in flows or ():
            forms.add(key.replace(FLOW_PLACEHOLDER, name))
            if name in labels:
                forms.add(key.replace(FLOW_PLACEHOLDER, str(labels.index(name))))
        below = [(form, form + ".", form + "[", form + " ") for form in forms]
        if any(inner == b[0] or inner.startswith(b[1:]) for b in below):
            return f'{where}.set."{key}"'
    return f"{where}.set"


def _name_flow(problem: Problem, data: Mapping[Any, Any], rows: Mapping[int, Any]) -> Problem:
    """``flows[14].volume`` also names the flow: ``flows[14].volume (Cardiff)``, so a reader of
    a 29-flow file need not count to fourteen. Inventory rows already say file, row, column."""
    match = _FLOW_PATH.match(problem.key_path)
    flows = data.get("flows")
    if not match or not isinstance(flows, (list, tuple)):
        return problem
    index = int(match.group(1))
    if index in rows or index >= len(flows) or not isinstance(flows[index], Mapping):
        return problem
    flow = flows[index]
    name = flow.get("name") or (
        f"{flow.get('source')} -> {flow.get('target')}" if flow.get("source") else None
    )
    if not isinstance(name, str) or not name:
        return problem
    return Problem(f"{problem.key_path} ({quoted(name)[1:-1]})", problem.problem, problem.fix)


def scenario_json_schema() -> dict[str, Any]:
    """JSON Schema of the scenario format, for editors' autocompletion."""
    schema = Scenario.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "migrasim scenario"
    # 'flows' may be left out when 'flows_from' gives them (the loader merges the two).
    schema["required"] = [key for key in schema.get("required", []) if key != "flows"]
    schema["anyOf"] = [{"required": ["flows"]}, {"required": ["flows_from"]}]
    link = schema["$defs"]["LinkSpec"]["properties"]
    for rule in kinds.extra_rules():  # a registered capacity rule is a key of the link
        link[rule.key] = TypeAdapter(_UNIT_TYPES[rule.unit]).json_schema(mode="validation")
    return schema
