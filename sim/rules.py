"""The decision rules, as pure functions over numpy arrays.

Both engines call these.  The batch engine passes arrays of shape ``(R,)`` (one value per
replicate) or ``(R, G)`` (per replicate and militia group); the Mesa engine passes the same
functions its own agent's state as arrays of shape ``(1,)`` or ``(1, 1)``.  Every operation is
elementwise along the replicate axis, so a replicate's numbers never depend on its neighbours.

Units: rates are per day, decay times are e-folding times in days, "logit" values are
log-odds and "log-rate" values are natural logs of Poisson rates.
"""

from __future__ import annotations

import numpy as np

from . import random as rnd

# Tier and theatre codes (see sim.parameters.TIERS / THEATRES).
NONE, FACILITIES, LEADERS, IRANIAN_PERSONNEL, IRAN_TERRITORY = range(5)
IRAQ, SYRIA, EMBASSY, JORDAN, ISRAEL_THEATRE = range(5)
STRIKE_IRAQ, STRIKE_SYRIA, STRIKE_IRAN = range(3)
TRIGGER_DEATHS, TRIGGER_CASUALTIES, TRIGGER_STREAK, TRIGGER_NEVER = range(4)
TARGET_US, TARGET_ISRAEL = 0, 1
NEVER = -1  # "no day scheduled"


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function, log-odds to probability."""
    return 1.0 / (1.0 + np.exp(-x))


def decay_factor(tau_days: np.ndarray) -> np.ndarray:
    """Daily multiplier of a state with e-folding time ``tau_days``."""
    return np.exp(-1.0 / np.asarray(tau_days, dtype=np.float64))


# --- Iran -------------------------------------------------------------------------------------

def iran_target_greenlight(base, w_max_pressure, w_unrest, w_gaza, w_regional, w_talks,
                           w_grievance, w_fear, max_pressure, unrest, gaza, regional, talks,
                           grievance, credibility, holding, hold_strength):
    """Greenlight Tehran aims for today, in [0, 1].

    Rises with sanctions pressure, domestic unrest, a Gaza or regional war and grievance;
    falls while nuclear talks are live, with US credibility (fear of escalation on Iran
    itself) and while Iran holds back after a direct attack (``holding`` is 0 or 1).
    """
    logit = (base + w_max_pressure * max_pressure + w_unrest * unrest + w_gaza * gaza
             + w_regional * regional - w_talks * talks + w_grievance * grievance
             - w_fear * credibility - hold_strength * holding)
    return sigmoid(logit)


def approach(current, target, rate):
    """Move ``current`` a share ``rate`` of the way to ``target`` (inertia)."""
    return current + rate * (target - current)


def resupply(capability, greenlight, alignment, rate, cap):
    """Capability after Iran's daily weapons flow: ``rate * greenlight * alignment`` units,
    up to the group's storage ceiling ``cap``."""
    return np.minimum(capability + rate * greenlight * alignment, cap)


def effective_gaza(gaza_war, gaza_truce):
    """The Gaza-war driver net of any truce (a truce of strength >= 1 silences it)."""
    return gaza_war * (1.0 - np.minimum(gaza_truce, 1.0))


# --- Militias ---------------------------------------------------------------------------------

def militia_static_log_rate(log_rate_base, rate_offset, w_boldness, boldness):
    """The part of a group's log attack rate fixed for the whole run: the common base, the
    group's own offset and its boldness (the adventurous second generation)."""
    return log_rate_base + rate_offset + w_boldness * boldness


def availability(suspended, leaderless, leaderless_factor):
    """Attack-rate multiplier from the group's condition: 0 while suspended,
    ``leaderless_factor`` while leaderless, 1 otherwise."""
    return np.where(suspended, 0.0, np.where(leaderless, leaderless_factor, 1.0))


def militia_attack_rate(static_log_rate, greenlight_gain, greenlight, w_grievance, grievance,
                        w_fear, fear, w_containment, containment, capability, capability_half,
                        multiplier):
    """Expected attacks on the day (Poisson rate) of one group.

    A log-linear rate: Tehran's greenlight (``greenlight_gain`` = weight x the group's
    alignment) and grievance push it up, grievance through ``g / (1 + g)`` so that
    self-excitation saturates (at most a factor ``exp(w_grievance)``); fear of the US and Iraqi
    containment push it down.  It is scaled by stock (``capability / (capability +
    capability_half)``) and by :func:`availability`.  Decreasing in ``fear`` and
    ``containment``, increasing in greenlight, grievance and stock.
    """
    log_rate = (static_log_rate + greenlight_gain * greenlight
                + w_grievance * (grievance / (1.0 + grievance)) - w_fear * fear
                - w_containment * containment)
    return np.exp(log_rate) * (capability / (capability + capability_half)) * multiplier


