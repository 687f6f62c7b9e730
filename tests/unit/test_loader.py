"""The YAML loader's bounds: alias bombs, deep nesting, tags and long values are refused with a
short message, while ordinary anchors and aliases keep working."""

from __future__ import annotations

import resource
import time

import pytest

from migrasim.errors import ScenarioError
from migrasim.scenario.loader import MAX_DEPTH, MAX_NODES, read_yaml


def _bomb(levels: int) -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_quickly_with_a_short_message() -> None:
    # Nine levels of nine aliases expand to 9**9 = 387 million values: refused at the level
    # whose expansion first passes MAX_NODES (9**7 = 4.8 million > 2 million), before any of
    # it is built, in well under a second and without memory growth.
    text = _bomb(9)
    assert len(text) < 1000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        read_yaml(text, "bomb.yaml")
    assert time.perf_counter() - started < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # KB
    message = str(info.value)
    assert message == (
        "bomb.yaml: line 7, column 5: with its aliases expanded the document holds over "
        f"{MAX_NODES:,} values. Fix: scenario files hold plain data; use fewer aliases or "
        "less nesting"
    )


def test_a_few_levels_of_aliases_still_load() -> None:
    data = read_yaml(_bomb(3), "ok.yaml")
    assert len(data["l2"]) == 9
    assert data["l2"][0] is data["l1"]  # aliases share the value, as YAML says


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    deep = "x: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n"
    with pytest.raises(ScenarioError, match=f"nested more than {MAX_DEPTH} levels deep"):
        read_yaml(deep, "deep.yaml")
    shallow = "x: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n"
    expected: list[object] = []
    for _ in range(MAX_DEPTH - 2):
        expected = [expected]
    assert read_yaml(shallow, "ok.yaml") == {"x": expected}


def test_nesting_that_would_exhaust_the_stack_is_an_input_error() -> None:
    very_deep = "x: " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(ScenarioError, match="nested more than"):
        read_yaml(very_deep, "deep.yaml")


@pytest.mark.parametrize(
    "text",
    ["name: !!binary aGVsbG8=\n", "name: !!python/object:os.system {}\n", "x: !custom 1\n"],
)
def test_tags_are_refused(text: str) -> None:
    with pytest.raises(ScenarioError, match="unsupported YAML tag"):
        read_yaml(text, "tags.yaml")


def test_a_huge_bad_value_is_quoted_short() -> None:
    from migrasim.scenario.types import parse_scenario

    data = {"name": "x", "start": "2025-06-02", "links": {}, "flows": "y" * 1_000_000}
    with pytest.raises(ScenarioError) as info:
        parse_scenario(data, "long.yaml")
    assert len(str(info.value)) < 2000


def test_libyaml_reads_every_scenario_as_pyyaml_does() -> None:
    """Files are parsed by libyaml when PyYAML has it (10x faster on 10,000 flows), with the
    same constructors: each shipped scenario reads to the same data as with PyYAML's parser."""
    from pathlib import Path

    import yaml

    from migrasim.scenario import loader

    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML built without libyaml")
    assert loader._FastStrictLoader is not None
    root = Path(__file__).resolve().parents[2] / "scenarios"
    files = sorted(root.glob("*.yaml"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast = yaml.load(text, Loader=loader._FastStrictLoader)
        assert fast == yaml.load(text, Loader=loader._StrictLoader), path.name
        assert read_yaml(text, path.name) == fast


def test_a_file_libyaml_refuses_gets_pyyamls_message() -> None:
    with pytest.raises(ScenarioError, match=r"line 2, column 1: expected ',' or '\]'"):
        read_yaml("name: [t\n", "bad.yaml")


def test_a_document_without_aliases_is_bounded_as_a_tree() -> None:
    """Text with no '*' cannot hold an alias: it is checked by a plain walk (fast on 10,000
    flows), and a file over the bounds is still refused, with the same message."""
    from migrasim.scenario import loader

    wide = "[" + ", ".join(["1"] * 50) + "]"
    assert read_yaml(f"a: {wide}\n", "ok.yaml") == {"a": [1] * 50}
    over = "[" + ", ".join(["1"] * 50) + "]"
    real = loader.MAX_NODES
    try:
        loader.MAX_NODES = 40
        with pytest.raises(ScenarioError, match="over 40 values"):
            read_yaml(f"a: {over}\n", "big.yaml")
    finally:
        loader.MAX_NODES = real
