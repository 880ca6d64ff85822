"""The version 2 mechanisms and their laws: the campaign regime, self-excitation with memory,
deterrence with a threshold and provocation, Iraqi bargaining, targets that follow the
campaign, and the state at a branch."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engines.batch import BatchEngine
from sim.model import day as cycle
from sim.model import iran, iraq, militia, us
from sim.model.measures import DAILY, M
from sim.model.timeline import DayDrivers
from sim.model.types import Campaign, Tier
from sim.scenario import build_params

logits = st.floats(-12, 12, allow_nan=False)


# ----------------------------------------------------------------------------- the campaign

@settings(max_examples=200, deadline=None)
@given(b=logits, extra=st.floats(0, 10), on=st.floats(-12, 0), off=st.floats(-12, 0))
def test_campaign_starts_more_and_stops_less_as_motive_outweighs_restraint(b, extra, on, off):
    p_on, p_off = iran.campaign_hazards(np.array([b, b + extra]), on, off)
    assert p_on[1] >= p_on[0] and p_off[1] <= p_off[0]


def test_campaign_transitions():
    camp = np.array([Campaign.OFF, Campaign.OFF, Campaign.ON_US, Campaign.ON_US,
                     Campaign.ON_ISRAEL, Campaign.ON_ISRAEL])
    u = np.array([0.05, 0.5, 0.05, 0.5, 0.05, 0.15])
    p = np.full(6, 0.1)
    # off starts a US campaign; on US forces it stops (on Israel in a war); on Israel it
    # turns on US forces, else ends when no war is on
    war = iran.next_campaign(camp, u, p, p, p, p, war=1.0)
    assert war.tolist() == [Campaign.ON_US, Campaign.OFF, Campaign.ON_ISRAEL, Campaign.ON_US,
                            Campaign.ON_US, Campaign.OFF]
    peace = iran.next_campaign(camp, u, p, p, np.zeros(6), p, war=0.0)
    assert peace[2] == Campaign.OFF


def test_all_aligned_groups_follow_the_campaign_together():
    static = np.array([[-6.0, -6.0, -6.0]])
    alignment = np.array([[0.9, 0.5, 0.0]])
    off = militia.base_rate(static, alignment, np.zeros((1, 1)), 3.0, 2.0, 0.0, 1.0, 0.0)
    on = militia.base_rate(static, alignment, np.ones((1, 1)), 3.0, 2.0, 0.0, 1.0, 0.0)
    war = militia.base_rate(static, alignment, np.ones((1, 1)), 3.0, 2.0, 1.0, 1.0, 0.0)
    ratio = on / off
    assert ratio[0, 0] > ratio[0, 1] > ratio[0, 2] == 1.0  # by alignment, together
    assert (war[0, :2] > on[0, :2]).all()  # and far more in a war


def test_an_iraqi_political_crisis_raises_every_group_s_rate_by_its_weight():
    static = np.array([[-6.0, -5.0]])
    alignment = np.array([[0.9, 0.0]])
    calm = militia.base_rate(static, alignment, np.zeros((1, 1)), 3.0, 2.0, 0.0, 1.5, 0.0)
    crisis = militia.base_rate(static, alignment, np.zeros((1, 1)), 3.0, 2.0, 0.0, 1.5, 1.0)
    np.testing.assert_allclose(crisis / calm, np.exp(1.5))  # aligned or not, campaign or not
    on = militia.base_rate(static, alignment, np.ones((1, 1)), 3.0, 2.0, 0.0, 1.5, 1.0)
    np.testing.assert_allclose(on / crisis, np.exp([[0.9 * 3.0, 0.0]]))


def test_the_crisis_driver_raises_attacks_only_while_it_is_on(baseline):
    """Free runs on the same draws, the crisis weight 0 against 2: more than twice the attacks
    during the crisis (Oct 2021 - Oct 2022), none of the difference before it."""
    n = 60
    start, end = dt.date(2021, 10, 10), dt.date(2022, 10, 27)
    sc = dataclasses.replace(baseline, end=dt.date(2022, 12, 31))
    assert sc.setup().timeline.driver((start - sc.start).days, "iraq_political_crisis") == 1.0
    assert sc.setup().timeline.driver((end - sc.start).days + 1, "iraq_political_crisis") == 0
    eng = BatchEngine(sc.setup())
    runs = [eng.run(4, np.arange(n), build_params(sc, n, posterior=False,
                                                  overrides={"militia.w_political_crisis": w}),
                    record_daily=True).daily[:, :, DAILY.index("attacks")] for w in (0.0, 2.0)]
    a, b = (start - sc.start).days, (end - sc.start).days + 1
    np.testing.assert_array_equal(runs[0][:, :a], runs[1][:, :a])
    # exp(2) = 7.4 times the base rate; campaigns, stock and fear take some of it back
    assert runs[1][:, a:b].sum() > 2 * max(runs[0][:, a:b].sum(), 1)


def test_the_gaza_war_switches_the_campaign_on_and_a_long_surge_switches_it_off(baseline):
    """Free runs: the campaign on US forces is on in most replicates by mid-November 2023 and
    off again (on Israel) in most by April 2024, with no scripted date in the model."""
    n = 120
    sc = baseline
    res = BatchEngine(sc.setup()).run(3, np.arange(n), build_params(sc, n, posterior=False),
                                      record_daily=True)
    camp = res.traces["campaign"]
    nov = (dt.date(2023, 11, 15) - sc.start).days
    apr = (dt.date(2024, 4, 1) - sc.start).days
    sep = (dt.date(2023, 9, 1) - sc.start).days
    assert (camp[:, nov] == Campaign.ON_US).mean() > 0.8
    assert (camp[:, sep] == Campaign.ON_US).mean() < 0.3
    assert (camp[:, apr] == Campaign.ON_US).mean() < 0.5
    assert (camp[:, apr] == Campaign.ON_ISRAEL).mean() > 0.4


@settings(max_examples=200, deadline=None)
@given(d1=st.integers(1, 400), d2=st.integers(1, 400), onset=st.floats(0, 120))
def test_the_wars_weight_builds_up_over_its_onset_and_never_falls(d1, d2, onset):
    lo, hi = sorted((d1, d2))
    a, b = iran.war_onset(lo, np.array(onset)), iran.war_onset(hi, np.array(onset))
    assert 0.0 < a <= b <= 1.0
    assert b == 1.0 if hi >= onset else b == pytest.approx(hi / onset)


def test_the_gaza_war_is_counted_from_its_first_day_even_before_the_calendar(baseline):
    """The timeline numbers the days of the Gaza war from 7 Oct 2023 (1 on that day), across
    adjacent entries, and a calendar that starts inside the war keeps the war's own count."""
    tl = baseline.timeline()
    oct7 = (dt.date(2023, 10, 7) - baseline.start).days
    assert tl.gaza_days[oct7 - 1] == 0 and tl.gaza_days[oct7] == 1
    assert tl.gaza_days[oct7 + 30] == 31  # the November truce does not restart the count
    late = dataclasses.replace(baseline, start=dt.date(2024, 1, 1)).timeline()
    assert late.gaza_days[0] == (dt.date(2024, 1, 1) - dt.date(2023, 10, 7)).days + 1


