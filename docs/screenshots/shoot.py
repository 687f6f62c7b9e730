"""First-screen screenshots of the board report for `run`, a three-way `compare` and a
what-if (`run --set`), in English and Welsh, at 1280 x 900 in headless Chromium (Debian's
chromium and chromium-driver). Regenerate with:

    python docs/screenshots/shoot.py

The results folders go to a temporary folder; the PNGs are written beside this file."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
MAIN = [sys.executable, "-c", "from migrasim.cli import main; main()"]
SCENARIOS = ROOT / "scenarios"
CASES = {
    "run": ["run", str(SCENARIOS / "health_boards.yaml")],
    "compare": ["compare", *(str(SCENARIOS / f) for f in
                             ("health_boards.yaml", "hardwired.yaml", "shipped_disks.yaml"))],
    "whatif": ["run", str(SCENARIOS / "health_boards.yaml"), "--set",
               "links.capped.daily_cap=3 GB"],
}  # fmt: skip
WIDTH, HEIGHT = 1280, 900


def _browser(profile: Path) -> object:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 f"--user-data-dir={profile}"):  # fmt: skip
        options.add_argument(flag)
    service = Service(executable_path=shutil.which("chromedriver") or "chromedriver")
    return webdriver.Chrome(options=options, service=service)


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        browser = _browser(work / "profile")
        try:
            browser.set_window_size(WIDTH, HEIGHT)  # type: ignore[attr-defined]
            for name, args in CASES.items():
                for lang in ("en", "cy"):
                    out = work / f"{name}-{lang}"
                    subprocess.run([*MAIN, *args, "--lang", lang, "--out", str(out)],
                                   check=True, capture_output=True, cwd=ROOT)  # fmt: skip
                    browser.get((out / "report.html").as_uri())  # type: ignore[attr-defined]
                    shot = HERE / f"{name}-{lang}.png"
                    browser.save_screenshot(str(shot))  # type: ignore[attr-defined]
                    sys.stdout.write(f"{shot.relative_to(ROOT)}\n")
        finally:
            browser.quit()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
