"""The options' checks: unique names, organisations that exist, ``{flow}`` only where an
option is chosen per organisation, and every option applied to a scenario that validates.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import Any

from migrasim.errors import N_, Problem, ScenarioError
from migrasim.scenario.model import (
    Scenario,
    organisations_of,
)
from migrasim.scenario.options import (
    FLOW_PLACEHOLDER,
    OptionSpec,
    option_assignments,
)


def _option_checks(
    scenario: Scenario, data: Any, parse: Callable[[Any], Scenario]
) -> list[Problem]:
    """The options: unique names, organisations that exist, ``{flow}`` only where an option is
    chosen per organisation, and every key path applied (for the first organisation it may
    apply to) to a scenario that then validates (by ``parse``: ``types.parse_scenario``)."""
    problems = _flow_go_live_checks(scenario) + _draws_as_checks(scenario)
    if not scenario.options:
        return problems
    organisations = organisations_of(scenario)
    names: set[str] = set()
    base = {k: v for k, v in data.items() if k != "options"} if isinstance(data, Mapping) else {}
    for i, option in enumerate(scenario.options):
        where = f"options[{i}]"
        found = _option_shape_checks(where, option, names, organisations)
        problems += found
        if not found:
            problems += _applied_checks(where, option, organisations, base, scenario, parse)
    return problems


def _flow_go_live_checks(scenario: Scenario) -> list[Problem]:
    """A flow's own go-live is after the start."""
    problems: list[Problem] = []
    for i, flow in enumerate(scenario.flows):
        if flow.go_live is not None and flow.go_live <= scenario.start.date():
            problems.append(
                Problem(
                    f"flows[{i}].go_live",
                    N_(
                        "go-live %(go_live)s is not after the start %(start)s",
                        go_live=flow.go_live,
                        start=scenario.start.date(),
                    ),
                    N_("give a go-live date after start"),
                )
            )
    return problems


def _draws_as_checks(scenario: Scenario) -> list[Problem]:
    """A link that draws as another names a defined link."""
    problems: list[Problem] = []
    for name, link in scenario.links.items():
        if link.draws_as is not None and link.draws_as not in scenario.links:
            problems.append(
                Problem(
                    f"links.{name}.draws_as",
                    N_("undefined link %(link)s", link=repr(link.draws_as)),
                    N_("name a link defined under 'links:'"),
                )
            )
    return problems


def _option_shape_checks(
    where: str, option: OptionSpec, names: set[str], organisations: Mapping[str, list[str]]
) -> list[Problem]:
    """An option's own keys: a name not taken (added to ``names``), organisations that exist,
    and no organisations, crew or ``{flow}`` on a programme-wide option."""
    problems: list[Problem] = []
    if option.name in names:
        problems.append(
            Problem(
                f"{where}.name",
                N_("duplicate option name %(name)s", name=repr(option.name)),
                N_("give every option its own name"),
            )
        )
    names.add(option.name)
    each = option.each is not None
    for j, org in enumerate(option.flows or ()):
        if org not in organisations:
            close = difflib.get_close_matches(org, list(organisations), n=1)
            problems.append(
                Problem(
                    f"{where}.flows[{j}]",
                    N_("no organisation named %(name)s", name=repr(org)),
                    N_("did you mean %(name)s?", name=repr(close[0]))
                    if close
                    else N_("name an organisation of the flows"),
                )
            )
    if not each:
        for key, fix in (
            ("flows", N_("add 'each: organisation', or remove flows")),
            ("crew", N_("add 'each: organisation', or remove crew")),
        ):
            if getattr(option, key) is not None:
                problems.append(
                    Problem(
                        f"{where}.{key}",
                        N_("applies to organisations, and the option is programme-wide"),
                        fix,
                    )
                )
        for key in option.set:
            if FLOW_PLACEHOLDER in key:
                problems.append(
                    Problem(
                        f'{where}.set."{key}"',
                        N_("{flow} stands for an organisation's flows, and the option is "
                           "programme-wide"),
                        N_("add 'each: organisation', or name the flow"),
                    )
                )  # fmt: skip
    return problems


def _applied_checks(
    where: str,
    option: OptionSpec,
    organisations: Mapping[str, list[str]],
    base: Any,
    scenario: Scenario,
    parse: Callable[[Any], Scenario],
) -> list[Problem]:
    """The option applied for the first organisation it may apply to: every key path applies,
    the scenario it makes validates, and a crew installs per-flow links only."""
    from migrasim.scenario.overrides import apply_override, key_path_problem

    problems: list[Problem] = []
    each = option.each is not None
    eligible = [o for o in organisations if option.flows is None or o in option.flows]
    org = eligible[0]
    flows = organisations[org] if each else None
    variant: Any = base
    for key, value in option.set.items():
        for resolved, v in option_assignments(option.model_copy(update={"set": {key: value}}),
                                              flows):  # fmt: skip
            try:
                variant = apply_override(variant, resolved, v)
            except (KeyError, ValueError) as exc:
                problem = key_path_problem(f'{where}.set."{key}"', exc)
                problems.append(problem)
                break
    if problems:
        return problems
    try:
        applied = parse(variant)
    except ScenarioError as exc:
        for inner in exc.problems:
            problems.append(
                Problem(
                    _option_key(where, option, inner.key_path, flows, scenario),
                    N_(
                        "applied to %(organisation)s, %(where)s: %(problem)s",
                        organisation=repr(org),
                        where=inner.key_path,
                        problem=inner.problem,
                    ),
                    inner.fix,
                )
            )
        return problems
    if option.crew is not None:
        problems += _crew_checks(where, scenario, applied, organisations[org])
    return problems


def _crew_checks(where: str, before: Scenario, after: Scenario, flows: list[str]) -> list[Problem]:
    """A crew installs each organisation's own copy of a link: the links a crewed option puts
    on a flow's path must be per-flow (a shared link cannot be in for one organisation and
    not yet for another)."""
    old = {f.label: set(f.links) for f in before.flows}
    problems = []
    for flow in after.flows:
        if flow.label not in flows:
            continue
        for name in flow.links:
            if name not in old.get(flow.label, set()) and not after.links[name].per_flow:
                problems.append(
                    Problem(
                        f"{where}.crew",
                        N_(
                            "a crew installs each organisation's own copy of a link, and link "
                            "%(link)s is shared",
                            link=repr(name),
                        ),
                        N_("give the link 'per_flow: true', or remove crew"),
                    )
                )
    return problems


def _option_key(
    where: str, option: OptionSpec, inner: str, flows: list[str] | None, scenario: Scenario
) -> str:
    """The option's key path a problem of its applied scenario comes from (``inner`` is the
    problem's place there), else the option's ``set``."""
    labels = scenario.flow_names()
    for key in option.set:
        forms = {key}
        for name in flows or ():
            forms.add(key.replace(FLOW_PLACEHOLDER, name))
            if name in labels:
                forms.add(key.replace(FLOW_PLACEHOLDER, str(labels.index(name))))
        below = [(form, form + ".", form + "[", form + " ") for form in forms]
        if any(inner == b[0] or inner.startswith(b[1:]) for b in below):
            return f'{where}.set."{key}"'
    return f"{where}.set"
