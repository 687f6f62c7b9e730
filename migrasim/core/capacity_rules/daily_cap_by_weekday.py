"""``daily_cap_by_weekday``: the most bytes a link moves on each weekday, e.g. ``{Mon: 1 GB,
..., Fri: 1 GB, Sat: 5 GB, Sun: 5 GB}`` (a supplier that allows more at weekends). A window's
quota is the size of the weekday it opens on (a window belongs to the day it opens); a weekday
left out moves nothing. Spread evenly over the window alone, a quota beside a bandwidth, as
the daily cap is (docs/scenario-format.md, "Daily cap by weekday"). Its value for the tornado,
the advice and ``solve`` is the largest day's size, the other days in proportion. A lever of
the what-if page where the file sets it: its value there is the mapping as a JSON flow mapping
(``{"Mon": "1 GB", ..., "Sat": "5 GB"}``), which ``--set`` takes back as it is."""

from __future__ import annotations

from migrasim.core.kinds import CapacityRule, WhatIf
from migrasim.errors import N_

RULE = CapacityRule(
    key="daily_cap_by_weekday",
    measure="bytes",
    per="day",
    unit="daily_by_weekday",
    label=N_("daily cap by weekday (its largest day, the others in proportion)"),
    advice_unit="GB",
    per_advice_unit=1e9,
    advice_rank=0,
    excludes=("daily_cap",),
    what_if=WhatIf(always=False, label=N_("Daily cap by weekday")),
)
