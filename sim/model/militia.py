"""The Iran-backed militias: one group per column; campaign-following, self-exciting attacks,
stock, provocation, fear, leadership and suspension.

A group's daily attack rate on US forces is

    lambda = modifiers * (mu + excitation + w_grievance * grievance)

``mu`` is its base rate, raised (by its alignment with Tehran) while Iran runs a campaign on
US forces and far more during a Gaza or regional war; ``excitation`` is a linear Hawkes term
over every group's past attacks (exponential kernel, weeks of memory); grievance is
provocation by the fighters and leaders US strikes kill.  The ``modifiers`` (fear of the US,
Iraqi containment, Iran's order to stand down after a halt, stock, suspension,
leaderlessness) scale the whole rate and never push it up.  Attacks on Israel are a second
stream, on during a war and strongest during a campaign on Israel.

State per group (arrays ``(R, G)``): ``capability`` (stock of rockets and drones),
``grievance``, ``fear``, ``excitation`` (the Hawkes state: past attacks, decayed),
``recent_attacks`` (who the US blames), ``leaderless_until``, ``suspended_until``, and the
day's attacks ``launched``.  Static traits: ``alignment`` with Tehran, ``boldness``, a rate
offset and the theatres a group operates in.

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
    # calibrated (posterior medians, fit to 2023; calibration/point_estimate.json):
    # w_campaign, w_campaign_war, w_political_crisis; attack_log_rate_base is held at its
    # median from the four-parameter fit (sim.calibration.fit.HAND_SET says why)
    "attack_log_rate_base": P(-7.901, -12, 3, "log attacks/day", "log rate of attacks on US "
                              "forces of an average group outside any campaign, with no fear, "
                              "containment or excitation"),
    "w_boldness": P(1.5, 0, 6, "log-rate per boldness unit", "the adventurous second "
                    "generation attacks outside Tehran's campaigns"),
    "w_campaign": P(4.836, 0, 12, "log-rate per alignment unit", "how much a campaign on US "
                    "forces raises a group's rate, by its alignment with Tehran"),
    "w_campaign_war": P(2.754, 0, 12, "log-rate per alignment and driver unit", "how much more "
                        "intense a campaign on US forces is during a Gaza or regional war"),
    "w_political_crisis": P(3.227, 0, 6, "log-rate per driver unit", "how a political crisis "
                            "in Iraq that the groups' parties are losing (the "
                            "iraq_political_crisis driver: the contested 2021 election and the "
                            "year of deadlock after it) raises every group's attacks"),
    "israel_log_rate_base": P(-5.0, -12, 3, "log attacks/day", "log rate of attacks on Israel "
                              "of a group that operates there, during a war, outside a "
                              "campaign on Israel"),
    "w_campaign_israel": P(3.0, 0, 12, "log-rate per alignment unit", "how much a campaign on "
                           "Israel raises it"),
    "hawkes_self": P(0.25, 0, 0.95, "attacks per attack", "expected attacks a group's attack "
                     "triggers later in the same group (self-excitation)"),
    "hawkes_cross": P(0.05, 0, 0.95, "attacks per attack", "expected attacks a group's attack "
                      "triggers later in each other group (cross-excitation)"),
    "hawkes_memory_days": P(21.0, 1, 365, "days", "e-folding time of the excitation kernel "
                            "(the record in Iraq: 2-6 weeks)"),
    "w_grievance": P(0.1, 0, 5, "attacks/day per grievance unit", "provocation: grievance "
                     "(fighters and leaders lost) adds to the rate"),
    "truce_observance": P(1.0, 0, 1, "fraction per alignment unit", "how far an aligned "
                          "group holds its attacks on US forces while a Gaza truce is on: the "
                          "record has none from 24 to 27 Nov 2023, the truce's first days "
                          "(Pentagon; the Islamic Resistance in Iraq announced a pause)"),
    "w_fear": P(1.427, 0, 8, "log-rate per fear unit", "deterrence by expected US punishment"),
    "w_containment": P(1.35, 0, 8, "log-rate per containment unit", "restraint by the Iraqi "
                       "state"),
    "w_halt": P(2.995, 0, 20, "log-rate per alignment unit", "how strongly Iran's order to stand "
                "down after halting a campaign holds a group back"),
    "capability_half": P(15.0, 0.1, 500, "capability units", "stock at which capability "
                         "halves the attack rate"),
    "capability_cap": P(150.0, 1, 5000, "capability units", "storage ceiling of a group"),
    "initial_capability_scale": P(1.0, 0, 10, "multiplier", "scales every group's starting "
                                  "stock"),
    "max_daily_attacks": P(3, 1, 50, "attacks/day", "a group's daily launch capacity "
                           "(crews and launchers): no more attacks than this in a day",
                           kind="int"),
    "attack_cost": P(1.0, 0.01, 50, "capability units/attack", "stock spent per attack"),
    "grievance_decay_days": P(14.0, 1, 1000, "days", "e-folding time of grievance (the memory "
                              "of provocation)"),
    "fear_decay_days": P(60.0, 1, 1000, "days", "e-folding time of fear"),
    "grievance_per_fighter_killed": P(0.1, 0, 5, "grievance units per fighter",
                                      "provocation by fighters lost"),
    "grievance_leader_killed": P(1.5, 0, 20, "grievance units", "provocation by a leader "
                                 "lost"),
    "fear_small_strike": P(0.0136, 0, 20, "fear units", "fear added to the struck group by a US "
                           "strike below the deterrence threshold"),
    "fear_big_strike": P(3.0, 0, 30, "fear units", "fear added to the struck group by a US "
                         "strike at or above the deterrence threshold"),
    "fear_leaders": P(0.3, 0, 30, "fear units", "fear added to the struck group by a US "
                      "leadership strike"),
    "fear_iranian_personnel": P(3.5, 0, 30, "fear units", "fear added to every group when "
                                "the US kills Iranian personnel"),
    "fear_spillover": P(0.5, 0, 1, "fraction", "share of a strike's fear felt by groups not "
                        "struck"),
    "fear_israeli_strike": P(0.05, 0, 5, "fear units", "fear added by an Israeli strike"),
    "fear_raid": P(1.0, 0, 20, "fear units per raid unit", "fear added to the raided group by "
                   "an Iraqi raid"),
    # the weapon mix by calendar date (docs/model.md section 3.3): no drones before the first
    # documented drone attack on a coalition base in Iraq (Erbil airport, 14 Apr 2021, AFP);
    # about a quarter of attacks just after it (6 of the 47 attacks in Iraq to 5 Jul 2021 were
    # by drone, all from mid-April: AFP); rising linearly to the surge's share, which the
    # record does not give as a total and which is held at the value the wound rate
    # (us.wounded_per_hit) was set with
    "drone_first_date": P("2021-04-14", unit="date", doc="the first day militias attack US "
                          "forces by drone (none before it)", kind="date"),
    "drone_share_first": P(0.25, 0, 1, "fraction", "share of attacks by drone from "
                           "drone_first_date"),
    "drone_full_date": P("2023-10-17", unit="date", doc="the day the drone share reaches "
                         "drone_share_full (linear from drone_first_date; constant after)",
                         kind="date"),
    "drone_share_full": P(0.7, 0, 1, "fraction", "share of attacks by drone from "
                          "drone_full_date on"),
    "embassy_pull": P(0.15, 0, 5, "weight per grievance unit", "how grievance draws attacks "
                      "to the Baghdad embassy"),
    "jordan_pull": P(0.02, 0, 5, "weight per driver unit", "how a Gaza war opens Jordan as a "
                     "theatre"),
    "syria_base": P(0.15, 0, 10, "weight", "preference for US bases in Syria over those in "
                    "Iraq in peacetime"),
    "syria_shift": P(0.5, 0, 10, "weight per pressure unit", "how Iraqi sovereignty pressure "
                     "moves attacks from Iraq to Syria"),
    "syria_war": P(1.2, 0, 10, "weight per driver unit", "how a Gaza or regional war moves "
                   "attacks to Syria (sparing the Iraqi government)"),
    "suspend_logit_base": P(-9.0, -20, 5, "logit", "daily log-odds a group declares a "
                            "suspension with no fear, containment or bargaining"),
    "suspend_w_fear": P(0.9, 0, 10, "logit per fear unit", "fear pushes toward suspension"),
    "suspend_w_containment": P(4.0, 0, 20, "logit per containment unit", "Iraqi mediation "
                               "pushes toward suspension"),
    "suspend_w_bargaining": P(1.0, 0, 20, "logit per bargaining unit", "Iraqi bargaining "
                              "(withdrawal talks) pushes toward suspension"),
    "suspend_w_campaign": P(3.0, 0, 20, "logit per alignment unit", "a campaign on US forces "
                            "keeps aligned groups fighting"),
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
    ("recent_attacks", "militia.hawkes_memory_days"),
)
"""State variables that decay daily, with the parameter giving their e-folding time."""
TRACES: dict[str, str] = {"militia_fear": "fear", "militia_grievance": "grievance",
                          "militia_capability": "capability",
                          "militia_excitation": "excitation"}
"""Traced state (per group): trace name -> attribute."""


# --- rules --------------------------------------------------------------------------------

def static_log_rate(log_rate_base: np.ndarray, rate_offset: np.ndarray,
                    w_boldness: np.ndarray, boldness: np.ndarray) -> np.ndarray:
    """The part of a group's log attack rate fixed for the whole run: the common base, the
    group's own offset and its boldness (the adventurous second generation)."""
    return log_rate_base + rate_offset + w_boldness * boldness


