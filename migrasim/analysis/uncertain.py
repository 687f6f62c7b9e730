"""Uncertain inputs as objects: each uncertain input of a flow or link that is not a capacity
rule (those are :mod:`migrasim.core.kinds`) is one :class:`UncertainInput` in
:data:`UNCERTAIN_INPUTS`.

A kind declares everything about itself the decision modules need: its key path under its
flow or link (``flows[NAME].<key>`` in the tornado, ``links.NAME.<key>``), whose it is (a
flow's or a link's), the value or estimate as given (read from the compiled
``FlowEstimates`` / ``LinkEstimates``), the name of its random sub-stream, its value when not
given, the field (and part of a record) of :class:`~migrasim.core.model.Inputs` and of
``BlockInputs`` it fills, how a drawn column is finished (a lead time is the later of it and a
crew's slot), its words (label and unit), how ``solve`` parses a value of it, what relieving
it means for the binding constraint, and how ``track`` re-estimates it from the transfer log and
where the history waterfall counts its change (:attr:`UncertainInput.track`,
:mod:`~migrasim.core.tracking`). The decision modules iterate the registry:
``analysis/draws.py`` (:func:`draw_columns`, the one draw both samplers use),
``sensitivity.py`` (``uncertain_inputs``, ``with_inputs``), ``board.py``
(``binding_constraint``), ``solve.py`` (``Scale.si``), ``track/`` and ``history.py`` (the
re-forecast and its waterfall, through :mod:`migrasim.analysis.track.tracked`) and
``render/board.py`` (words).

Random outages (``outages.mtbf``, ``outages.mttr``) are kinds too, for their words and units;
they are drawn as a renewal process per link instance (``draws._outages``), not as a column,
and are not swung (they have no single low or high value).

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any, Literal

import numpy as np

from migrasim.core import units
from migrasim.core.capacity import INF
from migrasim.core.distributions import Estimate
from migrasim.core.kinds import WhatIf, load_modules
from migrasim.core.model import Inputs, Model, Rejection, Value, baseline_inputs
from migrasim.core.tracking import CALIBRATION, PROGRESS, REESTIMATES, Track
from migrasim.errors import N_, Message
from migrasim.scenario.model import declare_input
from migrasim.scenario.registered import InputKey, withdraw

Draw = Callable[[Value | None, str, float], np.ndarray]
"""Draws one input for every row of a block: (value or estimate as given, or None; the key of
its sub-stream; its value when not given) -> a column (``draws._Streams``)."""

Words = Literal["size", "size_per_day", "share", "duration", "number"]
"""How a value is put in words: bytes, bytes per second as a day's worth, a share (percent),
a duration, a plain number."""


@dataclass(frozen=True)
class UncertainInput:
    """One kind of uncertain input of a flow or a link (see the module docstring)."""

    key: str  # key path under the flow or link, e.g. "rejection.delay", "shipment.turnaround"
    owner: Literal["flow", "link"]
    given: Callable[[Any], Value | None]  # from FlowEstimates / LinkEstimates (None: not set)
    label: Message  # the tornado's and the board's words, e.g. "remediation delay"
    words: Words
    parse: Callable[[object], float] | None = None  # a value as `solve` takes it (None: number)
    stream: str | None = None  # its sub-stream's leaf (flows[NAME].<stream>); None: no column
    default: float = 0.0  # its value when not given
    field: str | None = None  # its field on Inputs (None: not a column)
    part: str | None = None  # ... the part of that field's record (a rejection's fraction)
    block_field: str | None = None  # its field on BlockInputs (default: ``field``)
    finish: Callable[[np.ndarray, Model, int, bool], np.ndarray] | None = None
    # a drawn column finished: (column, model, flow or link index, given?) -> column
    record: Callable[..., Any] | None = None  # the record type of a field with parts
    relief: str | None = None  # the binding constraint it names when relieved ("lead_time")
    relieved: float = 0.0  # its value when relieved
    relief_rank: int = 9  # the binding constraint prefers the relief of least rank on a tie
    relief_words: Message | None = None  # the binding constraint named by its relief
    relief_gain: Message | None = None  # the days relieving it saves (``%(days)s``)
    moves: Message | None = None  # its words when its most likely value moves the baseline
    # (the board's "finish dates also reflect ..."); None: not said
    adds_data: bool = False  # ... and it adds to the data moved (growth, re-sent rejections)
    what_if: WhatIf | None = None  # a lever of the what-if page (None: not one)
    swung: bool = True  # in the tornado
    combine: Callable[[Any, Any], Any] | None = None  # a registered kind's value combined onto
    # ``field`` as the kinds before it left it (an extra delay onto ``available``, say);
    # None: it sets the field
    track: Track | None = None  # how `track` re-estimates it and where the history waterfall
    # counts its change (:mod:`migrasim.core.tracking`); None: taken as the scenario gives it
    unit: str | None = None  # a registered kind's scenario key ``key`` on each flow or link:
    # how its value is written and validated ("duration", "size", "rate", "share", ...: a
    # value or a three-point estimate; ``scenario/registered.py``); None: a built-in field

    @property
    def scenario_key(self) -> InputKey | None:
        """Its key in a scenario, if the scenario layer takes it generically (None: a
        built-in kind, whose key is a field of ``FlowSpec`` / ``LinkSpec``)."""
        return None if self.unit is None else InputKey(self.key, self.owner, self.unit)

    @property
    def leaf(self) -> str:
        """The last part of its key ("delay"): how a setting's words find it."""
        return self.key.rsplit(".", 1)[-1]

    @property
    def column(self) -> str | None:
        """Its field on ``BlockInputs`` (None: not drawn as a column)."""
        return self.block_field or self.field

    def estimates(self, model: Model, index: int) -> Any:
        """The ``FlowEstimates`` or ``LinkEstimates`` of flow or link ``index``."""
        owners = model.flows if self.owner == "flow" else model.links
        return owners[index].estimates

    def stream_key(self, model: Model, index: int) -> str:
        """The key of its sub-stream for flow or link ``index`` (``flows[Cardiff].volume``,
        ``links[wired].lead_time``): the same in both samplers and every scenario."""
        if self.owner == "flow":
            return f"flows[{model.flows[index].name}].{self.stream}"
        return f"links[{model.links[index].stream}].{self.stream}"

    def path(self, model: Model, index: int) -> str:
        """Its key path in the tornado (``flows[Cardiff].volume``, ``links.wired.lead_time``)."""
        if self.owner == "flow":
            return f"flows[{model.flows[index].name}].{self.key}"
        return f"links.{model.links[index].name}.{self.key}"

    def draw(self, model: Model, index: int, draw: Draw) -> np.ndarray:
        """THE draw of this input for flow or link ``index``: every sampler calls it."""
        given = self.given(self.estimates(model, index))
        drawn = draw(given, self.stream_key(model, index), self.default)
        if self.finish is not None:
            drawn = self.finish(drawn, model, index, given is not None)
        return drawn

    def likely(self, model: Model, index: int) -> float | None:
        """Its most likely value for flow or link ``index`` (None: not given)."""
        given = self.given(self.estimates(model, index))
        if given is None:
            return None
        return given.likely if isinstance(given, Estimate) else float(given)

    def relieves(self, model: Model, inputs: Any, index: int) -> bool:
        """Relieving it changes flow or link ``index``'s run (the binding constraint's case)."""
        if self.relief is None:
            return False
        if self.field == "rejection":  # a delay matters only where records are rejected
            record = inputs.rejection[index]
            return bool(record.fraction > 0 and getattr(record, str(self.part)) > 0)
        return self.given(self.estimates(model, index)) is not None


