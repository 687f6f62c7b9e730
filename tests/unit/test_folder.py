"""The results folder: --force replaces only what migrasim wrote, symbolic links are followed,
stale staging is cleaned, and a kill leaves old or new complete results, never a mix."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from migrasim.errors import OutputError, ResultsExistError
from migrasim.folder import (
    ASIDE_MARKER,
    MARKER,
    STAGING_MARKER,
    TEMP_SUFFIX,
    add_files,
    clear_folder,
    folder_lock,
    prepare_out_dir,
    remove_stale_staging,
    write_files,
    written_files,
)
from tests.helpers import invoke

ROOT = Path(__file__).resolve().parents[2]


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_write_files_lists_what_it_wrote_and_replaces_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_files(out, {"a.csv": "1\n", "sub/b.png": b"\x89PNG"}, force=False)
    assert written_files(out) == {"a.csv", "sub/b.png"}
    with pytest.raises(ResultsExistError, match="pass --force"):
        write_files(out, {"c.csv": "2\n"}, force=False)
    write_files(out, {"c.csv": "2\n"}, force=True)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "c.csv"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]  # nothing left


def test_force_refuses_a_folder_with_foreign_files_and_deletes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_files(out, {"a.csv": "1\n"}, force=False)
    (out / "README").write_text("mine", encoding="utf-8")
    with pytest.raises(ResultsExistError, match=r"did not write, so --force will not replace it: "):
        write_files(out, {"b.csv": "2\n"}, force=True)
    assert (out / "README").read_text(encoding="utf-8") == "mine"
    assert (out / "a.csv").exists()


def test_force_never_replaces_the_folder_holding_the_scenario(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / "scen").mkdir(parents=True)
    scenario = project / "scen" / "scenario.yaml"
    scenario.write_text("name: x\n", encoding="utf-8")
    with pytest.raises(ResultsExistError, match="which the run reads"):
        prepare_out_dir(project, force=True, protect=[scenario])
    assert scenario.exists()


def test_a_symlinked_out_writes_into_its_target(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target)
    write_files(link, {"a.csv": "1\n"}, force=False)
    assert link.is_symlink()
    assert (target / "a.csv").read_text(encoding="utf-8") == "1\n"
    write_files(link, {"b.csv": "2\n"}, force=True)
    assert link.is_symlink()
    assert sorted(p.name for p in target.iterdir()) == [MARKER, "b.csv"]


def test_a_dangling_symlink_is_an_input_error(tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "nowhere")
    with pytest.raises(OutputError, match=r"is a link to .*nowhere, which does not exist"):
        write_files(link, {"a.csv": "1\n"}, force=False)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_location_is_an_input_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(OutputError, match="permission denied"):
        write_files(locked / "out", {"a.csv": "1\n"}, force=False)


def test_stale_staging_of_dead_processes_is_removed_and_nothing_else(tmp_path: Path) -> None:
    out = tmp_path / "out"
    dead, alive = tmp_path / ".out.deadbeef", tmp_path / ".out.livelive"
    foreign = tmp_path / ".out.notours1"
    for folder, pid in ((dead, _dead_pid()), (alive, os.getppid())):
        folder.mkdir()
        (folder / STAGING_MARKER).write_text(str(pid), encoding="utf-8")
        (folder / "summary.csv").write_bytes(b"")
    foreign.mkdir()
    remove_stale_staging(out)
    assert not dead.exists()
    assert alive.exists()
    assert foreign.exists()


def test_results_left_aside_by_a_kill_between_renames_are_put_back(tmp_path: Path) -> None:
    out = tmp_path / "out"
    pid = _dead_pid()
    old = tmp_path / f".out.old-{pid}"
    write_files(old, {"a.csv": "old\n"}, force=False)
    (old / ASIDE_MARKER).write_text(str(pid), encoding="utf-8")  # as the swap marks it
    remove_stale_staging(out)
    assert not (out / ASIDE_MARKER).exists()
    assert (out / "a.csv").read_text(encoding="utf-8") == "old\n"
    assert not old.exists()


def test_add_files_extends_the_marker(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    add_files(out, {"manifest.json": "{}\n"})
    add_files(out, {"points/0000.json": "{}\n"})
    assert written_files(out) == {"manifest.json", "points/0000.json"}


def _complete(out: Path) -> bool:
    """Every file the marker lists is there and the summary has its ALL row."""
    listed = written_files(out)
    if listed is None:
        return False
    present = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    summary = (out / "summary.csv").read_text(encoding="utf-8")
    return present == listed | {MARKER} and "\nALL," in summary


def test_killed_runs_leave_old_or_new_complete_results(tmp_path: Path) -> None:
    """Kill -9 at seeded random moments, over an existing result: the folder always holds
    complete results (old or new), never a mix, and no staging folder survives the next run."""
    scenario = ROOT / "scenarios" / "health_boards.yaml"
    out = tmp_path / "out"
    command = [sys.executable, "-c", "from migrasim.cli import main; main()", "run",
               str(scenario), "--out", str(out), "-n", "20", "-j", "1", "--force"]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    full = time.perf_counter() - started
    rng = random.Random(7)
    for _ in range(4):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, 1.0) * full)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert _complete(out)
    code, _, stderr = invoke("run", str(scenario), "--out", str(out), "-n", "20", "--force")
    assert code == 0, stderr
    assert _complete(out)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # stale staging removed


def test_a_damaged_sweep_point_names_the_file_and_the_fix(tmp_path: Path) -> None:
    scenario = ROOT / "scenarios" / "health_boards.yaml"
    out = tmp_path / "sweep"
    args = ["sweep", str(scenario), "--grid", "links.capped.daily_cap=1 GB,2 GB", "-n", "10",
            "--out", str(out)]  # fmt: skip
    code, _, stderr = invoke(*args)
    assert code == 0, stderr
    point = out / "points" / "0001.json"
    json.loads(point.read_text(encoding="utf-8"))
    point.write_text('{"p50": "2026-', encoding="utf-8")  # truncated
    code, _, stderr = invoke(*args, "--resume")
    assert code == 2
    assert stderr.startswith(f"Error: {point} cannot be read (JSONDecodeError")
    assert stderr.endswith(
        f"; delete it and run again with --resume to recompute point 1 (rm {point})\n"
    )
    point.unlink()
    code, _, stderr = invoke(*args, "--resume")
    assert code == 0, stderr


def test_permission_and_full_disk_errors_are_input_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As an unprivileged user (or on a full disk) the operating system refuses the write: that
    is exit 2 with the path and the fix, not an internal error. Root may write anywhere, so
    the refusals are simulated where the staging folder is made."""
    import errno
    import tempfile

    def refuse(code: int) -> object:
        def mkdtemp(*_args: object, **_kwargs: object) -> str:
            raise OSError(code, os.strerror(code), str(tmp_path / ".out.x"))

        return mkdtemp

    monkeypatch.setattr(tempfile, "mkdtemp", refuse(errno.EACCES))
    with pytest.raises(OutputError, match=r"cannot write .*\.out\.x \(permission denied\)"):
        write_files(tmp_path / "out", {"a.csv": "1\n"}, force=False)
    monkeypatch.setattr(tempfile, "mkdtemp", refuse(errno.ENOSPC))
    with pytest.raises(OutputError, match=r"the disk holding .*out is full"):
        write_files(tmp_path / "out", {"a.csv": "1\n"}, force=False)


