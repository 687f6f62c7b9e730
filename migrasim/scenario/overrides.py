"""``--set KEY=VALUE``: change a scenario before it is validated.

``KEY`` is a key path as in error messages: ``links.capped.daily_cap``, ``flows[3].volume``
(a list index) or ``flows[Cardiff].volume`` (a flow by name). ``VALUE`` is read as YAML, so
``"5 GB"`` stays text, ``0.7`` is a number and ``{low: 1 GB, likely: 2 GB, high: 4 GB}`` an
estimate. The changed mapping is then validated exactly like a file, with the same messages.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from migrasim.errors import N_, Problem, ScenarioError

_SEGMENT = re.compile(r"([^.\[\]]+)|\[([^\]]*)\]")


def parse_key(key: str) -> list[str | int]:
    """``flows[Cardiff].volume`` -> ['flows', 'Cardiff'(selector), 'volume']; ints for indices."""
    parts: list[str | int] = []
    pos = 0
    text = key.strip()
    while pos < len(text):
        if text[pos] == ".":
            pos += 1
            continue
        match = _SEGMENT.match(text, pos)
        if not match:
            raise ValueError(
                N_("cannot read the key %(key)s at %(rest)s", key=repr(key), rest=repr(text[pos:]))
            )
        name, selector = match.groups()
        if name is not None:
            parts.append(name.strip())
        else:
            selector = selector.strip()
            parts.append(int(selector) if selector.lstrip("-").isdigit() else f"[{selector}]")
        pos = match.end()
    if not parts:
        raise ValueError(N_("empty key %(key)s", key=repr(key)))
    return parts


def split_assignment(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` -> (KEY, VALUE)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ValueError(N_("expected KEY=VALUE, got %(text)s", text=repr(text)))
    return key.strip(), value.strip()


def _find_in_list(items: list[Any], selector: str | int, where: str) -> int:
    if isinstance(selector, int):
        if -len(items) <= selector < len(items):
            return selector % len(items)
        raise KeyError(
            N_("%(where)s has %(n)s items; there is no index %(index)s", where=where,
               n=len(items), index=selector)
        )  # fmt: skip
    name = selector[1:-1]
    for index, item in enumerate(items):
        if isinstance(item, Mapping):
            label = item.get("name") or f"{item.get('source')} -> {item.get('target')}"
            if label == name:
                return index
    names = [
        str(i.get("name") or f"{i.get('source')} -> {i.get('target')}")
        for i in items
        if isinstance(i, Mapping)
    ]
    lowered = {n.lower(): n for n in names}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1)
    hint = (
        N_("; did you mean %(name)s?", name=repr(lowered[close[0]]))
        if close
        else N_(" (names: %(names)s)", names=", ".join(names))
    )
    raise KeyError(
        N_("%(where)s has no item named %(name)s%(hint)s", where=where, name=repr(name), hint=hint)
    )


class _KeyPathError(KeyError):
    """A key path that does not exist, with the fix to suggest."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.fix = fix


NAMED_MAPPINGS = ("links",)
"""Mappings keyed by names the scenario defines: a key path through a name that is not there
is refused instead of creating an entry."""


