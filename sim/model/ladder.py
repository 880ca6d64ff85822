"""The escalation ladder: the day's rung and its bookkeeping.

Rungs: 0 calm; 1 harassment (attacks on US forces, no casualties); 2 casualties (US
wounded); 3 lethal (US killed); 4 US retaliation on proxies; 5 decapitation (militia
leaders or Iranian personnel killed); 6 direct state-on-state fire (Iran on US forces, the
US on Iranian territory); 7 sustained direct war (the third direct-fire day within 30 days).
Per replicate the ladder keeps the first day each rung was reached and the days spent at
each rung; the escalation score weighs rung k by 2^(k-1) (convex, after Rivera et al. 2024).
When the run's outcome window is not the whole run (a replay's free period, ``--window``), the
ladder keeps the same bookkeeping, and the day's counts, for the days inside the window
(``window_*``), so that both engines count the window the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .measures import RUNG, M
from .types import NO_DAY, Tier

if TYPE_CHECKING:
    from .state import State

LADDER: tuple[str, ...] = ("calm", "harassment", "casualties", "lethal", "retaliation",
                           "decapitation", "direct fire", "sustained direct war")
"""Rung names, 0..7."""
N_RUNGS: int = len(LADDER)
SUSTAINED_WINDOW_DAYS = 30
"""Three direct US-Iran fire days within this many days make rung 7."""
SCORE_WEIGHTS = np.array([0.0] + [2.0 ** k for k in range(N_RUNGS - 1)])
"""Escalation-score weight of each rung: 0 for calm, then 1, 2, 4, ... 64."""
DIRECT_FIRE_RUNG = 6
"""The first rung of direct state-on-state fire."""

_FACILITIES, _LEADERS, _IRANIAN, _TERRITORY = (int(Tier.FACILITIES), int(Tier.LEADERS),
                                               int(Tier.IRANIAN_PERSONNEL),
                                               int(Tier.IRAN_TERRITORY))


def ladder_level(attacks_us: np.ndarray, wounded: np.ndarray, killed: np.ndarray,
                 tier: np.ndarray, direct_on_us: np.ndarray,
                 sustained: np.ndarray) -> np.ndarray:
    """The day's rung: the highest rung whose event happened that day.

    >>> ladder_level(np.array([1, 0]), np.array([0, 0]), np.array([0, 0]),
    ...              np.array([0, 4]), np.array([False, False]), np.array([False, False]))
    array([1, 6])
    """
    lvl = np.where(attacks_us > 0, 1, 0)
    lvl = np.where(wounded > 0, 2, lvl)
    lvl = np.where(killed > 0, 3, lvl)
    lvl = np.where(tier >= _FACILITIES, 4, lvl)
    lvl = np.where((tier == _LEADERS) | (tier == _IRANIAN), 5, lvl)
    lvl = np.where(direct_on_us | (tier == _TERRITORY), 6, lvl)
    lvl = np.where(sustained, 7, lvl)
    return lvl


def init(st: State) -> None:
    """No rung reached yet."""
    s, n = st.ladder, st.n
    s.first_day = np.full((n, N_RUNGS), -1, dtype=np.int32)
    s.rung_days = np.zeros((n, N_RUNGS), dtype=np.int32)
    s.direct_fire_days = np.full((n, 3), -NO_DAY, dtype=np.int64)
    # rung k's first day is set when the day's level reaches k (never for k = 0, calm)
    s.rung_index = np.concatenate([[N_RUNGS + 1], np.arange(1, N_RUNGS)])[None, :]
    if st.setup.window is not None:
        s.window_first_day = np.full((n, N_RUNGS), -1, dtype=np.int32)
        s.window_rung_days = np.zeros((n, N_RUNGS), dtype=np.int32)
        s.window_totals = np.zeros(st.counts.shape, dtype=np.int64)


def record(st: State) -> None:
    """Record the day's rung (only where something happened; elsewhere it is calm)."""
    s, c, day = st.ladder, st.counts, st.day
    fire_today = st.direct_on_us | (st.strike_tier == _TERRITORY)
    if fire_today.any():
        f = np.nonzero(fire_today)[0]
        s.direct_fire_days[f, :2] = s.direct_fire_days[f, 1:]
        s.direct_fire_days[f, 2] = day
    sustained = (day - s.direct_fire_days[:, 0]) < SUSTAINED_WINDOW_DAYS
    attack_day = (c[M["attacks"]] > 0) | st.direct_on_us
    up = np.flatnonzero(attack_day | (st.strike_tier > 0) | sustained | (st.wounded > 0))
    if up.size:
        level = ladder_level(c[M["attacks"], up], st.wounded[up], st.killed[up],
                             st.strike_tier[up], st.direct_on_us[up], sustained[up])
        c[RUNG, up] = level
        s.rung_days[up, level] += 1
        fd = s.first_day[up]
        fd[(fd < 0) & (s.rung_index <= level[:, None])] = day
        s.first_day[up] = fd
    window = st.setup.window
    if window is not None and window[0] <= day <= window[1]:
        s.window_totals += c
        if up.size:
            s.window_rung_days[up, level] += 1
            fd = s.window_first_day[up]
            fd[(fd < 0) & (s.rung_index <= level[:, None])] = day
            s.window_first_day[up] = fd


def peak_rung(st: State) -> np.ndarray:
    """Each replicate's highest rung so far (the highest rung with a first day)."""
    return (st.ladder.first_day >= 0).sum(axis=1)


def finish(st: State, days: int) -> None:
    """After ``days`` simulated days: the calm days are the days at no other rung."""
    s = st.ladder
    s.rung_days[:, 0] = days - s.rung_days[:, 1:].sum(axis=1)
    window = st.setup.window
    if window is not None:
        inside = max(0, min(days - 1, window[1]) - window[0] + 1)
        s.window_rung_days[:, 0] = inside - s.window_rung_days[:, 1:].sum(axis=1)
        s.window_totals[RUNG] = (s.window_first_day >= 0).sum(axis=1)


def window_result(st: State) -> tuple | None:
    """``(totals (R, M), first_day (R, 8), rung_days (R, 8), (first, last day))`` over the
    outcome window after :func:`finish` (``totals``' rung column: the peak rung in the
    window), or ``None`` when the window is the whole run."""
    if st.setup.window is None:
        return None
    s = st.ladder
    return (s.window_totals.T.copy(), s.window_first_day.copy(), s.window_rung_days.copy(),
            np.array(st.setup.window, dtype=np.int64))
