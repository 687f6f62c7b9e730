"""The report's layout in a real headless Chromium (issue 9): at 1,280 and 1,920 px wide, in
English and Welsh, nothing in the summary or the tables is wider than its container, the key
columns ("Chance by go-live", "Bottleneck") are within the window, and the first screen answers
the board's questions. The compare report's table fits too.

Needs Debian's ``chromium`` and ``chromium-driver``; skipped without them unless
``MIGRASIM_REQUIRE_BROWSER=1`` (CI), when their absence fails. Screenshots of the first screen
are saved for review as ``results/screenshots/board-{en,cy}-{1280,1920}.png`` (or in
``$MIGRASIM_SCREENSHOT_DIR``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from migrasim.cli import cli
from tests.e2e.browser import launch

ROOT = Path(__file__).resolve().parents[2]
WIDTHS = (1280, 1920)
SCREEN_HEIGHT = 800
# Everything that must fit, as [name, scrollWidth, clientWidth]; the key cells' right edges;
# the page's own width. (A container narrower than its content scrolls sideways.)
MEASURE = """
const out = {boxes: [], keys: [], page: document.documentElement.scrollWidth,
             window: window.innerWidth};
const boxes = [document.getElementById('summary'),
               ...document.querySelectorAll('.cards .card'),
               ...document.querySelectorAll('.table-wrap')];
boxes.forEach((e, i) => out.boxes.push([(e.id || e.className) + '#' + i, e.scrollWidth,
                                        e.clientWidth]));
document.querySelectorAll('.key-chance, .key-bottleneck').forEach(
  e => out.keys.push(Math.round(e.getBoundingClientRect().right)));
return out;
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    driver = launch(tmp_path_factory.mktemp("chromium-layout"), ["--hide-scrollbars"])
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """report.html of a run in each language and of a compare with a variant."""
    found: dict[str, Path] = {}
    scenario = str(ROOT / "scenarios" / "health_boards.yaml")
    for lang in ("en", "cy"):
        folder = tmp_path_factory.mktemp(f"board-{lang}") / "out"
        args = ["run", scenario, "--out", str(folder), "-n", "40", "-j", "1", "--lang", lang]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        found[lang] = folder / "report.html"
        folder = tmp_path_factory.mktemp(f"compare-{lang}") / "out"
        args = ["compare", scenario, "--variant", "links.capped.daily_cap=3 GB", "--out",
                str(folder), "-n", "30", "-j", "1", "--lang", lang]  # fmt: skip
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        found[f"compare-{lang}"] = folder / "report.html"
        folder = tmp_path_factory.mktemp(f"compare3-{lang}") / "out"
        others = [str(ROOT / "scenarios" / f) for f in ("hardwired.yaml", "shipped_disks.yaml")]
        args = ["compare", scenario, *others, "--out", str(folder), "-n", "30", "-j", "1",
                "--lang", lang]  # fmt: skip
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        found[f"compare3-{lang}"] = folder / "report.html"
    return found


def _open(browser: Any, page: Path, width: int) -> dict[str, Any]:
    # The layout viewport is exactly ``width`` x 800 (window chrome not counted).
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": SCREEN_HEIGHT, "deviceScaleFactor": 1, "mobile": False},
    )
    browser.get(page.as_uri())
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 30).until(
        lambda b: b.execute_script("return document.readyState") == "complete"
    )
    measured: dict[str, Any] = browser.execute_script(MEASURE)
    return measured


def _assert_fits(measured: dict[str, Any], width: int) -> None:
    assert measured["window"] == width
    assert measured["page"] <= width, measured  # no sideways scroll of the page
    too_wide = [b for b in measured["boxes"] if b[1] > b[2] + 1]
    assert too_wide == [], too_wide  # [name, content width, box width]
    assert all(right <= width for right in measured["keys"]), measured["keys"]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", ["en", "cy"])
def test_board_page_fits_and_answers_on_the_first_screen(
    browser: Any, pages: dict[str, Path], lang: str, width: int
) -> None:
    measured = _open(browser, pages[lang], width)
    _assert_fits(measured, width)
    assert len(measured["keys"]) >= 2 * 30  # both key columns, every row and the header
    # The four answers are on the first screen: their tops above its bottom edge.
    for element in ("verdict", "p80", "bottleneck", "fix-capacity", "top-orgs"):
        top = browser.execute_script(
            f"return document.getElementById('{element}').getBoundingClientRect().top"
        )
        assert 0 <= top < SCREEN_HEIGHT, (element, top)
    folder = Path(os.environ.get("MIGRASIM_SCREENSHOT_DIR", ROOT / "results" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / f"board-{lang}-{width}.png"
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", ["en", "cy"])
def test_compare_page_fits(browser: Any, pages: dict[str, Path], lang: str, width: int) -> None:
    measured = _open(browser, pages[f"compare-{lang}"], width)
    _assert_fits(measured, width)
    assert browser.find_element("id", "what-if").text  # the variant that leads is labelled


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", ["en", "cy"])
def test_compare_first_screen_is_the_side_by_side(
    browser: Any, pages: dict[str, Path], lang: str, width: int
) -> None:
    measured = _open(browser, pages[f"compare3-{lang}"], width)
    _assert_fits(measured, width)
    # every scenario's row of the side-by-side is on the first screen, and nothing of the
    # single-scenario summary comes before it
    edges = browser.execute_script(
        "const rows = document.querySelectorAll('#comparison tbody tr');"
        "return {rows: rows.length,"
        " bottom: rows[rows.length - 1].getBoundingClientRect().bottom,"
        " summary: document.getElementById('summary').getBoundingClientRect().top,"
        " table: document.querySelector('#comparison table').getBoundingClientRect().top};"
    )
    assert edges["rows"] == 3
    assert 0 <= edges["table"] < edges["bottom"] <= SCREEN_HEIGHT, edges
    assert edges["summary"] > edges["bottom"]
    folder = Path(os.environ.get("MIGRASIM_SCREENSHOT_DIR", ROOT / "results" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / f"compare-{lang}-{width}.png"
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
