"""A toy capacity rule, written as a new rule's module in ``migrasim/core/capacity_rules/`` is:
``peak_rate``, the most bytes per second the target takes whatever the line (a ceiling on the
link's byte rate while its window is open). This module and its test are all the rule needs
(docs/design.md, "How to add a capacity rule")."""

from __future__ import annotations

from migrasim.core.kinds import CapacityRule, WhatIf
from migrasim.errors import N_

RULE = CapacityRule(
    key="peak_rate",
    measure="bytes",
    per="second",
    unit="rate",
    label=N_("peak rate"),
    advice_unit="Mbit/s",
    per_advice_unit=1e6 / 8,
    what_if=WhatIf(),  # a lever of the what-if page on every link, set or not
)
