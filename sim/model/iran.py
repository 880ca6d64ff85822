"""Iran (the IRGC Quds Force's proxy policy): greenlight, grievance, resupply, direct fire.

State: ``greenlight`` in [0, 1] (how strongly Tehran encourages proxy attacks now),
``grievance`` (revenge motive after Iranian personnel are killed; decays), a scheduled direct
attack (``direct_due``, ``direct_target``) and a de-escalation hold after firing
(``hold_until``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import militia
from . import random as rnd
from .maths import approach, lag_days, sigmoid
from .measures import M
from .param import P, Param
from .types import NEVER, DirectTarget

if TYPE_CHECKING:
    from .state import State

_US, _ISRAEL = int(DirectTarget.US), int(DirectTarget.ISRAEL)

PARAMETERS: dict[str, Param] = {
    "greenlight_base": P(-2.6, -8, 4, "logit", "baseline propensity to encourage proxy attacks"),
    "w_max_pressure": P(1.0, 0, 6, "logit per driver unit", "sanctions push toward attacks"),
    "w_unrest": P(0.8, 0, 6, "logit per driver unit", "domestic unrest to distract from"),
    "w_gaza_war": P(3.2, 0, 8, "logit per driver unit", "solidarity with a Gaza war"),
    "w_regional_war": P(0.5, 0, 6, "logit per driver unit", "a wider regional war"),
    "w_talks": P(1.8, 0, 6, "logit per driver unit", "restraint while nuclear talks are live"),
    "w_grievance": P(0.6, 0, 4, "logit per grievance unit", "revenge motive"),
    "w_fear": P(2.5, 0, 6, "logit per credibility unit", "fear of US escalation on Iran"),
    "inertia": P(0.04, 0.001, 1, "1/day", "share of the gap to the target greenlight closed daily"),
    "grievance_decay_days": P(90.0, 1, 1000, "days", "e-folding time of Iran's grievance"),
    "grievance_personnel_killed": P(3.0, 0, 20, "grievance units",
                                    "grievance added when the US kills Iranian personnel"),
    "direct_attack_prob_us": P(0.85, 0, 1, "probability",
                               "chance Iran fires directly at US forces after the US kills "
                               "Iranian personnel"),
    "direct_attack_logit_israel": P(-3.0, -10, 10, "logit",
                                    "log-odds Iran fires directly at Israel after Israel "
                                    "kills Iranian personnel, in peacetime"),
    "direct_attack_w_war_israel": P(3.5, 0, 10, "logit per driver unit",
                                    "how much a Gaza or regional war raises that log-odds"),
    "direct_lag_min_days": P(3, 1, 60, "days", "earliest day of a direct attack after the "
                             "killing", kind="int"),
    "direct_lag_max_days": P(12, 1, 90, "days", "latest day of a direct attack after the "
                             "killing", kind="int"),
    "direct_wounded_mean": P(60.0, 0, 500, "people", "mean US wounded (mostly brain "
                             "injuries) of a direct attack on US forces"),
    "direct_lethal_prob": P(0.1, 0, 1, "probability", "chance a telegraphed direct attack on "
                            "US forces kills Americans anyway"),
    "deescalation_days": P(90, 0, 720, "days", "how long Iran holds back after firing "
                           "directly", kind="int"),
    "deescalation_strength": P(2.0, 0, 10, "logit", "greenlight log-odds removed while "
                               "holding back"),
    "resupply_rate": P(0.6, 0, 20, "capability units/day", "weapons flow to a fully aligned "
                       "group at greenlight 1"),
}
"""Iran's parameters (scenario section ``[iran]``)."""

DECAYS: tuple[tuple[str, str], ...] = (("grievance", "iran.grievance_decay_days"),)
"""State variables that decay daily, with the parameter giving their e-folding time."""
TRACES: dict[str, str] = {"greenlight": "greenlight", "iran_grievance": "grievance"}
"""Traced state: trace name -> attribute."""


