"""The documented record as series: notable attack rows, published tallies, the surge's
cumulative Pentagon figures, the monthly documented series, and the daily attack series a
replay takes.  Used by replay (:mod:`sim.scenario.replay`) and calibration alike.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..model.types import Theatre
from .load import RECORD_END, RECORD_START, Record, load_record

SURGE_START = dt.date(2023, 10, 17)
"""First day of the 2023-24 surge of attacks on US forces (Pentagon tallies count from it)."""
D = dt.date
_IRAQ, _SYRIA = int(Theatre.IRAQ), int(Theatre.SYRIA)
THEATRE_OF_COUNTRY = {"iraq": int(Theatre.IRAQ), "syria": int(Theatre.SYRIA),
                      "jordan": int(Theatre.JORDAN)}

def attack_rows(record: Record) -> pd.DataFrame:
    ev = record.events
    return ev[(ev.event_type == "militia_attack") & ev.target.isin(["us_forces", "us_embassy"])]


def tally(record: Record, measure: str, start: dt.date, end: dt.date,
          country: str = "all") -> tuple[int, int, str]:
    """(low, high, source) of the tally row with exactly this period."""
    t = record.tallies
    row = t[(t.measure == measure) & (t.country == country)
            & (t.period_start == pd.Timestamp(start)) & (t.period_end == pd.Timestamp(end))]
    if row.empty:
        raise KeyError(f"no tally {measure} {country} {start}..{end}")
    r = row.iloc[0]
    return int(r.low), int(r.high), f"tallies.csv line {r.line}: {r.source_url.split(' | ')[0]}"


def surge_cumulative(record: Record) -> pd.DataFrame:
    """Cumulative attacks on US forces since 2023-10-17 from the tallies (country 'all', plus
    the Iraq+Syria splits), with low/high made monotone; GTTAC's 115-160 row for 31 Dec is
    left out of the central path (an outlier against the Pentagon series) but kept in ``hi``.
    Columns: date, lo, hi, mid."""
    t = record.tallies
    a = t[(t.measure == "attacks_on_us_forces") & (t.period_start == pd.Timestamp(SURGE_START))]
    rows = []
    for end, g in a.groupby("period_end"):
        allc = g[g.country == "all"]
        if not allc.empty:
            lo, hi = int(allc.low.max()), int(allc.high.max())
        else:
            lo, hi = int(g.low.sum()), int(g.high.sum())
        outlier = (hi - lo) > 0.25 * hi
        rows.append({"date": end.date(), "lo": lo, "hi": hi, "outlier": outlier})
    df = pd.DataFrame(rows).sort_values("date").reset_index(drop=True)
    df = pd.concat([pd.DataFrame([{"date": SURGE_START - dt.timedelta(days=1), "lo": 0, "hi": 0,
                                   "outlier": False}]), df], ignore_index=True)
    core = df[~df.outlier].copy()
    core["lo"] = np.maximum.accumulate(core.lo.to_numpy())
    core["hi"] = np.minimum.accumulate(core.hi.to_numpy()[::-1])[::-1]
    core["hi"] = np.maximum(core.hi, core.lo)
    core["mid"] = (core.lo + core.hi) / 2.0
    return core[["date", "lo", "hi", "mid"]].reset_index(drop=True)


def cum_at(cum: pd.DataFrame, d: dt.date, col: str = "mid") -> float:
    x = np.array([(c - SURGE_START).days for c in cum.date])
    return float(np.interp((d - SURGE_START).days, x, cum[col].to_numpy()))


def tally_blocks(record: Record) -> list[tuple]:
    """Non-overlapping periods with a published count of attacks on US forces, derived from
    tallies.csv: (start, end, low, high, central, how)."""
    l1, h1, _ = tally(record, "attacks_on_us_forces", D(2019, 5, 1), D(2020, 10, 22), "iraq")
    l2, h2, _ = tally(record, "attacks_on_us_forces", D(2020, 1, 1), D(2020, 10, 22), "iraq")
    l3, h3, _ = tally(record, "attacks_on_us_forces", D(2021, 1, 1), D(2021, 7, 7), "iraq")
    l4, h4, _ = tally(record, "attacks_on_us_forces", D(2021, 1, 1), D(2023, 3, 23), "all")
    blocks = [
        (D(2019, 5, 1), D(2019, 12, 31), l1 - h2, h1 - l2, "FDD 78 (May 2019-22 Oct 2020) "
         "minus 55 (2020)"),
        (D(2020, 1, 1), D(2020, 10, 22), l2, h2, "FDD, 2020 to 22 Oct"),
        (D(2021, 1, 1), D(2021, 7, 7), l3, h3, "Jan-7 Jul 2021 (Iraq)"),
        (D(2021, 7, 8), D(2023, 3, 23), l4 - h3, h4 - l3, "Kurilla 78 (Jan 2021-23 Mar 2023) "
         "minus 45-50 (H1 2021)"),
    ]
    blocks = [(a, b, lo, hi, (lo + hi) / 2.0, how) for a, b, lo, hi, how in blocks]
    cum = surge_cumulative(record)
    for k in range(1, len(cum)):
        p, r = cum.iloc[k - 1], cum.iloc[k]
        a = p.date + dt.timedelta(days=1)
        d_lo, d_hi = r.lo - p.lo, r.hi - p.hi
        blocks.append((a, r.date, float(min(d_lo, d_hi)), float(max(d_lo, d_hi)),
                       float(r.mid - p.mid), "surge tallies (cumulative, Pentagon)"))
    return blocks


def monthly_documented(record: Record | None = None, start: dt.date = RECORD_START,
                       end: dt.date = RECORD_END) -> pd.DataFrame:
    """The documented monthly series of attacks on US forces, built from the record.

    * ``events``: militia_attack rows on US forces or the embassy in events.csv (a lower bound:
      the file lists notable attacks, not all).
    * inside a period with a published tally (see :func:`_tally_blocks`), the tally total is
      spread over the period's days: half evenly, half in proportion to that day's event rows
      (all evenly when the period has no rows); surge increments between successive
      cumulative Pentagon figures are spread evenly.  ``lo``/``hi`` carry the tally's range.
    * outside any tally period the estimate is the event rows (``basis = events``, ``hi``
      unknown).

    Columns: month (date of the 1st), events, estimate, lo, hi, basis.
    """
    record = record or load_record()
    days = pd.date_range(start, end, freq="D")
    ev = attack_rows(record)
    per_day = ev.groupby("date").size().reindex(days, fill_value=0).to_numpy().astype(float)
    est = per_day.copy()
    lo = per_day.copy()
    hi = np.full(len(days), np.nan)
    basis = np.array(["events"] * len(days), dtype=object)
    for a, b, tlo, thi, mid, _how in tally_blocks(record):
        i, j = (a - start).days, (b - start).days
        if j < 0 or i >= len(days):
            continue
        i, j = max(i, 0), min(j, len(days) - 1)
        n = j - i + 1
        rows = per_day[i:j + 1]
        share = np.full(n, 1.0 / n)
        if rows.sum() > 0:
            share = 0.5 * share + 0.5 * rows / rows.sum()
        est[i:j + 1] = mid * share
        lo[i:j + 1] = tlo * share
        hi[i:j + 1] = thi * share
        basis[i:j + 1] = "tally"
    df = pd.DataFrame({"day": days, "events": per_day, "estimate": est, "lo": lo, "hi": hi,
                       "basis": basis})
    df["month"] = df.day.dt.to_period("M").dt.start_time.dt.date
    out = df.groupby("month").agg(events=("events", "sum"), estimate=("estimate", "sum"),
                                  lo=("lo", "sum"), hi=("hi", lambda s: s.sum(min_count=len(s))),
                                  basis=("basis", lambda s: "tally" if (s == "tally").any()
                                         else "events"))
    out = out.reset_index()
    return out


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
    per_day = np.zeros(days, dtype=np.int64)
    for r in rows.itertuples():
        d = (r.date.date() - start).days
        if not 0 <= d < days:
            continue
        th = int(Theatre.EMBASSY) if r.target == "us_embassy" else THEATRE_OF_COUNTRY.get(r.country)
        if th is None:
            continue
        gi = g_of[r.actor] if r.actor in g_of else deal(th)
        attacks[d, gi, th] += 1
        per_day[d] += 1
        wounded[d] += mid_count(r.us_wounded_lo, r.us_wounded_hi)
        killed[d] += mid_count(r.us_killed_lo, r.us_killed_hi)
    for a, b, _lo, _hi, mid, how in tally_blocks(record):
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


