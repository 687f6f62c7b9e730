"""Adversarial probe of bad input, as issue 11's probe did: malformed scenarios, hostile names,
extreme values, alias bombs and deep nesting through `validate` and `run`, each in its own
process. Counts: exit 2 with a key path, exit 0, internal errors (exit 1), tracebacks, files
deleted that migrasim did not write, and the peak memory of the worst input.

    python benchmarks/probe_inputs.py            # every case (a few minutes)
    python benchmarks/probe_inputs.py --quick    # a sample
    python benchmarks/probe_inputs.py --hardening   # issue 23's cases: commands, folders,
                                                    # files, dates, streams (a minute)
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import subprocess
import sys
import tempfile
import time
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


_WRAPPER = "from migrasim.cli import main\nmain()\n"


def _run(args: list[str], timeout: float = 300) -> tuple[int, str, int]:
    """Exit code, stderr and the peak memory in KB of one command (its own process; the peak
    read from ``wait4``)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen([sys.executable, "-c", _WRAPPER, *args], stdout=out,
                                   stderr=err)  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                os.wait4(process.pid, 0)
                return -9, "timeout", 0
            time.sleep(0.02)
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode("utf-8", errors="replace")
    return process.returncode, text, int(usage.ru_maxrss)


SMALL = """name: small
start: 2025-07-07
go_live: 2025-08-01
calendar: {working_days: [mon, tue, wed, thu, fri, sat, sun], holidays: none}
links:
  wire: {bandwidth: 1 Gbit/s}
flows:
  - {name: a, source: x, target: y, volume: VOLUME, links: [wire]}
"""
WALES = str(ROOT / "scenarios" / "health_boards.yaml")
LOG = str(ROOT / "scenarios" / "actuals_example.csv")


