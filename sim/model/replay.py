"""The replay switches: what the documented record says happened on each day, up to a branch.

While a day is replayed (``day <= until``), each phase takes the recorded actions instead of
drawing its own (militia attacks and their casualties, US strikes with tier and country,
Israeli strikes, Iranian direct attacks, declared suspensions), identically in every
replicate; every actor's state still updates from them through the model's own effects.
From the day after the branch the model runs free.  The schedule is built from the record by
:func:`sim.scenario.replay.build_schedule`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .types import N_THEATRES


@dataclass
class ReplaySchedule:
    """The recorded actions per day index, shared by every replicate.

    Attributes:
        until: last replayed day index (inclusive); -1 replays nothing.
        attacks: ``(D, G, 5)`` militia attacks by group and theatre.
        wounded, killed: ``(D,)`` US casualties of those attacks.
        us_tier: ``(D,)`` tier code of the day's US strike (0: none); us_country ``(D,)``.
        israeli, israeli_iraq: ``(D,)`` Israeli strikes on militias, and those in Iraq.
        direct: ``(D,)`` Iranian direct attack: -1 none, else a DirectTarget code;
            direct_wounded, direct_killed ``(D,)``.
        suspend: ``(D, G)`` declared suspensions.
        campaign: ``(D,)`` the campaign the record implies (a Campaign code).
        branch: the branch date (last replayed day).
    """

    until: int
    attacks: np.ndarray
    wounded: np.ndarray
    killed: np.ndarray
    us_tier: np.ndarray
    us_country: np.ndarray
    israeli: np.ndarray
    israeli_iraq: np.ndarray
    direct: np.ndarray
    direct_wounded: np.ndarray
    direct_killed: np.ndarray
    suspend: np.ndarray
    campaign: np.ndarray
    branch: dt.date | None = None

    @classmethod
    def empty(cls, days: int, groups: int) -> ReplaySchedule:
        """A schedule that replays nothing."""
        z = np.zeros(days, dtype=np.int64)
        return cls(-1, np.zeros((days, groups, N_THEATRES), dtype=np.int64), z.copy(),
                   z.copy(), z.copy(), z.copy(), z.copy(), z.copy(),
                   np.full(days, -1, dtype=np.int64), z.copy(), z.copy(),
                   np.zeros((days, groups), dtype=bool), z.copy())

    def active(self, day: int) -> bool:
        """Whether ``day`` is replayed."""
        return day <= self.until
