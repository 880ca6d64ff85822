"""The documented record as series: notable attack rows, published tallies, the surge's
cumulative Pentagon figures, the monthly documented series, and the daily attack series a
replay takes.  Used by replay (:mod:`sim.scenario.replay`) and calibration alike.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..model.types import Theatre
from .load import RECORD_END, RECORD_START, Record, load_record

SURGE_START = dt.date(2023, 10, 17)
"""First day of the 2023-24 surge of attacks on US forces (Pentagon tallies count from it)."""
SURGE_END = dt.date(2024, 2, 4)
"""Last day of the surge: the Pentagon's count stood at 170 from 4 Feb 2024 until the 21-22 Apr
attacks."""
SURGE_COUNTERS = ("pentagon", "us_official", "centcom")
"""Counters that quote the Department of Defense's own surge count (attacks on bases and
facilities housing US personnel since 17 Oct 2023, drones downed away from bases not counted):
press secretaries, CENTCOM and US officials briefing from it.  Treated as one counter."""
JORDAN_FIRST = dt.date(2024, 1, 28)
"""Tower 22, the first attack on US forces in Jordan: before it, Iraq and Syria are all theatres."""
D = dt.date
_IRAQ, _SYRIA = int(Theatre.IRAQ), int(Theatre.SYRIA)
THEATRE_OF_COUNTRY = {"iraq": int(Theatre.IRAQ), "syria": int(Theatre.SYRIA),
                      "jordan": int(Theatre.JORDAN)}
COUNTRIES_OF_THEATRE = {"iraq": ("iraq",), "syria": ("syria",), "jordan": ("jordan",),
                        "iraq_syria": ("iraq", "syria"), "all": ("iraq", "syria", "jordan")}
"""Which event-row countries a tally's theatre covers (attacks on the embassy are Iraq)."""


def attack_rows(record: Record) -> pd.DataFrame:
    ev = record.events
    return ev[(ev.event_type == "militia_attack") & ev.target.isin(["us_forces", "us_embassy"])]


def tally_rows(record: Record, measure: str, start: dt.date, end: dt.date,
               theatre: str = "all", counter: str | None = None) -> pd.DataFrame:
    """The tally rows with exactly this measure, period and theatre (and counter, if given),
    in file order.  ``theatre='all'`` falls back to ``iraq_syria`` rows when there is no
    ``all`` row (the source names Iraq and Syria only)."""
    t = record.tallies
    sel = t[(t.measure == measure) & (t.period_start == pd.Timestamp(start))
            & (t.period_end == pd.Timestamp(end))]
    if counter is not None:
        sel = sel[sel.counter == counter]
    rows = sel[sel.theatre == theatre]
    if rows.empty and theatre == "all":
        rows = sel[sel.theatre == "iraq_syria"]
    return rows.sort_values("line", kind="stable")


def tally_row(record: Record, measure: str, start: dt.date, end: dt.date,
              theatre: str = "all", counter: str | None = None) -> pd.Series:
    """The first tally row of :func:`tally_rows` (with its bound, scope and counter)."""
    rows = tally_rows(record, measure, start, end, theatre, counter)
    if rows.empty:
        who = f" counted by {counter}" if counter else ""
        raise KeyError(f"no tally {measure} {theatre}{who} {start}..{end}")
    return rows.iloc[0]


def tally(record: Record, measure: str, start: dt.date, end: dt.date,
          country: str = "all", counter: str | None = None) -> tuple[int, int, str]:
    """(low, high, source) of the first tally row with exactly this period and theatre
    (``country`` is the theatre; see :func:`tally_rows`).

    A lower bound ("at least N") comes back as ``(N, N)``: the documented floor, not a range.
    Use :func:`tally_row` for the row's ``bound``, ``counts`` and ``counter``."""
    r = tally_row(record, measure, start, end, country, counter)
    high = int(r.low) if r.bound == "lower" else int(r.high)
    return int(r.low), high, f"tallies.csv line {r.line}: {r.source_url.split(' | ')[0]}"


