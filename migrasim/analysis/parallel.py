"""Every process migrasim starts for speed, and only here: all of them through
:mod:`concurrent.futures` (``ProcessPoolExecutor``).

Three uses, one rule for each:

* :func:`process_pool`: the Monte Carlo's workers (``analysis.runner``). ``fork`` where the
  system has it, so each worker inherits the compiled model and the draws made so far as they
  are; ``spawn`` elsewhere (the runner then passes what a worker must rebuild).
* :class:`Warm`: a process forked as a pipeline starts that imports what its pieces will need
  (matplotlib and pandas, for the charts) while the pipeline simulates; the pieces, sent when
  their inputs exist, run side by side in it and in a process forked from it, so both share
  that one import (two imports would cost a core for most of the simulation).
* :func:`forked`: one piece of work in a process forked now, which inherits its inputs (a
  10,000-flow run's tables, say): nothing is pickled but its result (the work reaches the
  process as the executor's initializer argument, which ``fork`` never pickles).

Wherever a process cannot help or goes wrong (no ``fork``, a single core, a thread of someone
else's running here, work that cannot be pickled, a process that died or failed), the work
simply runs in this process when its result is asked for, so its result and its errors are
the same and nothing is lost.

Workers ignore SIGINT: Ctrl+C interrupts this process, which kills every worker it started
(:func:`stop`, :func:`scoped`) before the error reaches the command line, so no process is
left behind; a worker that never hears SIGINT cannot print a traceback of its own either.

The what-if server's evaluator (``serve/evaluator.py``) is not a pool of pieces but one
supervised, long-lived worker (spawned, in a process group of its own, killed with its group
past a time limit), which ``concurrent.futures`` cannot do (it cannot stop a running task):
it stays there, with its own guarantees.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import importlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Generic, ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")

_STARTED: set[ProcessPoolExecutor] = set()
"""Every executor started here and not yet stopped or closed (held, so that :func:`stop` and
:func:`scoped` find even one whose caller dropped it)."""


def has_fork() -> bool:
    """Whether this system can fork (POSIX but macOS-spawn-only builds aside)."""
    return "fork" in multiprocessing.get_all_start_methods()


def _executor_thread(thread: threading.Thread) -> bool:
    """A thread of ``concurrent.futures``' or ``multiprocessing``'s own machinery (an
    executor's manager, a queue's feeder): it holds only its own queue's locks."""
    module = type(thread).__module__
    return module.startswith("concurrent.futures") or thread.name == "QueueFeederThread"


def can_fork() -> bool:
    """Whether a helper process can be forked: a second core, ``fork``, and no thread of
    anyone else running here (a thread holding a lock at the fork, the import lock say, would
    hang the child: ``migrasim serve`` without an evaluator calls ``run`` from a worker
    thread); the executors' own threads hold no lock the child needs."""
    if (os.cpu_count() or 1) < 2 or not has_fork():
        return False
    if threading.current_thread() is not threading.main_thread():
        return False
    me = threading.current_thread()
    return all(t is me or _executor_thread(t) for t in threading.enumerate())


def _stopped(signum: int, frame: Any) -> None:
    """A worker asked to stop (SIGTERM, from its parent, or because its parent died): it kills
    the processes of any pool of its own (they would outlive it), then ends at once, as
    SIGTERM ends a process. It does not unwind: an exception raised wherever the signal
    lands can be caught by the executor's worker loop (which then waits for more work), or
    can leave a lock the pool's processes share taken for ever (raised just after the lock
    was taken, before its ``with`` block began)."""
    for executor in list(_STARTED):
        for process in list((getattr(executor, "_processes", None) or {}).values()):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                process.kill()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


PR_SET_PDEATHSIG = 1
"""Linux ``prctl`` option: the signal a process gets when its parent dies."""


