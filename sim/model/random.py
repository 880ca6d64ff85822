"""Keyed, counter-based random numbers.

Every draw is a pure function of ``(seed, replicate, day, actor, purpose)``: a SplitMix64
finaliser applied to a combination of the key's parts.  No global state and no draw order, so

* the Mesa engine (one replicate at a time) and the batch engine (many at once) see the very
  same numbers;
* a replicate's result does not depend on how many replicates run beside it, on chunking or
  on which worker ran it;
* two policies run on the same seed see the same luck (common random numbers).

SplitMix64 (Steele, Lea and Flood 2014) is written here rather than taken from numpy because
numpy's generators are sequential streams: a keyed draw would need one generator object per
key, which costs microseconds each where this costs nanoseconds per element.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
from scipy.special import betainc

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_MASK = (1 << 64) - 1
_TO_UNIT = 2.0**-53

# Actors, as they appear in keys.  Militia group g is MILITIA + g.
IRAN, US, ISRAEL, IRAQ, MILITIA = 1, 2, 3, 4, 16


class Purpose:
    """Why a number is drawn; each purpose is a separate stream."""

    DIRECT_DECIDE = 1
    DIRECT_LAG = 2
    DIRECT_WOUNDED = 3
    DIRECT_LETHAL = 4
    DIRECT_KILLED = 5
    ATTACKS = 10
    THEATRE = 11
    WEAPON = 12
    HITS = 13
    WOUNDED = 14
    LETHAL = 15
    KILLED_EXTRA = 16
    SUSPEND = 17
    SUSPEND_DAYS = 18
    ISRAEL_STRIKES = 20
    ISRAEL_TARGET = 21
    ISRAEL_COUNTRY = 22
    ISRAEL_IRANIAN = 23
    ISRAEL_FIGHTERS = 24
    US_RESPOND = 30
    US_LAG = 31
    US_FIGHTERS = 32
    US_TARGETS = 33
    CAMPAIGN = 40


def _mix_int(x: int) -> int:
    """SplitMix64 finaliser on a Python int (for scalar key parts)."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on a uint64 array (wrapping arithmetic)."""
    z = z + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def replicate_keys(seed: int, replicates: np.ndarray) -> np.ndarray:
    """Per-replicate base keys, uint64 of the shape of ``replicates``.

    Args:
        seed: the run's seed (any non-negative integer below 2**63).
        replicates: replicate indices (non-negative integers).
    """
    base = np.uint64(_mix_int(_mix_int(int(seed) & _MASK) ^ 0x5EED))
    reps = np.asarray(replicates, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return _mix(reps ^ base)


def _event_key(day: int, actor: int, purpose: int) -> int:
    """Hash of the (day, actor, purpose) part of a key: the three are packed into disjoint bit
    fields (so distinct triples give distinct inputs) and mixed once."""
    return _mix_int((day << 24) | ((actor & 0xFFF) << 12) | (purpose & 0xFFF))


def event_keys(day: int, actors, purposes) -> np.ndarray:
    """The (day, actor, purpose) key parts of :func:`uniform` for many actors and purposes at
    once: uint64 ``(len(actors), len(purposes))``, equal to ``_event_key`` element by element."""
    a = np.asarray(actors, dtype=np.uint64)[:, None] & np.uint64(0xFFF)
    p = np.asarray(purposes, dtype=np.uint64)[None, :] & np.uint64(0xFFF)
    packed = (np.uint64(day) << np.uint64(24)) | (a << np.uint64(12)) | p
    with np.errstate(over="ignore"):
        return _mix(packed)


def uniform_keyed(rep_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Uniforms from replicate keys and precomputed :func:`event_keys` (broadcasting); the same
    numbers :func:`uniform` gives for the same key parts."""
    with np.errstate(over="ignore"):
        z = _mix(rep_keys ^ keys)
    return (z >> np.uint64(11)).astype(np.float64) * _TO_UNIT


def uniform(rep_keys: np.ndarray, day: int, actor: int | np.ndarray, purpose: int) -> np.ndarray:
    """Uniform numbers in [0, 1) keyed by replicate, day, actor and purpose.

    Args:
        rep_keys: output of :func:`replicate_keys`, any shape.
        day: day index since the scenario start.
        actor: an actor code, or an array of codes broadcasting against ``rep_keys``
            (e.g. shape ``(G,)`` with ``rep_keys[:, None]`` for one number per group).
        purpose: a :class:`Purpose` code.

    Returns:
        float64 array of the broadcast shape, each value a multiple of 2**-53.
    """
    with np.errstate(over="ignore"):
        z = _mix(rep_keys ^ _keys_for(day, actor, purpose))
    return (z >> np.uint64(11)).astype(np.float64) * _TO_UNIT


def _keys_for(day: int, actor: int | np.ndarray, purpose: int):
    """The (day, actor, purpose) key part for one actor or an array of actors."""
    if np.ndim(actor) == 0:
        return np.uint64(_event_key(day, int(actor), purpose))
    return np.array([_event_key(day, int(a), purpose) for a in np.ravel(actor)],
                    dtype=np.uint64).reshape(np.shape(actor))


def uniform_pair(rep_keys: np.ndarray, day: int, actor: int | np.ndarray,
                 purpose: int) -> tuple[np.ndarray, np.ndarray]:
    """Two independent uniforms in [0, 1) from one hash, each with 32-bit resolution.

    Used for the two draws every group makes every day (attacks, suspension), which halves the
    cost of the densest random numbers.  Same arguments as :func:`uniform`.  The hash runs in
    place on one buffer (no temporaries: this is the densest arithmetic of a day).
    """
    z = np.bitwise_xor(rep_keys, _keys_for(day, actor, purpose))
    t = np.empty_like(z)
    with np.errstate(over="ignore"):
        _mix_inplace(z, t)
    hi = np.right_shift(z, np.uint64(32), out=t)
    hi_f = np.multiply(hi, 2.0**-32)
    lo = np.bitwise_and(z, np.uint64(0xFFFFFFFF), out=z)
    lo_f = np.multiply(lo, 2.0**-32)
    return hi_f, lo_f


def _mix_inplace(z: np.ndarray, t: np.ndarray) -> None:
    """:func:`_mix` on ``z`` in place, with ``t`` (same shape) as scratch: the same numbers,
    without the eight temporaries."""
    np.add(z, _GOLDEN, out=z)
    np.bitwise_xor(z, np.right_shift(z, np.uint64(30), out=t), out=z)
    np.multiply(z, _M1, out=z)
    np.bitwise_xor(z, np.right_shift(z, np.uint64(27), out=t), out=z)
    np.multiply(z, _M2, out=z)
    np.bitwise_xor(z, np.right_shift(z, np.uint64(31), out=t), out=z)


@functools.lru_cache(maxsize=256)
def _cdf_table(lam: float, kmax: int) -> tuple[np.ndarray, bool]:
    """Poisson CDF values for k = 0, 1, ... by the recurrence :func:`poisson` uses element by
    element (so the same floating-point values), until k reaches ``kmax`` or the CDF can no
    longer change (past the mode, once the next term no longer moves it).

    Returns:
        (the table, whether it was cut short of kmax).
    """
    p = np.exp(-np.array([lam]))
    cdf = p.copy()
    out = [cdf[0]]
    k = 0
    while k < kmax:
        k += 1
        p = p * lam / k
        new = cdf + p
        if k > lam and new[0] == cdf[0]:
            return np.array(out), True
        cdf = new
        out.append(cdf[0])
    return np.array(out), False


def _from_table(lam: float, u: np.ndarray, kmax: int) -> np.ndarray:
    """Counts for one shared rate: the number of CDF values at or below ``u``, capped at kmax
    (and kmax where ``u`` lies beyond a table cut short, as the element loop would give)."""
    table, cut = _cdf_table(lam, kmax)
    k = np.searchsorted(table, u, side="right")
    if cut:
        k = np.where(k == len(table), kmax, k)
    return np.minimum(k, kmax)


_ZERO_BELOW = 1.0 - 1e-12
"""A Poisson count is settled as 0, without an exponential, where ``u + lam`` is below this."""


def poisson(lam: np.ndarray, u: np.ndarray, kmax: int = 400) -> np.ndarray:
    """Poisson quantile: the smallest k with CDF(k; lam) > u (inverse-transform sampling).

    Monotone in ``lam`` for a fixed ``u``: a larger rate never gives a smaller count on the same
    draw, which is what makes "more fear never means more attacks" a law of the model.

    Most rates in the model are small and most counts zero, so zeros are settled first without
    an exponential: the count is 0 whenever ``u < exp(-lam)``, which holds wherever
    ``u + lam < 1`` (as ``exp(-lam) >= 1 - lam``; a margin of 1e-12 absorbs rounding); only
    the rest are computed.

    Args:
        lam: non-negative rates (any shape).
        u: uniforms of the same shape.
        kmax: largest count returned.

    Returns:
        int64 counts, same shape.
    """
    lam = np.asarray(lam, dtype=np.float64)
    u = np.asarray(u, dtype=np.float64)
    if lam.shape != u.shape:
        lam, u = np.broadcast_arrays(lam, u)
    count = np.zeros(lam.shape, dtype=np.int64)
    flat = count.reshape(-1)
    idx = np.flatnonzero((u + lam) >= _ZERO_BELOW)
    if idx.size:
        flat[idx] = _counts(lam.reshape(-1)[idx], u.reshape(-1)[idx], kmax)
    return count


@functools.lru_cache(maxsize=1024)
def _nb_cdf_table(mean: float, shape: float, kmax: int) -> np.ndarray:
    """Negative binomial CDF values for k = 0 .. kmax: ``I_p(shape, k + 1)`` with ``p = shape /
    (shape + mean)``, scipy's regularised incomplete beta (accurate where a pmf recurrence
    from ``p**shape`` would underflow)."""
    return betainc(shape, np.arange(1, kmax + 2, dtype=np.float64), shape / (shape + mean))


def _nb_from_table(mean: float, shape: float, u: np.ndarray, kmax: int) -> np.ndarray:
    """Counts for one shared (mean, shape): the number of CDF values at or below ``u``,
    capped at kmax."""
    table = _nb_cdf_table(mean, shape, kmax)
    return np.minimum(np.searchsorted(table, u, side="right"), kmax)


def negative_binomial(mean: np.ndarray, shape: np.ndarray, u: np.ndarray,
                      kmax: int = 400) -> np.ndarray:
    """Negative binomial quantile: the smallest k with CDF(k; mean, shape) > u, with mean
    ``mean`` and shape ``shape`` (variance ``mean + mean**2 / shape``), by inverse transform of
    one uniform.  Where ``shape`` is infinite the count is :func:`poisson` (the same numbers);
    where ``mean`` is 0 it is 0.  For a fixed ``u`` and shape the count never falls as
    ``mean`` rises (the CDF falls with the mean).

    The CDF is tabulated once per distinct (mean, shape), as :func:`poisson` tabulates a shared
    rate: in the model the pairs are few (a parameter times a small count of wounding attacks),
    so a draw is a lookup, where a gamma mixture of Poissons needed two uniforms and an
    element-by-element Poisson loop (docs/performance.md).

    Args:
        mean: non-negative means (any shape).
        shape: positive shapes (``inf``: no overdispersion), same shape as ``mean``.
        u: uniforms, same shape.
        kmax: largest count returned.

    Returns:
        int64 counts, same shape.
    """
    mean = np.asarray(mean, dtype=np.float64)
    shape = np.asarray(shape, dtype=np.float64)
    u = np.asarray(u, dtype=np.float64)
    if not mean.shape == shape.shape == u.shape:
        mean, shape, u = np.broadcast_arrays(mean, shape, u)
    count = np.zeros(mean.shape, dtype=np.int64)
    flat, m, a, v = count.reshape(-1), mean.reshape(-1), shape.reshape(-1), u.reshape(-1)
    poissonian = np.isinf(a)
    if poissonian.any():
        at = np.flatnonzero(poissonian)
        flat[at] = poisson(m[at], v[at], kmax)
        mixed = np.flatnonzero((m > 0) & ~poissonian)
    else:
        mixed = np.flatnonzero(m > 0)
    if not mixed.size:
        return count
    m, a, v = m[mixed], a[mixed], v[mixed]
    if m.min() == m.max() and a.min() == a.max():
        flat[mixed] = _nb_from_table(float(m[0]), float(a[0]), v, kmax)
        return count
    # distinct (mean, shape) pairs, one table each (complex numbers sort by real, then imag)
    pairs, which = np.unique(m + 1j * a, return_inverse=True)
    for j, pair in enumerate(pairs):
        at = np.flatnonzero(which == j)
        flat[mixed[at]] = _nb_from_table(pair.real, pair.imag, v[at], kmax)
    return count


def poisson_bounded(u: np.ndarray, bound: np.ndarray,
                    rate_at: Callable[[np.ndarray], np.ndarray],
                    kmax: int = 400) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`poisson` where computing the rate everywhere is what costs: the rate is computed
    only at the (flat) indices where an upper ``bound`` on it cannot settle the count as zero.

    Equal to ``poisson(rate, u)`` whenever ``rate <= bound`` elementwise (as floats): the zero
    test ``u + rate < 1 - 1e-12`` holds wherever ``u + bound`` passes it, and is applied
    exactly to the rest.

    Args:
        u: uniforms (any shape).
        bound: an upper bound on the rate, same shape (or broadcasting).
        rate_at: ``rate_at(flat_indices)`` gives the exact rates there.
        kmax: largest count returned.

    Returns:
        (the flat indices with a count above zero, their counts, the indices where the exact
        rate was computed, so a caller can reuse it).
    """
    cand = np.flatnonzero(u + bound >= _ZERO_BELOW)
    if not cand.size:
        return cand, np.zeros(0, dtype=np.int64), cand
    lam_c = rate_at(cand)
    u_c = u.reshape(-1)[cand]
    keep = np.flatnonzero((u_c + lam_c) >= _ZERO_BELOW)
    if not keep.size:
        return keep, np.zeros(0, dtype=np.int64), cand
    k = _counts(lam_c[keep], u_c[keep], kmax)
    nz = k > 0
    return cand[keep[nz]], k[nz], cand


def _counts(lam_a: np.ndarray, u_a: np.ndarray, kmax: int) -> np.ndarray:
    """The Poisson quantiles of elements that the zero test did not settle."""
    if lam_a[0] == lam_a.min() == lam_a.max():
        # one rate for all (a parameter such as a mean casualty count): the CDF is tabulated
        # once per rate by the same recurrence as below and the draws are looked up
        return _from_table(float(lam_a[0]), u_a, kmax)
    out = np.zeros(lam_a.size, dtype=np.int64)
    idx = np.arange(lam_a.size)
    p_a = np.exp(-lam_a)
    cdf_a = p_a.copy()
    still = u_a >= cdf_a
    idx, lam_a, u_a, p_a, cdf_a = idx[still], lam_a[still], u_a[still], p_a[still], cdf_a[still]
    # count = 1 + the number of k >= 1 with u >= CDF(k); CDF rises with k, so elements that
    # are done simply stop adding (arrays are compacted only when most are done)
    count_a = np.ones(idx.size, dtype=np.int64)
    k = 0
    while idx.size and k < kmax:
        k += 1
        p_a = p_a * lam_a / k
        cdf_a = cdf_a + p_a
        still = u_a >= cdf_a
        count_a += still
        n_still = int(np.count_nonzero(still))
        if n_still == 0:
            break
        if idx.size > 64 and 4 * n_still < idx.size:
            done = ~still
            out[idx[done]] = count_a[done]
            idx, lam_a, u_a, p_a, cdf_a, count_a = (idx[still], lam_a[still], u_a[still],
                                                    p_a[still], cdf_a[still], count_a[still])
    if idx.size:
        out[idx] = np.minimum(count_a, kmax)
    return out