def _interval(g: pd.DataFrame) -> tuple[float, float]:
    """Intersection of the rows' intervals: (largest low, smallest high; inf if no high)."""
    lo = float(g.low.max())
    highs = g.high.dropna()
    return lo, (float(highs.min()) if len(highs) else np.inf)


def surge_cumulative(record: Record) -> pd.DataFrame:
    """Cumulative attacks on US forces since 2023-10-17 in the Department of Defense's count
    (counters :data:`SURGE_COUNTERS`, ``counts`` all, to :data:`SURGE_END`).

    On each date with a published figure: ``lo``/``hi`` intersect the total rows (theatre
    all; iraq_syria before Tower 22) and the sum of the country splits when every country has
    one; lower bounds have no ``hi`` of their own.  Then ``lo`` is made non-decreasing and
    ``hi`` is the smallest later upper figure.  The central path ``mid`` runs through the
    dates with an exact or approximate figure (and dates pinned by a stated count between two
    dates of the same series, e.g. "nine since 4 January"), interpolated in time elsewhere and
    kept inside [lo, hi].  Columns: date, lo, hi, mid."""
    t = record.tallies
    ser = t[(t.measure == "attacks_on_us_forces") & t.counter.isin(SURGE_COUNTERS)
            & (t.counts == "all") & (t.period_end <= pd.Timestamp(SURGE_END))]

    def total_scope(g):
        late = g.period_end >= pd.Timestamp(JORDAN_FIRST)
        return (g.theatre == "all") | ((g.theatre == "iraq_syria") & ~late)

    cum = ser[ser.period_start == pd.Timestamp(SURGE_START)]
    rows = []
    for end, g in cum.groupby("period_end"):
        lo, hi = -np.inf, np.inf
        tot = g[total_scope(g)]
        if not tot.empty:
            lo, hi = _interval(tot)
        need = ("iraq", "syria", "jordan") if end >= pd.Timestamp(JORDAN_FIRST) else \
            ("iraq", "syria")
        if all((g.theatre == c).any() for c in need):
            parts = [_interval(g[g.theatre == c]) for c in need]
            lo = max(lo, sum(p[0] for p in parts))
            hi = min(hi, sum(p[1] for p in parts))
        if not np.isfinite(lo):
            continue
        exact = bool(np.isfinite(hi) and hi - lo <= 0.05 * hi)
        rows.append({"date": end.date(), "lo": lo, "hi": hi, "anchor": exact})
    df = pd.DataFrame(rows)
    df = pd.concat([pd.DataFrame([{"date": SURGE_START - dt.timedelta(days=1), "lo": 0.0,
                                   "hi": 0.0, "anchor": True}]), df], ignore_index=True)
    df = df.sort_values("date").reset_index(drop=True)
    # counts stated between two dates of the same series pin a date next to an anchored one
    inc = ser[(ser.period_start > pd.Timestamp(SURGE_START)) & total_scope(ser)
              & ser.bound.isin(["exact", "approx"])]
    for r in inc.itertuples():
        before, end = r.period_start.date() - dt.timedelta(days=1), r.period_end.date()
        known = {d: (lo + hi) / 2 for d, lo, hi, a in
                 zip(df.date, df.lo, df.hi, df.anchor) if a}
        if end in known and before not in known:
            df = _pin(df, before, known[end] - r.low)
        elif before in known and end not in known:
            df = _pin(df, end, known[before] + r.low)
    lo = np.maximum.accumulate(df.lo.to_numpy(dtype=float))
    hi = np.minimum.accumulate(df.hi.to_numpy(dtype=float)[::-1])[::-1]
    hi = np.where(np.isfinite(hi), hi, lo)
    hi = np.maximum(hi, lo)
    x = np.array([(d - SURGE_START).days for d in df.date], dtype=float)
    a = df.anchor.to_numpy()
    mid = np.interp(x, x[a], ((lo + hi) / 2)[a])
    mid = np.clip(np.maximum.accumulate(np.clip(mid, lo, hi)), lo, hi)
    return pd.DataFrame({"date": df.date, "lo": lo, "hi": hi, "mid": mid})


