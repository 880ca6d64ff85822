"""Calibration on the batch engine: a tempered sequential Monte Carlo sampler over a kernel
synthetic likelihood, fitted on the record up to 2023-12-31 only.

Likelihood
----------
The observations are :func:`sim.calibration.observation.observations` (every comparable
tally of the fit period, the event rows' lower bounds, strike days and deaths per year), with
their bound types, scopes and overlap weights.  A parameter set's log-likelihood is the
composite kernel likelihood of :func:`sim.calibration.observation.log_likelihood` over ``K``
replicates (32 by default), always the same replicate indices and seed for every parameter
set (common random numbers), so that it is a smooth, deterministic function of the
parameters that a sampler can climb.

Sampler
-------
Adaptive likelihood tempering (Del Moral, Doucet and Jasra 2006; the scheme of PyMC's SMC):
``N`` particles from the uniform prior; at each stage the next temperature ``phi`` is the
largest that keeps the effective sample size of the incremental weights at half of ``N``
(bisection), the particles are resampled (systematic) and moved by random-walk Metropolis
steps at that temperature, with the proposal covariance the particles' own covariance scaled
by ``2.38**2 / d`` and adapted to the acceptance rate.  Every stage hands the engine one
population (``N x K`` rows in a few calls).  The run ends at ``phi = 1`` after the final
moves, or when the time budget runs out (then the last stage jumps to ``phi = 1``, and the
manifest says so).

Why this and not ABC or pyABC: the ABC-SMC this replaced scored each particle by the share
of 8 replicates within a tolerance, which left the posterior at the prior; pyABC simulates
one particle at a time and wastes the batch engine; neural posterior estimation (``sbi``)
would add PyTorch to a tool whose users only need numpy.  A synthetic likelihood with 32
replicates per particle is what the budget affords on two cores (about 15 minutes), and
treats ranges and one-sided bounds as they are.
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
from ..model.registry import PARAMETERS, parameter
from ..record.load import Record, load_record
from ..scenario import Scenario, build_params
from .observation import FIT_END, Observation, log_likelihood, observations, simulated_counts


@dataclass(frozen=True)
class CalParam:
    """A fitted parameter: its dotted key, the uniform prior's bounds and what in the record
    speaks to it."""

    key: str
    lo: float
    hi: float
    why: str


CALIBRATED: tuple[CalParam, ...] = (
    CalParam("militia.w_campaign", 0.5, 6.0,
             "a campaign's tempo: 2020 and the first half of 2021"),
    CalParam("militia.w_campaign_war", 0.5, 4.0,
             "the surge's tempo, October-December 2023"),
    CalParam("militia.w_political_crisis", 0.0, 5.0,
             "attacks in Iraq's crisis year, October 2021 to October 2022 (US officials, the "
             "coalition)"),
)
"""The fitted parameters and their uniform priors (inside the registry bounds)."""

HAND_SET: dict[str, str] = {
    "militia.attack_log_rate_base":
        "the rate of attacks outside campaigns and crises, which the record bounds from above "
        "(the quiet windows: Iraq in 2023 before the war, the truce days) but hardly from below "
        "(the half-years of event rows are lower bounds far under the model's counts).  Fitted "
        "with the other three (to 2026-12-02) it ran along a ridge: its posterior correlation "
        "was -0.97 with militia.w_campaign and -0.89 with militia.w_political_crisis, whose "
        "sums with it the record pins (sd 0.19 and 0.38 against 0.67 for the base rate alone). "
        "Over eight synthetic records (escalation recover) its posterior mean came out 18 % of "
        "its prior range above the truth on average (5 of 8 90 % intervals covering), and it "
        "dragged militia.w_campaign 20 % and militia.w_political_crisis 24 % below theirs.  It "
        "is held at its posterior median from that four-parameter fit to 2023 (-7.901); with "
        "it fixed, the three weights recover (docs/calibration.md, Parameter recovery)",
    "iran.risk_per_big_strike, militia.w_halt, iran.halt_decay_days, militia.fear_big_strike, "
    "us.targets_w_resolve, us.resolve_per_attack":
        "the switch-off after a strike of 85 targets: no US strike before 2024 came near "
        "that size, so the fit period cannot speak to them.  Their values were set by the "
        "existence fit of the version-2 model with the 2024 pause in view (docs/model.md): "
        "the hold-out's pause windows are therefore not an independent test, and the report "
        "marks them.  One of them, us.resolve_per_attack, was tried free (2026-12-02; prior "
        "[0, 0.2], 128 particles x 16 replicates, with the four fitted parameters): the record "
        "to 2023 alone put it at 0.050 (90 %: 0.017-0.071), the hand-set 0.045 inside, because "
        "the surge's December slowdown wants strikes that grow with the attacks; but on a "
        "synthetic record at 0.044 (64 x 16, seed 3, the recovery test's) it came out 0.015 "
        "(0.0015-0.032), the truth outside, and w_campaign_war 10 % of its range off: one "
        "realisation's switch-off date cannot pin it, so it stays hand-set.  That fit's "
        "preference was mostly Monte Carlo noise (2026-12-02: at 64 replicates 0 looked 4.3 "
        "log-likelihood units worse, 3.75 of them from one window, 3-5 January 2022; at 512, "
        "0.9)",
    "us.resolve_share_without_deaths":
        "how much of its resolve the US puts into answers to attacks that killed nobody: 1 "
        "(the law the switch-off parameters were set with).  0 fits the record to 2023 as "
        "well (log-likelihood -75.35 against -75.6 at 512 replicates) and matches its strikes "
        "(one to three facilities each from October to December 2023; the largest answers "
        "followed deaths), but the strikes' sizes are in facilities, not the model's targets, "
        "so they are no observation to fit it to; calibrated at 0 (2026-12-02) it failed the "
        "recovery test (docs/calibration.md, Status)",
    "iran.w_max_pressure, iran.w_protests, militia.hawkes_self, us.hit_prob_drone":
        "in a recovery trial on a synthetic record (12 parameters free, 96 particles x 16 "
        "replicates) their posterior sd stayed at 0.7-0.85 of the prior's: the record's "
        "windows cannot separate the 2019-20 drivers from each other and from the campaign "
        "hazards, nor clustering from tempo, nor wounds per drone from drones per attack; "
        "they keep the model's values (the version-2 quick fit, whose existence step saw "
        "the 2024 windows)",
    "iran.campaign_on_base":
        "recovery trials on synthetic records missed it twice: at the calibrated point its "
        "90 % interval (-10.62, -9.85) left out the truth (-9.75); at a truth of -9.28 its "
        "posterior mean came out 19 % of the prior range off.  The composite likelihood is "
        "over-confident about when campaigns start (one realisation of a few start dates), "
        "so it is held at its posterior median from the four-parameter fit to 2023 (-9.74), "
        "not fitted",
    "iran.campaign_off_base, iran.w_withdrawal_demand, us.respond_logit_base":
        "in a recovery trial on a synthetic record (one realisation at a known truth, 7 "
        "parameters free, 96 particles x 16 replicates) their posteriors stayed wide (sd "
        "0.46-0.59 of the prior's) and their means 15-20 % of the prior range from the "
        "truth: how long campaigns last, how much the 2020 withdrawal vote pushed, and how "
        "often the US strikes without deaths are not pinned down by the record's windows; "
        "they keep the model's values, from the version-2 quick fit (sim.calibration."
        "quickfit), whose existence step saw the 2024 windows (docs/model.md)",
    "iran.w_gaza_war, iran.gaza_onset_days":
        "the record's first attack on US forces after 7 October 2023 came on 17 October "
        "(Pentagon; none in Iraq from January to mid-October, Lead IG), after a week of "
        "Iranian warnings conditional on the war's course (docs/model.md section 3.3.1).  "
        "With the war's weight at full from its first day (7.535, the version-2 quick fit) "
        "the model's median first attack came on 12 October and 2023 before the war had 17.5 "
        "attacks against 2-12.  The weight now builds up over the war's first 10 days, so it "
        "is full on 16 October, the eve of the record's first attack; at that onset 8.0 puts "
        "the model's median first attack on 17 October (400 replicates; 8.3 gives the 16th "
        "or 17th, 9.0 the 16th).  Not fitted: in a recovery trial the weight traded off "
        "against militia.w_campaign_war (a later start against a hotter surge)",
    "iran.w_talks":
        "the 2021-22 talks and the 2021-23 lull coincide with lower maximum pressure; "
        "the record cannot tell the two apart, so only iran.w_max_pressure is fitted",
    "us.lethal_prob_rocket, us.lethal_prob_drone":
        "three Americans killed in five years (K-1, Taji, March 2023): too few deaths to fit "
        "two rates; set so that about one attack in a hundred kills",
    "us.wounded_per_hit, us.pressure_per_wounded, us.resolve_per_wounded, "
    "iran.risk_per_wounded":
        "wounds per attack are pinned by two fit-period tallies (66 or more wounded in the "
        "102 or more attacks to 21 Dec 2023, Pentagon): wounded_per_hit 9.3 gives about 0.65 "
        "an attack; the per-wounded weights on decisions were divided by the same 1.86 so a "
        "toll weighs as before.  Freeing wounded_per_hit as a fourth parameter (trial of "
        "2026-12-01) failed the recovery test on militia.attack_log_rate_base",
    "us.wounded_dispersion":
        "how unequal wounding attacks are: set from the fit period's wounding attacks "
        "(events.csv: most wound 1-8, a few dozens once brain injuries are counted; mean "
        "about 7, sd about 9) and checked on its largest day (32 at al-Tanf, 18 Oct 2023, "
        "the model's median largest day of 2019-2023 at a shape of 1 is 34); the fit's "
        "wounded tallies are sums over weeks, which speak to the mean, not the spread",
    "us.lag_deaths_max_days":
        "the fit period's three lethal attacks were answered 2, 1 and 1 days later "
        "(events.csv): answers to deaths come within two days",
    "militia.truce_observance":
        "the record has no attacks on 24-27 Nov 2023, the Gaza truce's first days "
        "(Pentagon): set to 1, so aligned groups hold their fire in a truce; it acts on "
        "truce days only",
    "militia.hawkes_cross, militia.hawkes_memory_days":
        "the record has no per-group counts to separate self- from cross-excitation; the "
        "memory follows Lewis et al. (2012): 2-6 weeks",
    "everything else":
        "set by hand from the sources in docs/model.md: each parameter's meaning and unit is "
        "in `escalation show`",
}
"""The parameters the fit leaves alone, and why."""


@dataclass
class Budget:
    """How much simulation the fit spends.

    Attributes:
        particles: SMC particles ``N``.
        reps: replicates per particle ``K`` (the same indices for every particle).
        moves: Metropolis moves per tempering stage.
        final_moves: extra moves at ``phi = 1``.
        max_stages: tempering stages at most.
        seconds: wall-clock budget; past it the sampler jumps to ``phi = 1``.
        report_reps: replicates of the report's posterior-predictive runs.
        chunk_rows: engine rows per call (memory: about 60 kB per row).
    """

    particles: int = 256
    reps: int = 32
    moves: int = 4
    final_moves: int = 6
    max_stages: int = 20
    seconds: float = 15 * 60.0
    report_reps: int = 400
    chunk_rows: int = 4096

    @classmethod
    def backtest(cls, seconds: float = 180.0) -> Budget:
        """The smaller budget of each rolling-origin backtest's fit: fewer particles,
        replicates and moves than the full fit, but at least two moves a stage (with one,
        the resampling at each stage collapsed what the record before an origin cannot
        see: ``militia.w_campaign_war`` before the Gaza war came out at 0.40 of its prior sd
        instead of about 0.9, docs/calibration.md)."""
        return cls(particles=128, reps=16, moves=2, final_moves=4, max_stages=12,
                   seconds=seconds, report_reps=0)

    @classmethod
    def quick(cls) -> Budget:
        return cls(particles=32, reps=6, moves=1, final_moves=1, max_stages=6,
                   seconds=60.0, report_reps=20)


def check_params(params: tuple[CalParam, ...]) -> None:
    """Refuse unknown, non-numeric or out-of-registry-bounds calibrated parameters."""
    for p in params:
        sec, _, name = p.key.partition(".")
        if sec not in PARAMETERS or name not in PARAMETERS[sec]:
            raise ScenarioError(f"calibration: unknown parameter '{p.key}'")
        reg = PARAMETERS[sec][name]
        if reg.kind not in ("float", "int"):
            raise ScenarioError(f"calibration: '{p.key}' is not numeric")
        if (reg.lo is not None and p.lo < reg.lo) or (reg.hi is not None and p.hi > reg.hi):
            raise ScenarioError(f"calibration: bounds of '{p.key}' exceed {reg.describe_bounds()}")
        if not p.lo < p.hi:
            raise ScenarioError(f"calibration: empty prior for '{p.key}'")


def fit_scenario(sc: Scenario, end: dt.date = FIT_END) -> Scenario:
    """The scenario shortened to the fit window."""
    return dataclasses.replace(sc, end=min(end, sc.end))


class Simulator:
    """Maps parameter vectors to per-replicate simulated counts of the observations.

    The scenario is shortened to the fit window (:func:`fit_scenario`; the drone share is a
    function of the calendar, so every day keeps the share it has in the full run)."""

    def __init__(self, sc: Scenario, obs: list[Observation],
                 params: tuple[CalParam, ...] = CALIBRATED, chunk_rows: int = 4096):
        check_params(params)
        self.sc = fit_scenario(sc, max(o.end for o in obs))
        self.engine = BatchEngine(self.sc.setup())
        self.obs = obs
        self.params = params
        self.lo = np.array([p.lo for p in params])
        self.hi = np.array([p.hi for p in params])
        self.chunk_rows = chunk_rows
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

    def counts(self, theta: np.ndarray | None, reps: np.ndarray, seed: int,
               tick: Callable[[int], None] | None = None) -> np.ndarray:
        """``(n, K, n_obs)`` simulated counts for ``n`` parameter vectors (rows of ``theta``;
        None: the scenario's own values) on replicate indices ``reps``."""
        reps = np.asarray(reps, dtype=np.int64)
        n = 1 if theta is None else len(np.atleast_2d(theta))
        k = len(reps)
        theta = None if theta is None else np.atleast_2d(theta)
        rows = n * k
        out = np.empty((rows, len(self.obs)))
        step = max(k, (self.chunk_rows // k) * k)
        for a in range(0, rows, step):
            b = min(rows, a + step)
            idx = np.arange(a, b)
            rep_index = reps[idx % k]
            overrides = None
            if theta is not None:
                overrides = {key: theta[idx // k, j] for j, key in enumerate(self.keys)}
            table = build_params(self.sc, rep_index, seed, posterior=False,
                                 overrides=overrides)
            chunk = self.engine.run(seed, rep_index, table)
            self.calls += 1
            self.rows += b - a
            out[a:b] = simulated_counts(self.obs, chunk.weekly, self.sc.start, self.sc.days)
            if tick is not None:
                tick(b - a)
        return out.reshape(n, k, len(self.obs))

    def loglik(self, u: np.ndarray, reps: np.ndarray, seed: int,
               tick: Callable[[int], None] | None = None) -> np.ndarray:
        """Composite log-likelihood of each row of ``u`` (unit cube)."""
        return log_likelihood(self.counts(self.to_params(u), reps, seed, tick), self.obs)


@dataclass
class CalibrationResult:
    """A fit: the posterior particles (equal weights), their log-likelihoods, the stages."""

    keys: list[str]
    params: tuple[CalParam, ...]
    posterior: pd.DataFrame  # one row per particle: keys + weight
    loglik: np.ndarray
    stages: list[dict] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    rows: int = 0
    calls: int = 0
    elapsed: float = 0.0
    stopped_early: bool = False

    def quantiles(self, q) -> dict[str, np.ndarray]:
        return {k: np.quantile(self.posterior[k].to_numpy(), q) for k in self.keys}

    @property
    def point(self) -> dict[str, float]:
        """The point estimate: each parameter's posterior median."""
        return {k: float(np.median(self.posterior[k])) for k in self.keys}

    def posterior_mean(self) -> dict[str, float]:
        return {k: float(self.posterior[k].mean()) for k in self.keys}

    def map_particle(self) -> dict[str, float]:
        """The particle with the highest likelihood (the prior is flat)."""
        i = int(np.argmax(self.loglik))
        return {k: float(self.posterior[k].iloc[i]) for k in self.keys}

    def summary(self) -> pd.DataFrame:
        """Per fitted parameter: prior, posterior mean, sd and quantiles, the ratio of
        posterior to prior sd, and whether the point estimate lies in the 50 % interval."""
        rows = []
        for p in self.params:
            x = self.posterior[p.key].to_numpy()
            q05, q25, q50, q75, q95 = np.quantile(x, [0.05, 0.25, 0.5, 0.75, 0.95])
            prior_sd = (p.hi - p.lo) / np.sqrt(12.0)
            rows.append({"parameter": p.key, "prior_lo": p.lo, "prior_hi": p.hi,
                         "default": parameter(p.key).default, "point_estimate": q50,
                         "posterior_mean": float(x.mean()), "posterior_sd": float(x.std()),
                         "sd_ratio": float(x.std() / prior_sd), "q05": q05, "q25": q25,
                         "q75": q75, "q95": q95,
                         "point_in_50": bool(q25 <= q50 <= q75)})
        return pd.DataFrame(rows)


def _systematic(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = len(w)
    c = np.cumsum(w / w.sum())
    c[-1] = 1.0
    return np.searchsorted(c, (rng.random() + np.arange(n)) / n)


def _ess(logw: np.ndarray) -> float:
    w = np.exp(logw - logw.max())
    return float(w.sum() ** 2 / np.sum(w * w))


def next_temperature(loglik: np.ndarray, phi: float, target: float) -> float:
    """The largest ``phi' <= 1`` whose incremental weights ``exp((phi' - phi) l)`` keep an
    effective sample size of at least ``target`` particles (bisection)."""
    if _ess((1.0 - phi) * loglik) >= target:
        return 1.0
    a, b = phi, 1.0
    for _ in range(60):
        m = 0.5 * (a + b)
        if _ess((m - phi) * loglik) >= target:
            a = m
        else:
            b = m
    return max(a, phi + 1e-6)


LIKELIHOOD_TEMPERATURE = 0.5
"""The power ``tau`` of the composite likelihood in the posterior, ``prior x L^tau``.  The
composite likelihood multiplies the windows' probabilities as if they were independent, but
one realisation's campaign dates run through many of them, so ``L`` is too sharp: over eight
synthetic records at the calibrated point (``escalation recover``, 2026-12-02) the posterior
mean's error was 1.35 posterior sd in the median (0.67 for a right posterior; root mean
square 1.74) and 16 of 24 90 % intervals covered the truth.  A power ``1 / 1.35^2 = 0.55``,
rounded to 0.5, widens the posterior by about 1.4 (a magnitude adjustment of the composite
likelihood, as Ribatet, Cooley and Davison 2012 do for max-stable processes, with the factor
measured on synthetic records instead of a sandwich estimate); docs/calibration.md."""


def smc(sim: Simulator, budget: Budget, seed: int, rng_seed: int,
        progress: bool = True, temperature: float = LIKELIHOOD_TEMPERATURE
        ) -> tuple[np.ndarray, np.ndarray, list[dict], bool]:
    """Tempered SMC in the unit cube towards ``prior x L^temperature``; returns (particles,
    their composite log-likelihoods ``log L``, stage log, stopped_early)."""
    from tqdm.auto import tqdm

    rng = np.random.default_rng(rng_seed)
    n, d = budget.particles, len(sim.params)
    reps = np.arange(budget.reps)
    t0 = time.perf_counter()
    per_eval = n * budget.reps
    bar = tqdm(total=per_eval * (1 + budget.moves * 6 + budget.final_moves), unit="rep",
               unit_scale=True, desc="calibrate", disable=not progress, mininterval=1.0)

    def tick(k: int) -> None:
        bar.update(k)

    def loglik(x: np.ndarray) -> np.ndarray:
        return temperature * sim.loglik(x, reps, seed, tick)

    u = rng.random((n, d))
    ll = loglik(u)
    phi, scale = 0.0, 2.38 / np.sqrt(d)
    log: list[dict] = []
    stopped = False
    stage = 0
    while True:
        out_of_time = time.perf_counter() - t0 > budget.seconds or stage >= budget.max_stages
        new_phi = 1.0 if out_of_time else next_temperature(ll, phi, 0.5 * n)
        stopped = stopped or (out_of_time and phi < 1.0)
        logw = (new_phi - phi) * ll
        ess = _ess(logw)
        idx = _systematic(np.exp(logw - logw.max()), rng)
        u, ll = u[idx], ll[idx]
        phi = new_phi
        moves = budget.moves + (budget.final_moves if phi >= 1.0 else 0)
        if out_of_time:
            moves = 0
        acc_rates = []
        for _ in range(moves):
            cov = np.cov(u, rowvar=False) + 1e-8 * np.eye(d)
            chol = np.linalg.cholesky(cov)
            prop = u + scale * rng.standard_normal((n, d)) @ chol.T
            inside = np.all((prop >= 0) & (prop <= 1), axis=1)
            ll_prop = np.full(n, -np.inf)
            if inside.any():
                ll_prop[inside] = loglik(prop[inside])
            accept = np.log(rng.random(n)) < phi * (ll_prop - ll)
            u = np.where(accept[:, None], prop, u)
            ll = np.where(accept, ll_prop, ll)
            rate = float(accept.mean())
            acc_rates.append(rate)
            scale *= float(np.exp(rate - 0.25))  # aim at about a quarter accepted
        if bar.n >= bar.total:
            bar.total = bar.n + per_eval * max(budget.moves, 1)
        bar.set_postfix_str(f"phi={phi:.3g} acc={np.mean(acc_rates) if acc_rates else 0:.2f}")
        log.append({"stage": stage, "phi": phi, "ess_before_resampling": ess,
                    "acceptance": acc_rates, "median_loglik": float(np.median(ll)),
                    "max_loglik": float(np.max(ll)),
                    "elapsed_seconds": round(time.perf_counter() - t0, 1)})
        stage += 1
        if phi >= 1.0:
            break
    bar.n = bar.total
    bar.refresh()
    bar.close()
    return u, ll / temperature, log, stopped


def calibrate(sc: Scenario, budget: Budget, seed: int = 0,
              params: tuple[CalParam, ...] = CALIBRATED,
              obs: list[Observation] | None = None, record: Record | None = None,
              progress: bool = True, end: dt.date = FIT_END,
              temperature: float = LIKELIHOOD_TEMPERATURE) -> CalibrationResult:
    """Fit ``params`` to the record up to ``end`` (2023-12-31; or to ``obs``, e.g. a
    synthetic record for a recovery test) on ``sc``: the posterior ``prior x
    L^temperature`` of the composite likelihood ``L`` (:data:`LIKELIHOOD_TEMPERATURE`)."""
    if not 0.0 < temperature <= 1.0:
        raise ScenarioError(f"calibration: the likelihood temperature must be in (0, 1], not "
                            f"{temperature}")
    t0 = time.perf_counter()
    if end > FIT_END:
        raise ScenarioError(f"calibration: the fit window ends by {FIT_END} (2024 is the "
                            f"hold-out), not {end}")
    if obs is None:
        obs = observations(record or load_record(), sc.start, end)
    if not obs:
        raise ScenarioError(f"calibration: the record has no observations before {end}")
    sim = Simulator(sc, obs, params, budget.chunk_rows)
    u, ll, log, stopped = smc(sim, budget, seed, seed + 1, progress, temperature)
    theta = sim.to_params(u)
    post = pd.DataFrame(theta, columns=sim.keys)
    post["weight"] = 1.0 / len(post)
    return CalibrationResult(sim.keys, params, post, ll, log, obs, sim.rows, sim.calls,
                             time.perf_counter() - t0, stopped)


SLACK_REPLICATES = np.arange(20_000, 20_064)
"""The replicates (of the synthetic record's seed) whose mean count at the truth measures how
far each one-sided statement of the record lies from the model's count (never a fit's)."""


def synthetic_observations(sc: Scenario, truth: dict[str, float], obs: list[Observation],
                           seed: int, replicate: int = 10_000,
                           params: tuple[CalParam, ...] = CALIBRATED) -> list[Observation]:
    """A synthetic record from the model itself at ``truth``: one realisation (replicate
    ``replicate`` of seed ``seed``, an index the fit never uses), each observation's window,
    scope and bound type kept and its figures replaced by the simulated count ``v``: an exact
    count stays exact, a range keeps its relative width, and a one-sided statement keeps the
    record's slack.  The record's lower bounds are not all as tight as they can be: the
    half-years of event rows document 6 attacks where the model has 27 on average, the
    surge's "at least" tallies about what it has.  A synthetic lower bound is therefore
    ``floor(v * r)`` with ``r = min(1, documented / m)`` and ``m`` the model's mean count at
    the truth (:data:`SLACK_REPLICATES`); an upper bound is ``ceil(v * r)`` with ``r =
    max(1, documented / m)``.  (Every lower bound at ``v`` itself, as this function made them
    before 2026-12-02, is informative censoring that the one-sided likelihood reads as
    "more": over eight records it put the base rate 6-40 % of its range above the truth.)"""
    from .observation import interval_of

    sim = Simulator(sc, obs, params)
    theta = np.array([[truth[k] for k in sim.keys]])
    x = sim.counts(theta, np.array([replicate]), seed)[0, 0]
    m = sim.counts(theta, SLACK_REPLICATES, seed)[0].mean(axis=0)
    out = []
    for o, v, mean in zip(obs, x, m, strict=True):
        v = float(np.round(v))
        if o.bound == "range" and np.isfinite(o.high) and o.high > 0:
            half = 0.5 * (o.high - o.low) / max(o.value, 1.0) * v
            low, high, bound = max(v - half, 0.0), v + half, "range"
        elif o.bound == "lower":
            r = min(1.0, o.low / mean) if mean > 0 else 1.0
            low, high, bound = float(np.floor(v * r)), np.nan, "lower"
        elif o.bound == "upper":
            r = max(1.0, o.high / mean) if mean > 0 else 1.0
            low, high, bound = 0.0, float(np.ceil(v * r)), "upper"
        else:
            low, high, bound = v, v, o.bound
        lo, hi, value = interval_of(bound, low, high)
        out.append(dataclasses.replace(o, bound=bound, low=low, high=high, lo=lo, hi=hi,
                                       value=value, source="synthetic"))
    return out
