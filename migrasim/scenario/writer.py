"""Write a scenario back as a YAML scenario file (``migrasim serve``'s variants).

:func:`variant_yaml` edits the scenario file itself: ruamel.yaml reads it round-trip (comments,
ASSUMPTION labels, anchors, quoting and flow style kept), the ``--set`` changes are applied to
that document by :func:`migrasim.scenario.overrides.apply_overrides` (the one key-path reader)
and only the changed values are written anew, in the style of the values they replace. The
result is checked to load to the same scenario as the file with the same ``--set`` changes.
"""

from __future__ import annotations

import datetime
import difflib
import io
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString

from migrasim.errors import N_, MigrasimError, Problem, ScenarioError
from migrasim.scenario.inventory import expand_flows_from
from migrasim.scenario.loader import changes_inventory, load_scenario, read_yaml
from migrasim.scenario.overrides import apply_overrides, parse_key, split_assignment
from migrasim.scenario.types import parse_scenario

INDENTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (4, 4, 0))
"""(mapping, sequence, dash offset) indentations tried: the one that writes the unchanged file
back most exactly is used (the shipped scenarios write back byte for byte with the first)."""

WIDTH = 1_000_000
"""Lines are never re-wrapped (a long flow mapping stays on its one line)."""


def _round_trip(indent: tuple[int, int, int]) -> YAML:
    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = WIDTH
    rt.indent(mapping=indent[0], sequence=indent[1], offset=indent[2])
    return rt


def _dump(rt: YAML, document: Any) -> str:
    stream = io.StringIO()
    rt.dump(document, stream)
    return stream.getvalue()


def _writer_for(text: str) -> YAML:
    """The round-trip reader-writer whose indentation writes ``text`` back most exactly."""
    best, best_changed = None, None
    for indent in INDENTS:
        rt = _round_trip(indent)
        written = _dump(rt, rt.load(text))
        if written == text:
            return rt
        changed = sum(
            1 for line in difflib.ndiff(text.splitlines(), written.splitlines()) if line[:1] in "+-"
        )
        if best_changed is None or changed < best_changed:
            best, best_changed = rt, changed
    assert best is not None
    return best


def _read_back(text: str) -> Any:
    return read_yaml(text, "--set")


def _styled(old: Any, new: Any) -> Any:
    """``new`` (a value as ``--set`` reads it) as a round-trip value written in ``old``'s style:
    a mapping or list in flow style where the old one was (or, replacing a single value, when
    it holds only single values), text in the old text's quotes, and quoted wherever the
    loader would read the plain text as something else (e.g. ``yes`` or ``a # b``)."""
    if isinstance(new, Mapping):
        mapping = CommentedMap(
            (k, _styled(old.get(k) if isinstance(old, Mapping) else None, v))
            for k, v in new.items()
        )
        if _flow(old, new.values()):
            mapping.fa.set_flow_style()
        return mapping
    if isinstance(new, list | tuple):
        items = CommentedSeq(_styled(None, v) for v in new)
        if _flow(old, new):
            items.fa.set_flow_style()
        return items
    if isinstance(new, datetime.date):  # an .xlsx inventory's date cell: the loader reads text
        return DoubleQuotedScalarString(new.isoformat())
    if isinstance(new, str):
        if isinstance(old, datetime.date) and not isinstance(old, datetime.datetime):
            try:  # a plain date replaced by a date: written plain, as the file writes it
                return datetime.date.fromisoformat(new)
            except ValueError:
                pass
        if isinstance(old, ScalarString) and "\n" not in new:
            return type(old)(new)
        if _read_back(new) != new:
            return DoubleQuotedScalarString(new)
    return new


def _flow(old: Any, values: Any) -> bool:
    if isinstance(old, CommentedMap | CommentedSeq):
        return bool(old.fa.flow_style())
    return all(not isinstance(v, Mapping | list | tuple) for v in values)


def _inline_inventory(document: CommentedMap, folder: Path, source: str) -> str | None:
    """Write the flows of the document's inventory files (``flows_from``) into ``flows:``,
    after the inline flows, and drop ``flows_from``: a ``--set`` on a flow must reach the
    inventory's flows as it does on the command line. Returns the files named, or None."""
    if "flows_from" not in document:
        return None
    inline = document.get("flows")
    count = len(inline) if isinstance(inline, list) else 0
    found = expand_flows_from(dict(document), folder, source)["flows"][count:]
    rows = [_styled(None, dict(flow)) for flow in found]
    for row in rows:
        row.fa.set_block_style()
    named = str(document["flows_from"])
    if isinstance(inline, CommentedSeq):
        inline.extend(rows)
    else:
        position = list(document).index("flows_from")
        document.insert(position, "flows", CommentedSeq(rows))
    del document["flows_from"]
    return named


def _touches_flows(assignment: str) -> bool:
    try:
        return parse_key(split_assignment(assignment)[0])[0] == "flows"
    except ValueError:
        return False  # reported by the loader


def variant_yaml(
    path: str | Path,
    overrides: Sequence[str],
    header: Sequence[str] = (),
    words: Callable[[object], str] = str,
) -> str:
    """The scenario file at ``path`` with ``overrides`` (``--set`` assignments) applied, its
    comments and labels kept and only the changed values rewritten, after ``header`` as
    # comments. When an override reaches the flows of a scenario that reads an inventory
    (``flows_from``), the inventory's flows are written into the file (a note says so, a
    catalogue message written by ``words``: the header's language, English by default).

    Raises :class:`ScenarioError` if the variant would not load (as ``--set`` would) and
    :class:`MigrasimError` if it would not load to the same scenario as ``--set`` does."""
    source = str(path)
    expected = load_scenario(path, overrides)  # refuses a variant that would not load
    text = Path(path).read_text(encoding="utf-8")
    try:
        rt = _writer_for(text)
        document = rt.load(text)
    except YAMLError as exc:
        raise ScenarioError([Problem("", f"cannot read YAML: {exc}", "")], source) from None
    early = [o for o in overrides if changes_inventory(o)]
    late = [o for o in overrides if not changes_inventory(o)]
    notes = list(header)
    if early:
        document = apply_overrides(document, early, source, _read_back, _styled)
    if any(_touches_flows(o) for o in late):
        named = _inline_inventory(document, Path(path).parent, source)
        if named is not None:
            note = N_(
                "The flows of %(inventory)s are written below (a change reaches them).",
                inventory=named,
            )
            notes.append(words(note))
    if late:
        document = apply_overrides(document, late, source, _read_back, _styled)
    written = "".join(f"# {line}\n" if line else "#\n" for line in notes) + _dump(rt, document)
    data = expand_flows_from(_read_back(written), Path(path).parent, source)
    if parse_scenario(data, source) != expected:
        raise MigrasimError(
            f"the variant of {path} would not load to the scenario --set gives; "
            "nothing was written. Fix: report this as a bug, with the changes made"
        )
    return written
