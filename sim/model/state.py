"""The state of R replicates: one namespace per actor, the day's scratch, keyed draws.

Arrays have shape ``(R,)`` (Iran, the US, Israel, Iraq; the day's counts per measure) or
``(R, G)`` (militia groups).  The batch engine holds many replicates in one
:class:`State`; the Mesa engine holds one (R = 1), and each of its agents reads and writes its
own actor's namespace (a militia agent its own column).  Each actor module declares its
state variables (``init``), the ones that decay (``DECAYS``) and the ones traced day by day
(``TRACES``); :mod:`sim.model.day` gathers them.
"""

from __future__ import annotations

import numpy as np

from . import random as rnd
from .measures import DAILY
from .params import ParamTable
from .setup import Setup
from .timeline import DayDrivers

ALL_GROUPS = slice(None)
"""The group slice of a phase run for every militia group at once (the batch engine)."""


class ActorState:
    """One actor's state variables, as attributes (numpy arrays)."""

    def __repr__(self) -> str:
        return "ActorState(" + ", ".join(sorted(vars(self))) + ")"


class State:
    """All state of R replicates of one run, and what the phases share within a day.

    Attributes:
        setup: the run's calendar, timeline, groups and replay switches.
        p: the per-replicate parameters.
        n, g: number of replicates R and of militia groups G.
        keys: per-replicate base keys of the keyed random numbers.
        rows: ``arange(R)``.
        day, drv, replaying: the current day index, its drivers, whether it is replayed.
        counts: ``(len(DAILY), R)`` int64, the day's measures (measure-major, so a measure's
            row is contiguous).
        wounded, killed: ``(R,)`` int64, US casualties so far today.
        strike_tier: ``(R,)`` int64, tier of the US strike carried out today (0: none).
        direct_on_us: ``(R,)`` bool, whether Iran fired directly at US forces today.
        iran, militia, us, israel, iraq, ladder: the actors' state.
    """

    def __init__(self, setup: Setup, params: ParamTable, seed: int, replicates: np.ndarray):
        replicates = np.asarray(replicates, dtype=np.int64)
        self.setup, self.p = setup, params
        self.n, self.g = len(replicates), setup.n_groups
        if params.size != self.n:
            raise ValueError(f"{params.size} parameter rows for {self.n} replicates")
        self.replicates = replicates
        self.keys = rnd.replicate_keys(seed, replicates)
        self.keys_col = self.keys[:, None]
        self.rows = np.arange(self.n)
        self.group_index = np.arange(self.g)
        self.counts = np.zeros((len(DAILY), self.n), dtype=np.int64)
        self.wounded = np.zeros(self.n, dtype=np.int64)
        self.killed = np.zeros(self.n, dtype=np.int64)
        self.strike_tier = np.zeros(self.n, dtype=np.int64)
        self.direct_on_us = np.zeros(self.n, dtype=bool)
        self.day = 0
        self.drv: DayDrivers | None = None
        self.replaying = False
        self.iran = ActorState()
        self.militia = ActorState()
        self.us = ActorState()
        self.israel = ActorState()
        self.iraq = ActorState()
        self.ladder = ActorState()

    # -- parameters -----------------------------------------------------------------------
    def pg(self, key: str) -> np.ndarray:
        """Parameter ``key`` repeated over groups, ``(R, G)``."""
        return self.p.per_group(key)

    # -- keyed draws for today ------------------------------------------------------------
    def u(self, actor: int, purpose: int, rows: np.ndarray | None = None) -> np.ndarray:
        """Uniforms for today, one per replicate (or per replicate in ``rows``)."""
        keys = self.keys if rows is None else self.keys[rows]
        return rnd.uniform(keys, self.day, actor, purpose)

    def u_many(self, actor: int, purposes: list[int], rows: np.ndarray) -> np.ndarray:
        """Uniforms for today for several purposes at once: ``(len(rows), len(purposes))``,
        one hash pass."""
        return rnd.uniform_keyed(self.keys[rows][:, None],
                                 rnd.event_keys(self.day, [actor], purposes)[0])

    def u_groups(self, purpose: int, r: np.ndarray, gi: np.ndarray) -> np.ndarray:
        """Uniforms for today for militia group-replicate pairs ``(r[i], gi[i])``."""
        keys = np.array([rnd._event_key(self.day, rnd.MILITIA + int(a), purpose)
                         for a in range(self.g)], dtype=np.uint64)
        with np.errstate(over="ignore"):
            z = rnd._mix(self.keys[r] ^ keys[gi])
        return (z >> np.uint64(11)).astype(np.float64) * rnd._TO_UNIT

    def shock(self, target: str) -> float:
        """Today's shock to ``target`` (see :data:`sim.model.timeline.SHOCK_TARGETS`)."""
        return self.setup.timeline.shock(self.day, target)
