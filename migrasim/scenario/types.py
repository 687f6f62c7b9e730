"""The scenario format: pydantic models (unknown keys rejected, frozen) and :func:`parse_scenario`.

The models live by concept (``fields``, ``calendar``, ``estimates``, ``links``, ``flows``,
``options``, ``model``; the checks in ``problems``, ``checks`` and ``option_checks``); this
module validates a scenario and gathers their public names.

Never opens files (see ``loader.py``); no simpy, no click. Every quantity is read by ``units.py``
and stored in SI units: ``volume`` in bytes, ``bandwidth`` in bytes/s, ``daily_cap`` in bytes per
working day, ``horizon`` in seconds. YAML keys match attribute names, so an error's key path
(``flows[3].volume``) names both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import (
    TypeAdapter,
    ValidationError,
)

from migrasim.core import kinds
from migrasim.errors import N_, Problem, ScenarioError
from migrasim.scenario.calendar import (
    FIRST_YEAR,
    LAST_YEAR,
    CalendarSpec,
    Closure,
    LocalDate,
    LocalDateTime,
    Period,
    Weekday,
    Window,
)
from migrasim.scenario.checks import (
    MAX_DESCRIPTION_LENGTH,
    MAX_FLOWS,
    MAX_NAME_LENGTH,
    MAX_OUTAGES,
    MAX_OUTAGES_IN_ALL,
    _cross_checks,
)
from migrasim.scenario.estimates import (
    _UNIT_TYPES,
    ESTIMATE_TAG,
    VALUE_TAG,
    CountRateEstimate,
    DailyCountEstimate,
    DailyEstimate,
    DurationEstimate,
    EstimateSpec,
    Fraction,
    FractionEstimate,
    RateEstimate,
    Share,
    ShareEstimate,
    SizeEstimate,
    Uncertain,
    UncertainCountRate,
    UncertainDaily,
    UncertainDailyCount,
    UncertainDuration,
    UncertainFraction,
    UncertainRate,
    UncertainShare,
    UncertainSize,
    WeekdaySizes,
    as_value,
    likely_of,
    weekly,
)
from migrasim.scenario.fields import (
    COUNT_BOUNDS,
    COUNT_RATE_BOUNDS,
    DAILY_BOUNDS,
    DURATION_BOUNDS,
    RATE_BOUNDS,
    SIZE_BOUNDS,
    Count,
    CountRate,
    DailyCount,
    DailySize,
    Duration,
    Rate,
    Size,
)
from migrasim.scenario.flows import (
    PROGRAMME_ROW,
    FlowSpec,
    InventoryFlow,
    InventorySource,
    InventorySpec,
    flow_keys,
)
from migrasim.scenario.links import (
    SHIPMENT_EXCLUDES,
    OutageSpec,
    RejectionSpec,
    ShipmentSpec,
)
from migrasim.scenario.model import (
    REQUIRED,
    LinkSpec,
    Scenario,
    declare_input,
    organisations_of,
    problems_from_validation,
)
from migrasim.scenario.option_checks import (
    _option_checks,
)
from migrasim.scenario.options import (
    FLOW_PLACEHOLDER,
    CrewSpec,
    OptionSpec,
    option_assignments,
)
from migrasim.scenario.problems import (
    _inventory_rows,
    _locate,
    _name_flow,
)
from migrasim.scenario.registered import (
    INPUT_KEYS,
    InputKey,
    Owner,
    declare,
    input_keys,
    take_registered,
    withdraw,
)

__all__ = [
    "COUNT_BOUNDS",
    "COUNT_RATE_BOUNDS",
    "DAILY_BOUNDS",
    "DURATION_BOUNDS",
    "ESTIMATE_TAG",
    "FIRST_YEAR",
    "FLOW_PLACEHOLDER",
    "INPUT_KEYS",
    "LAST_YEAR",
    "MAX_DESCRIPTION_LENGTH",
    "MAX_FLOWS",
    "MAX_NAME_LENGTH",
    "MAX_OUTAGES",
    "MAX_OUTAGES_IN_ALL",
    "PROGRAMME_ROW",
    "RATE_BOUNDS",
    "REQUIRED",
    "SHIPMENT_EXCLUDES",
    "SIZE_BOUNDS",
    "VALUE_TAG",
    "CalendarSpec",
    "Closure",
    "Count",
    "CountRate",
    "CountRateEstimate",
    "CrewSpec",
    "DailyCount",
    "DailyCountEstimate",
    "DailyEstimate",
    "DailySize",
    "Duration",
    "DurationEstimate",
    "EstimateSpec",
    "FlowSpec",
    "Fraction",
    "FractionEstimate",
    "InputKey",
    "InventoryFlow",
    "InventorySource",
    "InventorySpec",
    "LinkSpec",
    "LocalDate",
    "LocalDateTime",
    "OptionSpec",
    "OutageSpec",
    "Owner",
    "Period",
    "Rate",
    "RateEstimate",
    "RejectionSpec",
    "Scenario",
    "Share",
    "ShareEstimate",
    "ShipmentSpec",
    "Size",
    "SizeEstimate",
    "Uncertain",
    "UncertainCountRate",
    "UncertainDaily",
    "UncertainDailyCount",
    "UncertainDuration",
    "UncertainFraction",
    "UncertainRate",
    "UncertainShare",
    "UncertainSize",
    "Weekday",
    "WeekdaySizes",
    "Window",
    "as_value",
    "declare",
    "declare_input",
    "flow_keys",
    "input_keys",
    "likely_of",
    "option_assignments",
    "organisations_of",
    "parse_scenario",
    "problems_from_validation",
    "scenario_json_schema",
    "take_registered",
    "weekly",
    "withdraw",
]


def parse_scenario(data: object, source: str | None = None) -> Scenario:
    """Validate a mapping (as read from YAML) into a :class:`Scenario`.

    ``source`` names the file in error messages. Raises :class:`ScenarioError` listing every
    problem found.
    """
    if data is None:
        raise ScenarioError(
            [
                Problem(
                    "",
                    N_("the scenario is empty"),
                    N_("give a mapping with name, start, links, flows"),
                )
            ],
            source,
        )
    if not isinstance(data, Mapping):
        raise ScenarioError(
            [
                Problem(
                    "",
                    N_(
                        "expected a mapping of keys (name, start, links, flows), got a %(type)s",
                        type=type(data).__name__,
                    ),
                    N_("see docs/scenario-format.md"),
                )
            ],
            source,
        )
    flows = data.get("flows")
    if isinstance(flows, (list, tuple)) and len(flows) > MAX_FLOWS:
        raise ScenarioError(
            [
                Problem(
                    "flows",
                    N_(
                        "%(n)s flows (inventory rows included), over the limit of %(limit)s",
                        n=f"{len(flows):,}",
                        limit=f"{MAX_FLOWS:,}",
                    ),
                    N_(
                        "split the programme into scenarios of at most %(limit)s flows, or group "
                        "small systems into one flow each",
                        limit=f"{MAX_FLOWS:,}",
                    ),
                )
            ],
            source,
        )
    rows = _inventory_rows(data)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_validation(exc)
        named = [_name_flow(_locate(p, rows), data, rows) for p in problems]
        raise ScenarioError(named, source) from None
    problems = _cross_checks(scenario)
    if not problems:
        problems = _option_checks(scenario, data, parse_scenario)
    if problems:
        raise ScenarioError([_locate(p, rows) for p in problems], source)
    return scenario


def scenario_json_schema() -> dict[str, Any]:
    """JSON Schema of the scenario format, for editors' autocompletion."""
    schema = Scenario.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "migrasim scenario"
    # 'flows' may be left out when 'flows_from' gives them (the loader merges the two).
    schema["required"] = [key for key in schema.get("required", []) if key != "flows"]
    schema["anyOf"] = [{"required": ["flows"]}, {"required": ["flows_from"]}]
    link = schema["$defs"]["LinkSpec"]["properties"]
    for rule in kinds.extra_rules():  # a registered capacity rule is a key of the link
        link[rule.key] = _unit_schema(schema, rule.unit)
    for key in INPUT_KEYS:  # a registered uncertain input's is a key of the link or flow
        owner = schema["$defs"]["LinkSpec" if key.owner == "link" else "FlowSpec"]["properties"]
        owner[key.key] = _unit_schema(schema, key.unit)
    return schema


def _unit_schema(schema: dict[str, Any], unit: str) -> dict[str, Any]:
    """The schema of a registered kind's value in ``unit``; the estimate's definition it
    refers to goes with the others in ``schema``'s ``$defs``."""
    found = TypeAdapter(_UNIT_TYPES[unit]).json_schema(mode="validation")
    schema["$defs"].update(found.pop("$defs", {}))
    return found
