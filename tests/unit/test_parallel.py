"""``migrasim.analysis.parallel``: work done in a forked process comes back whole; anything
that goes wrong there is done again here, so its result or its error is the same; nothing is
left running however the caller ends."""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from migrasim.analysis import parallel
from migrasim.analysis.parallel import Warm

forks = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods() or os.cpu_count() == 1,
    reason="runs inline without fork or a second core",
)


@pytest.fixture(autouse=True)
def _no_other_threads(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Threads an earlier test left idle in this process (a Dask client's, say) would stop
    every helper here; these tests fork knowingly (the rule itself is tested below)."""
    if request.node.name != "test_a_process_running_threads_forks_no_helper":
        monkeypatch.setattr(parallel.threading, "enumerate", lambda: [threading.current_thread()])


BIG = b"\x89PNG" * 100_000  # larger than a pipe's buffer


def _pid_and_big() -> tuple[int, bytes]:
    return os.getpid(), BIG


def _modules_loaded() -> bool:
    return "colorsys" in sys.modules


def _fail() -> int:
    raise ValueError("bad chart")


@forks
def test_a_helper_imports_first_and_runs_its_pieces_in_two_processes() -> None:
    sys.modules.pop("colorsys", None)
    helper = Warm(["colorsys"], slots=2)
    first, second = helper.submit([_pid_and_big, _modules_loaded])
    pid, data = first()
    assert pid != os.getpid()
    assert data == BIG
    assert second() is True  # imported in the helper, before the work arrived
    assert "colorsys" not in sys.modules  # ... and not here


@forks
def test_a_failure_in_a_helper_is_raised_here_by_running_the_work_again() -> None:
    (wait,) = Warm(slots=1).submit([_fail])
    with pytest.raises(ValueError, match="bad chart"):
        wait()


@forks
def test_work_that_cannot_be_pickled_runs_here() -> None:
    here = os.getpid()
    (wait,) = Warm(slots=1).submit([lambda: os.getpid()])
    assert wait() == here


@forks
def test_a_helper_never_given_work_ends_when_closed() -> None:
    helper = Warm(slots=2)
    executor = helper._executor
    assert executor is not None
    processes = list(executor._processes.values())
    helper.close()
    assert processes
    assert not any(p.is_alive() for p in processes)


def test_without_fork_the_work_runs_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    calls: list[int] = []

    def work() -> int:
        calls.append(1)
        return 7

    (helped,) = Warm(["colorsys"]).submit([work])
    assert calls == []
    assert helped() == 7
    assert calls == [1]


def test_a_process_running_threads_forks_no_helper() -> None:
    # ``migrasim serve`` runs ``run`` on a worker thread: no fork then, the work runs here.
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        helper = Warm(["colorsys"], slots=1)
        assert helper._executor is None
        (wait,) = helper.submit([_pid_and_big])
        assert wait()[0] == os.getpid()
    finally:
        release.set()
        thread.join()


@forks
def test_inherited_work_runs_in_a_fresh_fork_without_pickling() -> None:
    # A lambda cannot be pickled; forked now, it needs not be.
    here = os.getpid()
    helper = Warm(["colorsys"], slots=2)
    first, second = helper.submit([lambda: os.getpid(), lambda: BIG], inherit=True)
    assert first() != here
    assert second() == BIG
    assert helper._executor is None  # the helper was let go


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _gone(pids: list[int], seconds: float = 10.0) -> bool:
    """Whether every one of ``pids`` has ended within ``seconds`` (one another process reaps)."""
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not any(_alive(pid) for pid in pids):
            return True
        time.sleep(0.05)
    return False


def _sleep_after_writing_pid(folder: str, name: str) -> int:
    import pathlib
    import time

    (pathlib.Path(folder) / name).write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(60)
    return 0


def _pids(folder: Path, names: list[str]) -> list[int]:
    import time

    end = time.monotonic() + 30
    while time.monotonic() < end:
        if all((folder / n).exists() and (folder / n).read_text() for n in names):
            return [int((folder / n).read_text()) for n in names]
        time.sleep(0.05)
    raise AssertionError("the pieces never started")


@forks
def test_closing_a_busy_helper_stops_its_pieces_and_the_process_forked_from_it(
    tmp_path: Path,
) -> None:
    import functools

    helper = Warm(slots=2)
    works = [functools.partial(_sleep_after_writing_pid, str(tmp_path), n) for n in "ab"]
    helper.submit(works)
    pids = _pids(tmp_path, ["a", "b"])
    assert os.getpid() not in pids
    assert len(set(pids)) == 2
    helper.close()
    assert _gone(pids)


@forks
def test_a_scoped_call_leaves_no_process_running_when_it_fails(tmp_path: Path) -> None:
    import functools

    @parallel.scoped
    def pipeline() -> None:
        parallel.forked(functools.partial(_sleep_after_writing_pid, str(tmp_path), "a"))
        _pids(tmp_path, ["a"])
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pipeline()
    assert _gone(_pids(tmp_path, ["a"]))


def _pid_of_worker(_: int) -> int:
    import time

    time.sleep(0.2)
    return os.getpid()


def _interrupted_pool() -> tuple[list[int], list[object]]:
    seen: list[int] = []
    processes: list[object] = []
    with parallel.process_pool(2, int, ()) as pool:
        # 100 s of work for two workers, submitted as analysis.runner submits it
        for future in [pool.submit(_pid_of_worker, i) for i in range(1000)]:
            seen.append(future.result())
            processes[:] = pool._processes.values()
            raise KeyboardInterrupt
    return seen, processes


def test_an_interrupted_pool_is_stopped_at_once() -> None:
    import time

    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        _interrupted_pool()
    assert time.monotonic() - start < 30  # not the 100 s of work queued
    assert not parallel._STARTED


def test_an_interrupted_pools_processes_are_all_ended() -> None:
    kept: list[object] = []

    def record() -> None:
        with pytest.raises(KeyboardInterrupt):
            _interrupted_pool()

    real = parallel._kill

    def spy(executor: object) -> None:
        kept.extend(executor._processes.values())  # type: ignore[attr-defined]
        real(executor)  # type: ignore[arg-type]

    parallel._kill = spy  # type: ignore[assignment]
    try:
        record()
    finally:
        parallel._kill = real  # type: ignore[assignment]
    assert len(kept) == 2
    assert not any(p.is_alive() for p in kept)  # type: ignore[attr-defined]


def test_a_pools_workers_ignore_ctrl_c_and_their_initializer_runs() -> None:
    import signal

    with parallel.process_pool(1, _set_marker, (7,)) as pool:
        handler, marker = pool.submit(_handler_and_marker).result()
    assert handler == signal.SIG_IGN
    assert marker == 7


_MARKER: list[int] = []


def _set_marker(value: int) -> None:
    _MARKER[:] = [value]


def _handler_and_marker() -> tuple[object, int]:
    import signal

    return signal.getsignal(signal.SIGINT), _MARKER[0]


def _deaf_after_writing_pid(folder: str, name: str) -> int:
    """A piece that will not stop when asked (as a worker waiting on a lock a stopped one
    left taken will not)."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    return _sleep_after_writing_pid(folder, name)


@forks
def test_a_worker_that_does_not_stop_when_asked_is_killed(tmp_path: Path) -> None:
    """Stopping a pool never waits on a worker that goes on: it is killed after the grace."""
    import time

    seen: list[float] = []

    def interrupted() -> None:
        with parallel.process_pool(2, int, ()) as pool:
            pool.submit(_deaf_after_writing_pid, str(tmp_path), "a")
            seen.append(_pids(tmp_path, ["a"])[0])
            seen.append(time.monotonic())
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    pid, start = int(seen[0]), seen[1]
    took = time.monotonic() - start
    assert not _alive(pid)
    assert parallel.GRACE_S <= took < parallel.GRACE_S + 10  # asked, waited, then killed
    assert not parallel._STARTED


_ORPHAN_PARENT = """
import functools, sys, time
from migrasim.analysis import parallel
from tests.unit.test_parallel import _sleep_after_writing_pid
helper = parallel.Warm(slots=2)
helper.submit([functools.partial(_sleep_after_writing_pid, sys.argv[1], n) for n in "ab"])
time.sleep(60)
"""


@forks
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal: Linux")
def test_no_worker_outlives_a_command_killed_outright(tmp_path: Path) -> None:
    """``kill -9`` of the command: its helper and the process forked from the helper end too
    (before, they waited for ever on a pipe nobody read)."""
    import signal
    import subprocess

    root = Path(__file__).resolve().parents[2]
    parent = subprocess.Popen(
        [sys.executable, "-c", _ORPHAN_PARENT, str(tmp_path)],
        cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
    )  # fmt: skip
    try:
        pids = _pids(tmp_path, ["a", "b"])
        assert parent.pid not in pids
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        assert _gone(pids)
    finally:
        parent.kill()
        parent.wait()


def _held_at_start(connection: Any) -> None:
    import signal

    connection.send(signal.pthread_sigmask(signal.SIG_BLOCK, []))


@forks
def test_a_worker_starts_with_ctrl_c_and_sigterm_held_until_it_handles_them() -> None:
    """A Ctrl+C to the terminal's whole group must not reach a worker still starting (it
    printed a traceback): a process forked while they are held starts with them held, and a
    pool's worker releases them once it ignores Ctrl+C."""
    import signal

    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    with parallel._signals_held():
        child = context.Process(target=_held_at_start, args=(writer,))
        child.start()
    assert {signal.SIGINT, signal.SIGTERM} <= reader.recv()
    child.join()
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])  # released here
    with parallel.process_pool(1, int, ()) as pool:
        held = pool.submit(signal.pthread_sigmask, signal.SIG_BLOCK, []).result()
        handler = pool.submit(signal.getsignal, signal.SIGINT).result()
    assert not {signal.SIGINT, signal.SIGTERM} & held
    assert handler == signal.SIG_IGN
