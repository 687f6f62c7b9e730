"""report.html in a real headless Chromium: loads with no console errors, every chart renders.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them). Without them
the test is skipped locally, but fails when ``MIGRASIM_REQUIRE_BROWSER=1`` (set by CI), so the
check cannot silently vanish there. Screenshots are saved for review in
``results/screenshots/`` (or ``$MIGRASIM_SCREENSHOT_DIR``).
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


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    driver = launch(
        tmp_path_factory.mktemp("chromium-profile"), ["--window-size=1280,2000"], console_log=True
    )
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for lang in ("en", "cy"):
        folder = tmp_path_factory.mktemp(f"report-{lang}") / "out"
        args = ["run", str(ROOT / "scenarios" / "health_boards.yaml"), "--out", str(folder),
                "-n", "40", "-j", "1", "--lang", lang]  # fmt: skip
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        out[lang] = folder / "report.html"
    return out


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_report_renders_in_chromium(browser: Any, reports: dict[str, Path], lang: str) -> None:
    browser.get_log("browser")  # drop anything from earlier pages
    browser.get(reports[lang].as_uri())
    from selenium.webdriver.support.ui import WebDriverWait

    # A loaded machine may hand the page back before its images have decoded: wait (bounded).
    WebDriverWait(browser, 30).until(
        lambda b: b.execute_script("return document.readyState") == "complete"
    )
    assert browser.execute_script("return document.documentElement.lang") == lang
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == [], errors
    images = browser.execute_script(
        "return Array.from(document.images).map(i => ({src: i.src.slice(0, 30), "
        "complete: i.complete, w: i.naturalWidth, h: i.naturalHeight, "
        "shown: i.getBoundingClientRect().width}))"
    )
    assert len(images) >= 4  # burn-up, Gantt, CDF, tornado
    for image in images:
        assert image["src"].startswith("data:image/png"), image
        assert image["complete"], image
        assert image["w"] > 0, image
        assert image["h"] > 0, image
        assert image["shown"] > 0, image
    body = browser.find_element("tag name", "body")
    assert body.get_attribute("data-images-ok") == body.get_attribute("data-images-total")
    verdict = browser.find_element("id", "verdict").text
    assert verdict in (("Yes", "No", "At risk") if lang == "en" else ("Byddwn", "Na fyddwn",
                       "Mewn perygl"))  # fmt: skip
    folder = Path(os.environ.get("MIGRASIM_SCREENSHOT_DIR", ROOT / "results" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / f"report-{lang}.png"
    browser.set_window_size(1280, 2000)
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