def _pin(df: pd.DataFrame, d: dt.date, v: float) -> pd.DataFrame:
    """Pin the cumulative count on ``d`` to ``v`` (if it fits that date's own bounds)."""
    at = df.date == d
    if at.any():
        k = df.index[at][0]
        if df.at[k, "lo"] <= v <= df.at[k, "hi"]:
            df.loc[k, ["lo", "hi", "anchor"]] = [v, v, True]
        return df
    row = pd.DataFrame([{"date": d, "lo": v, "hi": v, "anchor": True}])
    return pd.concat([df, row], ignore_index=True).sort_values("date").reset_index(drop=True)


def cum_at(cum: pd.DataFrame, d: dt.date, col: str = "mid") -> float:
    x = np.array([(c - SURGE_START).days for c in cum.date])
    return float(np.interp((d - SURGE_START).days, x, cum[col].to_numpy()))


class Block(NamedTuple):
    """A period with a published count of attacks on US forces (see :func:`tally_blocks`).

    ``high`` is NaN for a lower bound; ``central`` is the figure a replay fills the period to
    (a lower bound's own figure); ``theatre`` and ``counts`` are the tally's scope."""

    start: dt.date
    end: dt.date
    low: float
    high: float
    central: float
    how: str
    bound: str
    theatre: str = "all"
    counts: str = "all"


_PRE_SURGE_BLOCKS = (
    # (period start, period end, theatre, counter, first day used, why)
    (D(2019, 10, 29), D(2019, 12, 29), "iraq", "us_official", None,
     "US official (NYT): 11 attacks on bases in two months to 29 Dec 2019"),
    (D(2020, 1, 1), D(2020, 10, 22), "iraq", "fdd", None,
     "FDD: at least 55 rocket/mortar attacks, 1 Jan-22 Oct 2020 (Iraq)"),
    (D(2020, 10, 12), D(2020, 12, 9), "iraq", "media_tally", D(2020, 10, 23),
     "AFP: one attack (17 Nov) from the October truce to 9 Dec 2020 (Iraq); used from 23 Oct, "
     "after the FDD period, which loses no attack"),
    (D(2021, 1, 1), D(2021, 7, 5), "iraq", "media_tally", None,
     "AFP: 47 attacks on US interests in Iraq, 1 Jan-5 Jul 2021"),
    (D(2021, 7, 9), D(2021, 9, 10), "iraq", "media_tally", None,
     "no attack in Iraq for about two months before the 11 Sep 2021 Erbil drones"),
    (D(2022, 2, 1), D(2022, 4, 30), "iraq_syria", "us_official", None,
     "US officials (NBC): 7 attacks on bases in Feb-Apr 2022"),
    (D(2022, 5, 1), D(2022, 5, 31), "iraq_syria", "us_official", None,
     "US officials (NBC): 7 attacks on bases in May 2022"),
    (D(2022, 10, 1), D(2022, 12, 31), "iraq", "lead_ig", None,
     "Lead IG: militias kept pausing attacks in Iraq, Oct-Dec 2022"),
    (D(2023, 1, 1), D(2023, 10, 16), "iraq", "media_tally", None,
     "no attack on US troops in Iraq for over a year before the Oct 2023 surge"),
)
_POST_SURGE_BLOCKS = (
    (D(2024, 2, 5), D(2024, 4, 20), "iraq_syria", "pentagon", None,
     "Pentagon: no attack from 5 Feb to the 21-22 Apr 2024 attacks (the pause)"),
    (D(2024, 4, 21), D(2024, 4, 22), "iraq_syria", "pentagon", None,
     "Pentagon: two unsuccessful attacks, 21-22 Apr 2024"),
)


