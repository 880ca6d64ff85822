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

import numpy as np

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
    return _mix_int(_mix_int(_mix_int(day & _MASK) ^ (actor << 8)) ^ purpose)


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
    if np.ndim(actor) == 0:
        key = np.uint64(_event_key(day, int(actor), purpose))
    else:
        key = np.array([_event_key(day, int(a), purpose) for a in np.ravel(actor)],
                       dtype=np.uint64).reshape(np.shape(actor))
    with np.errstate(over="ignore"):
        z = _mix(rep_keys ^ key)
    return (z >> np.uint64(11)).astype(np.float64) * _TO_UNIT


def poisson(lam: np.ndarray, u: np.ndarray, kmax: int = 400) -> np.ndarray:
    """Poisson quantile: the smallest k with CDF(k; lam) > u (inverse-transform sampling).

    Monotone in ``lam`` for a fixed ``u``: a larger rate never gives a smaller count on the same
    draw, which is what makes "more fear never means more attacks" a law of the model.

    Args:
        lam: non-negative rates (any shape).
        u: uniforms of the same shape.
        kmax: largest count returned.

    Returns:
        int64 counts, same shape.
    """
    lam = np.asarray(lam, dtype=np.float64)
    u = np.asarray(u, dtype=np.float64)
    p = np.exp(-lam)
    cdf = p.copy()
    count = np.zeros(lam.shape, dtype=np.int64)
    active = u >= cdf
    if not active.any():
        return count
    idx = np.nonzero(active.ravel())[0]
    lam_a, u_a = lam.ravel()[idx], u.ravel()[idx]
    p_a, cdf_a = p.ravel()[idx], cdf.ravel()[idx]
    k_a = np.zeros(idx.size, dtype=np.int64)
    k = 0
    while idx.size and k < kmax:
        k += 1
        p_a = p_a * lam_a / k
        cdf_a = cdf_a + p_a
        k_a += 1
        still = u_a >= cdf_a
        if not still.all():
            flat = count.ravel()
            flat[idx[~still]] = k_a[~still]
            idx, lam_a, u_a, p_a, cdf_a, k_a = (idx[still], lam_a[still], u_a[still],
                                                  p_a[still], cdf_a[still], k_a[still])
    if idx.size:
        count.ravel()[idx] = k_a
    return count
