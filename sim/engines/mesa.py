"""The Mesa engine: one replicate as a Mesa model with one agent per actor.

This is the readable, inspectable form of the model: step it a day at a time, look at the
agents, read the :class:`mesa.DataCollector` table.  Each day it runs the phases of
:mod:`sim.model.day`, the same list the batch engine runs, handing each phase to the agents
of the actor that owns it: the Iran agent runs Iran's phases, each militia agent runs the
militia phases on its own group, and so on.  The agents hold no copy of the state: they are
views of the one :class:`sim.model.state.State` (of one replicate), so replicate ``r`` here
is replicate ``r`` of the batch engine, exactly (``tests/engines/test_agreement.py``).

Example:
    >>> from sim.api import mesa_model
    >>> m = mesa_model(seed=7, replicate=0)           # the bundled baseline
    >>> m.run(days=30)
    >>> m.iran.campaign in ("off", "on_us", "on_israel")
    True
"""

from __future__ import annotations

import mesa
import numpy as np

from ..model import day as cycle
from ..model.day import Owner, Phase
from ..model.ladder import finish, window_result
from ..model.measures import DAILY, RUNG
from ..model.params import ParamTable
from ..model.setup import Setup
from ..model.types import Campaign
from .outcomes import ChunkResult


class ActorAgent(mesa.Agent):
    """An actor of the model: carries out the phases its actor owns, on the shared state."""

    owner: Owner = Owner.MODEL

    @property
    def state(self):
        """The model's state (one replicate)."""
        return self.model.state

    def act(self, phases: tuple[Phase, ...]) -> None:
        """Carry out ``phases`` (a turn of :data:`sim.model.day.PHASES` owned by this
        actor), in order."""
        st = self.model.state
        for phase in phases:
            phase.run(st)

    def _get(self, space: str, attr: str) -> float:
        return float(getattr(getattr(self.model.state, space), attr)[0])


class Iran(ActorAgent):
    """The IRGC Quds Force's proxy policy: the campaign, risk, grievance, resupply, direct
    fire."""

    owner = Owner.IRAN

    @property
    def campaign(self) -> str:
        """The campaign: ``off``, ``on_us`` or ``on_israel``."""
        return Campaign(int(self.model.state.iran.campaign[0])).label

    @property
    def risk(self) -> float:
        return self._get("iran", "risk")

    @property
    def halt(self) -> float:
        return self._get("iran", "halt")

    @property
    def grievance(self) -> float:
        return self._get("iran", "grievance")


class Militia(ActorAgent):
    """One Iran-backed group (its column of the militia state)."""

    owner = Owner.MILITIA

    def __init__(self, model: EscalationModel, index: int, name: str):
        super().__init__(model)
        self.index, self.name = index, name
        self.groups = slice(index, index + 1)

    def act(self, phases: tuple[Phase, ...]) -> None:
        st = self.model.state
        for phase in phases:
            phase.run(st, self.groups)

    def _g(self, attr: str):
        return getattr(self.model.state.militia, attr)[0, self.index]

    @property
    def capability(self) -> float:
        return float(self._g("capability"))

    @property
    def fear(self) -> float:
        return float(self._g("fear"))

    @property
    def grievance(self) -> float:
        return float(self._g("grievance"))

    @property
    def excitation(self) -> float:
        return float(self._g("excitation"))

    @property
    def attacks_today(self) -> int:
        """Attacks this group launched on the last simulated day."""
        return int(self._g("launched"))

    @property
    def suspended(self) -> bool:
        return bool(self._g("suspended_until") >= self.model.state.day)

    @property
    def leader_alive(self) -> bool:
        return bool(self._g("leaderless_until") < self.model.state.day)


class UnitedStates(ActorAgent):
    """Domestic pressure, posture and scheduled responses."""

    owner = Owner.US

    @property
    def pressure(self) -> float:
        return self._get("us", "pressure")

    @property
    def presence_iraq(self) -> float:
        return self._get("us", "presence_iraq")


class Israel(ActorAgent):
    """Interdiction strikes on militia stocks."""

    owner = Owner.ISRAEL

    @property
    def attack_memory(self) -> float:
        return self._get("israel", "attack_memory")


class IraqiGovernment(ActorAgent):
    """Sovereignty pressure and containment of the militias."""

    owner = Owner.IRAQ

    @property
    def sovereignty(self) -> float:
        return self._get("iraq", "sovereignty")

    @property
    def containment(self) -> float:
        return self._get("iraq", "containment")

    @property
    def bargaining(self) -> float:
        return self._get("iraq", "bargaining")


