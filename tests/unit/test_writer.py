"""scenario/writer.py: a variant is the scenario file with only the changed values rewritten
(comments, ASSUMPTION labels, anchors and styles kept), and loads to the scenario ``--set``
gives."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from migrasim.errors import ScenarioError
from migrasim.scenario.loader import load_scenario
from migrasim.scenario.writer import variant_yaml

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """(lines removed, lines added) from ``before`` to ``after``."""
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    return [d[2:] for d in diff if d[:2] == "- "], [d[2:] for d in diff if d[:2] == "+ "]


def comment_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("#")]


def test_a_variant_changes_only_the_edited_lines() -> None:
    source = SCENARIOS / "health_boards.yaml"
    text = source.read_text(encoding="utf-8")
    changes = (
        "links.capped.daily_cap=3 GB",
        "go_live=2026-03-02",
        "flows[Cardiff].volume={low: 40 GB, likely: 200 GB, high: 600 GB, group: volume_method}",
        "flows[3].volume=5 GB",
    )
    variant = variant_yaml(source, changes, ["a header"])
    removed, added = changed_lines(text, variant)
    assert removed == [
        "go_live: 2026-01-05",
        "    daily_cap: 1 GB",
        "    volume: {low: 20 GB, likely: 100 GB, high: 300 GB, group: volume_method}",
        "    volume: {low: 75 GB, likely: 377 GB, high: 1131 GB, group: volume_method}",
    ]
    assert added == [
        "# a header",
        "go_live: 2026-03-02",
        "    daily_cap: 3 GB",
        "    volume: 5 GB",  # flows[3] is Denbighshire
        "    volume: {low: 40 GB, likely: 200 GB, high: 600 GB, group: volume_method}",
    ]
    # every comment and ASSUMPTION label of the file is still there, in order
    assert comment_lines(variant) == ["# a header", *comment_lines(text)]
    assert variant.count("ASSUMPTION") == text.count("ASSUMPTION")
    assert len(variant.splitlines()) == len(text.splitlines()) + 1


@pytest.mark.parametrize(
    "changes",
    [
        ("links.capped.daily_cap=3 GB", "start=2025-09-01"),
        ("flows[Cardiff].volume=1 TB", 'links.capped.description="yes: it is # not a comment"'),
        ("links.capped.outages={mtbf: 20 days, mttr: 1 day}", "calendar.holidays=england"),
        ('flows[Gwynedd].description="on"', "flows[-1].volume=2 GB"),
        ("flows[Cardiff].rejection.fraction=0.5", "flows[0].rejection.delay.high=6 weeks"),
    ],
)
def test_a_variant_loads_to_the_scenario_set_gives(tmp_path: Path, changes: tuple[str]) -> None:
    source = SCENARIOS / "health_boards.yaml"
    path = tmp_path / "variant.yaml"
    path.write_text(variant_yaml(source, changes), encoding="utf-8")
    assert load_scenario(path) == load_scenario(source, changes)
    assert load_scenario(path) != load_scenario(source)


def test_a_change_to_a_shared_value_rewrites_only_its_flow() -> None:
    """Every flow but the first says ``rejection: *rejection``; a change to Cardiff's writes
    Cardiff's rejection in full on its own line and leaves the anchor and the others as they
    are."""
    source = SCENARIOS / "health_boards.yaml"
    text = source.read_text(encoding="utf-8")
    variant = variant_yaml(source, ("flows[Cardiff].rejection.fraction=0.5",))
    assert changed_lines(text, variant) == (
        ["    rejection: *rejection"],
        ["    rejection: {fraction: 0.5, delay: {low: 1 week, likely: 2 weeks, high: 4 weeks}}"],
    )


def test_a_variant_of_an_inventory_scenario_keeps_its_inventory(tmp_path: Path) -> None:
    for name in ("inventory_example.yaml", "inventory_example.csv"):
        shutil.copy(SCENARIOS / name, tmp_path / name)
    source = tmp_path / "inventory_example.yaml"
    text = source.read_text(encoding="utf-8")
    path = tmp_path / "inventory_example.variant-1.yaml"
    changes = ("links.capped.daily_cap=2 GB",)
    path.write_text(variant_yaml(source, changes), encoding="utf-8")
    removed, added = changed_lines(text, path.read_text(encoding="utf-8"))
    assert removed == ["  capped: {daily_cap: 1 GB, per_flow: true}"]
    assert added == ["  capped: {daily_cap: 2 GB, per_flow: true}"]  # flows_from kept
    assert load_scenario(path) == load_scenario(source, changes)


def test_a_change_to_an_inventory_flow_writes_the_inventory_in(tmp_path: Path) -> None:
    for name in ("inventory_example.yaml", "inventory_example.csv"):
        shutil.copy(SCENARIOS / name, tmp_path / name)
    source = tmp_path / "inventory_example.yaml"
    path = tmp_path / "variant.yaml"
    for changes in (("flows[Gwynedd].volume=50 GB",), ("flows[-1].after=[Conwy]",)):
        variant = variant_yaml(source, changes)
        path.write_text(variant, encoding="utf-8")
        assert "\nflows_from:" not in variant
        assert "# The flows of inventory_example.csv are written below" in variant
        assert load_scenario(path) == load_scenario(source, changes)
        (tmp_path / "inventory_example.csv").unlink()  # the variant stands alone
        assert load_scenario(path) == load_scenario(path)
        shutil.copy(SCENARIOS / "inventory_example.csv", tmp_path / "inventory_example.csv")


def test_a_bad_variant_is_refused_with_the_set_message() -> None:
    with pytest.raises(ScenarioError) as caught:
        variant_yaml(SCENARIOS / "health_boards.yaml", ("links.capped.daily_cap=-1 GB",))
    assert "links.capped.daily_cap" in str(caught.value)


def test_the_inventory_note_is_in_the_headers_language(tmp_path: Path) -> None:
    """The note over the inventory's flows is a catalogue message, in the language of the
    ``words`` given (plan.yaml's header, the what-if page's request); English by default."""
    from migrasim.render.i18n import translator

    for name in ("inventory_example.yaml", "inventory_example.csv"):
        shutil.copy(SCENARIOS / name, tmp_path / name)
    source = tmp_path / "inventory_example.yaml"
    changes = ("flows[Gwynedd].volume=50 GB",)
    english = variant_yaml(source, changes)
    welsh = variant_yaml(source, changes, words=translator("cy").message)
    note = "# The flows of inventory_example.csv are written below (a change reaches them).\n"
    assert english.startswith(note)
    assert welsh.startswith(
        "# Mae llifoedd inventory_example.csv wedi'u hysgrifennu isod (mae newid yn eu cyrraedd).\n"
    )
    assert welsh[welsh.index("\n") :] == english[english.index("\n") :]
