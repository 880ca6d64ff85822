"""Jobs, chunks and tasks: a sweep or comparison cut into independent pieces.

A job is ``n_sets`` parameter sets (or scenarios) x ``runs`` replicates; it is cut into
chunks of (sets x replicate range); a task is what a worker needs to run one chunk (picklable,
sent to processes and Dask).  Replicate randomness is keyed, so the numbers do not depend on
the chunking or on where a chunk ran, and the parts merge by concatenation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..model.measures import M
from ..scenario import Scenario, build_params
from .outcomes import totals_frame
from .runner import free_ranges as _free

MAX_ROWS = 10_000
"""Most (parameter set, replicate) rows in one chunk: the engine pays ~2 s of per-day Python
overhead per call, so larger is faster, but a chunk holds its weekly counts (~26 kB a row)."""


@dataclass
class Job:
    """What to run: ``n_sets`` sets x ``runs`` replicates.

    Attributes:
        kind: ``sweep``, ``sensitivity`` or ``compare`` (written to the manifest).
        scenarios: the scenario of each set (one shared scenario, or one per set for compare).
        design: per-set parameter overrides (columns = dotted keys), or None.
        runs, seed: replicates per set (indices ``0 .. runs-1``) and the seed.
        weekly: measures kept per replicate and week (list columns ``wk_<measure>``).
        labels: optional per-set labels (policy names).
        inputs: the record and posterior read, with their checksums
            (:func:`sim.scenario.provenance.run_inputs`): part of the fingerprint.
    """

    kind: str
    scenarios: list[Scenario]
    runs: int
    seed: int
    design: pd.DataFrame | None = None
    weekly: tuple[str, ...] = ()
    labels: list[str] | None = None
    inputs: dict | None = None

    @property
    def n_sets(self) -> int:
        if self.design is not None:
            return len(self.design)
        return len(self.scenarios)

    def scenario_of(self, s: int) -> Scenario:
        return self.scenarios[0] if len(self.scenarios) == 1 else self.scenarios[s]

    @property
    def days(self) -> int:
        return self.scenarios[0].days

    def fingerprint(self) -> str:
        """Hash of everything that fixes the numbers (not the chunking or the backend)."""
        data = {"kind": self.kind, "runs": self.runs, "seed": self.seed,
                "scenarios": [sc.to_dict() for sc in self.scenarios],
                "design": None if self.design is None else
                {"columns": list(self.design.columns),
                 "values": self.design.to_numpy().tolist()},
                "weekly": list(self.weekly), "labels": self.labels, "inputs": self.inputs}
        text = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Chunk:
    """Sets ``set0 .. set1-1`` x replicates ``rep0 .. rep1-1``."""

    index: int
    set0: int
    set1: int
    rep0: int
    rep1: int

    @property
    def rows(self) -> int:
        return (self.set1 - self.set0) * (self.rep1 - self.rep0)


def auto_chunk_rows(n_sets: int, runs: int, workers: int) -> int:
    """Rows per chunk: as few chunks as possible (each engine call pays ~2 s of per-day
    overhead), at most :data:`MAX_ROWS` rows each, and a multiple of the worker count so that
    every worker gets the same share."""
    total = n_sets * runs
    workers = max(1, workers)
    n_chunks = -(-total // MAX_ROWS)
    n_chunks = -(-n_chunks // workers) * workers
    return max(1, -(-total // n_chunks))


def plan_chunks(job: Job, rows: int,
                covered: dict[int, list[tuple[int, int]]] | None = None) -> list[Chunk]:
    """Cut the job into chunks of about ``rows`` rows; a chunk never mixes scenarios.

    ``covered`` (per set, sorted replicate ranges already done, e.g. by the saved chunks of an
    interrupted run) is left out: only what remains is planned, as the same chunks where
    nothing of them is done and as the missing pieces where part is.
    """
    rows = max(1, rows)
    covered = covered or {}
    out: list[Chunk] = []
    per_set_scenarios = len(job.scenarios) > 1
    if job.runs >= rows or per_set_scenarios:
        n_parts = -(-job.runs // rows)
        edges = np.linspace(0, job.runs, n_parts + 1).round().astype(int)
        for s in range(job.n_sets):
            for a, b in zip(edges[:-1], edges[1:], strict=True):
                for x, y in _free(covered.get(s, []), int(a), int(b)):
                    out.append(Chunk(len(out), s, s + 1, x, y))
    else:
        k = max(1, rows // job.runs)
        s = 0
        while s < job.n_sets:
            if s not in covered:  # whole sets, k at a time, as without resume
                e = s
                while e < min(s + k, job.n_sets) and e not in covered:
                    e += 1
                out.append(Chunk(len(out), s, e, 0, job.runs))
                s = e
                continue
            for x, y in _free(covered[s], 0, job.runs):
                out.append(Chunk(len(out), s, s + 1, x, y))
            s += 1
    return out


@dataclass
class ChunkTask:
    """Everything a worker needs to run one chunk (picklable, sent to processes and Dask)."""

    chunk: Chunk
    scenario: Scenario
    seed: int
    sets: np.ndarray
    replicates: np.ndarray
    overrides: dict[str, np.ndarray] = field(default_factory=dict)
    weekly: tuple[str, ...] = ()


def make_task(job: Job, chunk: Chunk) -> ChunkTask:
    sets = np.repeat(np.arange(chunk.set0, chunk.set1), chunk.rep1 - chunk.rep0)
    reps = np.tile(np.arange(chunk.rep0, chunk.rep1), chunk.set1 - chunk.set0)
    overrides = {}
    if job.design is not None:
        overrides = {k: job.design[k].to_numpy()[sets] for k in job.design.columns}
    return ChunkTask(chunk, job.scenario_of(chunk.set0), job.seed, sets, reps, overrides,
                     job.weekly)


def run_task(task: ChunkTask, progress: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Run one chunk and return its mergeable part: one row per (set, replicate) with the
    outcome totals (:func:`sim.experiments.outcomes.totals_frame`) and the kept weekly
    measures as list columns.  Parts merge by concatenation (then sorting by set and replicate)."""
    from ..engines.batch import BatchEngine

    sc = task.scenario
    # each replicate's calibrated parameters are keyed by (seed, replicate): the same draw for
    # replicate j in every set; the design row's values override them
    params = build_params(sc, task.replicates, task.seed, overrides=task.overrides or None)
    res = BatchEngine(sc.setup()).run(task.seed, task.replicates, params, progress=progress)
    df = totals_frame(res, sc.start)
    df.insert(0, "set", task.sets.astype(np.int64))
    for name in task.weekly:
        df[f"wk_{name}"] = list(np.ascontiguousarray(res.weekly[:, :, M[name]]))
    return df

