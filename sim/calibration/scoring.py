"""Forecast scores of predictive samples against the record's observations.

Per observation (a tally window, with its bound type), from ``S`` draws of the forecast:

* **CRPS** (continuous ranked probability score, in counts; lower is better), from the
  empirical distribution of the draws with ``scoringrules.crps_ensemble``, against the
  documented figure (the midpoint of a range).  One-sided bounds have no figure: no CRPS.
* **log score**: ``-log P(documented interval)``, the share of draws inside the interval the
  observation model gives the tally (:func:`sim.calibration.observation.interval_of`), floored
  at ``1 / (2 S)``; lower is better.  Every observation has one.
* **interval score** (Gneiting and Raftery 2007; ``scoringrules.interval_score``) of the
  central 50 % and 90 % intervals of the draws against the documented figure.
* **coverage** of the central 50 % and 90 % intervals, from the probability integral transform
  (PIT) of the documented interval: the truth lies somewhere in ``[lo, hi]``, so its PIT lies in
  ``[F(lo-), F(hi)]`` (``F`` the draws' distribution); the observation's coverage is the share
  of that PIT range inside ``[0.25, 0.75]`` (``[0.05, 0.95]``), or whether the PIT lies there
  when the range holds no draw.  For an exact count this is the non-randomized PIT of Czado,
  Gneiting and Held (2009, Biometrics 65: 1254-1261) for count forecasts; for a range it is
  the same for the cell the truth was coarsened to, so a calibrated forecast has its nominal
  coverage in expectation whatever the ranges' widths, provided a range says nothing about
  where in it the truth lies (coarsening at random, Heitjan and Rubin 1991): the randomized
  PIT is then exactly uniform (``tests/calibration/test_scoring.py``).  Also reported: the
  midpoint rule (whether the midpoint of a range, or the figure, lies inside the draws' 5-95 %
  quantiles), which the PIT rule replaced because it treats a range's midpoint as the truth:
  a calibrated forecast scored by it covers about 81-83 % at 90 % when ranges are as wide as
  the counts' spread.  One-sided bounds: whether the interval is consistent with the bound,
  reported apart.

Means over observations are weighted by the observations' overlap weights, as in the
likelihood, so that a cumulative series reported weekly counts about once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .observation import Observation


def scores(obs: list[Observation], draws: np.ndarray) -> pd.DataFrame:
    """Per observation: the scores of ``draws (n_obs, S)``."""
    import scoringrules as sr

    s = draws.shape[1]
    lo = np.array([o.lo for o in obs])
    hi = np.array([o.hi for o in obs])
    y = np.array([o.value for o in obs])
    point = np.isfinite(y)
    inside = ((draws >= lo[:, None] - 0.5) & (draws <= hi[:, None] + 0.5)).mean(axis=1)
    logs = -np.log(np.maximum(inside, 0.5 / s))
    q = np.quantile(draws, [0.05, 0.25, 0.5, 0.75, 0.95], axis=1)  # (5, n_obs)
    yy = np.where(point, y, 0.0)
    crps = np.where(point, sr.crps_ensemble(yy, draws, backend="numpy"), np.nan)
    is50 = np.where(point, sr.interval_score(yy, q[1], q[3], 0.5, backend="numpy"), np.nan)
    is90 = np.where(point, sr.interval_score(yy, q[0], q[4], 0.1, backend="numpy"), np.nan)
    cov50 = np.where(point, (q[1] <= y) & (y <= q[3]), (q[3] >= lo) & (q[1] <= hi))
    cov90 = np.where(point, (q[0] <= y) & (y <= q[4]), (q[4] >= lo) & (q[0] <= hi))
    pit_lo = (draws < lo[:, None]).mean(axis=1)
    pit_hi = (draws <= hi[:, None]).mean(axis=1)
    return pd.DataFrame({
        "observation": [o.name for o in obs], "family": [o.family for o in obs],
        "start": [o.start for o in obs], "end": [o.end for o in obs],
        "documented": [o.documented for o in obs], "lo": lo, "hi": hi, "point": point,
        "weight": [o.weight for o in obs], "q05": q[0], "q25": q[1], "median": q[2],
        "q75": q[3], "q95": q[4], "crps": crps, "log_score": logs,
        "interval_score_50": is50, "interval_score_90": is90,
        "covered_50": cov50.astype(bool), "covered_90": cov90.astype(bool),
        "pit_lo": pit_lo, "pit_hi": pit_hi,
        "coverage_share_50": pit_coverage(pit_lo, pit_hi, 0.5),
        "coverage_share_90": pit_coverage(pit_lo, pit_hi, 0.9)})


def pit_coverage(pit_lo: np.ndarray, pit_hi: np.ndarray, level: float) -> np.ndarray:
    """The share of each PIT range ``[pit_lo, pit_hi]`` inside the central interval of
    ``level`` (``[(1 - level) / 2, (1 + level) / 2]``); where the range is a point (no draw in
    the documented interval), 1 if that point lies inside, else 0.

    >>> pit_coverage(np.array([0.0, 0.5, 0.97]), np.array([1.0, 0.5, 0.97]), 0.9).round(6)
    array([0.9, 1. , 0. ])
    """
    a, b = (1.0 - level) / 2.0, (1.0 + level) / 2.0
    width = pit_hi - pit_lo
    inside = np.clip(np.minimum(pit_hi, b) - np.maximum(pit_lo, a), 0.0, None)
    at_point = ((pit_lo >= a) & (pit_lo <= b)).astype(float)
    return np.where(width > 0, inside / np.where(width > 0, width, 1.0), at_point)


def _wmean(x: pd.Series, w: pd.Series) -> float:
    ok = x.notna()
    if not ok.any():
        return float("nan")
    return float(np.average(x[ok].astype(float), weights=w[ok]))


def summarise(table: pd.DataFrame) -> dict:
    """Weighted means of a :func:`scores` table: CRPS, log score, interval scores, and the
    coverage of the point-valued observations (from the PIT; ``coverage_midpoint_*`` by the
    midpoint rule), and the share of one-sided bounds that the intervals are consistent
    with."""
    pt = table[table.point]
    one = table[~table.point]
    return {"observations": int(len(table)), "point_valued": int(len(pt)),
            "crps": _wmean(table.crps, table.weight),
            "log_score": _wmean(table.log_score, table.weight),
            "interval_score_50": _wmean(table.interval_score_50, table.weight),
            "interval_score_90": _wmean(table.interval_score_90, table.weight),
            **{f"coverage{rule}_{level}": _wmean(pt[column + str(level)], pt.weight)
               for rule, column in (("", "coverage_share_"), ("_midpoint", "covered_"))
               for level in (50, 90)},
            "one_sided_consistent_90": _wmean(one.covered_90, one.weight)}