def test_a_slow_onset_delays_the_campaign_after_the_war_begins(baseline):
    """With the war's weight built up over 20 days, Iran's campaign on US forces starts later
    after 7 Oct 2023 than with the weight at full from the first day (same draws)."""
    n = 200
    oct7 = (dt.date(2023, 10, 7) - baseline.start).days
    on_by = {}
    for onset in (0.0, 20.0):
        sc = baseline.with_overrides({"iran.gaza_onset_days": onset})
        res = BatchEngine(sc.setup()).run(5, np.arange(n), build_params(sc, n, posterior=False),
                                          record_daily=True)
        on_by[onset] = (res.traces["campaign"][:, oct7 + 7] == Campaign.ON_US).mean()
    assert on_by[0.0] > 0.3
    assert on_by[20.0] < 0.6 * on_by[0.0]


# ----------------------------------------------------------------------------- self-excitation

def _hawkes_only(baseline):
    """The baseline with the drivers, deterrence, the campaign, provocation, stock limits and
    Iraqi restraint all switched off: only the static rates and the Hawkes term are left."""
    sc = dataclasses.replace(baseline, drivers=[], shocks=[])
    return sc.with_overrides({
        "iran.campaign_on_base": -15.0, "iran.israel_campaign_on": -15.0,
        "militia.w_fear": 0.0, "militia.w_containment": 0.0, "militia.w_halt": 0.0,
        "militia.w_grievance": 0.0, "militia.suspend_logit_base": -20.0,
        "militia.capability_half": 0.1, "militia.attack_cost": 0.01,
        "militia.initial_capability_scale": 10.0, "militia.capability_cap": 5000.0,
        "militia.max_daily_attacks": 50, "militia.attack_log_rate_base": -3.5,
        "us.trigger": "never", "israel.strike_log_rate_base": -12.0,
        "militia.hawkes_self": 0.3, "militia.hawkes_cross": 0.05,
        "militia.hawkes_memory_days": 14.0})


