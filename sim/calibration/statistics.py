"""Calibration statistics: what a simulated run set and the record are compared on.

A :class:`RunSet` wraps what the batch engine returns (per-replicate weekly arrays, and daily
arrays when ``record_daily=True``).  :data:`CALIBRATION_STATS` are the summary statistics
the calibration distance uses (:func:`observed_stats`, :func:`simulated_stats`); all lie in
the fit window 2019-2023.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model.measures import RUNG, M
from ..record.load import Record, load_record
from ..record.series import (
    SURGE_START,
    attack_rows,
    cum_at,
    surge_cumulative,
    tally,
)

FIT_END = dt.date(2023, 12, 31)
"""Last day of the fit window: parameters are chosen on the record up to here only."""
HOLDOUT_START = dt.date(2024, 1, 1)
"""First day of the hold-out year (never used to choose parameter values)."""
D = dt.date

# ---- run sets --------------------------------------------------------------------------------

@dataclass
class RunSet:
    """Simulated replicates: ``weekly (R, W, M)`` and optionally ``daily (R, D, M)``, with the
    scenario's first day ``start`` and its number of days."""

    start: dt.date
    days: int
    weekly: np.ndarray
    daily: np.ndarray | None = None

    @classmethod
    def from_chunk(cls, chunk, start: dt.date, days: int | None = None) -> RunSet:
        if days is None:
            days = (chunk.daily.shape[1] if chunk.daily is not None
                    else chunk.weekly.shape[1] * 7)
        return cls(start, days, chunk.weekly, chunk.daily)

    @classmethod
    def concat(cls, sets: list[RunSet]) -> RunSet:
        d = None if any(s.daily is None for s in sets) else np.concatenate([s.daily for s in sets])
        return cls(sets[0].start, sets[0].days, np.concatenate([s.weekly for s in sets]), d)

    @property
    def n(self) -> int:
        return self.weekly.shape[0]

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=self.days - 1)

    def day(self, d: dt.date) -> int:
        return (d - self.start).days

    def covers(self, a: dt.date, b: dt.date) -> bool:
        return a >= self.start and b <= self.end

    def window(self, measure: str, a: dt.date, b: dt.date) -> np.ndarray:
        """Per-replicate total of ``measure`` over the days ``a``..``b`` inclusive (weekly
        arrays: partial weeks count pro rata)."""
        i, j = self.day(a), self.day(b)
        col = M[measure]
        if self.daily is not None:
            return self.daily[:, i:j + 1, col].sum(axis=1).astype(np.float64)
        return self.weekly[:, :, col] @ self._week_weights(i, j)

    def _week_weights(self, i: int, j: int) -> np.ndarray:
        w = self.weekly.shape[1]
        ws = np.arange(w) * 7
        we = np.minimum(ws + 6, self.days - 1)
        overlap = np.clip(np.minimum(we, j) - np.maximum(ws, i) + 1, 0, None)
        return overlap / (we - ws + 1)

    def steps(self, measure: str) -> tuple[np.ndarray, int]:
        """``(R, T)`` series of ``measure`` and the step length in days (1 or 7)."""
        if self.daily is not None:
            return self.daily[:, :, M[measure]], 1
        return self.weekly[:, :, M[measure]], 7

    def step_index(self, d: dt.date, step: int) -> int:
        return self.day(d) // step

    def months(self, measure: str = "attacks") -> pd.DataFrame:
        """Per-replicate monthly totals: DataFrame (R rows, one column per month start)."""
        cols = {}
        m = pd.Timestamp(self.start).to_period("M")
        last = pd.Timestamp(self.end).to_period("M")
        while m <= last:
            a = max(m.start_time.date(), self.start)
            b = min(m.end_time.date(), self.end)
            cols[m.start_time.date()] = self.window(measure, a, b)
            m += 1
        return pd.DataFrame(cols)


# ---- calibration statistics ------------------------------------------------------------------

