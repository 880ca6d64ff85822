"""The calendar and the exogenous timeline: named drivers switched on over date ranges, and
dated shocks to state variables.  Shared by every replicate of a run.

The vocabulary of both lives here: :data:`DRIVERS` (what a scenario can switch on) and
:data:`SHOCK_TARGETS` (what a dated shock can bump); the actor modules read the day's values
through :class:`DayDrivers` and :meth:`Timeline.shock`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

DRIVERS: dict[str, str] = {
    "max_pressure": "US maximum-pressure sanctions on Iran",
    "iraqi_protests": "Iraqi protest wave against the political class and Iranian influence",
    "iran_unrest": "domestic unrest inside Iran",
    "nuclear_talks": "live US-Iran nuclear negotiations",
    "us_election": "US election campaign season",
    "gaza_war": "an ongoing Israel-Hamas war in Gaza",
    "gaza_truce": "a truce in the Gaza war (suppresses the gaza_war effect while on)",
    "regional_war": "a wider regional war (e.g. Israel-Hezbollah, 2024)",
    "us_threat": "explicit US threats of escalation against Iran or its proxies (e.g. the "
                 "September 2020 warning that the embassy would close and strikes follow)",
    "withdrawal_demand": "an unanswered Iraqi demand that US forces leave (the 5 Jan 2020 "
                         "parliamentary vote, until the 26 Jul 2021 agreement), which the "
                         "groups pressed by force",
    "withdrawal_talks": "live US-Iraqi talks or agreements on the withdrawal of US forces "
                        "(the 2020 strategic dialogue, the 2021 end of the combat mission, the "
                        "2024 Higher Military Commission)",
    "iraq_political_crisis": "a political crisis in Iraq that the Iran-aligned factions are "
                             "losing and press by force (the contested October 2021 election, "
                             "in which their Fatah alliance fell from 48 seats to about 16, "
                             "until the Sudani government of 27 Oct 2022)",
}
"""Exogenous drivers a scenario timeline can switch on, by name (strength 0 to 5; 1 is the
documented intensity)."""
SHOCK_TARGETS: dict[str, str] = {
    "iran.grievance": "added to Iran's grievance (e.g. a killing Iran blames on Israel)",
    "militia.grievance": "added to every militia group's grievance",
    "militia.fear": "added to every militia group's fear",
    "us.pressure": "added to US domestic pressure to respond",
    "iraq.sovereignty_pressure": "added to Iraqi sovereignty pressure",
    "iran.killed_by_israel": "added to Iran's grievance, and Iran weighs a direct attack on "
                             "Israel as after an Israeli strike that killed its personnel",
    "iraq.raid": "an Iraqi security raid on the most active group: its fear rises by the "
                 "amount and the state's containment by a tenth of it (e.g. June 2020)",
}
"""State variables a dated timeline shock may bump, with what the amount means."""


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
_DRIVER_INDEX = {name: i for i, name in enumerate(DRIVER_NAMES)}
_SHOCK_INDEX = {name: i for i, name in enumerate(SHOCK_NAMES)}


def effective_gaza(gaza_war: float, gaza_truce: float) -> float:
    """The Gaza-war driver net of any truce (a truce of strength >= 1 silences it).

    >>> effective_gaza(1.0, 1.0), effective_gaza(1.0, 0.0)
    (0.0, 1.0)
    """
    return float(gaza_war * (1.0 - min(float(gaza_truce), 1.0)))


def spell_days(starts_ends: list[tuple[dt.date, dt.date]], start: dt.date,
               days: int) -> np.ndarray:
    """For each day of a calendar of ``days`` days from ``start``: how many days (counting
    that day as the first) the spell of the given date ranges covering it has lasted, from the
    earliest start of the overlapping or adjacent ranges it belongs to, even when that lies
    before ``start``; 0 on days no range covers.

    >>> d = dt.date
    >>> spell_days([(d(2023, 10, 7), d(2023, 10, 9)), (d(2023, 10, 10), d(2023, 10, 10))],
    ...            d(2023, 10, 8), 4).tolist()
    [2, 3, 4, 0]
    """
    out = np.zeros(days, dtype=np.int64)
    merged: list[list[dt.date]] = []
    for a, b in sorted(starts_ends):
        if merged and a <= merged[-1][1] + dt.timedelta(days=1):
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    for a, b in merged:
        lo, hi = max((a - start).days, 0), min((b - start).days, days - 1)
        if hi >= lo:
            out[lo:hi + 1] = np.arange(lo, hi + 1) - (a - start).days + 1
    return out


class DayDrivers:
    """One day's exogenous driver values, as floats, with the combinations the rules use:
    ``gaza`` (net of a truce: the tempo of fighting), ``gaza_war`` (the war itself, truce or
    not: what motivates a campaign), ``war`` (a Gaza or regional war, net of a truce),
    ``truce`` (how far a truce silences a Gaza war that is on, in [0, 1]) and ``gaza_days``
    (the day of the Gaza war this is: 1 on its first day, 0 with no war on); ``crisis`` is
    the Iraqi political crisis driver."""

    __slots__ = ("max_pressure", "unrest", "talks", "regional", "protests", "election",
                 "gaza", "gaza_war", "war", "truce", "threat", "withdrawal", "demand",
                 "crisis", "gaza_days")

    def __init__(self, row: np.ndarray, gaza_days: int = 0):
        d = _DRIVER_INDEX
        self.max_pressure = float(row[d["max_pressure"]])
        self.unrest = float(row[d["iran_unrest"]])
        self.talks = float(row[d["nuclear_talks"]])
        self.regional = float(row[d["regional_war"]])
        self.protests = float(row[d["iraqi_protests"]])
        self.election = float(row[d["us_election"]])
        self.gaza = float(effective_gaza(row[d["gaza_war"]], row[d["gaza_truce"]]))
        self.gaza_war = float(row[d["gaza_war"]])
        self.war = self.gaza + self.regional
        self.truce = (min(float(row[d["gaza_truce"]]), 1.0) if self.gaza_war > 0 else 0.0)
        self.threat = float(row[d["us_threat"]])
        self.withdrawal = float(row[d["withdrawal_talks"]])
        self.demand = float(row[d["withdrawal_demand"]])
        self.crisis = float(row[d["iraq_political_crisis"]])
        self.gaza_days = int(gaza_days)


@dataclass
class Timeline:
    """Daily driver values and shocks for one scenario's calendar.

    Attributes:
        start: first day.
        days: number of days.
        drivers: float array ``(days, len(DRIVER_NAMES))``; overlapping entries add up.
        shocks: float array ``(days, len(SHOCK_NAMES))``.
        gaza_days: int array ``(days,)``: the day of the Gaza war each day is (1 on the first
            day of a spell of ``gaza_war`` entries, counted from the spell's own start even
            when it began before the calendar's; 0 outside any).
    """

    start: dt.date
    days: int
    drivers: np.ndarray
    shocks: np.ndarray
    gaza_days: np.ndarray

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
        gaza = [(drv.start, drv.end) for drv in drivers
                if drv.name == "gaza_war" and drv.strength > 0]
        return cls(start, days, d, s, spell_days(gaza, start, days))

    def shock(self, day: int, target: str) -> float:
        """Amount of the shock to ``target`` on day index ``day`` (0.0 when none)."""
        return float(self.shocks[day, _SHOCK_INDEX[target]])

    def day_drivers(self) -> list[DayDrivers]:
        """The driver values of every day, as :class:`DayDrivers`."""
        return [DayDrivers(self.drivers[d], self.gaza_days[d]) for d in range(self.days)]

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
