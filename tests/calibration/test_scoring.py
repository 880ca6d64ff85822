"""Coverage from the PIT of the documented interval: a calibrated forecast has its nominal
coverage whatever the widths of the documented ranges, as long as a range says nothing about
where in it the truth lies (coarsening at random); an over-confident one does not; the
midpoint rule it replaced is biased for wide ranges."""

from __future__ import annotations

import datetime as dt

import numpy as np

from sim.calibration.observation import Observation, interval_of
from sim.calibration.scoring import pit_coverage, scores, summarise

D = dt.date
N_WINDOWS, DRAWS = 4000, 400


def _range_obs(lo: float, hi: float) -> Observation:
    a, b, value = interval_of("range", lo, hi)
    return Observation("attacks all (test)", "attacks", D(2020, 1, 1), D(2020, 1, 31),
                       ("attacks",), False, "range", lo, hi, a, b, value, "test", "all")


def _world(seed: int = 0):
    """Windows with Poisson truths, each documented as the cell containing its truth of a
    partition of the counts into ranges of random width and offset, drawn independently of
    the truth: coarsening at random (the range says nothing about where in it the truth
    lies); and a calibrated forecast of each window."""
    rng = np.random.default_rng(seed)
    mu = rng.uniform(0.5, 40.0, N_WINDOWS)
    truth = rng.poisson(mu)
    width = rng.integers(1, np.ceil(mu).astype(int) + 2)
    offset = rng.integers(0, width)
    cell_lo = (truth + offset) // width * width - offset
    obs = [_range_obs(float(max(0, a)), float(a + w - 1))
           for a, w in zip(cell_lo, width)]
    calibrated = rng.poisson(mu[:, None], (N_WINDOWS, DRAWS)).astype(float)
    return rng, mu, truth, obs, calibrated


def test_a_calibrated_forecast_has_its_nominal_coverage_and_the_midpoint_rule_does_not():
    _, _, _, obs, calibrated = _world()
    s = summarise(scores(obs, calibrated))
    assert abs(s["coverage_90"] - 0.90) < 0.02
    assert abs(s["coverage_50"] - 0.50) < 0.03
    # a range's midpoint lies off the truth by up to half the range: the old rule is off
    assert s["coverage_midpoint_90"] < 0.86
    assert s["coverage_midpoint_50"] < 0.48


def test_exact_counts_get_the_non_randomized_pit_and_nominal_coverage():
    rng, mu, truth, _, calibrated = _world(1)
    obs = [_range_obs(float(t), float(t)) for t in truth]  # a point: [F(y-1), F(y)]
    t = scores(obs, calibrated)
    np.testing.assert_allclose(t.pit_hi - t.pit_lo,
                               (calibrated == truth[:, None]).mean(axis=1))
    s = summarise(t)
    assert abs(s["coverage_90"] - 0.90) < 0.02 and abs(s["coverage_50"] - 0.50) < 0.03


def test_an_over_confident_forecast_is_caught():
    rng, mu, _, obs, _ = _world(2)
    narrow = np.maximum(np.round(mu[:, None] + 0.4 * np.sqrt(mu)[:, None]
                                 * rng.standard_normal((N_WINDOWS, DRAWS))), 0.0)
    s = summarise(scores(obs, narrow))
    assert s["coverage_90"] < 0.80 and s["coverage_50"] < 0.40


def test_pit_coverage_of_a_range_is_its_share_inside_the_central_interval():
    lo = np.array([0.0, 0.0, 0.2, 0.96, 0.5])
    hi = np.array([1.0, 0.1, 0.6, 0.99, 0.5])
    np.testing.assert_allclose(pit_coverage(lo, hi, 0.9), [0.9, 0.5, 1.0, 0.0, 1.0])
    np.testing.assert_allclose(pit_coverage(lo, hi, 0.5), [0.5, 0.0, 0.875, 0.0, 1.0])
