"""The cross-checks: rules that span keys (names, references, cycles, dates) and the bounds
that keep every valid scenario runnable.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
)

from migrasim.errors import N_, Problem, quoted
from migrasim.scenario.estimates import (
    EstimateSpec,
)
from migrasim.scenario.flows import (
    PROGRAMME_ROW,
    FlowSpec,
)
from migrasim.scenario.links import (
    SHIPMENT_EXCLUDES,
)
from migrasim.scenario.model import (
    LinkSpec,
    Scenario,
)


def _find_cycle(deps: dict[str, tuple[str, ...]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in deps.get(node, ()):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt in deps and not state.get(nxt):
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in deps:
        if not state.get(node):
            found = visit(node)
            if found:
                return found
    return None


MAX_FLOWS = 20_000
"""Flows in one scenario: checked before anything else so a 100,000-row inventory is refused
at once with this limit (a run costs time and memory in proportion to the flows)."""
MAX_NAME_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 10_000
MAX_OUTAGES = 100_000
"""Random outages expected within the horizon on one link (at the shortest mtbf + mttr): more
would cost memory and time for no meaning (a link down every few seconds is not a link)."""
MAX_OUTAGES_IN_ALL = 2_000_000
"""... and over every copy of a per-flow link together (each flow's copy fails on its own):
hourly failures on 29 copies (2.5 million in ten years) are refused, while the Wales outages
on 10,000 flows (1.2 million) run."""


def _text_problem(key: str, value: str, limit: int, multiline: bool) -> Problem | None:
    """Names and descriptions must be printable text of bounded length: they reach every
    output (CSV, HTML, charts, the workbook), and a NUL, a control character or a lone
    surrogate breaks some of them."""
    if len(value) > limit:
        return Problem(
            key,
            N_("is %(n)s characters long", n=f"{len(value):,}"),
            N_("shorten it to %(limit)s", limit=f"{limit:,}"),
        )
    if not multiline and value != value.strip():
        return Problem(
            key,
            N_("%(value)s has spaces at its start or end", value=quoted(value)),
            N_("remove them (a log row, --set or option naming it would not match)"),
        )
    allowed = "\n\t" if multiline else ""
    for char in value:
        kind = unicodedata.category(char)
        if (kind == "Cc" and char not in allowed) or kind == "Cs":
            return Problem(
                key,
                N_(
                    "contains the control character %(char)s in %(value)s",
                    char=f"U+{ord(char):04X}",
                    value=quoted(value),
                ),
                N_("use printable text only"),
            )
    return None


def _range_checks(scenario: Scenario) -> list[Problem]:
    """Bounds that keep every valid scenario runnable: printable names, dates the calendar
    can hold, a bounded number of random outages."""
    checks: list[tuple[str, str, int, bool]] = [
        ("name", scenario.name, MAX_NAME_LENGTH, False),
        ("description", scenario.description, MAX_DESCRIPTION_LENGTH, True),
    ]
    for name, link in scenario.links.items():
        checks.append((f"links.{name}", name, MAX_NAME_LENGTH, False))
        checks.append((f"links.{name}.description", link.description, MAX_DESCRIPTION_LENGTH, True))
    for i, flow in enumerate(scenario.flows):
        for key in ("name", "source", "target"):
            checks.append((f"flows[{i}].{key}", getattr(flow, key), MAX_NAME_LENGTH, False))
        checks.append((f"flows[{i}].description", flow.description, MAX_DESCRIPTION_LENGTH, True))
    for group in scenario.correlation:
        checks.append((f"correlation.{group}", group, MAX_NAME_LENGTH, False))
    problems = [p for p in (_text_problem(*c) for c in checks) if p is not None]
    for name, link in scenario.links.items():
        outages = link.outages
        if outages is None or outages.mtbf is None or outages.mttr is None:
            continue
        shortest = _lowest(outages.mtbf) + _lowest(outages.mttr)
        # A per-flow link is one copy per flow on it, each with its own failures.
        copies = max(1, sum(name in f.links for f in scenario.flows) if link.per_flow else 1)
        each = scenario.horizon / shortest
        if each > MAX_OUTAGES:
            problems.append(
                Problem(
                    f"links.{name}.outages.mtbf",
                    N_(
                        "about %(n)s failures within the horizon (mtbf + mttr as short as "
                        "%(seconds)s s)",
                        n=f"{each:,.0f}",
                        seconds=f"{shortest:,.0f}",
                    ),
                    N_(
                        "give an mtbf of at least %(hours)s h or a shorter horizon",
                        hours=f"{scenario.horizon / MAX_OUTAGES / 3600:,.1f}",
                    ),
                )
            )
        elif each * copies > MAX_OUTAGES_IN_ALL:
            problems.append(
                Problem(
                    f"links.{name}.outages.mtbf",
                    N_(
                        "about %(n)s failures within the horizon (mtbf + mttr as short as "
                        "%(seconds)s s; in all, over its %(copies)s per-flow copies)",
                        n=f"{each * copies:,.0f}",
                        seconds=f"{shortest:,.0f}",
                        copies=f"{copies:,}",
                    ),
                    N_(
                        "give an mtbf of at least %(hours)s h or a shorter horizon",
                        hours=f"{scenario.horizon * copies / MAX_OUTAGES_IN_ALL / 3600:,.1f}",
                    ),
                )
            )
    return problems


def _lowest(value: Any) -> float:
    return float(value.low) if isinstance(value, EstimateSpec) else float(value)


def _did_you_mean(close: list[str]) -> str:
    """``did you mean 'x'? `` for the closest name found, or ''."""
    return N_("did you mean '%(name)s'? ", name=close[0]) if close else ""


def _cross_checks(scenario: Scenario) -> list[Problem]:
    """Rules that span keys: names, references, cycles, dates."""
    problems: list[Problem] = _range_checks(scenario)
    problems += _timezone_checks(scenario)
    name_problems, seen = _flow_name_checks(scenario)
    problems += name_problems
    problems += _flow_reference_checks(scenario, seen)
    problems += _cycle_checks(scenario, seen)
    problems += _fallback_checks(scenario)
    problems += _shipment_checks(scenario)
    problems += _records_checks(scenario)
    problems += _correlation_checks(scenario)
    problems += _go_live_checks(scenario)
    return problems


def _timezone_checks(scenario: Scenario) -> list[Problem]:
    """The time zone is one the zone database knows."""
    problems: list[Problem] = []
    try:
        ZoneInfo(scenario.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            Problem(
                "timezone",
                N_("unknown time zone %(zone)s", zone=repr(scenario.timezone)),
                N_("e.g. Europe/London"),
            )
        )
    return problems


def _flow_name_checks(scenario: Scenario) -> tuple[list[Problem], dict[str, int]]:
    """Every flow has its own name, and none is the programme's row: the problems, and the
    index of each name's first flow."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, flow in enumerate(scenario.flows):
        label = flow.label
        if label.upper() == PROGRAMME_ROW:
            problems.append(
                Problem(
                    f"flows[{i}].name",
                    N_(
                        "%(name)s is the name every output gives the whole programme",
                        name=repr(label),
                    ),
                    N_("give the flow another name"),
                )
            )
        if label in seen:
            problems.append(
                Problem(
                    f"flows[{i}].name",
                    N_(
                        "duplicate flow name %(name)s (also %(other)s)",
                        name=repr(label),
                        other=f"flows[{seen[label]}]",
                    ),
                    N_("give every flow a unique name"),
                )
            )
        seen.setdefault(label, i)
    return problems, seen


def _flow_reference_checks(scenario: Scenario, seen: Mapping[str, int]) -> list[Problem]:
    """A flow's links are defined and listed once; the flows it waits for exist and are not
    itself."""
    problems: list[Problem] = []
    for i, flow in enumerate(scenario.flows):
        for j, link in enumerate(flow.links):
            if link not in scenario.links:
                close = difflib.get_close_matches(link, list(scenario.links), n=1)
                problems.append(
                    Problem(
                        f"flows[{i}].links[{j}]",
                        N_("undefined link %(link)s", link=repr(link)),
                        N_("%(hint)sdefine it under 'links:' (defined: %(links)s)",
                           hint=_did_you_mean(close), links=", ".join(scenario.links)),
                    )
                )  # fmt: skip
        if len(set(flow.links)) != len(flow.links):
            problems.append(
                Problem(
                    f"flows[{i}].links",
                    N_("a link is listed twice in %(links)s", links=repr(list(flow.links))),
                )
            )
        for j, dep in enumerate(flow.after):
            if dep not in seen:
                close = difflib.get_close_matches(dep, list(seen), n=1)
                problems.append(
                    Problem(
                        f"flows[{i}].after[{j}]",
                        N_("unknown flow %(flow)s", flow=repr(dep)),
                        N_("%(hint)sname a flow defined in 'flows:'", hint=_did_you_mean(close)),
                    )
                )
            elif dep == flow.label:
                problems.append(
                    Problem(
                        f"flows[{i}].after[{j}]",
                        N_("flow %(flow)s waits for itself", flow=repr(dep)),
                        N_("remove it"),
                    )
                )
    return problems


def _cycle_checks(scenario: Scenario, seen: Mapping[str, int]) -> list[Problem]:
    """No flow waits, through 'after', for itself."""
    deps: dict[str, tuple[str, ...]] = {}
    for f in scenario.flows:  # duplicates (reported above) pool their dependencies
        deps[f.label] = deps.get(f.label, ()) + tuple(
            d for d in f.after if d in seen and d != f.label
        )
    cycle = _find_cycle(deps)
    if not cycle:
        return []
    first = seen[cycle[0]]
    return [
        Problem(
            f"flows[{first}].after",
            N_("dependency cycle: %(cycle)s", cycle=" -> ".join(cycle)),
            N_("remove one of these 'after' entries"),
        )
    ]


def _fallback_checks(scenario: Scenario) -> list[Problem]:
    """A link's fallback is another defined link, available from the start."""
    problems: list[Problem] = []
    for name, spec in scenario.links.items():
        if spec.fallback is not None:
            if spec.fallback not in scenario.links:
                problems.append(
                    Problem(
                        f"links.{name}.fallback",
                        N_("undefined link %(link)s", link=repr(spec.fallback)),
                        N_(
                            "%(hint)sdefine it under 'links:' (defined: %(links)s)",
                            hint="",
                            links=", ".join(scenario.links),
                        ),
                    )
                )
            elif spec.fallback == name:
                problems.append(
                    Problem(f"links.{name}.fallback", N_("a link cannot be its own fallback"))
                )
            elif scenario.links[spec.fallback].fallback is not None:
                problems.append(
                    Problem(
                        f"links.{name}.fallback",
                        N_("fallback %(link)s has a fallback of its own", link=repr(spec.fallback)),
                        N_("use a fallback link that is available from the start"),
                    )
                )
    return problems


def _records_checks(scenario: Scenario) -> list[Problem]:
    """A flow on a link that limits records (or whose fallback does) gives its records."""
    problems: list[Problem] = []
    for i, flow in enumerate(scenario.flows):
        used = [n for n in flow.links if n in scenario.links]
        used += [scenario.links[n].fallback or "" for n in used if scenario.links[n].fallback]
        limited = [n for n in used if n in scenario.links and scenario.links[n].limits_records]
        if limited and flow.records is None:
            problems.append(
                Problem(
                    f"flows[{i}].records",
                    N_("is required: link %(link)s limits records", link=repr(limited[0])),
                    N_("give the number of records, e.g. 'records: 2 M'"),
                )
            )
    return problems


def _correlation_checks(scenario: Scenario) -> list[Problem]:
    """Every group an estimate names is defined, each correlation within [0, 1]."""
    problems: list[Problem] = []
    for path, group in _estimate_groups(scenario):
        if group not in scenario.correlation:
            problems.append(
                Problem(
                    f"{path}.group",
                    N_("undefined correlation group %(group)s", group=repr(group)),
                    N_(
                        "add it under 'correlation:', e.g. %(example)s",
                        example=f"'correlation: {{{group}: 0.8}}'",
                    ),
                )
            )
    for group, rho in scenario.correlation.items():
        if not 0 <= rho <= 1:
            problems.append(
                Problem(
                    f"correlation.{group}",
                    N_("must be in [0, 1], got %(value)s", value=repr(rho)),
                    N_("e.g. 0.8"),
                )
            )
    return problems


def _go_live_checks(scenario: Scenario) -> list[Problem]:
    """The programme's go-live is after its start."""
    if scenario.go_live is None or scenario.go_live > scenario.start.date():
        return []
    return [
        Problem(
            "go_live",
            N_(
                "go-live %(go_live)s is not after the start %(start)s",
                go_live=scenario.go_live,
                start=scenario.start.date(),
            ),
            N_("give a go-live date after start"),
        )
    ]


def _shipment_checks(scenario: Scenario) -> list[Problem]:
    """A shipment link has no network keys, is no fallback, and is alone on a flow's path."""
    problems = []
    shipped = [name for name, spec in scenario.links.items() if spec.shipment is not None]
    for name in shipped:
        spec = scenario.links[name]
        for key in SHIPMENT_EXCLUDES:
            value = getattr(spec, key)
            if value is not None and not (key == "efficiency" and value == 1.0):
                problems.append(
                    Problem(
                        f"links.{name}.{key}",
                        N_(
                            "does not apply to a shipment link (it moves devices, not a "
                            "network stream), got %(value)s",
                            value=quoted(_shown(value)),
                        ),
                        N_("remove %(key)s, or describe the network as a link of its own", key=key),
                    )
                )
    for name, spec in scenario.links.items():
        if spec.fallback in shipped:
            problems.append(
                Problem(
                    f"links.{name}.fallback",
                    N_(
                        "%(link)s is a shipment link and cannot stand in for a network",
                        link=repr(spec.fallback),
                    ),
                    N_("use a network link as the fallback"),
                )
            )
    for i, flow in enumerate(scenario.flows):
        on_path = [n for n in flow.links if n in shipped]
        if on_path and len(flow.links) > 1:
            name = flow.label
            problems.append(
                Problem(
                    f"flows[{i}].links",
                    N_(
                        "shipment link %(link)s must be the only link on a flow's path, got "
                        "%(links)s",
                        link=repr(on_path[0]),
                        links=repr(list(flow.links)),
                    ),
                    N_(
                        "ship the bulk on one flow and send the rest on another, e.g. "
                        "'%(name)s bulk' with links: [%(link)s] and '%(name)s delta' with the "
                        "network links and after: ['%(name)s bulk']",
                        name=name,
                        link=on_path[0],
                    ),
                )
            )
    return problems


def _shown(value: object) -> object:
    """A key's value as the user wrote it, near enough for a message."""
    if isinstance(value, EstimateSpec):
        return {"low": value.low, "likely": value.likely, "high": value.high}
    if isinstance(value, BaseModel):
        return value.model_dump(exclude_defaults=True)
    return value


def _estimate_groups(scenario: Scenario) -> list[tuple[str, str]]:
    """(key path, group) of every estimate that names a correlation group."""
    found: list[tuple[str, str]] = []

    def visit(value: object, path: str) -> None:
        if isinstance(value, EstimateSpec):
            if value.group is not None:
                found.append((path, value.group))
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                if name == "limits" and isinstance(value, LinkSpec):
                    visit(value.limits, path)  # a registered rule's key is the link's own
                elif name == "inputs" and isinstance(value, LinkSpec | FlowSpec):
                    visit(value.inputs, path)  # a registered input's, the link's or flow's
                else:
                    visit(getattr(value, name), f"{path}.{name}" if path else name)
        elif isinstance(value, dict):
            for key, item in value.items():
                visit(item, f"{path}.{key}")
        elif isinstance(value, tuple):
            for index, item in enumerate(value):
                visit(item, f"{path}[{index}]")

    visit(scenario, "")
    return found
