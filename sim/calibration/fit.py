"""Calibration on the batch engine: simulated method of moments (point estimate) and a compact
vectorized ABC-SMC (posterior), both fitted on the record up to 2023-12-31 only.

Statistics and distance
-----------------------
The summary statistics are :data:`sim.calibration.statistics.CALIBRATION_STATS` (12 figures:
attacks on US forces in six periods, US strike days in two, Americans killed, weeks with a
lethal attack, US wounded in the surge, weeks at ladder rung 5+), all on the ``log1p`` scale.
Each statistic ``k`` is scaled by ``sigma_k = sqrt(noise_k**2 + h_k**2)``: ``noise_k`` is the
standard deviation of the statistic across replicates at the pilot point (the registry defaults; a
floor of 0.1), ``h_k`` the half-width of the documented range on the log scale.  For one
simulated replicate with statistics ``s`` the distance is

    d(s) = sqrt( mean_k ((s_k - o_k) / sigma_k)**2 )

where ``o_k`` is the log of the documented figure (midpoint of its range).

* SMM: ``J(theta) = sum_k ((mean_r s_rk(theta) - o_k) / sigma_k)**2`` over ``K`` replicates
  that are the same for every candidate (same seed, same replicate indices: common random
  numbers), minimised by ``scipy.optimize.differential_evolution(vectorized=True)`` in the unit
  cube of the calibrated bounds (one BatchEngine call per DE generation).
* ABC-SMC: ``N`` particles x ``K`` replicates per generation, one BatchEngine call each.
  Generation 0 samples the uniform prior.  Later generations draw ancestors by weight and
  perturb them with a Gaussian kernel of covariance ``2 * Cov_w`` (Beaumont et al. 2009),
  redrawing proposals that leave the bounds.  The tolerance ``eps_t`` is the ``alpha``-quantile
  of all the generation's per-replicate distances (never above ``eps_{t-1}``; the run stops
  early once it falls by less than 1 % in two successive generations); a particle's
  ABC likelihood is the share of its ``K`` replicates within ``eps_t`` (Del Moral, Doucet and
  Jasra 2012), and its importance weight that share times prior over proposal density.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..engines.batch import BatchEngine
from ..errors import ScenarioError
from ..model.registry import PARAMETERS
from ..record.load import Record, load_record
from ..scenario import Scenario, build_params
from .statistics import CALIBRATION_STATS, FIT_END, RunSet, observed_stats, simulated_stats


@dataclass(frozen=True)
class CalParam:
    key: str
    lo: float
    hi: float
    why: str


CALIBRATED: tuple[CalParam, ...] = (
    CalParam("militia.attack_log_rate_base", -8.0, -3.0,
             "overall level of attacks outside campaigns"),
    CalParam("iran.campaign_on_base", -11.0, -4.0,
             "how readily Iran starts a campaign: the 2019-2022 campaigns"),
    CalParam("militia.w_campaign_war", 1.0, 4.0,
             "the campaign's wartime tempo: the Oct-Dec 2023 surge"),
    CalParam("iran.w_max_pressure", 0.0, 4.0,
             "sanctions push: the 2019-20 level (max pressure 1-1.5) against 2021-23 (0.6)"),
    CalParam("iran.w_talks", 0.0, 4.0,
             "restraint during the 2021-22 talks: the H1 2021 vs Jul 2021-Mar 2023 contrast"),
    CalParam("militia.w_fear", 0.0, 5.0,
             "deterrence after US strikes; shapes lulls after responses"),
    CalParam("us.respond_logit_base", -8.0, -2.0,
             "US strikes without deaths (all 7 surge strike days of 2023)"),
    CalParam("us.hit_prob_drone", 0.0, 0.5,
             "US wounded in the drone-heavy surge"),
    CalParam("us.lethal_prob_rocket", 0.0, 0.06,
             "Americans killed 2019-2023 (K-1 and Taji were rocket attacks)"),
)
"""The calibrated parameters and their calibration bounds (the uniform prior).  All lie inside
the registry bounds of :mod:`sim.model.registry`."""


@dataclass
class Budget:
    pilot_reps: int = 300
    smm_reps: int = 32
    smm_popsize: int = 8  # DE population = popsize * number of parameters
    smm_maxiter: int = 25
    abc_particles: int = 1200
    abc_reps: int = 8
    abc_generations: int = 10
    abc_alpha: float = 0.4
    report_reps: int = 600

    @classmethod
    def quick(cls) -> Budget:
        return cls(pilot_reps=60, smm_reps=6, smm_popsize=3, smm_maxiter=3,
                   abc_particles=150, abc_reps=4, abc_generations=3, report_reps=60)


def check_params(params: tuple[CalParam, ...]) -> None:
    for p in params:
        sec, _, name = p.key.partition(".")
        if sec not in PARAMETERS or name not in PARAMETERS[sec]:
            raise ScenarioError(f"calibration: unknown parameter '{p.key}'")
        reg = PARAMETERS[sec][name]
        if reg.kind not in ("float", "int"):
            raise ScenarioError(f"calibration: '{p.key}' is not numeric")
        if (reg.lo is not None and p.lo < reg.lo) or (reg.hi is not None and p.hi > reg.hi):
            raise ScenarioError(f"calibration: bounds of '{p.key}' exceed {reg.describe_bounds()}")


def fit_scenario(sc: Scenario, end: dt.date = FIT_END) -> Scenario:
    """The scenario shortened to the fit window."""
    return dataclasses.replace(sc, end=min(end, sc.end))


class Simulator:
    """Maps parameter vectors to per-replicate statistics on one engine."""

    def __init__(self, sc: Scenario, params: tuple[CalParam, ...] = CALIBRATED):
        check_params(params)
        self.sc = fit_scenario(sc)
        self.engine = BatchEngine(self.sc.setup())
        self.params = params
        self.lo = np.array([p.lo for p in params])
        self.hi = np.array([p.hi for p in params])
        self.calls = 0
        self.rows = 0

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.params]

    def to_params(self, u: np.ndarray) -> np.ndarray:
        """Unit cube -> parameter values."""
        return self.lo + np.clip(u, 0.0, 1.0) * (self.hi - self.lo)

    def to_unit(self, theta: np.ndarray) -> np.ndarray:
        return (np.asarray(theta) - self.lo) / (self.hi - self.lo)

    def stats(self, theta: np.ndarray | None, reps: np.ndarray, seed: int) -> np.ndarray:
        """``(n, K, S)`` statistics for ``n`` parameter vectors (rows of ``theta``; None: the
        scenario's own values) on replicate indices ``reps`` (the same for every vector)."""
        reps = np.asarray(reps, dtype=np.int64)
        n = 1 if theta is None else len(theta)
        k = len(reps)
        overrides = None
        if theta is not None:
            theta = np.atleast_2d(theta)
            overrides = {key: np.repeat(theta[:, j], k) for j, key in enumerate(self.keys)}
        rep_index = np.tile(reps, n)
        table = build_params(self.sc, rep_index, seed, posterior=False, overrides=overrides)
        chunk = self.engine.run(seed, rep_index, table)
        self.calls += 1
        self.rows += n * k
        rs = RunSet.from_chunk(chunk, self.sc.start, self.sc.days)
        return simulated_stats(rs).reshape(n, k, -1)


@dataclass
class Distance:
    observed: np.ndarray  # (S,) log scale
    scale: np.ndarray  # (S,)
    names: list[str]

    def per_replicate(self, s: np.ndarray) -> np.ndarray:
        """``(..., S)`` -> ``(...)`` distances of single replicates."""
        z = (s - self.observed) / self.scale
        return np.sqrt(np.mean(z * z, axis=-1))

    def smm(self, s: np.ndarray) -> np.ndarray:
        """``(n, K, S)`` -> ``(n,)`` SMM objective on the replicate means."""
        z = (s.mean(axis=1) - self.observed) / self.scale
        return np.sum(z * z, axis=-1)

    def describe(self) -> str:
        return ("d(s) = sqrt(mean_k ((s_k - o_k)/sigma_k)^2) on log1p statistics; "
                "SMM J = sum_k ((mean_r s_rk - o_k)/sigma_k)^2; sigma_k = sqrt(noise_k^2 + "
                "h_k^2), noise_k = sd across replicates at the registry defaults (floor 0.1), "
                "h_k = half-width of the documented range (log scale)")

    def to_dict(self) -> dict:
        return {"definition": self.describe(),
                "statistics": [{"name": n, "observed_log1p": float(o), "sigma": float(s),
                                "description": st.description, "window": f"{st.a}..{st.b}"}
                               for n, o, s, st in zip(self.names, self.observed, self.scale,
                                                      CALIBRATION_STATS)]}


def make_distance(sim: Simulator, seed: int, pilot_reps: int,
                  observed: pd.DataFrame | None = None, record: Record | None = None) -> Distance:
    """Pilot run at the scenario's values; scales from its replicate spread."""
    obs = observed if observed is not None else observed_stats(record or load_record())
    s = sim.stats(None, np.arange(pilot_reps), seed)[0]
    noise = np.maximum(s.std(axis=0), 0.1)
    half = obs["log_halfwidth"].to_numpy() if "log_halfwidth" in obs else 0.0
    scale = np.sqrt(noise ** 2 + np.asarray(half) ** 2)
    return Distance(obs["log_mid"].to_numpy(dtype=float), scale, list(obs["name"]))


@dataclass
class CalibrationResult:
    keys: list[str]
    point: dict[str, float]
    smm_objective: float
    posterior: pd.DataFrame  # one row per particle: keys + weight
    generations: list[dict] = field(default_factory=list)
    smm_history: list[float] = field(default_factory=list)
    distance: Distance | None = None
    rows: int = 0
    calls: int = 0
    elapsed: float = 0.0

    def posterior_mean(self) -> dict[str, float]:
        w = self.posterior["weight"].to_numpy()
        return {k: float(np.sum(w * self.posterior[k]) / w.sum()) for k in self.keys}

    def summary(self) -> pd.DataFrame:
        w = self.posterior["weight"].to_numpy()
        w = w / w.sum()
        rows = []
        for k in self.keys:
            x = self.posterior[k].to_numpy()
            o = np.argsort(x)
            cw = np.cumsum(w[o])
            q = [float(x[o][np.searchsorted(cw, p)]) for p in (0.05, 0.5, 0.95)]
            mean = float(np.sum(w * x))
            sd = float(np.sqrt(np.sum(w * (x - mean) ** 2)))
            sec, _, name = k.partition(".")
            rows.append({"parameter": k, "default": PARAMETERS[sec][name].default,
                         "point_estimate": self.point[k], "posterior_mean": mean,
                         "posterior_sd": sd, "q05": q[0], "median": q[1], "q95": q[2]})
        return pd.DataFrame(rows)


def smm(sim: Simulator, dist: Distance, seed: int, reps: int, popsize: int, maxiter: int,
        rng_seed: int, tick: Callable[[str], None] | None = None):
    """Differential evolution on the SMM objective with common random numbers."""
    from scipy.optimize import differential_evolution

    rep_idx = np.arange(reps)
    history: list[float] = []

    def objective(u: np.ndarray) -> np.ndarray:  # u: (d, S)
        theta = sim.to_params(u.T)
        return dist.smm(sim.stats(theta, rep_idx, seed))

    def callback(intermediate_result):
        history.append(float(intermediate_result.fun))
        if tick:
            tick(f"SMM J={intermediate_result.fun:.2f}")

    d = len(sim.params)
    res = differential_evolution(objective, [(0.0, 1.0)] * d, vectorized=True,
                                 updating="deferred", popsize=popsize, maxiter=maxiter,
                                 polish=False, seed=rng_seed, tol=1e-3, init="sobol",
                                 callback=callback)
    theta = sim.to_params(res.x)
    return dict(zip(sim.keys, map(float, theta))), float(res.fun), history


def _weighted_cov(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    w = w / w.sum()
    m = w @ x
    xc = x - m
    c = (xc * w[:, None]).T @ xc
    return c + 1e-8 * np.eye(x.shape[1])


def abc_smc(sim: Simulator, dist: Distance, seed: int, n: int, reps: int, generations: int,
            alpha: float, rng_seed: int, tick: Callable[[str], None] | None = None,
            min_drop: float = 0.01):
    """Vectorized ABC-SMC in the unit cube (uniform prior over the calibration bounds).

    Returns (particles in parameter units (N, d), weights (N,), per-generation log)."""
    rng = np.random.default_rng(rng_seed)
    d = len(sim.params)
    rep_idx = np.arange(reps)
    log: list[dict] = []
    x = rng.random((n, d))  # generation 0: prior
    w_prev = None
    x_prev = None
    eps_prev = np.inf
    cov = None
    w = np.ones(n)
    n_stalled = 0
    for t in range(generations):
        if t > 0:
            anc = rng.choice(n, size=n, p=w_prev / w_prev.sum())
            chol = np.linalg.cholesky(cov)
            x = x_prev[anc] + rng.standard_normal((n, d)) @ chol.T
            for _ in range(200):
                bad = np.any((x < 0) | (x > 1), axis=1)
                if not bad.any():
                    break
                anc_b = rng.choice(n, size=bad.sum(), p=w_prev / w_prev.sum())
                x[bad] = x_prev[anc_b] + rng.standard_normal((bad.sum(), d)) @ chol.T
            x = np.clip(x, 0.0, 1.0)
        dists = dist.per_replicate(sim.stats(sim.to_params(x), rep_idx, seed))  # (n, K)
        eps = min(float(np.quantile(dists, alpha)), eps_prev)
        like = (dists <= eps).mean(axis=1)
        if t == 0:
            w = like.copy()
        else:
            prec = np.linalg.inv(cov)
            diff = x[:, None, :] - x_prev[None, :, :]  # (n, n, d)
            q = np.einsum("ijk,kl,ijl->ij", diff, prec, diff)
            kern = np.exp(-0.5 * q) @ (w_prev / w_prev.sum())
            w = np.where(like > 0, like / np.maximum(kern, 1e-300), 0.0)
        if w.sum() <= 0:  # nothing accepted: keep the previous population
            break
        ess = float(w.sum() ** 2 / np.sum(w ** 2))
        log.append({"generation": t, "epsilon": eps, "ess": ess,
                    "accepted_share": float((dists <= eps).mean()),
                    "particles_alive": int((w > 0).sum()),
                    "median_distance": float(np.median(dists))})
        if tick:
            tick(f"ABC gen {t} eps={eps:.2f} ESS={ess:.0f}")
        stalled = t > 0 and eps > (1.0 - min_drop) * eps_prev
        x_prev, w_prev, eps_prev = x.copy(), w.copy(), eps
        cov = 2.0 * _weighted_cov(x_prev, w_prev)
        n_stalled = n_stalled + 1 if stalled else 0
        if n_stalled >= 2:  # the tolerance no longer falls: the population has converged
            break
    return sim.to_params(x_prev), w_prev / w_prev.sum(), log


def calibrate(sc: Scenario, budget: Budget, seed: int = 0,
              params: tuple[CalParam, ...] = CALIBRATED,
              observed: pd.DataFrame | None = None, record: Record | None = None,
              progress: bool = True, run_smm: bool = True) -> CalibrationResult:
    """Fit ``params`` to the record (or to ``observed`` statistics, e.g. a synthetic record
    for a recovery test) on ``sc`` shortened to 2023-12-31."""
    t0 = time.time()
    sim = Simulator(sc, params)
    total = 1 + (budget.smm_maxiter + 1 if run_smm else 0) + budget.abc_generations
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=total, desc="calibrate", unit="sim")

    def tick(msg: str) -> None:
        if bar is not None:
            bar.set_postfix_str(msg)
            bar.update(1)

    dist = make_distance(sim, seed, budget.pilot_reps, observed, record)
    tick("pilot")
    if run_smm:
        point, fun, hist = smm(sim, dist, seed, budget.smm_reps, budget.smm_popsize,
                               budget.smm_maxiter, seed, tick)
    else:
        point, fun, hist = {}, float("nan"), []
    theta, w, log = abc_smc(sim, dist, seed + 1, budget.abc_particles, budget.abc_reps,
                            budget.abc_generations, budget.abc_alpha, seed, tick)
    keep = w > 0
    post = pd.DataFrame(theta[keep], columns=sim.keys)
    post["weight"] = w[keep] / w[keep].sum()
    if not point:
        point = {k: float(np.sum(post["weight"] * post[k])) for k in sim.keys}
    if bar is not None:
        bar.n = bar.total
        bar.refresh()
        bar.close()
    return CalibrationResult(sim.keys, point, fun, post, log, hist, dist, sim.rows, sim.calls,
                             time.time() - t0)


def synthetic_observed(sc: Scenario, truth: dict[str, float], seed: int, reps: int,
                       params: tuple[CalParam, ...] = CALIBRATED) -> pd.DataFrame:
    """A synthetic 'record' of statistics from the model itself at ``truth``: the mean of the
    log statistics over ``reps`` replicates (seed ``seed``), with zero documented range."""
    sim = Simulator(sc, params)
    theta = np.array([[truth[k] for k in sim.keys]])
    s = sim.stats(theta, np.arange(reps), seed)[0].mean(axis=0)
    return pd.DataFrame({"name": [st.name for st in CALIBRATION_STATS], "log_mid": s,
                         "log_halfwidth": 0.0})
