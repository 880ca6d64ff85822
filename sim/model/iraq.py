"""The Iraqi government: sovereignty pressure, containment of the militias, and bargaining.

State: ``sovereignty`` (pressure after foreign strikes on Iraqi soil, e.g. the 5 Jan 2020
vote to expel foreign troops; decays; sustained, it forces a US drawdown), ``containment``
(how much the state restrains the militias: raids, pressure to suspend, mediated truces),
``embarrassment`` (the memory of attacks that embarrass the state; decays) and
``bargaining``: the government's leverage on Tehran and the groups while it negotiates the
US withdrawal (the 2020 strategic dialogue, the 2021 end of the combat mission, the 2024
commission) or is embarrassed by attacks.  Bargaining raises Iran's restraint (the
campaign's switch-off hazard) and each group's chance to suspend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import militia
from .maths import approach
from .measures import M
from .param import P, Param

if TYPE_CHECKING:
    from .state import State

PARAMETERS: dict[str, Param] = {
    "sovereignty_decay_days": P(120.0, 1, 2000, "days", "e-folding time of sovereignty "
                                "pressure"),
    "sovereignty_per_us_strike": P(0.4, 0, 20, "sovereignty units", "added by a US strike "
                                   "on Iraqi soil"),
    "sovereignty_per_decapitation": P(3.0, 0, 50, "sovereignty units", "added by a US "
                                      "leadership or Iranian-personnel strike on Iraqi "
                                      "soil"),
    "sovereignty_per_israeli_strike": P(0.3, 0, 20, "sovereignty units", "added by an "
                                        "Israeli strike on Iraqi soil"),
    "containment_base": P(0.05, 0, 1, "containment units", "restraint in quiet times"),
    "containment_w_embarrassment": P(0.0016, 0, 1, "per attack-memory unit", "attacks, "
                                     "above all on the embassy, embarrass the state"),
    "containment_w_looming": P(0.02, 0, 1, "per US pressure unit", "a looming US "
                               "escalation pushes the state to restrain"),
    "w_protests": P(0.1, 0, 1, "containment units per driver unit", "a protest wave "
                    "weakens the state's hold on the militias"),
    "containment_cap": P(0.5, 0, 1, "containment units", "ceiling set by the militias' "
                         "political weight"),
    "containment_rate": P(0.05, 0.001, 1, "1/day", "how fast containment moves toward its "
                          "target"),
    "embarrassment_memory_days": P(21.0, 1, 365, "days", "e-folding time of the attack "
                                   "memory that embarrasses the state"),
    "bargain_w_talks": P(1.0, 0, 10, "bargaining units per driver unit", "leverage from live "
                         "withdrawal talks and agreements"),
    "bargain_w_sovereignty": P(0.1, 0, 10, "bargaining units per sovereignty unit", "leverage "
                               "from sovereignty pressure"),
    "bargain_w_embarrassment": P(0.02, 0, 10, "bargaining units per attack-memory unit",
                                 "leverage from embarrassing attacks"),
}
"""The Iraqi government's parameters (scenario section ``[iraq]``)."""

DECAYS: tuple[tuple[str, str], ...] = (("sovereignty", "iraq.sovereignty_decay_days"),
                                       ("embarrassment", "iraq.embarrassment_memory_days"))
"""State variables that decay daily, with the parameter giving their e-folding time."""
TRACES: dict[str, str] = {"sovereignty_pressure": "sovereignty", "containment": "containment",
                          "iraq_bargaining": "bargaining"}
"""Traced state: trace name -> attribute."""

EMBASSY_EMBARRASSMENT = 3.0
"""An attack on the embassy embarrasses the state as much as this many attacks on bases."""
RAID_CONTAINMENT = 0.1
"""Containment a raid adds per raid unit (up to the cap)."""


# --- rules --------------------------------------------------------------------------------

