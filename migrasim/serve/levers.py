"""The what-if page's levers, generated from the scenario itself (never written per file).

Each lever is a ``--set`` key with its current value as ``--set`` would take it (a plain text
value such as ``1 GB``, or a JSON flow mapping for a three-point estimate, which the YAML
reader takes as it is): each link's daily cap, bandwidth, window, lead time and outage rate
(``outages.mtbf``), the start date and go-live, and each flow's volume. A volume also carries
its three points in bytes, so the page can scale it by a multiplier and send the result back as
an ordinary ``--set`` value.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from migrasim.scenario.loader import read_scenario_data
from migrasim.scenario.types import EstimateSpec, Scenario, parse_scenario

LINK_FIELDS = ("daily_cap", "bandwidth", "window", "lead_time")
"""The link fields every link offers as a lever (whether or not the file sets them)."""


@dataclass(frozen=True)
class Lever:
    """One control: ``key`` is the ``--set`` key, ``value`` its current ``--set`` value ("" if
    the scenario leaves it unset), ``group`` where the page shows it (a link's name, "dates" or
    "volumes"), ``field`` what it changes, ``volume_bytes`` a volume's (low, likely, high)."""

    key: str
    value: str
    group: str
    field: str
    volume_bytes: tuple[float, float, float] | None = None
    volume_extra: dict[str, Any] | None = None  # a volume estimate's dist and group, kept

    def as_json(self) -> dict[str, Any]:
        """The lever as ``GET /api/scenario`` shows it."""
        out = asdict(self)
        if self.volume_bytes is None:
            del out["volume_bytes"], out["volume_extra"]
        else:
            out["volume_bytes"] = list(self.volume_bytes)
        return out


def value_text(value: Any) -> str:
    """A raw scenario value as a ``--set`` value: text as it is, anything else as JSON (which
    the YAML reader takes unchanged: a mapping stays a mapping, a number a number)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def scenario_levers(path: Path) -> tuple[Scenario, list[Lever]]:
    """The validated scenario at ``path`` and its levers, in the page's order."""
    data = read_scenario_data(path)
    spec = parse_scenario(data, str(path))
    levers = [
        Lever("start", value_text(data.get("start")), "dates", "start"),
        Lever("go_live", value_text(data.get("go_live")), "dates", "go_live"),
    ]
    for name, link in data["links"].items():
        for field in LINK_FIELDS:
            levers.append(Lever(f"links.{name}.{field}", value_text(link.get(field)), name, field))
        outages = link.get("outages")
        if isinstance(outages, dict) and "mtbf" in outages:
            key = f"links.{name}.outages.mtbf"
            levers.append(Lever(key, value_text(outages["mtbf"]), name, "mtbf"))
    for raw, flow in zip(data["flows"], spec.flows, strict=True):
        volume = flow.volume
        if isinstance(volume, EstimateSpec):
            points = (float(volume.low), float(volume.likely), float(volume.high))
            extra: dict[str, Any] = {"dist": volume.dist}
            if volume.group is not None:
                extra["group"] = volume.group
        else:
            points = (float(volume),) * 3
            extra = {}
        key = f"flows[{flow.name}].volume"
        levers.append(Lever(key, value_text(raw["volume"]), "volumes", flow.name, points, extra))
    return spec, levers


def scaled_volume(lever: Lever, factor: float) -> str:
    """The ``--set`` value of ``lever``'s volume times ``factor`` (whole bytes), as the page
    sends it: a fixed volume stays a size, an estimate keeps its distribution and group."""
    if lever.volume_bytes is None:
        raise ValueError(f"{lever.key} is not a volume")
    low, likely, high = (f"{round(v * factor)} B" for v in lever.volume_bytes)
    if low == likely == high and not lever.volume_extra:
        return likely
    return value_text({"low": low, "likely": likely, "high": high, **(lever.volume_extra or {})})
