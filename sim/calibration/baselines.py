"""Naive forecasts the model must beat, fitted to the same observations as the model.

Each baseline gives, for an observation's window, a negative binomial count distribution of
mean ``rate x days x share(theatre)`` and size ``k`` (a gamma-distributed rate per window),
one set of parameters per measure family (attacks, strikes, wounded, killed):

* ``constant NB``: one daily rate and one ``k`` per family;
* ``peace/war NB``: a peace rate and a war rate (from the Gaza war's start, 2023-10-07, which
  it is told), one ``k``; a window that straddles the date mixes the two by its days;
* ``persistence``: the daily rate of the most recent observation of the family that ended
  before the forecast origin, or before the window when the window starts earlier (its
  documented figure over its days), with the constant model's ``k``.

The theatre shares (Iraq, Jordan; Syria the rest) are fitted with the rates for the attacks
family, so that a baseline compares an Iraq-only tally with an Iraq-only figure as the model
does.  Every fit maximises the same composite likelihood as the model's (the bound of each
observation, its overlap weight) with :func:`scipy.optimize.minimize` (Nelder-Mead).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betainc, expit

from .observation import LIKELIHOOD_FLOOR, Observation

WAR_START = dt.date(2023, 10, 7)
"""The Gaza war's first day: the peace/war baseline is told it."""

BASELINES = ("constant NB", "peace/war NB", "persistence")


