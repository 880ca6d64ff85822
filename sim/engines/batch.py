"""The batch engine: R replicates advanced together as numpy arrays.

The loop over days (:func:`sim.model.day.step`, the same cycle the Mesa engine runs) and the
weekly streaming of the day's counts into exact histograms and totals, so that memory stays
flat in the number of days.  Replicate ``r`` here follows exactly the path the Mesa engine
computes for replicate ``r`` alone.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable

import numpy as np

from ..model import day as cycle
from ..model.ladder import finish, peak_rung, window_result
from ..model.measures import DAILY, RUNG
from ..model.params import ParamTable
from ..model.setup import Setup
from .outcomes import HIST_BINS, ChunkResult


def _keep_large_arrays_on_the_heap() -> None:
    """Ask glibc to serve large allocations from the heap instead of fresh mmap pages.

    Every numpy temporary of a few hundred kB otherwise costs a round of page faults; with
    10,000 replicates that made some elementwise operations ten times slower (see
    docs/performance.md).  Harmless where it does not apply.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 256 * 1024 * 1024)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 512 * 1024 * 1024)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass


_keep_large_arrays_on_the_heap()


class BatchEngine:
    """Runs blocks of replicates of one run set-up.

    Example:
        >>> from sim.scenario import load_scenario, build_params
        >>> sc = load_scenario()
        >>> eng = BatchEngine(sc.setup())
        >>> res = eng.run(seed=1, replicates=np.arange(100), params=build_params(sc, 100))
        >>> res.totals.shape[0]
        100
    """

    def __init__(self, setup: Setup):
        self.setup = setup
        self.days = setup.days
        self.weeks = setup.weeks
        self.n_groups = setup.n_groups

    def run(self, seed: int, replicates: np.ndarray, params: ParamTable,
            record_daily: bool = False, keep_weekly: bool = True,
            progress: Callable[[int], None] | None = None) -> ChunkResult:
        """Simulate the given replicates over the whole horizon.

        Args:
            seed: the run's seed.
            replicates: replicate indices (their keys fix the random numbers).
            params: per-replicate parameters, one row per entry of ``replicates``.
            record_daily: keep daily measures and state traces (memory ``R x days``).
            keep_weekly: keep the per-replicate weekly counts (about 26 kB per replicate);
                without it, weeks stream into histograms and totals and memory stays flat.
            progress: called with the number of replicate-days done since the last call.
        """
        replicates = np.asarray(replicates, dtype=np.int64)
        n = len(replicates)
        st = cycle.new_state(self.setup, params, seed, replicates)
        m = len(DAILY)
        weekly = np.zeros((self.weeks, m, n), dtype=np.int32) if keep_weekly else None
        hist = np.zeros((m, self.weeks, HIST_BINS), dtype=np.int64)
        totals = np.zeros((m, n), dtype=np.int64)
        daily = np.zeros((n, self.days, m), dtype=np.int32) if record_daily else None
        traces = ({k: np.zeros((n, self.days, self.n_groups) if v[0] == "militia"
                               else (n, self.days)) for k, v in cycle.TRACES.items()}
                  if record_daily else None)
        step = max(1, self.days // 50)
        week = np.zeros((m, n), dtype=np.int64)
        offsets = (np.arange(m) * HIST_BINS)[:, None]
        for day in range(self.days):
            counts = cycle.step(st)
            wk = day // 7
            if day % 7 == 0:
                week.fill(0)
            week += counts  # the rung row is fixed below: weekly maximum, not sum
            week[RUNG] = np.maximum(week[RUNG] - counts[RUNG], counts[RUNG])
            if day % 7 == 6 or day == self.days - 1:
                # stream the week into exact histograms and totals; keep it only if asked
                totals += week
                binned = np.minimum(week, HIST_BINS - 1) + offsets
                hist[:, wk, :] = np.bincount(binned.ravel(),
                                             minlength=m * HIST_BINS).reshape(m, HIST_BINS)
                if weekly is not None:
                    weekly[wk] = week
            if daily is not None:
                daily[:, day] = counts.T
                for k in traces:
                    traces[k][:, day] = cycle.trace_values(st, k)
            if progress is not None and (day % step == step - 1 or day == self.days - 1):
                progress(n * (step if day % step == step - 1 else day % step + 1))
        totals[RUNG] = peak_rung(st)
        finish(st, self.days)
        return ChunkResult(replicates,
                           None if weekly is None else weekly.transpose(2, 0, 1),
                           st.ladder.first_day, st.ladder.rung_days, st.us.drawdown_day, daily,
                           traces, totals=totals.T, hist=hist).set_window(window_result(st))
