"""Iran (the IRGC Quds Force's proxy policy): the campaign, risk, grievance, resupply, direct
fire.

State (per replicate):

* ``campaign``: the proxy campaign every aligned group follows, a :class:`Campaign` code
  (off, on US forces, on Israel only).  It switches by daily hazards, not smoothly: on with
  Iran's *motive* (sanctions pressure, domestic unrest, a Gaza or regional war, grievance),
  off with its *restraint* (the risk of US escalation against Iran itself, Iraqi bargaining,
  holding back after firing directly).
* ``risk`` (logit units of restraint): Iran's sense that the US will escalate against Iran:
  it grows with what the campaign does to Americans (attacks, wounded, killed), with US
  strikes at or above the deterrence threshold and with leadership killings; it decays.
  Explicit US threats restrain Iran while they are live.
* ``halt``: the order to stand down Iran gives when it halts a campaign on US forces (the
  Quds Force commander's visit to Baghdad, 29 Jan 2024); it holds even the bolder groups back
  for weeks, then fades.
* ``grievance``: the revenge motive after Iranian personnel or allied leaders are killed;
  decays, and resets when Iran fires directly.
* a scheduled direct attack (``direct_due``, ``direct_target``) and a hold after firing
  (``hold_until``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import militia
from . import random as rnd
from .maths import lag_days, sigmoid
from .measures import M
from .param import P, Param
from .types import NEVER, Campaign, DirectTarget

if TYPE_CHECKING:
    from .state import State

_US, _ISRAEL = int(DirectTarget.US), int(DirectTarget.ISRAEL)
_OFF, _ON_US, _ON_ISRAEL = int(Campaign.OFF), int(Campaign.ON_US), int(Campaign.ON_ISRAEL)

PARAMETERS: dict[str, Param] = {
    # held at its posterior median from a fit to 2023 (not fitted: sim.calibration.fit.HAND_SET)
    "campaign_on_base": P(-9.74, -15, 5, "logit", "daily log-odds Iran starts a campaign on US "
                          "forces when motive and restraint are both zero"),
    "campaign_off_base": P(-6.5, -15, 5, "logit", "daily log-odds Iran halts a campaign on US "
                           "forces when motive and restraint are both zero"),
    "w_max_pressure": P(0.28, 0, 8, "logit per driver unit", "sanctions pressure: motive"),
    "w_unrest": P(0.8, 0, 8, "logit per driver unit", "domestic unrest to distract from: motive"),
    "w_protests": P(6.9, 0, 8, "logit per driver unit", "an Iraqi protest wave against Iranian "
                    "influence, which Tehran blamed on the US: motive"),
    "w_withdrawal_demand": P(5.8, 0, 10, "logit per driver unit", "an unanswered Iraqi "
                             "demand that US forces leave: motive"),
    "w_gaza_war": P(8.0, 0, 15, "logit per driver unit", "solidarity with a Gaza war: motive"),
    "gaza_onset_days": P(10.0, 0, 120, "days", "how long the Gaza war's weight on the motive "
                         "takes to build up to full, linearly from the war's first day (0: at "
                         "once)"),
    "w_regional_war": P(1.0, 0, 10, "logit per driver unit", "a wider regional war: motive"),
    "w_talks": P(1.5, 0, 8, "logit per driver unit", "live nuclear talks: less motive"),
    "w_grievance": P(0.5, 0, 5, "logit per grievance unit", "revenge: motive"),
    "w_bargaining": P(2.6, 0, 8, "logit per bargaining unit", "Iraqi bargaining (withdrawal "
                      "talks, embarrassment): restraint"),
    "w_hold": P(3.0, 0, 15, "logit", "restraint while Iran holds back after firing directly"),
    "w_threat": P(14.2, 0, 20, "logit per driver unit", "explicit US threats of escalation: "
                  "restraint while they are live"),
    "deescalation_days": P(90, 0, 720, "days", "how long Iran holds back after firing "
                           "directly", kind="int"),
    "israel_campaign_on": P(-3.5, -15, 5, "logit", "daily log-odds Iran starts a campaign on "
                            "Israel during a war (times the war's strength)"),
    "israel_campaign_off": P(-3.0, -15, 5, "logit", "daily log-odds a campaign on Israel stops "
                             "once no war is on"),
    "risk_decay_days": P(90.0, 1, 1000, "days", "e-folding time of Iran's sense of risk"),
    "risk_per_attack": P(0.027, 0, 1, "logit per attack", "each attack on US forces raises "
                         "the risk of US escalation (restraint)"),
    "risk_per_wounded": P(0.00538, 0, 1, "logit per American wounded", "restraint added by each "
                          "American wounded"),
    "risk_per_killed": P(0.75, 0, 10, "logit per American killed", "restraint added by each "
                         "American killed"),
    "risk_per_big_strike": P(11.0, 0, 30, "logit", "restraint added by a US strike at or "
                             "above the deterrence threshold: more than the strongest motive "
                             "the record shows (a Gaza war, about 7)"),
    "risk_per_leader_strike": P(0.5, 0, 30, "logit", "restraint added by a US strike that "
                                "kills militia leaders or Iranian personnel"),
    "halt_decay_days": P(45.0, 1, 1000, "days", "e-folding time of the stand-down order given "
                         "when a campaign on US forces is halted"),
    "grievance_decay_days": P(90.0, 1, 1000, "days", "e-folding time of Iran's grievance"),
    "grievance_personnel_killed": P(3.0, 0, 20, "grievance units",
                                    "grievance added when Iranian personnel are killed"),
    "grievance_ally_leader": P(1.5, 0, 20, "grievance units per alignment unit",
                               "grievance added when the US kills leaders of an allied group"),
    "direct_attack_prob_us": P(0.85, 0, 1, "probability",
                               "chance Iran fires directly at US forces after the US kills "
                               "Iranian personnel"),
    "direct_attack_prob_ally": P(0.3, 0, 1, "probability per alignment unit",
                                 "chance Iran fires directly at US forces after the US kills "
                                 "the leaders of an allied group"),
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
    "resupply_rate": P(0.524, 0, 20, "capability units/day", "weapons flow to a fully aligned "
                       "group during a campaign"),
    "resupply_off_share": P(0.3, 0, 1, "fraction", "share of that flow outside a campaign"),
}
"""Iran's parameters (scenario section ``[iran]``)."""

