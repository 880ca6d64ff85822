"""Calibration targets as code: summary statistics and the patterns P1-P8 of the design
(/work/shared/design/calibration.md), each a function of a simulated run set.

A :class:`RunSet` wraps what :meth:`sim.batch.BatchEngine.run` returns (per-replicate weekly
arrays, and daily arrays when ``record_daily=True``).  Functions that need event sequences
(lags, pauses, P4-P7) use daily arrays when present and fall back to weekly resolution
(a "step" of 7 days) otherwise.

Each target returns a :class:`Target`: its name, a description, the observed figure from the
record (tallies.csv where it has one, else events.csv) with its source, the simulated figure
(median over replicates) with a 90 % interval (5th-95th percentile), and whether it holds.
The rule for ``holds`` is stated in each target's ``rule``.

:data:`CALIBRATION_STATS` are the summary statistics the calibration distance uses
(:func:`observed_stats`, :func:`simulated_stats`); all lie in the fit window 2019-2023.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .outcomes import DAILY, RUNG, M
from .record import Record, load_record

FIT_END = dt.date(2023, 12, 31)
HOLDOUT_START = dt.date(2024, 1, 1)
SURGE_START = dt.date(2023, 10, 17)
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


# ---- the documented record, as figures -------------------------------------------------------

def _attack_rows(record: Record) -> pd.DataFrame:
    ev = record.events
    return ev[(ev.event_type == "militia_attack") & ev.target.isin(["us_forces", "us_embassy"])]


def tally(record: Record, measure: str, start: dt.date, end: dt.date,
          country: str = "all") -> tuple[int, int, str]:
    """(low, high, source) of the tally row with exactly this period."""
    t = record.tallies
    row = t[(t.measure == measure) & (t.country == country)
            & (t.period_start == pd.Timestamp(start)) & (t.period_end == pd.Timestamp(end))]
    if row.empty:
        raise KeyError(f"no tally {measure} {country} {start}..{end}")
    r = row.iloc[0]
    return int(r.low), int(r.high), f"tallies.csv line {r.line}: {r.source_url.split(' | ')[0]}"


def surge_cumulative(record: Record) -> pd.DataFrame:
    """Cumulative attacks on US forces since 2023-10-17 from the tallies (country 'all', plus
    the Iraq+Syria splits), with low/high made monotone; GTTAC's 115-160 row for 31 Dec is
    left out of the central path (an outlier against the Pentagon series) but kept in ``hi``.
    Columns: date, lo, hi, mid."""
    t = record.tallies
    a = t[(t.measure == "attacks_on_us_forces") & (t.period_start == pd.Timestamp(SURGE_START))]
    rows = []
    for end, g in a.groupby("period_end"):
        allc = g[g.country == "all"]
        if not allc.empty:
            lo, hi = int(allc.low.max()), int(allc.high.max())
        else:
            lo, hi = int(g.low.sum()), int(g.high.sum())
        outlier = (hi - lo) > 0.25 * hi
        rows.append({"date": end.date(), "lo": lo, "hi": hi, "outlier": outlier})
    df = pd.DataFrame(rows).sort_values("date").reset_index(drop=True)
    df = pd.concat([pd.DataFrame([{"date": SURGE_START - dt.timedelta(days=1), "lo": 0, "hi": 0,
                                   "outlier": False}]), df], ignore_index=True)
    core = df[~df.outlier].copy()
    core["lo"] = np.maximum.accumulate(core.lo.to_numpy())
    core["hi"] = np.minimum.accumulate(core.hi.to_numpy()[::-1])[::-1]
    core["hi"] = np.maximum(core.hi, core.lo)
    core["mid"] = (core.lo + core.hi) / 2.0
    return core[["date", "lo", "hi", "mid"]].reset_index(drop=True)


def _cum_at(cum: pd.DataFrame, d: dt.date, col: str = "mid") -> float:
    x = np.array([(c - SURGE_START).days for c in cum.date])
    return float(np.interp((d - SURGE_START).days, x, cum[col].to_numpy()))


def _tally_blocks(record: Record) -> list[tuple]:
    """Non-overlapping periods with a published count of attacks on US forces, derived from
    tallies.csv: (start, end, low, high, central, how)."""
    l1, h1, _ = tally(record, "attacks_on_us_forces", D(2019, 5, 1), D(2020, 10, 22), "iraq")
    l2, h2, _ = tally(record, "attacks_on_us_forces", D(2020, 1, 1), D(2020, 10, 22), "iraq")
    l3, h3, _ = tally(record, "attacks_on_us_forces", D(2021, 1, 1), D(2021, 7, 7), "iraq")
    l4, h4, _ = tally(record, "attacks_on_us_forces", D(2021, 1, 1), D(2023, 3, 23), "all")
    blocks = [
        (D(2019, 5, 1), D(2019, 12, 31), l1 - h2, h1 - l2, "FDD 78 (May 2019-22 Oct 2020) "
         "minus 55 (2020)"),
        (D(2020, 1, 1), D(2020, 10, 22), l2, h2, "FDD, 2020 to 22 Oct"),
        (D(2021, 1, 1), D(2021, 7, 7), l3, h3, "Jan-7 Jul 2021 (Iraq)"),
        (D(2021, 7, 8), D(2023, 3, 23), l4 - h3, h4 - l3, "Kurilla 78 (Jan 2021-23 Mar 2023) "
         "minus 45-50 (H1 2021)"),
    ]
    blocks = [(a, b, lo, hi, (lo + hi) / 2.0, how) for a, b, lo, hi, how in blocks]
    cum = surge_cumulative(record)
    for k in range(1, len(cum)):
        p, r = cum.iloc[k - 1], cum.iloc[k]
        a = p.date + dt.timedelta(days=1)
        d_lo, d_hi = r.lo - p.lo, r.hi - p.hi
        blocks.append((a, r.date, float(min(d_lo, d_hi)), float(max(d_lo, d_hi)),
                       float(r.mid - p.mid), "surge tallies (cumulative, Pentagon)"))
    return blocks


def monthly_documented(record: Record | None = None, start: dt.date = D(2019, 1, 1),
                       end: dt.date = D(2024, 12, 31)) -> pd.DataFrame:
    """The documented monthly series of attacks on US forces, built from the record.

    * ``events``: militia_attack rows on US forces or the embassy in events.csv (a lower bound:
      the file lists notable attacks, not all).
    * inside a period with a published tally (see :func:`_tally_blocks`), the tally total is
      spread over the period's days: half evenly, half in proportion to that day's event rows
      (all evenly when the period has no rows); surge increments between successive
      cumulative Pentagon figures are spread evenly.  ``lo``/``hi`` carry the tally's range.
    * outside any tally period the estimate is the event rows (``basis = events``, ``hi``
      unknown).

    Columns: month (date of the 1st), events, estimate, lo, hi, basis.
    """
    record = record or load_record()
    days = pd.date_range(start, end, freq="D")
    ev = _attack_rows(record)
    per_day = ev.groupby("date").size().reindex(days, fill_value=0).to_numpy().astype(float)
    est = per_day.copy()
    lo = per_day.copy()
    hi = np.full(len(days), np.nan)
    basis = np.array(["events"] * len(days), dtype=object)
    for a, b, tlo, thi, mid, _how in _tally_blocks(record):
        i, j = (a - start).days, (b - start).days
        if j < 0 or i >= len(days):
            continue
        i, j = max(i, 0), min(j, len(days) - 1)
        n = j - i + 1
        rows = per_day[i:j + 1]
        share = np.full(n, 1.0 / n)
        if rows.sum() > 0:
            share = 0.5 * share + 0.5 * rows / rows.sum()
        est[i:j + 1] = mid * share
        lo[i:j + 1] = tlo * share
        hi[i:j + 1] = thi * share
        basis[i:j + 1] = "tally"
    df = pd.DataFrame({"day": days, "events": per_day, "estimate": est, "lo": lo, "hi": hi,
                       "basis": basis})
    df["month"] = df.day.dt.to_period("M").dt.start_time.dt.date
    out = df.groupby("month").agg(events=("events", "sum"), estimate=("estimate", "sum"),
                                  lo=("lo", "sum"), hi=("hi", lambda s: s.sum(min_count=len(s))),
                                  basis=("basis", lambda s: "tally" if (s == "tally").any()
                                         else "events"))
    out = out.reset_index()
    return out


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
            sel = _attack_rows(record)
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
        lo = _cum_at(cum, b, "lo") - _cum_at(cum, before, "hi")
        hi = _cum_at(cum, b, "hi") - _cum_at(cum, before, "lo")
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


# ---- targets ---------------------------------------------------------------------------------

@dataclass
class Target:
    """A figure from the record against the same figure from simulation."""

    name: str
    description: str
    observed: float
    observed_range: tuple[float, float]
    observed_source: str
    simulated: float
    interval: tuple[float, float]
    holds: bool
    rule: str = ""
    window: str = "fit"  # fit (2019-2023) | hold-out (2024)
    detail: str = ""
    extra: dict = field(default_factory=dict)

    def as_row(self) -> dict:
        return {"name": self.name, "description": self.description,
                "observed": self.observed, "observed_lo": self.observed_range[0],
                "observed_hi": self.observed_range[1], "source": self.observed_source,
                "simulated": self.simulated, "sim_q05": self.interval[0],
                "sim_q95": self.interval[1], "holds": self.holds, "window": self.window,
                "rule": self.rule, "detail": self.detail}


def _q(x) -> tuple[float, float, float]:
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return float("nan"), float("nan"), float("nan")
    q = np.quantile(x, [0.05, 0.5, 0.95])
    return float(q[1]), float(q[0]), float(q[2])


def _overlap(lo, hi, a, b) -> bool:
    return bool(np.isfinite(a) and hi >= a and lo <= b)


def _interval_target(name, description, values, lo, hi, source, window="fit", detail="",
                     extra_rule="") -> Target:
    med, q05, q95 = _q(values)
    holds = _overlap(lo, hi, q05, q95)
    return Target(name, description, (lo + hi) / 2.0, (lo, hi), source, med, (q05, q95), holds,
                  "observed range overlaps the simulated 90 % interval" + extra_rule, window,
                  detail)


def _need(rs: RunSet, a, b, name):
    if not rs.covers(a, b):
        raise ValueError(f"{name}: the run set ({rs.start}..{rs.end}) does not cover {a}..{b}")


# P1 -----------------------------------------------------------------------------------------
def p1_surge_tempo(rs: RunSet, record: Record) -> Target:
    """About 165-170 attacks on US forces 17 Oct 2023-2 Feb 2024, split Iraq/Syria."""
    b = D(2024, 2, 2)
    _need(rs, SURGE_START, b, "P1")
    lo, hi, src = tally(record, "attacks_on_us_forces", SURGE_START, b)
    sim = rs.window("attacks", SURGE_START, b)
    t = _interval_target("P1", "surge tempo: attacks on US forces 17 Oct 2023-2 Feb 2024", sim,
                         lo, hi, src, window="fit+hold-out")
    li, _, _ = tally(record, "attacks_on_us_forces", SURGE_START, D(2023, 12, 21), "iraq")
    ls, _, _ = tally(record, "attacks_on_us_forces", SURGE_START, D(2023, 12, 21), "syria")
    obs_share = ls / (li + ls)
    iq = rs.window("attacks_iraq", SURGE_START, D(2023, 12, 21))
    sy = rs.window("attacks_syria", SURGE_START, D(2023, 12, 21))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = sy / (iq + sy)
    med, q05, q95 = _q(share)
    ok_share = q05 <= obs_share <= q95
    days = (b - SURGE_START).days + 1
    t.detail = (f"{t.simulated / days:.2f} attacks/day simulated vs {t.observed / days:.2f} "
                f"documented; Syria share to 21 Dec: documented {obs_share:.2f}, simulated "
                f"{med:.2f} [{q05:.2f}, {q95:.2f}]")
    t.holds = t.holds and ok_share
    t.rule += " and the documented Syria share lies in the simulated 90 % interval"
    return t


# P2 -----------------------------------------------------------------------------------------
def p2_few_responses(rs: RunSet, record: Record) -> Target:
    """About 8-9 US strike episodes for ~160 attacks, Oct 2023-Jan 2024."""
    a, b = SURGE_START, D(2024, 1, 31)
    _need(rs, a, b, "P2")
    n_strikes, _, s1 = _events_count("us_strike", a, b, True)(record)
    lo_att, hi_att, s2 = tally(record, "attacks_on_us_forces", SURGE_START, D(2024, 2, 2))
    lo_r, hi_r = (n_strikes - 1) / hi_att, n_strikes / (lo_att - 10)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = rs.window("us_strikes", a, b) / rs.window("attacks", a, b)
    t = _interval_target("P2", "the US answers few attacks: US strike days per attack on US "
                         "forces, 17 Oct 2023-31 Jan 2024", ratio, lo_r, hi_r,
                         f"{s1}; attacks {s2} (less ~10 for 1-2 Feb)", "fit+hold-out",
                         extra_rule=" and the simulated median is below 0.15")
    t.holds = t.holds and t.simulated < 0.15
    return t


# P3 -----------------------------------------------------------------------------------------
def p3_low_lethality(rs: RunSet, record: Record) -> Target:
    """One fatal attack among ~160; ~70-143 wounded."""
    a, b = SURGE_START, D(2024, 2, 7)
    _need(rs, a, b, "P3")
    series, step = rs.steps("us_killed")
    i, j = rs.step_index(a, step), rs.step_index(b, step)
    fatal = (series[:, i:j + 1] > 0).sum(axis=1)
    wlo, whi, ws = tally(record, "us_wounded", a, b)
    t = _interval_target("P3", "low lethality: days with an attack that killed Americans, "
                         "17 Oct 2023-7 Feb 2024 (documented: 1, Tower 22)", fatal, 1, 1,
                         "events.csv (Tower 22) and " + ws, "fit+hold-out")
    wounded = rs.window("us_wounded", a, b)
    med, q05, q95 = _q(wounded)
    ok_w = _overlap(wlo, whi, q05, q95)
    t.detail = (f"US wounded documented {wlo}-{whi}, simulated {med:.0f} [{q05:.0f}, {q95:.0f}]"
                f"; resolution {'daily' if step == 1 else 'weekly'}")
    t.holds = t.holds and ok_w
    t.rule += "; the same for US wounded"
    return t


# pause after a heavy response (P4 and a summary statistic) ----------------------------------
def _heavy_series(rs: RunSet):
    lead, step = rs.steps("us_strikes_leaders")
    ir, _ = rs.steps("us_strikes_iranian_personnel")
    it, _ = rs.steps("us_strikes_iran_territory")
    return (lead + ir + it) > 0, step


def pause_after_heavy(rs: RunSet, a: dt.date, b: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """For each replicate, days from its last heavy response (leaders tier or above) in
    ``a``..``b`` to the next attack on US forces (censored at the run's end); NaN without a
    heavy response.  Also returns whether the pause was censored."""
    heavy, step = _heavy_series(rs)
    att, _ = rs.steps("attacks")
    i, j = rs.step_index(a, step), rs.step_index(b, step)
    T = att.shape[1]
    out = np.full(rs.n, np.nan)
    cens = np.zeros(rs.n, dtype=bool)
    h = heavy[:, i:j + 1]
    has = h.any(axis=1)
    last = i + (h.shape[1] - 1 - np.argmax(h[:, ::-1], axis=1))
    for r in np.nonzero(has)[0]:
        s = last[r]
        nxt = np.flatnonzero(att[r, s + 1:] > 0)
        if nxt.size:
            out[r] = (nxt[0] + 1) * step
        else:
            out[r] = (T - s) * step
            cens[r] = True
    return out, cens


def p4_pause(rs: RunSet, record: Record) -> Target:
    """Tower 22 -> heavy response -> months-long near-zero attacks (hold-out)."""
    a, b = D(2024, 1, 1), D(2024, 3, 31)
    _need(rs, a, D(2024, 6, 30), "P4")
    ev = record.events
    heavy = ev[(ev.event_type == "us_strike") & ev.tier.isin(["leaders", "iranian_personnel"])
               & (ev.date >= pd.Timestamp(a)) & (ev.date <= pd.Timestamp(b))]
    last = heavy.date.max()
    att = _attack_rows(record)
    nxt = att[att.date > last].date.min()
    obs = float((nxt - last).days)
    pause, cens = pause_after_heavy(rs, a, b)
    frac = float(np.isfinite(pause).mean())
    t = _interval_target("P4", "pause after a heavy response: days from the last US "
                         "leadership strike of Jan-Mar 2024 to the next attack on US forces "
                         f"(documented: {last.date()} to {nxt.date()})", pause, obs, obs,
                         f"events.csv lines {int(heavy.line.max())} and "
                         f"{int(att[att.date == nxt].line.min())}", "hold-out",
                         extra_rule=", among replicates with such a strike; and at least 20 % "
                                    "of replicates make one")
    t.holds = t.holds and frac >= 0.2
    t.detail = (f"{frac:.0%} of replicates strike leaders (or higher) in Jan-Mar 2024; "
                f"{cens[np.isfinite(pause)].mean() if frac else 0:.0%} of those pauses last to "
                "the end of the run")
    t.extra["frac_heavy"] = frac
    return t


# P5 -----------------------------------------------------------------------------------------
def p5_climb_and_stop(rs: RunSet, record: Record) -> Target:
    """Dec 2019-Jan 2020: attacks climb, a lethal attack, a US strike within days, a
    decapitation strike and Iranian fire within a month, then no sustained war."""
    a, b = D(2019, 7, 1), D(2020, 6, 30)
    _need(rs, a, b, "P5")
    killed, step = rs.steps("us_killed")
    strikes, _ = rs.steps("us_strikes")
    rung, _ = rs.steps("rung")
    i, j = rs.step_index(a, step), rs.step_index(b, step)
    w7, w30, w90 = max(1, 7 // step), max(1, 30 // step), max(1, 90 // step)
    hit = np.zeros(rs.n, dtype=bool)
    for r in range(rs.n):
        for s in np.flatnonzero(killed[r, i:j + 1] > 0) + i:
            if not strikes[r, s:s + w7 + 1].any():
                continue
            if not (rung[r, s:s + w30 + 1] >= 5).any():
                continue
            if (rung[r, s:s + w90 + 1] >= 7).any():
                continue
            hit[r] = True
            break
    climb_lo = int(len(_attack_rows(record).pipe(
        lambda e: e[(e.date >= "2019-11-01") & (e.date <= "2019-12-31")])))
    obs = 1.0
    p = float(hit.mean())
    t = Target("P5", "Dec 2019-Jan 2020 climb and stop: in Jul 2019-Jun 2020 a lethal attack "
               "is answered within 7 days, rung 5+ (decapitation or direct fire) follows within "
               "30 days, and no sustained war (rung 7) within 90 days", obs, (1, 1),
               "events.csv rows of 27 Dec 2019-8 Jan 2020 (K-1, 29 Dec strikes, Soleimani, "
               "Ain al-Asad)", p, (p, p), p >= 0.05,
               "the sequence is not implausible: at least 5 % of replicates produce it",
               "fit", f"share of replicates with the sequence: {p:.1%}; documented attacks "
               f"Nov-Dec 2019 in events.csv: {climb_lo} (P5 cites ~11)")
    return t


# lags after deaths (P6, P7 and a summary statistic) -----------------------------------------
def lags_after_deaths(rs: RunSet, a: dt.date, b: dt.date, horizon: int = 30):
    """Pooled list of (replicate, step of the lethal attack, lag in days to the next US strike
    or NaN if none within ``horizon`` days)."""
    killed, step = rs.steps("us_killed")
    strikes, _ = rs.steps("us_strikes")
    i, j = rs.step_index(a, step), rs.step_index(b, step)
    hz = max(1, horizon // step)
    out = []
    rr, ss = np.nonzero(killed[:, i:j + 1] > 0)
    for r, s in zip(rr, ss + i):
        nxt = np.flatnonzero(strikes[r, s:s + hz + 1] > 0)
        # the day's own strikes come after the attack only at daily resolution if lag >= 1;
        # a same-day strike cannot answer a same-day attack (lag_min >= 1 by default)
        if step == 1:
            nxt = nxt[nxt >= 1]
        out.append((r, s, float(nxt[0] * step) if nxt.size else np.nan))
    return out


def p6_short_lag(rs: RunSet, record: Record) -> Target:
    a, b = D(2019, 1, 1), FIT_END
    _need(rs, a, b, "P6")
    ev = record.events
    lethal = _attack_rows(record)
    lethal = lethal[(lethal.us_killed_lo.fillna(0) > 0) & (lethal.date <= pd.Timestamp(b))]
    strikes = ev[ev.event_type == "us_strike"].date.sort_values()
    obs_lags = []
    for d in lethal.date:
        nx = strikes[strikes > d]
        obs_lags.append((nx.iloc[0] - d).days if len(nx) else np.nan)
    obs = float(np.nanmedian(obs_lags))
    lags = lags_after_deaths(rs, a, b)
    arr = np.array([x[2] for x in lags]) if lags else np.array([np.nan])
    answered = np.isfinite(arr) & (arr <= 5)
    share = float(answered.mean()) if lags else float("nan")
    # per-replicate median lag among answered deaths
    per_rep = {}
    for (r, _, lag) in lags:
        if np.isfinite(lag):
            per_rep.setdefault(r, []).append(lag)
    meds = [np.median(v) for v in per_rep.values()]
    t = _interval_target("P6", "short lag after deaths: median days from an attack that "
                         "killed Americans to the next US strike, 2019-2023 (documented lags "
                         f"{obs_lags})", meds, obs, obs,
                         f"events.csv lethal attacks ({len(lethal)}) and us_strike rows", "fit",
                         extra_rule=" and at least half of simulated lethal attacks are "
                                    "answered within 5 days")
    t.holds = t.holds and share >= 0.5
    step = 1 if rs.daily is not None else 7
    t.detail = (f"simulated share of lethal attacks answered within 5 days: {share:.0%} "
                f"(of {len(lags)} lethal attack {'days' if step == 1 else 'weeks'}); "
                f"documented: {sum(1 for x in obs_lags if x <= 5)}/{len(obs_lags)}")
    return t


def p7_march_2023(rs: RunSet, record: Record) -> Target:
    """Lethal attack -> strike next day(s) -> counter-attack -> the cycle ends."""
    a, b = D(2019, 1, 1), FIT_END
    _need(rs, a, b, "P7")
    killed, step = rs.steps("us_killed")
    strikes, _ = rs.steps("us_strikes")
    att, _ = rs.steps("attacks")
    w3, w60 = max(1, 3 // step), max(2, 60 // step)
    n_ep = n_ok = 0
    for r, s, lag in lags_after_deaths(rs, a, b, horizon=5):
        if not np.isfinite(lag):
            continue
        n_ep += 1
        st = s + int(lag // step)
        counter = att[r, st + (1 if step == 1 else 0): st + w3 + 1].sum() >= 1
        later = att[r, st + w3 + 1: st + w60 + 1]
        ends = (later.sum() <= 2 * max(1, step // 7 * 4)) and not strikes[
            r, st + w3 + 1: st + w60 + 1].any()
        n_ok += bool(counter and ends)
    p = n_ok / n_ep if n_ep else float("nan")
    return Target("P7", "March 2023 cycle: of simulated lethal attacks answered within 5 days, "
                  "the share where militias hit back within 3 days of the strike and the cycle "
                  "then ends (no US strike and few attacks in the next ~2 months)", 1.0, (1, 1),
                  "events.csv 23-24 Mar 2023 rows", p, (p, p), bool(p >= 0.05),
                  "the documented cycle is not implausible: at least 5 % of answered lethal "
                  "attacks follow it", "fit",
                  f"{n_ok} of {n_ep} answered lethal-attack episodes "
                  f"({'daily' if step == 1 else 'weekly'} resolution)")


# P8 -----------------------------------------------------------------------------------------
def p8_resumption(rs: RunSet, record: Record) -> Target:
    """Near-zero attacks after early Feb 2024, attacks return Apr-Aug 2024 (hold-out)."""
    _need(rs, D(2024, 2, 8), D(2024, 8, 31), "P8")
    att = _attack_rows(record)
    q = att[(att.date >= "2024-02-08") & (att.date <= "2024-03-31")]
    r = att[(att.date >= "2024-04-01") & (att.date <= "2024-08-31")]
    lull = rs.window("attacks", D(2024, 2, 8), D(2024, 3, 31))
    back = rs.window("attacks", D(2024, 4, 1), D(2024, 8, 31))
    med, q05, q95 = _q(back)
    lmed, l05, l95 = _q(lull)
    ok = (q95 >= len(r)) and (l05 <= len(q)) and (np.mean(back >= 1) >= 0.5)
    return Target("P8", "resumption: attacks on US forces return in Apr-Aug 2024 after a lull "
                  "(8 Feb-31 Mar 2024)", float(len(r)), (float(len(r)), float("inf")),
                  f"events.csv ({len(r)} attack rows Apr-Aug 2024, a lower bound; "
                  f"{len(q)} rows 8 Feb-31 Mar)", med, (q05, q95), bool(ok),
                  "documented Apr-Aug count (a lower bound) is not above the simulated 95th "
                  "percentile, the documented lull count is not below the simulated 5th "
                  "percentile, and at least half of replicates see attacks resume",
                  "hold-out",
                  f"lull 8 Feb-31 Mar: documented {len(q)}, simulated {lmed:.0f} "
                  f"[{l05:.0f}, {l95:.0f}]; P(attacks resume Apr-Aug) = "
                  f"{np.mean(back >= 1):.0%}")


PATTERNS: tuple[Callable[[RunSet, Record], Target], ...] = (
    p1_surge_tempo, p2_few_responses, p3_low_lethality, p4_pause, p5_climb_and_stop,
    p6_short_lag, p7_march_2023, p8_resumption)


# ---- summary statistics as targets -----------------------------------------------------------

def monthly_coverage(rs: RunSet, record: Record, a: dt.date, b: dt.date,
                     level: float = 0.9, tally_only: bool = True) -> tuple[float, int]:
    """Share of months in ``a``..``b`` whose documented estimate lies in the simulated
    central ``level`` band of that month's attacks on US forces (and the number of months).
    With ``tally_only``, only months whose documented figure rests on a published tally."""
    doc = monthly_documented(record, max(a, rs.start), min(b, rs.end))
    sim = rs.months("attacks")
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    hits = n = 0
    for _, row in doc.iterrows():
        if tally_only and row.basis != "tally":
            continue
        col = sim[row.month]
        lo, hi = np.quantile(col, [lo_q, hi_q])
        n += 1
        hits += lo - 1e-9 <= row.estimate <= hi + 1e-9
    return (hits / n if n else float("nan")), n


def stat_monthly(rs: RunSet, record: Record) -> Target:
    cov, n = monthly_coverage(rs, record, D(2019, 1, 1), FIT_END)
    return Target("S1", "monthly attacks on US forces: share of tally-backed months "
                  "2019-2023 inside the simulated 90 % band", 0.9, (0.9, 0.9),
                  "monthly_documented(): events.csv and tallies.csv", cov, (cov, cov),
                  bool(cov >= 0.75), "coverage at least 0.75 (nominal 0.9)", "fit",
                  f"{n} months")


def stat_response_ratio(rs: RunSet, record: Record) -> Target:
    """US strike days per attack, 2021 H1 (2 rounds for 45-50 attacks)."""
    a, b = D(2021, 1, 1), D(2021, 7, 7)
    lo, hi, src = tally(record, "attacks_on_us_forces", a, b, "iraq")
    s_lo, s_hi, s_src = tally(record, "us_strike_events", D(2021, 1, 20), D(2021, 6, 27))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = rs.window("us_strikes", a, b) / rs.window("attacks", a, b)
    return _interval_target("S2", "US response ratio: strike days per attack, 1 Jan-7 Jul 2021",
                            ratio, s_lo / hi, s_hi / lo, f"{s_src}; {src}")


def stat_lag(rs: RunSet, record: Record) -> Target:
    t = p6_short_lag(rs, record)
    t.name, t.description = "S3", "lag after deaths (as P6): " + t.description
    return t


def stat_pause(rs: RunSet, record: Record) -> Target:
    """Pause after the Jan 2020 heavy response (Soleimani) to the next attack."""
    a, b = D(2020, 1, 1), D(2020, 1, 31)
    att = _attack_rows(record)
    obs = float((att[att.date > "2020-01-03"].date.min() - pd.Timestamp("2020-01-03")).days)
    pause, _ = pause_after_heavy(rs, a, b)
    t = _interval_target("S4", "pause after a heavy response: days from a Jan 2020 leadership "
                         "or Iranian-personnel strike to the next attack on US forces "
                         "(documented: 3 Jan -> 12 Jan 2020)", pause, obs, obs,
                         "events.csv", "fit")
    t.detail = f"{np.isfinite(pause).mean():.0%} of replicates make such a strike in Jan 2020"
    return t


def stat_casualty_rates(rs: RunSet, record: Record) -> Target:
    """US wounded per attack in the surge, to 21 Dec 2023."""
    b = D(2023, 12, 21)
    wlo, whi, ws = tally(record, "us_wounded", SURGE_START, b)
    li, hi_i, _ = tally(record, "attacks_on_us_forces", SURGE_START, b, "iraq")
    ls, hs, _ = tally(record, "attacks_on_us_forces", SURGE_START, b, "syria")
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = rs.window("us_wounded", SURGE_START, b) / rs.window("attacks", SURGE_START, b)
    return _interval_target("S5", "casualty rate: US wounded per attack, 17 Oct-21 Dec 2023",
                            rate, wlo / (hi_i + hs), whi / (li + ls), ws)


def stat_killed_rate(rs: RunSet, record: Record) -> Target:
    lo, hi, src = _killed(D(2019, 1, 1), FIT_END)(record)
    v = rs.window("us_killed", D(2019, 1, 1), FIT_END)
    return _interval_target("S6", "Americans killed by militia or Iranian attacks, 2019-2023",
                            v, lo, hi, src)


def stat_rungs(rs: RunSet, record: Record) -> Target:
    lo, hi, src = _rung5_weeks(record)
    w = rs.weekly[:, _weeks_in(rs, D(2019, 1, 1), FIT_END), RUNG]
    t = _interval_target("S7", "ladder: weeks at rung 5+ (decapitation or direct fire), "
                         "2019-2023", (w >= 5).sum(axis=1), lo, hi, src)
    ev = record.events
    sd = ev[(ev.event_type == "us_strike") & (ev.date <= pd.Timestamp(FIT_END))].date
    obs4 = len({(d.date() - D(2019, 1, 1)).days // 7 for d in sd})
    m4, a4, b4 = _q((w >= 4).sum(axis=1))
    t.detail = (f"weeks at rung 4+ (US strikes): documented {obs4}, simulated {m4:.0f} "
                f"[{a4:.0f}, {b4:.0f}]; P(rung 6+ in 2019-2023) = {np.mean((w >= 6).any(1)):.0%}")
    return t


STATISTICS: tuple[Callable[[RunSet, Record], Target], ...] = (
    stat_monthly, stat_response_ratio, stat_lag, stat_pause, stat_casualty_rates,
    stat_killed_rate, stat_rungs)


def evaluate(rs: RunSet, record: Record | None = None,
             which=PATTERNS + STATISTICS) -> list[Target]:
    """Every target the run set covers (those outside its dates are skipped)."""
    record = record or load_record()
    out = []
    for f in which:
        try:
            out.append(f(rs, record))
        except ValueError:
            continue
    return out


def table(targets: list[Target]) -> pd.DataFrame:
    return pd.DataFrame([t.as_row() for t in targets])


__all__ = ["RunSet", "Target", "Stat", "CALIBRATION_STATS", "PATTERNS", "STATISTICS",
           "observed_stats", "simulated_stats", "monthly_documented", "surge_cumulative",
           "evaluate", "table", "DAILY"]