def _lead_time(drawn: np.ndarray, model: Model, index: int, given: bool) -> np.ndarray:
    """A lead time: the later of it and a crew's slot; not given, when the link can be used."""
    link = model.links[index]
    if not given:
        return np.full(drawn.shape, link.available)
    if link.not_before > -INF:
        return np.asarray(np.maximum(drawn, link.not_before))
    return drawn


VOLUME = UncertainInput(
    "volume", "flow", lambda e: e.volume, N_("volume"), "size", units.parse_size, "volume", INF,
    "volume", what_if=WhatIf(group="volumes"),
    track=Track(REESTIMATES, "backlog", done=1.0, per_rate=True, edited_as=REESTIMATES),
)  # fmt: skip
GROWTH = UncertainInput(
    "growth", "flow", lambda e: e.growth, N_("growth"), "size_per_day", units.parse_rate,
    "growth", 0.0, "growth", moves=N_("growth"), adds_data=True,
    track=Track(PROGRESS, per_rate=True, grows_backlog=True, edited_as=REESTIMATES),
)  # fmt: skip
REJECTION_FRACTION = UncertainInput(
    "rejection.fraction", "flow", lambda e: e.rejection_fraction,
    N_("share of records rejected"), "share", None, "rejection.fraction", 0.0, "rejection",
    "fraction", "fraction", record=Rejection, moves=N_("re-sent rejections"), adds_data=True,
    track=Track(PROGRESS, "rework"),
)  # fmt: skip
REJECTION_DELAY = UncertainInput(
    "rejection.delay", "flow", lambda e: e.rejection_delay, N_("remediation delay"),
    "duration", units.parse_duration, "rejection.delay", 0.0, "rejection", "delay_s", "delay",
    record=Rejection, relief="remediation", relief_rank=1, track=Track(PROGRESS),
    relief_words=N_("Remediation of rejected records"),
    relief_gain=N_(
        "With no remediation delay for rejected records the programme would finish %(days)s "
        "days earlier at the most likely inputs."
    ),
)  # fmt: skip
LEAD_TIME = UncertainInput(
    "lead_time", "link", lambda e: e.lead_time, N_("install lead time"), "duration",
    units.parse_duration, "lead_time", 0.0, "available", finish=_lead_time,
    relief="lead_time", relieved=-INF, relief_rank=0, relief_words=N_("Install lead time"),
    track=Track(PROGRESS, "elapsed"),
    moves=N_("install lead times"), what_if=WhatIf(label=N_("Lead time")),
    relief_gain=N_(
        "With no install lead time the programme would finish %(days)s days earlier at the most "
        "likely inputs."
    ),
)  # fmt: skip
TURNAROUND = UncertainInput(
    "shipment.turnaround", "link", lambda e: e.turnaround, N_("shipment turnaround"),
    "duration", units.parse_duration, "turnaround", INF, "turnaround",
    track=Track(CALIBRATION, "arrivals"),
)  # fmt: skip
MTBF = UncertainInput(
    "outages.mtbf", "link", lambda e: e.mtbf, N_("time between outages"), "duration",
    units.parse_duration, swung=False, track=Track(CALIBRATION, "down_days"),
    what_if=WhatIf(always=False, label=N_("Time between outages")),
)  # fmt: skip
MTTR = UncertainInput(
    "outages.mttr", "link", lambda e: e.mttr, N_("time to restore after an outage"), "duration",
    units.parse_duration, swung=False, track=Track(CALIBRATION, "down_days"),
)  # fmt: skip

