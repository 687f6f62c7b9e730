"""The kinds the re-forecast and the history waterfall act on, read from the registries by
their ``track`` (:mod:`migrasim.core.tracking`): the uncertain inputs of
:data:`~migrasim.analysis.uncertain.UNCERTAIN_INPUTS` (the capacity rules of
:data:`~migrasim.core.kinds.CAPACITY_RULES` are iterated where a link is calibrated,
``track/links.py``), and their values on a scenario's ``FlowSpec`` / ``LinkSpec``, by key path
(``rejection.fraction`` is the ``fraction`` of a flow's ``rejection``).

A kind is acted on when it declares a track and the scenario has its key: its first part is a
field of the spec, or it is a registered kind's key (:attr:`UncertainInput.scenario_key`), kept
by key in the spec's ``inputs``; a kind with ``track=None`` is taken as the scenario gives it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from migrasim.analysis.uncertain import UNCERTAIN_INPUTS, UncertainInput
from migrasim.core.tracking import Part, Track
from migrasim.scenario.types import FlowSpec, LinkSpec, likely_of

Owner = Literal["flow", "link"]
_SPECS: dict[str, Any] = {"flow": FlowSpec, "link": LinkSpec}


INPUTS = "inputs"
"""The spec's field that keeps a registered kind's value by its key (``FlowSpec.inputs``,
``LinkSpec.inputs``)."""


def spec_field(kind: UncertainInput) -> str:
    """The spec's field that holds ``kind``: the first part of its key path, or ``inputs`` for
    a registered kind (kept there by key)."""
    return INPUTS if kind.scenario_key is not None else kind.key.split(".", 1)[0]


def kinds(
    owner: Owner, part: Part | None = None, test: Callable[[Track], bool] | None = None
) -> list[UncertainInput]:
    """The kinds of a flow's or a link's inputs that declare a track, on the spec (registry
    order); only those counted in ``part``, and those whose track passes ``test``."""
    found = []
    for kind in UNCERTAIN_INPUTS:
        track = kind.track
        if (
            kind.owner != owner
            or track is None
            or spec_field(kind) not in _SPECS[owner].model_fields
        ):
            continue
        if (part is None or track.part == part) and (test is None or test(track)):
            found.append(kind)
    return found


def fields(
    owner: Owner, part: Part | None = None, test: Callable[[Track], bool] | None = None
) -> tuple[str, ...]:
    """The spec fields of :func:`kinds` (each once, registry order)."""
    return tuple(dict.fromkeys(spec_field(k) for k in kinds(owner, part, test)))


def calibrated(owner: Owner, how: str) -> list[UncertainInput]:
    """The kinds of a flow's or a link's inputs the log re-estimates by ``how``."""
    return kinds(owner, test=lambda t: t.calibration == how)


def backlog() -> str:
    """The flow's field of its backlog: the one kind conditioned on what has crossed."""
    (found,) = fields("flow", test=lambda t: t.calibration == "backlog")
    return found


def value(spec: Any, kind: UncertainInput) -> Any:
    """``kind``'s value (or estimate) on a spec, None if not given."""
    if kind.scenario_key is not None:
        return dict(getattr(spec, INPUTS)).get(kind.key)
    out = spec
    for name in kind.key.split("."):
        out = getattr(out, name, None)
        if out is None:
            return None
    return out


def with_value(
    spec: Any, kind: UncertainInput, new: Any, update: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The ``model_copy`` update putting ``new`` in for ``kind`` on a spec (a part of a record
    set in a copy of the record; a registered kind's value by its key in a copy of the spec's
    ``inputs``, taken out when ``new`` is None), on top of the pending ``update``."""
    if kind.scenario_key is not None:
        inputs = dict((update or {}).get(INPUTS, getattr(spec, INPUTS)))
        inputs.pop(kind.key, None)
        return {INPUTS: inputs if new is None else {**inputs, kind.key: new}}
    return _with(spec, kind.key.split("."), new)


def _with(spec: Any, path: list[str], new: Any) -> dict[str, Any]:
    head, *rest = path
    if not rest:
        return {head: new}
    record = getattr(spec, head)
    return {head: record.model_copy(update=_with(record, rest, new))}


def done_fields(flow: Any = None) -> dict[str, Any]:
    """A complete ``flow``'s fields: nothing left (each tracked flow kind's ``done`` value; a
    registered kind's in a copy of the flow's ``inputs``, so only given ``flow``)."""
    out: dict[str, Any] = {}
    for kind in kinds("flow"):
        assert kind.track is not None
        if kind.scenario_key is not None:
            if flow is None:
                continue
            out.update(with_value(flow, kind, kind.track.done, out))
        else:
            out.setdefault(spec_field(kind), kind.track.done)
    return out


def copied(spec: Any, source: Any, found: Iterable[UncertainInput]) -> dict[str, Any]:
    """The ``model_copy`` update taking each kind of ``found`` from ``source`` onto ``spec``: a
    built-in kind's whole spec field, a registered kind's value by its key."""
    out: dict[str, Any] = {}
    for kind in found:
        if kind.scenario_key is not None:
            out.update(with_value(spec, kind, value(source, kind), out))
        else:
            out[spec_field(kind)] = getattr(source, spec_field(kind))
    return out


def per_rate() -> list[UncertainInput]:
    """The flow's kinds in its bytes: divided by its rate factor when it moves at it."""
    return kinds("flow", test=lambda t: t.per_rate)


def grown(flow: Any, seconds: float) -> float:
    """What the flow's backlog grew by in ``seconds`` from its start, at the most likely rate
    of each kind that grows it."""
    total = 0.0
    for kind in kinds("flow", test=lambda t: t.grows_backlog):
        rate = value(flow, kind)
        if rate is not None:
            total += likely_of(rate) * seconds
    return total