DECAYS: tuple[tuple[str, str], ...] = (("grievance", "iran.grievance_decay_days"),
                                       ("risk", "iran.risk_decay_days"),
                                       ("halt", "iran.halt_decay_days"))
"""State variables that decay daily, with the parameter giving their e-folding time."""
TRACES: dict[str, str] = {"campaign": "campaign", "iran_risk": "risk", "iran_halt": "halt",
                          "iran_grievance": "grievance"}
"""Traced state: trace name -> attribute."""


# --- rules --------------------------------------------------------------------------------

def motive(w_max_pressure: np.ndarray, w_unrest: np.ndarray, w_protests: np.ndarray,
           w_demand: np.ndarray, w_gaza: np.ndarray, w_regional: np.ndarray,
           w_talks: np.ndarray, w_grievance: np.ndarray, max_pressure: float, unrest: float,
           protests: float, demand: float, gaza: float | np.ndarray, regional: float,
           talks: float,
           grievance: np.ndarray) -> np.ndarray:
    """Iran's motive for a campaign on US forces (logit units): sanctions pressure, domestic
    unrest, an Iraqi protest wave, an unanswered demand that US forces leave Iraq, a Gaza war
    (truce or not: a truce pauses the fighting, not the campaign; scaled by its
    :func:`war_onset` in its first days) or a regional war and grievance push for it; live
    nuclear talks against."""
    return (w_max_pressure * max_pressure + w_unrest * unrest + w_protests * protests
            + w_demand * demand + w_gaza * gaza + w_regional * regional - w_talks * talks
            + w_grievance * grievance)


def war_onset(days_on: int, onset_days: np.ndarray) -> np.ndarray:
    """The share of a war's full weight on the motive on the war's ``days_on``-th day (1 on
    its first day): ``days_on / onset_days``, capped at 1; at once (1 whatever the day) when
    ``onset_days`` is 0.  Non-decreasing in ``days_on``, in [0, 1].

    >>> war_onset(5, np.array([10.0, 0.0, 2.0])).tolist()
    [0.5, 1.0, 1.0]
    """
    days = float(days_on)
    safe = np.where(onset_days > 0, onset_days, 1.0)
    return np.where(onset_days > 0, np.minimum(days, safe) / safe, 1.0)


