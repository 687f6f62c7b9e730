"""``migrasim.background``: work done in a forked process comes back whole; anything that
goes wrong there is done again here, so its result or its error is the same."""

from __future__ import annotations

import multiprocessing
import os
import sys

import pytest

from migrasim import background
from migrasim.background import Helper

forks = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods() or os.cpu_count() == 1,
    reason="runs inline without fork or a second core",
)


@pytest.fixture(autouse=True)
def _no_other_threads(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Threads an earlier test left idle in this process (a Dask client's, say) would stop
    every helper here; these tests fork knowingly (the rule itself is tested below)."""
    if request.node.name != "test_a_process_running_threads_forks_no_helper":
        monkeypatch.setattr(background.threading, "active_count", lambda: 1)


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
    helper = Helper(["colorsys"], slots=2)
    first, second = helper.submit([_pid_and_big, _modules_loaded])
    pid, data = first()
    assert pid != os.getpid()
    assert data == BIG
    assert second() is True  # imported in the helper, before the work arrived
    assert "colorsys" not in sys.modules  # ... and not here


@forks
def test_a_failure_in_a_helper_is_raised_here_by_running_the_work_again() -> None:
    (wait,) = Helper(slots=1).submit([_fail])
    with pytest.raises(ValueError, match="bad chart"):
        wait()


@forks
def test_work_that_cannot_be_pickled_runs_here() -> None:
    here = os.getpid()
    (wait,) = Helper(slots=1).submit([lambda: os.getpid()])
    assert wait() == here


@forks
def test_a_helper_never_given_work_ends_when_closed() -> None:
    helper = Helper(slots=2)
    process = helper._process
    helper.close()
    assert process is not None
    assert not process.is_alive()


def test_without_fork_the_work_runs_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(background, "_usable", lambda: False)
    calls: list[int] = []

    def work() -> int:
        calls.append(1)
        return 7

    (helped,) = Helper(["colorsys"]).submit([work])
    assert calls == []
    assert helped() == 7
    assert calls == [1]


def test_a_process_running_threads_forks_no_helper() -> None:
    # ``migrasim serve`` runs ``run`` on a worker thread: no fork then, the work runs here.
    import threading

    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        helper = Helper(["colorsys"], slots=1)
        assert helper._process is None
        (wait,) = helper.submit([_pid_and_big])
        assert wait()[0] == os.getpid()
    finally:
        release.set()
        thread.join()


@forks
def test_inherited_work_runs_in_a_fresh_fork_without_pickling() -> None:
    # A lambda cannot be pickled; forked now, it needs not be.
    here = os.getpid()
    helper = Helper(["colorsys"], slots=2)
    first, second = helper.submit([lambda: os.getpid(), lambda: BIG], inherit=True)
    assert first() != here
    assert second() == BIG
    assert helper._process is None  # the helper was let go