AGENT_TYPES: dict[Owner, type[ActorAgent]] = {
    Owner.IRAN: Iran, Owner.MILITIA: Militia, Owner.US: UnitedStates, Owner.ISRAEL: Israel,
    Owner.IRAQ: IraqiGovernment}


def _agent_value(agent, attr):
    value = getattr(type(agent), attr, None)
    return getattr(agent, attr) if isinstance(value, property) else None


class EscalationModel(mesa.Model):
    """One replicate of a run, stepped one calendar day at a time.

    Args:
        setup: the run's calendar, timeline, groups and replay switches
            (:meth:`sim.scenario.Scenario.setup`).
        params: a one-row :class:`ParamTable`.
        seed: the run's seed.
        replicate: the replicate index (fixes its random numbers together with the seed).
    """

    def __init__(self, setup: Setup, params: ParamTable, seed: int = 0, replicate: int = 0):
        super().__init__(rng=np.random.default_rng(seed))  # Mesa's own generator is unused
        if params.size != 1:
            raise ValueError("the Mesa engine runs one replicate: give a one-row ParamTable")
        self.setup, self.params = setup, params
        self.days = setup.days
        self.seed, self.replicate = seed, replicate
        self.state = cycle.new_state(setup, params, seed, np.array([replicate]))
        self.today = np.zeros(len(DAILY), dtype=np.int64)
        self._turns = cycle.turns()
        self.iran = Iran(self)
        self.militias = [Militia(self, g, name) for g, name in enumerate(setup.group_names)]
        self.us = UnitedStates(self)
        self.israel = Israel(self)
        self.iraq = IraqiGovernment(self)
        reporters = {name: (lambda m, j=j: int(m.today[j])) for j, name in enumerate(DAILY)}
        reporters["date"] = lambda m: m.setup.timeline.date(m.day - 1)
        for trace, (space, _attr) in cycle.TRACES.items():
            if space != "militia":
                reporters[trace] = lambda m, t=trace: float(cycle.trace_values(m.state, t)[0])
        self.datacollector = mesa.DataCollector(
            model_reporters=reporters,
            agent_reporters={attr: (lambda a, x=attr: _agent_value(a, x))
                             for attr in ("capability", "fear", "grievance", "excitation")})

    @property
    def day(self) -> int:
        """Days simulated so far (the index of the next day)."""
        return self.state.day

    def step(self) -> None:
        """One day: the phases of :data:`sim.model.day.PHASES`, each carried out by the
        agents of the actor that owns it (bookkeeping phases by the model itself)."""
        st = self.state
        for owner, phases in self._turns:
            if owner is Owner.MODEL:
                for phase in phases:
                    phase.run(st)
            else:
                self.agents_by_type[AGENT_TYPES[owner]].do("act", phases)
        st.day += 1
        self.today = st.counts[:, 0].copy()
        self.datacollector.collect(self)

    def run(self, days: int | None = None) -> None:
        """Step to the end of the horizon (or ``days`` more days)."""
        stop = self.days if days is None else min(self.days, self.day + days)
        while self.day < stop:
            self.step()

    def daily_counts(self) -> np.ndarray:
        """``(days run, len(DAILY))`` int array of the daily measures."""
        df = self.datacollector.get_model_vars_dataframe()
        return df[list(DAILY)].to_numpy(dtype=np.int64)

    @property
    def first_day(self) -> np.ndarray:
        """First day index at or above each rung (-1: never), ``(8,)``."""
        return self.state.ladder.first_day[0]

    @property
    def rung_days(self) -> np.ndarray:
        """Days spent at exactly each rung so far, ``(8,)``."""
        rd = self.state.ladder.rung_days[0].copy()
        rd[0] = self.day - rd[1:].sum()
        return rd

    def result(self) -> ChunkResult:
        """This replicate's outcome in the batch engine's result form."""
        daily = self.daily_counts()
        weekly = np.zeros((1, self.setup.weeks, len(DAILY)), dtype=np.int32)
        for day in range(len(daily)):
            w = weekly[0, day // 7]
            w[:RUNG] += daily[day, :RUNG]
            w[RUNG] = max(w[RUNG], daily[day, RUNG])
        finish(self.state, self.day)
        return ChunkResult(np.array([self.replicate]), weekly,
                           self.state.ladder.first_day.copy(),
                           self.state.ladder.rung_days.copy(),
                           self.state.us.drawdown_day.copy(), daily[None].astype(np.int32), None
                           ).set_window(window_result(self.state))
