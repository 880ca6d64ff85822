"""Forecast validation: backtest windows, the model's draws, the verdict."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pandas as pd

from sim.calibration.fit import CALIBRATED
from sim.calibration.validate import (
    ValidationResult,
    backtest_targets,
    backtests,
    model_draws,
)
from sim.model.registry import parameter

D = dt.date


def _particles() -> pd.DataFrame:
    df = pd.DataFrame({p.key: [parameter(p.key).default] for p in CALIBRATED})
    df["weight"] = 1.0
    return df


def test_backtest_targets_lie_in_the_next_six_months(record):
    origin = D(2023, 7, 1)
    t = backtest_targets(record, origin)
    assert t and all(o.start >= origin and o.end <= D(2023, 12, 31) for o, _ in t)
    assert {h for _, h in t} <= {3, 6}
    assert all((h == 3) == (o.end <= D(2023, 9, 30)) for o, h in t)


def test_model_draws_replay_the_record_before_the_origin(baseline, record):
    from sim.calibration.observation import observations

    obs = [o for o in observations(record, D(2023, 10, 17), D(2023, 12, 31), events=False)
           if o.family == "attacks" and o.theatre == "all"][:3]
    free = model_draws(baseline, _particles(), obs, 12, seed=1)
    replayed = model_draws(baseline, _particles(), obs, 12, seed=1,
                           replay_until=D(2023, 12, 31))
    assert free.shape == replayed.shape == (3, 12)
    # replayed windows carry the record's own counts: the same in every replicate
    assert np.all(replayed.std(axis=1) < 1e-9)
    assert not np.all(free.std(axis=1) < 1e-9)


def test_backtests_refit_before_each_origin_and_score_every_forecaster(baseline, record):
    seen = []

    def fitter(sc, budget, seed, obs, progress, end):
        seen.append(end)
        assert max(o.end for o in obs) <= end  # nothing after the origin is fitted
        return SimpleNamespace(posterior=_particles())

    evs = backtests(baseline, record, None, 16, 0, origins=(D(2022, 10, 1), D(2023, 7, 1)),
                    progress=False, fitter=fitter)
    assert seen == [D(2022, 9, 30), D(2023, 6, 30)]
    assert len(evs) == 2
    res = ValidationResult([], evs, 16, 0)
    s = res.summary
    assert set(s.forecaster) == {"model", "constant NB", "peace/war NB", "persistence"}
    assert {"backtests, within 3 months", "backtests, within 6 months"} <= set(s.evaluation)
    v = res.verdict
    assert len(v) and v.model_beats_every_baseline.dtype == bool
    assert (v.model_crps > 0).all()