def base_rate(static_rate: np.ndarray, alignment: np.ndarray, on_us: np.ndarray | float,
              w_campaign: np.ndarray, w_campaign_war: np.ndarray, war: float,
              w_crisis: np.ndarray, crisis: float) -> np.ndarray:
    """A group's base rate of attacks on US forces (attacks/day): its static rate, raised by
    an Iraqi political crisis of strength ``crisis`` (the factions pressing by force what
    they lost at the ballot box), and by its alignment while a campaign on US forces is on,
    more during a war."""
    return np.exp(static_rate + w_crisis * crisis
                  + alignment * on_us * (w_campaign + w_campaign_war * war))


def israel_rate(mask_israel: np.ndarray, log_rate_base: np.ndarray, alignment: np.ndarray,
                on_israel: np.ndarray, w_campaign_israel: np.ndarray, war: float) -> np.ndarray:
    """A group's rate of attacks on Israel (attacks/day): only during a war and only for
    groups that operate there, raised by alignment during a campaign on Israel."""
    return (mask_israel * min(war, 1.0)
            * np.exp(log_rate_base + alignment * on_israel * w_campaign_israel))


def excitation(state: np.ndarray, total: np.ndarray, alpha_self: np.ndarray,
               alpha_cross: np.ndarray, decay: np.ndarray) -> np.ndarray:
    """The Hawkes term (attacks/day) of each group from the excitation state (past attacks,
    each decayed by ``decay = exp(-1/memory)`` a day) of its own (``state``) and of all groups
    (``total``, summed over groups): the discrete exponential kernel ``(1 - decay) *
    decay**(lag - 1)`` sums to one, so an attack triggers ``alpha_self`` later attacks in its
    own group and ``alpha_cross`` in each other group, on average.

    >>> float(excitation(np.array([1.0]), np.array([1.0]), 0.5, 0.0, 0.0)[0])
    0.5
    """
    return (1.0 - decay) * (alpha_self * state + alpha_cross * (total - state))


