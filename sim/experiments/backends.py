"""Where chunks run: in this process, a local process pool, or a Dask cluster, behind one
``map``.

``Client.map`` deduplicates identical calls unless ``pure=False``; a ``LocalCluster`` is
started with ``dashboard_address=None`` and :data:`WORKER_CONFIG`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pandas as pd

from .designs import SweepError
from .tasks import ChunkTask, run_task

WORKER_CONFIG: dict[str, object] = {"distributed.worker.profile.enabled": False}
"""Dask configuration of the workers a sweep starts itself (``--scheduler local:N``): the
worker's statistical profiler samples every thread's stack every 10 ms while holding the GIL,
which costs the engine (hundreds of small numpy calls a simulated day) about a tenth of its
speed (docs/performance.md).  Workers of an existing cluster are started by their owner:
``DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False dask worker ...`` does the same there
(docs/sweeps.md)."""


@dataclass(frozen=True)
class Backend:
    """Where chunks run: in this process (default), a local process pool (``workers > 1``) or
    a Dask cluster (``scheduler``: ``tcp://HOST:PORT`` or ``local:N``)."""

    workers: int = 1
    scheduler: str | None = None
    connect_timeout: float = 10.0

    def __post_init__(self):
        if self.scheduler is not None:
            parse_scheduler(self.scheduler)

    def describe(self) -> str:
        if self.scheduler:
            return f"dask {self.scheduler}"
        return "in-process" if self.workers <= 1 else f"{self.workers} local processes"


def parse_scheduler(text: str) -> tuple[str, int | str]:
    """``local:N`` -> ("local", N); ``tcp://HOST:PORT`` (or tls://, inproc://) -> ("remote",
    address)."""
    if text.startswith("local:"):
        n = text.split(":", 1)[1]
        if not n.isdigit() or not 1 <= int(n) <= 256:
            raise SweepError(f"--scheduler {text}: expected local:N with N a number of "
                             "workers from 1 to 256")
        return "local", int(n)
    scheme, sep, rest = text.partition("://")
    if not sep or scheme not in ("tcp", "tls", "inproc", "ws", "wss") or not rest:
        raise SweepError(f"--scheduler {text!r}: expected tcp://HOST:PORT (an existing Dask "
                         "scheduler) or local:N (start N local workers)")
    return "remote", text


class Executor:
    """A started backend (context manager): ``n_workers`` and ``map(tasks)``.

    Connecting (or starting a LocalCluster) happens on entry, so an unreachable scheduler is
    reported before anything is written, and the chunking can follow the real worker count.
    """

    def __init__(self, backend: Backend):
        self.backend = backend
        self.client = None
        self.cluster = None
        self.pool = None
        self.n_workers = max(1, backend.workers)

    def __enter__(self) -> Executor:
        b = self.backend
        if b.scheduler:
            import logging

            import dask
            from dask.distributed import Client, LocalCluster

            what, arg = parse_scheduler(b.scheduler)
            if what == "local":
                # worker processes inherit an ignored SIGINT: Ctrl-C stops this process, which
                # closes the cluster, without a traceback from every worker
                import signal
                import threading

                main = threading.current_thread() is threading.main_thread()
                old = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
                try:
                    with dask.config.set(WORKER_CONFIG):
                        self.cluster = LocalCluster(n_workers=arg, threads_per_worker=1,
                                                    processes=True, dashboard_address=None,
                                                    host="127.0.0.1",
                                                    silence_logs=logging.ERROR)
                finally:
                    if main:
                        signal.signal(signal.SIGINT, old)
                self.client = Client(self.cluster)
            else:
                try:
                    self.client = Client(arg, timeout=f"{b.connect_timeout}s")
                except (OSError, TimeoutError, ValueError) as exc:
                    raise SweepError(
                        f"--scheduler {arg}: cannot reach a Dask scheduler there within "
                        f"{b.connect_timeout:g} s ({type(exc).__name__}); start one with "
                        "`dask scheduler` and `dask worker ADDRESS`, or use --scheduler "
                        "local:N") from None
            workers = self.client.scheduler_info().get("workers", {})
            if not workers:
                self._wait_for_workers(str(arg))
                workers = self.client.scheduler_info().get("workers", {})
            self.n_workers = max(1, sum(w.get("nthreads", 1) for w in workers.values()))
        elif b.workers > 1:
            from concurrent.futures import ProcessPoolExecutor

            from .runner import mp_context

            self.pool = ProcessPoolExecutor(max_workers=b.workers, mp_context=mp_context())
        return self

    def _wait_for_workers(self, address: str) -> None:
        """A scheduler without workers: say so at once, wait ``connect_timeout`` seconds for
        one, then give up (a sweep would otherwise wait forever in silence)."""
        import warnings

        from ..errors import InputWarning

        t = self.backend.connect_timeout
        warnings.warn(InputWarning(f"--scheduler {address}: the scheduler has no workers; "
                                   f"waiting up to {t:g} s (--connect-timeout) for one "
                                   f"(start one with `dask worker {address}`)"), stacklevel=3)
        try:
            self.client.wait_for_workers(1, timeout=t)
        except Exception:  # noqa: BLE001 - a TimeoutError, whichever module raises it
            self.client.close()
            self.client = None
            raise SweepError(f"--scheduler {address}: no Dask worker joined the scheduler "
                             f"within {t:g} s; start workers with `dask worker {address}`, "
                             "or use --scheduler local:N") from None

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.pool is not None:
            if exc_type is not None:  # Ctrl-C or an error: do not wait for running chunks
                for proc in list((getattr(self.pool, "_processes", None) or {}).values()):
                    proc.terminate()
                self.pool.shutdown(wait=False, cancel_futures=True)
            else:
                self.pool.shutdown(wait=True)
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def map(self, tasks: list[ChunkTask], progress: Callable[[int], None] | None = None
            ) -> Iterator[tuple[ChunkTask, pd.DataFrame]]:
        """Run the tasks; yield ``(task, part)`` as each finishes (any order).  ``progress``
        is called with replicate-days done (per day block in-process, per chunk elsewhere)."""
        if not tasks:
            return
        if self.client is not None:
            from dask.distributed import as_completed

            futures = self.client.map(run_task, tasks, pure=False)
            index = {f.key: t for f, t in zip(futures, tasks, strict=True)}
            try:
                for fut in as_completed(futures):
                    task = index[fut.key]
                    part = fut.result()
                    if progress is not None:
                        progress(len(task.replicates) * task.scenario.days)
                    yield task, part
            finally:
                self.client.cancel(futures)
            return
        if self.pool is not None:
            from concurrent.futures import as_completed

            futures = {self.pool.submit(run_task, t): t for t in tasks}
            try:
                for fut in as_completed(futures):
                    task = futures[fut]
                    part = fut.result()
                    if progress is not None:
                        progress(len(task.replicates) * task.scenario.days)
                    yield task, part
            finally:
                for f in futures:
                    f.cancel()
            return
        for task in tasks:
            yield task, run_task(task, progress)


def execute(tasks: list[ChunkTask], backend: Backend,
            progress: Callable[[int], None] | None = None
            ) -> Iterator[tuple[ChunkTask, pd.DataFrame]]:
    """Run the tasks on a backend (started and stopped here); yield ``(task, part)``."""
    with Executor(backend) as ex:
        yield from ex.map(tasks, progress)