def attacks_within_stock(count, capability, attack_cost, max_daily):
    """Attacks actually launched: never more than the group's daily launch capacity
    ``max_daily`` (crews, launchers) and never more than the stock pays for, so capability
    stays non-negative."""
    affordable = np.floor(capability / attack_cost + 1e-9).astype(np.int64)
    return np.minimum(np.minimum(count, max_daily), np.maximum(affordable, 0))


def spend(capability, attacks, attack_cost):
    """Stock left after ``attacks`` attacks (never negative)."""
    return np.maximum(capability - attacks * attack_cost, 0.0)


def theatre_weights(mask, presence_iraq, troops_syria, sovereignty, syria_shift, grievance,
                    embassy_pull, gaza, jordan_pull, regional, israel_pull):
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


def categorical(weights, u):
    """Index drawn from unnormalised ``weights`` (last axis) by uniform ``u``; -1 when all
    weights are zero."""
    cum = np.cumsum(weights, axis=-1)
    total = cum[..., -1]
    idx = np.sum(cum <= (u * total)[..., None], axis=-1)
    idx = np.minimum(idx, weights.shape[-1] - 1)
    return np.where(total > 0, idx, -1)


def drone_share(start_share, end_share, day, days):
    """Share of attacks made by drone on ``day``, linear from start to end of the run."""
    frac = day / max(days - 1, 1)
    return start_share + (end_share - start_share) * frac


def suspension_probability(logit_base, w_fear, fear, w_containment, containment,
                           w_greenlight, alignment, greenlight):
    """Daily chance a group declares a suspension: fear of the US and Iraqi mediation push
    toward it, Tehran's greenlight (weighted by alignment) holds it back."""
    return sigmoid(logit_base + w_fear * fear + w_containment * containment
                   - w_greenlight * alignment * greenlight)


def suspension_days(mean_days, u):
    """Length of a suspension: uniform on [0.5, 1.5] times the mean, at least one day."""
    return np.maximum(np.round(mean_days * (0.5 + u)), 1.0).astype(np.int64)


# --- Outcomes of attacks on US forces ---------------------------------------------------------

def exposure(theatre, presence_iraq, troops_syria, exposure_embassy, exposure_jordan):
    """How exposed US personnel are to an attack in ``theatre`` (0 for Israel or none)."""
    zero = np.zeros_like(presence_iraq)
    table = np.stack([presence_iraq, troops_syria + zero, exposure_embassy + zero,
                      exposure_jordan + zero, zero], axis=-1)
    pick = np.where(theatre < 0, ISRAEL_THEATRE, theatre)
    return np.take_along_axis(table, pick[..., None], axis=-1)[..., 0]


def attack_casualties(attacks, is_drone, expo, force_protection, hit_rocket, hit_drone,
                      lethal_rocket, lethal_drone, wounded_per_hit, killed_extra_mean,
                      u_hits, u_wounded, u_lethal, u_extra):
    """US wounded and killed from a group's attacks of the day.

    Each undefeated attack (share ``1 - force_protection``, scaled by exposure) wounds with
    the weapon's hit probability and kills with its lethal probability; wounding attacks wound
    ``wounded_per_hit`` people on average; a lethal attack kills one person plus
    ``killed_extra_mean`` more on average and wounds like a hit.  Low lethality is mostly
    chance: attacks are meant to deter, not to kill.

    Returns:
        (wounded, killed) as int64 arrays.
    """
    eff = attacks * (1.0 - force_protection) * expo
    hits = rnd.poisson(eff * np.where(is_drone, hit_drone, hit_rocket), u_hits)
    lethal = rnd.poisson(eff * np.where(is_drone, lethal_drone, lethal_rocket), u_lethal)
    wounded = rnd.poisson((hits + lethal) * wounded_per_hit, u_wounded)
    killed = lethal + rnd.poisson(lethal * killed_extra_mean, u_extra)
    return wounded, killed


# --- Iraqi government -------------------------------------------------------------------------

def containment_target(base, w_embarrassment, embarrassment, w_looming, us_pressure,
                       w_protests, protests, cap):
    """Restraint the Iraqi state aims for: rises with embarrassing attacks and a looming US
    escalation, falls while a protest wave weakens the government; between 0 and the cap set by
    the militias' political weight."""
    return np.clip(base + w_embarrassment * embarrassment + w_looming * us_pressure
                   - w_protests * protests, 0.0, cap)


# --- Israel -----------------------------------------------------------------------------------

def israel_strike_rate(log_rate_base, w_capability, mean_stock_share, w_attacks,
                       attack_memory, w_war, war):
    """Expected Israeli interdiction strikes on the day (Poisson rate): rises with the
    militias' stock (mean share of their storage ceiling), with recent attacks on Israel
    (through ``log1p``, so the tempo saturates) and during a Gaza or regional war."""
    return np.exp(log_rate_base + w_capability * mean_stock_share
                  + w_attacks * np.log1p(attack_memory) + w_war * war)


def repeated_cut(cut, n):
    """Share of stock left after ``n`` strikes each destroying a share ``cut``."""
    return (1.0 - cut) ** n


# --- United States ----------------------------------------------------------------------------

