"""What a request costs, estimated before it runs: memory, disk and time, from days x
replicates x what is kept; a request the machine cannot hold is refused with one line.

The constants are conservative measurements of the batch engine (``make bench``,
docs/performance.md): about 1 ms of Python per simulated day and engine call (2 ms is
assumed), 0.4 to 1 microsecond per replicate-day (1.2 assumed); the weekly histograms that
make the bands exact take ``len(DAILY) x 1024 x 8`` bytes per week, and a run holds a few
copies of them.  Chunks are cut so that each takes at most :data:`CHUNK_TARGET_SECONDS` by
this estimate, which keeps the promise that finished work is saved at least every
:data:`CHECKPOINT_SECONDS`.

Example:
    >>> est = estimate_run(days=2192, runs=1000)
    >>> 0.2e9 < est.memory < 1e9, est.seconds < 30
    (True, True)
"""

from __future__ import annotations

import math
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

from ..engines.outcomes import HIST_BINS
from ..errors import InputWarning, ScenarioError
from ..model.measures import DAILY

CHECKPOINT_SECONDS = 30.0
"""Finished work is saved at least this often (by the estimate below)."""
CHUNK_TARGET_SECONDS = 20.0
"""What one chunk may take by the (conservative) estimate: two thirds of the promise (on the
machine measured, such a chunk takes about 13 s)."""
DAY_SECONDS = 2.0e-3
"""Seconds of per-day overhead of one batch-engine call (measured: about 1 ms)."""
REP_DAY_SECONDS = {"batch": 1.2e-6, "mesa": 6e-3}
"""Seconds per replicate-day (measured: 0.4 to 1 microsecond batch, 5 ms Mesa)."""
BASE_MEMORY = 300e6
"""The process with numpy, pandas, pyarrow, the scenario and the posterior loaded."""
WORKER_MEMORY = 150e6
"""One worker process before it simulates."""
HIST_COPIES = 4
"""Copies of the weekly histograms a run holds at its peak (engine, summary, bands)."""
ROW_STATE = 5_000
"""Bytes of engine state per replicate being simulated."""
ROW_KEPT = 1_000
"""Bytes per replicate kept (its outcome totals, in memory and in runs.parquet)."""
WEEK_KEPT = 260
"""Bytes per replicate-week of a kept weekly table (every count; in memory)."""
LONG_SECONDS = 120.0
"""Requests estimated to take longer get a note saying so (and how to resume)."""


class TooLarge(ScenarioError):
    """A request the machine cannot hold (the message names the estimate and the limit)."""


class LongRun(InputWarning):
    """A request estimated to take minutes (the command line prints it as a note)."""

    label = "note"


@dataclass(frozen=True)
class Estimate:
    """What a request is expected to take: peak memory and disk in bytes, wall seconds."""

    memory: float
    disk: float
    seconds: float
    what: str

    def describe(self) -> str:
        return (f"about {_bytes(self.memory)} of memory, {_bytes(self.disk)} of disk and "
                f"{_duration(self.seconds)} ({self.what})")


def _bytes(n: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n / 1e3:.0f} kB"


def _duration(s: float) -> str:
    if s < 90:
        return f"{max(s, 1):.0f} s"
    if s < 5400:
        return f"{s / 60:.0f} min"
    if s < 3 * 86400:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:,.0f} days"


def _hist_bytes(days: int) -> float:
    return math.ceil(days / 7) * len(DAILY) * HIST_BINS * 8.0


def checkpoint_rows(days: int, engine: str = "batch") -> int:
    """Most rows one chunk may have so that it takes at most :data:`CHUNK_TARGET_SECONDS`
    by the estimate (at least 1: a single replicate of a very long horizon takes what it
    takes)."""
    per_day = CHUNK_TARGET_SECONDS / max(days, 1) - (DAY_SECONDS if engine == "batch" else 0)
    return max(1, int(per_day / REP_DAY_SECONDS.get(engine, REP_DAY_SECONDS["batch"])))


