"""Draw per-replicate parameter sets from a calibrated posterior (calibration/posterior.parquet).

The draw for replicate ``r`` of a run with seed ``s`` is a pure function of ``(s, r)``: a keyed
uniform from :mod:`sim.model.random` (day 0, actor 99, purpose 99, a stream the engines never use)
inverted through the cumulative particle weights.  So a replicate gets the same parameters
however the run is chunked or spread over workers.

Example::

    from sim.scenario.posterior import sample_posterior
    draws = sample_posterior("calibration/posterior.parquet", seed=0, replicates=1000)
    # (sim.scenario.build_params draws them for a run)
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ScenarioError
from ..model import random as rnd
from ..model.registry import PARAMETERS, all_parameter_keys
from ..paths import POSTERIOR

ACTOR, PURPOSE = 99, 99


def load_posterior(path: str | Path | None = None) -> pd.DataFrame:
    """The particles (one row each, a column per dotted key, ``weight`` normalised to 1).

    The file is data: it is read as Parquet and every value is checked (a finite number
    inside the parameter's bounds, non-negative weights with a positive sum); anything else
    is a :class:`ScenarioError` naming the file, the column and the row.  The file is read
    once per process while it is unchanged (cached by path, size and modification time), so
    that many small runs do not read it again and again.
    """
    path = Path(path) if path is not None else POSTERIOR
    if not path.is_file():
        raise ScenarioError(f"{path}: posterior not found (run `escalation calibrate`)")
    st = path.stat()
    return _read_posterior(str(path.resolve()), st.st_size, st.st_mtime_ns).copy()


@lru_cache(maxsize=8)
def _read_posterior(path: str, size: int, mtime_ns: int) -> pd.DataFrame:
    return _checked(Path(path))


@lru_cache(maxsize=8)
def _arrays(path: str, size: int, mtime_ns: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Cumulative weights and the parameter columns of a posterior file (cached)."""
    df = _read_posterior(path, size, mtime_ns)
    cw = np.cumsum(df["weight"].to_numpy())
    cw[-1] = 1.0
    cols = {k: df[k].to_numpy(dtype=float) for k in df.columns if k != "weight"}
    for a in (cw, *cols.values()):
        a.setflags(write=False)
    return cw, cols


def posterior_keys(path: str | Path | None = None) -> list[str]:
    """The dotted keys a posterior file calibrates (its columns but ``weight``)."""
    return [c for c in load_posterior(path).columns if c != "weight"]


def _checked(path: Path) -> pd.DataFrame:
    try:
        df = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a damaged file
        raise ScenarioError(f"{path}: not a readable posterior (Parquet) file: "
                            f"{type(exc).__name__}: {_first_line(exc)}") from None
    if "weight" not in df.columns:
        raise ScenarioError(f"{path}: no 'weight' column")
    if len(df) == 0:
        raise ScenarioError(f"{path}: the posterior has no particles (no rows)")
    keys = set(all_parameter_keys())
    unknown = [c for c in df.columns if c != "weight" and c not in keys]
    if unknown:
        raise ScenarioError(f"{path}: unknown parameter column '{unknown[0]}'")
    for col in df.columns:
        if not pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_bool_dtype(df[col]):
            raise ScenarioError(f"{path}: column '{col}' holds {df[col].dtype} values, not "
                                "numbers")
        v = df[col].to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(v))
        if bad.size:
            raise ScenarioError(f"{path}: column '{col}', row {bad[0]}: "
                                f"{float(v[bad[0]])!r} is not a finite number")
        if col != "weight":
            sec, _, name = col.partition(".")
            p = PARAMETERS[sec][name]
            if not p.numeric:
                raise ScenarioError(f"{path}: column '{col}': a {p.kind} parameter cannot be "
                                    "drawn from a posterior")
            out = np.flatnonzero(((v < p.lo) if p.lo is not None else False)
                                 | ((v > p.hi) if p.hi is not None else False))
            if out.size:
                raise ScenarioError(f"{path}: column '{col}', row {out[0]}: {v[out[0]]:g} is "
                                    f"outside {p.describe_bounds()} ({p.unit})")
    w = df["weight"].to_numpy(dtype=float)
    if (w < 0).any() or w.sum() <= 0 or not np.isfinite(w.sum()):
        raise ScenarioError(f"{path}: weights must be non-negative with a positive sum")
    df = df.copy()
    df["weight"] = w / w.sum()
    return df


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else ""


def sample_posterior(path: str | Path | None, seed: int,
                     replicates: int | np.ndarray) -> dict[str, np.ndarray]:
    """Per-replicate parameter draws keyed by ``(seed, replicate)``.

    Args:
        path: posterior.parquet (None: the project's calibration/posterior.parquet).
        seed: the run's seed.
        replicates: a count ``n`` (replicates ``0..n-1``) or an array of replicate indices.

    Returns:
        ``{"section.name": array}``, one entry per replicate, ready for
        ``build_param_table(..., overrides=...)``.
    """
    path = Path(path) if path is not None else POSTERIOR
    if not path.exists():
        raise ScenarioError(f"{path}: posterior not found (run `escalation calibrate`)")
    st = path.stat()
    cw, cols = _arrays(str(path.resolve()), st.st_size, st.st_mtime_ns)
    reps = np.arange(replicates) if np.ndim(replicates) == 0 else np.asarray(replicates)
    u = rnd.uniform(rnd.replicate_keys(seed, reps.astype(np.int64)), day=0, actor=ACTOR,
                    purpose=PURPOSE)
    idx = np.minimum(np.searchsorted(cw, u, side="right"), len(cw) - 1)
    return {k: v[idx] for k, v in cols.items()}