def us_pressure(pressure, per_killed, killed, per_wounded, wounded, per_attack, attacks,
                per_embassy, embassy_attacks, election_gain, election):
    """Domestic pressure to respond after the day's casualties and attacks (killed weigh far
    more than wounded; attacks on the embassy weigh more than attacks on bases); during an
    election campaign each event weighs ``1 + election_gain * election`` times as much."""
    added = (per_killed * killed + per_wounded * wounded + per_attack * attacks
             + per_embassy * embassy_attacks)
    return pressure + added * (1.0 + election_gain * election)


def trigger_met(trigger, killed, wounded, attacks):
    """Whether the day meets the US retaliation trigger (deaths, casualties, any attack
    streak, or never)."""
    return (((trigger == TRIGGER_DEATHS) & (killed > 0))
            | ((trigger == TRIGGER_CASUALTIES) & ((killed + wounded) > 0))
            | ((trigger == TRIGGER_STREAK) & (attacks > 0)))


def response_probability(trigger, met, attack_day, prob_trigger, prob_other):
    """Chance the US decides today to retaliate: high when the trigger is met, small on other
    attack days, zero under the ``never`` doctrine."""
    p = np.where(met, prob_trigger, np.where(attack_day, prob_other, 0.0))
    return np.where(trigger == TRIGGER_NEVER, 0.0, p)


def response_tier(pressure, first_tier, max_tier, leaders_pressure, iranian_pressure,
                  direct_lethal):
    """Tier of a US response: the policy's ordinary tier, raised to leaders and to Iranian
    personnel as domestic pressure passes its thresholds, to Iranian territory after an
    Iranian direct attack that killed Americans; never above the policy's ``max_tier``."""
    tier = np.maximum(first_tier, np.where(pressure >= leaders_pressure, LEADERS, NONE))
    tier = np.where(pressure >= iranian_pressure, np.maximum(tier, IRANIAN_PERSONNEL), tier)
    tier = np.where(direct_lethal, IRAN_TERRITORY, tier)
    return np.minimum(tier, max_tier)


def scheduled_presence(current, troops, scheduled_share):
    """US presence in Iraq after a scheduled drawdown: the scheduled share of the 2019 level,
    unless presence is already lower."""
    return np.minimum(current, troops * scheduled_share)


def lag_days(u, lo, hi):
    """Whole days between a decision and its execution, uniform on ``[lo, hi]``."""
    return lo + np.floor(u * (hi - lo + 1)).astype(np.int64)


def strike_country(tier, sovereignty, syria_threshold):
    """Where a US strike lands: Iran for strikes on Iranian territory; Syria when Iraqi
    sovereignty pressure is above the threshold; Iraq otherwise."""
    return np.where(tier == IRAN_TERRITORY, STRIKE_IRAN,
                    np.where(sovereignty > syria_threshold, STRIKE_SYRIA, STRIKE_IRAQ))


def strike_credibility(tier, facilities, leaders, iranian):
    """Credibility the US gains from a strike of ``tier``."""
    return np.where(tier == FACILITIES, facilities,
                    np.where(tier == LEADERS, leaders,
                             np.where(tier >= IRANIAN_PERSONNEL, iranian, 0.0)))


def strike_fear(tier, facilities, leaders):
    """Fear a strike of ``tier`` puts into the group it hits."""
    return np.where(tier == FACILITIES, facilities, np.where(tier >= LEADERS, leaders, 0.0))


# --- The ladder -------------------------------------------------------------------------------

LADDER = ("calm", "harassment", "casualties", "lethal", "retaliation", "decapitation",
          "direct fire", "sustained direct war")
"""Rung names, 0..7."""
SUSTAINED_WINDOW_DAYS = 30
"""Three direct US-Iran fire days within this many days make rung 7."""
SCORE_WEIGHTS = np.array([0.0] + [2.0 ** k for k in range(7)])
"""Escalation-score weight of each rung: 0 for calm, then 1, 2, 4, ... 64 (convex, after
Rivera et al. 2024)."""


def ladder_level(attacks_us, wounded, killed, tier, direct_on_us, sustained):
    """The day's rung: the highest rung whose event happened that day.

    1 attacks on US forces; 2 US wounded; 3 US killed; 4 a US strike on proxies; 5 a strike on
    militia leaders or Iranian personnel; 6 direct state-on-state fire (Iran on US forces or the
    US on Iran); 7 the third direct-fire day within 30 days.
    """
    lvl = np.where(attacks_us > 0, 1, 0)
    lvl = np.where(wounded > 0, 2, lvl)
    lvl = np.where(killed > 0, 3, lvl)
    lvl = np.where(tier >= FACILITIES, 4, lvl)
    lvl = np.where((tier == LEADERS) | (tier == IRANIAN_PERSONNEL), 5, lvl)
    lvl = np.where(direct_on_us | (tier == IRAN_TERRITORY), 6, lvl)
    lvl = np.where(sustained, 7, lvl)
    return lvl