def _stop_with_parent() -> None:
    """Have this worker asked to stop (SIGTERM) when its parent dies, killed outright say, so
    that no worker outlives the command that started it (Linux; elsewhere a worker ends when
    its parent's pipes close, or waits on them)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # it died before the call above
        _stopped(signal.SIGTERM, None)


def _quiet(initializer: Callable[..., Any] | None, *args: Any) -> None:
    """A worker's start: Ctrl+C is its parent's to handle (the parent stops it); asked to
    stop (SIGTERM) or orphaned, it stops its own pool and ends (:func:`_stopped`); then the
    caller's initializer."""
    _STARTED.clear()  # a forked worker's copy lists its parent's pools: not its to stop
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stopped)
    if hasattr(signal, "pthread_sigmask"):  # held since the fork (_signals_held)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)
    _stop_with_parent()
    if initializer is not None:
        initializer(*args)


_HELD = {signal.SIGINT, signal.SIGTERM}


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl+C and SIGTERM held (blocked, not lost) in this thread while workers are forked
    from it. A worker inherits the held set, so neither can reach it before it has set its own
    handling (:func:`_quiet`): a Ctrl+C to the terminal's whole process group once reached a
    worker still starting, which printed a traceback. Here they are delivered on release."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _executor(
    workers: int, method: str, initializer: Callable[..., Any] | None, initargs: tuple[Any, ...]
) -> ProcessPoolExecutor:
    """An executor whose workers, forked, are started now with signals held (the first
    submission forks them all); spawned ones start as work is submitted."""
    executor = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context(method),
        initializer=_quiet,
        initargs=(initializer, *initargs),
    )
    _STARTED.add(executor)
    if method == "fork":
        with _signals_held():
            executor.submit(int)
    return executor


GRACE_S = 2.0
"""Seconds a worker asked to stop has to end (killing a pool of its own) before it is killed
outright."""


def _kill(executor: ProcessPoolExecutor) -> None:
    """Stop ``executor`` now: cancel what has not started, stop its processes (a running task
    included, and any pool it started) and reap them.

    Each process is asked to stop (SIGTERM: it kills a pool of its own and ends, see
    :func:`_stopped`), given :data:`GRACE_S` seconds, then killed; only then is the executor
    shut down, its own thread finding every worker gone. Shutting down first waited for the
    workers, and a worker could wait for ever on a lock a stopped one had left taken (a hang
    seen once in some hundred Ctrl+Cs). Not ``cancel_futures``: on Python 3.11 the
    executor's thread then fails the futures it cancelled and prints an error."""
    _STARTED.discard(executor)
    # No public way to stop a running task's process before Python 3.14
    # (``terminate_workers``): the processes are read from the executor.
    processes = list((getattr(executor, "_processes", None) or {}).values())
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            process.terminate()
    deadline = time.monotonic() + GRACE_S
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            if process.is_alive():
                process.kill()
            process.join()
    executor.shutdown(wait=True)


def _close(executor: ProcessPoolExecutor) -> None:
    """Let ``executor``'s idle processes end."""
    _STARTED.discard(executor)
    executor.shutdown(wait=True)


def stop() -> None:
    """Kill every process started here and still running (an interrupted pipeline's)."""
    for executor in list(_STARTED):
        _kill(executor)


