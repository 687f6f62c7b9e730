"""``app.in_background``: the work's result from a forked process, or the work run here."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from migrasim.app import in_background

forks = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods() or os.cpu_count() == 1,
    reason="runs inline without fork or a second core",
)


@forks
def test_the_work_runs_in_another_process_and_its_result_comes_back() -> None:
    here = os.getpid()
    result = in_background(lambda: (os.getpid(), b"\x89PNG" * 100_000))()
    pid, data = result
    assert pid != here
    assert data == b"\x89PNG" * 100_000  # larger than a pipe's buffer


@forks
def test_a_failure_in_the_child_is_raised_here_by_running_the_work_again() -> None:
    calls = []

    def work() -> int:
        calls.append(os.getpid())
        raise ValueError("bad chart")

    wait = in_background(work)
    with pytest.raises(ValueError, match="bad chart"):
        wait()
    assert calls == [os.getpid()]  # the child's attempt is not in this process's list


def test_without_fork_the_work_runs_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    calls: list[int] = []
    wait = in_background(lambda: calls.append(1) or 7)
    assert calls == []
    assert wait() == 7
    assert calls == [1]
