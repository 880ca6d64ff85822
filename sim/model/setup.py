"""What a run of the model needs besides its parameters: the calendar, the exogenous
timeline, the militia groups and the replay switches.

Built from a scenario by :meth:`sim.scenario.Scenario.setup`; shared by every replicate of a
run and by both engines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .replay import ReplaySchedule
from .timeline import DayDrivers, Timeline


@dataclass
class Setup:
    """The shared inputs of a run.

    Attributes:
        name: the scenario's name (for labels).
        timeline: daily drivers and shocks.
        group_names: the militia groups, in their fixed order.
        replay: the replay switches (replays nothing unless a branch date is set).
        window: the outcome window, first and last day index (both included), or ``None``
            for the whole run: the ladder also tallies the days inside it
            (:func:`sim.model.ladder.record`).
    """

    name: str
    timeline: Timeline
    group_names: list[str]
    replay: ReplaySchedule
    window: tuple[int, int] | None = None
    drivers: list[DayDrivers] = field(init=False, repr=False)

    def __post_init__(self):
        self.drivers = self.timeline.day_drivers()
        if self.window is not None and tuple(self.window) == (0, self.days - 1):
            self.window = None  # the whole run: nothing more to tally

    @property
    def window_days(self) -> tuple[int, int]:
        """The outcome window as day indices (both included): the whole run by default."""
        return (0, self.days - 1) if self.window is None else tuple(self.window)

    @property
    def start(self) -> dt.date:
        """The first simulated day."""
        return self.timeline.start

    @property
    def days(self) -> int:
        """Number of simulated days."""
        return self.timeline.days

    @property
    def weeks(self) -> int:
        """Number of (7-day) weeks, the last one possibly short."""
        return self.timeline.weeks

    @property
    def n_groups(self) -> int:
        """Number of militia groups G."""
        return len(self.group_names)