UNCERTAIN_INPUTS: list[UncertainInput] = [
    VOLUME, GROWTH, REJECTION_FRACTION, REJECTION_DELAY, LEAD_TIME, TURNAROUND, MTBF, MTTR,
]  # fmt: skip
"""Every uncertain input kind, in the order the tornado lists a flow's or a link's."""


def given_input(key: str) -> Callable[[Any], Value | None]:
    """How a registered kind reads its value as given: by ``key`` from the ``inputs`` of a
    ``FlowEstimates`` or ``LinkEstimates``."""
    return lambda estimates: dict(estimates.inputs).get(key)


def baseline(model: Model) -> Inputs:
    """Every input at its most likely value (``baseline_inputs``), with each registered kind
    that combines onto a field (:attr:`UncertainInput.combine`) combined in."""
    base = baseline_inputs(model)
    combined = base
    for field in dict.fromkeys(k.field for k in UNCERTAIN_INPUTS if k.combine is not None):
        if field is None:
            continue
        count = len(getattr(base, field))
        values = tuple(field_value(model, base, field, i, {}) for i in range(count))
        changed: dict[str, Any] = {field: values}
        combined = replace(combined, **changed)
    return combined


def combining(field: str) -> list[UncertainInput]:
    """The kinds that combine onto ``field`` of ``Inputs`` (:attr:`UncertainInput.combine`), in
    registry order: the order :func:`baseline` and the draw combine them in."""
    return [k for k in UNCERTAIN_INPUTS if k.combine is not None and k.field == field]


