"""Evaluations away from the web server's threads: one worker process, started once from the
server's main thread before it serves, that runs one evaluation at a time.

Why not fork from a request thread (as ``migrasim run`` forks its workers): a process forked
from a threaded server inherits locks other threads held and the server's signal handlers, and
under load a worker could block for ever on a lock no thread would release, with the request
waiting on it. So:

* the worker is a fresh interpreter (``spawn``) with default signal handling, in a process
  group of its own, so the Monte Carlo workers it forks die with it;
* each evaluation has a time limit: past it the worker's whole group is killed and a new worker
  started, and the request answers 503 (:class:`ServerBusyError`), never waiting for ever;
* at most ``queue`` requests wait for the worker; one more answers 503 at once, with a hint
  to retry;
* :meth:`Evaluator.close` (the server's shutdown, on SIGTERM) kills the worker's group.

Results and errors cross the pipe as pickles; a :class:`~migrasim.errors.ScenarioError` keeps
its problems (translated by the page as on the command line).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import weakref
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from migrasim.errors import N_, MigrasimError, ScenarioError

__all__ = ["QUEUE", "TIME_LIMIT", "Evaluator", "ServerBusyError"]

TIME_LIMIT = 300.0
"""Seconds one evaluation may take (100,000 replications of the Wales scenario take about a
minute on two cores); past it the request answers 503."""
QUEUE = 4
"""Requests that may wait for the worker while it runs one; one more answers 503 at once."""
RETRY_AFTER = 10
"""Seconds a busy answer suggests waiting before trying again."""


class ServerBusyError(MigrasimError):
    """The server cannot answer this request now (503, with ``retry_after`` seconds)."""

    def __init__(self, message: str, retry_after: int = RETRY_AFTER) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _serve(connection: Connection) -> None:
    """The worker's loop: run each ``(function, args)`` received, send back ``("ok", result)``
    or the error; end when the server's end of the pipe closes."""
    os.setpgrp()  # a group of its own: the server kills it and its Monte Carlo workers at once
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the server's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    while True:
        try:
            function, args = connection.recv()
        except (EOFError, OSError):
            return  # the server has gone
        try:
            answer: tuple[Any, ...] = ("ok", function(*args))
        except ScenarioError as exc:
            answer = ("scenario", exc.problems, exc.file)
        except MigrasimError as exc:
            answer = ("migrasim", str(exc))
        except Exception as exc:  # reported to the request as an internal error
            answer = ("internal", f"{type(exc).__name__}: {exc}")
        try:
            connection.send(answer)
        except (OSError, ValueError):
            return


class Evaluator:
    """One worker process running one evaluation at a time (see the module's rules). Create
    it in the server's main thread, before serving; :meth:`close` it when the server stops."""

    def __init__(self, time_limit: float = TIME_LIMIT, queue: int = QUEUE) -> None:
        self.time_limit = time_limit
        self._context = multiprocessing.get_context("spawn")
        self._slots = threading.BoundedSemaphore(queue + 1)  # the one running and those waiting
        self._turn = threading.Lock()  # one evaluation at a time in the worker
        self._closed = False
        self._process: Any = None
        self._connection: Connection | None = None
        self._workers: list[Any] = []  # every worker started and not yet killed
        self._start()
        weakref.finalize(self, Evaluator._kill_quietly, self._workers)

    def _start(self) -> None:
        ours, theirs = self._context.Pipe()
        # Not a daemon: it forks the Monte Carlo workers. It ends when our end of the pipe
        # closes (close(), or this process ending), and close() at the latest on exit.
        process = self._context.Process(target=_serve, args=(theirs,), daemon=False)
        process.start()
        theirs.close()
        self._process, self._connection = process, ours
        self._workers.append(process)

    def _kill(self) -> None:
        """Kill the worker and everything it forked (its process group), and reap it."""
        process, connection = self._process, self._connection
        self._process = self._connection = None
        if process is not None and process.pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            process.join(5)
            with contextlib.suppress(ValueError):
                self._workers.remove(process)
        if connection is not None:
            connection.close()

    @staticmethod
    def _kill_quietly(workers: list[Any]) -> None:
        """At exit, if never closed: every worker's group (so the interpreter, which joins its
        children, never waits on one)."""
        for process in workers:
            with contextlib.suppress(ProcessLookupError, PermissionError, ValueError):
                os.killpg(process.pid, signal.SIGKILL)

    @property
    def pid(self) -> int | None:
        """The worker's process id (None when closed)."""
        return None if self._process is None else int(self._process.pid)

    def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)`` in the worker (both picklable, ``function`` at module level),
        within the time limit; raises its error, or :class:`ServerBusyError`."""
        if not self._slots.acquire(blocking=False):
            raise ServerBusyError(
                N_(
                    "the server is busy with other evaluations; try again in %(s)s seconds",
                    s=RETRY_AFTER,
                )
            )
        try:
            with self._turn:
                if self._closed:
                    raise ServerBusyError(N_("the server is shutting down"))
                if self._process is None or not self._process.is_alive():
                    self._kill()
                    self._start()
                connection = self._connection
                assert connection is not None
                late = False
                try:
                    connection.send((function, args))
                    late = not connection.poll(self.time_limit)
                    answer = None if late else connection.recv()
                except (EOFError, OSError):  # the worker died, or the server is closing
                    answer = None
                if answer is None:
                    # past the time limit, or the worker died: never wait on it again
                    self._kill()
                    if not self._closed:
                        self._start()
                    if not late or self._closed:
                        raise ServerBusyError(N_("the evaluation stopped; try again"))
                    raise ServerBusyError(
                        N_(
                            "the evaluation took longer than %(s)s seconds and was stopped; "
                            "ask for fewer replications",
                            s=f"{self.time_limit:g}",
                        )
                    )
        finally:
            self._slots.release()
        kind = answer[0]
        if kind == "ok":
            return answer[1]
        if kind == "scenario":
            raise ScenarioError(answer[1], answer[2])
        if kind == "migrasim":
            raise MigrasimError(answer[1])
        raise RuntimeError(answer[1])

    def close(self) -> None:
        """Stop: kill the worker's group (a request waiting on it answers 503)."""
        self._closed = True
        self._kill()
