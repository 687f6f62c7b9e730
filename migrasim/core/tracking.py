"""How ``migrasim track`` treats a kind: each capacity rule (:mod:`migrasim.core.kinds`) and
each uncertain input kind (:mod:`migrasim.analysis.uncertain`) declares a :class:`Track`, its
``track``: how the transfer log re-estimates it and in which part of the forecast history's
waterfall a change of it is counted. ``track=None``: the re-forecast takes it as the scenario
gives it, and the waterfall counts a change of it as a scenario edit.

The re-forecast (``analysis/track/``) and the waterfall (``analysis/history.py``) iterate the
registries and act on these declarations; each calibration's statistics are written once there
(docs/track.md): ``backlog`` (``track/volumes.py``: the estimate conditioned on what has
crossed), ``rework`` (``track/volumes.py``: the rework owed on the part already moved),
``efficiency`` (``track/links.py``: scaled by the calibrated efficiency), ``down_days``
(``track/calibration.py`` and ``track/links.py``: the outages replaced by calibrated day-long
down days), ``arrivals`` (``track/shipments.py``: shifted by the logged arrivals' delay) and
``elapsed`` (``track/links.py``: a wait from the start, shortened by the time elapsed).

Pure: data only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from migrasim.errors import N_, Message


@dataclass(frozen=True)
class Part:
    """A part of the history waterfall: a step from the previous forecast to the new one."""

    name: str  # its code name, the ``part`` column of forecast_waterfall.csv
    label: Message  # its words in the report's table and chart


PROGRESS = Part("progress", N_("progress against plan"))
"""The as-of date and what has crossed: starts, completions, waits that have passed."""
REESTIMATES = Part("volume", N_("volume re-estimates"))
"""Each flow's remaining-volume distribution, as the log conditions it and as the scenario
estimates it."""
CALIBRATION = Part("throughput", N_("throughput calibration"))
"""Each link's (and flow's) calibrated capacities, down days and trips."""

PARTS: tuple[Part, ...] = (PROGRESS, REESTIMATES, CALIBRATION)
"""The parts the kinds are counted in, in the order the waterfall applies them (scenario edits
come after them)."""

Calibration = Literal["backlog", "rework", "efficiency", "down_days", "arrivals", "elapsed"]
"""How the log re-estimates a kind (see the module docstring for where each is written)."""


@dataclass(frozen=True)
class Track:
    """How ``migrasim track`` treats one kind."""

    part: Part  # the waterfall part a change of it from the log (its value in the remaining
    # scenario) is counted in
    calibration: Calibration | None = None  # how the log re-estimates it (None: as planned)
    done: float | None = None  # a flow's value of it once the flow is complete (nothing left)
    per_rate: bool = False  # a quantity of the flow's bytes (its volume, its growth): divided
    # by the flow's rate factor when it moves at its own calibrated rate, and multiplied back
    # when the result is told
    grows_backlog: bool = False  # a rate the backlog grows at: what has crossed by the as-of
    # date includes it at its most likely value since the start
    edited_as: Part | None = None  # a scenario edit of it is counted in this part (None: as a
    # scenario edit)


CAPACITY = Track(CALIBRATION, "efficiency")
"""A capacity rule's: scaled by the link's (or flow's) calibrated efficiency. A rule is a
link's, and the waterfall takes a link's capacities with its calibration: a rule's track is
this or None (not calibrated: kept as the scenario gives it)."""
