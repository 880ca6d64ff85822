"""The quick fit behind the model's default parameters: differential evolution on the
medians of the record's windows in the fit period (to 2023-12-31 only; 2024 is never used).

Each candidate parameter set runs the same replicates (common random numbers) of the baseline
with its scenario values (no posterior); the loss is, summed over the windows, the squared
distance of the simulated median (on the ``log1p`` scale) from the documented range (zero
inside it).  This is a coarse search for a parameter set at which the mechanisms produce the
record's shapes, not the calibration (``escalation calibrate``): its result is written into
the registry's defaults by hand, and ``docs/model.md`` shows the windows at it.  The loss
also counts the quartiles, so that a candidate must be right in most replicates, not only
in the median.

Run ``python -m sim.calibration.quickfit [--reps 40] [--popsize 12] [--maxiter 30]``.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from ..engines.batch import BatchEngine
from ..model.measures import M
from ..model.registry import parameter
from ..scenario import build_params, load_scenario
from .statistics import FIT_END
from .windows import FIT_WINDOWS, WINDOWS, Window

FREE: dict[str, tuple[float, float]] = {
    "iran.campaign_on_base": (-14.0, -5.0),
    "iran.campaign_off_base": (-8.0, -1.0),
    "iran.w_max_pressure": (0.0, 6.0),
    "iran.w_protests": (0.0, 8.0),
    "iran.w_withdrawal_demand": (0.0, 8.0),
    "iran.w_gaza_war": (2.0, 14.0),
    "iran.w_threat": (0.0, 15.0),
    "iran.risk_per_attack": (0.0, 0.15),
    "militia.attack_log_rate_base": (-8.0, -4.0),
    "militia.w_campaign": (0.5, 5.0),
    "militia.w_campaign_war": (0.0, 5.0),
    "us.respond_logit_base": (-8.0, -2.0),
    "us.respond_w_pressure": (0.0, 2.0),
}
"""The parameters the quick fit moves, with their search ranges."""

DETERRENCE: dict[str, tuple[float, float]] = {
    "iran.risk_per_killed": (0.0, 6.0),
    "iran.risk_decay_days": (20.0, 365.0),
    "iran.risk_per_big_strike": (0.0, 25.0),
    "militia.w_halt": (0.0, 10.0),
    "iran.halt_decay_days": (10.0, 180.0),
    "us.targets_w_resolve": (0.0, 0.6),
    "us.resolve_per_attack": (0.0, 0.1),
    "iran.w_bargaining": (0.0, 6.0),
    "militia.w_containment": (0.0, 3.0),
    "iraq.containment_w_embarrassment": (0.0, 0.05),
    "militia.fear_big_strike": (0.0, 10.0),
    "militia.w_fear": (0.0, 4.0),
}
"""The parameters of the switch-off and the pause that the fit period cannot speak to (no
strike reached the deterrence threshold before 2024): moved only by the existence fit."""


def fit_windows(holdout: bool = False) -> list[Window]:
    """The windows the quick fit uses: every window that ends by 2023-12-31 (with
    ``holdout``, every window: the existence fit)."""
    return [w for w in (*WINDOWS, *FIT_WINDOWS) if holdout or w.end <= FIT_END]


def _loss(quartiles: np.ndarray, windows: list[Window]) -> np.ndarray:
    """Summed over windows and over the quartiles (25, 50, 75 %), the squared distance of
    each (``log1p`` scale) from the documented range (zero inside it); the median counts
    twice."""
    lo = np.log1p(np.array([w.lo for w in windows]))
    hi = np.log1p(np.array([w.hi for w in windows]))
    m = np.log1p(quartiles)  # (S, W, 3)
    d = np.maximum(lo[:, None] - m, 0.0) + np.maximum(m - hi[:, None], 0.0)
    return (d ** 2 * np.array([1.0, 2.0, 1.0])).sum(axis=(-1, -2))


def simulate_quartiles(values: np.ndarray, keys: list[str], reps: int, seed: int,
                       windows: list[Window]) -> np.ndarray:
    """``(S, W, 3)`` quartiles (25, 50, 75 %) of the windows for ``S`` parameter sets (rows of
    ``values``), all on replicates ``0 .. reps-1``."""
    sc = load_scenario()
    s = len(values)
    rep_index = np.tile(np.arange(reps), s)
    overrides = {k: np.repeat(values[:, j], reps) for j, k in enumerate(keys)}
    params = build_params(sc, rep_index, seed, posterior=False, overrides=overrides)
    res = BatchEngine(sc.setup()).run(seed, rep_index, params, record_daily=True,
                                      keep_weekly=False)
    out = np.zeros((s, len(windows), 3))
    for j, w in enumerate(windows):
        a, b = (w.start - sc.start).days, (w.end - sc.start).days
        counts = res.daily[:, a:b + 1, M[w.measure]].sum(axis=1).reshape(s, reps)
        out[:, j] = np.quantile(counts, [0.25, 0.5, 0.75], axis=1).T
    return out


def quick_fit(reps: int = 40, popsize: int = 12, maxiter: int = 30, seed: int = 0,
              progress: bool = True, holdout: bool = False) -> dict[str, float]:
    """Differential evolution (vectorized, common random numbers) over :data:`FREE` (with
    ``holdout``: also :data:`DETERRENCE`, on every window, 2024 included: the existence fit,
    which shows the mechanisms can produce the record and is never used to score forecasts);
    returns the best parameter set found."""
    from scipy.optimize import differential_evolution

    space = {**FREE, **(DETERRENCE if holdout else {})}
    keys = list(space)
    for k in keys:
        p = parameter(k)
        lo, hi = space[k]
        assert p.lo is None or p.lo <= lo, k
        assert p.hi is None or hi <= p.hi, k
    windows = fit_windows(holdout)
    t0 = time.time()

    def objective(x: np.ndarray) -> np.ndarray:  # x: (d, S)
        return _loss(simulate_quartiles(x.T, keys, reps, seed, windows), windows)

    def callback(intermediate_result) -> None:
        if progress:
            print(f"  loss {intermediate_result.fun:.4f} after {time.time() - t0:.0f} s",
                  flush=True)

    res = differential_evolution(objective, list(space.values()), popsize=popsize,
                                 maxiter=maxiter, seed=seed, vectorized=True, polish=False,
                                 updating="deferred", callback=callback, tol=0)
    return dict(zip(keys, (float(v) for v in res.x), strict=True)) | {"loss": float(res.fun)}


def main() -> None:  # pragma: no cover - a one-off search, run by hand
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=40)
    ap.add_argument("--popsize", type=int, default=12)
    ap.add_argument("--maxiter", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--holdout", action="store_true",
                    help="the existence fit: every window, 2024 included")
    a = ap.parse_args()
    print(json.dumps(quick_fit(a.reps, a.popsize, a.maxiter, a.seed, holdout=a.holdout),
                     indent=2))


if __name__ == "__main__":  # pragma: no cover
    main()
