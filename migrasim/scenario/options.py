"""Options: the changes ``migrasim plan`` may choose (``options:``) and their crews."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    Field,
)

from migrasim.scenario.fields import (
    Duration,
    _Model,
)


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
