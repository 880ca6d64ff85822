"""Running a scenario: replicates cut into chunks, either engine, a progress bar, a summary.

Chunks are independent (keyed randomness), so the result does not depend on the chunk size
or on the number of worker processes: replicate ``r`` is the same wherever it runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..engines.outcomes import ChunkResult
from ..model.params import ParamTable
from ..model.setup import Setup
from ..scenario import Scenario, build_params
from .outcomes import Summary
from .worker import ENGINES, run_chunk, simulate_chunk

if TYPE_CHECKING:  # pandas, Mesa and tqdm load where they are used: a worker process that
    import pandas as pd  # imports this module (or the CLI) to run chunks stays light
MAX_CHUNK = 10_000
"""Most replicates in one batch chunk: the per-day Python overhead is paid once per chunk, so
larger is faster, but a chunk holds its weekly counts (about 26 kB per replicate)."""


@dataclass
class RunResult:
    """The outcome of :func:`run_scenario`.

    Attributes:
        scenario: the resolved scenario that ran.
        seed, engine, n_runs: how it ran.
        summary: the mergeable summary (per-replicate totals, weekly histograms).
        elapsed: wall-clock seconds.
    """

    scenario: Scenario
    seed: int
    engine: str
    n_runs: int
    summary: Summary
    elapsed: float = 0.0
    workers: int = 1
    overrides: dict = field(default_factory=dict)

    @property
    def runs(self) -> pd.DataFrame:
        """One row per replicate: the outcome totals."""
        return self.summary.runs()

    @property
    def bands(self) -> pd.DataFrame:
        """Weekly quantile bands of every measure."""
        return self.summary.bands()

    @property
    def weekly(self) -> pd.DataFrame | None:
        """Per replicate and week counts (only when run with ``keep_weekly``)."""
        return self.summary.weekly()


def free_ranges(covered: list[tuple[int, int]], a: int, b: int) -> list[tuple[int, int]]:
    """The parts of ``[a, b)`` not in the (sorted) ``covered`` ranges."""
    out, x = [], a
    for c0, c1 in covered:
        if c1 <= x or c0 >= b:
            continue
        if c0 > x:
            out.append((x, c0))
        x = max(x, c1)
    if x < b:
        out.append((x, b))
    return out


def _chunks(n: int, size: int, done: list[tuple[int, int]] | None = None) -> list[np.ndarray]:
    """Replicates ``0 .. n-1`` in chunks of ``size``, leaving out the ``done`` ranges."""
    out = []
    for a in range(0, n, size):
        for x, y in free_ranges(sorted(done or []), a, min(a + size, n)):
            out.append(np.arange(x, y))
    return out


@dataclass(frozen=True)
class Checkpoint:
    """Where a run keeps its finished chunks (``folder/.chunks``, one ``.npz`` each, named by
    the run's fingerprint and replicate range) and whether to reuse those already there."""

    folder: Path
    fingerprint: str
    resume: bool = False


def run_fingerprint(sc: Scenario, runs: int, seed: int, engine: str, weekly: bool,
                    parameters_from: str, inputs: dict | None = None) -> str:
    """Hash of everything that fixes a run's numbers (not its chunking or workers)."""
    data = {"kind": "run", "scenario": sc.to_dict(), "runs": runs, "seed": seed,
            "engine": engine, "weekly": weekly, "parameters_from": parameters_from,
            "inputs": inputs}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _saved(cp: Checkpoint, runs: int, windowed: bool = False
           ) -> dict[int, tuple[dict, ChunkResult]]:
    """The usable saved chunks of a checkpointed run, by first replicate (no overlaps;
    ``windowed``: only chunks that carry the outcome window's tallies)."""
    from .store import read_run_chunk, saved_chunks

    out: dict[int, tuple[dict, ChunkResult]] = {}
    taken: list[tuple[int, int]] = []
    found = [r for r in (read_run_chunk(p) for p in saved_chunks(cp.folder, cp.fingerprint,
                                                                 "npz")) if r is not None]
    for meta, part in sorted(found, key=lambda r: r[0]["rep0"]):
        a, b = meta["rep0"], meta["rep1"]
        if meta.get("fingerprint") != cp.fingerprint or not 0 <= a < b <= runs \
                or any(x < b and a < y for x, y in taken) \
                or (windowed and part.window_totals is None):
            continue
        taken.append((a, b))
        out[a] = (meta, part)
    return out


def auto_workers(runs: int, days: int, engine: str) -> int:
    """Worker processes worth starting: one per core for batch runs of more than 5 million
    replicate-days (below that, starting processes costs more than it saves) or Mesa runs of 8
    replicates or more; otherwise 1."""
    cores = os.cpu_count() or 1
    if engine == "batch" and runs * days >= 5_000_000:
        return max(1, min(cores, runs // 1000))
    if engine == "mesa" and runs >= 8:
        return max(1, min(cores, runs))
    return 1


def auto_chunk(runs: int, workers: int, engine: str) -> int:
    """Replicates per chunk: as few chunks as keep every worker busy, at most
    :data:`MAX_CHUNK` replicates each."""
    if engine == "mesa":
        return 10
    per_worker = -(-runs // max(workers, 1))
    n_chunks = -(-per_worker // MAX_CHUNK)
    return max(1, -(-per_worker // n_chunks))


def run_scenario(sc: Scenario, runs: int = 1000, seed: int = 0, engine: str = "batch",
                 chunk_size: int | None = None, workers: int | None = 1,
                 keep_weekly: bool = False, params: ParamTable | None = None,
                 progress: bool | None = None, setup: Setup | None = None,
                 checkpoint: Checkpoint | None = None) -> RunResult:
    """Run ``runs`` replicates of a scenario and summarise them.

    Args:
        sc: the resolved scenario.
        runs: number of replicates (indices ``0 .. runs-1``).
        seed: the seed; with the replicate index it fixes every random number.
        engine: ``"batch"`` (vectorized, default) or ``"mesa"`` (one Mesa model per replicate).
        chunk_size: replicates per chunk (default: :func:`auto_chunk`).
        workers: worker processes; 1 runs in this process, ``None`` chooses
            (:func:`auto_workers`).
        keep_weekly: also keep the per-replicate weekly table.
        params: per-replicate parameters (default: the scenario's values for every replicate).
        progress: show a progress bar (default: when attached to a terminal).
        setup: the scenario's :meth:`~sim.scenario.Scenario.setup`, if already built.
        checkpoint: keep each finished chunk in ``checkpoint.folder/.chunks`` (chunks then
            take at most a checkpoint's worth of time,
            :func:`sim.experiments.budget.checkpoint_rows`); with ``checkpoint.resume``,
            reuse the chunks of the same run found there.

    The numbers do not depend on ``chunk_size``, ``workers`` or on resuming.

    Example:
        >>> from sim.scenario import load_scenario
        >>> res = run_scenario(load_scenario(), runs=200, seed=1)
        >>> len(res.runs)
        200
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    if runs < 1:
        raise ValueError("runs must be at least 1")
    params = params if params is not None else build_params(sc, runs, seed)
    if params.size != runs:
        raise ValueError(f"parameter table has {params.size} rows for {runs} runs")
    days = sc.days
    setup = setup if setup is not None else sc.setup()
    workers = auto_workers(runs, days, engine) if workers is None else workers
    size = chunk_size if chunk_size is not None else auto_chunk(runs, workers, engine)
    saved: dict[int, tuple[dict, ChunkResult]] = {}
    if checkpoint is not None:
        from .budget import checkpoint_rows

        size = max(1, min(size, checkpoint_rows(days, engine)))
        if checkpoint.resume:
            saved = _saved(checkpoint, runs, setup.window is not None)
    chunks = _chunks(runs, size, [(m["rep0"], m["rep1"]) for m, _ in saved.values()])
    workers = max(1, min(workers, len(chunks)))
    summary = Summary(sc.start, setup.weeks)
    for _, part in saved.values():
        summary.add(part, keep_weekly)
    t0 = time.perf_counter()
    from tqdm.auto import tqdm

    bar = tqdm(total=runs * days, unit="rep-day", unit_scale=True,
               disable=False if progress else (True if progress is False else None),
               desc=f"{sc.name} ({engine})", leave=False, mininterval=0.5,
               initial=sum(len(p.replicates) for _, p in saved.values()) * days)

    def keep(reps: np.ndarray, part: ChunkResult) -> None:
        if checkpoint is not None:
            from .store import chunk_path, write_run_chunk

            meta = {"fingerprint": checkpoint.fingerprint, "set0": 0, "set1": 1,
                    "rep0": int(reps[0]), "rep1": int(reps[-1]) + 1}
            write_run_chunk(chunk_path(checkpoint.folder, checkpoint.fingerprint, meta, "npz"),
                            part.compact(), meta)
        summary.add(part, keep_weekly)

    try:
        if workers <= 1:
            for reps in chunks:
                keep(reps, simulate_chunk(setup, engine, seed, reps, params.take(reps),
                                          keep_weekly, bar.update))
        else:
            with ProcessPoolExecutor(max_workers=workers, mp_context=mp_context()) as pool:
                jobs = [(setup, engine, seed, reps, params.take(reps), keep_weekly)
                        for reps in chunks]
                for reps, part in zip(chunks, pool.map(run_chunk, jobs), strict=True):
                    keep(reps, part)
                    bar.update(len(reps) * days)
    finally:
        bar.close()
    return RunResult(sc, seed, engine, runs, summary, time.perf_counter() - t0, workers)


def mp_context():
    """The multiprocessing context for worker pools: forkserver with the engine preloaded on
    POSIX (fast, fork-safe), spawn elsewhere."""
    import multiprocessing as mp
    if os.name == "posix":
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["sim.engines.batch", "sim.experiments.worker"])
        return ctx
    return mp.get_context("spawn")
