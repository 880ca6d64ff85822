"""What a worker process runs: one chunk of replicates, returned as compact arrays.

Kept apart from :mod:`sim.experiments.runner` so that a worker imports numpy and the batch
engine only (not pandas, pyarrow or matplotlib; Mesa only for Mesa runs): process start-up
stays well under a second.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..engines.outcomes import ChunkResult, concat_chunks
from ..model.params import ParamTable
from ..model.setup import Setup

ENGINES = ("batch", "mesa")


def simulate_chunk(setup: Setup, engine: str, seed: int, reps: np.ndarray, params: ParamTable,
                   keep_weekly: bool = False,
                   progress: Callable[[int], None] | None = None) -> ChunkResult:
    """Simulate replicates ``reps`` (one parameter row each) with either engine."""
    if engine == "batch":
        from ..engines.batch import BatchEngine

        return BatchEngine(setup).run(seed, np.asarray(reps), params, keep_weekly=keep_weekly,
                                      progress=progress)
    from ..engines.mesa import EscalationModel

    results = []
    for i, r in enumerate(reps):
        m = EscalationModel(setup, params.row(i), seed=seed, replicate=int(r))
        m.run()
        results.append(m.result())
        if progress is not None:
            progress(m.days)
    return concat_chunks(results)


def run_chunk(args: tuple) -> ChunkResult:
    """Process-pool entry point: ``args = (setup, engine, seed, reps, params, keep_weekly)``;
    returns a compact :class:`ChunkResult`."""
    setup, engine, seed, reps, params, keep_weekly = args
    return simulate_chunk(setup, engine, seed, reps, params, keep_weekly).compact()
