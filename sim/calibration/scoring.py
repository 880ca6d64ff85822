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
* **coverage**: whether the documented figure lies inside the 50 % and 90 % intervals (for
  one-sided bounds: whether the interval is consistent with the bound, reported apart).

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
    return pd.DataFrame({
        "observation": [o.name for o in obs], "family": [o.family for o in obs],
        "start": [o.start for o in obs], "end": [o.end for o in obs],
        "documented": [o.documented for o in obs], "lo": lo, "hi": hi, "point": point,
        "weight": [o.weight for o in obs], "q05": q[0], "q25": q[1], "median": q[2],
        "q75": q[3], "q95": q[4], "crps": crps, "log_score": logs,
        "interval_score_50": is50, "interval_score_90": is90,
        "covered_50": cov50.astype(bool), "covered_90": cov90.astype(bool)})


def _wmean(x: pd.Series, w: pd.Series) -> float:
    ok = x.notna()
    if not ok.any():
        return float("nan")
    return float(np.average(x[ok].astype(float), weights=w[ok]))


def summarise(table: pd.DataFrame) -> dict:
    """Weighted means of a :func:`scores` table: CRPS, log score, interval scores, and the
    coverage of the point-valued observations (and the share of one-sided bounds that the
    intervals are consistent with)."""
    pt = table[table.point]
    one = table[~table.point]
    return {"observations": int(len(table)), "point_valued": int(len(pt)),
            "crps": _wmean(table.crps, table.weight),
            "log_score": _wmean(table.log_score, table.weight),
            "interval_score_50": _wmean(table.interval_score_50, table.weight),
            "interval_score_90": _wmean(table.interval_score_90, table.weight),
            "coverage_50": _wmean(pt.covered_50, pt.weight) if len(pt) else float("nan"),
            "coverage_90": _wmean(pt.covered_90, pt.weight) if len(pt) else float("nan"),
            "one_sided_consistent_90": (_wmean(one.covered_90, one.weight) if len(one)
                                        else float("nan"))}