def estimate_run(days: int, runs: int, engine: str = "batch", weekly: bool = False,
                 chunk: int | None = None, workers: int = 1) -> Estimate:
    """Memory, disk and time of ``escalation run`` (``runs`` replicates of ``days`` days,
    ``chunk`` replicates per engine call, on ``workers`` processes)."""
    weeks = math.ceil(days / 7)
    chunk = min(runs, chunk or runs)
    workers = max(1, min(workers, math.ceil(runs / chunk)))
    hist = _hist_bytes(days)
    kept = runs * ROW_KEPT + (runs * weeks * WEEK_KEPT if weekly else 0)
    in_flight = workers * chunk * (ROW_STATE + (weeks * len(DAILY) * 4 if weekly else 0))
    memory = BASE_MEMORY + HIST_COPIES * hist + kept + in_flight + days * 1_000
    if workers > 1:
        memory += workers * (WORKER_MEMORY + 2 * hist)
    disk = runs * 200 + weeks * len(DAILY) * 30 * 8 + (runs * weeks * len(DAILY) * 2
                                                       if weekly else 0)
    calls = math.ceil(runs / chunk)
    rate = REP_DAY_SECONDS.get(engine, REP_DAY_SECONDS["batch"])
    seconds = (calls * days * (DAY_SECONDS if engine == "batch" else 0)
               + runs * days * rate) / workers
    what = (f"{days:,} days x {runs:,} replicates"
            + (", keeping every week of every replicate" if weekly else ""))
    return Estimate(memory, disk, seconds, what)


def estimate_job(days: int, rows: int, chunk_rows: int, workers: int = 1,
                 weekly_measures: int = 0) -> Estimate:
    """Memory, disk and time of a sweep, sensitivity analysis or comparison: ``rows``
    (set, replicate) rows of ``days`` days, keeping ``weekly_measures`` weekly counts per
    row."""
    weeks = math.ceil(days / 7)
    chunk = max(1, min(rows, chunk_rows))
    workers = max(1, min(workers, math.ceil(rows / chunk)))
    hist = _hist_bytes(days)
    kept = rows * 2 * ROW_KEPT + rows * weeks * weekly_measures * 4 * 2 \
        + (rows * weeks * 60 if weekly_measures else 0)
    in_flight = workers * (chunk * (ROW_STATE + weeks * weekly_measures * 4) + 2 * hist)
    memory = BASE_MEMORY + kept + in_flight + days * 1_000
    if workers > 1:
        memory += workers * WORKER_MEMORY
    disk = rows * 400 + rows * weeks * weekly_measures * 3
    seconds = (math.ceil(rows / chunk) * days * DAY_SECONDS
               + rows * days * REP_DAY_SECONDS["batch"]) / workers
    what = f"{days:,} days x {rows:,} (set, replicate) rows" + (
        f", keeping {weekly_measures} weekly counts per row" if weekly_measures else "")
    return Estimate(memory, disk, seconds, what)


def available_memory() -> float:
    """Bytes of memory available to a new process (psutil)."""
    import psutil

    return float(psutil.virtual_memory().available)


def free_disk(folder: str | Path) -> float:
    """Bytes free on the file system of ``folder`` (or of its nearest existing parent)."""
    p = Path(folder).resolve()
    while not p.exists() and p != p.parent:
        p = p.parent
    return float(shutil.disk_usage(p).free)


def check(est: Estimate, out: str | Path | None = None, resumable: bool = True) -> Estimate:
    """Refuse (:class:`TooLarge`) a request that needs more memory than is available or more
    disk than is free at ``out``; note (:class:`LongRun`) one that will take minutes (and,
    when it writes ``out`` resumably, that Ctrl-C keeps its finished chunks)."""
    mem = available_memory()
    if est.memory > 0.9 * mem:
        raise TooLarge(f"this request needs {est.describe()}; that exceeds the "
                       f"{_bytes(mem)} of memory available on this machine: shorten the "
                       "scenario's dates or run fewer replicates"
                       + (" or drop --weekly" if "keeping every week" in est.what else ""))
    if out is not None:
        disk = free_disk(Path(out).parent)
        if est.disk > disk:
            raise TooLarge(f"this request needs {est.describe()}; that exceeds the "
                           f"{_bytes(disk)} free on the disk of {out}")
    if est.seconds > LONG_SECONDS:
        how = (f"; finished chunks are saved as it goes, so Ctrl-C loses at most the last "
               f"{CHECKPOINT_SECONDS:.0f} s and --resume continues" if resumable and out
               else "")
        warnings.warn(LongRun(f"this request will take {_duration(est.seconds)} or so "
                              f"({est.what}){how}"), stacklevel=3)
    return est


def check_job(job, chunk_rows: int, workers: int, out: str | Path | None = None) -> Estimate:
    """:func:`check` of a :class:`sim.experiments.tasks.Job`."""
    return check(estimate_job(job.days, job.n_sets * job.runs, chunk_rows, workers,
                              len(job.weekly)), out)
