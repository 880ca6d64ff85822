"""Replaying the documented record up to a branch date.

Until the branch date the recorded actions happen as recorded, identically in every replicate:
militia attacks on US forces with their casualties, US strikes with their tier and country,
Israeli strikes, Iranian direct attacks, declared suspensions.  Every actor's state (stocks,
grievance, fear, pressure, credibility, sovereignty pressure, containment, greenlight) updates
from them through the model's own effect rules.  From the day after the branch date the model
runs free under the scenario's policy.

The record lists notable attacks, not all of them, so the replayed attack series is the event
rows plus, inside each period with a published tally, enough unattributed attacks to reach the
tally's central figure, spread evenly over the period (see :func:`attack_series`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import rules as R
from .parameters import TIERS
from .scenario import Scenario, ScenarioError

THEATRE_OF_COUNTRY = {"iraq": R.IRAQ, "syria": R.SYRIA, "jordan": R.JORDAN}


@dataclass
class ReplaySchedule:
    """The recorded actions per day index, shared by every replicate.

    Attributes:
        until: last replayed day index (inclusive); -1 replays nothing.
        attacks: ``(D, G, 5)`` militia attacks by group and theatre.
        wounded, killed: ``(D,)`` US casualties of those attacks.
        us_tier: ``(D,)`` tier code of the day's US strike (0: none); us_country ``(D,)``.
        israeli, israeli_iraq: ``(D,)`` Israeli strikes on militias, and those in Iraq.
        direct: ``(D,)`` Iranian direct attack: -1 none, 0 on US forces, 1 on Israel;
            direct_wounded, direct_killed ``(D,)``.
        suspend: ``(D, G)`` declared suspensions.
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
    branch: dt.date | None = None

    def active(self, day: int) -> bool:
        """Whether ``day`` is replayed."""
        return day <= self.until


def _mid(lo, hi) -> int:
    if lo is None or (isinstance(lo, float) and np.isnan(lo)):
        return 0
    try:
        return int(round((float(lo) + float(hi)) / 2.0))
    except (TypeError, ValueError):
        return 0


def attack_series(record, start: dt.date, days: int, groups: list[str]):
    """Daily militia attacks on US forces to replay: ``(days, G, 5)`` counts and the day's US
    wounded and killed.

    Event rows keep their group (front names and unknown actors go to the first group) and
    country (the embassy for rows targeting it).  Inside each tally period (periods and
    figures from :func:`sim.targets._tally_blocks`) unattributed attacks are added, evenly
    spaced, until the period holds the tally's central figure; they alternate between Iraq and
    Syria where the tally covers both, and go to Iraq where it covers Iraq only.
    """
    from .targets import _attack_rows, _tally_blocks

    g_of = {g: i for i, g in enumerate(groups)}
    attacks = np.zeros((days, len(groups), 5), dtype=np.int64)
    wounded = np.zeros(days, dtype=np.int64)
    killed = np.zeros(days, dtype=np.int64)
    rows = _attack_rows(record)
    per_day = np.zeros(days, dtype=np.int64)
    for r in rows.itertuples():
        d = (r.date.date() - start).days
        if not 0 <= d < days:
            continue
        th = R.EMBASSY if r.target == "us_embassy" else THEATRE_OF_COUNTRY.get(r.country)
        if th is None:
            continue
        attacks[d, g_of.get(r.actor, 0), th] += 1
        per_day[d] += 1
        wounded[d] += _mid(r.us_wounded_lo, r.us_wounded_hi)
        killed[d] += _mid(r.us_killed_lo, r.us_killed_hi)
    for a, b, _lo, _hi, mid, how in _tally_blocks(record):
        i, j = max((a - start).days, 0), min((b - start).days, days - 1)
        if j < i:
            continue
        full_i, full_j = (a - start).days, (b - start).days
        if full_i < 0 or full_j >= days:
            continue  # a tally only partly inside the horizon cannot be honoured exactly
        extra = int(round(mid)) - int(per_day[i:j + 1].sum())
        if extra <= 0:
            continue
        n = j - i + 1
        both = "iraq" not in how.lower() or "minus" in how.lower()
        for k in range(extra):
            d = i + int((k + 0.5) * n / extra)
            th = (R.IRAQ if k % 2 == 0 else R.SYRIA) if both else R.IRAQ
            attacks[d, 0, th] += 1
    return attacks, wounded, killed


def build_schedule(sc: Scenario, until: dt.date | None,
                   record_folder: str | Path | None = None) -> ReplaySchedule:
    """The replay schedule of scenario ``sc`` up to ``until`` (inclusive); nothing if None.

    Raises:
        ScenarioError: a branch date outside the scenario or the record, a record that fails
            validation, or a policy that contradicts a replayed event (e.g. a US strike above
            the policy's ``max_tier``, or US strikes under the ``never`` doctrine).
    """
    days, g = sc.days, len(sc.groups)
    z = np.zeros(days, dtype=np.int64)
    empty = ReplaySchedule(-1, np.zeros((days, g, 5), dtype=np.int64), z.copy(), z.copy(),
                           z.copy(), z.copy(), z.copy(), z.copy(), np.full(days, -1), z.copy(),
                           z.copy(), np.zeros((days, g), dtype=bool))
    if until is None:
        return empty
    from .record import RECORD_END, RECORD_START, load_record

    lo, hi = max(sc.start, RECORD_START), min(sc.end, RECORD_END)
    if not lo <= until <= hi:
        raise ScenarioError(f"replay: branch date {until} is outside the record covered by this "
                            f"scenario ({lo} .. {hi})")
    record = load_record(record_folder)
    upto = (until - sc.start).days
    s = empty
    s.until, s.branch = upto, until
    attacks, wounded, killed = attack_series(record, sc.start, days, list(sc.groups))
    s.attacks[:upto + 1] = attacks[:upto + 1]
    s.wounded[:upto + 1] = wounded[:upto + 1]
    s.killed[:upto + 1] = killed[:upto + 1]
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
                s.us_country[d] = R.STRIKE_SYRIA if r.country == "syria" else R.STRIKE_IRAQ
        elif r.event_type == "israeli_strike" and r.target == "militia" \
                and r.country in ("iraq", "syria"):
            s.israeli[d] += 1
            s.israeli_iraq[d] += r.country == "iraq"
        elif r.event_type == "iran_direct_attack" and r.target in ("us_forces", "israel"):
            s.direct[d] = R.TARGET_US if r.target == "us_forces" else R.TARGET_ISRAEL
            s.direct_wounded[d] = _mid(r.us_wounded_lo, r.us_wounded_hi)
            s.direct_killed[d] = _mid(r.us_killed_lo, r.us_killed_hi)
        elif r.event_type == "militia_suspension":
            s.suspend[d, g_of.get(r.actor, 0)] = True
    return s