def _block(record: Record, spec) -> Block:
    a, b, theatre, counter, first, how = spec
    r = tally_row(record, "attacks_on_us_forces", a, b, theatre, counter)
    low = float(r.low)
    high = float(r.high)
    return Block(first or a, b, low, high, low if r.bound == "lower" else (low + high) / 2.0,
                 f"{how} (tallies.csv line {r.line})", r.bound, r.theatre, r.counts)


def tally_blocks(record: Record) -> list[Block]:
    """Non-overlapping periods with a published count of attacks on US forces, each taken from
    one tally as published or from differences of one counter's cumulative series (the
    Pentagon's surge count, :func:`surge_cumulative`): never by subtracting tallies of
    different counters or scope.  Periods without a suitable tally are left to the event
    rows.  Returns :class:`Block` tuples (start, end, low, high, central, how, bound, theatre,
    counts)."""
    blocks = [_block(record, s) for s in _PRE_SURGE_BLOCKS]
    cum = surge_cumulative(record)
    for k in range(1, len(cum)):
        p, r = cum.iloc[k - 1], cum.iloc[k]
        lo, hi = max(float(r.lo - p.hi), 0.0), float(r.hi - p.lo)
        blocks.append(Block(p.date + dt.timedelta(days=1), r.date, lo, hi,
                            float(r.mid - p.mid), f"surge: Pentagon cumulative count, {p.date} "
                            f"to {r.date}", "exact" if lo == hi else "range", "all", "all"))
    blocks += [_block(record, s) for s in _POST_SURGE_BLOCKS]
    blocks.sort(key=lambda b: b.start)
    for x, y in zip(blocks, blocks[1:]):
        if y.start <= x.end:
            raise ValueError(f"tally_blocks overlap: {x.start}..{x.end} and {y.start}..{y.end}")
    return blocks


def _day_counts(record: Record, start: dt.date, n: int) -> dict[str, np.ndarray]:
    """Attack rows per day from ``start`` over ``n`` days, by country (embassy = Iraq)."""
    out = {c: np.zeros(n) for c in ("iraq", "syria", "jordan", "other")}
    for r in attack_rows(record).itertuples():
        d = (r.date.date() - start).days
        if 0 <= d < n:
            c = "iraq" if r.target == "us_embassy" else r.country
            out[c if c in out else "other"][d] += 1
    return out


