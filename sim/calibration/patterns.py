"""The patterns P1-P8 of the design (pattern-oriented modelling) and the summary
statistics as targets, each a function of a simulated run set and the record.

Each target returns a :class:`Target`: its name, a description, the observed figure from the
record (tallies.csv where it has one, else events.csv) with its source, the simulated figure
(median over replicates) with a 90 % interval (5th-95th percentile), and whether it holds.
The rule for ``holds`` is stated in each target's ``rule``.  Functions that need event
sequences (lags, pauses, P4-P7) use daily arrays when present and fall back to weekly
resolution (a "step" of 7 days) otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..model.measures import RUNG
from ..record.load import Record, load_record
from ..record.series import SURGE_START, attack_rows, monthly_documented, tally
from .statistics import (
    CALIBRATION_STATS,
    FIT_END,
    RunSet,
    Stat,
    _events_count,
    _killed,
    _rung5_weeks,
    _weeks_in,
    observed_stats,
    simulated_stats,
)

D = dt.date

# ---- targets ---------------------------------------------------------------------------------

@dataclass
class Target:
    """A figure from the record against the same figure from simulation."""

    name: str
    description: str
    observed: float
    observed_range: tuple[float, float]
    observed_source: str
    simulated: float
    interval: tuple[float, float]
    holds: bool
    rule: str = ""
    window: str = "fit"  # fit (2019-2023) | hold-out (2024)
    detail: str = ""
    extra: dict = field(default_factory=dict)

    def as_row(self) -> dict:
        return {"name": self.name, "description": self.description,
                "observed": self.observed, "observed_lo": self.observed_range[0],
                "observed_hi": self.observed_range[1], "source": self.observed_source,
                "simulated": self.simulated, "sim_q05": self.interval[0],
                "sim_q95": self.interval[1], "holds": self.holds, "window": self.window,
                "rule": self.rule, "detail": self.detail}


def _q(x) -> tuple[float, float, float]:
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return float("nan"), float("nan"), float("nan")
    q = np.quantile(x, [0.05, 0.5, 0.95])
    return float(q[1]), float(q[0]), float(q[2])


def _overlap(lo, hi, a, b) -> bool:
    return bool(np.isfinite(a) and hi >= a and lo <= b)


def _interval_target(name, description, values, lo, hi, source, window="fit", detail="",
                     extra_rule="") -> Target:
    """A figure against the simulated distribution: it holds when the documented value (the
    midpoint of a documented range; for a lower bound, the bound) lies inside the simulated
    50 % interval (for a lower bound: not above its upper end).  ``interval`` is the 90 %
    interval; the 50 % one is in ``extra``."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    med, q05, q95 = _q(x)
    q25, q75 = (np.quantile(x, [0.25, 0.75]) if x.size else (np.nan, np.nan))
    if np.isfinite(hi):
        mid = (lo + hi) / 2.0
        holds = bool(q25 <= mid <= q75)
        rule = ("the documented value (midpoint of its range) lies inside the simulated 50 % "
                "interval")
    else:
        mid = lo
        holds = bool(q75 >= lo)
        rule = ("the documented lower bound is not above the simulated 50 % interval's upper "
                "end")
    t = Target(name, description, mid, (lo, hi), source, med, (q05, q95), holds,
               rule + extra_rule, window, detail)
    t.extra["q25"], t.extra["q75"] = float(q25), float(q75)
    return t


def _need(rs: RunSet, a, b, name):
    if not rs.covers(a, b):
        raise ValueError(f"{name}: the run set ({rs.start}..{rs.end}) does not cover {a}..{b}")


