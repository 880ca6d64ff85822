"""The observation model: what each row of the record says about the simulated counts.

The record is what was counted and published, not what happened.  Each tally of
``calibration/tallies.csv`` becomes an :class:`Observation`: a dated window, the simulated
measure of the same scope, and what the tally says about that measure:

=========  ==========================================================================
bound      what the simulated count ``X`` of the window must satisfy
=========  ==========================================================================
exact      ``low - tol <= X <= low + tol`` with a reporting tolerance ``tol`` of 5 %
           (at least one attack): counts of one source drift by a few between briefings
approx     "about N": ``0.9 N - 1 <= X <= 1.1 N + 1``
range      sources disagree: ``low <= X <= high``
lower      "at least", "more than", "over", "no fewer than": ``X >= low``
upper      derived here only: a count of a *wider* scope than the model's (convoy
           IEDs included) bounds the model's count from above: ``X <= high``
=========  ==========================================================================

Scope.  ``theatre`` selects the simulated measure (Iraq = bases and the embassy;
``iraq_syria``; ``all`` adds Jordan).  ``counts``: ``all`` and ``unknown`` compare with every
simulated attack; ``indirect_fire`` (rockets and mortars only) with the non-drone share of
them (the model's drone share on those days); ``incl_convoys`` (convoy bombs the model does not
simulate) becomes an upper bound, and so does ``broader`` (an independent monitor's count, or one
of all "US interests", that the record shows running above the US military's series for the
same days: the model's count is the US military's, so such a figure bounds it from above and
its "at least" says nothing about it); ``unknown`` (not stated) is compared with every
simulated attack, an exact figure with the tolerance of an approximate one; ``claimed`` (the
militias' own claims) and ``convoys_only`` (convoy bombs alone) are not compared.
A wounded figure later revised upward is a lower bound (:func:`revised_lower_bounds`);
strike tallies of one episode (under two weeks) count strikes, not the model's strike days,
and are left to the event rows.  Event rows of ``events.csv`` list notable events, not
all: the attack rows of each half-year are a lower bound on its attacks.  The record lists
every US retaliatory strike and every American killed, so strike days and deaths per year
come from the event rows (strike days within one day either way: strikes a day apart may be
one episode or two).

Overlap.  Published windows overlap (a cumulative series reported every week).  A composite
likelihood that summed them all would count the same attacks many times over, so each
observation carries a ``weight`` ``1 / sum_j overlap(i, j)``, where ``overlap(i, j)`` is the
share of window ``i``'s days that window ``j`` of the same measure and theatre covers (``i``
itself included): a window nobody else covers weighs 1, one covered by four others about
1/5.  Cumulative series are first split into their steps (:func:`increments`), so that a
weekly running total does not drown its own steps.  Tallies of different theatres are
weighed apart: an Iraq count and a Syria count of the same days are different attacks.

The likelihood of one observation from ``K`` simulated replicates (:func:`log_likelihood`)
is a kernel estimate: each replicate's count is smeared by a normal kernel on the
``log1p`` scale (Silverman's bandwidth, at least 0.1), and the probability of the bound is
averaged over replicates, floored at 1e-6 (a misreported tally costs about 14 log units, not
infinity).  With ``K >= 32`` that is smooth enough in the parameters for a sampler to move on;
it is the synthetic likelihood of Wood (2010) with a kernel in place of the Gaussian, so that
bimodal counts (campaign on or off) and one-sided bounds are treated as they are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import ndtr

from ..model.measures import M
from ..record.load import Record
from ..record.series import attack_rows
from .statistics import FIT_END, HOLDOUT_START

__all__ = ["FIT_END", "HOLDOUT_START", "Observation", "observations", "holdout_observations",
           "log_likelihood", "simulated_counts", "interval_of", "table"]

D = dt.date
RECORD_FIRST, RECORD_LAST = D(2019, 1, 1), D(2024, 12, 31)

THEATRE_MEASURES: dict[str, tuple[str, ...]] = {
    "iraq": ("attacks_iraq", "attacks_embassy"),
    "syria": ("attacks_syria",),
    "jordan": ("attacks_jordan",),
    "iraq_syria": ("attacks_iraq", "attacks_embassy", "attacks_syria"),
    "all": ("attacks",),
}
"""The simulated daily measures that make up an attack tally of each theatre."""

OTHER_MEASURES: dict[str, tuple[str, ...]] = {
    "us_strike_events": ("us_strikes",),
    "us_wounded": ("us_wounded",),
    "us_killed": ("us_killed",),
}
"""The simulated daily measures of the record's other tally measures (all theatres)."""

