"""What the shipment solver carries on a component's state: devices and shipments in flight.

Its own module so that :class:`~migrasim.core.solvers.component.State` can hold one without
importing the solver (:mod:`migrasim.core.solvers.shipment`). Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from migrasim.core.calendar import SimTime

Owner = tuple[int, int]
"""A pool of devices: (link, flow) for a per-flow link, (link, -1) for a shared one."""


@dataclass(frozen=True)
class Shipment:
    """One device out: when it delivers, whose pool it belongs to, and its load per flow."""

    arrives: SimTime
    owner: Owner
    load: tuple[tuple[int, float], ...]


@dataclass
class Ledger:
    """What the shipment solver carries between calls besides the component's state."""

    unshipped: dict[int, float]  # flow -> bytes waiting at the source, not yet shipped
    cut: set[int]  # flows whose last waiting bytes have left (their source is cut over)
    devices: dict[Owner, list[float]]  # pool -> when each device is back (-inf: never out)
    out: list[Shipment]  # shipments in flight, earliest delivery first

    def copy(self) -> Ledger:
        return Ledger(
            dict(self.unshipped),
            set(self.cut),
            {k: list(v) for k, v in self.devices.items()},
            list(self.out),
        )
