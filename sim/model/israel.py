""""War between the wars": Israel's interdiction strikes on militia stocks in Syria and Iraq.

State: ``attack_memory``, Israel's memory of militia attacks on it (decays).  Strikes cut the
struck group's stock and kill fighters; on Iraqi soil they raise sovereignty pressure; now
and then they kill Iranian personnel, which Iran may answer directly (1 Apr 2024 -> 13 Apr).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import iran, iraq, militia
from . import random as rnd
from .measures import M
from .param import P, Param

if TYPE_CHECKING:
    from .state import State

_PURPOSES = [rnd.Purpose.ISRAEL_TARGET, rnd.Purpose.ISRAEL_COUNTRY, rnd.Purpose.ISRAEL_FIGHTERS,
             rnd.Purpose.ISRAEL_IRANIAN]

PARAMETERS: dict[str, Param] = {
    "strike_log_rate_base": P(-4.3, -12, 2, "log strikes/day", "log rate of interdiction "
                              "strikes in Syria and Iraq at mean capability 0"),
    "w_capability": P(1.2, 0, 10, "log-rate per capability fraction", "tempo rises with "
                      "militia build-up (mean stock / cap)"),
    "w_attacks_on_israel": P(0.5, 0, 5, "log-rate per log(1 + recent attacks)", "tempo rises with "
                             "militia attacks on Israel"),
    "w_war": P(1.0, 0, 6, "log-rate per driver unit", "tempo rises during a Gaza or "
               "regional war"),
    "attack_memory_days": P(14.0, 1, 365, "days", "e-folding time of Israel's memory of "
                            "attacks"),
    "iraq_share": P(0.15, 0, 1, "fraction", "share of strikes in Iraq rather than Syria"),
    "capability_cut": P(0.12, 0, 1, "fraction", "share of the struck group's stock "
                        "destroyed"),
    "fighters_killed_mean": P(3.0, 0, 100, "people", "mean militia fighters killed per "
                              "strike"),
    "iranian_personnel_prob": P(0.03, 0, 1, "probability", "chance a strike kills senior "
                                "Iranian personnel"),
}
"""Israel's parameters (scenario section ``[israel]``)."""

DECAYS: tuple[tuple[str, str], ...] = (("attack_memory", "israel.attack_memory_days"),)
"""State variables that decay daily, with the parameter giving their e-folding time."""
TRACES: dict[str, str] = {}
"""Traced state: trace name -> attribute."""


# --- rules --------------------------------------------------------------------------------

def strike_rate(log_rate_base: np.ndarray, w_capability: np.ndarray,
                mean_stock_share: np.ndarray, w_attacks: np.ndarray,
                attack_memory: np.ndarray, w_war: np.ndarray, war: float) -> np.ndarray:
    """Expected Israeli interdiction strikes on the day (Poisson rate, strikes/day): rises
    with the militias' stock (mean share of their storage ceiling), with recent attacks on
    Israel (through ``log1p``, so the tempo saturates) and during a Gaza or regional war."""
    return np.exp(strike_log_rate(log_rate_base, w_capability, mean_stock_share, w_attacks,
                                  attack_memory, w_war, war))


def strike_log_rate(log_rate_base: np.ndarray, w_capability: np.ndarray,
                    mean_stock_share: np.ndarray, w_attacks: np.ndarray,
                    attack_memory: np.ndarray, w_war: np.ndarray, war: float) -> np.ndarray:
    """The log of :func:`strike_rate`."""
    return (log_rate_base + w_capability * mean_stock_share
            + w_attacks * np.log1p(attack_memory) + w_war * war)


def repeated_cut(cut: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Share of stock left after ``n`` strikes each destroying a share ``cut``.

    >>> float(repeated_cut(0.5, 2))
    0.25
    """
    return (1.0 - cut) ** n


# --- state --------------------------------------------------------------------------------

def init(st: State) -> None:
    """Israel on the first day: no memory of attacks."""
    st.israel.attack_memory = np.zeros(st.n)
    derive(st)


def derive(st: State) -> None:
    """What Israel derives from its parameters (again after a dated change): whether the
    day's highest rate bounds every replicate's (the weight of attacks non-negative, as its
    registry bounds have it)."""
    st.israel.bound_ok = bool((st.p["israel.w_attacks_on_israel"] >= 0).all())


# --- phases -------------------------------------------------------------------------------

def _strikes(st: State) -> tuple[np.ndarray, np.ndarray]:
    """The replicates with Israeli strikes today, and how many: Poisson counts of
    :func:`strike_rate`.  The rate's exponential is computed only where the day's highest
    rate (memory of attacks at its highest; at least every replicate's rate) cannot settle
    the count as zero: the same counts as computing it everywhere."""
    p, s = st.p, st.israel
    share = militia.stock_share(st)

    def log_rate(rows, memory):
        return strike_log_rate(p["israel.strike_log_rate_base"][rows],
                               p["israel.w_capability"][rows], share[rows],
                               p["israel.w_attacks_on_israel"][rows], memory,
                               p["israel.w_war"][rows], st.drv.war)

    u = st.u(rnd.ISRAEL, rnd.Purpose.ISRAEL_STRIKES)
    if s.bound_ok:
        top = np.array([s.attack_memory.max()])
        bound = float(np.exp(log_rate(st.rows, top).max()[None])[0]) * (1.0 + 1e-9)
    else:
        bound = np.inf
    rows, k, _ = rnd.poisson_bounded(u, bound,
                                     lambda c: np.exp(log_rate(c, s.attack_memory[c])))
    return rows, k


def interdict(st: State) -> None:
    """Decide and carry out today's interdiction strikes (while replaying: the recorded
    ones; replayed strikes kill no Iranian personnel, as the killings Iran answered are dated
    shocks of the scenario's timeline)."""
    p, s, day, g = st.p, st.israel, st.day, st.g
    rp = st.setup.replay
    s.attack_memory = s.attack_memory + st.counts[M["attacks_israel"]]
    if st.replaying:
        strikes = np.full(st.n, rp.israeli[day], dtype=np.int64)
        rows = np.nonzero(strikes)[0]
        k = strikes[rows]
    else:
        rows, k = _strikes(st)
    if not rows.size:
        return
    u4 = st.u_many(rnd.ISRAEL, _PURPOSES, rows)
    target = np.minimum((u4[:, 0] * g).astype(np.int64), g - 1)
    if st.replaying:
        k_iraq = np.full(rows.size, rp.israeli_iraq[day], dtype=np.int64)
    else:
        k_iraq = np.where(u4[:, 1] < p["israel.iraq_share"][rows], k, 0)
    fighters = rnd.poisson(k * p["israel.fighters_killed_mean"][rows], u4[:, 2])
    militia.struck_by_israel(st, rows, target, k, repeated_cut(p["israel.capability_cut"][rows], k),
                             fighters)
    iraq.struck_on_soil_by_israel(st, rows, k_iraq)
    st.counts[M["israeli_strikes"], rows] = k
    st.counts[M["israeli_strikes_iraq"], rows] = k_iraq
    if st.replaying:
        return
    iranian = u4[:, 3] < 1.0 - (1.0 - p["israel.iranian_personnel_prob"][rows]) ** k
    ir_rows = rows[iranian]
    if ir_rows.size:
        iran.killed_by_israel(st, ir_rows)
