"""The parts of a link (``links:``): its outages, rejections and shipped media."""

from __future__ import annotations

from pydantic import (
    Field,
    model_validator,
)

from migrasim.errors import N_
from migrasim.scenario.calendar import (
    Period,
)
from migrasim.scenario.estimates import (
    UncertainDuration,
    UncertainFraction,
)
from migrasim.scenario.fields import (
    Size,
    _fail,
    _Model,
)


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
