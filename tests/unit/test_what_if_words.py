"""render/board.py's what-if words: each ``--set`` change in words with the file's value
(scenario/overrides.py ``changes_of``), and the binding constraint of a link whose capacity a
what-if changed, in English and Welsh, against hand-written expectations."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from migrasim.analysis.records import Binding
from migrasim.render.board import (
    assumption_notes,
    binding_words,
    change_words,
    key_words,
    what_if_text,
)
from migrasim.render.i18n import translator
from migrasim.scenario.loader import load_scenario, what_changed
from migrasim.scenario.overrides import changes_of

ROOT = Path(__file__).resolve().parents[2]
WALES = ROOT / "scenarios" / "health_boards.yaml"
HARDWIRED = ROOT / "scenarios" / "hardwired.yaml"
DESCRIPTION = (
    "1 GB a day per organisation (Senedd LGH Committee letter, 28 Apr 2025; per-organisation "
    "reading is an ASSUMPTION)"
)


def words(path: Path, *overrides: str, lang: str = "en") -> list[str]:
    changes = what_changed(path, overrides, load_scenario(path, overrides))
    return [change_words(c, translator(lang)) for c in changes]


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("links.capped.daily_cap=3 GB", "daily cap of link capped 3 GB a day (file: 1 GB a day)"),
        ("go_live=2026-03-02", "go-live 2 March 2026 (file: 5 January 2026)"),
        ("start=2025-09-01T09:30", "start 1 September 2025 at 09:30 (file: 2 June 2025)"),
        # flows[3] is Denbighshire: PERT 20, 100, 300 GB in the file
        ("flows[3].volume=37.5 GB",
         "volume of Denbighshire 37.5 GB (file: likely 100 GB, 20 GB to 300 GB)"),
        ("flows[Cardiff].volume=1131 GB",
         "volume of Cardiff 1.131 TB (file: likely 377 GB, 75 GB to 1.131 TB)"),
        ("flows[Cardiff].growth=0.5 GB/day",
         "growth of Cardiff 500 MB a day (file: 31 MB a day)"),
        ("calendar.holidays=england", "bank holidays england (file: wales)"),
        ("links.capped.per_flow=false", "a copy for each organisation of link capped no "
                                        "(file: yes)"),
        ("links.capped.outages.mttr=1.5 days", "time to restore after an outage of link "
         "capped 1.5 days (file: likely 8 hours, 2 hours to 3 days)"),
        ("links.capped.lead_time=1 day", "install lead time of link capped 1 day (not in the "
         "file)"),
        ("flows[0].rejection.delay=2 weeks", "remediation delay of Isle of Anglesey 2 weeks "
         "(file: likely 2 weeks, 1 week to 4 weeks)"),
        ("links.capped.bandwidth=100 Mbit/s",
         "bandwidth of link capped 100 Mbit/s (not in the file)"),
    ],
)  # fmt: skip
def test_each_change_in_words_with_the_files_value(override: str, expected: str) -> None:
    assert words(WALES, override) == [expected]


def test_a_link_with_a_window_and_efficiency_in_words() -> None:
    # hardwired: 1 Gbit/s, efficiency 0.7, window 19:00-07:00, per organisation
    assert words(HARDWIRED, "links.hardwired.bandwidth=200 Mbit/s",
                 "links.hardwired.window=18:00-06:00") == [
        "bandwidth of link hardwired 200 Mbit/s (file: 1,000 Mbit/s)",
        "transfer window of link hardwired 18:00 to 06:00 (file: 19:00 to 07:00)",
    ]  # fmt: skip


def test_inventories_and_whole_links_in_words(tmp_path: Path) -> None:
    for name in ("inventory_example.yaml", "inventory_example.csv"):
        shutil.copy(ROOT / "scenarios" / name, tmp_path / name)
    shutil.copy(ROOT / "scenarios" / "inventory_example.csv", tmp_path / "other.csv")
    path = tmp_path / "inventory_example.yaml"
    assert words(path, "flows_from=other.csv", "flows[Gwynedd].volume=4 GB",
                 "links.capped={daily_cap: 2 GB, per_flow: true}") == [
        "inventory file other.csv (file: inventory_example.csv)",
        "volume of Gwynedd 4 GB (file: 122 GB)",
        "link capped 2 GB a day per organisation (file: 1 GB a day per organisation)",
    ]  # fmt: skip


def test_several_changes_are_listed_each_and_a_key_set_twice_once() -> None:
    overrides = ("links.capped.daily_cap=2 GB", "go_live=2026-03-02", "links.capped.daily_cap=3 GB")
    changes = what_changed(WALES, overrides, load_scenario(WALES, overrides))
    assert what_if_text(changes, translator("en")) == (
        "What-if: go-live 2 March 2026 (file: 5 January 2026); "
        "daily cap of link capped 3 GB a day (file: 1 GB a day)"
    )
    assert what_if_text(changes, translator("cy")) == (
        "Beth os: mynd yn fyw 2 Mawrth 2026 (ffeil: 5 Ionawr 2026); "
        "terfyn dyddiol cyswllt capped 3 GB y dydd (ffeil: 1 GB y dydd)"
    )
    # assignments given as text (compare's variant labels) are shown as given
    assert what_if_text(("a=1",), translator("en")) == "What-if: a=1"


def test_the_file_need_not_validate_alone() -> None:
    """A --set may supply what the file lacks: the file's value then comes from its text."""
    spec = load_scenario(WALES, ("links.capped.daily_cap=3 GB",))
    changes = changes_of({"links": {"capped": {"daily_cap": "1 GB"}}}, spec,
                         ("links.capped.daily_cap=3 GB",))  # fmt: skip
    assert change_words(changes[0], translator("en")) == (
        "daily cap of link capped 3 GB a day (file: 1 GB)"
    )


