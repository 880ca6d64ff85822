"""Forecast validation: the calibrated model against naive baselines on the same windows.

Three evaluations, each on tally windows of the record with the observation model of
:mod:`sim.calibration.observation`, each scored by :mod:`sim.calibration.scoring`:

* **fit window** (in sample): every observation up to 2023-12-31; the model runs free from
  2019 with posterior draws; the baselines are fitted on the same observations.
* **2024 hold-out**: every observation that starts in 2024; the model, fitted on the record
  to 2023 only, replays the record to 2023-12-31 and runs free; the baselines are fitted on
  the fit window's observations.  Windows that start in 2023 and end in 2024 are scored apart:
  the model replays their 2023 days from the record while the baselines forecast them whole.
* **rolling-origin backtests**: at each origin, the model is fitted (a smaller budget) and the
  baselines are fitted on the observations that end before it; the forecasts are of the
  windows that start on or after the origin and end within 3 or 6 months of it; the model
  replays the record to the day before the origin and runs free.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..engines.batch import BatchEngine
from ..record.load import Record
from ..scenario import Scenario, build_params
from .baselines import BASELINES, baseline_forecasts
from .observation import (
    FIT_END,
    HOLDOUT_START,
    Observation,
    holdout_observations,
    observations,
    simulated_counts,
)
from .scoring import scores, summarise

D = dt.date
BACKTEST_ORIGINS: tuple[dt.date, ...] = (D(2020, 7, 1), D(2021, 4, 1), D(2022, 1, 1),
                                          D(2022, 10, 1), D(2023, 7, 1), D(2023, 10, 1))
"""The backtests' forecast origins (fit on what ended before, forecast 3 and 6 months)."""
BASELINE_DRAWS = 4000


def _months_later(d: dt.date, months: int) -> dt.date:
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    return D(y, m, 1) - dt.timedelta(days=1) if d.day == 1 else D(y, m, d.day)


def model_draws(sc: Scenario, particles: pd.DataFrame, obs: list[Observation], reps: int,
                seed: int, replay_until: dt.date | None = None,
                chunk: int = 500, tick: Callable[[int], None] | None = None) -> np.ndarray:
    """``(n_obs, reps)`` simulated counts: ``reps`` replicates of ``sc`` up to the last
    observation's end (:func:`sim.calibration.fit.fit_scenario`), replaying the record to
    ``replay_until`` when given, each with a parameter set drawn from ``particles`` (rows by
    weight; keyed by the replicate, as a run's posterior draws are)."""
    from ..model import random as rnd
    from .fit import fit_scenario

    end = max(o.end for o in obs)
    if end > sc.end:
        raise ValueError(f"the scenario ends {sc.end}, before {end}")
    run_sc = fit_scenario(sc, end)
    if replay_until is not None:  # a replay past the run's last day replays all of it
        run_sc = run_sc.with_replay(min(replay_until, run_sc.end))
    eng = BatchEngine(run_sc.setup())
    keys = [c for c in particles.columns if c != "weight"]
    w = particles["weight"].to_numpy() if "weight" in particles else np.ones(len(particles))
    cw = np.cumsum(w / w.sum())
    cw[-1] = 1.0
    reps_all = np.arange(reps, dtype=np.int64)
    u = rnd.uniform(rnd.replicate_keys(seed, reps_all), day=0, actor=99, purpose=98)
    pick = np.minimum(np.searchsorted(cw, u, side="right"), len(cw) - 1)
    out = np.empty((len(obs), reps))
    for a in range(0, reps, chunk):
        r = reps_all[a:a + chunk]
        over = {k: particles[k].to_numpy()[pick[r]] for k in keys}
        table = build_params(run_sc, r, seed, posterior=False, overrides=over)
        res = eng.run(seed, r, table)
        out[:, a:a + len(r)] = simulated_counts(obs, res.weekly, run_sc.start,
                                                 run_sc.days).T
        if tick is not None:
            tick(len(r))
    return out


@dataclass
class Evaluation:
    """One evaluation: its name, per-observation score tables per forecaster, summaries."""

    name: str
    tables: dict[str, pd.DataFrame]
    note: str = ""
    extra: dict = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        rows = [{"evaluation": self.name, "forecaster": f, **summarise(t)}
                for f, t in self.tables.items()]
        return pd.DataFrame(rows)