def scoped(function: Callable[P, T]) -> Callable[P, T]:
    """``function``, after which (however it ends: results, error, Ctrl+C) no process it
    started here is left running."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        before = set(_STARTED)
        try:
            return function(*args, **kwargs)
        finally:
            for executor in list(_STARTED):
                if executor not in before:
                    _kill(executor)

    return wrapper


@contextlib.contextmanager
def process_pool(
    workers: int, initializer: Callable[..., Any], initargs: tuple[Any, ...]
) -> Iterator[ProcessPoolExecutor]:
    """``workers`` processes, forked where the system can (each inherits this process's state;
    ``initargs`` are not pickled), else spawned (``initargs`` are); ``initializer(*initargs)``
    runs once in each. On any error here (Ctrl+C included) they are killed at once."""
    executor = _executor(workers, "fork" if has_fork() else "spawn", initializer, initargs)
    try:
        yield executor
    except BaseException:
        _kill(executor)
        raise
    _close(executor)


def _attempt(work: Callable[[], T]) -> tuple[bool, T | None]:
    """``work()``, or (False, None) if it failed: the parent then runs it itself, so its error
    surfaces there as it would have."""
    try:
        return True, work()
    except Exception:
        return False, None


_KEPT: list[Callable[[], Any]] = []
"""The works a forked worker inherited (its initializer's arguments)."""


def _keep(*works: Callable[[], Any]) -> None:
    _KEPT[:] = works


def _run_kept(index: int) -> tuple[bool, Any]:
    return _attempt(_KEPT[index])


def _import(modules: Sequence[str]) -> None:
    for module in modules:
        importlib.import_module(module)


def _side_by_side(works: Sequence[Callable[[], Any]]) -> list[tuple[bool, Any]]:
    """In a :class:`Warm` process: the first work here, each other in a process forked from
    here (it shares this one's imports and inherits the works: nothing pickled again)."""
    if len(works) == 1:
        return [_attempt(works[0])]
    with process_pool(len(works) - 1, _keep, tuple(works[1:])) as pool:
        others = [pool.submit(_run_kept, i) for i in range(len(works) - 1)]
        first = _attempt(works[0])
        return [first, *(_outcome(future) for future in others)]


def _outcome(future: Future[tuple[bool, Any]]) -> tuple[bool, Any]:
    try:
        return future.result()
    except Exception:  # the process died, or the result could not be pickled
        return False, None


class Warm:
    """A process forked now that imports ``modules`` while this one works, then runs up to
    ``slots`` pieces of work side by side (the first itself, each other one in a process
    forked from it). Each piece's inputs are pickled to it, its result back."""

    def __init__(self, modules: Sequence[str] = (), slots: int = 1) -> None:
        self.slots = slots
        self._executor: ProcessPoolExecutor | None = None
        if not can_fork():
            return
        # forked now (_executor): the imports overlap this process's work
        self._executor = _executor(1, "fork", _import, (tuple(modules),))

    def submit(
        self, works: Sequence[Callable[[], T]], inherit: bool = False
    ) -> list[Callable[[], T]]:
        """Send ``works`` (at most ``slots``); each returned call waits for its piece's
        result (or runs the piece here, see the module's rules). ``inherit``: the inputs are
        too large to pickle quickly (a 10,000-flow run's tables), so this process is let go
        and each piece runs in a process forked from here now (:func:`forked`), which
        inherits them and imports what it needs itself."""
        if inherit and self._executor is not None:
            self.close()
            return [forked(work) for work in works]
        if self._executor is None or len(works) > self.slots:
            return list(works)
        future = self._executor.submit(_side_by_side, tuple(works))

        @functools.cache
        def results() -> list[tuple[bool, Any]]:
            outcomes = _outcome(future)  # type: ignore[arg-type]
            if self._executor is not None:
                _close(self._executor)
                self._executor = None
            if outcomes == (False, None):
                return [(False, None)] * len(works)
            return outcomes  # type: ignore[return-value]

        def wait(index: int) -> T:
            ok, value = results()[index]
            return value if ok else works[index]()

        return [functools.partial(wait, i) for i in range(len(works))]

    def close(self) -> None:
        """Let the process go (killed, if it is still working)."""
        if self._executor is not None:
            _kill(self._executor)
            self._executor = None


class Forked(Generic[T]):
    """``work`` running in a process forked now: call it to wait for the result (or to run
    ``work`` here if the process failed, or if none could be forked), or :meth:`cancel` it."""

    def __init__(self, work: Callable[[], T]) -> None:
        self.work = work
        self._executor: ProcessPoolExecutor | None = None
        self._future: Future[tuple[bool, Any]] | None = None
        if not can_fork():
            return
        self._executor = _executor(1, "fork", _keep, (work,))
        self._future = self._executor.submit(_run_kept, 0)

    def __call__(self) -> T:
        if self._future is None:
            return self.work()
        ok, value = _outcome(self._future)
        if self._executor is not None:
            _close(self._executor)
        self._executor = self._future = None
        return value if ok else self.work()

    def cancel(self) -> None:
        """Stop the work (its result is not wanted)."""
        if self._executor is not None:
            _kill(self._executor)
            self._executor = None
            self._future = None


def forked(work: Callable[[], T]) -> Forked[T]:
    """Run ``work`` in a process forked now (nothing is pickled but its result); the returned
    call waits for the result, or runs ``work`` here if the process failed (or if no process
    can be forked: see :func:`can_fork`)."""
    return Forked(work)
