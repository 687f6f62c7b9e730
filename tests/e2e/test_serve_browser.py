"""The what-if page in a real headless Chromium: move a lever on the Wales scenario, wait for
the answer, record the latency, check the figures against ``migrasim run --set`` for the same
change, and save screenshots in English and Welsh.

Needs Debian's ``chromium`` and ``chromium-driver``; skipped without them unless
``MIGRASIM_REQUIRE_BROWSER=1`` (then it fails), as tests/e2e/test_report_browser.py does.
Screenshots and the measured latency go to ``results/screenshots/`` (or
``$MIGRASIM_SCREENSHOT_DIR``): ``serve-en.png``, ``serve-cy.png``, ``serve-latency.json``.
"""

from __future__ import annotations

import csv
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migrasim.serve.session import Session
from migrasim.serve.web import create_app
from tests.e2e.test_report_browser import browser  # noqa: F401 - the shared Chromium fixture
from tests.helpers import invoke

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "health_boards.yaml"
CHANGE = {"links.capped.daily_cap": "3 GB"}
FIGURES = ("p50", "p80", "p95", "prob_by_go_live", "baseline_completion")
VERDICTS = {  # the report's answer to "Will we make go-live?"
    "en": ("Yes", "At risk", "No"),
    "cy": ("Byddwn", "Mewn perygl", "Na fyddwn"),
}
SHOTS = Path(os.environ.get("MIGRASIM_SCREENSHOT_DIR", ROOT / "results" / "screenshots"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """uvicorn serving the Wales scenario (its own 1,000 replications) in a thread."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(create_app(Session(SCENARIO), "en"), "127.0.0.1", port,
                            log_level="warning")  # fmt: skip
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def cli_summary(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, str]]:
    out = tmp_path_factory.mktemp("cli") / "out"
    sets = [f"--set={k}={v}" for k, v in CHANGE.items()]
    code, _, stderr = invoke("run", str(SCENARIO), "--out", str(out), "--seed", "1", *sets)
    assert code == 0, stderr
    with (out / "summary.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _answered(driver: Any, after: int) -> bool:
    status = driver.find_element("id", "status")
    seq = status.get_attribute("data-seq")
    return bool(seq) and int(seq) > after and status.get_attribute("data-ms") not in ("", None)


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_moving_a_lever_answers_with_the_cli_figures(
    browser: Any,  # noqa: F811 - the fixture imported above
    server: str,
    cli_summary: list[dict[str, str]],
    lang: str,
) -> None:
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser.set_window_size(1400, 1800)
    browser.get_log("browser")
    browser.get(f"{server}/?lang={lang}")
    WebDriverWait(browser, 120).until(lambda b: _answered(b, 0))  # the baseline (cached later)
    assert browser.execute_script("return document.documentElement.lang") == lang
    cap = browser.find_element("css selector", '[data-key="links.capped.daily_cap"]')
    assert cap.get_attribute("value") == "1 GB"
    seq = int(browser.find_element("id", "status").get_attribute("data-seq"))
    cap.clear()
    cap.send_keys("3 GB", Keys.TAB)  # leaving the box fires "change"
    started = time.perf_counter()
    WebDriverWait(browser, 120).until(lambda b: _answered(b, seq))
    latency_s = time.perf_counter() - started
    status = browser.find_element("id", "status")
    assert status.get_attribute("data-ms") != "error", browser.find_element("id", "error").text
    answer = browser.execute_script("return window.migrasim.answer")
    assert answer["set"] == CHANGE
    rows = [*answer["flows"], answer["programme"]]
    assert [r["flow"] for r in rows] == [r["flow"] for r in cli_summary]
    for ours, theirs in zip(rows, cli_summary, strict=True):
        for column in FIGURES:
            # JavaScript has one number type: the CSV's 1.0 arrives as 1, so compare numbers.
            if column == "prob_by_go_live":
                assert float(ours[column]) == float(theirs[column]), ours["flow"]
            else:
                assert str(ours[column]) == theirs[column], (ours["flow"], column)
    # What the page shows is that answer, beside a different baseline.
    card = browser.find_element("id", "whatif")
    shown = card.find_element("css selector", '[data-field="chance"]').text
    assert shown == answer["display"]["programme"]["chance"]
    assert card.find_element("css selector", '[data-field="verdict"]').text in VERDICTS[lang]
    base = browser.find_element("id", "baseline")
    assert base.find_element("css selector", '[data-field="p80"]').text != (
        card.find_element("css selector", '[data-field="p80"]').text
    )
    # the what-if card says what changed, with the file's value; the baseline card nothing
    assert (
        card.find_element("css selector", '[data-field="changes"]').text
        == {
            "en": "daily cap of link capped 3 GB a day (file: 1 GB a day)",
            "cy": "terfyn dyddiol cyswllt capped 3 GB y dydd (ffeil: 1 GB y dydd)",
        }[lang]
    )
    assert base.find_element("css selector", '[data-field="changes"]').text == ""
    assert len(browser.find_elements("css selector", "#flows tbody tr")) == 29
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == [], errors
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / f"serve-{lang}.png"
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    record = SHOTS / "serve-latency.json"
    latencies = json.loads(record.read_text()) if record.exists() else {}
    latencies[lang] = {
        "browser_s": round(latency_s, 3),
        "page_ms": int(status.get_attribute("data-ms")),
    }
    record.write_text(json.dumps(latencies, indent=2) + "\n")
    print(f"serve {lang}: answered in {latency_s:.3f} s (page: {latencies[lang]['page_ms']} ms)")