def binding(link: str = "capped") -> Binding:
    return Binding("link", link, DESCRIPTION, 92.0)


def test_the_binding_link_is_named_with_the_capacity_that_ran() -> None:
    overrides = ("links.capped.daily_cap=3 GB",)
    changes = what_changed(WALES, overrides, load_scenario(WALES, overrides))
    text, gain = binding_words(binding(), DESCRIPTION, translator("en"), changes)
    assert text == (
        "link capped, 3 GB a day per organisation (what-if); the file's description says: "
        + DESCRIPTION
    )
    assert (
        gain == "Doubling this link's capacity would bring the finish 92 days earlier at the most "
        "likely inputs."
    )
    cy, _ = binding_words(binding(), DESCRIPTION, translator("cy"), changes)
    assert cy.startswith("cyswllt capped, 3 GB y dydd fesul sefydliad (beth os); mae disgrifiad")


def test_the_description_stands_when_the_capacity_was_not_changed() -> None:
    # no change, a change elsewhere, a change to the link that is not its capacity
    for overrides in ((), ("go_live=2026-03-02",), ("links.capped.lead_time=2 weeks",)):
        changes = what_changed(WALES, overrides, load_scenario(WALES, overrides))
        assert binding_words(binding(), DESCRIPTION, translator("en"), changes)[0] == DESCRIPTION


def test_a_link_with_bandwidth_efficiency_and_window_in_words() -> None:
    # hardwired: 1 Gbit/s at 70 %, 19:00-07:00, one per organisation; no description
    overrides = ("links.hardwired.bandwidth=200 Mbit/s",)
    changes = what_changed(HARDWIRED, overrides, load_scenario(HARDWIRED, overrides))
    text, _ = binding_words(binding("hardwired"), None, translator("en"), changes)
    assert text == (
        "link hardwired, 200 Mbit/s at 70% efficiency in the window 19:00 to 07:00 per "
        "organisation (what-if)"
    )


def test_a_description_the_what_if_gives_is_trusted() -> None:
    for overrides in (
        ("links.capped.daily_cap=3 GB", "links.capped.description=3 GB a day each"),
        ("links.capped={daily_cap: 3 GB, per_flow: true, description: 3 GB a day each}",),
    ):
        changes = what_changed(WALES, overrides, load_scenario(WALES, overrides))
        text, _ = binding_words(binding(), "3 GB a day each", translator("en"), changes)
        assert text == "3 GB a day each", overrides
    # a whole link replaced without a description: named with the capacity that ran
    overrides = ("links.capped={daily_cap: 3 GB, per_flow: true}",)
    changes = what_changed(WALES, overrides, load_scenario(WALES, overrides))
    text, _ = binding_words(binding(), None, translator("en"), changes)
    assert text == "link capped, 3 GB a day per organisation (what-if)"


def test_the_descriptions_of_what_changed_are_marked_as_the_files() -> None:
    overrides = ("links.capped.daily_cap=3 GB", "flows[Cardiff].volume=1 TB")
    changes = what_changed(WALES, overrides, load_scenario(WALES, overrides))
    assumptions = [("scenario", "S"), ("links.capped", "L"), ("flows[Cardiff]", "C"),
                   ("flows[Newport]", "N")]  # fmt: skip
    cap = "daily cap of link capped 3 GB a day (file: 1 GB a day)"
    cardiff = "volume of Cardiff 1 TB (file: likely 377 GB, 75 GB to 1.131 TB)"
    assert assumption_notes(assumptions, changes, translator("en")) == [
        ("scenario", f"S [the file's text; this what-if changed {cap}; {cardiff}]"),
        ("links.capped", f"L [the file's text; this what-if changed {cap}]"),
        ("flows[Cardiff]", f"C [the file's text; this what-if changed {cardiff}]"),
        ("flows[Newport]", "N"),
    ]
    assert assumption_notes(assumptions, (), translator("en")) == assumptions


def test_a_key_in_words_for_axes_and_columns() -> None:
    en, cy = translator("en"), translator("cy")
    assert key_words("links.capped.daily_cap", en) == "daily cap of link capped"
    assert key_words("links.capped.daily_cap", cy) == "terfyn dyddiol cyswllt capped"
    assert key_words("flows[Cardiff].volume", en) == "volume of Cardiff"
    assert key_words("flows[3].rejection.delay", en) == "remediation delay of flows[3]"
    assert key_words("go_live", en) == "go-live"
    assert key_words("seed", en) == "seed"  # a key with no words: as it is