# --- rules --------------------------------------------------------------------------------

def target_greenlight(base: np.ndarray, w_max_pressure: np.ndarray, w_unrest: np.ndarray,
                      w_gaza: np.ndarray, w_regional: np.ndarray, w_talks: np.ndarray,
                      w_grievance: np.ndarray, w_fear: np.ndarray, max_pressure: float,
                      unrest: float, gaza: float, regional: float, talks: float,
                      grievance: np.ndarray, credibility: np.ndarray, holding: np.ndarray,
                      hold_strength: np.ndarray) -> np.ndarray:
    """Greenlight Tehran aims for today, in [0, 1].

    Rises with sanctions pressure, domestic unrest, a Gaza or regional war and grievance;
    falls while nuclear talks are live, with US credibility (fear of escalation on Iran
    itself) and while Iran holds back after a direct attack (``holding`` is 0 or 1).
    """
    logit = (base + w_max_pressure * max_pressure + w_unrest * unrest + w_gaza * gaza
             + w_regional * regional - w_talks * talks + w_grievance * grievance
             - w_fear * credibility - hold_strength * holding)
    return sigmoid(logit)


# --- state --------------------------------------------------------------------------------

def init(st: State) -> None:
    """Iran's state on the first day: no greenlight, no grievance, nothing scheduled."""
    s, n = st.iran, st.n
    s.greenlight = np.zeros(n)
    s.greenlight_g = np.zeros((n, st.g))
    s.grievance = np.zeros(n)
    s.direct_due = np.full(n, NEVER, dtype=np.int64)
    s.direct_target = np.zeros(n, dtype=np.int64)
    s.hold_until = np.full(n, NEVER, dtype=np.int64)


# --- phases -------------------------------------------------------------------------------

def absorb_shocks(st: State) -> None:
    """Dated shocks to Iran: grievance, and killings of its personnel Iran blames on Israel
    (after which it weighs a direct attack on Israel)."""
    killed = st.shock("iran.killed_by_israel")
    if killed:
        st.iran.grievance = st.iran.grievance + killed
        weigh_direct_attack_on_israel(st, st.rows)
    amount = st.shock("iran.grievance")
    if amount:
        st.iran.grievance = st.iran.grievance + amount


def set_greenlight(st: State) -> None:
    """Move greenlight toward today's target (inertia)."""
    p, s, drv = st.p, st.iran, st.drv
    holding = (st.day <= s.hold_until).astype(np.float64)
    target = target_greenlight(
        p["iran.greenlight_base"], p["iran.w_max_pressure"], p["iran.w_unrest"],
        p["iran.w_gaza_war"], p["iran.w_regional_war"], p["iran.w_talks"],
        p["iran.w_grievance"], p["iran.w_fear"], drv.max_pressure, drv.unrest, drv.gaza,
        drv.regional, drv.talks, s.grievance, st.us.credibility, holding,
        p["iran.deescalation_strength"])
    s.greenlight = approach(s.greenlight, target, p["iran.inertia"])
    s.greenlight_g = np.repeat(s.greenlight[:, None], st.g, axis=1)  # (R, G): fast same-shape


def resupply(st: State) -> None:
    """Weapons flow to each group: ``resupply_rate * greenlight * alignment`` units a day."""
    flow = st.pg("iran.resupply_rate") * st.iran.greenlight_g * st.p.traits["alignment"]
    militia.receive_weapons(st, flow)


