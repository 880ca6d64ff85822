"""The United States: domestic pressure, posture, the casualties of attacks on
its forces, and scheduled responses.

State: ``pressure`` (domestic pressure to respond, from casualties and attack tempo;
decays; a strike relieves it), ``resolve`` (the US's accumulated resolve to answer big: the
toll of a campaign, decaying slowly; the size of its strikes grows with it and a strike above
the deterrence threshold spends it), ``killed_unanswered`` (Americans killed since the last
strike: an answer to them draws on all the resolve), a scheduled response (``due``,
``due_tier``),
``presence_iraq`` and the drawdown bookkeeping.  Policy levers (per replicate): the
trigger, the ordinary and highest tiers, the lag, force protection and troop levels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import iran, iraq, militia
from . import random as rnd
from .maths import lag_days
from .measures import TIER_MEASURES, M
from .param import P, Param
from .types import NEVER, TIERS, TRIGGERS, StrikeCountry, Theatre, Tier, Trigger

if TYPE_CHECKING:
    from .state import State

_NONE, _FACILITIES, _LEADERS, _IRANIAN, _TERRITORY = (int(t) for t in Tier)
_DEATHS, _CASUALTIES, _STREAK, _NEVER = (int(t) for t in Trigger)
_S_IRAQ, _S_SYRIA, _S_IRAN = (int(c) for c in StrikeCountry)
_ISRAEL_THEATRE = int(Theatre.ISRAEL)
_US_PURPOSES = [rnd.Purpose.US_RESPOND, rnd.Purpose.US_LAG]
_STRIKE_PURPOSES = [rnd.Purpose.US_TARGETS, rnd.Purpose.US_FIGHTERS]

PARAMETERS: dict[str, Param] = {
    "trigger": P("deaths", unit="policy", doc="what the US answers: deaths (documented), "
                 "casualties, streak (every attack streak), never",
                 choices=TRIGGERS, kind="enum"),
    "first_tier": P("facilities", unit="policy", doc="tier of an ordinary response",
                    choices=TIERS[1:4], kind="enum"),
    "max_tier": P("iranian_personnel", unit="policy", doc="highest tier the US will use",
                  choices=TIERS, kind="enum"),
    "respond_prob_trigger": P(0.92, 0, 1, "probability", "chance the US answers a day that "
                              "meets its trigger"),
    "respond_logit_base": P(-5.1, -20, 5, "logit", "daily log-odds the US answers an attack "
                            "day that does not meet its trigger, at zero pressure"),
    "respond_w_pressure": P(1.82, 0, 10, "logit per pressure unit", "how domestic pressure "
                            "(the tempo and toll of attacks) raises that log-odds: the US "
                            "answers rarely in quiet years and often in a war"),
    "lag_min_days": P(1, 0, 30, "days", "shortest delay from decision to strike", kind="int"),
    "lag_max_days": P(5, 0, 60, "days", "longest delay from decision to strike", kind="int"),
    "lag_deaths_max_days": P(2, 0, 60, "days", "longest delay when the US answers an attack "
                             "that killed Americans (the record: 2, 1 and 1 days after the "
                             "deaths of 27 Dec 2019, 11 Mar 2020 and 23 Mar 2023)", kind="int"),
    "pressure_decay_days": P(20.0, 1, 365, "days", "e-folding time of domestic pressure"),
    "pressure_per_killed": P(4.0, 0, 50, "pressure units per American killed", ""),
    # the three per-wounded weights below (and iran.risk_per_wounded) were set against the
    # model's earlier wound rate (wounded_per_hit 5); when wounded_per_hit was raised to 9.3
    # they were divided by the same 1.86, so the toll weighs on decisions as before
    "pressure_per_wounded": P(0.0538, 0, 10, "pressure units per American wounded", ""),
    "pressure_per_attack": P(0.08, 0, 5, "pressure units per attack", ""),
    "pressure_per_embassy_attack": P(2.0, 0, 20, "pressure units per attack on the embassy",
                                     ""),
    "election_pressure_gain": P(0.5, 0, 5, "multiplier per driver unit", "how much more "
                                "each casualty weighs during a US election campaign"),
    "pressure_relief": P(0.6, 0, 1, "fraction", "share of pressure released by a strike"),
    "leaders_pressure": P(11.0, 0, 200, "pressure units", "pressure above which the US "
                          "strikes militia leaders"),
    "iranian_personnel_pressure": P(20.0, 0, 200, "pressure units", "pressure above which "
                                    "the US strikes Iranian personnel"),
    "syria_threshold": P(1.0, 0, 20, "sovereignty units", "Iraqi sovereignty pressure above "
                         "which US responses move to Syria"),
    "force_protection": P(0.5, 0, 0.99, "fraction", "share of attacks defeated by air "
                          "defence and hardening"),
    "troops_iraq": P(1.0, 0, 1, "fraction of 2019 level", "US presence in Iraq"),
    "troops_syria": P(1.0, 0, 1, "fraction of 2019 level", "US presence in Syria"),
    "drawdown_date": P("", unit="date", doc="a scheduled US drawdown from Iraq (\"\" for "
                       "none)", kind="date"),
    "drawdown_presence": P(0.25, 0, 1, "fraction", "presence in Iraq left after a drawdown "
                           "forced by sustained sovereignty pressure"),
    "scheduled_presence": P(0.25, 0, 1, "fraction", "presence in Iraq left after the "
                            "scheduled drawdown on drawdown_date (never raises it)"),
    "drawdown_pressure_threshold": P(3.0, 0, 50, "sovereignty units", "sovereignty pressure "
                                     "that, sustained, forces a drawdown"),
    "drawdown_pressure_days": P(150, 1, 2000, "days", "how long it must be sustained",
                                kind="int"),
    "targets_log_base": P(0.3, -5, 5, "log targets", "log of the mean number of targets "
                          "beyond the first that a strike hits, with no resolve"),
    "targets_w_resolve": P(0.266, 0, 3, "log targets per resolve unit", "how the US's "
                           "accumulated resolve enlarges its strikes (they grew through the "
                           "2023-24 surge: two or three sites each, then 85 targets)"),
    # 1 (every answer grows with the resolve) at the defaults.  0 is the law the record's
    # strikes suggest (answers to attacks that killed nobody stayed one to three facilities
    # from October to December 2023; the largest answers followed deaths: K-1, Taji, Tower
    # 22); calibrated on 2026-12-02 it was not made the default (docs/calibration.md, Status)
    "resolve_share_without_deaths": P(1.0, 0, 1, "fraction", "how much of its accumulated "
                                      "resolve the US puts into an answer to attacks that "
                                      "killed no American (0: such answers keep the base "
                                      "size; 1: every answer grows with the resolve)"),
    "resolve_per_attack": P(0.045, 0, 5, "resolve units per attack", "each attack on US "
                            "forces adds to the US's resolve to answer big"),
    "resolve_per_wounded": P(0.0269, 0, 5, "resolve units per American wounded", ""),
    "resolve_per_killed": P(1.0, 0, 50, "resolve units per American killed", ""),
    "resolve_decay_days": P(365.0, 1, 2000, "days", "e-folding time of resolve (a big strike "
                            "spends it)"),
    "deter_threshold_targets": P(20, 1, 1000, "targets", "strikes hitting at least this many "
                                 "targets deter; smaller ones provoke", kind="int"),
    "hit_prob_rocket": P(0.08, 0, 1, "probability", "chance an undefeated rocket attack "
                         "wounds anyone"),
    "hit_prob_drone": P(0.15, 0, 1, "probability", "chance an undefeated drone attack "
                        "wounds anyone"),
    # set from the fit period: 66 or more wounded in the 102 or more attacks to 21 Dec 2023
    # (Pentagon), about 0.65 an attack, where 5 gave the model 0.35
    "wounded_per_hit": P(9.3, 0, 100, "people", "mean wounded of a wounding attack (brain "
                         "injuries included, as the Pentagon has counted them since 2020)"),
    # set from the fit period's wounding attacks (events.csv and tallies.csv): most wound 1-8
    # (K-1 4, Taji 3, Erbil 2021 1, Ain al-Asad 2021 2, Conoco 2022 3, Erbil 2023 1, Ain
    # al-Asad 20 Nov 2023 8, Erbil 25 Dec 2023 3), a few dozens once brain injuries are
    # counted (Hasakah and Conoco, 23-24 Mar 2023: 25; al-Tanf and Ain al-Asad, 17-18 Oct
    # 2023: 45): mean about 7, sd about 9, so shape = mean**2 / (var - mean) about 0.6.  Set
    # to 1 (geometric per attack): the record's largest day of 2019-2023 (32 at al-Tanf, 18 Oct
    # 2023) is then the model's median largest day (34; 41 at 0.6, 19 for a Poisson count;
    # 400 replicates at the defaults, 2026-12-02)
    "wounded_dispersion": P(1.0, 0.01, 1000, "shape per wounding attack", "how unequal "
                            "wounding attacks are (negative binomial shape: small, a few "
                            "attacks wound dozens; large, each wounds about wounded_per_hit)"),
    "lethal_prob_rocket": P(0.012, 0, 1, "probability", "chance an undefeated rocket "
                            "attack kills an American"),
    "lethal_prob_drone": P(0.006, 0, 1, "probability", "chance an undefeated drone attack "
                           "kills an American"),
    "killed_extra_mean": P(0.6, 0, 20, "people", "mean further deaths in a lethal attack"),
    "exposure_embassy": P(0.5, 0, 5, "multiplier", "exposure of embassy staff relative to "
                          "a base"),
    "exposure_jordan": P(2.5, 0, 10, "multiplier", "exposure at small outposts in Jordan"),
    "capability_cut_per_target": P(0.03, 0, 1, "fraction per target", "share of the struck "
                                   "group's stock each target hit destroys"),
    "fighters_per_target": P(1.5, 0, 100, "people per target", "mean militia fighters killed "
                             "per target hit"),
}
"""The US parameters (scenario section ``[us]``)."""

DECAYS: tuple[tuple[str, str], ...] = (("pressure", "us.pressure_decay_days"),
                                       ("resolve", "us.resolve_decay_days"))
"""State variables that decay daily, with the parameter giving their e-folding time."""
TRACES: dict[str, str] = {"us_pressure": "pressure", "us_resolve": "resolve",
                          "presence_iraq": "presence_iraq"}
"""Traced state: trace name -> attribute."""


# --- rules --------------------------------------------------------------------------------

def exposure(theatre: np.ndarray, presence_iraq: np.ndarray, troops_syria: np.ndarray,
             exposure_embassy: np.ndarray, exposure_jordan: np.ndarray) -> np.ndarray:
    """How exposed US personnel are to an attack in ``theatre`` (0 for Israel or none)."""
    zero = np.zeros_like(presence_iraq)
    table = np.stack([presence_iraq, troops_syria + zero, exposure_embassy + zero,
                      exposure_jordan + zero, zero], axis=-1)
    pick = np.where(theatre < 0, _ISRAEL_THEATRE, theatre)
    return np.take_along_axis(table, pick[..., None], axis=-1)[..., 0]


def attack_casualties(attacks: np.ndarray, is_drone: np.ndarray, expo: np.ndarray,
                      force_protection: np.ndarray, hit_rocket: np.ndarray,
                      hit_drone: np.ndarray, lethal_rocket: np.ndarray,
                      lethal_drone: np.ndarray, wounded_per_hit: np.ndarray,
                      wounded_dispersion: np.ndarray, killed_extra_mean: np.ndarray,
                      u_hits: np.ndarray, u_wounded: np.ndarray, u_lethal: np.ndarray,
                      u_extra: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """US wounded and killed (people) from a group's attacks of the day.

    Each undefeated attack (share ``1 - force_protection``, scaled by exposure) wounds with
    the weapon's hit probability and kills with its lethal probability; wounding attacks wound
    ``wounded_per_hit`` people on average, unequally: the count is negative binomial with
    shape ``wounded_dispersion`` per wounding attack (:func:`random.negative_binomial`), so most
    wound a few and some dozens; a lethal attack kills one person plus ``killed_extra_mean``
    more on average and wounds like a hit.  Low lethality is mostly chance: attacks are meant
    to deter, not to kill.

    Returns:
        (wounded, killed) as int64 arrays.
    """
    eff = attacks * (1.0 - force_protection) * expo
    hits = rnd.poisson(eff * np.where(is_drone, hit_drone, hit_rocket), u_hits)
    lethal = rnd.poisson(eff * np.where(is_drone, lethal_drone, lethal_rocket), u_lethal)
    wounding = hits + lethal
    wounded = rnd.negative_binomial(wounding * wounded_per_hit, wounding * wounded_dispersion,
                                    u_wounded)
    killed = lethal + rnd.poisson(lethal * killed_extra_mean, u_extra)
    return wounded, killed


def updated_pressure(pressure: np.ndarray, per_killed: np.ndarray, killed: np.ndarray,
                     per_wounded: np.ndarray, wounded: np.ndarray, per_attack: np.ndarray,
                     attacks: np.ndarray, per_embassy: np.ndarray, embassy_attacks: np.ndarray,
                     election_gain: np.ndarray, election: float) -> np.ndarray:
    """Domestic pressure to respond after the day's casualties and attacks (killed weigh far
    more than wounded; attacks on the embassy weigh more than attacks on bases); during an
    election campaign each event weighs ``1 + election_gain * election`` times as much."""
    added = (per_killed * killed + per_wounded * wounded + per_attack * attacks
             + per_embassy * embassy_attacks)
    return pressure + added * (1.0 + election_gain * election)


def trigger_met(trigger: np.ndarray, killed: np.ndarray, wounded: np.ndarray,
                attacks: np.ndarray) -> np.ndarray:
    """Whether the day meets the US retaliation trigger (deaths, casualties, any attack
    streak, or never)."""
    return (((trigger == _DEATHS) & (killed > 0))
            | ((trigger == _CASUALTIES) & ((killed + wounded) > 0))
            | ((trigger == _STREAK) & (attacks > 0)))


def response_probability(trigger: np.ndarray, met: np.ndarray, attack_day: np.ndarray | bool,
                         prob_trigger: np.ndarray, logit_base: np.ndarray,
                         w_pressure: np.ndarray, pressure: np.ndarray) -> np.ndarray:
    """Chance the US decides today to retaliate: high when the trigger is met; on other attack
    days it grows with domestic pressure (rare in quiet years, often in a war); zero under the
    ``never`` doctrine.  Increasing in pressure.

    >>> p = response_probability(np.array([0, 0]), np.array([False, False]), True, 0.9,
    ...                          -5.0, 0.6, np.array([0.0, 5.0]))
    >>> bool(p[1] > p[0])
    True
    """
    other = 1.0 / (1.0 + np.exp(-(logit_base + w_pressure * pressure)))
    p = np.where(met, prob_trigger, np.where(attack_day, other, 0.0))
    return np.where(trigger == _NEVER, 0.0, p)


def strike_targets(resolve: np.ndarray, log_base: np.ndarray, w_resolve: np.ndarray,
                   answers_deaths: np.ndarray, share_without_deaths: np.ndarray | float,
                   u: np.ndarray) -> np.ndarray:
    """Targets a strike hits: one plus a Poisson count whose mean grows exponentially with the
    resolve the strike draws on.  An answer to attacks that killed Americans
    (``answers_deaths``) draws on all of the US's accumulated resolve (a few sites after one
    death early in a campaign; dozens at the end of a long, costly one: 85 on 2 Feb 2024,
    after Tower 22); any other answer on the share ``share_without_deaths`` of it (0: the
    base size however many attacks came before, as the one to three facilities of each
    answer from October to December 2023).  Never fewer when resolve is higher, on the same
    draw."""
    drawn = resolve * np.where(answers_deaths, 1.0, share_without_deaths)
    return 1 + rnd.poisson(np.exp(log_base + w_resolve * drawn), u)


def response_lag_max(deaths: np.ndarray, lag_min: np.ndarray, lag_max: np.ndarray,
                     lag_deaths_max: np.ndarray) -> np.ndarray:
    """Longest delay (days) of a response: ``lag_deaths_max`` when the day's attacks killed
    Americans (the US answered each of the fit period's deaths within two days), else
    ``lag_max``; never below ``lag_min``.

    >>> response_lag_max(np.array([True, False]), 1, np.array([5, 5]), 2).tolist()
    [2, 5]
    """
    return np.maximum(np.where(deaths, lag_deaths_max, lag_max), lag_min)


def response_tier(pressure: np.ndarray, first_tier: np.ndarray, max_tier: np.ndarray,
                  leaders_pressure: np.ndarray, iranian_pressure: np.ndarray,
                  direct_lethal: np.ndarray) -> np.ndarray:
    """Tier of a US response: the policy's ordinary tier, raised to leaders and to Iranian
    personnel as domestic pressure passes its thresholds, to Iranian territory after an
    Iranian direct attack that killed Americans; never above the policy's ``max_tier``."""
    tier = np.maximum(first_tier, np.where(pressure >= leaders_pressure, _LEADERS, _NONE))
    tier = np.where(pressure >= iranian_pressure, np.maximum(tier, _IRANIAN), tier)
    tier = np.where(direct_lethal, _TERRITORY, tier)
    return np.minimum(tier, max_tier)


def scheduled_presence(current: np.ndarray, troops: np.ndarray,
                       scheduled_share: np.ndarray) -> np.ndarray:
    """US presence in Iraq after a scheduled drawdown: the scheduled share of the 2019 level,
    unless presence is already lower."""
    return np.minimum(current, troops * scheduled_share)


def strike_country(tier: np.ndarray, sovereignty: np.ndarray,
                   syria_threshold: np.ndarray) -> np.ndarray:
    """Where a US strike lands: Iran for strikes on Iranian territory; Syria when Iraqi
    sovereignty pressure is above the threshold; Iraq otherwise."""
    return np.where(tier == _TERRITORY, _S_IRAN,
                    np.where(sovereignty > syria_threshold, _S_SYRIA, _S_IRAQ))


def is_deterrent(targets: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """Whether a strike is big enough to deter (rather than provoke)."""
    return targets >= threshold


# --- state --------------------------------------------------------------------------------

def init(st: State) -> None:
    """The US on the first day: no pressure, nothing scheduled, the
    scenario's presence."""
    s, n, p = st.us, st.n, st.p
    s.pressure = np.zeros(n)
    s.resolve = np.zeros(n)
    s.killed_unanswered = np.zeros(n, dtype=np.int64)
    s.due = np.full(n, NEVER, dtype=np.int64)
    s.due_tier = np.zeros(n, dtype=np.int64)
    s.high_sov_days = np.zeros(n, dtype=np.int64)
    s.drawdown_day = np.full(n, -1, dtype=np.int64)
    s.presence_iraq = p["us.troops_iraq"].copy()
    derive(st)


def derive(st: State) -> None:
    """The US doctrine's codes as integers: trigger, tiers, scheduled drawdown day (again
    after a dated change)."""
    s, p = st.us, st.p
    s.trigger = p["us.trigger"].astype(np.int64)
    s.first_tier = p["us.first_tier"].astype(np.int64)
    s.max_tier = p["us.max_tier"].astype(np.int64)
    s.drawdown_date = p["us.drawdown_date"].astype(np.int64)


# --- phases -------------------------------------------------------------------------------

def absorb_shocks(st: State) -> None:
    """Dated shocks to US domestic pressure."""
    amount = st.shock("us.pressure")
    if amount:
        st.us.pressure = st.us.pressure + amount


def take_casualties(st: State) -> None:
    """US wounded and killed by today's militia attacks (while replaying: the record's)."""
    if st.replaying:
        rp = st.setup.replay
        st.wounded += rp.wounded[st.day]
        st.killed += rp.killed[st.day]
        return
    p, n = st.p, st.n
    for ev in st.attacks_today:
        r = ev.rows
        expo = exposure(ev.theatre, st.us.presence_iraq[r], p["us.troops_syria"][r],
                        p["us.exposure_embassy"][r], p["us.exposure_jordan"][r])
        wounded, killed = attack_casualties(
            ev.attacks, ev.is_drone, expo, p["us.force_protection"][r],
            p["us.hit_prob_rocket"][r], p["us.hit_prob_drone"][r],
            p["us.lethal_prob_rocket"][r], p["us.lethal_prob_drone"][r],
            p["us.wounded_per_hit"][r], p["us.wounded_dispersion"][r],
            p["us.killed_extra_mean"][r], ev.u[:, 0], ev.u[:, 1], ev.u[:, 2], ev.u[:, 3])
        st.wounded += np.bincount(r, wounded, minlength=n).astype(np.int64)
        st.killed += np.bincount(r, killed, minlength=n).astype(np.int64)


def decide(st: State) -> None:
    """On an attack day: update pressure, then schedule a response (by the doctrine's
    trigger and chance, after a lag) or let a pending one grow with pressure (the embassy
    siege after 29 Dec 2019).  Other days change nothing (the update adds exactly zero).
    While replaying, responses the model scheduled for today are dropped first, so today's
    events are answered."""
    p, s, c, day = st.p, st.us, st.counts, st.day
    direct_on_us = st.direct_on_us
    attack_day = (c[M["attacks"]] > 0) | direct_on_us
    if st.replaying:
        s.due[s.due == day] = NEVER
    ad = np.flatnonzero(attack_day)
    if not ad.size:
        return
    att, emb = c[M["attacks"], ad], c[M["attacks_embassy"], ad]
    k_ad, w_ad, d_ad = st.killed[ad], st.wounded[ad], direct_on_us[ad]
    s.killed_unanswered[ad] += k_ad
    s.resolve[ad] += (p["us.resolve_per_attack"][ad] * att
                      + p["us.resolve_per_wounded"][ad] * w_ad
                      + p["us.resolve_per_killed"][ad] * k_ad)
    s.pressure[ad] = updated_pressure(
        s.pressure[ad], p["us.pressure_per_killed"][ad], k_ad, p["us.pressure_per_wounded"][ad],
        w_ad, p["us.pressure_per_attack"][ad], att, p["us.pressure_per_embassy_attack"][ad], emb,
        p["us.election_pressure_gain"][ad], st.drv.election)
    trig = s.trigger[ad]
    met = trigger_met(trig, k_ad, w_ad, att)
    met = met | (d_ad & (trig != _NEVER))
    tier_now = response_tier(s.pressure[ad], s.first_tier[ad], s.max_tier[ad],
                             p["us.leaders_pressure"][ad], p["us.iranian_personnel_pressure"][ad],
                             d_ad & (k_ad > 0))
    pending = s.due[ad] != NEVER
    s.due_tier[ad] = np.where(pending, np.maximum(s.due_tier[ad], tier_now), s.due_tier[ad])
    free = ~pending & (tier_now > _NONE)
    cand = ad[free]
    if not cand.size:
        return
    prob = response_probability(trig[free], met[free], True, p["us.respond_prob_trigger"][cand],
                                p["us.respond_logit_base"][cand], p["us.respond_w_pressure"][cand],
                                s.pressure[cand])
    u2 = st.u_many(rnd.US, _US_PURPOSES, cand)
    go = u2[:, 0] < prob
    if go.any():
        cd = cand[go]
        lo = p["us.lag_min_days"][cd].astype(np.int64)
        lag = lag_days(u2[go, 1], lo, response_lag_max(
            k_ad[free][go] > 0, lo, p["us.lag_max_days"][cd].astype(np.int64),
            p["us.lag_deaths_max_days"][cd].astype(np.int64)))
        s.due[cd] = day + lag
        s.due_tier[cd] = tier_now[free][go]


def strike(st: State) -> None:
    """Carry out the responses due today; while replaying, the strike the record shows
    (it answers whatever was pending)."""
    s, day = st.us, st.day
    go = np.nonzero(s.due == day)[0]
    if st.replaying:
        rp = st.setup.replay
        s.due[go] = NEVER  # (only a zero-day lag can still be due here)
        if rp.us_tier[day] > 0:
            s.due[:] = NEVER
            s.due_tier[:] = rp.us_tier[day]
            _execute(st, st.rows, country=np.full(st.n, rp.us_country[day]))
    elif go.size:
        _execute(st, go)


def _execute(st: State, go: np.ndarray, country: np.ndarray | None = None) -> None:
    """The strikes of replicates ``go`` (in the country given, when replaying the record; by
    the rule otherwise) and their effects on every actor.  A strike's size (targets hit) grows
    with the US's resolve; at or above the deterrence threshold it deters (fear, Iran's sense
    of risk), below it it provokes (the fighters it kills become grievance)."""
    p, s, c = st.p, st.us, st.counts
    tier = s.due_tier[go]
    s.due[go] = NEVER
    st.strike_tier[go] = tier
    if country is None:
        country = strike_country(tier, st.iraq.sovereignty[go], p["us.syria_threshold"][go])
    c[M["us_strikes"], go] = 1
    c[M[TIER_MEASURES[0]] - _FACILITIES + tier, go] = 1
    c[M["us_strikes_iraq"], go] = country == _S_IRAQ
    c[M["us_strikes_syria"], go] = country == _S_SYRIA
    target = militia.blamed_group(st, go)
    u3 = st.u_many(rnd.US, _STRIKE_PURPOSES, go)
    targets = strike_targets(s.resolve[go], p["us.targets_log_base"][go],
                             p["us.targets_w_resolve"][go], s.killed_unanswered[go] > 0,
                             p["us.resolve_share_without_deaths"][go], u3[:, 0])
    s.killed_unanswered[go] = 0
    c[M["us_strike_targets"], go] = targets
    big = is_deterrent(targets, p["us.deter_threshold_targets"][go])
    s.resolve[go[big]] = 0.0  # a big strike spends the resolve
    fighters = rnd.poisson(p["us.fighters_per_target"][go] * targets, u3[:, 1])
    cut = 1.0 - (1.0 - p["us.capability_cut_per_target"][go]) ** targets
    militia.struck_by_us(st, go, target, tier, fighters, cut, big)
    leader = (tier == _LEADERS) | (tier == _IRANIAN)
    iran.struck_ally(st, go, big, leader, p.traits["alignment"][go, target])
    iraq.struck_on_soil_by_us(st, go, country == _S_IRAQ, leader)
    s.pressure[go] *= 1.0 - p["us.pressure_relief"][go]
    ir = go[tier >= _IRANIAN]
    if ir.size:
        iran.killed_by_us(st, ir)


def review_posture(st: State) -> None:
    """Draw down from Iraq when Iraqi sovereignty pressure stays high long enough, or on a
    scheduled date (which applies whatever happened before)."""
    p, s, day = st.p, st.us, st.day
    high = st.iraq.sovereignty > p["us.drawdown_pressure_threshold"]
    s.high_sov_days = np.where(high, s.high_sov_days + 1, 0)
    draw = (s.drawdown_day < 0) & (s.high_sov_days >= p["us.drawdown_pressure_days"])
    if draw.any():
        s.drawdown_day[draw] = day
        s.presence_iraq[draw] = p["us.troops_iraq"][draw] * p["us.drawdown_presence"][draw]
    sched = np.flatnonzero(day == s.drawdown_date)
    if sched.size:
        s.drawdown_day[sched] = np.where(s.drawdown_day[sched] < 0, day, s.drawdown_day[sched])
        s.presence_iraq[sched] = scheduled_presence(s.presence_iraq[sched],
                                                    p["us.troops_iraq"][sched],
                                                    p["us.scheduled_presence"][sched])