# --- nothing the user wrote is ever deleted (issue 23) -----------------------------------------


def _sweep_folder(tmp_path: Path) -> Path:
    out = tmp_path / "sweep"
    out.mkdir()
    add_files(out, {"manifest.json": "{}\n", "points/0000.json": "{}\n"})
    return out


def test_a_users_dotfile_among_sweep_points_is_foreign(tmp_path: Path) -> None:
    out = _sweep_folder(tmp_path)
    mine = out / "points" / ".my-notes.txt"
    mine.write_text("mine\n", encoding="utf-8")
    with pytest.raises(ResultsExistError, match=r"points/\.my-notes\.txt"):
        write_files(out, {"a.csv": "1\n"}, force=True)
    assert mine.read_text(encoding="utf-8") == "mine\n"


def test_a_killed_writes_temporary_file_is_still_migrasims_own(tmp_path: Path) -> None:
    out = _sweep_folder(tmp_path)
    (out / "points" / f".0001.json.k3j4h5g6{TEMP_SUFFIX}").write_text("{", encoding="utf-8")
    write_files(out, {"a.csv": "1\n"}, force=True)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "a.csv"]


@pytest.mark.parametrize("name", ["../outside.txt", "/ABS", "points/../../outside.txt", "a//b"])
def test_a_marker_naming_files_outside_its_folder_is_not_trusted(tmp_path: Path, name: str) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("keep\n", encoding="utf-8")
    out = tmp_path / "res"
    out.mkdir()
    listed = name.replace("/ABS", str(outside))
    (out / MARKER).write_text(json.dumps({"tool": "migrasim", "files": [listed]}), "utf-8")
    assert written_files(out) is None
    with pytest.raises(ResultsExistError, match="did not write"):
        write_files(out, {"a.csv": "1\n"}, force=True)
    clear_folder(out)  # even called directly, it deletes nothing the marker cannot prove
    assert outside.read_text(encoding="utf-8") == "keep\n"