def branching_ratio(alpha_self: float, alpha_cross: float, groups: int) -> float:
    """Expected attacks triggered, directly, by one attack: the spectral radius of the
    excitation matrix (``alpha_self`` on the diagonal, ``alpha_cross`` elsewhere).  The
    process is stationary when it is below one.

    >>> branching_ratio(0.3, 0.05, 4)
    0.45
    """
    return round(alpha_self + (groups - 1) * alpha_cross, 12)


def modifiers(availability: np.ndarray, capability: np.ndarray, capability_half: np.ndarray,
              w_fear: np.ndarray, fear: np.ndarray, w_containment: np.ndarray,
              containment: np.ndarray, w_halt: np.ndarray, alignment: np.ndarray,
              halt: np.ndarray) -> np.ndarray:
    """What scales a group's whole rate, in [0, 1]: its :func:`condition` (availability and
    stock) times its :func:`deterrence`.  Decreasing in fear, containment and the halt order;
    increasing in stock."""
    return (condition(availability, capability, capability_half)
            * deterrence(w_fear, fear, w_containment, containment, w_halt, alignment, halt))


def condition(availability: np.ndarray, capability: np.ndarray,
              capability_half: np.ndarray) -> np.ndarray:
    """The group's condition, in [0, 1]: its :func:`availability` times its stock share
    ``capability / (capability + capability_half)``."""
    return availability * (capability / (capability + capability_half))


