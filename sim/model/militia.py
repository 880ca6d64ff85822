"""The Iran-backed militias: one group per column, stock, grievance, fear, leadership and
suspension.

State per group (arrays ``(R, G)``): ``capability`` (stock of rockets and drones, filled by
Iranian resupply, spent by attacks, cut by US and Israeli strikes), ``grievance``
(excitation: fighters and leaders lost, other groups' attacks), ``fear`` (the belief the US
will hit hard), ``recent_attacks`` (who the US blames), ``leaderless_until`` and
``suspended_until``, and the day's attacks ``launched``.  Static traits: ``alignment``
with Tehran, ``boldness``, a rate offset and the theatres a group operates in.

The per-group phases take a slice ``gs`` of groups: the batch engine runs them for every
group at once, each Mesa militia agent for its own column.  A group's decision reads only
the state at the start of the phase and writes only its own column (and the day's counts,
which add up), so the order of groups never changes a result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from . import random as rnd
from .maths import categorical, sigmoid
from .measures import ATTACK_MEASURES, M
from .param import P, Param
from .types import NEVER, THEATRES, Theatre, Tier

if TYPE_CHECKING:
    from .state import State

_ISRAEL = int(Theatre.ISRAEL)
_FIRST_ATTACK_ROW = M[ATTACK_MEASURES[0]]
_LEADERS, _IRANIAN, _TERRITORY = int(Tier.LEADERS), int(Tier.IRANIAN_PERSONNEL), \
    int(Tier.IRAN_TERRITORY)
_FACILITIES = int(Tier.FACILITIES)
_ATTACK_PURPOSES = [rnd.Purpose.THEATRE, rnd.Purpose.WEAPON, rnd.Purpose.HITS,
                    rnd.Purpose.WOUNDED, rnd.Purpose.LETHAL, rnd.Purpose.KILLED_EXTRA]

PARAMETERS: dict[str, Param] = {
    "attack_log_rate_base": P(-5.6, -12, 3, "log attacks/day", "log attack rate of an "
                              "average group at greenlight 0, no grievance, fear or "
                              "containment"),
    "w_greenlight": P(6.5, 0, 12, "log-rate per greenlight unit", "following Tehran's lead"),
    "w_grievance": P(1.5, 0, 6, "log-rate at saturation of g/(1+g)", "revenge and contagion"),
    "w_boldness": P(1.0, 0, 6, "log-rate per boldness unit", "the adventurous second "
                    "generation"),
    "w_fear": P(1.1, 0, 8, "log-rate per fear unit", "deterrence by expected US punishment"),
    "w_containment": P(2.0, 0, 8, "log-rate per containment unit", "restraint by the Iraqi "
                       "state"),
    "capability_half": P(15.0, 0.1, 500, "capability units", "stock at which capability "
                         "halves the attack rate"),
    "capability_cap": P(150.0, 1, 5000, "capability units", "storage ceiling of a group"),
    "initial_capability_scale": P(1.0, 0, 10, "multiplier", "scales every group's starting "
                                  "stock"),
    "max_daily_attacks": P(2, 1, 50, "attacks/day", "a group's daily launch capacity "
                           "(crews and launchers): no more attacks than this in a day",
                           kind="int"),
    "attack_cost": P(1.0, 0.01, 50, "capability units/attack", "stock spent per attack"),
    "grievance_decay_days": P(30.0, 1, 1000, "days", "e-folding time of grievance (Hawkes "
                              "memory, 2-6 weeks)"),
    "fear_decay_days": P(100.0, 1, 1000, "days", "e-folding time of fear"),
    "contagion": P(0.12, 0, 5, "grievance units per attack", "excitation from any group's "
                   "attack that day"),
    "grievance_per_fighter_killed": P(0.08, 0, 5, "grievance units per fighter",
                                      "excitation from fighters lost"),
    "grievance_leader_killed": P(1.5, 0, 20, "grievance units", "excitation from a leader "
                                 "lost"),
    "fear_facilities": P(0.4, 0, 20, "fear units", "fear added to the struck group by a US "
                         "strike on facilities"),
    "fear_leaders": P(2.5, 0, 30, "fear units", "fear added to the struck group by a US "
                      "leadership strike"),
    "fear_iranian_personnel": P(3.5, 0, 30, "fear units", "fear added to every group when "
                                "the US kills Iranian personnel"),
    "fear_spillover": P(0.5, 0, 1, "fraction", "share of a strike's fear felt by groups not "
                        "struck"),
    "fear_israeli_strike": P(0.05, 0, 5, "fear units", "fear added by an Israeli strike"),
    "drone_share_start": P(0.15, 0, 1, "fraction", "share of attacks by drone at the "
                           "scenario start"),
    "drone_share_end": P(0.8, 0, 1, "fraction", "share of attacks by drone at the scenario "
                         "end"),
    "embassy_pull": P(0.15, 0, 5, "weight per grievance unit", "how grievance draws attacks "
                      "to the Baghdad embassy"),
    "israel_pull": P(1.2, 0, 10, "weight per driver unit", "how a Gaza or regional war draws "
                     "attacks to Israel"),
    "jordan_pull": P(0.15, 0, 5, "weight per driver unit", "how a Gaza war opens Jordan as a "
                     "theatre"),
    "syria_shift": P(1.5, 0, 10, "weight per pressure unit", "how Iraqi sovereignty pressure "
                     "moves attacks from Iraq to Syria"),
    "suspend_logit_base": P(-9.0, -20, 5, "logit", "daily log-odds a group declares a "
                            "suspension with no fear or containment"),
    "suspend_w_fear": P(0.9, 0, 10, "logit per fear unit", "fear pushes toward suspension"),
    "suspend_w_containment": P(5.0, 0, 20, "logit per containment unit", "Iraqi mediation "
                               "pushes toward suspension"),
    "suspend_w_greenlight": P(2.0, 0, 20, "logit per greenlight unit", "a greenlight keeps "
                              "aligned groups fighting"),
    "suspension_days_mean": P(120.0, 1, 720, "days", "mean length of a suspension (uniform "
                              "on half to 1.5 times this)"),
    "leader_replacement_days": P(60, 1, 720, "days", "how long a group runs leaderless",
                                 kind="int"),
    "leaderless_rate_factor": P(0.5, 0, 1, "multiplier", "attack-rate multiplier while "
                                "leaderless"),
}
"""Parameters shared by every group (scenario section ``[militia]``)."""

GROUP_TRAITS: dict[str, Param] = {
    "alignment": P(0.8, 0, 1, "fraction", "how closely the group follows Tehran's greenlight"),
    "boldness": P(0.5, 0, 1, "fraction", "appetite for risk, beyond Tehran's line"),
    "rate_offset": P(0.0, -5, 5, "log-rate", "group-specific shift of the attack rate"),
    "initial_capability": P(30.0, 0, 5000, "capability units", "stock on the first day"),
    "theatres": P("iraq,syria", unit="list of theatres", doc="theatres the group operates "
                  "in, from " + ", ".join(THEATRES), kind="theatres"),
}
"""Traits of one militia group, set under ``[groups.<name>]``."""

DEFAULT_GROUPS: dict[str, dict] = {
    "kataib_hezbollah": {"alignment": 0.9, "boldness": 0.7, "rate_offset": 0.4,
                         "initial_capability": 40.0, "theatres": "iraq,syria,embassy,jordan"},
    "harakat_al_nujaba": {"alignment": 0.95, "boldness": 0.9, "rate_offset": 0.1,
                          "initial_capability": 30.0, "theatres": "iraq,syria,embassy,israel"},
    "asaib_ahl_al_haq": {"alignment": 0.55, "boldness": 0.3, "rate_offset": -0.6,
                         "initial_capability": 30.0, "theatres": "iraq,embassy"},
    "kataib_sayyid_al_shuhada": {"alignment": 0.85, "boldness": 0.6, "rate_offset": -0.3,
                                 "initial_capability": 20.0, "theatres": "iraq,syria,israel"},
}
"""The four default groups and their traits (front names such as "Islamic Resistance in
Iraq" are labels for deniability, not separate actors)."""

DECAYS: tuple[tuple[str, str], ...] = (
    ("grievance", "militia.grievance_decay_days"),
    ("fear", "militia.fear_decay_days"),
    ("recent_attacks", "militia.grievance_decay_days"),
)
"""State variables that decay daily, with the parameter giving their e-folding time."""
TRACES: dict[str, str] = {"militia_fear": "fear", "militia_grievance": "grievance",
                          "militia_capability": "capability"}
"""Traced state (per group): trace name -> attribute."""


# --- rules --------------------------------------------------------------------------------

def static_log_rate(log_rate_base: np.ndarray, rate_offset: np.ndarray,
                    w_boldness: np.ndarray, boldness: np.ndarray) -> np.ndarray:
    """The part of a group's log attack rate fixed for the whole run: the common base, the
    group's own offset and its boldness (the adventurous second generation)."""
    return log_rate_base + rate_offset + w_boldness * boldness


def availability(suspended: np.ndarray, leaderless: np.ndarray,
                 leaderless_factor: np.ndarray) -> np.ndarray:
    """Attack-rate multiplier from the group's condition: 0 while suspended,
    ``leaderless_factor`` while leaderless, 1 otherwise."""
    return np.where(suspended, 0.0, np.where(leaderless, leaderless_factor, 1.0))


def attack_rate(static_rate: np.ndarray, greenlight_gain: np.ndarray, greenlight: np.ndarray,
                w_grievance: np.ndarray, grievance: np.ndarray, w_fear: np.ndarray,
                fear: np.ndarray, w_containment: np.ndarray, containment: np.ndarray,
                capability: np.ndarray, capability_half: np.ndarray,
                multiplier: np.ndarray) -> np.ndarray:
    """Expected attacks on the day (Poisson rate, attacks/day) of one group.

    A log-linear rate: Tehran's greenlight (``greenlight_gain`` = weight x the group's
    alignment) and grievance push it up, grievance through ``g / (1 + g)`` so that
    self-excitation saturates (at most a factor ``exp(w_grievance)``); fear of the US and Iraqi
    containment push it down.  It is scaled by stock (``capability / (capability +
    capability_half)``) and by :func:`availability`.  Decreasing in ``fear`` and
    ``containment``, increasing in greenlight, grievance and stock.
    """
    log_rate = (static_rate + greenlight_gain * greenlight
                + w_grievance * (grievance / (1.0 + grievance)) - w_fear * fear
                - w_containment * containment)
    return np.exp(log_rate) * (capability / (capability + capability_half)) * multiplier


def attacks_within_stock(count: np.ndarray, capability: np.ndarray, attack_cost: np.ndarray,
                         max_daily: np.ndarray) -> np.ndarray:
    """Attacks actually launched: never more than the group's daily launch capacity
    ``max_daily`` (crews, launchers) and never more than the stock pays for, so capability
    stays non-negative."""
    affordable = np.floor(capability / attack_cost + 1e-9).astype(np.int64)
    return np.minimum(np.minimum(count, max_daily), np.maximum(affordable, 0))


def spend(capability: np.ndarray, attacks: np.ndarray, attack_cost: np.ndarray) -> np.ndarray:
    """Stock left after ``attacks`` attacks (never negative)."""
    return np.maximum(capability - attacks * attack_cost, 0.0)


def theatre_weights(mask: np.ndarray, presence_iraq: np.ndarray, troops_syria: np.ndarray,
                    sovereignty: np.ndarray, syria_shift: np.ndarray, grievance: np.ndarray,
                    embassy_pull: np.ndarray, gaza: float, jordan_pull: np.ndarray,
                    regional: float, israel_pull: np.ndarray) -> np.ndarray:
    """Unnormalised preference of a group for each theatre, shape ``(..., 5)``.

    Iraq in proportion to the US presence there; Syria more as Iraqi sovereignty pressure makes
    attacks on Iraqi soil costly; the embassy with grievance; Jordan and Israel only during a
    Gaza or regional war.  ``mask`` (``(..., 5)`` of 0/1) keeps the group's own theatres.
    """
    w = np.stack([
        presence_iraq + 0.0 * grievance,
        troops_syria * (1.0 + syria_shift * sovereignty),
        embassy_pull * grievance,
        jordan_pull * gaza + 0.0 * grievance,
        israel_pull * (gaza + regional) + 0.0 * grievance,
    ], axis=-1)
    return w * mask


def drone_share(start_share: np.ndarray, end_share: np.ndarray, day: int,
                days: int) -> np.ndarray:
    """Share of attacks made by drone on ``day``, linear from start to end of the run."""
    frac = day / max(days - 1, 1)
    return start_share + (end_share - start_share) * frac


def suspension_probability(logit_base: np.ndarray, w_fear: np.ndarray, fear: np.ndarray,
                           w_containment: np.ndarray, containment: np.ndarray,
                           w_greenlight: np.ndarray, alignment: np.ndarray,
                           greenlight: np.ndarray) -> np.ndarray:
    """Daily chance a group declares a suspension: fear of the US and Iraqi mediation push
    toward it, Tehran's greenlight (weighted by alignment) holds it back."""
    return sigmoid(logit_base + w_fear * fear + w_containment * containment
                   - w_greenlight * alignment * greenlight)


def suspension_days(mean_days: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Length of a suspension (days): uniform on [0.5, 1.5] times the mean, at least one."""
    return np.maximum(np.round(mean_days * (0.5 + u)), 1.0).astype(np.int64)


def strike_fear(tier: np.ndarray, facilities: np.ndarray, leaders: np.ndarray) -> np.ndarray:
    """Fear a US strike of ``tier`` puts into the group it hits."""
    return np.where(tier == _FACILITIES, facilities, np.where(tier >= _LEADERS, leaders, 0.0))


# --- state --------------------------------------------------------------------------------

def init(st: State) -> None:
    """The groups on the first day: their initial stocks, no grievance, fear or
    suspension, leaders alive."""
    s, n, g, p = st.militia, st.n, st.g, st.p
    s.capability = p.traits["initial_capability"] * st.pg("militia.initial_capability_scale")
    s.grievance = np.zeros((n, g))
    s.fear = np.zeros((n, g))
    s.leaderless_until = np.full((n, g), NEVER, dtype=np.int64)
    s.suspended_until = np.full((n, g), NEVER, dtype=np.int64)
    s.recent_attacks = np.zeros((n, g))
    s.u_suspend = np.zeros((n, g))
    s.launched = np.zeros((n, g), dtype=np.int64)
    s.actor = rnd.MILITIA + np.arange(g)
    s.codes = [int(a) for a in s.actor]
    s.static_rate = static_log_rate(st.pg("militia.attack_log_rate_base"),
                                    p.traits["rate_offset"], st.pg("militia.w_boldness"),
                                    p.traits["boldness"])
    s.greenlight_gain = st.pg("militia.w_greenlight") * p.traits["alignment"]


def stock_share(st: State) -> np.ndarray:
    """Mean stock of the groups as a share of their storage ceiling, ``(R,)``."""
    return (st.militia.capability @ np.ones(st.g)) / (st.p["militia.capability_cap"] * st.g)


# --- phases -------------------------------------------------------------------------------

def absorb_shocks(st: State, gs: slice) -> None:
    """Dated shocks to every group's grievance and fear."""
    s = st.militia
    amount = st.shock("militia.grievance")
    if amount:
        s.grievance[:, gs] = s.grievance[:, gs] + amount
    amount = st.shock("militia.fear")
    if amount:
        s.fear[:, gs] = s.fear[:, gs] + amount


class AttackEvents(NamedTuple):
    """The day's attacking group-days of one phase call, for the US casualty phase.

    Attributes:
        rows: replicate of each group-day; theatre: theatre code (-1: none open);
        attacks: attacks launched; is_drone: weapon; u: ``(k, 4)`` uniforms for hits,
            wounded, lethal hits and further deaths.
    """

    rows: np.ndarray
    theatre: np.ndarray
    attacks: np.ndarray
    is_drone: np.ndarray
    u: np.ndarray


def attack(st: State, gs: slice) -> None:
    """Each group decides how many attacks to launch today, on which theatre and with which
    weapon; while replaying, the recorded attacks instead.

    Adds to the day's attack counts by theatre; spends stock; remembers who attacked US
    forces (``recent_attacks``); leaves the attacks in ``st.attacks_today`` for
    :func:`sim.model.us.take_casualties`.
    """
    s, p, day = st.militia, st.p, st.day
    gidx = st.group_index[gs]
    ng = len(gidx)
    s.launched[:, gs] = 0
    if st.replaying:
        rec = st.setup.replay.attacks[day][gs]  # (ng, 5)
        if rec.any():
            s.launched[:, gs] = rec.sum(axis=1)[None, :]
            by_theatre = rec.sum(axis=0)
            for th in range(len(THEATRES)):
                st.counts[_FIRST_ATTACK_ROW + th] += by_theatre[th]
            on_us = rec[:, :_ISRAEL].sum(axis=1)
            for j in np.flatnonzero(rec.sum(axis=1)):
                gi = gidx[j]
                s.recent_attacks[:, gi] = s.recent_attacks[:, gi] + on_us[j]
                s.capability[:, gi] = spend(s.capability[:, gi], rec[j].sum(),
                                            p["militia.attack_cost"])
        return
    mult = availability(s.suspended_until[:, gs] >= day, s.leaderless_until[:, gs] >= day,
                        st.pg("militia.leaderless_rate_factor")[:, gs])
    lam = attack_rate(
        s.static_rate[:, gs], s.greenlight_gain[:, gs], st.iran.greenlight_g[:, gs],
        st.pg("militia.w_grievance")[:, gs], s.grievance[:, gs],
        st.pg("militia.w_fear")[:, gs], s.fear[:, gs], st.pg("militia.w_containment")[:, gs],
        np.repeat(st.iraq.containment[:, None], ng, axis=1), s.capability[:, gs],
        st.pg("militia.capability_half")[:, gs], mult)
    u_attack, u_suspend = rnd.uniform_pair(st.keys_col, day, s.actor[gs],
                                           rnd.Purpose.ATTACKS)
    s.u_suspend[:, gs] = u_suspend
    attacks = rnd.poisson(lam, u_attack)
    idx = np.flatnonzero(attacks)
    if not idx.size:
        return
    r, j = np.divmod(idx, ng)
    gi = gidx[j]
    n_att = attacks_within_stock(attacks.reshape(-1)[idx], s.capability[r, gi],
                                 p["militia.attack_cost"][r],
                                 p["militia.max_daily_attacks"][r].astype(np.int64))
    drv = st.drv
    weights = theatre_weights(
        p.theatre_mask[gi], st.us.presence_iraq[r], p["us.troops_syria"][r],
        st.iraq.sovereignty[r], p["militia.syria_shift"][r], s.grievance[r, gi],
        p["militia.embassy_pull"][r], drv.gaza, p["militia.jordan_pull"][r], drv.regional,
        p["militia.israel_pull"][r])
    # one hash pass for the six draws of every attacking group-day
    ek = rnd.event_keys(day, s.codes, _ATTACK_PURPOSES)
    u6 = rnd.uniform_keyed(st.keys[r][:, None], ek[gi])
    theatre = categorical(weights, u6[:, 0])
    n_att = np.where(theatre >= 0, n_att, 0)
    is_drone = (u6[:, 1] < drone_share(p["militia.drone_share_start"][r],
                                       p["militia.drone_share_end"][r], day, st.setup.days))
    st.attacks_today.append(AttackEvents(r, theatre, n_att, is_drone, u6[:, 2:6]))
    n = st.n
    by_theatre = np.bincount(np.maximum(theatre, 0) * n + r, n_att, minlength=len(THEATRES) * n)
    st.counts[_FIRST_ATTACK_ROW:_FIRST_ATTACK_ROW + len(THEATRES)] += (
        by_theatre.reshape(len(THEATRES), n).astype(np.int64))
    on_us = (theatre >= 0) & (theatre != _ISRAEL)
    s.recent_attacks[r, gi] = s.recent_attacks[r, gi] + np.where(on_us, n_att, 0)
    s.capability[r, gi] = spend(s.capability[r, gi], n_att, p["militia.attack_cost"][r])
    s.launched[r, gi] = n_att


def contagion(st: State, gs: slice) -> None:
    """Every attack of the day, by any group, excites every group's grievance."""
    total = st.counts[M["attacks"]] + st.counts[M["attacks_israel"]]
    hit = np.flatnonzero(total)
    if hit.size:
        s = st.militia
        s.grievance[hit, gs] = (s.grievance[hit, gs]
                                + st.p["militia.contagion"][hit, None] * total[hit, None])


def consider_suspension(st: State, gs: slice) -> None:
    """A group may declare a suspension under fear and Iraqi mediation (while replaying:
    the suspensions the record shows)."""
    s, p, day = st.militia, st.p, st.day
    gidx = st.group_index[gs]
    ng = len(gidx)
    free = s.suspended_until[:, gs] < day
    if st.replaying:
        susp = st.setup.replay.suspend[day][gs][None, :] & free
    else:
        p_susp = suspension_probability(
            st.pg("militia.suspend_logit_base")[:, gs], st.pg("militia.suspend_w_fear")[:, gs],
            s.fear[:, gs], st.pg("militia.suspend_w_containment")[:, gs],
            np.repeat(st.iraq.containment[:, None], ng, axis=1),
            st.pg("militia.suspend_w_greenlight")[:, gs], p.traits["alignment"][:, gs],
            st.iran.greenlight_g[:, gs])
        susp = (s.u_suspend[:, gs] < p_susp) & free
    sidx = np.flatnonzero(susp)
    if sidx.size:
        r, j = np.divmod(sidx, ng)
        gi = gidx[j]
        dur = suspension_days(p["militia.suspension_days_mean"][r],
                              st.u_groups(rnd.Purpose.SUSPEND_DAYS, r, gi))
        s.suspended_until[r, gi] = day + dur
        st.counts[M["militia_suspensions"]] += np.bincount(r, minlength=st.n)


# --- effects (called by other actors' phases) ---------------------------------------------

def receive_weapons(st: State, flow: np.ndarray) -> None:
    """Add ``flow`` (capability units, ``(R, G)``) to every stock, up to its ceiling."""
    s = st.militia
    s.capability = np.minimum(s.capability + flow, st.pg("militia.capability_cap"))


def blamed_group(st: State, rows: np.ndarray) -> np.ndarray:
    """The group the US blames in replicates ``rows``: the one with the most recent attacks
    on US forces (the first group on ties)."""
    return np.argmax(st.militia.recent_attacks[rows], axis=1)


def struck_by_us(st: State, rows: np.ndarray, target: np.ndarray, tier: np.ndarray,
                 fighters: np.ndarray, cut: np.ndarray) -> None:
    """A US strike of ``tier`` on group ``target`` in replicates ``rows``: the struck group
    loses a share ``cut`` of its stock and ``fighters`` fighters (grievance), its leaders
    under the leaders and Iranian-personnel tiers (it runs leaderless for a while); every
    group fears the US more, the struck one most, and all of them far more when Iranian
    personnel are killed.  A strike on Iranian territory touches no group's stock."""
    s, p, day = st.militia, st.p, st.day
    on_proxies = tier < _TERRITORY
    pr, pt = rows[on_proxies], target[on_proxies]
    s.capability[pr, pt] *= 1.0 - cut[on_proxies]
    leader = (tier == _LEADERS) | (tier == _IRANIAN)
    griev = p["militia.grievance_per_fighter_killed"][rows] * fighters
    if leader.any():  # (adding 0.0 elsewhere changes nothing, so it is skipped)
        griev = griev + np.where(leader, p["militia.grievance_leader_killed"][rows], 0.0)
        lr, lt = rows[leader], target[leader]
        s.leaderless_until[lr, lt] = day + p["militia.leader_replacement_days"][lr].astype(
            np.int64)
    s.grievance[pr, pt] += griev[on_proxies]
    fear = strike_fear(tier, p["militia.fear_facilities"][rows], p["militia.fear_leaders"][rows])
    spill = p["militia.fear_spillover"][rows]
    s.fear[rows] += (fear * spill)[:, None]
    s.fear[pr, pt] += (fear * (1.0 - spill))[on_proxies]
    iran_hit = tier >= _IRANIAN
    if iran_hit.any():
        s.fear[rows] += np.where(iran_hit, p["militia.fear_iranian_personnel"][rows],
                                 0.0)[:, None]


def struck_by_israel(st: State, rows: np.ndarray, target: np.ndarray, strikes: np.ndarray,
                     keep: np.ndarray, fighters: np.ndarray) -> None:
    """``strikes`` Israeli strikes on group ``target`` in replicates ``rows``: the group
    keeps a share ``keep`` of its stock and loses ``fighters`` fighters; every group's fear
    rises a little."""
    s, p = st.militia, st.p
    s.capability[rows, target] *= keep
    s.grievance[rows, target] += p["militia.grievance_per_fighter_killed"][rows] * fighters
    s.fear[rows] += (p["militia.fear_israeli_strike"][rows] * strikes)[:, None]