FAMILY: dict[str, str] = {"attacks_on_us_forces": "attacks", "us_strike_events": "strikes",
                          "us_wounded": "wounded", "us_killed": "killed"}
"""Measure family of each record measure (overlap weights are computed within a family)."""

EXACT_TOL, APPROX_TOL = 0.05, 0.10
WIDER_COUNTS = ("incl_convoys", "broader")
"""Counts of a wider set of attacks than the model's: upper bounds on its count."""
SHORT_STRIKE_WINDOW = 14
"""Strike tallies over fewer days count strikes of one episode, not strike days: left out."""
LIKELIHOOD_FLOOR = 1e-6
MIN_BANDWIDTH = 0.1


@dataclass(frozen=True)
class Observation:
    """What one row of the record says about one simulated count.

    Attributes:
        name: a short unique label (family, theatre, dates).
        family: attacks, strikes, wounded or killed.
        start, end: the window (both days included).
        measures: the simulated daily measures summed over the window.
        non_drone: count only the non-drone share of attacks (indirect-fire tallies).
        bound: exact, approx, range, lower or upper (see the module's table).
        low, high: the tally's figures (``high`` NaN for a lower bound).
        lo, hi: the interval the simulated count must fall in (``hi`` inf: one-sided).
        value: the point figure scored by CRPS and the interval score (NaN for one-sided
            bounds, which only the log score and coverage use).
        source: file, line and first source address.
        weight: the overlap weight in the composite likelihood.
    """

    name: str
    family: str
    start: dt.date
    end: dt.date
    measures: tuple[str, ...]
    non_drone: bool
    bound: str
    low: float
    high: float
    lo: float
    hi: float
    value: float
    source: str
    theatre: str = "all"
    weight: float = 1.0
    note: str = field(default="", compare=False)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def documented(self) -> str:
        """The documented figure as written: ``55+``, ``45-50``, ``~78``, ``110``."""
        if self.bound == "lower":
            return f"{self.low:g}+"
        if self.bound == "upper":
            return f"<= {self.high:g}"
        if self.bound == "range":
            return f"{self.low:g}-{self.high:g}"
        if self.bound == "approx":
            return f"~{self.low:g}"
        return f"{self.low:g}"


def interval_of(bound: str, low: float, high: float) -> tuple[float, float, float]:
    """``(lo, hi, value)``: the interval a simulated count must fall in for a tally of this
    bound type, and the point figure it is scored against."""
    if bound == "exact":
        tol = max(1.0, EXACT_TOL * low)
        return max(low - tol, 0.0), low + tol, float(low)
    if bound == "approx":
        return max((1 - APPROX_TOL) * low - 1, 0.0), (1 + APPROX_TOL) * low + 1, float(low)
    if bound == "range":
        return float(low), float(high), (low + high) / 2.0
    if bound == "lower":
        return float(low), np.inf, np.nan
    if bound == "upper":
        return 0.0, float(high), np.nan
    raise ValueError(f"unknown bound type '{bound}'")


def upper_figure(bound: str, low: float, high: float) -> float:
    """The upper bound a count of a wider scope puts on the model's count: the top of its
    range, or its figure give or take the rounding its wording implies (``exact`` 5 %,
    ``approx`` 10 %, at least one attack).

    >>> upper_figure("range", 45, 50), upper_figure("exact", 60, 60), upper_figure("approx", 0, 0)
    (50.0, 63.0, 1.0)
    """
    if bound == "range":
        return float(high)
    return float(interval_of(bound, low, low)[1])


def _date(x) -> dt.date:
    return x.date() if hasattr(x, "date") else x