def restraint(risk: np.ndarray, w_bargaining: np.ndarray, bargaining: np.ndarray,
              w_hold: np.ndarray, holding: np.ndarray, w_threat: np.ndarray | float = 0.0,
              threat: float = 0.0) -> np.ndarray:
    """Iran's restraint (logit units): the risk of US escalation against Iran itself, Iraqi
    bargaining, holding back after firing directly, and explicit US threats while live."""
    return risk + w_bargaining * bargaining + w_hold * holding + w_threat * threat


def campaign_hazards(balance: np.ndarray, on_base: np.ndarray, off_base: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Daily chances that a campaign on US forces starts (when none is on) and stops (when one
    is on), from ``balance`` = motive - restraint: starting rises with the balance, stopping
    falls with it.  Increasing and decreasing in ``balance`` respectively.

    >>> on, off = campaign_hazards(np.array([0.0, 5.0]), -6.0, -4.0)
    >>> bool(on[1] > on[0]) and bool(off[1] < off[0])
    True
    """
    return sigmoid(on_base + balance), sigmoid(off_base - balance)


def next_campaign(campaign: np.ndarray, u: np.ndarray, p_on: np.ndarray, p_off: np.ndarray,
                  p_israel_on: np.ndarray, p_israel_off: np.ndarray,
                  war: float) -> np.ndarray:
    """Tomorrow's campaign from today's, by one uniform ``u`` per replicate.

    Off: a campaign on US forces starts with ``p_on``, else one on Israel with
    ``p_israel_on``.  On US forces: it stops with ``p_off``, turning on Israel if a war is on
    (the February 2024 pattern) and off otherwise.  On Israel: a campaign on US forces starts
    with ``p_on``, else it stops with ``p_israel_off``.
    """
    war_on = war > 0.0
    from_off = np.where(u < p_on, _ON_US, np.where(u < p_on + p_israel_on, _ON_ISRAEL, _OFF))
    from_us = np.where(u < p_off, _ON_ISRAEL if war_on else _OFF, _ON_US)
    from_isr = np.where(u < p_on, _ON_US, np.where(u < p_on + p_israel_off, _OFF, _ON_ISRAEL))
    return np.where(campaign == _OFF, from_off,
                    np.where(campaign == _ON_US, from_us, from_isr)).astype(np.int64)


# --- state --------------------------------------------------------------------------------

def init(st: State) -> None:
    """Iran on the first day: no campaign, risk, halt order or grievance; nothing
    scheduled."""
    s, n = st.iran, st.n
    s.campaign = np.full(n, _OFF, dtype=np.int64)
    s.on_us = np.zeros(n)
    s.on_israel = np.zeros(n)
    s.risk = np.zeros(n)
    s.halt = np.zeros(n)
    s.grievance = np.zeros(n)
    s.direct_due = np.full(n, NEVER, dtype=np.int64)
    s.direct_target = np.zeros(n, dtype=np.int64)
    s.hold_until = np.full(n, NEVER, dtype=np.int64)
    derive(st)


def derive(st: State) -> None:
    """What Iran derives from its parameters (again after a dated change): the campaign on
    Israel's daily chances at full war strength."""
    s = st.iran
    s.israel_on = sigmoid(st.p["iran.israel_campaign_on"])
    s.israel_off = sigmoid(st.p["iran.israel_campaign_off"])


def _set_campaign(st: State, new: np.ndarray) -> None:
    s = st.iran
    halted = (s.campaign == _ON_US) & (new != _ON_US)
    if halted.any():
        s.halt[halted] = 1.0
    s.campaign = new
    s.on_us = (new == _ON_US).astype(np.float64)
    s.on_israel = (new == _ON_ISRAEL).astype(np.float64)
    st.counts[M["campaign_us"]] = new == _ON_US
    st.counts[M["campaign_israel"]] = new == _ON_ISRAEL


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


def steer_campaign(st: State) -> None:
    """Switch the campaign by today's hazards (while replaying: the campaign the record
    implies, :func:`sim.scenario.replay.build_schedule`)."""
    p, s, drv = st.p, st.iran, st.drv
    if st.replaying:
        _set_campaign(st, np.full(st.n, st.setup.replay.campaign[st.day], dtype=np.int64))
        return
    holding = (st.day <= s.hold_until).astype(np.float64)
    gaza = drv.gaza_war * war_onset(drv.gaza_days, p["iran.gaza_onset_days"]) \
        if drv.gaza_war > 0 else 0.0
    balance = (motive(p["iran.w_max_pressure"], p["iran.w_unrest"], p["iran.w_protests"],
                      p["iran.w_withdrawal_demand"], p["iran.w_gaza_war"],
                      p["iran.w_regional_war"], p["iran.w_talks"], p["iran.w_grievance"],
                      drv.max_pressure, drv.unrest, drv.protests, drv.demand, gaza,
                      drv.regional, drv.talks, s.grievance)
               - restraint(s.risk, p["iran.w_bargaining"], st.iraq.bargaining,
                           p["iran.w_hold"], holding, p["iran.w_threat"], drv.threat))
    on_base, off_base = p["iran.campaign_on_base"], p["iran.campaign_off_base"]
    war = drv.war
    p_isr_on = s.israel_on * min(war, 1.0)
    p_isr_off = s.israel_off * (war <= 0.0)
    u = st.u(rnd.IRAN, rnd.Purpose.CAMPAIGN)
    # a switch needs ``u`` below its chance; the hazards are computed only where ``u`` lies
    # below the day's highest (elsewhere nothing switches): the same campaigns as computing
    # them everywhere
    top_on, top_off = sigmoid((on_base + balance).max()), sigmoid((off_base - balance).max())
    bound = np.where(s.campaign == _ON_US, top_off,
                     top_on + np.where(s.campaign == _OFF, p_isr_on, p_isr_off))
    cand = np.flatnonzero(u < bound * (1.0 + 1e-9))
    new = s.campaign.copy()
    if cand.size:
        p_on, p_off = campaign_hazards(balance[cand], on_base[cand], off_base[cand])
        new[cand] = next_campaign(s.campaign[cand], u[cand], p_on, p_off, p_isr_on[cand],
                                  p_isr_off[cand], war)
    _set_campaign(st, new)


def resupply(st: State) -> None:
    """Weapons flow to each group: ``resupply_rate * alignment`` units a day during a
    campaign, a share ``resupply_off_share`` of that outside one."""
    p, s = st.p, st.iran
    active = np.minimum(s.on_us + s.on_israel, 1.0)
    level = active + (1.0 - active) * p["iran.resupply_off_share"]
    flow = st.pg("iran.resupply_rate") * level[:, None] * p.traits["alignment"]
    militia.receive_weapons(st, flow)


def fire_direct(st: State) -> None:
    """Fire a direct attack due today, or, while replaying, the one the record shows (then
    the model's own scheduled attacks are dropped).  Iran then holds back for a while."""
    p, s, rp, day = st.p, st.iran, st.setup.replay, st.day
    fire = np.nonzero(s.direct_due == day)[0]
    if st.replaying:
        s.direct_due[fire] = NEVER
        target = rp.direct[day]
        if target >= 0:
            s.direct_due[:] = NEVER
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


def assess_risk(st: State) -> None:
    """Iran's sense of risk grows with what the day's attacks did to Americans (strikes add
    to it as they land: :func:`struck_ally`)."""
    p, c = st.p, st.counts
    added = (p["iran.risk_per_attack"] * c[M["attacks"]]
             + p["iran.risk_per_wounded"] * c[M["us_wounded"]]
             + p["iran.risk_per_killed"] * c[M["us_killed"]])
    st.iran.risk = st.iran.risk + added


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


def struck_ally(st: State, rows: np.ndarray, big: np.ndarray, leaders: np.ndarray,
                alignment: np.ndarray) -> None:
    """US strikes on a group in replicates ``rows``: a strike at or above the deterrence
    threshold (``big``) or one killing leaders raises Iran's sense of risk; killing the leaders
    of an allied group (``alignment`` in [0, 1]) also raises Iran's grievance, and Iran may
    answer it directly at US forces."""
    p = st.p
    st.iran.risk[rows] += (p["iran.risk_per_big_strike"][rows] * big
                           + p["iran.risk_per_leader_strike"][rows] * leaders)
    lr = rows[leaders]
    if lr.size:
        al = alignment[leaders]
        st.iran.grievance[lr] += p["iran.grievance_ally_leader"][lr] * al
        schedule_direct(st, lr, p["iran.direct_attack_prob_ally"][lr] * al, _US)