def field_value(
    model: Model, base: Inputs, field: str, index: int, values: Mapping[UncertainInput, float]
) -> float:
    """THE value of ``field`` of flow or link ``index`` with the kinds of ``values`` at those
    values and every other kind at its most likely: the value of the kind that sets the field
    (its value in ``values``, else ``base``'s, the most likely inputs without the combining
    kinds: ``baseline_inputs``), then each kind that combines onto it (:func:`combining`) at its
    value in ``values``, else at its most likely (not given: not combined). So swinging or
    relieving one kind of a field keeps the others': a lead time relieved on a link with a
    start delay still waits for the delay, and the delay swung still follows the lead time."""
    setting = next((k for k in values if k.combine is None), None)
    value = float(values[setting] if setting is not None else getattr(base, field)[index])
    for kind in combining(field):
        part = values.get(kind, kind.likely(model, index))
        if part is not None:
            value = float(kind.combine(value, part))  # type: ignore[misc]
    return value


def register(kind: UncertainInput) -> UncertainInput:
    """Add ``kind`` to the registry (a new kind's module calls this when imported)."""
    if any(k.owner == kind.owner and k.key == kind.key for k in UNCERTAIN_INPUTS):
        raise ValueError(f"uncertain input {kind.key!r} is registered already")
    if kind.scenario_key is not None:  # its key on every flow or link, validated in its unit
        declare_input(kind.scenario_key)
    UNCERTAIN_INPUTS.append(kind)
    return kind


def unregister(kind: UncertainInput) -> None:
    """Take ``kind`` out of the registry again (tests)."""
    UNCERTAIN_INPUTS.remove(kind)
    if kind.scenario_key is not None:
        withdraw(kind.scenario_key)


def of(owner: Literal["flow", "link"]) -> list[UncertainInput]:
    """The kinds of a flow's or a link's inputs, in registry order."""
    return [k for k in UNCERTAIN_INPUTS if k.owner == owner]


def drawn(owner: Literal["flow", "link"]) -> list[UncertainInput]:
    """The kinds of a flow's or link's inputs drawn as a column, in registry order."""
    return [k for k in of(owner) if k.column is not None]


def columns() -> list[UncertainInput]:
    """The kinds that set a column of ``BlockInputs`` (not those combined onto one), in
    registry order: one per column."""
    return [k for k in UNCERTAIN_INPUTS if k.column is not None and k.combine is None]


def row_fields(block: Any, row: int) -> dict[str, Any]:
    """Row ``row`` of a ``BlockInputs``' uncertain-input columns as the keywords of
    ``Inputs`` (a field with parts, a rejection, as a tuple of its records)."""
    fields: dict[str, Any] = {}
    records: dict[str, tuple[UncertainInput, dict[str, list[float]]]] = {}
    for kind in columns():
        assert kind.field is not None
        assert kind.column is not None
        column = getattr(block, kind.column)
        values = [] if column is None else column[row].tolist()
        if kind.part is None:
            fields[kind.field] = tuple(values)
        else:
            records.setdefault(kind.field, (kind, {}))[1][kind.part] = values
    for name, (kind, parts) in records.items():
        assert kind.record is not None
        record = kind.record
        fields[name] = tuple(
            record(**dict(zip(parts, values, strict=True)))
            for values in zip(*parts.values(), strict=True)
        )
    return fields


def input_of(key: str) -> UncertainInput | None:
    """The kind whose key path (under its flow or link) is ``key``, or whose key ends in
    ``.key`` ("delay", "turnaround", "mtbf"); None if none."""
    exact = next((k for k in UNCERTAIN_INPUTS if k.key == key), None)
    if exact is not None:
        return exact
    return next((k for k in UNCERTAIN_INPUTS if k.leaf == key), None)


def load_inputs(package: ModuleType) -> list[UncertainInput]:
    """Register the ``KIND`` of every module of ``package`` (in name order), as
    :mod:`migrasim.analysis.uncertain_inputs` is loaded below: a new kind is a new module there.
    Returns the kinds registered."""
    return load_modules(package, "KIND", register)


def reliefs() -> list[UncertainInput]:
    """The kinds whose relief the binding constraint weighs, by rank."""
    return sorted((k for k in UNCERTAIN_INPUTS if k.relief), key=lambda k: k.relief_rank)


def relief_of(relief: str) -> UncertainInput | None:
    """The kind whose relief is ``relief`` (a ``Binding``'s kind), or None."""
    return next((k for k in UNCERTAIN_INPUTS if k.relief == relief), None)


from migrasim.analysis import uncertain_inputs  # noqa: E402 - its modules import this one

load_inputs(uncertain_inputs)
