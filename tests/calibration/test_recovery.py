"""Parameter recovery over several synthetic records (sim.calibration.recovery).

Truth: every fitted parameter at the calibrated point (:data:`TRUTH`).  Four synthetic records
(seeds 3-6: replicate 10,000 of each, which no fit simulates), each cut into the record's own
windows with their bound types and slack (:func:`sim.calibration.fit.synthetic_observations`),
each fitted with 64 particles x 16 replicates (:data:`RECOVERY_BUDGET`, fit seed 0).

Pass, for every fitted parameter: at least 3 of the 4 90 % intervals cover the truth (a
sampler whose intervals are right does worse with probability 0.05), the mean over the records
of (posterior mean - truth) is within 10 % of the prior range (the issue's rule, read as the
fit's systematic error rather than one record's draw: docs/calibration.md, "Parameter
recovery"), and the posterior is narrower than the prior; pooled, at least 10 of the 12
intervals cover (P = 0.11 for right intervals); every fit reaches temperature 1.
`escalation recover` runs eight records for the report.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.calibration.fit import (
    CALIBRATED,
    SLACK_REPLICATES,
    Budget,
    Simulator,
    synthetic_observations,
)
from sim.calibration.observation import observations
from sim.calibration.recovery import RECOVERY_BUDGET, recover

TRUTH = {"militia.w_campaign": 4.84, "militia.w_campaign_war": 2.75,
         "militia.w_political_crisis": 3.23}
"""The calibrated point (calibration/point_estimate.json, rounded): recovery where the fit
says the parameters are."""


@pytest.fixture(scope="module")
def fit_obs():
    from sim.record.load import load_record

    return observations(load_record())


@pytest.mark.slow
def test_parameter_recovery_over_records(baseline, fit_obs):
    res = recover(baseline, TRUTH, fit_obs, (3, 4, 5, 6), RECOVERY_BUDGET)
    assert res.rows.reached_posterior.all()
    assert len(res.rows) == 4 * len(CALIBRATED)
    summ = res.summary().set_index("parameter")
    for p in CALIBRATED:
        row = summ.loc[p.key]
        assert row.covered_90 >= 3, (p.key, row.covered_90)
        assert abs(row.bias_share) <= 0.10, (p.key, row.bias_share)
        assert row.mean_sd_ratio < 0.8, (p.key, row.mean_sd_ratio)
    assert res.pooled()["covered"] >= 10, res.pooled()


def test_recovery_same_figures_for_any_worker_count(baseline, fit_obs):
    tiny = Budget(particles=16, reps=4, moves=1, final_moves=1, max_stages=2, seconds=60.0,
                  report_reps=0)
    obs = fit_obs[:12]
    one = recover(baseline, TRUTH, obs, (3, 4), tiny, workers=1)
    two = recover(baseline, TRUTH, obs, (3, 4), tiny, workers=2)
    assert one.rows.drop(columns="seconds").equals(two.rows.drop(columns="seconds"))
    assert list(one.rows.record_seed) == [3] * len(CALIBRATED) + [4] * len(CALIBRATED)
    s = one.summary()
    assert set(s.parameter) == {p.key for p in CALIBRATED}
    # the summary is the rows' own figures
    g = one.rows[one.rows.parameter == CALIBRATED[0].key]
    row = s.set_index("parameter").loc[CALIBRATED[0].key]
    assert row.bias_share == pytest.approx(g.error_share.mean())
    assert row.covered_90 == g.covered.sum()
    with pytest.raises(ValueError, match="no truth"):
        recover(baseline, {}, obs, (3,), tiny)


def test_synthetic_lower_bounds_keep_the_records_slack(baseline, fit_obs):
    """A synthetic lower bound is the realised count scaled by how far the record's own bound
    lies below the model's mean: the half-years of event rows stay slack, the surge's "at
    least" tallies stay about as tight as the record's."""
    syn = synthetic_observations(baseline, TRUTH, fit_obs, seed=3)
    sim = Simulator(baseline, fit_obs, CALIBRATED)
    theta = np.array([[TRUTH[k] for k in sim.keys]])
    v = np.round(sim.counts(theta, np.array([10_000]), 3)[0, 0])
    m = sim.counts(theta, SLACK_REPLICATES, 3)[0].mean(axis=0)
    lows = [i for i, o in enumerate(fit_obs) if o.bound == "lower"]
    assert len(lows) > 20
    slack = tight = 0
    for i in lows:
        o, s = fit_obs[i], syn[i]
        assert s.bound == "lower" and s.low <= v[i]
        r = min(1.0, o.low / m[i]) if m[i] > 0 else 1.0
        assert s.low == np.floor(v[i] * r)
        if o.low < 0.5 * m[i] and v[i] >= 4:
            assert s.low < v[i]
            slack += 1
        if o.low >= m[i]:
            assert s.low == v[i]
            tight += 1
    assert slack >= 3 and tight >= 3
    for i, (o, s) in enumerate(zip(fit_obs, syn, strict=True)):
        if o.bound == "exact":
            assert s.low == s.high == v[i]
        if o.bound == "upper":
            assert s.low == 0.0 and s.high >= v[i]  # at most ceil(v r) with r >= 1