@dataclass(frozen=True)
class NBForecast:
    """Per-observation negative binomial forecasts: means and sizes (arrays)."""

    mean: np.ndarray
    size: np.ndarray

    def cdf(self, k: np.ndarray) -> np.ndarray:
        """``P(X <= k)`` for whole ``k`` (0 below zero): the regularized incomplete beta
        ``I_p(size, k + 1)`` with ``p = size / (size + mean)``, the formula
        ``scipy.stats.nbinom.cdf`` evaluates, called directly because the fits call it tens
        of thousands of times and a frozen distribution costs about a millisecond to build."""
        n = self.size
        p = n / (n + np.maximum(self.mean, 1e-9))
        k = np.asarray(k, dtype=np.float64)
        return np.where(k >= 0, betainc(n, np.maximum(k, 0.0) + 1.0, p), 0.0)

    def probability(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """``P(lo <= X <= hi)`` for counts (``hi`` may be inf)."""
        upper = np.where(np.isfinite(hi), self.cdf(np.floor(np.where(np.isfinite(hi), hi, 0))),
                         1.0)
        lower = np.where(lo > 0, self.cdf(np.ceil(lo) - 1), 0.0)
        return np.clip(upper - lower, 0.0, 1.0)

    def sample(self, n: int, seed: int) -> np.ndarray:
        """``(n_obs, n)`` draws."""
        rng = np.random.default_rng(seed)
        lam = rng.gamma(self.size[:, None], (self.mean / self.size)[:, None],
                        size=(len(self.mean), n))
        return rng.poisson(lam).astype(np.float64)


_THEATRES = ("all", "iraq", "jordan", "syria", "iraq_syria")


def _share(theatre: str, s_iraq: float, s_jordan: float) -> float:
    """The share of a family's count that falls in ``theatre`` (one of :data:`_THEATRES`)."""
    return float(_shares(s_iraq, s_jordan)[_THEATRES.index(theatre)])


def _war_days(o: Observation) -> int:
    return max(0, (o.end - max(o.start, WAR_START)).days + 1)


def _shares(s_iraq: float, s_jordan: float) -> np.ndarray:
    """Every theatre's share, in the order of :data:`_THEATRES`: all, Iraq, Jordan, Syria
    (the rest), Iraq and Syria."""
    return np.array([1.0, s_iraq, s_jordan, max(1.0 - s_iraq - s_jordan, 1e-6),
                     1.0 - s_jordan])


@dataclass(frozen=True)
class _Windows:
    """What a fit needs of its observations, as arrays (built once per fit, not per call):
    days of peace and of war, theatre index, bounds and overlap weights."""

    peace: np.ndarray
    war: np.ndarray
    theatre: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    weight: np.ndarray

    @classmethod
    def of(cls, obs: list[Observation]) -> _Windows:
        war = np.array([_war_days(o) for o in obs], dtype=np.float64)
        days = np.array([o.days for o in obs], dtype=np.float64)
        return cls(days - war, war, np.array([_THEATRES.index(o.theatre) for o in obs],
                                             dtype=np.int64),
                   np.array([o.lo for o in obs]), np.array([o.hi for o in obs]),
                   np.array([o.weight for o in obs]))

    def means(self, rate_peace: float, rate_war: float, s_iraq: float,
              s_jordan: float) -> np.ndarray:
        return ((rate_peace * self.peace + rate_war * self.war)
                * _shares(s_iraq, s_jordan)[self.theatre])

    def nll(self, mean: np.ndarray, size: float) -> float:
        p = NBForecast(mean, np.full(len(mean), size)).probability(self.lo, self.hi)
        return float(-(self.weight * np.log(np.maximum(p, LIKELIHOOD_FLOOR))).sum())


def _means(obs: list[Observation], rate_peace: float, rate_war: float, s_iraq: float,
           s_jordan: float) -> np.ndarray:
    """Each observation's expected count under a peace/war rate and theatre shares."""
    return _Windows.of(obs).means(rate_peace, rate_war, s_iraq, s_jordan)


@dataclass
class FamilyFit:
    """A fitted naive model of one measure family."""

    family: str
    rate_peace: float
    rate_war: float
    size: float
    s_iraq: float = 0.5
    s_jordan: float = 0.02

    def forecast(self, obs: list[Observation]) -> NBForecast:
        return NBForecast(_means(obs, self.rate_peace, self.rate_war, self.s_iraq,
                                 self.s_jordan), np.full(len(obs), self.size))


def fit_family(obs: list[Observation], family: str, two_regimes: bool) -> FamilyFit:
    """Maximum composite likelihood of a constant (or peace/war) NB for one family."""
    fam = [o for o in obs if o.family == family]
    if not fam:
        return FamilyFit(family, 1e-3, 1e-3, 1.0)
    has_theatres = family == "attacks"
    war_seen = two_regimes and any(_war_days(o) > 0 for o in fam)
    peace_seen = any(o.days - _war_days(o) > 0 for o in fam)
    vals = [o.value if np.isfinite(o.value) else o.lo for o in fam]
    r0 = max(np.nansum(vals) / sum(o.days for o in fam), 1e-3)
    # one-sided bounds alone would let a rate run off to infinity (a floored likelihood
    # makes being wrong about a point figure cheap): a rate stays within 3 times the
    # highest daily rate any observation of the family documents
    r_max = 3.0 * max(max(v / o.days for v, o in zip(vals, fam, strict=True)), 1e-3)

    def unpack(x):
        rp = float(np.exp(x[0]))
        rw = float(np.exp(x[1])) if war_seen else rp
        k = float(np.exp(x[2]))
        si = float(expit(x[3])) if has_theatres else 0.5
        sj = float(expit(x[4])) * 0.2 if has_theatres else 0.02
        if not peace_seen:
            rp = rw
        return rp, rw, k, si, sj

    win = _Windows.of(fam)

    def f(x):
        rp, rw, k, si, sj = unpack(x)
        if max(rp, rw) > r_max or not 1e-3 <= k <= 1e4:
            return 1e12
        return win.nll(win.means(rp, rw, si, sj), k)

    x0 = np.array([np.log(r0), np.log(min(r0 * (10 if war_seen else 1), r_max)), 0.0, 0.0,
                   -2.0])
    best = None
    for start in (x0, x0 + np.array([0.5, 0.5, 1.0, 0.5, 0.0]),
                  x0 - np.array([0.5, 0.5, 1.0, 0.5, 0.0])):
        res = minimize(f, start, method="Nelder-Mead",
                       options={"maxiter": 4000, "xatol": 1e-4, "fatol": 1e-6})
        if best is None or res.fun < best.fun:
            best = res
    rp, rw, k, si, sj = unpack(best.x)
    return FamilyFit(family, rp, rw, k, si, sj)


def persistence_forecast(fit_obs: list[Observation], constant: dict[str, FamilyFit],
                         obs: list[Observation], origin: dt.date) -> NBForecast:
    """The last known daily rate of each family before ``origin`` (its most recent
    point-valued observation), with the constant fit's size and theatre shares."""
    mean = np.empty(len(obs))
    size = np.empty(len(obs))
    for i, o in enumerate(obs):
        c = constant[o.family]
        known = min(origin, o.start)  # the last rate known before the window (or origin)
        prior = [p for p in fit_obs if p.family == o.family and p.end < known
                 and np.isfinite(p.value)]
        if prior:
            last_end = max(p.end for p in prior)
            recent = [p for p in prior if p.end == last_end]
            p = min(recent, key=lambda q: q.days)
            rate = p.value / p.days / _share(p.theatre, c.s_iraq, c.s_jordan)
        else:
            rate = c.rate_peace
        mean[i] = rate * o.days * _share(o.theatre, c.s_iraq, c.s_jordan)
        size[i] = c.size
    return NBForecast(mean, size)


def baseline_forecasts(fit_obs: list[Observation], obs: list[Observation],
                       origin: dt.date) -> dict[str, NBForecast]:
    """Every baseline's forecast of ``obs``, fitted on ``fit_obs`` (which end before
    ``origin``)."""
    fams = sorted({o.family for o in obs})
    const = {f: fit_family(fit_obs, f, False) for f in fams}
    war = {f: fit_family(fit_obs, f, True) for f in fams}

    def stack(fits: dict[str, FamilyFit]) -> NBForecast:
        mean = np.empty(len(obs))
        size = np.empty(len(obs))
        for i, o in enumerate(obs):
            fc = fits[o.family].forecast([o])
            mean[i], size[i] = fc.mean[0], fc.size[0]
        return NBForecast(mean, size)

    return {"constant NB": stack(const), "peace/war NB": stack(war),
            "persistence": persistence_forecast(fit_obs, const, obs, origin)}