def tally_observations(record: Record) -> list[Observation]:
    """One observation per comparable row of tallies.csv (``claimed`` counts and measures
    the model has no counterpart for are left out; convoy-inclusive and ``broader`` exact,
    approximate or range counts become upper bounds, their lower bounds say nothing and are
    left out; an exact count of unstated scope gets the tolerance of an approximate one)."""
    out = []
    for r in record.tallies.itertuples(index=False):
        if r.measure not in FAMILY:
            continue
        counts = getattr(r, "counts", "all")
        if counts in ("claimed", "convoys_only"):
            continue
        bound = r.bound
        high = float(r.high) if pd.notna(r.high) else np.nan
        if counts in WIDER_COUNTS:
            if bound == "lower":
                continue
            bound, high = "upper", upper_figure(bound, float(r.low), high)
        elif counts == "unknown" and bound == "exact":
            bound = "approx"
        a, b = _date(r.period_start), _date(r.period_end)
        if r.measure == "us_strike_events" and (b - a).days + 1 < SHORT_STRIKE_WINDOW:
            continue  # one episode's strikes (several the same day): the event rows have it
        theatre = r.theatre if r.measure == "attacks_on_us_forces" else "all"
        measures = (THEATRE_MEASURES[theatre] if r.measure == "attacks_on_us_forces"
                    else OTHER_MEASURES[r.measure])
        lo, hi, value = interval_of(bound, float(r.low), high)
        fam = FAMILY[r.measure]
        out.append(Observation(
            name=f"{fam} {theatre} {a}..{b} ({getattr(r, 'counter', '')})", family=fam,
            start=a, end=b, measures=measures,
            non_drone=(counts == "indirect_fire"), bound=bound, low=float(r.low), high=high,
            lo=lo, hi=hi, value=value, theatre=theatre,
            source=f"tallies.csv line {r.line}: {str(r.source_url).split(' | ')[0]}",
            note=str(getattr(r, "note", ""))))
    return increments(revised_lower_bounds(out))


POINT_BOUNDS = ("exact", "approx", "range")


def increments(obs: list[Observation]) -> list[Observation]:
    """Cumulative series split into their steps.  Where one counter reports a running total
    of one scope from one first day (the Pentagon's "attacks since 17 October", by date), the
    later windows of the series are replaced by the increments between successive
    point-valued figures, as ranges ``[lo_i - hi_(i-1), hi_i - lo_(i-1)]``: the same counter
    and scope, so the difference is like for like (never across scopes).  The steps no longer
    overlap, so each weighs in the likelihood as a window of its own; the first window, and
    every lower bound of the series, stay as they are."""
    import dataclasses

    series: dict[tuple, list[Observation]] = {}
    for o in obs:
        if o.bound in POINT_BOUNDS and "(event rows)" not in o.name:
            key = (o.family, o.theatre, o.measures, o.non_drone, o.start,
                   o.name.rsplit("(", 1)[-1])
            series.setdefault(key, []).append(o)
    replaced: dict[int, list[Observation]] = {}
    for group in series.values():
        group = sorted(group, key=lambda o: o.end)
        # one figure per end date: the tightest
        by_end: dict[dt.date, Observation] = {}
        for o in group:
            if o.end not in by_end or (o.hi - o.lo) < (by_end[o.end].hi - by_end[o.end].lo):
                by_end[o.end] = o
        steps = [by_end[d] for d in sorted(by_end)]
        if len(steps) < 2:
            continue
        for o in group:
            replaced[id(o)] = []
        replaced[id(steps[0])] = [steps[0]]
        for prev, cur in zip(steps, steps[1:]):
            lo = max(cur.lo - prev.hi, 0.0)
            hi = max(cur.hi - prev.lo, lo)
            a = prev.end + dt.timedelta(days=1)
            replaced[id(cur)] = [dataclasses.replace(
                cur, name=f"{cur.family} {cur.theatre} {a}..{cur.end} (step of "
                          f"{cur.name.rsplit('(', 1)[-1]}",
                start=a, bound="range", low=lo, high=hi, lo=lo, hi=hi, value=(lo + hi) / 2,
                source=f"{cur.source} minus {prev.source.split(':')[0]}",
                note=f"step of a cumulative series ({prev.documented} to "
                     f"{cur.documented})")]
    out = []
    for o in obs:
        out.extend(replaced.get(id(o), [o]))
    return out


def revised_lower_bounds(obs: list[Observation]) -> list[Observation]:
    """Casualty figures revised upward as injuries were diagnosed (the brain injuries of
    January 2020 were announced as 11, 34, 50, 64, 109 and finally 110): of the wounded
    windows that share a first day, all but the latest-reported become lower bounds."""
    import dataclasses

    last: dict[tuple, dt.date] = {}
    for o in obs:
        if o.family == "wounded":
            key = (o.start, o.theatre)
            last[key] = max(last.get(key, o.end), o.end)
    out = []
    for o in obs:
        if (o.family == "wounded" and o.end < last[(o.start, o.theatre)]
                and o.bound in ("exact", "approx", "range")):
            lo, hi, value = interval_of("lower", o.low, np.nan)
            o = dataclasses.replace(o, bound="lower", high=np.nan, lo=lo, hi=hi, value=value,
                                    note=o.note + " (revised upward later: a lower bound)")
        out.append(o)
    return out


