"""The laws of the decision rules, checked on the rules and on whole runs."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.api import mesa_model
from sim.engines.batch import BatchEngine
from sim.model import militia, us
from sim.model import random as rnd
from sim.model.ladder import SUSTAINED_WINDOW_DAYS
from sim.model.measures import M
from sim.model.types import Tier
from sim.scenario import build_params

finite = st.floats(min_value=0.0, max_value=20.0, allow_nan=False)


def _rate(fear, containment=0.1, capability=30.0, suspended=False, leaderless=False,
          halt=0.0):
    static = militia.static_log_rate(-5.0, 0.2, 1.0, 0.5)
    avail = militia.availability(suspended, leaderless, 0.5)
    mods = militia.modifiers(avail, capability, 15.0, 1.1, fear, 2.0, containment, 4.0, 0.9,
                             halt)
    base = militia.base_rate(static, 0.9, 1.0, 3.0, 2.0, 1.0, 1.0, 0.0)
    return militia.attack_rate(mods, base, 0.2, 0.02, 1.5)


@settings(max_examples=200, deadline=None)
@given(fear_lo=finite, extra=finite, u=st.floats(min_value=0.0, max_value=0.999999))
def test_more_fear_never_means_more_attacks_on_the_same_draws(fear_lo, extra, u):
    lo = rnd.poisson(np.array([_rate(fear_lo)]), np.array([u]))
    hi = rnd.poisson(np.array([_rate(fear_lo + extra)]), np.array([u]))
    assert hi[0] <= lo[0]


@settings(max_examples=200, deadline=None)
@given(c_lo=st.floats(0, 1), extra=st.floats(0, 1), u=st.floats(0, 0.999999))
def test_more_containment_never_means_more_attacks(c_lo, extra, u):
    lo = rnd.poisson(np.array([_rate(0.5, c_lo)]), np.array([u]))
    hi = rnd.poisson(np.array([_rate(0.5, c_lo + extra)]), np.array([u]))
    assert hi[0] <= lo[0]


@settings(max_examples=200, deadline=None)
@given(capability=st.floats(0, 500), count=st.integers(0, 1000), cost=st.floats(0.01, 50),
       cap=st.integers(1, 50))
def test_capability_never_negative_after_attacks(capability, count, cost, cap):
    n = militia.attacks_within_stock(np.array([count]), np.array([capability]), np.array([cost]),
                               np.array([cap]))
    left = militia.spend(np.array([capability]), n, np.array([cost]))
    assert 0 <= n[0] <= min(count, cap)
    assert left[0] >= 0.0


def test_suspended_group_has_zero_rate_and_leaderless_group_a_lower_one():
    assert _rate(0.0, suspended=True) == 0.0
    assert _rate(0.0, suspended=True, leaderless=True) == 0.0
    assert 0.0 < _rate(0.0, leaderless=True) < _rate(0.0)


@settings(max_examples=100, deadline=None)
@given(h_lo=st.floats(0, 1), extra=st.floats(0, 1), u=st.floats(0, 0.999999))
def test_a_halt_order_never_means_more_attacks(h_lo, extra, u):
    lo = rnd.poisson(np.array([_rate(0.5, halt=h_lo)]), np.array([u]))
    hi = rnd.poisson(np.array([_rate(0.5, halt=h_lo + extra)]), np.array([u]))
    assert hi[0] <= lo[0]


@settings(max_examples=100, deadline=None)
@given(c_lo=st.floats(0, 200), extra=st.floats(0, 200))
def test_more_stock_never_means_fewer_attacks(c_lo, extra):
    assert _rate(0.3, capability=c_lo + extra) >= _rate(0.3, capability=c_lo)


def test_response_tier_respects_policy_ceiling_and_pressure():
    p = np.array([0.0, 12.0, 25.0, 25.0])
    direct = np.array([False, False, False, True])
    t = us.response_tier(p, Tier.FACILITIES, Tier.IRAN_TERRITORY, 11.0, 20.0, direct)
    assert t.tolist() == [Tier.FACILITIES, Tier.LEADERS, Tier.IRANIAN_PERSONNEL,
                          Tier.IRAN_TERRITORY]
    capped = us.response_tier(p, Tier.FACILITIES, Tier.FACILITIES, 11.0, 20.0, direct)
    assert (capped == Tier.FACILITIES).all()


def test_capability_never_negative_over_a_run(baseline):
    n = 200
    res = BatchEngine(baseline.setup()).run(5, np.arange(n), build_params(baseline, n, posterior=False),
                                    record_daily=True)
    assert res.traces["militia_capability"].min() >= 0.0
    assert res.daily[:, :, M["attacks"]].sum() > 0


def test_us_death_schedules_a_response_within_the_lag_window(baseline):
    n = 300
    params = build_params(baseline, n, posterior=False, overrides={"us.respond_prob_trigger": 1.0})
    lag_max = int(baseline.params["us"]["lag_max_days"])
    res = BatchEngine(baseline.setup()).run(11, np.arange(n), params, record_daily=True)
    killed = res.daily[:, :, M["us_killed"]]
    strikes = res.daily[:, :, M["us_strikes"]]
    reps, days = np.nonzero(killed)
    assert len(days) > 50, "the test needs deadly days to check"
    for r, d in zip(reps, days, strict=True):
        if d + lag_max < baseline.days:
            assert strikes[r, d:d + lag_max + 1].sum() >= 1, (r, d)


def test_under_never_doctrine_the_us_never_strikes(baseline):
    sc = baseline.with_overrides({"us.trigger": "never"})
    n = 200
    res = BatchEngine(sc.setup()).run(2, np.arange(n), build_params(sc, n, posterior=False))
    assert res.weekly[:, :, M["us_strikes"]].sum() == 0


def test_suspended_group_does_not_attack(baseline):
    sc = baseline.with_overrides({"militia.suspend_logit_base": -4.0,
                                  "militia.suspension_days_mean": 40.0})
    m = mesa_model(sc, seed=4, replicate=0, posterior=False)
    suspended_days = attacks = 0
    for _ in range(sc.days):
        was_suspended = [x.suspended for x in m.militias]
        m.step()
        for x, s in zip(m.militias, was_suspended, strict=True):
            if s:
                suspended_days += 1
                assert x.attacks_today == 0
            attacks += x.attacks_today
    assert suspended_days > 100 and attacks > 10


def _check_ladder(daily):
    lvl = daily[:, :, M["rung"]]
    att, wnd, kil = (daily[:, :, M[k]] for k in ("attacks", "us_wounded", "us_killed"))
    strikes = daily[:, :, M["us_strikes"]]
    decap = daily[:, :, M["us_strikes_leaders"]] + daily[:, :, M["us_strikes_iranian_personnel"]]
    direct = daily[:, :, M["iran_direct_attacks_us"]] + daily[:, :, M["us_strikes_iran_territory"]]
    assert (att[lvl == 1] > 0).all()
    assert (wnd[lvl == 2] > 0).all()
    assert (kil[lvl == 3] > 0).all()
    assert (strikes[lvl == 4] > 0).all()
    assert (decap[lvl == 5] > 0).all()
    assert (direct[lvl == 6] > 0).all()
    # rung 7: a third direct-fire day within the 30-day window
    fire = (direct > 0).astype(int)
    window = np.cumsum(fire, axis=1)
    window[:, SUSTAINED_WINDOW_DAYS:] -= window[:, :-SUSTAINED_WINDOW_DAYS].copy()
    assert (window[lvl == 7] >= 3).all()
    # and the reported rung is the highest whose event happened
    assert (lvl[kil > 0] >= 3).all() and (lvl[direct > 0] >= 6).all()
    return lvl


def test_ladder_never_reports_a_rung_whose_event_did_not_happen(baseline):
    sc = baseline.with_overrides({"us.iranian_personnel_pressure": 4.0,
                                  "us.leaders_pressure": 2.0, "iran.direct_lethal_prob": 0.8})
    n = 300
    res = BatchEngine(sc.setup()).run(9, np.arange(n), build_params(sc, n, posterior=False), record_daily=True)
    lvl = _check_ladder(res.daily)
    assert set(np.unique(lvl)) >= {0, 1, 2, 3, 4, 5, 6, 7}, "every rung exercised"
    res0 = BatchEngine(baseline.setup()).run(9, np.arange(100), build_params(baseline, 100, posterior=False),
                                     record_daily=True)
    _check_ladder(res0.daily)
