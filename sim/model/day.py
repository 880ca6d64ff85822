"""The daily cycle: the phases of one simulated day, in order, and who carries each out.

Both engines run exactly this list.  The batch engine calls each phase once for all its
replicates (and all militia groups); the Mesa engine hands each phase to the agents of the
actor that owns it, a militia agent calling a militia phase on its own group.  Within a
phase, actors act simultaneously on the state at the start of the phase, so the order of
agents inside a phase never changes a result.

One day, in order:

1. the day begins: its drivers, whether it is replayed, the count vector set to zero;
2. dated shocks (every actor's own);
3. Iran steers its campaign (on US forces, on Israel, or none), resupplies the groups and
   fires any due direct attack;
4. every militia group chooses its attacks (how many, where, which weapon);
5. US forces take the casualties of those attacks; the day's attack totals are tallied;
   every group's excitation state takes in its attacks (the Hawkes kernel);
6. the Iraqi government updates containment and bargaining; each group weighs a
   suspension;
7. Israel decides its interdiction strikes;
8. the US updates pressure and decides, carries out any due response (its size deters or
   provokes), reviews its posture;
9. Iran weighs what the day did to Americans (its sense of risk);
10. states decay; the ladder records the day's rung.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

import numpy as np

from . import iran, iraq, israel, ladder, militia, us
from .maths import decay_factor
from .measures import M
from .params import ParamTable
from .setup import Setup
from .state import ALL_GROUPS, State

ACTOR_MODULES = {"iran": iran, "militia": militia, "us": us, "israel": israel, "iraq": iraq}
"""The actor modules, by the name of their state namespace and parameter section."""


class Owner(Enum):
    """Who carries out a phase: an actor (its Mesa agents), or the model itself
    (bookkeeping that belongs to no actor)."""

    MODEL = "model"
    IRAN = "iran"
    MILITIA = "militia"
    IRAQ = "iraq"
    ISRAEL = "israel"
    US = "us"


@dataclass(frozen=True)
class Phase:
    """One step of the day.

    Attributes:
        name: what it is called (in docs and the Mesa agents' ``act``).
        owner: who carries it out.
        run: the function, ``run(state)``, or ``run(state, groups)`` for militia phases.
    """

    name: str
    owner: Owner
    run: Callable


# --- bookkeeping phases of the model itself -------------------------------------------------

def begin_day(st: State) -> None:
    """The day's drivers and replay switch; the day's counts and scratch set to zero."""
    st.drv = st.setup.drivers[st.day]
    st.replaying = st.day <= st.setup.replay.until
    if st.p.changes:
        adopt_dated_changes(st)
    st.counts.fill(0)
    st.wounded.fill(0)
    st.killed.fill(0)
    st.strike_tier.fill(0)
    st.direct_on_us.fill(False)
    st.attacks_today = []


def adopt_dated_changes(st: State) -> None:
    """A dated policy: from its day on, a change's parameter values replace the run's, and
    whatever the actors derived from their parameters (codes, rates, decay factors) is
    derived again.  Runs at the start of the day, so the day itself runs under the new
    values."""
    due = [c for c in st.p.changes if c.day == st.day]
    if not due:
        return
    for change in due:
        st.p.adopt(change)
    for module in ACTOR_MODULES.values():
        derive = getattr(module, "derive", None)
        if derive is not None:
            derive(st)
    st.decays = decay_factors(st)


def tally_attacks(st: State) -> None:
    """The day's attacks on US forces (all theatres but Israel) and US casualties."""
    c = st.counts
    c[M["attacks"]] = (c[M["attacks_iraq"]] + c[M["attacks_syria"]] + c[M["attacks_embassy"]]
                       + c[M["attacks_jordan"]])
    c[M["us_wounded"]] = st.wounded
    c[M["us_killed"]] = st.killed


def decay(st: State) -> None:
    """Every decaying state variable is multiplied by its daily factor."""
    for space, attr, factor in st.decays:
        arr = getattr(space, attr)
        np.multiply(arr, factor, out=arr)


PHASES: tuple[Phase, ...] = (
    Phase("begin_day", Owner.MODEL, begin_day),
    Phase("militia_shocks", Owner.MILITIA, militia.absorb_shocks),
    Phase("us_shocks", Owner.US, us.absorb_shocks),
    Phase("iraq_shocks", Owner.IRAQ, iraq.absorb_shocks),
    Phase("iran_shocks", Owner.IRAN, iran.absorb_shocks),
    Phase("campaign", Owner.IRAN, iran.steer_campaign),
    Phase("resupply", Owner.IRAN, iran.resupply),
    Phase("direct_fire", Owner.IRAN, iran.fire_direct),
    Phase("attack", Owner.MILITIA, militia.attack),
    Phase("casualties", Owner.US, us.take_casualties),
    Phase("tally", Owner.MODEL, tally_attacks),
    Phase("excite", Owner.MILITIA, militia.excite),
    Phase("containment", Owner.IRAQ, iraq.update_containment),
    Phase("suspension", Owner.MILITIA, militia.consider_suspension),
    Phase("interdiction", Owner.ISRAEL, israel.interdict),
    Phase("decide", Owner.US, us.decide),
    Phase("strike", Owner.US, us.strike),
    Phase("posture", Owner.US, us.review_posture),
    Phase("risk", Owner.IRAN, iran.assess_risk),
    Phase("decay", Owner.MODEL, decay),
    Phase("ladder", Owner.MODEL, ladder.record),
)
"""The day, in order.  (The shocks of different actors touch different state, so their order
among themselves does not matter.)"""


def turns() -> list[tuple[Owner, tuple[Phase, ...]]]:
    """The day as turns: runs of consecutive phases of one owner, each handed to that owner's
    agents at once (a militia turn is always a single phase, so that every group's decision
    in it reads the state at the start of the phase)."""
    out: list[tuple[Owner, list[Phase]]] = []
    for ph in PHASES:
        if out and out[-1][0] is ph.owner and ph.owner is not Owner.MILITIA:
            out[-1][1].append(ph)
        else:
            out.append((ph.owner, [ph]))
    return [(owner, tuple(phases)) for owner, phases in out]


def new_state(setup: Setup, params: ParamTable, seed: int, replicates: np.ndarray) -> State:
    """The state of ``replicates`` on the first morning: every actor's ``init``, the decay
    factors of every decaying variable."""
    params = params.dense()
    if params.changes:  # a dated change replaces values: never in the caller's table
        params = params.private()
    st = State(setup, params, seed, replicates)
    for module in (*ACTOR_MODULES.values(), ladder):
        module.init(st)
    st.attacks_today = []
    st.decays = decay_factors(st)
    return st


def decay_factors(st: State) -> list[tuple[object, str, np.ndarray]]:
    """``(namespace, attribute, daily factor)`` of every decaying state variable."""
    out = []
    for name, module in ACTOR_MODULES.items():
        space = getattr(st, name)
        for attr, key in module.DECAYS:
            per_group = getattr(space, attr).ndim == 2
            out.append((space, attr, decay_factor(st.pg(key) if per_group else st.p[key])))
    return out


def step(st: State) -> np.ndarray:
    """Advance every replicate of ``st`` by one day (the batch form: each phase once, for
    every group); returns the day's counts ``(len(DAILY), R)``."""
    for phase in PHASES:
        if phase.owner is Owner.MILITIA:
            phase.run(st, ALL_GROUPS)
        else:
            phase.run(st)
    st.day += 1
    return st.counts


TRACES: dict[str, tuple[str, str]] = {
    trace: (name, attr) for name, module in ACTOR_MODULES.items()
    for trace, attr in module.TRACES.items()}
"""Float state recorded per day when daily trajectories are kept: trace name -> (actor
namespace, attribute); militia traces are per group."""


def trace_values(st: State, trace: str) -> np.ndarray:
    """The current value of a traced state variable, ``(R,)`` or ``(R, G)``."""
    name, attr = TRACES[trace]
    return getattr(getattr(st, name), attr)
