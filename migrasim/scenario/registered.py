"""Keys of kinds registered beyond the built-in fields: a scenario writes them as keys of a link
or a flow like any other, and the models keep their values by key.

Two registries reach the scenario format: the capacity rules of :mod:`migrasim.core.kinds`
(a link's keys, kept in ``LinkSpec.limits``) and the uncertain inputs of
:mod:`migrasim.analysis.uncertain`, whose scenario keys are declared here
(:data:`INPUT_KEYS`) when a kind is registered, since the scenario layer does not import the
analysis layer (a link's or a flow's keys, kept in their ``inputs``). :func:`take_registered`
validates both alike: each value in its unit, a bad one reported at its own key path
(``links.capped.start_delay``, ``flows[0].start_delay.low``) with the unit's words, as a
built-in key's would be.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from migrasim.errors import N_
from migrasim.scenario.estimates import _UNIT_TYPES
from migrasim.scenario.fields import _key_error

Owner = Literal["flow", "link"]


@dataclass(frozen=True)
class InputKey:
    """A registered uncertain input's scenario key: ``key`` on each ``owner`` (a flow or a
    link), its value in ``unit`` (a key of ``estimates._UNIT_TYPES``: "duration", "size",
    "share"...), a plain value or a three-point estimate."""

    key: str
    owner: Owner
    unit: str


INPUT_KEYS: list[InputKey] = []
"""Every registered uncertain input's scenario key, in registration order (filled by
``analysis.uncertain.register``)."""


def input_keys(owner: Owner) -> list[InputKey]:
    """The registered uncertain inputs' keys on a flow or a link, in registration order."""
    return [k for k in INPUT_KEYS if k.owner == owner]


def declare(key: InputKey, taken: Iterable[str]) -> None:
    """Add ``key`` (a kind being registered); ``taken`` are the keys its owner has already
    (its fields, the registered rules' keys), which a registered key may not shadow."""
    if key.unit not in _UNIT_TYPES:
        raise ValueError(f"unit {key.unit!r} of {key.key!r} is not one of {sorted(_UNIT_TYPES)}")
    if not key.key.isidentifier():
        raise ValueError(f"scenario key {key.key!r} must be one plain key (no dots)")
    if key.key in set(taken) or key in INPUT_KEYS:
        raise ValueError(f"scenario key {key.key!r} is a {key.owner}'s key already")
    INPUT_KEYS.append(key)


def withdraw(key: InputKey) -> None:
    """Take ``key`` out again (a kind unregistered)."""
    INPUT_KEYS.remove(key)


def take_registered(
    data: Any,
    found: Iterable[tuple[str, str, str]],
    reserved: Sequence[str],
    allowed: Callable[[], list[str]],
) -> Any:
    """A flow's or a link's raw mapping ``data`` with the registered keys ``found`` ((key, unit,
    where kept) triples) taken out, validated in their units, and kept by key under their
    field (``limits``, ``inputs``); those fields, ``reserved``, are no keys a scenario may write
    (``allowed()``: the keys it may). Every bad value is reported at its key path, as pydantic
    reports a field's."""
    if not isinstance(data, Mapping):
        return data  # pydantic reports it
    found = [entry for entry in found if entry[0] in data]
    if not found and not any(into in data for into in reserved):
        return data  # nothing registered written: as it is (and no copy)
    data = dict(data)
    for into in reserved:
        if into in data:
            keys = ", ".join(allowed())
            raise _key_error(into, N_("unknown key"), N_("allowed keys: %(keys)s", keys=keys))
    values: dict[str, dict[str, Any]] = {}
    errors: list[InitErrorDetails] = []
    for key, unit, into in found:
        value = data.pop(key)
        try:
            validated = TypeAdapter(_UNIT_TYPES[unit]).validate_python(value)
        except ValidationError as exc:
            errors.extend(_at(key, e) for e in exc.errors(include_url=False))
        else:
            values.setdefault(into, {})[key] = validated
    if errors:
        raise ValidationError.from_exception_data("registered keys", errors)
    data.update(values)  # a field unset stays unset: the fields set are the keys the file wrote
    return data


def _at(key: str, error: Any) -> InitErrorDetails:
    """Pydantic's ``error`` of a registered key's value, at ``key``'s path below its owner."""
    ctx = error.get("ctx")
    kind = error["type"]
    if kind == "migrasim":  # ours (``fields._fail``): its problem and fix kept as they are
        kind = PydanticCustomError("migrasim", "{problem}", ctx)
    details = InitErrorDetails(type=kind, loc=(key, *error["loc"]), input=error["input"])
    if ctx is not None:
        details["ctx"] = ctx
    return details