@dataclass(frozen=True)
class Stat:
    """One summary statistic of the calibration distance (on the log1p scale)."""

    name: str
    description: str
    measure: str  # a DAILY measure, or "lethal_weeks" / "rung5_weeks"
    a: dt.date
    b: dt.date
    observed: Callable[[Record], tuple[float, float, str]]


def _events_count(kind: str, a, b, distinct_days=False):
    def f(record: Record):
        ev = record.events
        if kind == "us_strike":
            sel = ev[(ev.event_type == "us_strike")]
        elif kind == "lethal":
            sel = attack_rows(record)
            sel = sel[sel.us_killed_hi.fillna(0) > 0]
        else:
            raise ValueError(kind)
        sel = sel[(sel.date >= pd.Timestamp(a)) & (sel.date <= pd.Timestamp(b))]
        if kind == "lethal":
            lo = int((sel.us_killed_lo.fillna(0) > 0).sum())
            return lo, len(sel.date.unique()), f"events.csv, {len(sel)} rows"
        n = len(sel.date.unique()) if distinct_days else len(sel)
        return n, n, f"events.csv, {len(sel)} us_strike rows on {len(sel.date.unique())} days"
    return f


def _killed(a, b):
    def f(record: Record):
        ev = record.events
        sel = ev[(ev.date >= pd.Timestamp(a)) & (ev.date <= pd.Timestamp(b))
                 & ev.event_type.isin(["militia_attack", "iran_direct_attack"])
                 & ev.target.isin(["us_forces", "us_embassy"])]
        return (int(sel.us_killed_lo.fillna(0).sum()), int(sel.us_killed_hi.fillna(0).sum()),
                "events.csv, us_killed of attacks on US forces")
    return f


def _tally_stat(measure, a, b, country="all", minus=None):
    def f(record: Record):
        lo, hi, src = tally(record, measure, a, b, country)
        if minus is not None:
            l2, h2, s2 = tally(record, *minus)
            return lo - h2, hi - l2, src + "; minus " + s2
        return lo, hi, src
    return f


def _surge_window(a, b):
    def f(record: Record):
        cum = surge_cumulative(record)
        before = a - dt.timedelta(days=1)
        lo = cum_at(cum, b, "lo") - cum_at(cum, before, "hi")
        hi = cum_at(cum, b, "hi") - cum_at(cum, before, "lo")
        return max(lo, 0.0), max(hi, 0.0), "tallies.csv surge series (Pentagon), interpolated"
    return f


