"""The whole scenario (:class:`Scenario`, the root of the format), its links (:class:`LinkSpec`),
and pydantic's validation errors as :class:`~migrasim.errors.Problem` s.

The three live together: a link validates each registered capacity rule's value and reports
its problem as the scenario's would be, and a problem of an unknown key lists the keys
allowed under its model, the scenario's and the link's among them.
"""

from __future__ import annotations

import contextlib
import difflib
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from migrasim.core import kinds
from migrasim.errors import N_, Message, Problem, quoted
from migrasim.scenario.calendar import (
    CalendarSpec,
    LocalDate,
    LocalDateTime,
    Window,
)
from migrasim.scenario.estimates import (
    ESTIMATE_TAG,
    VALUE_TAG,
    EstimateSpec,
    UncertainCountRate,
    UncertainDaily,
    UncertainDailyCount,
    UncertainDuration,
    UncertainRate,
    UncertainShare,
    weekly,
)
from migrasim.scenario.fields import (
    Duration,
    _fail,
    _Model,
)
from migrasim.scenario.flows import (
    FlowSpec,
    InventorySource,
    InventorySpec,
    flow_keys,
)
from migrasim.scenario.links import (
    OutageSpec,
    ShipmentSpec,
)
from migrasim.scenario.options import (
    CrewSpec,
    OptionSpec,
)
from migrasim.scenario.registered import InputKey, declare, input_keys, take_registered


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
    profiles: SkipJsonSchema[dict[str, tuple[float, ...]]] = Field(
        default_factory=dict,
        description="(not a key) a rule given one size per weekday: the seven sizes, Monday "
        "first (0: left out); its value in limits is the largest",
    )

    inputs: SkipJsonSchema[dict[str, Any]] = Field(
        default_factory=dict,
        description="(not a key) the values of uncertain inputs registered beyond the built-in "
        "ones (migrasim.analysis.uncertain), each written as its own key on the link",
    )

    @model_validator(mode="before")
    @classmethod
    def _registered_keys(cls, data: Any) -> Any:
        """Each registered capacity rule's key (``core.kinds``) into ``limits`` and each
        registered uncertain input's (``analysis.uncertain``) into ``inputs``, validated by
        their units; ``limits``, ``inputs`` and ``profiles`` themselves are no keys a scenario
        may write. A size per weekday is kept whole in ``profiles``: its value in ``limits``
        is its largest day's, the other days in proportion (``core.kinds``)."""
        found: list[tuple[str, str, str]] = [(r.key, r.unit, "limits") for r in kinds.extra_rules()]
        found += [(k.key, k.unit, "inputs") for k in input_keys("link")]
        data = take_registered(data, found, ("limits", "inputs", "profiles"), _link_keys)
        if not isinstance(data, Mapping) or not data.get("limits"):
            return data
        limits, profiles = dict(data["limits"]), {}
        for key, value in data["limits"].items():
            if isinstance(value, dict):
                profiles[key] = weekly(value)
                limits[key] = max(profiles[key])
        return {**data, "limits": limits, "profiles": profiles} if profiles else data

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
        for rule in kinds.CAPACITY_RULES:
            for other in map(kinds.rule_of, rule.excludes):
                if other and self.limit(rule) is not None and self.limit(other) is not None:
                    raise _fail(N_("give %(one)s or %(other)s, not both", one=rule.key,
                                   other=other.key), N_("remove one"))  # fmt: skip
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


def organisations_of(scenario: Scenario) -> dict[str, list[str]]:
    """Each organisation (in the order of its first flow) with its flows' names."""
    found: dict[str, list[str]] = {}
    for flow in scenario.flows:
        found.setdefault(flow.organisation_name, []).append(flow.label)
    return found


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
    for part in loc[:-1]:  # down the models the key path names (an index stays in one)
        if isinstance(part, str):
            model = _NESTED.get((model, part), model)
    if model is LinkSpec:
        return _link_keys()
    if model is FlowSpec:
        return flow_keys()
    return list(model.model_fields)


_NESTED: dict[tuple[type[BaseModel], str], type[BaseModel]] = {
    (Scenario, "flows"): FlowSpec,
    (Scenario, "links"): LinkSpec,
    (LinkSpec, "shipment"): ShipmentSpec,
    (Scenario, "calendar"): CalendarSpec,
    (Scenario, "flows_from"): InventorySpec,
    (Scenario, "options"): OptionSpec,
    (OptionSpec, "crew"): CrewSpec,
}
"""The model a key of a model holds (``flows`` of the scenario: a ``FlowSpec``...)."""


def _link_keys() -> list[str]:
    """The keys a link may have: its fields, every registered capacity rule's and every
    registered uncertain input's."""
    fields = [k for k in LinkSpec.model_fields if k not in ("limits", "inputs", "profiles")]
    return fields + [r.key for r in kinds.extra_rules()] + [k.key for k in input_keys("link")]


def declare_input(key: InputKey) -> None:
    """Make a registered uncertain input's ``key`` a key of every flow or link (called by
    ``analysis.uncertain.register``); it may not shadow a key they have already."""
    declare(key, flow_keys() if key.owner == "flow" else _link_keys())


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
