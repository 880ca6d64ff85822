"""Calibration: the sampler's pieces (parameter recovery over synthetic records:
tests/calibration/test_recovery.py; the `escalation calibrate` / `validate` commands:
tests/calibration/test_cli_calibrate.py)."""

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
    smc,
)
from sim.calibration.observation import observations
from sim.errors import ScenarioError
from sim.scenario.posterior import sample_posterior

from .test_recovery import TRUTH


@pytest.fixture(scope="module")
def fit_obs():
    from sim.record.load import load_record

    return observations(load_record())


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


class _GaussianSimulator:
    """A stand-in for :class:`Simulator` whose log-likelihood is known: a normal of sd
    ``sigma`` around 0.4 in the unit square (both coordinates)."""

    def __init__(self, sigma: float):
        self.params = CALIBRATED[:2]
        self.sigma = sigma

    def loglik(self, u, reps, seed, tick=None):
        return -0.5 * np.sum(((u - 0.4) / self.sigma) ** 2, axis=1)


@pytest.mark.parametrize("temperature", [1.0, 0.5, 0.25])
def test_smc_targets_the_tempered_likelihood(temperature):
    """The sampler's posterior is prior x L^temperature: its sd is sigma / sqrt(temperature),
    and it returns the untempered log-likelihoods."""
    sim = _GaussianSimulator(0.04)
    budget = Budget(particles=800, reps=1, moves=4, final_moves=8, max_stages=30,
                    seconds=60.0)
    u, ll, log, stopped = smc(sim, budget, seed=0, rng_seed=1, progress=False,
                              temperature=temperature)
    assert not stopped and log[-1]["phi"] == 1.0
    want = 0.04 / np.sqrt(temperature)
    assert np.allclose(u.std(axis=0), want, rtol=0.15), (u.std(axis=0), want)
    assert np.allclose(u.mean(axis=0), 0.4, atol=0.2 * want)
    assert np.allclose(ll, sim.loglik(u, None, 0))


def test_calibrate_refuses_a_bad_temperature(baseline):
    with pytest.raises(ScenarioError, match="temperature"):
        calibrate(baseline, Budget.quick(), progress=False, temperature=1.5)