def _half_years(a: dt.date, b: dt.date) -> list[tuple[dt.date, dt.date]]:
    out = []
    for y in range(a.year, b.year + 1):
        for s, e in ((D(y, 1, 1), D(y, 6, 30)), (D(y, 7, 1), D(y, 12, 31))):
            if s >= a and e <= b:
                out.append((s, e))
    return out


def event_observations(record: Record, start: dt.date, end: dt.date) -> list[Observation]:
    """Observations from the event rows: attack rows per half-year (lower bounds), US strike
    days per year (within one day either way) and Americans killed per year (exact)."""
    ev = record.events
    att = attack_rows(record)
    out = []
    for a, b in _half_years(start, end):
        n = int(((att.date >= pd.Timestamp(a)) & (att.date <= pd.Timestamp(b))).sum())
        if n == 0:
            continue
        lo, hi, value = interval_of("lower", n, np.nan)
        out.append(Observation(f"attacks all {a}..{b} (event rows)", "attacks", a, b,
                               THEATRE_MEASURES["all"], False, "lower", float(n), np.nan,
                               lo, hi, value, "events.csv: militia_attack rows on US targets"))
    strikes = ev[ev.event_type == "us_strike"]
    for y in range(start.year, end.year + 1):
        a, b = max(D(y, 1, 1), start), min(D(y, 12, 31), end)
        if (b - a).days < 180:
            continue
        sel = strikes[(strikes.date >= pd.Timestamp(a)) & (strikes.date <= pd.Timestamp(b))]
        n = len(sel.date.unique())
        out.append(Observation(f"strikes all {a}..{b} (event rows)", "strikes", a, b,
                               ("us_strikes",), False, "range", float(max(n - 1, 0)),
                               float(n + 1), float(max(n - 1, 0)), float(n + 1), float(n),
                               f"events.csv: {len(sel)} us_strike rows on {n} days"))
        kil = ev[(ev.date >= pd.Timestamp(a)) & (ev.date <= pd.Timestamp(b))
                 & ev.event_type.isin(["militia_attack", "iran_direct_attack"])
                 & ev.target.isin(["us_forces", "us_embassy"])]
        k_lo = float(kil.us_killed_lo.fillna(0).sum())
        k_hi = float(kil.us_killed_hi.fillna(0).sum())
        bound = "exact" if k_lo == k_hi else "range"
        lo, hi, value = ((k_lo, k_hi, k_lo) if bound == "exact" else
                         interval_of("range", k_lo, k_hi))
        out.append(Observation(f"killed all {a}..{b} (event rows)", "killed", a, b,
                               ("us_killed",), False, bound, k_lo, k_hi, lo, hi, value,
                               "events.csv: us_killed of attacks on US forces"))
    return out


def overlap_weights(obs: list[Observation]) -> list[Observation]:
    """The observations with their composite-likelihood weights (module docstring)."""
    import dataclasses

    out = []
    for o in obs:
        cover = 0.0
        for p in obs:
            if p.family != o.family or p.theatre != o.theatre:
                continue
            a, b = max(o.start, p.start), min(o.end, p.end)
            if b >= a:
                cover += ((b - a).days + 1) / o.days
        out.append(dataclasses.replace(o, weight=1.0 / max(cover, 1.0)))
    return out


def observations(record: Record, start: dt.date = RECORD_FIRST, end: dt.date = FIT_END,
                 since: dt.date | None = None, events: bool = True) -> list[Observation]:
    """The record's observations whose windows lie inside ``[start, end]`` (and, with
    ``since``, start on or after it), with their overlap weights."""
    obs = [o for o in tally_observations(record) if o.start >= start and o.end <= end]
    if events:
        obs += event_observations(record, start, end)
    if since is not None:
        obs = [o for o in obs if o.start >= since]
    return overlap_weights(sorted(obs, key=lambda o: (o.start, o.end, o.name)))


def holdout_observations(record: Record, fit_end: dt.date = FIT_END,
                         end: dt.date = RECORD_LAST) -> list[Observation]:
    """The record's observations that reach past ``fit_end`` (the hold-out): every tally
    window ending after it, straddling ones included (their earlier days are replayed)."""
    obs = [o for o in tally_observations(record) if fit_end < o.end <= end]
    obs += [o for o in event_observations(record, D(fit_end.year + 1, 1, 1), end)]
    return overlap_weights(sorted(obs, key=lambda o: (o.start, o.end, o.name)))


# ---- simulated counts ------------------------------------------------------------------------

