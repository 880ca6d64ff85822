"""What a run reports, and the mergeable summaries it streams into.

Each simulated day yields a vector of integer counts per replicate (:data:`DAILY`).  Engines
add them into weekly totals; a chunk of replicates becomes a :class:`ChunkResult` (per-replicate
totals, per-week histograms, optionally the per-replicate weekly table and daily arrays).
Histograms of integer weekly counts merge by addition, and quantile bands read off them are
exact, so a run cut into chunks, processes or cluster workers gives the same bands as one
process.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from typing import TYPE_CHECKING

import numpy as np

from .rules import LADDER, SCORE_WEIGHTS

if TYPE_CHECKING:  # pandas is imported where tables are built, so that worker processes
    import pandas as pd  # that only simulate never load it

DAILY: tuple[str, ...] = (
    "attacks", "attacks_iraq", "attacks_syria", "attacks_embassy", "attacks_jordan",
    "attacks_israel", "us_wounded", "us_killed", "us_strikes", "us_strikes_facilities",
    "us_strikes_leaders", "us_strikes_iranian_personnel", "us_strikes_iran_territory",
    "us_strikes_iraq", "us_strikes_syria", "israeli_strikes", "israeli_strikes_iraq",
    "iran_direct_attacks_us", "iran_direct_attacks_israel", "militia_suspensions", "rung",
)
"""Daily integer measures per replicate.  ``attacks`` counts militia attacks on US forces
(Iraq, Syria, the embassy, Jordan); ``attacks_israel`` those on Israel.  ``rung`` is the day's
ladder rung (weekly: the week's highest)."""
M = {name: i for i, name in enumerate(DAILY)}
RUNG = M["rung"]
N_RUNGS = len(LADDER)
HIST_BINS = 1024
"""Weekly counts are histogrammed on 0..1023; larger counts fall in the last bin (bands stay
exact while the quantile itself is below 1023)."""

STATE_TRACES: tuple[str, ...] = ("greenlight", "iran_grievance", "us_pressure",
                                 "us_credibility", "sovereignty_pressure", "containment",
                                 "presence_iraq", "militia_fear", "militia_grievance",
                                 "militia_capability")
"""Float state recorded per day when daily trajectories are kept (militia values are
per-group)."""


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


@dataclass
class Summary:
    """Mergeable summary of many replicates: per-replicate totals and weekly histograms."""

    start: dt.date
    weeks: int
    totals: list[pd.DataFrame] = field(default_factory=list)
    hist: np.ndarray | None = None  # (len(DAILY), W, HIST_BINS) int64
    weekly_tables: list[pd.DataFrame] = field(default_factory=list)

    def add(self, chunk: ChunkResult, keep_weekly: bool = False) -> None:
        """Fold a chunk in (order does not matter for any figure reported)."""
        self.totals.append(totals_frame(chunk, self.start))
        h = chunk.histograms()
        self.hist = h if self.hist is None else self.hist + h
        if keep_weekly:
            self.weekly_tables.append(weekly_frame(chunk, self.start))

    def merge(self, other: Summary) -> Summary:
        """Combine two summaries of the same scenario."""
        out = Summary(self.start, self.weeks, self.totals + other.totals,
                      None, self.weekly_tables + other.weekly_tables)
        if self.hist is None or other.hist is None:
            out.hist = self.hist if other.hist is None else other.hist
        else:
            out.hist = self.hist + other.hist
        return out

    def runs(self) -> pd.DataFrame:
        """One row per replicate, sorted by replicate."""
        import pandas as pd
        return pd.concat(self.totals).sort_values("replicate").reset_index(drop=True)

    def weekly(self) -> pd.DataFrame | None:
        if not self.weekly_tables:
            return None
        import pandas as pd
        return (pd.concat(self.weekly_tables).sort_values(["replicate", "week"])
                .reset_index(drop=True))

    def bands(self, quantiles=(0.05, 0.25, 0.5, 0.75, 0.95)) -> pd.DataFrame:
        """Weekly quantile bands of every measure (exact for integer counts)."""
        return bands_from_histograms(self.hist, self.start, quantiles)


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


def totals_frame(chunk: ChunkResult, start: dt.date) -> pd.DataFrame:
    """Per-replicate outcome totals: counts, peak rung, first day of each rung, days at or
    above each rung, escalation score, direct US-Iran fire, drawdown."""
    import pandas as pd
    t = chunk.run_totals()
    df = pd.DataFrame({"replicate": chunk.replicates.astype(np.int64)})
    for name in DAILY:
        if name != "rung":
            df[name] = t[:, M[name]].astype(np.int64)
    df["iran_direct_attacks"] = df["iran_direct_attacks_us"] + df["iran_direct_attacks_israel"]
    df["peak_rung"] = t[:, RUNG].astype(np.int64)
    base = np.datetime64(start, "D")
    for k in range(1, N_RUNGS):
        fd = chunk.first_day[:, k]
        df[f"first_day_rung_{k}"] = np.where(fd >= 0, base + fd.astype("timedelta64[D]"),
                                             np.datetime64("NaT", "D"))
    at_or_above = np.cumsum(chunk.rung_days[:, ::-1], axis=1)[:, ::-1]
    for k in range(1, N_RUNGS):
        df[f"days_rung_ge_{k}"] = at_or_above[:, k].astype(np.int64)
    df["escalation_score"] = chunk.rung_days @ SCORE_WEIGHTS
    df["direct_us_iran_fire"] = df["peak_rung"] >= 6
    df["us_drawdown"] = chunk.drawdown_day >= 0
    df["drawdown_date"] = np.where(chunk.drawdown_day >= 0,
                                   base + chunk.drawdown_day.astype("timedelta64[D]"),
                                   np.datetime64("NaT", "D"))
    return df


def weekly_frame(chunk: ChunkResult, start: dt.date) -> pd.DataFrame:
    """Long table: one row per replicate and week with every weekly count."""
    import pandas as pd
    r, w, m = chunk.weekly.shape
    df = pd.DataFrame(chunk.weekly.reshape(r * w, m), columns=list(DAILY))
    df.insert(0, "week_start", np.tile(np.datetime64(start, "D") + 7 * np.arange(w), r))
    df.insert(0, "week", np.tile(np.arange(w), r))
    df.insert(0, "replicate", np.repeat(chunk.replicates.astype(np.int64), w))
    return df.rename(columns={"rung": "max_rung"})