def monthly_documented(record: Record | None = None, start: dt.date = RECORD_START,
                       end: dt.date = RECORD_END) -> pd.DataFrame:
    """The documented monthly series of attacks on US forces, built from the record.

    * ``events``: militia_attack rows on US forces or the embassy in events.csv (a lower bound:
      the file lists notable attacks, not all).
    * inside a period with a published tally (:func:`tally_blocks`), each day keeps its event
      rows, and the attacks the tally has beyond the event rows in its scope are spread over
      the period's **whole** length: half evenly, half in proportion to the day's event rows
      in the tally's scope.  A window that starts or ends inside a period counts only the
      share of the period's days inside the window.  Event rows outside the tally's scope
      (e.g. Syria in an Iraq-only tally) count as they are.  ``lo``/``hi`` carry the tally's
      bounds the same way (``hi`` unknown for a lower bound).
    * outside any tally period the estimate is the event rows (``basis = events``, ``hi``
      unknown).

    The series over a window is the full-record series restricted to the window.
    Columns: month (date of the 1st), events, estimate, lo, hi, basis.
    """
    record = record or load_record()
    first, last = min(start, RECORD_START), max(end, RECORD_END)
    days = pd.date_range(first, last, freq="D")
    n_days = len(days)
    by = _day_counts(record, first, n_days)
    per_day = sum(by.values())
    est = per_day.copy()
    lo = per_day.copy()
    hi = np.full(n_days, np.nan)
    basis = np.array(["events"] * n_days, dtype=object)
    for blk in tally_blocks(record):
        i, j = (blk.start - first).days, (blk.end - first).days
        if j < 0 or i >= n_days:
            continue
        i, j = max(i, 0), min(j, n_days - 1)
        n = j - i + 1
        inside = sum(by[c] for c in COUNTRIES_OF_THEATRE[blk.theatre])[i:j + 1]
        share = np.full(n, 1.0 / n)
        if inside.sum() > 0:
            share = 0.5 * share + 0.5 * inside / inside.sum()
        floor = float(inside.sum())
        est[i:j + 1] = per_day[i:j + 1] + max(blk.central - floor, 0.0) * share
        lo[i:j + 1] = per_day[i:j + 1] + max(blk.low - floor, 0.0) * share
        hi[i:j + 1] = per_day[i:j + 1] + max(blk.high - floor, 0.0) * share  # NaN: lower
        basis[i:j + 1] = "tally"
    df = pd.DataFrame({"day": days, "events": per_day, "estimate": est, "lo": lo, "hi": hi,
                       "basis": basis})
    df = df[(df.day >= pd.Timestamp(start)) & (df.day <= pd.Timestamp(end))].copy()
    df["month"] = df.day.dt.to_period("M").dt.start_time.dt.date
    surge = (df.day >= pd.Timestamp(SURGE_START)) & (df.day <= pd.Timestamp(SURGE_END))
    df["in_surge"] = surge
    out = df.groupby("month").agg(events=("events", "sum"), estimate=("estimate", "sum"),
                                  lo=("lo", "sum"), hi=("hi", lambda s: s.sum(min_count=len(s))),
                                  basis=("basis", lambda s: "tally" if (s == "tally").any()
                                         else "events"))
    # in the surge, a month's bounds come from the cumulative count at its ends (summing the
    # bounds of each increment would lose the exact figures in between)
    cum = surge_cumulative(record)
    for month, g in df[surge].groupby("month"):
        a, b = g.day.min().date(), g.day.max().date()
        s_lo, s_hi = _cum_window(cum, a, b)
        s_lo = max(s_lo, float(g.events.sum()))  # the event rows are attacks too
        s_hi = max(s_hi, s_lo)
        rest = df[(df.month == month) & ~df.in_surge]
        out.loc[month, "lo"] = s_lo + rest.lo.sum()
        out.loc[month, "hi"] = s_hi + rest.hi.sum(min_count=len(rest)) if len(rest) else s_hi
    # rounding must not put the estimate outside its own bounds
    out["lo"] = np.minimum(out.lo, out.estimate)
    out["hi"] = np.where(out.hi.isna(), np.nan, np.maximum(out.hi, out.estimate))
    return out.reset_index()


def _cum_window(cum: pd.DataFrame, a: dt.date, b: dt.date) -> tuple[float, float]:
    """Bounds on the surge count from ``a`` to ``b`` (days inside the surge) from the
    cumulative series: the count by a day lies between the low of the last published date
    on or before it and the high of the first on or after it."""
    def at(d: dt.date) -> tuple[float, float]:
        before, after = cum[cum.date <= d], cum[cum.date >= d]
        return (float(before.lo.iloc[-1]) if len(before) else 0.0,
                float(after.hi.iloc[0]) if len(after) else float(cum.hi.iloc[-1]))
    lo_b, hi_b = at(b)
    lo_a, hi_a = at(a - dt.timedelta(days=1))
    return max(lo_b - hi_a, 0.0), max(hi_b - lo_a, 0.0)


def mid_count(lo, hi) -> int:
    """The rounded midpoint of a (lo, hi) count of the record; 0 when unknown."""
    if lo is None or (isinstance(lo, float) and np.isnan(lo)):
        return 0
    try:
        return int(round((float(lo) + float(hi)) / 2.0))
    except (TypeError, ValueError):
        return 0


