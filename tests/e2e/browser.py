"""Headless Chromium for the browser tests (Debian's chromium and chromium-driver).

Skipped without them, unless ``MIGRASIM_REQUIRE_BROWSER=1`` (CI), when their absence fails."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def launch(profile: Path, extra: Iterable[str] = (), console_log: bool = False) -> Any:
    """A Chrome WebDriver on a fresh profile folder (quit it when done)."""
    if CHROMIUM is None or DRIVER is None:
        message = "Debian packages chromium and chromium-driver are not installed"
        if os.environ.get("MIGRASIM_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, *extra):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    if console_log:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(executable_path=DRIVER))