def _hardening_cases(tmp: Path) -> list[tuple[str, list[str], Path | None, str]]:
    """Issue 23's cases: (name, command, a file that must survive or not appear, what the
    check means: "kept" or "absent")."""
    cases: list[tuple[str, list[str], Path | None, str]] = []

    def scenario(name: str, text: str) -> str:
        path = tmp / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    out = str(tmp / "out")
    for volume in ("60 MB", "1 B"):
        small = scenario(f"s{volume[-2:]}.yaml", SMALL.replace("VOLUME", volume))
        cases.append((f"{volume} done at a midnight start: run", ["run", small, "--out", out,
                      "--force"], None, ""))  # fmt: skip
        cases.append((f"{volume} done at a midnight start: compare", ["compare", small, small,
                      "-n", "5", "--out", out + "c", "--force"], None, ""))  # fmt: skip
    cases += [
        ("sweep --grid key typo", ["sweep", WALES, "--grid", "links.caped.daily_cap=1 GB", "-n",
         "5", "--out", out + "s"], None, ""),
        ("solve --vary key typo", ["solve", WALES, "--vary", "links.caped.daily_cap",
         "--between", "1 GB", "2 GB", "-n", "5", "--out", out + "v"], None, ""),
        ("solve --flow Nope", ["solve", WALES, "--vary", "links.capped.daily_cap", "--between",
         "1 GB", "2 GB", "--flow", "Nope", "-n", "5", "--out", out + "f"], None, ""),
        ("schema --out into a missing folder", ["schema", "--out", str(tmp / "no" / "s.json")],
         None, ""),
    ]  # fmt: skip
    existing = tmp / "schema.json"
    existing.write_text("mine", encoding="utf-8")
    cases.append(("schema --out over a file", ["schema", "--out", str(existing)], existing,
                  "kept"))  # fmt: skip
    for key, value in (("go_live", "9999-12-31"), ("calendar.closures", "[9999-12-30]"),
                       ("links.capped.outages", "{planned: [2025-07-01..9999-12-30]}"),
                       ("links.capped.outages", "{mtbf: 1 h, mttr: 10 min}"),
                       ("flows[0].name", "ALL"),
                       ("flows[0].name", "'Isle of Anglesey '")):  # fmt: skip
        cases.append((f"--set {key}={value}", ["validate", WALES, "--set", f"{key}={value}"],
                      None, ""))  # fmt: skip
    late = tmp / "late.csv"
    late.write_text("date,flow,bytes\n9999-12-30,Gwynedd,1 GB\n", encoding="utf-8")
    huge = tmp / "huge.csv"
    huge.write_text("date,flow,bytes\n2025-06-03,Gwynedd,1e308\n", encoding="utf-8")
    cases += [
        ("log row in 9999", ["track", WALES, "--actuals", str(late), "-n", "5", "--out",
         out + "t"], None, ""),
        ("--as-of 9999-12-30", ["track", WALES, "--actuals", LOG, "--as-of", "9999-12-30",
         "-n", "5", "--out", out + "a"], None, ""),
        ("log amount 1e308 bytes", ["track", WALES, "--actuals", str(huge), "-n", "5", "--out",
         out + "h"], None, ""),
    ]  # fmt: skip
    fifo = tmp / "fifo.csv"
    os.mkfifo(fifo)
    zero = tmp / "zero.csv"
    zero.symlink_to("/dev/zero")
    wide = tmp / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(2_000_000)) + "\n", encoding="utf-8")
    for name in (fifo.name, zero.name, wide.name):
        inventory = scenario(f"inv-{name}.yaml", "name: t\nstart: 2025-06-02\nlinks: {capped: "
                             "{daily_cap: 1 GB}}\nflows_from: {file: " + name +
                             ", links: [capped]}\n")  # fmt: skip
        cases.append((f"inventory {name}", ["validate", inventory], None, ""))
    # folders: nothing the user wrote is ever deleted
    sweep = tmp / "sweep"
    (sweep / "points").mkdir(parents=True)
    (sweep / "points" / "0000.json").write_text("{}", encoding="utf-8")
    (sweep / ".migrasim-results.json").write_text(
        '{"tool": "migrasim", "files": ["points/0000.json", "../precious.txt"]}', "utf-8"
    )
    dotfile = sweep / "points" / ".my-notes"
    dotfile.write_text("mine", encoding="utf-8")
    precious = tmp / "precious.txt"
    precious.write_text("mine", encoding="utf-8")
    cases += [
        ("run --force onto a sweep folder with a user dotfile", ["run", WALES, "-n", "5",
         "--out", str(sweep), "--force"], dotfile, "kept"),
        ("sweep --force with a marker naming ../precious.txt", ["sweep", WALES, "--grid",
         "links.capped.daily_cap=1 GB", "-n", "5", "--out", str(sweep), "--force"], precious,
         "kept"),
    ]  # fmt: skip
    users = tmp / ".res.old-20250101"
    users.mkdir()
    (users / "notes.txt").write_text("mine", encoding="utf-8")
    (tmp / ".res.old-99999999999").mkdir()
    cases.append(("a user's .res.old-20250101 beside --out", ["run", WALES, "-n", "5", "--out",
                  str(tmp / "res")], users / "notes.txt", "kept"))  # fmt: skip
    evil = scenario("evil.yaml", (ROOT / "scenarios" / "health_boards.yaml").read_text(
        encoding="utf-8").replace("capped", "x;touch PWNED;#"))  # fmt: skip
    cases.append(("a link named 'x;touch PWNED;#', its command pasted", ["run", evil, "-n",
                  "5", "--out", out + "e", "--force"], tmp / "PWNED", "absent"))  # fmt: skip
    cases.append(("a clear-screen in a --set key", ["validate", WALES, "--set",
                  "links.capped.\x1b[2Jcap=1 GB"], None, ""))  # fmt: skip
    chain = [{"name": f"f{i}", "source": "a", "target": "b", "volume": "1 GB", "links": ["l"]}
             | ({"after": [f"f{i - 1}"]} if i else {}) for i in range(1000)]  # fmt: skip
    chained = scenario("chain.yaml", yaml.safe_dump({
        "name": "chain", "start": "2025-06-02", "go_live": "2026-01-05",
        "links": {"l": {"daily_cap": "1 TB", "per_flow": True}}, "flows": chain}))  # fmt: skip
    cases.append(("a chain of 1,000 after dependencies: run", ["run", chained, "-n", "5",
                  "--out", out + "d", "--force"], None, ""))  # fmt: skip
    import openpyxl  # a dependency of migrasim

    book = openpyxl.Workbook()
    book.active["A1"], book.active["XFD1"] = "name", "x"  # type: ignore[index]
    book.save(tmp / "xfd.xlsx")
    xfd = scenario("xfd.yaml", "name: t\nstart: 2025-06-02\nlinks: {capped: {daily_cap: 1 GB}}"
                   "\nflows_from: {file: xfd.xlsx, links: [capped]}\n")  # fmt: skip
    cases.append(("an xlsx inventory with a cell in column XFD", ["validate", xfd], None, ""))
    closures = ",".join(f"'2025-13-{i % 28 + 1:02d}'" for i in range(1_900_000))
    bad = scenario("closures.yaml", "name: t\nstart: 2025-06-02\ncalendar: {closures: ["
                   + closures + "]}\nlinks: {l: {daily_cap: 1 GB}}\nflows: [{name: a, "
                   "source: a, target: b, volume: 1 GB, links: [l]}]\n")  # fmt: skip
    cases.append(("1.9 million bad closures", ["validate", bad], None, ""))
    shipped = scenario("ship.yaml", "name: ships\nstart: 2025-06-02\ngo_live: 2026-01-05\n"
                       "links: {courier: {shipment: {capacity: 1 GB, turnaround: 1 day, "
                       "in_flight: 100}}}\nflows: [{name: big, source: a, target: b, volume: "
                       "100 TB, links: [courier]}]\n")  # fmt: skip
    cases.append(("100,000 shipments: run", ["run", shipped, "-n", "50", "--out", out + "p",
                  "--force"], None, ""))  # fmt: skip
    return cases