def containment_target(base: np.ndarray, w_embarrassment: np.ndarray,
                       embarrassment: np.ndarray, w_looming: np.ndarray,
                       us_pressure: np.ndarray, w_protests: np.ndarray, protests: float,
                       cap: np.ndarray) -> np.ndarray:
    """Restraint the Iraqi state aims for: rises with embarrassing attacks and a looming US
    escalation, falls while a protest wave weakens the government; between 0 and the cap set by
    the militias' political weight."""
    return np.clip(base + w_embarrassment * embarrassment + w_looming * us_pressure
                   - w_protests * protests, 0.0, cap)


def bargaining(w_talks: np.ndarray, talks: float, w_sovereignty: np.ndarray,
               sovereignty: np.ndarray, w_embarrassment: np.ndarray,
               embarrassment: np.ndarray) -> np.ndarray:
    """The government's bargaining leverage (bargaining units): withdrawal talks, sovereignty
    pressure and embarrassing attacks."""
    return w_talks * talks + w_sovereignty * sovereignty + w_embarrassment * embarrassment


# --- state --------------------------------------------------------------------------------

def init(st: State) -> None:
    """The Iraqi government on the first day: no pressure, containment or embarrassment."""
    s, n = st.iraq, st.n
    s.sovereignty = np.zeros(n)
    s.containment = np.zeros(n)
    s.embarrassment = np.zeros(n)
    s.bargaining = np.zeros(n)


# --- phases -------------------------------------------------------------------------------

def absorb_shocks(st: State) -> None:
    """Dated shocks to sovereignty pressure, and raids on the most active group."""
    amount = st.shock("iraq.sovereignty_pressure")
    if amount:
        st.iraq.sovereignty = st.iraq.sovereignty + amount
    amount = st.shock("iraq.raid")
    if amount:
        militia.raided(st, st.rows, militia.blamed_group(st, st.rows), amount)
        st.iraq.containment = np.minimum(st.iraq.containment + RAID_CONTAINMENT * amount,
                                         st.p["iraq.containment_cap"])


def update_containment(st: State) -> None:
    """Restrain the militias more after embarrassing attacks (above all on the embassy) or
    when a US escalation looms; less during a protest wave."""
    p, s, c = st.p, st.iraq, st.counts
    s.embarrassment = (s.embarrassment + c[M["attacks_iraq"]]
                       + EMBASSY_EMBARRASSMENT * c[M["attacks_embassy"]])
    target = containment_target(p["iraq.containment_base"],
                                p["iraq.containment_w_embarrassment"], s.embarrassment,
                                p["iraq.containment_w_looming"], st.us.pressure,
                                p["iraq.w_protests"], st.drv.protests, p["iraq.containment_cap"])
    s.containment = approach(s.containment, target, p["iraq.containment_rate"])
    s.bargaining = bargaining(p["iraq.bargain_w_talks"], st.drv.withdrawal,
                              p["iraq.bargain_w_sovereignty"], s.sovereignty,
                              p["iraq.bargain_w_embarrassment"], s.embarrassment)


# --- effects (called by other actors' phases) ---------------------------------------------

def struck_on_soil_by_us(st: State, rows: np.ndarray, in_iraq: np.ndarray,
                         decapitation: np.ndarray) -> None:
    """US strikes in replicates ``rows``: those on Iraqi soil raise sovereignty pressure,
    leadership strikes far more."""
    p = st.p
    sov = p["iraq.sovereignty_per_us_strike"][rows]
    if decapitation.any():  # (adding 0.0 elsewhere changes nothing, so it is skipped)
        sov = sov + np.where(decapitation, p["iraq.sovereignty_per_decapitation"][rows], 0.0)
    st.iraq.sovereignty[rows] += np.where(in_iraq, sov, 0.0)


def struck_on_soil_by_israel(st: State, rows: np.ndarray, strikes_in_iraq: np.ndarray) -> None:
    """``strikes_in_iraq`` Israeli strikes on Iraqi soil in replicates ``rows``."""
    st.iraq.sovereignty[rows] += st.p["iraq.sovereignty_per_israeli_strike"][rows] * strikes_in_iraq