# P1 -----------------------------------------------------------------------------------------
def p1_surge_tempo(rs: RunSet, record: Record) -> Target:
    """170 attacks on US forces 17 Oct 2023-4 Feb 2024 (Pentagon), split Iraq/Syria."""
    b = D(2024, 2, 4)
    _need(rs, SURGE_START, b, "P1")
    lo, hi, src = tally(record, "attacks_on_us_forces", SURGE_START, b, counter="pentagon")
    sim = rs.window("attacks", SURGE_START, b)
    t = _interval_target("P1", "surge tempo: attacks on US forces 17 Oct 2023-4 Feb 2024", sim,
                         lo, hi, src, window="fit+hold-out")
    li, _, _ = tally(record, "attacks_on_us_forces", SURGE_START, D(2023, 12, 21), "iraq")
    ls, _, _ = tally(record, "attacks_on_us_forces", SURGE_START, D(2023, 12, 21), "syria")
    obs_share = ls / (li + ls)
    iq = rs.window("attacks_iraq", SURGE_START, D(2023, 12, 21))
    sy = rs.window("attacks_syria", SURGE_START, D(2023, 12, 21))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = sy / (iq + sy)
    med, q05, q95 = _q(share)
    s25, s75 = np.nanquantile(share, [0.25, 0.75])
    ok_share = bool(s25 <= obs_share <= s75)
    days = (b - SURGE_START).days + 1
    t.detail = (f"{t.simulated / days:.2f} attacks/day simulated vs {t.observed / days:.2f} "
                f"documented; Syria share to 21 Dec: documented {obs_share:.2f}, simulated "
                f"{med:.2f} [{q05:.2f}, {q95:.2f}]")
    t.holds = t.holds and ok_share
    t.rule += " and the documented Syria share lies in the simulated 50 % interval"
    return t


# P2 -----------------------------------------------------------------------------------------
def p2_few_responses(rs: RunSet, record: Record) -> Target:
    """About 8-9 US strike episodes for ~160 attacks, Oct 2023-Jan 2024."""
    a, b = SURGE_START, D(2024, 1, 31)
    _need(rs, a, b, "P2")
    n_strikes, _, s1 = _events_count("us_strike", a, b, True)(record)
    lo_att, hi_att, s2 = tally(record, "attacks_on_us_forces", SURGE_START, D(2024, 2, 2))
    lo_r, hi_r = (n_strikes - 1) / hi_att, n_strikes / (lo_att - 10)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = rs.window("us_strikes", a, b) / rs.window("attacks", a, b)
    t = _interval_target("P2", "the US answers few attacks: US strike days per attack on US "
                         "forces, 17 Oct 2023-31 Jan 2024", ratio, lo_r, hi_r,
                         f"{s1}; attacks {s2} (less ~10 for 1-2 Feb)", "fit+hold-out",
                         extra_rule=" and the simulated median is below 0.15")
    t.holds = t.holds and t.simulated < 0.15
    return t


# P3 -----------------------------------------------------------------------------------------
def p3_low_lethality(rs: RunSet, record: Record) -> Target:
    """One fatal attack among ~160; ~70-143 wounded."""
    a, b = SURGE_START, D(2024, 2, 7)
    _need(rs, a, b, "P3")
    series, step = rs.steps("us_killed")
    i, j = rs.step_index(a, step), rs.step_index(b, step)
    fatal = (series[:, i:j + 1] > 0).sum(axis=1)
    wlo, whi, ws = tally(record, "us_wounded", a, b)
    t = _interval_target("P3", "low lethality: days with an attack that killed Americans, "
                         "17 Oct 2023-7 Feb 2024 (documented: 1, Tower 22)", fatal, 1, 1,
                         "events.csv (Tower 22) and " + ws, "fit+hold-out")
    wounded = rs.window("us_wounded", a, b)
    med, q05, q95 = _q(wounded)
    w25, w75 = np.quantile(wounded, [0.25, 0.75])
    ok_w = bool(w25 <= (wlo + whi) / 2.0 <= w75)
    t.detail = (f"US wounded documented {wlo}-{whi}, simulated {med:.0f} [{q05:.0f}, {q95:.0f}]"
                f"; resolution {'daily' if step == 1 else 'weekly'}")
    t.holds = t.holds and ok_w
    t.rule += "; the same for US wounded"
    return t


# pause after a heavy response (P4 and a summary statistic) ----------------------------------
def _heavy_series(rs: RunSet):
    lead, step = rs.steps("us_strikes_leaders")
    ir, _ = rs.steps("us_strikes_iranian_personnel")
    it, _ = rs.steps("us_strikes_iran_territory")
    return (lead + ir + it) > 0, step