def _concurrent_writers(tmp: Path) -> tuple[int, int, bool]:
    """``run --force`` and ``sweep --force`` onto one folder at once: returns the two exit codes
    and whether the folder holds one command's complete results (not a mix)."""
    out = tmp / "both"
    _run(["run", WALES, "-n", "5", "--out", str(out)])
    command = [sys.executable, "-c", _WRAPPER]
    first = subprocess.Popen([*command, "run", WALES, "-n", "300", "--out", str(out),
                              "--force"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True)  # fmt: skip
    time.sleep(0.2)
    second = subprocess.run([*command, "sweep", WALES, "--grid", "links.capped.daily_cap=1 GB,"
                             "2 GB", "-n", "50", "--out", str(out), "--force"],
                            capture_output=True, text=True, check=False)  # fmt: skip
    first.communicate(timeout=300)
    names = {p.name for p in out.iterdir()}
    whole = ("sweep.csv" in names) != ("fix.csv" in names)  # one command's files, not both
    return first.returncode, second.returncode, whole


def hardening() -> None:
    """Issue 23's cases, each in its own process: exit codes, internal errors, tracebacks,
    files lost (or made by a pasted command), escapes reaching the terminal, peak memory."""
    counts = {"cases": 0, "exit 0": 0, "exit 2": 0, "internal errors (exit 1)": 0,
              "tracebacks": 0, "timeouts": 0, "files lost or made": 0,
              "escape sequences printed": 0}  # fmt: skip
    worst = ("", 0)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for name, args, path, check in _hardening_cases(tmp):
            counts["cases"] += 1
            code, err, peak = _run(args, timeout=120)
            if "PWNED" in name:  # paste each printed solve command into a shell (after echo)
                printed = subprocess.run([sys.executable, "-c", _WRAPPER, *args], text=True,
                                         capture_output=True, check=False).stdout  # fmt: skip
                for line in printed.splitlines():
                    if "run: migrasim solve" in line:
                        command = line.split("run: ", 1)[1]
                        subprocess.run(["sh", "-c", f"echo {command}"], cwd=tmp, check=False,
                                       capture_output=True)  # fmt: skip
            if peak > worst[1]:
                worst = (name, peak)
            counts["tracebacks"] += "Traceback" in err
            counts["escape sequences printed"] += "\x1b" in err
            key = {0: "exit 0", 2: "exit 2", -9: "timeouts"}.get(code, "internal errors (exit 1)")
            counts[key] += 1
            if key == "internal errors (exit 1)":
                print(f"  exit {code}: {name}: {err.strip()[:160]}")
            if path is not None and (path.exists() != (check == "kept")):
                counts["files lost or made"] += 1
                print(f"  file {'lost' if check == 'kept' else 'made'}: {name}: {path.name}")
        codes = _concurrent_writers(tmp)
        counts["cases"] += 2
        if sorted(codes[:2]) != [0, 2] or not codes[2]:
            counts["files lost or made"] += 1
            print(f"  concurrent run --force and sweep --force: exits {codes[:2]}, "
                  f"one command's results only: {codes[2]}")  # fmt: skip
        else:
            counts["exit 0"] += 1
            counts["exit 2"] += 1
    print("\nissue 23 probe (commands, folders, files, dates, streams)")
    for key, value in counts.items():
        print(f"  {key:<28} {value}")
    print(f"  {'peak memory, worst input':<28} {worst[1] / 1024:.0f} MB ({worst[0]})")
    bad = ("internal errors (exit 1)", "tracebacks", "timeouts", "files lost or made",
           "escape sequences printed")  # fmt: skip
    if any(counts[key] for key in bad) or worst[1] > 1024 * 1024:  # over 1 GB
        sys.exit(1)  # a regression: CI fails


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--hardening", action="store_true", help="issue 23's cases only")
    options = parser.parse_args()
    if options.hardening:
        hardening()
        return
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
