"""core/batch.py is split by concept (issue 21) and still offers what its callers import.

The lone-flow batch's pieces live in the modules named after them (``core/block.py``,
``core/curve_search.py``, ``core/lone_flow.py``, ``core/band.py``); ``core/batch.py`` keeps the
batch itself and re-exports the names callers import from it, as the very objects of their
homes (no second copy to drift).
"""

from __future__ import annotations

import ast
from pathlib import Path

from migrasim.core import band, batch, block, curve_search, lone_flow

HOMES = {
    block: {"HORIZON_TOL", "BlockInputs", "BlockResult", "row_inputs"},
    curve_search: {"_Curve", "_Down", "_Segment", "_moved", "_moved_days"},
    band: {"_summable"},
}


def test_batch_re_exports_its_callers_names_from_their_homes() -> None:
    for home, names in HOMES.items():
        for name in names:
            assert name in batch.__all__, name
            assert getattr(batch, name) is getattr(home, name), name
    for name in batch.__all__:  # and every name it promises is there
        assert hasattr(batch, name), name


def _defined(module: object) -> set[str]:
    path = Path(module.__file__)  # type: ignore[attr-defined]
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            if isinstance(target, ast.Name) and target.id != "__all__":
                names.add(target.id)
    return names


def test_each_piece_is_defined_in_one_module() -> None:
    modules = [block, curve_search, lone_flow, band, batch]
    seen: dict[str, str] = {}
    for module in modules:
        for name in _defined(module):
            assert name not in seen, f"{name} in {seen.get(name)} and {module.__name__}"
            seen[name] = module.__name__
    assert {"_Curve", "_solve_segment"} <= _defined(curve_search)
    assert {"_Group", "_solve_flow", "_bottleneck"} <= _defined(lone_flow)
    assert {"_band", "_band_sum", "_Steps"} <= _defined(band)
    assert {"lone_flows", "solve_block", "solve_stack", "_stacked"} <= _defined(batch)
