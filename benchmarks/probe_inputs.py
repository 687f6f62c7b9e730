"""Adversarial probe of bad input, as issue 11's probe did: malformed scenarios, hostile names,
extreme values, alias bombs and deep nesting through `validate` and `run`, each in its own
process. Counts: exit 2 with a key path, exit 0, internal errors (exit 1), tracebacks, files
deleted that migrasim did not write, and the peak memory of the worst input.

    python benchmarks/probe_inputs.py            # every case (a few minutes)
    python benchmarks/probe_inputs.py --quick    # a sample
"""

from __future__ import annotations

import argparse
import copy
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
BASE = yaml.safe_load(
    (ROOT / "tests" / "property" / "test_input_fuzz.py")
    .read_text()
    .split('BASE_YAML = """')[1]
    .split('"""')[0]
)

NASTY: list[Any] = [
    "1e308 GB",
    "1e-300 B",
    "0 B",
    "-1 GB",
    "nan GB",
    "inf GB",
    "1e308 GB/day",
    "1e-9 bit/s",
    "10000 years",
    "0001-01-01",
    "9999-12-30",
    "2025-02-30",
    "25:00-07:00",
    "",
    "GBs",
    10**30,
    -1,
    0,
    1.5,
    True,
    None,
    [],
    {},
    "\x00",
    "a\x1bb",
    "x\ud800y",
    '=HYPERLINK("x")',
    "+cmd|' /C calc'!A0",
    {"low": "3 GB", "likely": "2 GB", "high": "1 GB"},
    {"mtbf": "1 s", "mttr": "1 s"},
    "d" * 60_000,
]

RAW: dict[str, str] = {
    "alias bomb (9 levels)": "\n".join(
        ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        + [f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 9)]
    ),
    "nested 5,000 levels": "x: " + "[" * 5000 + "]" * 5000,
    "python tag": "name: !!python/object/apply:os.system ['true']\n",
    "binary tag": "name: !!binary aGVsbG8=\n",
    "empty file": "",
    "a list": "- 1\n- 2\n",
    "bad indentation": "name: x\n  start: 2025-06-02\n",
    "duplicate key": "name: a\nname: b\n",
}


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


def _mutate(path: tuple[Any, ...], value: Any) -> Any:
    data = copy.deepcopy(BASE)
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


_WRAPPER = (
    "import atexit, resource, sys\n"
    "atexit.register(lambda: sys.stderr.write("
    "f'\\nMAXRSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n'))\n"
    "from migrasim.cli import main\n"
    "main()\n"
)


def _run(args: list[str], timeout: float = 300) -> tuple[int, str, int]:
    """Exit code, stderr (without the memory line) and the peak memory in KB of one command."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _WRAPPER, *args], capture_output=True, text=True,
            timeout=timeout,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return -9, "timeout", 0
    err, _, rss = done.stderr.rpartition("MAXRSS ")
    return done.returncode, err, int(rss.strip() or 0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    options = parser.parse_args()
    rng = random.Random(11)
    cases: list[tuple[str, str]] = list(RAW.items())
    paths = _paths(BASE)
    pairs = [(p, v) for p in paths for v in NASTY]
    rng.shuffle(pairs)
    for path, value in pairs[: 40 if options.quick else 160]:
        try:
            text = yaml.safe_dump(_mutate(path, value), allow_unicode=True)
        except yaml.YAMLError:
            continue
        cases.append((f"{'.'.join(map(str, path))} = {str(value)[:30]!r}", text))
    counts = {"cases": 0, "exit 0": 0, "exit 2 with key path": 0, "exit 2 other": 0,
              "internal errors (exit 1)": 0, "tracebacks": 0, "timeouts": 0,
              "ran after validate": 0, "run failed after validate": 0,
              "force refused on foreign folder": 0}  # fmt: skip
    worst = ("", 0)
    with tempfile.TemporaryDirectory() as tmp:
        keep = Path(tmp) / "keep"
        keep.mkdir()
        (keep / "notes.txt").write_text("mine", encoding="utf-8")
        for name, text in cases:
            counts["cases"] += 1
            scenario = Path(tmp) / "s.yaml"
            scenario.write_text(text, encoding="utf-8", errors="surrogatepass")
            code, err, peak = _run(["validate", str(scenario)])
            if peak > worst[1]:
                worst = (f"validate {name}", peak)
            counts["tracebacks"] += "Traceback" in err
            if code == 0:
                counts["exit 0"] += 1
                out = Path(tempfile.mkdtemp(dir=tmp)) / "out"
                code, err, peak = _run(["run", str(scenario), "--out", str(out), "-n", "5"])
                counts["ran after validate"] += 1
                if peak > worst[1]:
                    worst = (f"run {name}", peak)
                if code != 0:
                    counts["run failed after validate"] += 1
                    print(f"  run: {name}: exit {code}: {err.strip()[:200]}")
                counts["tracebacks"] += "Traceback" in err
                # --force onto a folder holding a file migrasim did not write must refuse
                code, err, _ = _run(
                    ["run", str(scenario), "--out", str(keep), "--force", "-n", "5"]
                )
                counts["force refused on foreign folder"] += code == 2
            elif code == 2:
                with_key = ": " in err and any(
                    k in err
                    for k in (
                        "flows",
                        "links",
                        "line ",
                        "name",
                        "start",
                        "horizon",
                        "go_live",
                        "calendar",
                        "correlation",
                        "replications",
                        "seed",
                        "the ",
                    )
                )
                counts["exit 2 with key path" if with_key else "exit 2 other"] += 1
            elif code == -9:
                counts["timeouts"] += 1
            else:
                counts["internal errors (exit 1)"] += 1
                print(f"  exit {code}: {name}: {err.strip()[:300]}")
        deleted = 0 if (keep / "notes.txt").exists() else 1
    print("\nissue 11 probe, re-measured")
    for key, value in counts.items():
        print(f"  {key:<28} {value}")
    print(f"  {'files deleted not ours':<28} {deleted}")
    print(f"  {'peak memory, worst input':<28} {worst[1] / 1024:.0f} MB ({worst[0]})")


if __name__ == "__main__":
    main()