def fire_direct(st: State) -> None:
    """Fire a direct attack due today, or, while replaying, the one the record shows (then
    the model's own scheduled attacks are dropped).  Iran then holds back for a while."""
    p, s, rp, day = st.p, st.iran, st.setup.replay, st.day
    fire = np.nonzero(s.direct_due == day)[0]
    if st.replaying:
        s.direct_due[fire] = NEVER
        fire = st.rows[:0]
        target = rp.direct[day]
        if target >= 0:
            s.direct_due[:] = NEVER
            fire = st.rows
            s.direct_target[:] = target
            if target == _US:
                st.counts[M["iran_direct_attacks_us"]] = 1
                st.direct_on_us[:] = True
                st.wounded += rp.direct_wounded[day]
                st.killed += rp.direct_killed[day]
            else:
                st.counts[M["iran_direct_attacks_israel"]] = 1
            s.grievance[:] = 0.0
            s.hold_until[:] = day + p["iran.deescalation_days"].astype(np.int64)
        return
    if not fire.size:
        return
    on_us = s.direct_target[fire] == _US
    us_rows = fire[on_us]
    if us_rows.size:
        st.counts[M["iran_direct_attacks_us"], us_rows] = 1
        st.direct_on_us[us_rows] = True
        P_ = rnd.Purpose
        wounded = rnd.poisson(p["iran.direct_wounded_mean"][us_rows],
                              st.u(rnd.IRAN, P_.DIRECT_WOUNDED, us_rows))
        lethal = (st.u(rnd.IRAN, P_.DIRECT_LETHAL, us_rows)
                  < p["iran.direct_lethal_prob"][us_rows])
        killed = lethal * (1 + rnd.poisson(p["us.killed_extra_mean"][us_rows],
                                           st.u(rnd.IRAN, P_.DIRECT_KILLED, us_rows)))
        st.wounded[us_rows] += wounded
        st.killed[us_rows] += killed
    st.counts[M["iran_direct_attacks_israel"], fire[~on_us]] = 1
    s.grievance[fire] = 0.0
    s.hold_until[fire] = day + p["iran.deescalation_days"][fire].astype(np.int64)
    s.direct_due[fire] = NEVER


# --- effects (called by other actors' phases) ---------------------------------------------

def schedule_direct(st: State, rows: np.ndarray, prob: np.ndarray, target: int) -> None:
    """In replicates ``rows``, Iran decides with probability ``prob`` to fire directly at
    ``target`` (a :class:`DirectTarget` code) after a lag, unless an attack is already
    scheduled."""
    p, s = st.p, st.iran
    free = s.direct_due[rows] == NEVER
    u = st.u(rnd.IRAN, rnd.Purpose.DIRECT_DECIDE + 100 * target, rows)
    rows = rows[free & (u < prob)]
    if rows.size:
        lag = lag_days(st.u(rnd.IRAN, rnd.Purpose.DIRECT_LAG + 100 * target, rows),
                       p["iran.direct_lag_min_days"][rows].astype(np.int64),
                       p["iran.direct_lag_max_days"][rows].astype(np.int64))
        s.direct_due[rows] = st.day + lag
        s.direct_target[rows] = target


def weigh_direct_attack_on_israel(st: State, rows: np.ndarray) -> None:
    """Israel killed Iranian personnel: Iran weighs a direct attack on Israel, far more
    likely during a Gaza or regional war."""
    p = st.p
    prob = sigmoid(p["iran.direct_attack_logit_israel"][rows]
                   + p["iran.direct_attack_w_war_israel"][rows] * st.drv.war)
    schedule_direct(st, rows, prob, _ISRAEL)


def killed_by_israel(st: State, rows: np.ndarray) -> None:
    """An Israeli strike killed Iranian personnel in replicates ``rows``."""
    st.iran.grievance[rows] += st.p["iran.grievance_personnel_killed"][rows]
    weigh_direct_attack_on_israel(st, rows)


def killed_by_us(st: State, rows: np.ndarray) -> None:
    """A US strike killed Iranian personnel (or hit Iran) in replicates ``rows``: grievance
    jumps and Iran will likely fire directly at US forces."""
    p = st.p
    st.iran.grievance[rows] += p["iran.grievance_personnel_killed"][rows]
    schedule_direct(st, rows, p["iran.direct_attack_prob_us"][rows], _US)