def deterrence(w_fear: np.ndarray, fear: np.ndarray, w_containment: np.ndarray,
               containment: np.ndarray, w_halt: np.ndarray, alignment: np.ndarray,
               halt: np.ndarray) -> np.ndarray:
    """``exp(-(w_fear * fear + w_containment * containment + w_halt * alignment * halt))``: at
    most 1 (fear, containment and the halt order only hold a group back)."""
    return np.exp(-(w_fear * fear + w_containment * containment + w_halt * alignment * halt))


def attack_rate(mods: np.ndarray, base: np.ndarray, excite: np.ndarray,
                w_grievance: np.ndarray, grievance: np.ndarray) -> np.ndarray:
    """A group's expected attacks on US forces on the day (Poisson rate): the modifiers times
    the :func:`attack_drive`."""
    return mods * attack_drive(base, excite, w_grievance, grievance)


def attack_drive(base: np.ndarray, excite: np.ndarray, w_grievance: np.ndarray,
                 grievance: np.ndarray) -> np.ndarray:
    """What drives a group's attacks before the modifiers scale it (attacks/day): the base
    rate plus excitation plus provocation (linear: it does not saturate)."""
    return base + excite + w_grievance * grievance


def truce_factor(observance: np.ndarray, alignment: np.ndarray, truce: float) -> np.ndarray:
    """The share of its drive a group keeps while a Gaza truce of strength ``truce`` (0 to
    1) is on: ``1 - observance * alignment * truce``, in [0, 1]; 1 with no truce.  Aligned
    groups hold their fire with Hamas's (the November 2023 pause); excitation and grievance
    are held with the rest.

    >>> round(float(truce_factor(np.array(1.0), np.array(0.9), 1.0)), 12)
    0.1
    """
    return np.clip(1.0 - observance * alignment * truce, 0.0, 1.0)


def availability(suspended: np.ndarray, leaderless: np.ndarray,
                 leaderless_factor: np.ndarray) -> np.ndarray:
    """Attack-rate multiplier from the group's condition: 0 while suspended,
    ``leaderless_factor`` while leaderless, 1 otherwise."""
    return np.where(suspended, 0.0, np.where(leaderless, leaderless_factor, 1.0))


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
                    syria_base: np.ndarray, syria_shift: np.ndarray, sovereignty: np.ndarray,
                    syria_war: np.ndarray, grievance: np.ndarray, embassy_pull: np.ndarray,
                    jordan_pull: np.ndarray, war: float) -> np.ndarray:
    """Unnormalised preference of a group among the US theatres, shape ``(..., 4)``: Iraq in
    proportion to the US presence there; Syria a little in peacetime, more as Iraqi
    sovereignty pressure makes attacks on Iraqi soil costly and during a war (which the groups
    fought mostly from and in Syria, sparing the government in Baghdad); the embassy with
    grievance; Jordan only during a war.  ``mask`` keeps the group's own theatres."""
    w = np.stack([
        presence_iraq + 0.0 * grievance,
        troops_syria * (syria_base + syria_shift * sovereignty + syria_war * war),
        embassy_pull * grievance,
        jordan_pull * war + 0.0 * grievance,
    ], axis=-1)
    return w * mask