def pause_after_heavy(rs: RunSet, a: dt.date, b: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """For each replicate, days from its last heavy response (leaders tier or above) in
    ``a``..``b`` to the next attack on US forces (censored at the run's end); NaN without a
    heavy response.  Also returns whether the pause was censored."""
    heavy, step = _heavy_series(rs)
    att, _ = rs.steps("attacks")
    i, j = rs.step_index(a, step), rs.step_index(b, step)
    T = att.shape[1]
    out = np.full(rs.n, np.nan)
    cens = np.zeros(rs.n, dtype=bool)
    h = heavy[:, i:j + 1]
    has = h.any(axis=1)
    last = i + (h.shape[1] - 1 - np.argmax(h[:, ::-1], axis=1))
    for r in np.nonzero(has)[0]:
        s = last[r]
        nxt = np.flatnonzero(att[r, s + 1:] > 0)
        if nxt.size:
            out[r] = (nxt[0] + 1) * step
        else:
            out[r] = (T - s) * step
            cens[r] = True
    return out, cens


def p4_pause(rs: RunSet, record: Record) -> Target:
    """Tower 22 -> heavy response -> months-long near-zero attacks (hold-out)."""
    a, b = D(2024, 1, 1), D(2024, 3, 31)
    _need(rs, a, D(2024, 6, 30), "P4")
    ev = record.events
    heavy = ev[(ev.event_type == "us_strike") & ev.tier.isin(["leaders", "iranian_personnel"])
               & (ev.date >= pd.Timestamp(a)) & (ev.date <= pd.Timestamp(b))]
    last = heavy.date.max()
    att = attack_rows(record)
    nxt = att[att.date > last].date.min()
    obs = float((nxt - last).days)
    pause, cens = pause_after_heavy(rs, a, b)
    frac = float(np.isfinite(pause).mean())
    t = _interval_target("P4", "pause after a heavy response: days from the last US "
                         "leadership strike of Jan-Mar 2024 to the next attack on US forces "
                         f"(documented: {last.date()} to {nxt.date()})", pause, obs, obs,
                         f"events.csv lines {int(heavy.line.max())} and "
                         f"{int(att[att.date == nxt].line.min())}", "hold-out",
                         extra_rule=", among replicates with such a strike; and at least 20 % "
                                    "of replicates make one")
    t.holds = t.holds and frac >= 0.2
    t.detail = (f"{frac:.0%} of replicates strike leaders (or higher) in Jan-Mar 2024; "
                f"{cens[np.isfinite(pause)].mean() if frac else 0:.0%} of those pauses last to "
                "the end of the run")
    t.extra["frac_heavy"] = frac
    return t


# P5 -----------------------------------------------------------------------------------------
def p5_climb_and_stop(rs: RunSet, record: Record) -> Target:
    """Dec 2019-Jan 2020: attacks climb, a lethal attack, a US strike within days, a
    decapitation strike and Iranian fire within a month, then no sustained war."""
    a, b = D(2019, 7, 1), D(2020, 6, 30)
    _need(rs, a, b, "P5")
    killed, step = rs.steps("us_killed")
    strikes, _ = rs.steps("us_strikes")
    rung, _ = rs.steps("rung")
    i, j = rs.step_index(a, step), rs.step_index(b, step)
    w7, w30, w90 = max(1, 7 // step), max(1, 30 // step), max(1, 90 // step)
    hit = np.zeros(rs.n, dtype=bool)
    for r in range(rs.n):
        for s in np.flatnonzero(killed[r, i:j + 1] > 0) + i:
            if not strikes[r, s:s + w7 + 1].any():
                continue
            if not (rung[r, s:s + w30 + 1] >= 5).any():
                continue
            if (rung[r, s:s + w90 + 1] >= 7).any():
                continue
            hit[r] = True
            break
    climb_lo = int(len(attack_rows(record).pipe(
        lambda e: e[(e.date >= "2019-11-01") & (e.date <= "2019-12-31")])))
    obs = 1.0
    p = float(hit.mean())
    t = Target("P5", "Dec 2019-Jan 2020 climb and stop: in Jul 2019-Jun 2020 a lethal attack "
               "is answered within 7 days, rung 5+ (decapitation or direct fire) follows within "
               "30 days, and no sustained war (rung 7) within 90 days", obs, (1, 1),
               "events.csv rows of 27 Dec 2019-8 Jan 2020 (K-1, 29 Dec strikes, Soleimani, "
               "Ain al-Asad)", p, (p, p), p >= 0.25,
               "a sequence holds when at least a quarter of replicates reproduce it",
               "fit", f"share of replicates with the sequence: {p:.1%}; documented attacks "
               f"Nov-Dec 2019 in events.csv: {climb_lo} (P5 cites ~11)")
    return t


# lags after deaths (P6, P7 and a summary statistic) -----------------------------------------
def lags_after_deaths(rs: RunSet, a: dt.date, b: dt.date, horizon: int = 30):
    """Pooled list of (replicate, step of the lethal attack, lag in days to the next US strike
    or NaN if none within ``horizon`` days)."""
    killed, step = rs.steps("us_killed")
    strikes, _ = rs.steps("us_strikes")
    i, j = rs.step_index(a, step), rs.step_index(b, step)
    hz = max(1, horizon // step)
    out = []
    rr, ss = np.nonzero(killed[:, i:j + 1] > 0)
    for r, s in zip(rr, ss + i):
        nxt = np.flatnonzero(strikes[r, s:s + hz + 1] > 0)
        # the day's own strikes come after the attack only at daily resolution if lag >= 1;
        # a same-day strike cannot answer a same-day attack (lag_min >= 1 by default)
        if step == 1:
            nxt = nxt[nxt >= 1]
        out.append((r, s, float(nxt[0] * step) if nxt.size else np.nan))
    return out


def p6_short_lag(rs: RunSet, record: Record) -> Target:
    a, b = D(2019, 1, 1), FIT_END
    _need(rs, a, b, "P6")
    ev = record.events
    lethal = attack_rows(record)
    lethal = lethal[(lethal.us_killed_lo.fillna(0) > 0) & (lethal.date <= pd.Timestamp(b))]
    strikes = ev[ev.event_type == "us_strike"].date.sort_values()
    obs_lags = []
    for d in lethal.date:
        nx = strikes[strikes > d]
        obs_lags.append((nx.iloc[0] - d).days if len(nx) else np.nan)
    obs = float(np.nanmedian(obs_lags))
    lags = lags_after_deaths(rs, a, b)
    arr = np.array([x[2] for x in lags]) if lags else np.array([np.nan])
    answered = np.isfinite(arr) & (arr <= 5)
    share = float(answered.mean()) if lags else float("nan")
    # per-replicate median lag among answered deaths
    per_rep = {}
    for (r, _, lag) in lags:
        if np.isfinite(lag):
            per_rep.setdefault(r, []).append(lag)
    meds = [np.median(v) for v in per_rep.values()]
    t = _interval_target("P6", "short lag after deaths: median days from an attack that "
                         "killed Americans to the next US strike, 2019-2023 (documented lags "
                         f"{obs_lags})", meds, obs, obs,
                         f"events.csv lethal attacks ({len(lethal)}) and us_strike rows", "fit",
                         extra_rule=" and at least half of simulated lethal attacks are "
                                    "answered within 5 days")
    t.holds = t.holds and share >= 0.5
    step = 1 if rs.daily is not None else 7
    t.detail = (f"simulated share of lethal attacks answered within 5 days: {share:.0%} "
                f"(of {len(lags)} lethal attack {'days' if step == 1 else 'weeks'}); "
                f"documented: {sum(1 for x in obs_lags if x <= 5)}/{len(obs_lags)}")
    return t


def p7_march_2023(rs: RunSet, record: Record) -> Target:
    """Lethal attack -> strike next day(s) -> counter-attack -> the cycle ends."""
    a, b = D(2019, 1, 1), FIT_END
    _need(rs, a, b, "P7")
    killed, step = rs.steps("us_killed")
    strikes, _ = rs.steps("us_strikes")
    att, _ = rs.steps("attacks")
    w3, w60 = max(1, 3 // step), max(2, 60 // step)
    n_ep = n_ok = 0
    for r, s, lag in lags_after_deaths(rs, a, b, horizon=5):
        if not np.isfinite(lag):
            continue
        n_ep += 1
        st = s + int(lag // step)
        counter = att[r, st + (1 if step == 1 else 0): st + w3 + 1].sum() >= 1
        later = att[r, st + w3 + 1: st + w60 + 1]
        ends = (later.sum() <= 2 * max(1, step // 7 * 4)) and not strikes[
            r, st + w3 + 1: st + w60 + 1].any()
        n_ok += bool(counter and ends)
    p = n_ok / n_ep if n_ep else float("nan")
    return Target("P7", "March 2023 cycle: of simulated lethal attacks answered within 5 days, "
                  "the share where militias hit back within 3 days of the strike and the cycle "
                  "then ends (no US strike and few attacks in the next ~2 months)", 1.0, (1, 1),
                  "events.csv 23-24 Mar 2023 rows", p, (p, p), bool(p >= 0.25),
                  "a sequence holds when at least a quarter of answered lethal attacks "
                  "reproduce it", "fit",
                  f"{n_ok} of {n_ep} answered lethal-attack episodes "
                  f"({'daily' if step == 1 else 'weekly'} resolution)")


# P8 -----------------------------------------------------------------------------------------
def p8_resumption(rs: RunSet, record: Record) -> Target:
    """Near-zero attacks after early Feb 2024, attacks return Apr-Aug 2024 (hold-out)."""
    _need(rs, D(2024, 2, 8), D(2024, 8, 31), "P8")
    att = attack_rows(record)
    q = att[(att.date >= "2024-02-08") & (att.date <= "2024-03-31")]
    r = att[(att.date >= "2024-04-01") & (att.date <= "2024-08-31")]
    lull = rs.window("attacks", D(2024, 2, 8), D(2024, 3, 31))
    back = rs.window("attacks", D(2024, 4, 1), D(2024, 8, 31))
    med, q05, q95 = _q(back)
    lmed, l05, l95 = _q(lull)
    b75 = float(np.quantile(back, 0.75))
    l25, l75 = np.quantile(lull, [0.25, 0.75])
    resumes = float(np.mean(back >= 1))
    ok_lull = bool(l25 <= len(q) <= l75)
    ok_back = bool(b75 >= len(r)) and resumes >= 0.5
    ok = ok_lull and ok_back
    return Target("P8", "lull and resumption: near-zero attacks on US forces 8 Feb-31 Mar "
                  "2024, then attacks return in Apr-Aug 2024", float(len(r)),
                  (float(len(r)), float("inf")),
                  f"events.csv ({len(r)} attack rows Apr-Aug 2024, a lower bound; "
                  f"{len(q)} rows 8 Feb-31 Mar)", med, (q05, q95), bool(ok),
                  "the documented lull count lies inside the simulated 50 % interval of the "
                  "lull, the documented Apr-Aug count (a lower bound) is not above the "
                  "simulated 50 % interval's upper end, and at least half of replicates see "
                  "attacks resume",
                  "hold-out",
                  f"lull 8 Feb-31 Mar: documented {len(q)}, simulated {lmed:.0f} "
                  f"[50 %: {l25:.0f}-{l75:.0f}] ({'holds' if ok_lull else 'fails'}); "
                  f"resumption Apr-Aug: simulated 75th percentile {b75:.0f}, P(attacks "
                  f"resume) = {resumes:.0%} ({'holds' if ok_back else 'fails'})",
                  extra={"lull_holds": ok_lull, "resumption_holds": ok_back})


PATTERNS: tuple[Callable[[RunSet, Record], Target], ...] = (
    p1_surge_tempo, p2_few_responses, p3_low_lethality, p4_pause, p5_climb_and_stop,
    p6_short_lag, p7_march_2023, p8_resumption)


# ---- summary statistics as targets -----------------------------------------------------------

def monthly_coverage(rs: RunSet, record: Record, a: dt.date, b: dt.date,
                     level: float = 0.9, tally_only: bool = True) -> tuple[float, int]:
    """Share of months in ``a``..``b`` whose documented estimate lies in the simulated
    central ``level`` band of that month's attacks on US forces (and the number of months).
    With ``tally_only``, only months whose documented figure rests on a published tally."""
    doc = monthly_documented(record, max(a, rs.start), min(b, rs.end))
    sim = rs.months("attacks")
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    hits = n = 0
    for _, row in doc.iterrows():
        if tally_only and row.basis != "tally":
            continue
        col = sim[row.month]
        lo, hi = np.quantile(col, [lo_q, hi_q])
        n += 1
        hits += lo - 1e-9 <= row.estimate <= hi + 1e-9
    return (hits / n if n else float("nan")), n


def stat_monthly(rs: RunSet, record: Record) -> Target:
    cov, n = monthly_coverage(rs, record, D(2019, 1, 1), FIT_END)
    return Target("S1", "monthly attacks on US forces: share of tally-backed months "
                  "2019-2023 inside the simulated 90 % band", 0.9, (0.9, 0.9),
                  "monthly_documented(): events.csv and tallies.csv", cov, (cov, cov),
                  bool(cov >= 0.75), "coverage at least 0.75 (nominal 0.9)", "fit",
                  f"{n} months")


def stat_response_ratio(rs: RunSet, record: Record) -> Target:
    """US strike days per attack, 2021 H1 (2 rounds for 45-50 attacks)."""
    a, b = D(2021, 1, 1), D(2021, 7, 7)
    lo, hi, src = tally(record, "attacks_on_us_forces", a, b, "iraq")
    s_lo, s_hi, s_src = tally(record, "us_strike_events", D(2021, 1, 20), D(2021, 6, 27))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = rs.window("us_strikes", a, b) / rs.window("attacks", a, b)
    return _interval_target("S2", "US response ratio: strike days per attack, 1 Jan-7 Jul 2021",
                            ratio, s_lo / hi, s_hi / lo, f"{s_src}; {src}")


def stat_lag(rs: RunSet, record: Record) -> Target:
    t = p6_short_lag(rs, record)
    t.name, t.description = "S3", "lag after deaths (as P6): " + t.description
    return t


def stat_pause(rs: RunSet, record: Record) -> Target:
    """Pause after the Jan 2020 heavy response (Soleimani) to the next attack."""
    a, b = D(2020, 1, 1), D(2020, 1, 31)
    att = attack_rows(record)
    obs = float((att[att.date > "2020-01-03"].date.min() - pd.Timestamp("2020-01-03")).days)
    pause, _ = pause_after_heavy(rs, a, b)
    t = _interval_target("S4", "pause after a heavy response: days from a Jan 2020 leadership "
                         "or Iranian-personnel strike to the next attack on US forces "
                         "(documented: 3 Jan -> 12 Jan 2020)", pause, obs, obs,
                         "events.csv", "fit")
    t.detail = f"{np.isfinite(pause).mean():.0%} of replicates make such a strike in Jan 2020"
    return t


def stat_casualty_rates(rs: RunSet, record: Record) -> Target:
    """US wounded per attack in the surge, to 21 Dec 2023."""
    b = D(2023, 12, 21)
    wlo, whi, ws = tally(record, "us_wounded", SURGE_START, b)
    li, hi_i, _ = tally(record, "attacks_on_us_forces", SURGE_START, b, "iraq")
    ls, hs, _ = tally(record, "attacks_on_us_forces", SURGE_START, b, "syria")
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = rs.window("us_wounded", SURGE_START, b) / rs.window("attacks", SURGE_START, b)
    return _interval_target("S5", "casualty rate: US wounded per attack, 17 Oct-21 Dec 2023",
                            rate, wlo / (hi_i + hs), whi / (li + ls), ws)


def stat_killed_rate(rs: RunSet, record: Record) -> Target:
    lo, hi, src = _killed(D(2019, 1, 1), FIT_END)(record)
    v = rs.window("us_killed", D(2019, 1, 1), FIT_END)
    return _interval_target("S6", "Americans killed by militia or Iranian attacks, 2019-2023",
                            v, lo, hi, src)


def stat_rungs(rs: RunSet, record: Record) -> Target:
    lo, hi, src = _rung5_weeks(record)
    w = rs.weekly[:, _weeks_in(rs, D(2019, 1, 1), FIT_END), RUNG]
    t = _interval_target("S7", "ladder: weeks at rung 5+ (decapitation or direct fire), "
                         "2019-2023", (w >= 5).sum(axis=1), lo, hi, src)
    ev = record.events
    sd = ev[(ev.event_type == "us_strike") & (ev.date <= pd.Timestamp(FIT_END))].date
    obs4 = len({(d.date() - D(2019, 1, 1)).days // 7 for d in sd})
    m4, a4, b4 = _q((w >= 4).sum(axis=1))
    t.detail = (f"weeks at rung 4+ (US strikes): documented {obs4}, simulated {m4:.0f} "
                f"[{a4:.0f}, {b4:.0f}]; P(rung 6+ in 2019-2023) = {np.mean((w >= 6).any(1)):.0%}")
    return t


STATISTICS: tuple[Callable[[RunSet, Record], Target], ...] = (
    stat_monthly, stat_response_ratio, stat_lag, stat_pause, stat_casualty_rates,
    stat_killed_rate, stat_rungs)


def evaluate(rs: RunSet, record: Record | None = None,
             which=PATTERNS + STATISTICS) -> list[Target]:
    """Every target the run set covers (those outside its dates are skipped)."""
    record = record or load_record()
    out = []
    for f in which:
        try:
            out.append(f(rs, record))
        except ValueError:
            continue
    return out


def table(targets: list[Target]) -> pd.DataFrame:
    return pd.DataFrame([t.as_row() for t in targets])


__all__ = ["RunSet", "Target", "Stat", "CALIBRATION_STATS", "PATTERNS", "STATISTICS",
           "observed_stats", "simulated_stats", "monthly_documented", "evaluate", "table"]