def test_a_sweep_folder_whose_points_are_a_link_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "0000.json").write_text("theirs\n", encoding="utf-8")
    out = tmp_path / "sweep"
    out.mkdir()
    add_files(out, {"manifest.json": "{}\n"})
    (out / MARKER).write_text(
        json.dumps({"tool": "migrasim", "files": ["manifest.json", "points/0000.json"]}), "utf-8"
    )
    (out / "points").symlink_to(elsewhere)
    with pytest.raises(ResultsExistError, match="points"):
        prepare_out_dir(out, force=True)
    assert (elsewhere / "0000.json").read_text(encoding="utf-8") == "theirs\n"


def test_the_sweep_command_with_force_never_deletes_through_its_marker(tmp_path: Path) -> None:
    outside = tmp_path / "precious.txt"
    outside.write_text("keep\n", encoding="utf-8")
    out = tmp_path / "sweep"
    out.mkdir()
    (out / "manifest.json").write_text("{}\n", encoding="utf-8")
    files = ["manifest.json", "../precious.txt", str(outside)]
    (out / MARKER).write_text(json.dumps({"tool": "migrasim", "files": files}), "utf-8")
    scenario = ROOT / "scenarios" / "health_boards.yaml"
    code, _, stderr = invoke("sweep", str(scenario), "--grid", "links.capped.daily_cap=1 GB",
                             "-n", "5", "--out", str(out), "--force")  # fmt: skip
    assert code == 2, stderr
    assert outside.read_text(encoding="utf-8") == "keep\n"