def drone_share(first_share: np.ndarray, full_share: np.ndarray, first_day: np.ndarray,
                full_day: np.ndarray, day: int) -> np.ndarray:
    """Share of attacks made by drone on ``day`` (days since the scenario start): none before
    ``first_day``; ``first_share`` on it, rising linearly to ``full_share`` on ``full_day``;
    ``full_share`` after.  A function of the calendar, not of the run's length.

    >>> drone_share(0.2, 0.6, np.array([10.0]), np.array([20.0]), 15).tolist()
    [0.4]
    >>> drone_share(0.2, 0.6, np.array([10.0]), np.array([20.0]), 9).tolist()
    [0.0]
    """
    span = np.maximum(full_day - first_day, 1.0)
    frac = np.clip((day - first_day) / span, 0.0, 1.0)
    return np.where(day < first_day, 0.0, first_share + (full_share - first_share) * frac)


def suspension_probability(logit_base: np.ndarray, w_fear: np.ndarray, fear: np.ndarray,
                           w_containment: np.ndarray, containment: np.ndarray,
                           w_bargaining: np.ndarray, bargaining: np.ndarray,
                           w_campaign: np.ndarray, alignment: np.ndarray,
                           on_us: np.ndarray) -> np.ndarray:
    """Daily chance a group declares a suspension: fear of the US, Iraqi mediation and Iraqi
    bargaining push toward it; a campaign on US forces holds aligned groups back."""
    return sigmoid(logit_base + w_fear * fear + w_containment * containment
                   + w_bargaining * bargaining - w_campaign * alignment * on_us)