def apply_override(data: Any, key: str, value: Any) -> Any:
    """A copy of ``data`` with ``value`` at ``key``."""
    parts = parse_key(key)
    root = copy.deepcopy(data)
    node = root
    where = ""
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if isinstance(part, str) and not part.startswith("["):
                raise KeyError(
                    N_("%(where)s is a list: select an item with [N] or [NAME]", where=where)
                    if where
                    else N_("the scenario is a list: select an item with [N] or [NAME]")
                )
            index = _find_in_list(node, part, where)
            where += f"[{part if isinstance(part, int) else part[1:-1]}]"
            if last:
                node[index] = value
            else:
                node = node[index]
            continue
        if not isinstance(node, dict):
            raise KeyError(
                N_("%(where)s is not a mapping, so it has no key %(key)s", where=where,
                   key=repr(part))
            )  # fmt: skip
        if isinstance(part, int) or part.startswith("["):
            raise KeyError(
                N_("%(where)s is not a list", where=where)
                if where
                else N_("the scenario is not a list")
            )
        if where in NAMED_MAPPINGS and part not in node and not last:
            # A field of a link that is not there: a typo, not a new link (which would be
            # defined whole, e.g. links.wire={bandwidth: 1 Gbit/s}, and then used by a flow).
            close = difflib.get_close_matches(part, [str(k) for k in node], n=1)
            hint = N_("did you mean %(name)s? ", name=repr(close[0])) if close else ""
            raise _KeyPathError(
                N_("there is no link %(link)s", link=repr(part)),
                N_("%(hint)sdefined: %(links)s", hint=hint, links=", ".join(map(str, node))),
            )
        where = f"{where}.{part}" if where else part
        if last:
            node[part] = value
        else:
            if part not in node or node[part] is None:
                node[part] = {}
            node = node[part]
    return root


def apply_overrides(
    data: Any, assignments: Iterable[str], source: str | None, read_value: Any
) -> Any:
    """Apply every ``KEY=VALUE``; ``read_value(text)`` parses a value (the YAML reader).

    Raises :class:`ScenarioError` naming each bad assignment.
    """
    problems: list[Problem] = []
    added: dict[str, str] = {}  # link defined by an override -> the assignment
    for assignment in assignments:
        try:
            key, text = split_assignment(assignment)
            parts = parse_key(key)
            links = data.get("links") if isinstance(data, Mapping) else None
            if (
                len(parts) == 2
                and parts[0] == "links"
                and isinstance(links, Mapping)
                and parts[1] not in links
            ):
                added[str(parts[1])] = assignment
            data = apply_override(data, key, read_value(text))
        except ScenarioError as exc:
            problems.extend(Problem(f"--set {assignment}", p.problem, p.fix) for p in exc.problems)
        except _KeyPathError as exc:
            problems.append(Problem(f"--set {assignment}", _text(exc), exc.fix))
        except (KeyError, ValueError) as exc:
            problems.append(
                Problem(
                    f"--set {assignment}",
                    _text(exc),
                    N_(
                        "write KEY=VALUE with a key path such as links.capped.daily_cap or "
                        "flows[Cardiff].volume"
                    ),
                )
            )
    for name, assignment in added.items():
        if not _link_used(data, name):
            links = [str(k) for k in data.get("links", {}) if k not in added]
            close = difflib.get_close_matches(name, links, n=1)
            hint = N_("did you mean %(name)s? ", name=repr(close[0])) if close else ""
            problems.append(
                Problem(
                    f"--set {assignment}",
                    N_("defines a new link %(link)s that no flow uses", link=repr(name)),
                    N_(
                        "%(hint)schange an existing link, or also put %(link)s on a flow's path "
                        "(e.g. %(example)s)",
                        hint=hint,
                        link=repr(name),
                        example=f"--set 'flows[NAME].links=[{name}]'",
                    ),
                )
            )
    if problems:
        raise ScenarioError(problems, source)
    return data


def _text(exc: Exception) -> str:
    """The message an error was raised with (a translatable one kept as it is)."""
    message = exc.args[0] if exc.args else None
    return message if isinstance(message, str) else str(exc)


def _link_used(data: Any, name: str) -> bool:
    """Whether a flow's path or a link's fallback names the link."""
    flows = data.get("flows") if isinstance(data, Mapping) else None
    for flow in flows if isinstance(flows, list) else []:
        if isinstance(flow, Mapping) and name in (flow.get("links") or ()):
            return True
    links = data.get("links") if isinstance(data, Mapping) else None
    for link in (links or {}).values() if isinstance(links, Mapping) else ():
        if isinstance(link, Mapping) and link.get("fallback") == name:
            return True
    return False