def evaluate_windows(name: str, sc: Scenario, particles: pd.DataFrame,
                     fit_obs: list[Observation], obs: list[Observation], origin: dt.date,
                     reps: int, seed: int, replay_until: dt.date | None,
                     tick: Callable[[int], None] | None = None) -> Evaluation:
    """Score the model and every baseline on ``obs`` (baselines fitted on ``fit_obs``)."""
    tables = {"model": scores(obs, model_draws(sc, particles, obs, reps, seed, replay_until,
                                               tick=tick))}
    for bname, fc in baseline_forecasts(fit_obs, obs, origin).items():
        tables[bname] = scores(obs, fc.sample(BASELINE_DRAWS, seed))
    return Evaluation(name, tables)


def fit_and_holdout(sc: Scenario, particles: pd.DataFrame, record: Record, reps: int,
                    seed: int, tick: Callable[[int], None] | None = None
                    ) -> list[Evaluation]:
    """The in-sample evaluation of the fit window and the 2024 hold-out."""
    fit_obs = observations(record, sc.start, FIT_END)
    hold = holdout_observations(record, FIT_END, sc.end)
    out = [evaluate_windows("fit window (to 2023-12-31, in sample)", sc, particles, fit_obs,
                            fit_obs, HOLDOUT_START, reps, seed, None, tick)]
    ahead = [o for o in hold if o.start >= HOLDOUT_START]
    straddle = [o for o in hold if o.start < HOLDOUT_START]
    if ahead:
        out.append(evaluate_windows("2024 hold-out (fitted to 2023)", sc, particles, fit_obs,
                                    ahead, HOLDOUT_START, reps, seed, FIT_END, tick))
    if straddle:
        ev = evaluate_windows("2024 hold-out, windows from 2023 (the model replays their "
                              "2023 days)", sc, particles, fit_obs, straddle, HOLDOUT_START,
                              reps, seed, FIT_END, tick)
        ev.note = ("windows that start before 2024: the model replays their 2023 days from "
                   "the record, the baselines forecast them whole; not a fair comparison, "
                   "shown apart")
        out.append(ev)
    return out


def backtest_targets(record: Record, origin: dt.date, months: int = 6
                     ) -> list[tuple[Observation, int]]:
    """The observations that start on or after ``origin`` and end within ``months`` of it,
    with their horizon (3 or 6 months)."""
    end6 = _months_later(origin, months)
    end3 = _months_later(origin, 3)
    obs = observations(record, origin, min(end6, FIT_END), events=False)
    return [(o, 3 if o.end <= end3 else 6) for o in obs]


def backtests(sc: Scenario, record: Record, budget, reps: int, seed: int,
              origins: tuple[dt.date, ...] = BACKTEST_ORIGINS, progress: bool = True,
              fitter: Callable | None = None) -> list[Evaluation]:
    """Rolling-origin backtests: at each origin, fit on what ended before it and forecast
    the windows of the next 3 and 6 months (within the fit period: 2024 stays the
    hold-out)."""
    from .fit import calibrate

    fitter = fitter or calibrate
    out = []
    for origin in origins:
        before = origin - dt.timedelta(days=1)
        targets = backtest_targets(record, origin)
        if not targets:
            continue
        fit_obs = observations(record, sc.start, before)
        res = fitter(sc, budget, seed=seed, obs=fit_obs, progress=progress, end=before)
        obs = [o for o, _ in targets]
        ev = evaluate_windows(f"backtest from {origin}", sc, res.posterior, fit_obs, obs,
                              origin, reps, seed, before)
        horizon = [h for _, h in targets]
        for t in ev.tables.values():
            t["horizon_months"] = horizon
        ev.extra = {"origin": origin.isoformat(), "fit_observations": len(fit_obs),
                    "targets": len(obs)}
        out.append(ev)
    return out


def backtest_summary(evals: list[Evaluation]) -> pd.DataFrame:
    """Pooled over origins, per forecaster and horizon: the weighted mean scores."""
    rows = []
    if not evals:
        return pd.DataFrame()
    forecasters = list(evals[0].tables)
    for f in forecasters:
        allt = pd.concat([e.tables[f] for e in evals], ignore_index=True)
        for h in (3, 6):
            t = allt[allt.horizon_months <= h]
            if len(t):
                rows.append({"evaluation": f"backtests, windows within {h} months",
                             "forecaster": f, **summarise(t)})
    return pd.DataFrame(rows)


