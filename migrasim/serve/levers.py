"""The what-if page's levers, generated from the scenario itself (never written per file).

Each lever is a ``--set`` key with its current value as ``--set`` would take it (a plain text
value such as ``1 GB``, or a JSON flow mapping for a three-point estimate, which the YAML
reader takes as it is): the start date and go-live; then each link's levers: its capacity rules
that are levers (``kinds.CAPACITY_RULES``, each declaring its :class:`~migrasim.core.kinds.WhatIf`:
the daily cap and bandwidth on every link, a record limit or a daily cap by weekday where the
file sets one), its window,
then its uncertain inputs that are levers (``uncertain.UNCERTAIN_INPUTS``: the lead time on
every link, the outage rate ``outages.mtbf`` where set); then each flow's (its volume). A flow's
lever stated as a size (the volume) also carries its three points in bytes, so the page can
scale it by a multiplier and send the result back as an ordinary ``--set`` value.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from migrasim.analysis import uncertain
from migrasim.analysis.uncertain import UncertainInput
from migrasim.core import kinds
from migrasim.core.kinds import CapacityRule, WhatIf
from migrasim.render.i18n import Translator, fill
from migrasim.scenario.loader import read_scenario_data
from migrasim.scenario.types import EstimateSpec, Scenario, parse_scenario

LINK_SETTINGS = ("window",)
"""A link's settings (not kinds) every link offers as levers, after its capacity rules."""


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


Kind = CapacityRule | UncertainInput


def _levers_of(owner: str) -> list[tuple[Kind, WhatIf]]:
    """The kinds of a link's (capacity rules, then uncertain inputs) or a flow's levers, in
    registry order, with how each is one."""
    found: list[Kind] = [*kinds.CAPACITY_RULES] if owner == "link" else []
    found += uncertain.of("link" if owner == "link" else "flow")
    return [(kind, kind.what_if) for kind in found if kind.what_if is not None]


def _raw(mapping: Any, key: str) -> Any:
    """The value at dotted ``key`` ("outages.mtbf") in a scenario mapping as read; None: not
    there."""
    for part in key.split("."):
        if not isinstance(mapping, dict) or part not in mapping:
            return None
        mapping = mapping[part]
    return mapping


def lever_labels(t: Translator) -> dict[str, str]:
    """Each link lever's caption on the page in ``t``'s language, by its ``field`` (the last
    part of its key): its ``WhatIf.label``, else its label with a capital. (A flow's lever is
    captioned by the flow's name.)"""
    labels = {}
    for kind, what_if in _levers_of("link"):
        words = fill(t, what_if.label or kind.label)
        labels[kind.key.rsplit(".", 1)[-1]] = words[:1].upper() + words[1:]
    return labels


def _link_levers(name: str, link: dict[str, Any]) -> list[Lever]:
    """A link's levers: its capacity rules, its settings, then its uncertain inputs; not a
    rule a rule the link sets excludes (no daily cap beside a daily cap by weekday)."""
    rules: list[Lever] = []
    inputs: list[Lever] = []
    excluded = {key for rule in kinds.CAPACITY_RULES if rule.key in link for key in rule.excludes}
    for kind, what_if in _levers_of("link"):
        if kind.key in excluded:
            continue
        found = _kind_lever(f"links.{name}", link, kind, what_if, what_if.group or name, None)
        (rules if isinstance(kind, CapacityRule) else inputs).extend(found)
    settings = [Lever(f"links.{name}.{field}", value_text(link.get(field)), name, field)
                for field in LINK_SETTINGS]  # fmt: skip
    return [*rules, *settings, *inputs]


def _kind_lever(
    prefix: str, raw: Any, kind: Kind, what_if: WhatIf, group: str, field: str | None
) -> list[Lever]:
    """``kind``'s lever under ``prefix`` (none when it is offered only where set and is not)."""
    value = _raw(raw, kind.key)
    if value is None and not what_if.always:
        return []
    leaf = kind.key.rsplit(".", 1)[-1]
    return [Lever(f"{prefix}.{kind.key}", value_text(value), group, field or leaf)]


def _flow_levers(raw: dict[str, Any], flow: Any) -> list[Lever]:
    """A flow's levers (named by the flow in their group); one stated as a size (its volume)
    carries its three points in bytes and its estimate's distribution and group."""
    levers = []
    for kind, what_if in _levers_of("flow"):
        group = what_if.group or flow.name
        found = _kind_lever(f"flows[{flow.name}]", raw, kind, what_if, group, flow.name)
        if found and isinstance(kind, UncertainInput) and kind.words == "size":
            given = getattr(flow, kind.key)
            if isinstance(given, EstimateSpec):
                points = (float(given.low), float(given.likely), float(given.high))
                extra: dict[str, Any] = {"dist": given.dist}
                if given.group is not None:
                    extra["group"] = given.group
            else:
                points = (float(given),) * 3
                extra = {}
            found = [replace(found[0], volume_bytes=points, volume_extra=extra)]
        levers += found
    return levers


def scenario_levers(path: Path) -> tuple[Scenario, list[Lever]]:
    """The validated scenario at ``path`` and its levers, in the page's order."""
    data = read_scenario_data(path)
    spec = parse_scenario(data, str(path))
    levers = [
        Lever("start", value_text(data.get("start")), "dates", "start"),
        Lever("go_live", value_text(data.get("go_live")), "dates", "go_live"),
    ]
    for name, link in data["links"].items():
        levers += _link_levers(name, link)
    for raw, flow in zip(data["flows"], spec.flows, strict=True):
        levers += _flow_levers(raw, flow)
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
