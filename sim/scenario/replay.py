"""Building the replay switches from the documented record up to a branch date.

Until the branch date the recorded actions happen as recorded, identically in every replicate
(:class:`sim.model.replay.ReplaySchedule`); from the day after, the model runs free under
the scenario's policy.  The record lists notable attacks, not all of them, so the replayed
attack series is the event rows plus, inside each period with a published tally, enough
unattributed attacks to reach the tally's central figure, spread evenly over the period
(:func:`sim.record.series.attack_series`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ScenarioError
from ..model.replay import ReplaySchedule
from ..model.types import TIERS, Campaign, DirectTarget, StrikeCountry, Theatre

if TYPE_CHECKING:  # a Scenario builds its schedule (Scenario.setup); this module reads it
    from .scenario import Scenario

CAMPAIGN_WINDOW_DAYS = 21
"""The record implies a campaign on US forces on a day when the replayed attacks on US forces
of the trailing window (this many days, the day included) number at least
:data:`CAMPAIGN_MIN_ATTACKS`."""
CAMPAIGN_MIN_ATTACKS = 4


def record_campaign(attacks_us: np.ndarray, war: np.ndarray) -> np.ndarray:
    """The campaign the record implies on each day: on US forces while the trailing
    three-week count of attacks on them is at least four; otherwise on Israel during a war
    (the Iraqi groups claimed attacks on Israel throughout 2024); otherwise none.

    >>> record_campaign(np.array([1, 1, 1, 1, 0]), np.zeros(5)).tolist()
    [0, 0, 0, 1, 1]
    """
    csum = np.concatenate([[0], np.cumsum(attacks_us)])
    d = np.arange(len(attacks_us))
    trailing = csum[d + 1] - csum[np.maximum(d + 1 - CAMPAIGN_WINDOW_DAYS, 0)]
    return np.where(trailing >= CAMPAIGN_MIN_ATTACKS, int(Campaign.ON_US),
                    np.where(war > 0, int(Campaign.ON_ISRAEL), int(Campaign.OFF))).astype(np.int64)


def build_schedule(sc: Scenario, until: dt.date | None,
                   record_folder: str | Path | None = None) -> ReplaySchedule:
    """The replay schedule of scenario ``sc`` up to ``until`` (inclusive); nothing if None.

    Raises:
        ScenarioError: a branch date outside the scenario or the record, a record that fails
            validation, or a policy that contradicts a replayed event (e.g. a US strike above
            the policy's ``max_tier``, or US strikes under the ``never`` doctrine).
    """
    days, g = sc.days, len(sc.groups)
    empty = ReplaySchedule.empty(days, g)
    if until is None:
        return empty
    from ..record.load import RECORD_END, RECORD_START, load_record
    from ..record.series import attack_series, mid_count

    lo, hi = max(sc.start, RECORD_START), min(sc.end, RECORD_END)
    if not lo <= until <= hi:
        raise ScenarioError(f"replay: branch date {until} is outside the record covered by this "
                            f"scenario ({lo} .. {hi})")
    record = load_record(record_folder)
    upto = (until - sc.start).days
    s = empty
    s.until, s.branch = upto, until
    attacks, wounded, killed = attack_series(
        record, sc.start, days, list(sc.groups),
        {g: t["theatres"].split(",") for g, t in sc.groups.items()})
    s.attacks[:upto + 1] = attacks[:upto + 1]
    s.wounded[:upto + 1] = wounded[:upto + 1]
    s.killed[:upto + 1] = killed[:upto + 1]
    war = np.array([dd.war for dd in sc.timeline().day_drivers()])
    implied = record_campaign(attacks[:, :, :int(Theatre.ISRAEL)].sum(axis=(1, 2)), war)
    s.campaign[:upto + 1] = implied[:upto + 1]
    g_of = {name: i for i, name in enumerate(sc.groups)}
    max_tier = TIERS.index(sc.params["us"]["max_tier"])
    never = sc.params["us"]["trigger"] == "never"
    ev = record.events
    for r in ev.itertuples():
        d = (r.date.date() - sc.start).days
        if not 0 <= d <= upto:
            continue
        if r.event_type == "us_strike":
            tier = TIERS.index(r.tier)
            if never or tier > max_tier:
                raise ScenarioError(
                    f"replay: the policy (us.trigger = {sc.params['us']['trigger']}, "
                    f"us.max_tier = {sc.params['us']['max_tier']}) contradicts the replayed US "
                    f"{r.tier} strike of {r.date.date()} (events.csv line {r.line}); branch "
                    "earlier or change the policy")
            if tier > s.us_tier[d]:
                s.us_tier[d] = tier
                s.us_country[d] = int(StrikeCountry.SYRIA if r.country == "syria"
                                      else StrikeCountry.IRAQ)
        elif r.event_type == "israeli_strike" and r.target == "militia" \
                and r.country in ("iraq", "syria"):
            s.israeli[d] += 1
            s.israeli_iraq[d] += r.country == "iraq"
        elif r.event_type == "iran_direct_attack" and r.target in ("us_forces", "israel"):
            s.direct[d] = int(DirectTarget.US if r.target == "us_forces"
                              else DirectTarget.ISRAEL)
            s.direct_wounded[d] = mid_count(r.us_wounded_lo, r.us_wounded_hi)
            s.direct_killed[d] = mid_count(r.us_killed_lo, r.us_killed_hi)
        elif r.event_type == "militia_suspension":
            s.suspend[d, g_of.get(r.actor, 0)] = True
    return s
