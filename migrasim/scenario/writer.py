"""Write a scenario mapping back as a YAML scenario file (``migrasim serve``'s variants).

The reverse of :mod:`migrasim.scenario.loader` for plain data: mappings, lists, text, numbers
and booleans. Dates are text in the raw mapping (the loader keeps them so) and are written
quoted, which the loader reads back as the same text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import yaml


def _plain(value: Any) -> Any:
    """``value`` with every mapping a dict and every sequence a list (SafeDumper writes only
    those exact types; an inventory's rows are a dict subclass)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [_plain(v) for v in value]
    return value


def scenario_yaml(data: Any, header: Sequence[str] = ()) -> str:
    """``data`` as scenario-file YAML, keys in their order, after ``header`` as # comments."""
    comments = "".join(f"# {line}\n" for line in header)
    body = yaml.safe_dump(
        _plain(data), sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )
    return comments + body