def test_hawkes_mean_rate_is_mu_over_one_minus_the_branching_matrix(baseline):
    sc = _hawkes_only(baseline)
    n = 200
    params = build_params(sc, n, posterior=False)
    res = BatchEngine(sc.setup()).run(11, np.arange(n), params, record_daily=True)
    burn = 200
    daily = (res.daily[:, burn:, M["attacks"]] + res.daily[:, burn:, M["attacks_israel"]])
    mu = np.exp(militia.static_log_rate(params["militia.attack_log_rate_base"][0],
                                        params.traits["rate_offset"][0],
                                        params["militia.w_boldness"][0],
                                        params.traits["boldness"][0]))
    g = len(mu)
    a_s, a_c = 0.3, 0.05
    branching = a_s * np.eye(g) + a_c * (np.ones((g, g)) - np.eye(g))
    expected = np.linalg.solve(np.eye(g) - branching, mu).sum()
    per_rep = daily.mean(axis=1)
    se = per_rep.std(ddof=1) / np.sqrt(n)
    assert abs(per_rep.mean() - expected) < 3 * se + 0.01 * expected, (per_rep.mean(), expected)
    assert militia.branching_ratio(a_s, a_c, g) < 1
    # over-dispersed: bursts, not a Poisson process; over windows much longer than the
    # memory the variance/mean ratio approaches 1 / (1 - n)**2 = 2.8 (n = 0.4)
    weekly = daily[:, :7 * (daily.shape[1] // 7)].reshape(n, -1, 7).sum(axis=2)
    assert weekly.var() / weekly.mean() > 1.1
    quarters = daily[:, :91 * (daily.shape[1] // 91)].reshape(n, -1, 91).sum(axis=2)
    assert quarters.var() / quarters.mean() > 2.0
    # and without excitation the same rates are (nearly) Poisson, at mu
    flat = sc.with_overrides({"militia.hawkes_self": 0.0, "militia.hawkes_cross": 0.0})
    res0 = BatchEngine(flat.setup()).run(11, np.arange(n), build_params(flat, n, posterior=False),
                                         record_daily=True)
    d0 = res0.daily[:, burn:, M["attacks"]] + res0.daily[:, burn:, M["attacks_israel"]]
    assert abs(d0.mean() - mu.sum()) < 0.03 * mu.sum()
    w0 = d0[:, :7 * (d0.shape[1] // 7)].reshape(n, -1, 7).sum(axis=2)
    assert w0.var() / w0.mean() < 1.1


@settings(max_examples=100, deadline=None)
@given(x=st.floats(0, 50), extra=st.floats(0, 50), a=st.floats(0, 0.9), c=st.floats(0, 0.2))
def test_excitation_is_linear_and_does_not_saturate(x, extra, a, c):
    d = np.exp(-1 / 21)
    e1 = militia.excitation(np.array([x]), np.array([x]), a, c, d)
    e2 = militia.excitation(np.array([x + extra]), np.array([x + extra]), a, c, d)
    assert e2[0] >= e1[0]
    assert e2[0] == pytest.approx(e1[0] + (1 - d) * a * extra, abs=1e-9)


# ----------------------------------------------------------------------------- deterrence

@settings(max_examples=100, deadline=None)
@given(p=st.floats(0, 40), extra=st.floats(0, 40), u=st.floats(0, 0.999999))
def test_strikes_never_shrink_as_resolve_grows(p, extra, u):
    yes = np.array([True])
    lo = us.strike_targets(np.array([p]), 0.3, 0.2, yes, 0.0, np.array([u]))
    hi = us.strike_targets(np.array([p + extra]), 0.3, 0.2, yes, 0.0, np.array([u]))
    assert 1 <= lo[0] <= hi[0]
    # an answer to attacks that killed nobody, drawing on half the resolve: the same order
    no = np.array([False])
    lo_half = us.strike_targets(np.array([p]), 0.3, 0.2, no, 0.5, np.array([u]))
    hi_half = us.strike_targets(np.array([p + extra]), 0.3, 0.2, no, 0.5, np.array([u]))
    assert 1 <= lo_half[0] <= hi_half[0] <= hi[0]


def test_answers_to_deaths_grow_with_resolve_on_the_same_draw():
    """Not only never smaller: at the median draw, more resolve means strictly more targets
    for an answer to deaths (mean 1 + exp(0.3 + 0.2 r): about 2, 11 and 75 at r = 0, 10,
    20)."""
    t = us.strike_targets(np.array([0.0, 10.0, 20.0]), 0.3, 0.2, np.full(3, True), 0.0,
                          np.full(3, 0.5))
    assert t[0] >= 1 and t[0] < t[1] < t[2]
    assert 60 <= t[2] <= 90


def test_other_answers_draw_on_their_share_of_the_resolve():
    """At a share of 0 an answer to attacks that killed nobody has the base size (mean 1 +
    exp(0.3), about 2.3) at any resolve, where the same draw answering deaths at resolve 20
    hits dozens; at a share of 1 both answers are the same size; a share in between gives a
    size in between."""
    r = np.array([0.0, 10.0, 20.0])
    u = np.full(3, 0.5)
    no, yes = np.full(3, False), np.full(3, True)
    other = us.strike_targets(r, 0.3, 0.2, no, 0.0, u)
    deaths = us.strike_targets(r, 0.3, 0.2, yes, 0.0, u)
    assert (other == other[0]).all() and 1 <= other[0] <= 4
    assert deaths[2] > 10 * other[2]
    assert (us.strike_targets(r, 0.3, 0.2, no, 1.0, u) == deaths).all()
    half = us.strike_targets(r, 0.3, 0.2, no, 0.5, u)
    assert other[2] < half[2] < deaths[2]


def test_a_strike_answers_the_deaths_since_the_last_strike(baseline):
    """The US counts Americans killed since its last strike: an attack day that kills adds
    to the count, the next strike answers them (and sizes itself by the resolve), and the
    count starts again from zero."""
    st_ = _state(baseline, n=3)
    st_.counts[M["attacks"]] = [2, 2, 0]
    st_.killed[:] = [0, 3, 0]
    us.decide(st_)
    assert st_.us.killed_unanswered.tolist() == [0, 3, 0]
    st_.us.due[:] = st_.day
    st_.us.due_tier[:] = 1
    us.strike(st_)
    assert st_.us.killed_unanswered.tolist() == [0, 0, 0]


def _state(baseline, n=4):
    sc = baseline
    st_ = cycle.new_state(sc.setup(), build_params(sc, n, posterior=False), 1, np.arange(n))
    st_.drv = DayDrivers(sc.timeline().drivers[0])
    return st_


def test_big_strikes_deter_and_small_ones_provoke(baseline):
    s = _state(baseline, 2)
    rows, target = np.array([0, 1]), np.array([0, 0])
    tier = np.array([Tier.FACILITIES, Tier.FACILITIES])
    big = np.array([True, False])
    militia.struck_by_us(s, rows, target, tier, np.array([6, 6]), np.array([0.1, 0.1]), big)
    fear, griev = s.militia.fear, s.militia.grievance
    assert fear[0, 0] > 5 * fear[1, 0] > 0  # the big strike deters, the small one barely
    assert griev[0, 0] == griev[1, 0] > 0  # both provoke through the fighters they kill
    iran.struck_ally(s, rows, big, np.array([False, False]), np.array([0.9, 0.9]))
    assert s.iran.risk[0] > 0 == s.iran.risk[1]  # only the big one tells Iran to beware
    # provocation raises the struck group's rate
    mods = np.ones((2, 1))
    r = militia.attack_rate(mods, np.full((2, 1), 0.1), np.zeros((2, 1)), 0.05,
                            griev[:, :1])
    assert (r > 0.1).all()


def test_killing_an_allys_leaders_can_bring_iranian_direct_fire(baseline):
    n = 400
    s = _state(baseline, n)
    rows = np.arange(n)
    iran.struck_ally(s, rows, np.zeros(n, bool), np.ones(n, bool), np.full(n, 0.9))
    share = (s.iran.direct_due >= 0).mean()
    expected = float(s.p["iran.direct_attack_prob_ally"][0]) * 0.9
    assert abs(share - expected) < 0.08
    assert (s.iran.grievance > 0).all() and (s.iran.risk > 0).all()


# ----------------------------------------------------------------------------- Iraqi bargaining

@settings(max_examples=100, deadline=None)
@given(b=st.floats(0, 5), extra=st.floats(0, 5))
def test_bargaining_raises_restraint_and_suspension(b, extra):
    r0 = iran.restraint(1.0, 1.0, np.array([b]), 3.0, 0.0)
    r1 = iran.restraint(1.0, 1.0, np.array([b + extra]), 3.0, 0.0)
    assert r1[0] >= r0[0]
    s0 = militia.suspension_probability(-9, 0.9, 0.0, 4, 0.1, 1.0, np.array([b]), 3, 0.9, 1.0)
    s1 = militia.suspension_probability(-9, 0.9, 0.0, 4, 0.1, 1.0, np.array([b + extra]), 3,
                                        0.9, 1.0)
    assert s1[0] >= s0[0]


def test_withdrawal_talks_raise_bargaining():
    b0 = iraq.bargaining(1.0, 0.0, 0.1, np.array([1.0]), 0.02, np.array([5.0]))
    b1 = iraq.bargaining(1.0, 1.0, 0.1, np.array([1.0]), 0.02, np.array([5.0]))
    assert b1[0] == pytest.approx(b0[0] + 1.0)


# ----------------------------------------------------------------------------- targets

def test_a_campaign_on_israel_sends_the_attacks_to_israel(baseline):
    mask = np.array([[1.0, 1.0]])
    peace = militia.israel_rate(mask, -5.0, np.array([[0.9, 0.9]]), np.zeros((1, 1)), 3.0, 0.0)
    war = militia.israel_rate(mask, -5.0, np.array([[0.9, 0.9]]), np.zeros((1, 1)), 3.0, 1.0)
    camp = militia.israel_rate(mask, -5.0, np.array([[0.9, 0.9]]), np.ones((1, 1)), 3.0, 1.0)
    assert (peace == 0).all() and (camp > 10 * war).all() and (war > 0).all()


def test_theatres_follow_the_record_iraq_in_peace_syria_in_the_war():
    mask = np.ones((1, 4))
    args = dict(presence_iraq=np.array([1.0]), troops_syria=np.array([1.0]),
                syria_base=np.array([0.15]), syria_shift=np.array([0.5]),
                sovereignty=np.array([0.0]), syria_war=np.array([1.2]),
                grievance=np.array([0.0]), embassy_pull=np.array([0.15]),
                jordan_pull=np.array([0.02]))
    peace = militia.theatre_weights(mask, war=0.0, **args)[0]
    war = militia.theatre_weights(mask, war=1.0, **args)[0]
    assert peace[0] / peace.sum() > 0.8  # Iraq in 2019-21
    assert war[1] > war[0]  # Syria more than Iraq in 2023-24


# ----------------------------------------------------------------------------- the branch

@pytest.mark.parametrize("branch, lo, hi", [
    # after months without attacks (the 2024 pause): the first free month stays quiet, as the
    # quiet months of the record (0-2 attacks a month in the pause and in 2022-23)
    (dt.date(2024, 3, 31), 0, 3),
    # in the middle of the surge: the first free month keeps the surge's tempo (28-65 a month)
    (dt.date(2024, 1, 5), 25, 70),
])
def test_a_branch_starts_from_the_state_the_record_implies(baseline, branch, lo, hi):
    sc = baseline.with_replay(branch)
    n = 120
    res = BatchEngine(sc.setup()).run(2, np.arange(n), build_params(sc, n, posterior=False),
                                      record_daily=True)
    b = (branch - sc.start).days
    first_month = res.daily[:, b + 1:b + 31, M["attacks"]].sum(axis=1)
    assert lo <= np.median(first_month) <= hi, np.quantile(first_month, [0.1, 0.5, 0.9])
    # the campaign at the branch is the record's
    camp = res.traces["campaign"][:, b]
    want = Campaign.ON_US if hi > 10 else Campaign.ON_ISRAEL
    assert (camp == want).all()


# ----------------------------------------------------------------------------- a Gaza truce

@settings(max_examples=100, deadline=None)
@given(obs=st.floats(0, 1), al=st.floats(0, 1), truce=st.floats(0, 1), more=st.floats(0, 1))
def test_the_truce_factor_is_a_share_that_falls_with_the_truce_and_alignment(obs, al, truce,
                                                                             more):
    f = float(militia.truce_factor(np.array(obs), np.array(al), truce))
    assert 0.0 <= f <= 1.0
    assert float(militia.truce_factor(np.array(obs), np.array(al), 0.0)) == 1.0
    assert float(militia.truce_factor(np.array(obs), np.array(al), min(truce + more, 1.0))) <= f
    assert float(militia.truce_factor(np.array(obs), np.array(min(al + more, 1.0)), truce)) <= f
    assert f == pytest.approx(1.0 - obs * al * truce)


def test_aligned_groups_hold_their_fire_through_a_gaza_truce(baseline):
    """The November 2023 truce (24-30 Nov in the baseline's timeline): with the campaign on
    US forces held on, the truce week's attacks fall to a small share of what the same draws
    give when the groups ignore the truce; the week before is unchanged."""
    sc = dataclasses.replace(baseline, start=dt.date(2023, 10, 1), end=dt.date(2023, 12, 10))
    on = {"iran.campaign_on_base": 5.0, "iran.campaign_off_base": -15.0}
    n = 100
    week = {}
    for observance in (1.0, 0.0):
        s = sc.with_overrides({**on, "militia.truce_observance": observance})
        res = BatchEngine(s.setup()).run(5, np.arange(n), build_params(s, n, posterior=False),
                                         record_daily=True)
        a = res.daily[:, :, M["attacks"]]
        t0 = (dt.date(2023, 11, 24) - sc.start).days
        week[observance] = (a[:, t0:t0 + 7].sum(), a[:, t0 - 7:t0].sum())
    held, ignored = week[1.0], week[0.0]
    assert held[1] == ignored[1] > 0  # the same draws before the truce
    assert held[0] < 0.3 * ignored[0], (held, ignored)


# ----------------------------------------------------------------------------- answering deaths

def test_the_us_answers_american_deaths_within_two_days(baseline):
    """An attack day that killed Americans is answered (by the deaths doctrine) one or two
    days later, as the fit period's three were (2, 1 and 1 days); an answer to an attack day
    without deaths may take up to lag_max_days (5)."""
    n = 400
    s = _state(baseline, n)
    s.day = 10
    s.counts[M["attacks"]] = 1
    s.killed[:] = np.where(np.arange(n) < n // 2, 1, 0)
    s.us.pressure[:] = 50.0  # high enough that days without deaths are answered too
    us.decide(s)
    lag = s.us.due - s.day
    deaths, other = lag[: n // 2], lag[n // 2:]
    answered = deaths[deaths > 0]
    assert answered.size > 0.8 * deaths.size  # the doctrine answers deaths (p = 0.92)
    assert answered.min() >= 1 and answered.max() <= 2
    assert set(answered.tolist()) == {1, 2}
    late = other[(other > 0) & (other < 10**6)]
    assert late.size > 50 and late.max() > 2 and late.max() <= 5