def attack_series(record, start: dt.date, days: int, groups: list[str],
                  theatres: dict[str, list[str]] | None = None):
    """Daily militia attacks on US forces to replay: ``(days, G, 5)`` counts and the day's US
    wounded and killed.

    Event rows keep their group and country (the embassy for rows targeting it).  Inside each
    tally period (periods and figures from :func:`tally_blocks`) unattributed attacks are
    added, evenly spaced, until the period holds the tally's central figure; they alternate
    between Iraq and Syria where the tally covers both, and go to Iraq where it covers Iraq
    only.  Attacks the record does not attribute to a group (front names, unknown actors, the
    tally fill) are dealt in turn to the groups that operate in their theatre (``theatres``:
    group -> theatre names; every group when not given), so that no group's stock or
    excitation carries the whole record.
    """
    g_of = {g: i for i, g in enumerate(groups)}
    names = [t.label for t in Theatre]
    able = [[i for i, g in enumerate(groups) if theatres is None or names[th] in theatres[g]]
            or list(range(len(groups))) for th in range(len(Theatre))]
    turn = [0] * len(Theatre)

    def deal(th: int) -> int:
        gi = able[th][turn[th] % len(able[th])]
        turn[th] += 1
        return gi

    attacks = np.zeros((days, len(groups), len(Theatre)), dtype=np.int64)
    wounded = np.zeros(days, dtype=np.int64)
    killed = np.zeros(days, dtype=np.int64)
    rows = attack_rows(record)
    per_country = {c: np.zeros(days, dtype=np.int64) for c in ("iraq", "syria", "jordan")}

    def in_scope(countries, i, j) -> int:
        return int(sum(per_country[c][i:j + 1].sum() for c in countries))

    for r in rows.itertuples():
        d = (r.date.date() - start).days
        if not 0 <= d < days:
            continue
        th = int(Theatre.EMBASSY) if r.target == "us_embassy" else THEATRE_OF_COUNTRY.get(r.country)
        if th is None:
            continue
        gi = g_of[r.actor] if r.actor in g_of else deal(th)
        attacks[d, gi, th] += 1
        per_country["iraq" if th == int(Theatre.EMBASSY) else r.country][d] += 1
        wounded[d] += mid_count(r.us_wounded_lo, r.us_wounded_hi)
        killed[d] += mid_count(r.us_killed_lo, r.us_killed_hi)
    for blk in tally_blocks(record):
        i, j = (blk.start - start).days, (blk.end - start).days
        if i < 0 or j >= days:
            continue  # a tally only partly inside the horizon cannot be honoured exactly
        countries = COUNTRIES_OF_THEATRE[blk.theatre]
        extra = int(round(blk.central)) - int(in_scope(countries, i, j))
        if extra <= 0:
            continue
        n = j - i + 1
        both = "syria" in countries
        for k in range(extra):
            d = i + int((k + 0.5) * n / extra)
            th = (_IRAQ if k % 2 == 0 else _SYRIA) if both else _IRAQ
            attacks[d, deal(th), th] += 1
    return attacks, wounded, killed


def documented_weekly_attacks(start: dt.date, days: int, groups: list[str],
                               record: Record | None = None) -> np.ndarray:
    """The documented attacks on US forces per week from ``start`` over ``days`` days (the
    replay series: event rows plus tally fill, see :func:`attack_series`), for the weeks the
    record covers; NaN after the record ends."""
    att, _, _ = attack_series(record or load_record(), start, days, groups)
    daily = att[:, :, :int(Theatre.ISRAEL)].sum(axis=(1, 2)).astype(float)
    last = (RECORD_END - start).days
    if last < days - 1:
        daily[last + 1:] = np.nan
    weeks = (days + 6) // 7
    pad = np.full(weeks * 7, np.nan)
    pad[:days] = daily
    blocks = pad.reshape(weeks, 7)
    out = np.nansum(blocks, axis=1)
    out[np.isnan(blocks).all(axis=1)] = np.nan  # weeks past the end of the record
    return out


