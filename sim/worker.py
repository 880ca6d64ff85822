"""What a worker process runs: one chunk of replicates, returned as compact arrays.

Kept apart from :mod:`sim.runner` so that a worker imports numpy and the batch engine only
(not pandas, pyarrow, Mesa or matplotlib): process start-up stays well under a second.
"""

from __future__ import annotations

import numpy as np


def run_chunk(args) -> object:
    """Simulate ``reps`` of a scenario; returns a compact :class:`sim.outcomes.ChunkResult`."""
    sc, engine, seed, reps, params, keep_weekly = args
    if engine == "batch":
        from .batch import BatchEngine
        return BatchEngine(sc).run(seed, np.asarray(reps), params,
                                   keep_weekly=keep_weekly).compact()
    from .runner import _run_chunk
    return _run_chunk(sc, engine, seed, reps, params)
