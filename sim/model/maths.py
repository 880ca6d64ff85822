"""Small numeric building blocks the actor rules share, elementwise over numpy arrays."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def sigmoid(x: ArrayLike) -> np.ndarray:
    """Logistic function, log-odds to probability.

    >>> float(sigmoid(0.0))
    0.5
    """
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def decay_factor(tau_days: ArrayLike) -> np.ndarray:
    """Daily multiplier of a state with e-folding time ``tau_days`` (days).

    >>> round(float(decay_factor(1.0)), 4)
    0.3679
    """
    return np.exp(-1.0 / np.asarray(tau_days, dtype=np.float64))


def approach(current: ArrayLike, target: ArrayLike, rate: ArrayLike) -> np.ndarray:
    """Move ``current`` a share ``rate`` (per day) of the way to ``target`` (inertia).

    >>> float(approach(0.0, 1.0, 0.25))
    0.25
    """
    return current + rate * (target - current)


def categorical(weights: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Index drawn from unnormalised ``weights`` (last axis) by uniform ``u``; -1 when all
    weights are zero.

    >>> categorical(np.array([[1.0, 3.0], [0.0, 0.0]]), np.array([0.5, 0.5])).tolist()
    [1, -1]
    """
    cum = np.cumsum(weights, axis=-1)
    total = cum[..., -1]
    idx = np.sum(cum <= (u * total)[..., None], axis=-1)
    idx = np.minimum(idx, weights.shape[-1] - 1)
    return np.where(total > 0, idx, -1)


def lag_days(u: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Whole days between a decision and its execution, uniform on ``[lo, hi]`` (days).

    >>> lag_days(np.array([0.0, 0.999]), np.array([1, 1]), np.array([5, 5])).tolist()
    [1, 5]
    """
    return lo + np.floor(u * (hi - lo + 1)).astype(np.int64)
