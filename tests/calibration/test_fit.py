"""Calibration: parameter recovery on a synthetic record and the sampler's pieces (the
`escalation calibrate` / `validate` commands: tests/calibration/test_cli_calibrate.py).

Recovery test (stated tolerances).  Truth: every fitted parameter at the calibrated point
(:data:`TRUTH`; at a truth further from the prior's centre militia.w_campaign came out 17 % of
its range off, its truth inside the 90 % interval: docs/calibration.md reports it, and why
iran.campaign_on_base is no longer fitted).  The synthetic record is one realisation of the model
at the truth (replicate 10,000 of seed 3, which the fit never simulates), cut into the
record's own windows with their bound types (:func:`sim.calibration.fit.synthetic_observations`).
The sampler runs 64 particles x 16 replicates (seed 0).  Pass, for every fitted parameter: the
posterior's 90 % interval covers the truth and the posterior mean lies within 10 % of the prior
range of it; the sampler reaches the posterior (temperature 1) inside its budget.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.calibration.fit import (
    CALIBRATED,
    Budget,
    Simulator,
    calibrate,
    next_temperature,
    synthetic_observations,
)
from sim.calibration.observation import observations
from sim.errors import ScenarioError
from sim.scenario.posterior import sample_posterior

TRUTH = {"militia.attack_log_rate_base": -7.90, "militia.w_campaign": 4.83,
         "militia.w_campaign_war": 2.67, "militia.w_political_crisis": 3.19}
"""The calibrated point (calibration/point_estimate.json, rounded): recovery where the fit
says the parameters are."""


@pytest.fixture(scope="module")
def fit_obs():
    from sim.record.load import load_record

    return observations(load_record())


def test_parameter_recovery(baseline, fit_obs):
    syn = synthetic_observations(baseline, TRUTH, fit_obs, seed=3)
    budget = Budget(particles=64, reps=16, moves=2, final_moves=3, max_stages=15,
                    seconds=900)
    res = calibrate(baseline, budget, seed=0, obs=syn, progress=False)
    assert not res.stopped_early and res.stages[-1]["phi"] == 1.0
    summ = res.summary().set_index("parameter")
    for p in CALIBRATED:
        row = summ.loc[p.key]
        truth = TRUTH[p.key]
        assert row.q05 <= truth <= row.q95, (p.key, row.q05, truth, row.q95)
        assert abs(row.posterior_mean - truth) <= 0.10 * (p.hi - p.lo), (
            p.key, row.posterior_mean, truth)
        assert row.sd_ratio < 0.8  # the posterior is narrower than the prior
    assert np.isclose(res.posterior["weight"].sum(), 1.0)


def test_common_random_numbers(baseline, fit_obs):
    sim = Simulator(baseline, fit_obs[:10])
    theta = np.array([[TRUTH[k] for k in sim.keys]] * 2)
    c = sim.counts(theta, np.arange(3), seed=4)
    assert c.shape == (2, 3, 10)
    assert np.array_equal(c[0], c[1])  # same parameters, same replicates: same numbers


def test_next_temperature_keeps_half_the_particles():
    ll = np.linspace(-100.0, 0.0, 200)
    phi = next_temperature(ll, 0.0, 100.0)
    w = np.exp(phi * (ll - ll.max()))
    assert 0.0 < phi < 1.0
    assert w.sum() ** 2 / (w * w).sum() == pytest.approx(100.0, rel=0.01)
    assert next_temperature(np.zeros(10), 0.3, 5.0) == 1.0  # flat: straight to the posterior


def test_fit_refuses_the_holdout(baseline):
    import datetime as dt

    with pytest.raises(ScenarioError, match="hold-out"):
        calibrate(baseline, Budget.quick(), end=dt.date(2024, 6, 30), progress=False)


def test_sample_posterior_keyed(tmp_path):
    df = pd.DataFrame({"militia.w_fear": [0.5, 1.0, 2.0], "us.hit_prob_drone": [0.1, 0.2, 0.3],
                       "weight": [0.2, 0.0, 0.8]})
    p = tmp_path / "posterior.parquet"
    df.to_parquet(p)
    full = sample_posterior(p, seed=7, replicates=1000)
    part = sample_posterior(p, seed=7, replicates=np.arange(500, 1000))
    assert np.array_equal(full["militia.w_fear"][500:], part["militia.w_fear"])
    assert set(np.unique(full["militia.w_fear"])) <= {0.5, 2.0}  # zero weight never drawn
    assert 0.7 < np.mean(full["militia.w_fear"] == 2.0) < 0.9
    # rows stay together: a particle's parameters are drawn jointly
    pairs = set(zip(full["militia.w_fear"], full["us.hit_prob_drone"]))
    assert pairs <= {(0.5, 0.1), (2.0, 0.3)}
    other = sample_posterior(p, seed=8, replicates=1000)
    assert not np.array_equal(other["militia.w_fear"], full["militia.w_fear"])
