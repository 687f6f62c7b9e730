"""``--set KEY=VALUE``: change a scenario before it is validated, and say what changed.

``KEY`` is a key path as in error messages: ``links.capped.daily_cap``, ``flows[3].volume``
(a list index) or ``flows[Cardiff].volume`` (a flow by name). ``VALUE`` is read as YAML, so
``"5 GB"`` stays text, ``0.7`` is a number and ``{low: 1 GB, likely: 2 GB, high: 4 GB}`` an
estimate. The changed mapping is then validated exactly like a file, with the same messages.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
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


Put = Callable[[Any, Any], Any]
"""``put(old, new)``: what to store at a key path in place of ``old`` (None if absent) when an
override sets ``new``; the default stores ``new`` itself. A round-trip writer passes one that
keeps the old value's style."""


def _new(old: Any, new: Any) -> Any:
    return new


def _shared(root: Any) -> set[int]:
    """The ids of the mappings and lists reachable more than once from ``root``: values the
    file shares through YAML aliases (``rejection: *rejection`` on every flow)."""
    seen: set[int] = set()
    shared: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, dict | list):
            if id(node) in seen:
                shared.add(id(node))
                continue
            seen.add(id(node))
            stack.extend(node.values() if isinstance(node, dict) else node)
    return shared


def _own(child: Any, shared: set[int]) -> Any:
    """``child`` as the key path's own (a copy where the file shares it through an alias), so
    that only the value at the key path changes."""
    return copy.deepcopy(child) if id(child) in shared else child


def apply_override(data: Any, key: str, value: Any, put: Put = _new, copy_root: bool = True) -> Any:
    """A copy of ``data`` with ``value`` at ``key``; only the value at ``key`` changes, even
    where the file shares it with other keys through a YAML alias. ``copy_root=False``
    changes ``data`` itself (a caller making many changes to its own copy)."""
    parts = parse_key(key)
    root = copy.deepcopy(data) if copy_root else data
    shared = _shared(root)
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
                node[index] = put(node[index], value)
            else:
                node[index] = _own(node[index], shared)
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
            node[part] = put(node.get(part), value)
        else:
            if part not in node or node[part] is None:
                node[part] = {}
            else:
                node[part] = _own(node[part], shared)
            node = node[part]
    return root


def key_path_problem(where: str, exc: KeyError | ValueError) -> Problem:
    """A key path that :func:`apply_override` refused, as the problem to report at ``where``
    (``--set KEY=VALUE``, a sweep's ``--grid`` key, solve's ``--vary``)."""
    if isinstance(exc, _KeyPathError):
        return Problem(where, _text(exc), exc.fix)
    return Problem(
        where,
        _text(exc),
        N_(
            "write KEY=VALUE with a key path such as links.capped.daily_cap or "
            "flows[Cardiff].volume"
        ),
    )


def apply_overrides(
    data: Any, assignments: Iterable[str], source: str | None, read_value: Any, put: Put = _new
) -> Any:
    """Apply every ``KEY=VALUE``; ``read_value(text)`` parses a value (the YAML reader),
    ``put`` stores it (see :data:`Put`).

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
            data = apply_override(data, key, read_value(text), put)
        except ScenarioError as exc:
            problems.extend(Problem(f"--set {assignment}", p.problem, p.fix) for p in exc.problems)
        except (KeyError, ValueError) as exc:
            problems.append(key_path_problem(f"--set {assignment}", exc))
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


@dataclass(frozen=True)
class Change:
    """One ``--set`` change as the run read it: what it changed, its value in the file and the
    value that ran (validated: SI numbers, estimates, dates), for labels in words."""

    assignment: str  # as given: "links.capped.daily_cap=3 GB"
    key: str  # "links.capped.daily_cap"
    text: str  # the value as given: "3 GB"
    link: str | None  # the link it changes (links.NAME...), if any
    flow: str | None  # the name of the flow it changes (flows[...]...), if any
    field: str  # the key below the link or flow ("daily_cap", "rejection.fraction"), the key
    # itself for the rest ("go_live", "calendar.holidays"); "" for a whole link or flow
    before: Any  # the file's value (None: not set in the file)
    after: Any  # the value that ran
    link_spec: Any = None  # for a link's change: the link that ran (a LinkSpec)


_MISSING = object()
_NULLS = ("", "~", "null", "Null", "NULL")


def _name(item: Any) -> Any:
    return item.get("name") if isinstance(item, Mapping) else getattr(item, "name", None)


def _value_at(spec: Any, parts: Sequence[str | int]) -> Any:
    """The value at a parsed key path in a validated scenario (``_MISSING`` if there is none):
    attributes of models, keys of mappings, items of lists by index or by name."""
    node = spec
    for part in parts:
        if isinstance(node, Mapping):
            node = node.get(part, _MISSING)
        elif isinstance(node, list | tuple):
            if isinstance(part, int):
                node = node[part] if -len(node) <= part < len(node) else _MISSING
            else:
                name = part[1:-1] if part.startswith("[") else part
                node = next((item for item in node if _name(item) == name), _MISSING)
        elif isinstance(part, str) and not part.startswith("[") and hasattr(node, part):
            node = getattr(node, part)
        else:
            return _MISSING
        if node is _MISSING:
            return _MISSING
    return node


def changes_of(
    file_spec: Any, spec: Any, assignments: Iterable[str], file_data: Any = None
) -> tuple[Change, ...]:
    """What each ``--set`` assignment changed, between the file's validated scenario
    (``file_spec``; its raw mapping if the file alone does not validate) and the one that ran
    (``spec``); a key set twice is listed once, at its last place. A value neither scenario
    holds (e.g. ``flows_from``, read into the flows) is taken from the file's raw mapping
    ``file_data`` and the assignment's text."""
    found: dict[str, Change] = {}
    for assignment in assignments:
        key, text = split_assignment(assignment)
        parts = parse_key(key)
        link = flow = None
        below = parts
        if parts[0] == "links" and len(parts) >= 2 and isinstance(parts[1], str):
            link, below = parts[1], parts[2:]
        elif parts[0] == "flows" and len(parts) >= 2:
            item = _value_at(spec, parts[:2])
            label = getattr(item, "label", None) or _name(item)
            flow = str(label or (parts[1] if isinstance(parts[1], int) else parts[1][1:-1]))
            below = parts[2:]
        before, after = _value_at(file_spec, parts), _value_at(spec, parts)
        if before in (_MISSING, None) and file_data is not None:
            before = _value_at(file_data, parts)
        if after in (_MISSING, None) and text.strip() not in _NULLS:
            after = text
        link_spec = _MISSING if link is None else _value_at(spec, ["links", link])
        found.pop(key, None)
        found[key] = Change(
            assignment=assignment,
            key=key,
            text=text,
            link=link,
            flow=flow,
            field=".".join(str(p) for p in below),
            before=None if before is _MISSING else before,
            after=None if after is _MISSING else after,
            link_spec=None if link_spec is _MISSING else link_spec,
        )
    return tuple(found.values())