def skill_verdict(summary: pd.DataFrame) -> pd.DataFrame:
    """Per evaluation: the model's weighted mean CRPS, the best baseline's, and whether the
    model beats every baseline."""
    rows = []
    for ev, g in summary.groupby("evaluation", sort=False):
        m = g[g.forecaster == "model"].crps
        b = g[g.forecaster.isin(BASELINES)]
        if m.empty or b.empty:
            continue
        best = b.loc[b.crps.idxmin()]
        rows.append({"evaluation": ev, "model_crps": float(m.iloc[0]),
                     "best_baseline": best.forecaster, "best_baseline_crps": float(best.crps),
                     "model_beats_every_baseline": bool(m.iloc[0] < b.crps.min())})
    return pd.DataFrame(rows)


@dataclass
class ValidationResult:
    """Every evaluation's scores, their summaries and the verdict per evaluation and family."""

    evaluations: list[Evaluation]
    backtest_evaluations: list[Evaluation]
    reps: int
    seed: int

    @property
    def scores(self) -> pd.DataFrame:
        """Per evaluation, forecaster and observation: the scores (one long table)."""
        parts = []
        for e in [*self.evaluations, *self.backtest_evaluations]:
            for f, t in e.tables.items():
                parts.append(t.assign(evaluation=e.name, forecaster=f))
        df = pd.concat(parts, ignore_index=True)
        df["start"] = df["start"].astype(str)
        df["end"] = df["end"].astype(str)
        return df

    @property
    def summary(self) -> pd.DataFrame:
        """Weighted mean scores per evaluation, family and forecaster (backtests pooled
        over origins, by horizon)."""
        rows = []
        for e in self.evaluations:
            for f, t in e.tables.items():
                rows.append({"evaluation": e.name, "family": "all", "forecaster": f,
                             **summarise(t)})
                for fam, g in t.groupby("family"):
                    rows.append({"evaluation": e.name, "family": fam, "forecaster": f,
                                 **summarise(g)})
        if self.backtest_evaluations:
            for f in self.backtest_evaluations[0].tables:
                allt = pd.concat([e.tables[f] for e in self.backtest_evaluations],
                                 ignore_index=True)
                for h in (3, 6):
                    t = allt[allt.horizon_months <= h]
                    for fam, g in [("all", t), *t.groupby("family")]:
                        if len(g):
                            rows.append({"evaluation": f"backtests, within {h} months",
                                         "family": fam, "forecaster": f, **summarise(g)})
        return pd.DataFrame(rows)

    @property
    def verdict(self) -> pd.DataFrame:
        """Per evaluation and family: the model's CRPS, the best baseline's, and whether the
        model beats every baseline."""
        s = self.summary
        rows = []
        for (ev, fam), g in s.groupby(["evaluation", "family"], sort=False):
            m = g[g.forecaster == "model"]
            b = g[g.forecaster.isin(BASELINES)].dropna(subset=["crps"])
            if m.empty or b.empty or not np.isfinite(m.crps.iloc[0]):
                continue
            best = b.loc[b.crps.idxmin()]
            rows.append({"evaluation": ev, "family": fam, "model_crps": m.crps.iloc[0],
                         "best_baseline": best.forecaster, "best_baseline_crps": best.crps,
                         "model_beats_every_baseline": bool(m.crps.iloc[0] < b.crps.min()),
                         "model_coverage_50": m.coverage_50.iloc[0],
                         "model_coverage_90": m.coverage_90.iloc[0],
                         "model_coverage_midpoint_50": m.coverage_midpoint_50.iloc[0],
                         "model_coverage_midpoint_90": m.coverage_midpoint_90.iloc[0]})
        return pd.DataFrame(rows)

    def to_json(self) -> str:
        import json

        return json.dumps({
            "reps": self.reps, "seed": self.seed,
            "summary": json.loads(self.summary.to_json(orient="records")),
            "verdict": json.loads(self.verdict.to_json(orient="records")),
            "backtests": [e.extra for e in self.backtest_evaluations]}, indent=1)


def run_validation(sc: Scenario, particles: pd.DataFrame, record: Record, reps: int,
                   seed: int, with_backtests: bool, budget, progress: bool = True
                   ) -> ValidationResult:
    """The fit-window and hold-out evaluations, and (``with_backtests``) the backtests."""
    from tqdm.auto import tqdm

    with tqdm(total=2 * reps, desc="validate: fit window and hold-out", unit="rep",
              disable=not progress) as bar:
        evals = fit_and_holdout(sc, particles, record, reps, seed, bar.update)
    bts = backtests(sc, record, budget, reps, seed, progress=progress) if with_backtests \
        else []
    return ValidationResult(evals, bts, reps, seed)