def week_weights(start: dt.date, days: int, weeks: int, a: dt.date, b: dt.date) -> np.ndarray:
    """Weights ``(W,)`` that turn weekly totals into a window's total (days ``a``..``b``;
    a week partly inside counts in proportion to its days inside)."""
    i, j = (a - start).days, (b - start).days
    ws = np.arange(weeks) * 7
    we = np.minimum(ws + 6, days - 1)
    inside = np.clip(np.minimum(we, j) - np.maximum(ws, i) + 1, 0, None)
    return inside / (we - ws + 1)


def simulated_counts(obs: list[Observation], weekly: np.ndarray, start: dt.date, days: int,
                     daily: np.ndarray | None = None) -> np.ndarray:
    """``(R, n_obs)`` simulated counts of each observation's scope from weekly arrays
    ``(R, W, M)`` (or daily ``(R, D, M)`` when given, exact to the day).  An indirect-fire
    tally (``non_drone``) counts the window's attacks of its theatre times the replicate's
    own non-drone share of its attacks on US forces in that window (the weapon is drawn
    regardless of theatre, so the share is the same in every theatre on average)."""
    out = np.empty((weekly.shape[0] if daily is None else daily.shape[0], len(obs)))
    for k, o in enumerate(obs):
        cols = [M[m] for m in o.measures]
        if o.non_drone:
            cols = cols + [M["attacks"], M["attacks_drone"]]
        if daily is not None:
            i, j = (o.start - start).days, (o.end - start).days
            sums = daily[:, i:j + 1][:, :, cols].sum(axis=1).astype(np.float64)
        else:
            w = week_weights(start, days, weekly.shape[1], o.start, o.end)
            sums = weekly[:, :, cols].transpose(0, 2, 1) @ w
        n = len(o.measures)
        x = sums[:, :n].sum(axis=1)
        if o.non_drone:
            att, drones = sums[:, n], sums[:, n + 1]
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.where(att > 0, drones / np.where(att > 0, att, 1.0), 0.0)
            x = x * (1.0 - share)
        out[:, k] = x
    return out


# ---- likelihood ------------------------------------------------------------------------------

def bandwidth(z: np.ndarray) -> np.ndarray:
    """Silverman's bandwidth along the last axis (replicates), at least :data:`MIN_BANDWIDTH`."""
    k = z.shape[-1]
    sd = z.std(axis=-1, ddof=1) if k > 1 else np.zeros(z.shape[:-1])
    q75, q25 = np.percentile(z, [75, 25], axis=-1)
    spread = np.minimum(sd, (q75 - q25) / 1.349)
    spread = np.where(spread > 0, spread, sd)
    return np.maximum(0.9 * spread * k ** -0.2, MIN_BANDWIDTH)


def bound_probability(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Kernel estimate of ``P(lo <= X <= hi)`` from replicates ``x (..., n_obs, K)``: the
    mean over replicates of a normal kernel's mass on ``[lo - 1/2, hi + 1/2]`` (log1p
    scale)."""
    z = np.log1p(np.maximum(x, 0.0))
    h = bandwidth(z)[..., None]
    a = np.log1p(np.maximum(lo - 0.5, 0.0))[:, None]
    upper = np.where(np.isfinite(hi), np.log1p(hi + 0.5), np.inf)[:, None]
    lower_open = (lo <= 0.0)[:, None]  # a window that admits zero has no lower tail
    p_hi = np.where(np.isinf(upper), 1.0, ndtr((upper - z) / h))
    p_lo = np.where(lower_open, 0.0, ndtr((a - z) / h))
    return np.mean(p_hi - p_lo, axis=-1)


def log_likelihood(counts: np.ndarray, obs: list[Observation],
                   weighted: bool = True) -> np.ndarray:
    """Composite log-likelihood of each parameter set: ``counts (n, K, n_obs)`` -> ``(n,)``
    (sum over observations of weight x log kernel probability, floored)."""
    lo = np.array([o.lo for o in obs])
    hi = np.array([o.hi for o in obs])
    w = np.array([o.weight for o in obs]) if weighted else np.ones(len(obs))
    p = bound_probability(np.swapaxes(counts, -1, -2), lo, hi)  # (n, n_obs)
    return (np.log(np.maximum(p, LIKELIHOOD_FLOOR)) * w).sum(axis=-1)


def table(obs: list[Observation]) -> pd.DataFrame:
    """The observations as a table (for the report and the manifest)."""
    return pd.DataFrame([{"name": o.name, "family": o.family, "theatre": o.theatre,
                          "start": o.start.isoformat(), "end": o.end.isoformat(),
                          "bound": o.bound,
                          "documented": o.documented, "lo": o.lo, "hi": o.hi,
                          "non_drone": o.non_drone, "weight": round(o.weight, 3),
                          "source": o.source} for o in obs])
