"""Where a flow's problem is, in the reader's words: the inventory file, row and column it
comes from, or the flow's name beside its index.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from migrasim.errors import N_, Problem, quoted
from migrasim.scenario.flows import (
    InventoryFlow,
)
from migrasim.scenario.model import (
    REQUIRED,
)

_FLOW_PATH = re.compile(r"^flows\[(\d+)\](?:\.([A-Za-z_]+)([^\s]*))?$")
_FLOW_REF = re.compile(r"\bflows\[(\d+)\]")


def _inventory_rows(data: Mapping[Any, Any]) -> dict[int, InventoryFlow]:
    """Flow index -> the flow, for flows read from an inventory file."""
    flows = data.get("flows")
    if not isinstance(flows, (list, tuple)):
        return {}
    return {i: f for i, f in enumerate(flows) if isinstance(f, InventoryFlow)}


def _locate(problem: Problem, rows: Mapping[int, InventoryFlow]) -> Problem:
    """``flows[7].volume`` -> ``inventory.csv row 4, column volume`` for inventory flows."""
    if not rows:
        return problem

    def ref(match: re.Match[str]) -> str:
        index = int(match.group(1))
        return rows[index].where if index in rows else match.group(0)

    text = _FLOW_REF.sub(ref, problem.problem)
    if text == problem.problem:
        text = problem.problem  # keep a translatable message (see errors.Message)
    match = _FLOW_PATH.match(problem.key_path)
    if not match or int(match.group(1)) not in rows:
        return Problem(problem.key_path, text, problem.fix)
    flow = rows[int(match.group(1))]
    where = flow.where
    column, rest = match.group(2), re.sub(r"\[\d+\]", "", match.group(3) or "")
    if column is None:
        return Problem(where, text, problem.fix)
    if column in getattr(flow, "changed", ()):
        return Problem(
            N_("%(where)s, column %(column)s (as changed by --set)", where=where,
               column=f"{column}{rest}"),
            text,
            problem.fix,
        )  # fmt: skip
    fix = problem.fix
    if (text, fix) == (REQUIRED, "add it"):
        text = N_("is empty")
        fix = (
            N_("fill in the links cell (names separated by ';'), or give default links under "
               "flows_from")
            if column == "links"
            else N_("fill in the %(column)s cell", column=column)
        )  # fmt: skip
    elif column in ("links", "after") and "," in text:
        fix = N_("separate names in one cell with ';', not ','. %(fix)s", fix=fix)
    elif column == "after":
        fix = fix.replace("in 'flows:'", "in 'flows:' or in an inventory")
    return Problem(N_("%(where)s, column %(column)s", where=where, column=f"{column}{rest}"),
                   text, fix)  # fmt: skip


def _name_flow(problem: Problem, data: Mapping[Any, Any], rows: Mapping[int, Any]) -> Problem:
    """``flows[14].volume`` also names the flow: ``flows[14].volume (Cardiff)``, so a reader of
    a 29-flow file need not count to fourteen. Inventory rows already say file, row, column."""
    match = _FLOW_PATH.match(problem.key_path)
    flows = data.get("flows")
    if not match or not isinstance(flows, (list, tuple)):
        return problem
    index = int(match.group(1))
    if index in rows or index >= len(flows) or not isinstance(flows[index], Mapping):
        return problem
    flow = flows[index]
    name = flow.get("name") or (
        f"{flow.get('source')} -> {flow.get('target')}" if flow.get("source") else None
    )
    if not isinstance(name, str) or not name:
        return problem
    return Problem(f"{problem.key_path} ({quoted(name)[1:-1]})", problem.problem, problem.fix)