def _rung5_weeks(record: Record):
    ev = record.events
    sel = ev[(ev.date <= pd.Timestamp(FIT_END))
             & (((ev.event_type == "us_strike") & ev.tier.isin(["leaders", "iranian_personnel"]))
                | ((ev.event_type == "iran_direct_attack") & (ev.target == "us_forces")))]
    weeks = {((d.date() - D(2019, 1, 1)).days // 7) for d in sel.date}
    return len(weeks), len(weeks), "events.csv: leadership strikes and Iranian fire on US forces"


CALIBRATION_STATS: tuple[Stat, ...] = (
    Stat("attacks_2019", "attacks on US forces, May-Dec 2019", "attacks", D(2019, 5, 1),
         D(2019, 12, 31), _tally_stat("attacks_on_us_forces", D(2019, 5, 1), D(2020, 10, 22),
                                      "iraq", ("attacks_on_us_forces", D(2020, 1, 1),
                                               D(2020, 10, 22), "iraq"))),
    Stat("attacks_2020", "attacks on US forces, 1 Jan-22 Oct 2020", "attacks", D(2020, 1, 1),
         D(2020, 10, 22), _tally_stat("attacks_on_us_forces", D(2020, 1, 1), D(2020, 10, 22),
                                      "iraq")),
    Stat("attacks_2021h1", "attacks on US forces, 1 Jan-7 Jul 2021", "attacks", D(2021, 1, 1),
         D(2021, 7, 7), _tally_stat("attacks_on_us_forces", D(2021, 1, 1), D(2021, 7, 7),
                                    "iraq")),
    Stat("attacks_2021_2023", "attacks on US forces, 8 Jul 2021-23 Mar 2023", "attacks",
         D(2021, 7, 8), D(2023, 3, 23),
         _tally_stat("attacks_on_us_forces", D(2021, 1, 1), D(2023, 3, 23), "all",
                     ("attacks_on_us_forces", D(2021, 1, 1), D(2021, 7, 7), "iraq"))),
    Stat("attacks_surge1", "attacks on US forces, 17 Oct-21 Nov 2023", "attacks",
         SURGE_START, D(2023, 11, 21), _surge_window(SURGE_START, D(2023, 11, 21))),
    Stat("attacks_surge2", "attacks on US forces, 22 Nov-31 Dec 2023", "attacks",
         D(2023, 11, 22), FIT_END, _surge_window(D(2023, 11, 22), FIT_END)),
    Stat("strikes_pre", "US strike days, 2019 to 16 Oct 2023", "us_strikes", D(2019, 1, 1),
         D(2023, 10, 16), _events_count("us_strike", D(2019, 1, 1), D(2023, 10, 16), True)),
    Stat("strikes_surge", "US strike days, 17 Oct-31 Dec 2023", "us_strikes", SURGE_START,
         FIT_END, _events_count("us_strike", SURGE_START, FIT_END, True)),
    Stat("us_killed", "Americans killed by militia or Iranian attacks, 2019-2023", "us_killed",
         D(2019, 1, 1), FIT_END, _killed(D(2019, 1, 1), FIT_END)),
    Stat("lethal_weeks", "weeks with an attack that killed Americans, 2019-2023",
         "lethal_weeks", D(2019, 1, 1), FIT_END, _events_count("lethal", D(2019, 1, 1), FIT_END)),
    Stat("wounded_surge", "US wounded, 17 Oct-21 Dec 2023", "us_wounded", SURGE_START,
         D(2023, 12, 21), _tally_stat("us_wounded", SURGE_START, D(2023, 12, 21))),
    Stat("rung5_weeks", "weeks at ladder rung 5 or above (decapitation, direct fire), 2019-2023",
         "rung5_weeks", D(2019, 1, 1), FIT_END, _rung5_weeks),
)


def observed_stats(record: Record | None = None) -> pd.DataFrame:
    """Observed statistics: name, lo, hi, mid, source, and their log1p values."""
    record = record or load_record()
    rows = []
    for s in CALIBRATION_STATS:
        lo, hi, src = s.observed(record)
        rows.append({"name": s.name, "description": s.description, "lo": lo, "hi": hi,
                     "mid": (lo + hi) / 2.0, "source": src})
    df = pd.DataFrame(rows)
    df["log_mid"] = np.log1p(df["mid"])
    df["log_halfwidth"] = (np.log1p(df["hi"]) - np.log1p(df["lo"])) / 2.0
    return df


def _weeks_in(rs: RunSet, a: dt.date, b: dt.date) -> slice:
    return slice(rs.day(a) // 7, rs.day(b) // 7 + 1)


def simulated_stats(rs: RunSet) -> np.ndarray:
    """``(R, S)`` log1p statistics of each replicate (weekly arrays suffice)."""
    out = np.empty((rs.n, len(CALIBRATION_STATS)))
    for k, s in enumerate(CALIBRATION_STATS):
        if s.measure == "lethal_weeks":
            v = (rs.weekly[:, _weeks_in(rs, s.a, s.b), M["us_killed"]] > 0).sum(axis=1)
        elif s.measure == "rung5_weeks":
            v = (rs.weekly[:, _weeks_in(rs, s.a, s.b), RUNG] >= 5).sum(axis=1)
        else:
            v = rs.window(s.measure, s.a, s.b)
        out[:, k] = np.log1p(v)
    return out


