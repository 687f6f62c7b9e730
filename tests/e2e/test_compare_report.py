"""End-to-end: a compare of three scenarios reads as a comparison. The title names every
scenario; the report's and the terminal's first table is the side-by-side (each scenario's
verdict, P80, chance, organisations late and change against the first); its figures are
``run``'s for the same scenario and seed; the default folder names all three."""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path
from typing import Any

import pytest

from migrasim.scenario.loader import load_scenario
from tests.helpers import invoke

ROOT = Path(__file__).resolve().parents[2]
FILES = [ROOT / "scenarios" / f"{stem}.yaml" for stem in ("health_boards", "hardwired",
                                                         "shipped_disks")]  # fmt: skip
NAMES = [load_scenario(path).name for path in FILES]
N = "40"


@pytest.fixture(scope="module")
def english(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The compare in English, written to its default folder (under results/ in a fresh
    working folder)."""
    where = tmp_path_factory.mktemp("compare-en")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(where)
        code, stdout, stderr = invoke("compare", *map(str, FILES), "-n", N, "-j", "1")
    assert code == 0, stderr
    return {"where": where, "stdout": stdout}


@pytest.fixture(scope="module")
def welsh(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("compare-cy") / "out"
    code, stdout, stderr = invoke("compare", *map(str, FILES), "-n", N, "-j", "1", "--out",
                                  str(out), "--lang", "cy")  # fmt: skip
    assert code == 0, stderr
    return {"out": out, "stdout": stdout}


def _folder(english: dict[str, Any]) -> Path:
    return english["where"] / "results" / "compare-health_boards-vs-hardwired-shipped_disks"


def _words(fragment: str) -> str:
    """An HTML fragment's text, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _side_by_side(page: str) -> list[list[str]]:
    """The first section of the page's main part: its id and its table's rows (cells as
    text)."""
    main = page[page.index('<main class="wrap">') :]
    first = re.search(r'<section id="([^"]+)"', main)
    assert first is not None
    assert first.group(1) == "comparison"  # before any other result
    section = main[first.start() : main.index("</section>", first.start())]
    body = section[section.index("<tbody>") : section.index("</tbody>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
    return [[_words(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)] for r in rows]


def _run(path: Path, tmp: Path) -> str:
    """``run``'s terminal output for one scenario, with the compare's seed and count."""
    code, stdout, stderr = invoke("run", str(path), "-n", N, "-j", "1", "--seed", "1", "--out",
                                  str(tmp / path.stem))  # fmt: skip
    assert code == 0, stderr
    return stdout


def test_the_default_folder_names_all_three(english: dict[str, Any]) -> None:
    assert sorted(p.name for p in (english["where"] / "results").iterdir()) == [
        "compare-health_boards-vs-hardwired-shipped_disks"
    ]
    assert (_folder(english) / "report.html").exists()
    assert "results/compare-health_boards-vs-hardwired-shipped_disks/" in english["stdout"]


def test_the_title_names_every_scenario(english: dict[str, Any]) -> None:
    page = (_folder(english) / "report.html").read_text(encoding="utf-8")
    h1 = html.unescape(re.search(r"<h1>(.*?)</h1>", page, re.S).group(1))  # type: ignore[union-attr]
    title = html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1))  # type: ignore[union-attr]
    for name in NAMES:
        assert name in h1
        assert name in title
    assert h1 == f"{NAMES[0]} compared with {NAMES[1]} and {NAMES[2]}"


def test_the_first_section_is_the_side_by_side(english: dict[str, Any], tmp_path: Path) -> None:
    folder = _folder(english)
    rows = _side_by_side((folder / "report.html").read_text(encoding="utf-8"))
    assert [r[0] for r in rows] == NAMES  # one row per scenario, in order, by name
    csv_rows = list(csv.DictReader((folder / "compare.csv").open(newline="")))
    programme = [r for r in csv_rows if r["flow"] == "ALL"]
    assert [r["scenario"] for r in programme] == NAMES
    words = {"yes": "Yes", "no": "No", "risk": "At risk"}
    for row, figures in zip(rows, programme, strict=True):
        _name, verdict, p80, chance, late, *_change = row
        assert verdict == words[figures["verdict"]]
        assert "–" in p80  # the P80 with its interval
        assert "%" in chance
        assert late.startswith(f"{figures['organisations_late']} of {figures['organisations']}")
    # the first row is the reference: no change against itself, here or in compare.csv
    assert rows[0][5:] == ["The reference: each change below is against this scenario."]
    assert programme[0]["p80_diff_days"] == programme[0]["prob_diff"] == ""
    for row, figures in zip(rows[1:], programme[1:], strict=True):
        days = int(float(figures["p80_diff_days"]))
        low, high = (int(float(figures[k])) for k in ("p80_diff_ci_low", "p80_diff_ci_high"))
        assert low <= days <= high
        shown = row[5].replace("\u2212", "-").replace(",", "").split()
        assert shown == [f"{days:+d}", f"{low:+d}", "–", f"{high:+d}"]
        assert row[6].split()[0] == f"{100 * float(figures['prob_diff']):+.0f}"
    # each scenario's figures are run's for the same scenario and seed: the same verdict, P80
    # and count of organisations late, from the same summary
    first = _run(FILES[0], tmp_path)
    p80 = programme[0]["p80"]
    assert f"Will we make go-live? {rows[0][1]}: P80 {p80}," in first
    late, n = programme[0]["organisations_late"], programme[0]["organisations"]
    assert f"Status: {late} of {n} organisations likely late," in first
    assert int(programme[0]["organisations_at_risk"]) > 0
    assert f"{programme[0]['organisations_at_risk']} at risk" in rows[0][4]


def test_the_terminal_prints_the_side_by_side_first(english: dict[str, Any]) -> None:
    lines = english["stdout"].splitlines()
    assert lines[0].startswith("Comparing 3 scenarios")
    head, *rows = lines[1:5]
    assert head.startswith("make go-live?")
    assert head.endswith("scenario")
    assert [row[len(row) - len(name) :] for row, name in zip(rows, NAMES, strict=True)] == NAMES
    assert rows[0].startswith("No ")
    assert "(reference)" in rows[0]
    assert all(row.startswith("Yes ") for row in rows[1:])
    # the organisation-by-organisation table only on request
    assert "Isle of Anglesey" not in english["stdout"]
    assert lines[5].startswith("Per organisation: compare.csv")


def test_the_welsh_comparison(welsh: dict[str, Any]) -> None:
    page = (welsh["out"] / "report.html").read_text(encoding="utf-8")
    rows = _side_by_side(page)
    assert [r[0] for r in rows] == NAMES
    assert '<h2 id="h-comparison">Senarios ochr yn ochr</h2>' in page
    assert rows[0][5:] == ["Y cyfeirnod: mae pob newid isod o'i gymharu â'r senario hwn."]
    assert " o 29" in rows[0][4]
    h1 = html.unescape(re.search(r"<h1>(.*?)</h1>", page, re.S).group(1))  # type: ignore[union-attr]
    assert h1 == f"{NAMES[0]} o'i gymharu â {NAMES[1]} a {NAMES[2]}"
    lines = welsh["stdout"].splitlines()
    assert lines[1].startswith("barod erbyn mynd yn fyw?")
    assert lines[1].endswith("senario")
    assert "(cyfeirnod)" in lines[2]


def test_by_organisation_prints_the_detail_after(tmp_path: Path) -> None:
    out = str(tmp_path / "o")
    code, stdout, stderr = invoke("compare", str(FILES[0]), str(FILES[1]), "-n", "20", "-j",
                                  "1", "--out", out, "--by-organisation")  # fmt: skip
    assert code == 0, stderr
    lines = stdout.splitlines()
    assert lines[1].startswith("make go-live?")
    assert lines[2].endswith(NAMES[0])
    assert lines[3].endswith(NAMES[1])
    assert lines[4] == ""
    assert lines[5].startswith("flow")
    assert any(line.startswith("Isle of Anglesey") for line in lines[6:])
