"""A toy uncertain input, written as a new kind's module in
``migrasim/analysis/uncertain_inputs/`` is: ``start_delay``, an uncertain extra delay before a
link can be used (so before the flows on it start), on top of its lead time or crew slot. This
module and its test are all the kind needs besides its scenario key (docs/design.md, "How to
add an uncertain input")."""

from __future__ import annotations

from typing import Any

import numpy as np

from migrasim.analysis.uncertain import UncertainInput, given_input
from migrasim.core import units
from migrasim.errors import N_


def after(available: Any, delay: Any) -> Any:
    """When the link can be used with ``delay`` more: that long after it could, or after the
    start (0) if it could from before (``-inf``: from the start); unchanged without a delay."""
    return np.where(delay > 0, np.maximum(available, 0.0) + delay, available)


KIND = UncertainInput(
    key="start_delay",
    owner="link",
    given=given_input("start_delay"),
    label=N_("start delay"),
    words="duration",
    parse=units.parse_duration,
    stream="start_delay",
    default=0.0,
    field="available",
    combine=after,
    unit="duration",
)