def suspension_days(mean_days: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Length of a suspension (days): uniform on [0.5, 1.5] times the mean, at least one."""
    return np.maximum(np.round(mean_days * (0.5 + u)), 1.0).astype(np.int64)


def strike_fear(tier: np.ndarray, big: np.ndarray, small: np.ndarray, large: np.ndarray,
                leaders: np.ndarray) -> np.ndarray:
    """Fear a US strike puts into the group it hits: a strike at or above the deterrence
    threshold (``big``) deters (``large``), one below it barely (``small``: it provokes
    instead, through the fighters it kills); a leadership strike adds ``leaders``."""
    fear = np.where(big, large, small)
    return np.where(tier >= _LEADERS, fear + leaders, np.where(tier >= _FACILITIES, fear, 0.0))


def row_sum(a: np.ndarray) -> np.ndarray:
    """Sum over the group axis, column by column in a fixed order (so that one replicate or
    many give the same floating-point result)."""
    out = a[:, 0].copy()
    for j in range(1, a.shape[1]):
        out += a[:, j]
    return out


# --- state --------------------------------------------------------------------------------

def init(st: State) -> None:
    """The groups on the first day: their initial stocks, no grievance, fear, excitation or
    suspension, leaders alive."""
    s, n, g, p = st.militia, st.n, st.g, st.p
    s.capability = p.traits["initial_capability"] * st.pg("militia.initial_capability_scale")
    s.grievance = np.zeros((n, g))
    s.fear = np.zeros((n, g))
    s.excitation = np.zeros((n, g))
    s.leaderless_until = np.full((n, g), NEVER, dtype=np.int64)
    s.suspended_until = np.full((n, g), NEVER, dtype=np.int64)
    s.recent_attacks = np.zeros((n, g))
    s.u_suspend = np.zeros((n, g))
    s.launched = np.zeros((n, g), dtype=np.int64)
    s.actor = rnd.MILITIA + np.arange(g)
    s.codes = [int(a) for a in s.actor]
    derive(st)
    s.mask_israel = np.repeat(p.theatre_mask[None, :, _ISRAEL], n, axis=0)


def derive(st: State) -> None:
    """What the groups derive from their parameters: the static part of the attack
    log-rate and the Hawkes kernel's daily decay (again after a dated change)."""
    s, p = st.militia, st.p
    s.static_rate = static_log_rate(st.pg("militia.attack_log_rate_base"),
                                    p.traits["rate_offset"], st.pg("militia.w_boldness"),
                                    p.traits["boldness"])
    s.hawkes_decay = np.exp(-1.0 / st.pg("militia.hawkes_memory_days"))
    n, g = st.n, st.g
    # the rates' exponentials depend on the day only through the campaign (on or off, per
    # replicate) and the war driver, so they are computed once per value of each (exactly
    # what the rule gives: with the campaign off its term is an exact zero)
    zeros, ones = np.zeros((n, g)), np.ones((n, g))
    alignment = p.traits["alignment"]
    s.base_off, s.base_on = {}, {}
    s.israel_exp = tuple(israel_rate(ones, st.pg("militia.israel_log_rate_base"), alignment,
                                     on, st.pg("militia.w_campaign_israel"), 1.0)
                         for on in (zeros, ones))
    # the rate's upper bound (the deterrence factor at most 1, the drive non-negative) needs
    # these weights non-negative, as their registry bounds have them; otherwise the exact
    # rate is computed everywhere
    s.bound_ok = all((st.p[f"militia.{w}"] >= 0).all() for w in (
        "w_fear", "w_containment", "w_halt", "w_grievance", "hawkes_self", "hawkes_cross",
        "leaderless_rate_factor", "capability_half"))
    s.bound_ok = s.bound_ok and bool((alignment >= 0).all())
    s.suspend_bound_ok = bool((st.p["militia.suspend_w_fear"] >= 0).all()
                              and (st.p["militia.suspend_w_campaign"] >= 0).all()
                              and (alignment >= 0).all())


def stock_share(st: State) -> np.ndarray:
    """Mean stock of the groups as a share of their storage ceiling, ``(R,)``."""
    return row_sum(st.militia.capability) / (st.p["militia.capability_cap"] * st.g)


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
    forces (``recent_attacks``) and what each group launched (``launched``); leaves the
    attacks in ``st.attacks_today`` for :func:`sim.model.us.take_casualties`.
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
    drv, iran = st.drv, st.iran
    alignment = p.traits["alignment"][:, gs]
    cond = condition(availability(s.suspended_until[:, gs] >= day,
                                  s.leaderless_until[:, gs] >= day,
                                  st.pg("militia.leaderless_rate_factor")[:, gs]),
                     s.capability[:, gs], st.pg("militia.capability_half")[:, gs])
    excite = excitation(s.excitation[:, gs], row_sum(s.excitation)[:, None],
                        st.pg("militia.hawkes_self")[:, gs], st.pg("militia.hawkes_cross")[:, gs],
                        s.hawkes_decay[:, gs])
    on_us = iran.on_us[:, None] > 0
    drive = attack_drive(np.where(on_us, _base(st, True, drv.war, drv.crisis)[:, gs],
                                  _base(st, False, 0.0, drv.crisis)[:, gs]),
                         excite, st.pg("militia.w_grievance")[:, gs], s.grievance[:, gs])
    if drv.truce > 0:
        drive = drive * truce_factor(st.pg("militia.truce_observance")[:, gs], alignment,
                                     drv.truce)
    if drv.war > 0:
        israel = (s.mask_israel[:, gs] * min(drv.war, 1.0)) * np.where(
            iran.on_israel[:, None] > 0, s.israel_exp[1][:, gs], s.israel_exp[0][:, gs])
    else:  # no attacks on Israel outside a war (israel_rate is zero): skip the arithmetic
        israel = None
    u_attack, u_suspend = rnd.uniform_pair(st.keys_col, day, s.actor[gs],
                                           rnd.Purpose.ATTACKS)
    s.u_suspend[:, gs] = u_suspend
    # the rate is modifiers x drive (+ modifiers x Israel's rate), the modifiers being the
    # condition times the deterrence factor (at most 1): the condition times the rest bounds
    # it, so the factor's exponential is computed only where that bound cannot settle the
    # count as zero (the same numbers as computing it everywhere)
    if (s.bound_ok and s.fear[:, gs].min() >= 0 and s.grievance[:, gs].min() >= 0
            and st.iraq.containment.min() >= 0):
        bound = cond * drive if israel is None else cond * drive + cond * israel
    else:
        bound = np.inf
    found = {}

    def rate_at(c: np.ndarray) -> np.ndarray:
        r, j = np.divmod(c, ng)
        gi = gidx[j]
        mods = cond.reshape(-1)[c] * deterrence(
            p["militia.w_fear"][r], s.fear[r, gi], p["militia.w_containment"][r],
            st.iraq.containment[r], p["militia.w_halt"][r], alignment.reshape(-1)[c],
            iran.halt[r])
        found["us"] = lam_us = mods * drive.reshape(-1)[c]
        if israel is None:
            return lam_us
        found["israel"] = lam_israel = mods * israel.reshape(-1)[c]
        return lam_us + lam_israel

    idx, counts, cand = rnd.poisson_bounded(u_attack, bound, rate_at)
    if not idx.size:
        return
    at = np.searchsorted(cand, idx)
    r, j = np.divmod(idx, ng)
    gi = gidx[j]
    n_att = attacks_within_stock(counts, s.capability[r, gi],
                                 p["militia.attack_cost"][r],
                                 p["militia.max_daily_attacks"][r].astype(np.int64))
    us_w = theatre_weights(
        p.theatre_mask[gi, :_ISRAEL], st.us.presence_iraq[r], p["us.troops_syria"][r],
        p["militia.syria_base"][r], p["militia.syria_shift"][r], st.iraq.sovereignty[r],
        p["militia.syria_war"][r], s.grievance[r, gi], p["militia.embassy_pull"][r],
        p["militia.jordan_pull"][r], drv.war)
    us_total = row_sum(us_w)
    lu = found["us"][at]
    li = found["israel"][at] if israel is not None else np.zeros(idx.size)
    share = np.where(us_total > 0, lu / np.where(us_total > 0, us_total, 1.0), 0.0)
    weights = np.concatenate([us_w * share[:, None], li[:, None]], axis=1)
    # one hash pass for the six draws of every attacking group-day
    ek = rnd.event_keys(day, s.codes, _ATTACK_PURPOSES)
    u_event = rnd.uniform_keyed(st.keys[r][:, None], ek[gi])
    theatre = categorical(weights, u_event[:, 0])
    n_att = np.where(theatre >= 0, n_att, 0)
    is_drone = (u_event[:, 1] < drone_share(p["militia.drone_share_first"][r],
                                            p["militia.drone_share_full"][r],
                                            p["militia.drone_first_date"][r],
                                            p["militia.drone_full_date"][r], day))
    st.attacks_today.append(AttackEvents(r, theatre, n_att, is_drone, u_event[:, 2:6]))
    n = st.n
    by_theatre = np.bincount(np.maximum(theatre, 0) * n + r, n_att, minlength=len(THEATRES) * n)
    st.counts[_FIRST_ATTACK_ROW:_FIRST_ATTACK_ROW + len(THEATRES)] += (
        by_theatre.reshape(len(THEATRES), n).astype(np.int64))
    on_us = (theatre >= 0) & (theatre != _ISRAEL)
    st.counts[M["attacks_drone"]] += np.bincount(
        r, np.where(on_us & is_drone, n_att, 0), minlength=n).astype(np.int64)
    s.recent_attacks[r, gi] = s.recent_attacks[r, gi] + np.where(on_us, n_att, 0)
    s.capability[r, gi] = spend(s.capability[r, gi], n_att, p["militia.attack_cost"][r])
    s.launched[r, gi] = n_att


def _base(st: State, on_us: bool, war: float, crisis: float) -> np.ndarray:
    """Every group's base rate with a campaign on US forces on or off, at war intensity
    ``war`` (0 with the campaign off: the rule's campaign term is then an exact zero) and
    Iraqi crisis ``crisis``: computed once per value."""
    s = st.militia
    cache = s.base_on if on_us else s.base_off
    key = (war, crisis)
    base = cache.get(key)
    if base is None:
        base = cache[key] = base_rate(
            s.static_rate, st.p.traits["alignment"], float(on_us), st.pg("militia.w_campaign"),
            st.pg("militia.w_campaign_war"), war, st.pg("militia.w_political_crisis"), crisis)
    return base


def excite(st: State, gs: slice) -> None:
    """The day's attacks join each group's excitation state (which decays by the kernel's
    daily factor): tomorrow's Hawkes term reads it."""
    s = st.militia
    state = s.excitation[:, gs]  # a view: updated in place
    np.multiply(state, s.hawkes_decay[:, gs], out=state)
    np.add(state, s.launched[:, gs], out=state)


def consider_suspension(st: State, gs: slice) -> None:
    """A group may declare a suspension under fear, Iraqi mediation and bargaining (while
    replaying: the suspensions the record shows)."""
    s, p, day = st.militia, st.p, st.day
    gidx = st.group_index[gs]
    free = s.suspended_until[:, gs] < day
    if st.replaying:
        susp = st.setup.replay.suspend[day][gs][None, :] & free
    else:
        susp = _suspends(st, gs, free)
    sidx = np.flatnonzero(susp)
    if sidx.size:
        r, j = np.divmod(sidx, len(gidx))
        gi = gidx[j]
        dur = suspension_days(p["militia.suspension_days_mean"][r],
                              st.u_groups(rnd.Purpose.SUSPEND_DAYS, r, gi))
        s.suspended_until[r, gi] = day + dur
        st.counts[M["militia_suspensions"]] += np.bincount(r, minlength=st.n)


def _suspends(st: State, gs: slice, free: np.ndarray) -> np.ndarray:
    """Which groups declare a suspension today: ``u < suspension_probability(...)`` for free
    groups.  The probability is computed only where the group's draw lies below its
    replicate's bound (the rule at the replicate's highest fear, ignoring the campaign's hold):
    the same decisions as computing it everywhere."""
    s, p = st.militia, st.p
    u = s.u_suspend[:, gs]
    containment, bargaining, on_us = st.iraq.containment, st.iraq.bargaining, st.iran.on_us
    if not s.suspend_bound_ok:
        return (u < suspension_probability(
            st.pg("militia.suspend_logit_base")[:, gs], st.pg("militia.suspend_w_fear")[:, gs],
            s.fear[:, gs], st.pg("militia.suspend_w_containment")[:, gs],
            containment[:, None], st.pg("militia.suspend_w_bargaining")[:, gs],
            bargaining[:, None], st.pg("militia.suspend_w_campaign")[:, gs],
            p.traits["alignment"][:, gs], on_us[:, None])) & free
    fear = s.fear[:, gs]
    top = fear[:, 0].copy()
    for j in range(1, fear.shape[1]):
        np.maximum(top, fear[:, j], out=top)
    zero = np.zeros(st.n)
    bound = suspension_probability(
        p["militia.suspend_logit_base"], p["militia.suspend_w_fear"], top,
        p["militia.suspend_w_containment"], containment, p["militia.suspend_w_bargaining"],
        bargaining, p["militia.suspend_w_campaign"], zero, on_us) * (1.0 + 1e-9)
    cand = np.flatnonzero((u < bound[:, None]) & free)
    out = np.zeros(u.shape, dtype=bool)
    if cand.size:
        r, j = np.divmod(cand, u.shape[1])
        gi = st.group_index[gs][j]
        prob = suspension_probability(
            p["militia.suspend_logit_base"][r], p["militia.suspend_w_fear"][r], s.fear[r, gi],
            p["militia.suspend_w_containment"][r], containment[r],
            p["militia.suspend_w_bargaining"][r], bargaining[r],
            p["militia.suspend_w_campaign"][r], p.traits["alignment"][r, gi], on_us[r])
        out.reshape(-1)[cand] = u.reshape(-1)[cand] < prob
    return out


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
                 fighters: np.ndarray, cut: np.ndarray, big: np.ndarray) -> None:
    """A US strike of ``tier`` on group ``target`` in replicates ``rows``: the struck group
    loses a share ``cut`` of its stock and ``fighters`` fighters (grievance: provocation), its
    leaders under the leaders and Iranian-personnel tiers (more grievance; it runs leaderless
    for a while).  Fear follows the strike's size: a strike at or above the deterrence
    threshold (``big``) deters the struck group and, by a share, every other; a small one
    barely.  Killing Iranian personnel frightens every group.  A strike on Iranian territory
    touches no group's stock."""
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
    fear = strike_fear(tier, big, p["militia.fear_small_strike"][rows],
                       p["militia.fear_big_strike"][rows], p["militia.fear_leaders"][rows])
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


def raided(st: State, rows: np.ndarray, target: np.ndarray, amount: float) -> None:
    """An Iraqi raid on group ``target`` in replicates ``rows`` (``amount`` raid units): the
    group's fear rises."""
    st.militia.fear[rows, target] += st.p["militia.fear_raid"][rows] * amount
