"""What an engine returns for a block of replicates, and the exact summaries it streams.

Each simulated day yields a vector of integer counts per replicate
(:data:`sim.model.measures.DAILY`).  Engines add them into weekly totals; a chunk of
replicates becomes a :class:`ChunkResult` (per-replicate totals, per-week histograms,
optionally the per-replicate weekly table and daily arrays).  Histograms of integer weekly
counts merge by addition, and quantile bands read off them are exact, so a run cut into
chunks, processes or cluster workers gives the same bands as one process.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..model.ladder import N_RUNGS
from ..model.measures import DAILY, RUNG

if TYPE_CHECKING:  # pandas is imported where tables are built, so that worker processes
    import pandas as pd  # that only simulate never load it

HIST_BINS = 1024
"""Weekly counts are histogrammed on 0..1023; larger counts fall in the last bin (bands stay
exact while the quantile itself is below 1023)."""


@dataclass
class ChunkResult:
    """Results for a block of replicates.

    Attributes:
        replicates: replicate indices, shape (R,).
        weekly: int32 ``(R, W, len(DAILY))`` weekly sums (``rung``: weekly maximum), or
            ``None`` when the engine streamed weeks into ``totals`` and ``hist`` only.
        first_day: int32 ``(R, 8)``: first day index at or above each rung (-1 never).
        rung_days: int32 ``(R, 8)``: days spent at exactly each rung.
        drawdown_day: int32 ``(R,)``: day the US drew down from Iraq (-1 never).
        daily: optional ``(R, D, len(DAILY))`` int32 daily measures.
        traces: optional ``{name: (R, D) or (R, D, G) float64}``.
        totals: optional int64 ``(R, len(DAILY))``: sums over the run (``rung``: the peak).
        hist: optional int64 ``(len(DAILY), W, HIST_BINS)``: weekly histograms.
        window_totals, window_first_day, window_rung_days: the same as ``totals``,
            ``first_day`` and ``rung_days`` counted over the outcome window only
            (:attr:`sim.model.setup.Setup.window`); ``None`` when the window is the whole
            run (then they equal the whole-run values).
    """

    replicates: np.ndarray
    weekly: np.ndarray
    first_day: np.ndarray
    rung_days: np.ndarray
    drawdown_day: np.ndarray
    daily: np.ndarray | None = None
    traces: dict[str, np.ndarray] | None = None
    totals: np.ndarray | None = None
    hist: np.ndarray | None = None
    window_totals: np.ndarray | None = None
    window_first_day: np.ndarray | None = None
    window_rung_days: np.ndarray | None = None
    window_days: np.ndarray | None = None

    def set_window(self, window: tuple | None) -> ChunkResult:
        """Attach the window tallies (:func:`sim.model.ladder.window_result`)."""
        if window is not None:
            (self.window_totals, self.window_first_day, self.window_rung_days,
             self.window_days) = window
        return self

    def run_totals(self) -> np.ndarray:
        """``(R, len(DAILY))`` totals over the run (``rung``: the peak rung)."""
        if self.totals is not None:
            return self.totals
        t = self.weekly.sum(axis=1, dtype=np.int64)
        t[:, RUNG] = self.weekly[:, :, RUNG].max(axis=1)
        return t

    def histograms(self) -> np.ndarray:
        """Weekly histograms ``(len(DAILY), W, HIST_BINS)``."""
        h = self.hist if self.hist is not None else weekly_histograms(self.weekly)
        if h.shape[2] < HIST_BINS:
            h = np.concatenate([h, np.zeros((*h.shape[:2], HIST_BINS - h.shape[2]),
                                            dtype=h.dtype)], axis=2)
        return h

    def compact(self) -> ChunkResult:
        """The same result with its histograms cut after the highest bin in use (cheaper to
        send between processes; :meth:`histograms` pads them back)."""
        if self.hist is None:
            return self
        used = np.flatnonzero(self.hist.any(axis=(0, 1)))
        top = int(used[-1]) + 1 if used.size else 1
        self.hist = np.ascontiguousarray(self.hist[:, :, :top])
        return self


def concat_chunks(parts: list[ChunkResult]) -> ChunkResult:
    """One chunk from several (replicates in the given order); per-week histograms and
    daily arrays are not kept."""
    def cat(name):
        vals = [getattr(p, name) for p in parts]
        return None if any(v is None for v in vals) else np.concatenate(vals)

    return ChunkResult(cat("replicates"), cat("weekly"), cat("first_day"), cat("rung_days"),
                       cat("drawdown_day"), window_totals=cat("window_totals"),
                       window_first_day=cat("window_first_day"),
                       window_rung_days=cat("window_rung_days"),
                       window_days=parts[0].window_days if parts else None)


def weekly_histograms(weekly: np.ndarray) -> np.ndarray:
    """Histogram over replicates of each measure's weekly value: ``(M, W, HIST_BINS)``."""
    r, w, m = weekly.shape
    out = np.empty((m, w, HIST_BINS), dtype=np.int64)
    offsets = np.arange(w)[None, :] * HIST_BINS
    for j in range(m):
        vals = np.minimum(weekly[:, :, j], HIST_BINS - 1) + offsets
        out[j] = np.bincount(vals.ravel(), minlength=w * HIST_BINS).reshape(w, HIST_BINS)
    return out


def bands_from_histograms(hist: np.ndarray, start: dt.date,
                          quantiles=(0.05, 0.25, 0.5, 0.75, 0.95)) -> pd.DataFrame:
    """Tidy table: one row per week and measure with the mean and the quantiles.

    Quantiles use the "inverted CDF" definition (the smallest count whose cumulative share
    reaches q), which is exact on histograms of integers.
    """
    import pandas as pd
    m, w, b = hist.shape
    n = hist[0, 0].sum()
    cum = np.cumsum(hist, axis=2)
    values = np.arange(b)
    rows = {"week": np.tile(np.arange(w), m),
            "week_start": np.tile(np.datetime64(start, "D") + 7 * np.arange(w), m),
            "measure": np.repeat(np.array(DAILY), w)}
    means = (hist * values).sum(axis=2) / max(n, 1)
    rows["mean"] = means.ravel()
    for q in quantiles:
        target = np.ceil(q * n - 1e-9)
        idx = (cum < np.maximum(target, 1)).sum(axis=2)
        rows[f"q{int(round(q * 100)):02d}"] = idx.ravel()
    rung = hist[RUNG]  # P(weekly max rung >= k)
    for k in range(1, N_RUNGS):
        p = rung[:, k:].sum(axis=1) / max(n, 1)
        rows[f"p_rung_ge_{k}"] = np.tile(p, m)
    rows["replicates"] = np.full(m * w, n)
    return pd.DataFrame(rows)


