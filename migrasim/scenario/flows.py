"""Flows: the migrations of a scenario (``flows:``), and inventories of flows (``flows_from``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import (
    Field,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from migrasim.errors import quoted
from migrasim.scenario.calendar import (
    LocalDate,
    LocalDateTime,
)
from migrasim.scenario.estimates import (
    UncertainRate,
    UncertainSize,
)
from migrasim.scenario.fields import (
    Count,
    _fail,
    _Model,
)
from migrasim.scenario.links import (
    RejectionSpec,
)
from migrasim.scenario.registered import input_keys, take_registered

PROGRAMME_ROW = "ALL"
"""The row every output gives the whole programme: no flow may be called that."""


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
    inputs: SkipJsonSchema[dict[str, Any]] = Field(
        default_factory=dict,
        description="(not a key) the values of uncertain inputs registered beyond the built-in "
        "ones (migrasim.analysis.uncertain), each written as its own key on the flow",
    )

    @model_validator(mode="before")
    @classmethod
    def _registered_inputs(cls, data: Any) -> Any:
        """Each registered uncertain input's key on a flow, validated by its unit, into
        ``inputs``; ``inputs`` itself is not a key a scenario may write."""
        found = [(k.key, k.unit, "inputs") for k in input_keys("flow")]
        return take_registered(data, found, ("inputs",), flow_keys)

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


def flow_keys() -> list[str]:
    """The keys a flow may have: its fields and every registered uncertain input's."""
    return [k for k in FlowSpec.model_fields if k != "inputs"] + [k.key for k in input_keys("flow")]


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