def test_folders_named_like_staging_are_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "res"
    users = tmp_path / ".res.old-20250101"  # a user's backup, named by date
    users.mkdir()
    (users / "notes.txt").write_text("mine\n", encoding="utf-8")
    huge = tmp_path / ".res.old-99999999999"  # beyond any process id
    huge.mkdir()
    (huge / ASIDE_MARKER).write_text("99999999999", encoding="utf-8")
    lookalike = tmp_path / ".res.abcdefgh"
    lookalike.mkdir()
    (lookalike / "data.csv").write_text("x\n", encoding="utf-8")
    write_files(out, {"a.csv": "1\n"}, force=False)
    write_files(out, {"a.csv": "2\n"}, force=True)
    assert (users / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    assert huge.is_dir()
    assert (lookalike / "data.csv").exists()
    assert (out / "a.csv").read_text(encoding="utf-8") == "2\n"


def _hold_lock_in_child(out: Path) -> subprocess.Popen[str]:
    code = (
        "import sys, time; from pathlib import Path; from migrasim.folder import folder_lock\n"
        f"with folder_lock(Path({str(out)!r})):\n"
        "    print('held', flush=True); sys.stdin.readline()\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, cwd=ROOT)  # fmt: skip
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "held"
    return child


def test_a_second_writer_is_refused_while_the_folder_is_locked(tmp_path: Path) -> None:
    out = tmp_path / "res"
    write_files(out, {"a.csv": "old\n"}, force=False)
    child = _hold_lock_in_child(out)
    try:
        with pytest.raises(OutputError, match="another migrasim process is writing"):
            write_files(out, {"a.csv": "new\n"}, force=True)
        scenario = ROOT / "scenarios" / "health_boards.yaml"
        code, _, stderr = invoke("run", str(scenario), "-n", "5", "--out", str(out), "--force")
        assert code == 2
        assert "another migrasim process is writing" in stderr
    finally:
        child.communicate("\n", timeout=30)
    assert (out / "a.csv").read_text(encoding="utf-8") == "old\n"
    write_files(out, {"a.csv": "new\n"}, force=True)  # released: the next writer goes ahead
    assert (out / "a.csv").read_text(encoding="utf-8") == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]  # the lock file is gone


def test_the_lock_is_reentrant_within_a_process(tmp_path: Path) -> None:
    out = tmp_path / "res"
    with folder_lock(out), folder_lock(out):
        write_files(out, {"a.csv": "1\n"}, force=False)
        add_files(out, {"b.csv": "2\n"})
    assert written_files(out) == {"a.csv", "b.csv"}


def test_a_sweep_holds_its_folder_for_its_whole_run(tmp_path: Path) -> None:
    """A run --force into a folder a sweep is writing exits 2 and leaves the sweep whole."""
    from migrasim.pipelines.common import Options
    from migrasim.pipelines.sweep import SweepEvents, sweep

    scenario = ROOT / "scenarios" / "health_boards.yaml"
    out = tmp_path / "sweep"
    codes: list[int] = []

    def meanwhile(*_args: object) -> None:
        command = [sys.executable, "-c", "from migrasim.cli import main; main()", "run",
                   str(scenario), "-n", "5", "--out", str(out), "--force"]  # fmt: skip
        codes.append(subprocess.run(command, capture_output=True, cwd=ROOT, check=False,
                                    timeout=300).returncode)  # fmt: skip

    sweep(scenario, ["links.capped.daily_cap=1 GB,2 GB"], out=out, options=Options(replications=5),
          events=SweepEvents(point=meanwhile))  # fmt: skip
    assert codes == [2, 2]
    assert {"sweep.csv", "points/0000.json", "points/0001.json"} <= (written_files(out) or set())


def test_folders_and_files_get_the_users_permissions(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    write_files(shared, {"a.csv": "1\n"}, force=False)
    os.chmod(shared, 0o2775)
    write_files(shared, {"a.csv": "2\n"}, force=True)
    assert shared.stat().st_mode & 0o7777 == 0o2775
    mask = os.umask(0o022)
    os.umask(mask)
    fresh = tmp_path / "fresh"
    write_files(fresh, {"a.csv": "1\n"}, force=False)
    assert fresh.stat().st_mode & 0o777 == 0o777 & ~mask
    add_files(fresh, {"points/0000.json": "{}\n"})
    assert (fresh / "points" / "0000.json").stat().st_mode & 0o777 == 0o666 & ~mask


def test_the_default_compare_folder_names_every_scenario() -> None:
    from migrasim.folder import COMPARE_NAME_MAX, compare_folder_name

    three = ["health_boards", "hardwired", "shipped_disks"]
    assert compare_folder_name(three) == "compare-health_boards-vs-hardwired-shipped_disks"
    assert compare_folder_name(three) == compare_folder_name(list(three))  # deterministic
    assert compare_folder_name(["a", "b"]) == "compare-a-vs-b"
    assert compare_folder_name(["a"], 1) == "compare-a-vs-1-variant"
    assert compare_folder_name(["a", "b"], 2) == "compare-a-vs-b-2-variants"
    # anything but letters, digits, '.', '_' and '-' becomes '_': no separator, no space
    assert compare_folder_name(["my plan/v2", "..x"]) == "compare-my_plan_v2-vs-x"
    # many scenarios: the first two, the count of the rest and a digest of them all
    many = [f"scenario_number_{i:02d}" for i in range(8)]
    name = compare_folder_name(many)
    assert len(name) <= COMPARE_NAME_MAX
    assert name.startswith("compare-scenario_number_00-vs-scenario_number_01-and-6-more-")
    assert len(name.rsplit("-", 1)[1]) == 8
    assert compare_folder_name(many) == name
    assert compare_folder_name([*many[:-1], "other"]) != name  # another list, another folder
    with pytest.raises(ValueError, match="two or more"):
        compare_folder_name(["a"])
