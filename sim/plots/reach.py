"""The cumulative probability of reaching a rung by a date, and its interval (for the
figures; no matplotlib here)."""

from __future__ import annotations

import numpy as np
import pandas as pd

Z95 = 1.959963984540054


def wilson(p: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson 95 % interval of a proportion ``p`` of ``n`` runs."""
    p = np.asarray(p, dtype=float)
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    w = Z95 / (1 + z2 / n) * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return np.clip(centre - w, 0, 1), np.clip(centre + w, 0, 1)


def cumulative_reach(runs: pd.DataFrame, k: int, dates: np.ndarray) -> np.ndarray:
    """P(the ladder reached rung ``k`` or above by each date), from the per-replicate first
    day at rung ``k``+ (``first_day_rung_k``, counted over the outcome window)."""
    first = pd.to_datetime(runs[f"first_day_rung_{k}"]).to_numpy(dtype="datetime64[D]")
    reached = first[~np.isnat(first)]
    reached.sort()
    return np.searchsorted(reached, dates, side="right") / max(len(first), 1)
