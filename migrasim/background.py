"""Work on the second core, for the pipelines in :mod:`migrasim.app`.

A :class:`Helper` is a process forked early, while this one has no threads, that imports what
its work will need (matplotlib, for the charts) while this one simulates; the work is sent to it
later, when its inputs exist, and the helper forks once per further piece so that every piece
shares that one import. Wherever that cannot help or goes wrong (no ``fork``, a single core,
work that cannot be pickled, a helper that died or failed), the work simply runs here when its
result is asked for, so its errors surface as they would have and nothing is lost.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def _usable() -> bool:
    """Whether a helper can be forked: a second core, ``fork``, and no other thread running
    here (a thread holding a lock at the fork, the import lock say, would hang the helper:
    ``migrasim serve`` calls ``run`` from a worker thread)."""
    return (
        (os.cpu_count() or 1) > 1
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
    )


def _run_and_send(work: Callable[[], Any], out: Any) -> None:
    try:
        out.send((True, work()))
    except BaseException:  # any failure: the parent runs the work itself
        out.send((False, None))


class Helper:
    """A forked process that imports ``modules`` now and later runs up to ``slots`` pieces of
    work side by side (the first itself, each other one in a process forked from it)."""

    def __init__(self, modules: Sequence[str] = (), slots: int = 1) -> None:
        self._process: Any = None
        self.slots = slots
        if not _usable():
            return
        ctx = multiprocessing.get_context("fork")
        jobs_in, self._jobs = ctx.Pipe(duplex=False)
        pipes = [ctx.Pipe(duplex=False) for _ in range(slots)]
        self._results = [receive for receive, _ in pipes]

        def serve() -> None:
            self._jobs.close()  # this copy of the parent's end, so its closing ends the wait
            for module in modules:
                importlib.import_module(module)
            try:
                works = jobs_in.recv()
            except (EOFError, OSError):
                return  # never given any: the pipeline ended first
            children = []
            for work, (_, send) in list(zip(works, pipes, strict=False))[1:]:
                pid = os.fork()  # (a daemonic process may not start multiprocessing children)
                if pid == 0:
                    try:
                        _run_and_send(work, send)
                    finally:
                        os._exit(0)
                children.append(pid)
            if works:
                _run_and_send(works[0], pipes[0][1])
            for pid in children:
                os.waitpid(pid, 0)

        self._process = ctx.Process(target=serve, daemon=True)
        self._process.start()
        jobs_in.close()
        for _, send in pipes:
            send.close()

    def submit(
        self, works: Sequence[Callable[[], T]], inherit: bool = False
    ) -> list[Callable[[], T]]:
        """Send ``works`` (pickled, at most ``slots``) to the helper; each returned call waits
        for its piece's result. ``inherit``: the inputs are too large to pickle quickly (a
        10,000-flow run's tables), so the helper is let go and each piece runs in a process
        forked from this one now, which inherits them (and imports what it needs itself)."""
        if inherit and self._process is not None:
            self.close()
            return [forked(work) for work in works]
        if self._process is None or len(works) > self.slots:
            return list(works)
        try:
            self._jobs.send(list(works))
        except (pickle.PicklingError, TypeError, AttributeError, OSError):
            self.close()
            return list(works)
        return [_Waiting(self, i, work) for i, work in enumerate(works)]

    def close(self) -> None:
        if self._process is not None:
            self._jobs.close()
            self._process.join(timeout=5)
            if self._process.is_alive():
                self._process.kill()
            self._process = None


class _Waiting:
    def __init__(self, helper: Helper, slot: int, work: Callable[[], Any]) -> None:
        self.helper, self.slot, self.work = helper, slot, work

    def __call__(self) -> Any:
        try:
            ok, value = self.helper._results[self.slot].recv()
        except (EOFError, OSError):
            ok, value = False, None
        self.helper._results[self.slot].close()
        if all(pipe.closed for pipe in self.helper._results):
            self.helper.close()
        return value if ok else self.work()


class Forked(Generic[T]):
    """``work`` running in a process forked now: call it to wait for the result (or to run
    ``work`` here if the process failed, or if none could be forked), or :meth:`cancel` it."""

    def __init__(self, work: Callable[[], T]) -> None:
        self.work = work
        self._process: Any = None
        self._receive: Any = None
        if not _usable():
            return
        ctx = multiprocessing.get_context("fork")
        self._receive, send = ctx.Pipe(duplex=False)
        self._process = ctx.Process(target=_run_and_send, args=(work, send), daemon=True)
        self._process.start()
        send.close()

    def __call__(self) -> T:
        if self._process is None:
            return self.work()
        try:
            ok, value = self._receive.recv()
        except (EOFError, OSError):
            ok, value = False, None
        finally:
            self._receive.close()
            self._process.join()
            self._process = None
        return value if ok else self.work()

    def cancel(self) -> None:
        """Stop the work (its result is not wanted)."""
        if self._process is not None:
            self._process.kill()
            self._process.join()
            self._receive.close()
            self._process = None


def forked(work: Callable[[], T]) -> Forked[T]:
    """Run ``work`` in a process forked now (nothing is pickled but its result); the returned
    call waits for the result, or runs ``work`` here if the process failed (or if no process
    can be forked: see :class:`Helper`)."""
    return Forked(work)
