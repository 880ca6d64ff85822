"""The calendar and the exogenous timeline: named drivers switched on over date ranges, and
dated shocks to state variables.  Shared by every replicate of a run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .parameters import DRIVERS, SHOCK_TARGETS


@dataclass(frozen=True)
class Driver:
    """A named exogenous driver at ``strength`` from ``start`` to ``end`` inclusive."""

    name: str
    start: dt.date
    end: dt.date
    strength: float = 1.0
    note: str = ""


@dataclass(frozen=True)
class Shock:
    """A one-day impulse: ``amount`` added to the state variable ``target`` on ``date``."""

    date: dt.date
    target: str
    amount: float
    note: str = ""


DRIVER_NAMES: tuple[str, ...] = tuple(DRIVERS)
SHOCK_NAMES: tuple[str, ...] = tuple(SHOCK_TARGETS)


@dataclass
class Timeline:
    """Daily driver values and shocks for one scenario's calendar.

    Attributes:
        start: first day.
        days: number of days.
        drivers: float array ``(days, len(DRIVER_NAMES))``; overlapping entries add up.
        shocks: float array ``(days, len(SHOCK_NAMES))``.
    """

    start: dt.date
    days: int
    drivers: np.ndarray
    shocks: np.ndarray

    @classmethod
    def build(cls, start: dt.date, end: dt.date, drivers: list[Driver],
              shocks: list[Shock]) -> Timeline:
        days = (end - start).days + 1
        d = np.zeros((days, len(DRIVER_NAMES)))
        for drv in drivers:
            a = max((drv.start - start).days, 0)
            b = min((drv.end - start).days, days - 1)
            if b >= a:
                d[a:b + 1, DRIVER_NAMES.index(drv.name)] += drv.strength
        s = np.zeros((days, len(SHOCK_NAMES)))
        for sh in shocks:
            i = (sh.date - start).days
            if 0 <= i < days:
                s[i, SHOCK_NAMES.index(sh.target)] += sh.amount
        return cls(start, days, d, s)

    def driver(self, day: int, name: str) -> float:
        """Value of driver ``name`` on day index ``day``."""
        return float(self.drivers[day, DRIVER_NAMES.index(name)])

    def date(self, day: int) -> dt.date:
        """Calendar date of day index ``day``."""
        return self.start + dt.timedelta(days=day)

    def dates(self) -> np.ndarray:
        """All dates as ``datetime64[D]``."""
        return np.datetime64(self.start, "D") + np.arange(self.days)

    def week_of_day(self) -> np.ndarray:
        """Week index (0-based, 7-day blocks from the start) of each day."""
        return np.arange(self.days) // 7

    @property
    def weeks(self) -> int:
        return (self.days + 6) // 7
