"""Evaluating a design: every row of a table of parameter sets on the same replicates, in as
few vectorized engine calls as the chunking allows, and the per-row outcomes with their Monte
Carlo intervals.

This is the core of :func:`sim.api.evaluate`, of sweeps (:mod:`sim.experiments.sweep`) and of
sensitivity analysis (:mod:`sim.experiments.sensitivity`).  A design is a table: one row per
parameter set, one column per dotted registry key, numbers (numpy scalars included), enum
labels (``us.trigger`` per row), dates or booleans; every row runs replicates ``0 .. R-1``
with the same seed (common random numbers: row ``i`` replicate ``j`` sees the random numbers
of replicate ``j``), and the rows x replicates go to the engine as one batch, cut into chunks
of at most :data:`sim.experiments.tasks.MAX_ROWS` rows, on any backend
(:mod:`sim.experiments.backends`).  Without an output folder nothing is written to disk.

Example:
    >>> from sim.scenario import load_scenario
    >>> d = normalise_design([{"us.trigger": "streak", "militia.w_fear": 1.5}])
    >>> d.dtypes.astype(str).tolist()
    ['object', 'float64']
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd

from ..errors import suggest as _suggest
from ..model.registry import PARAMETERS, all_parameter_keys
from ..scenario import Scenario, build_params
from .backends import Backend, Executor
from .designs import SweepError
from .execution import Execution, run_job
from .outcomes import OUTCOMES, in_window, numeric_outcomes
from .tasks import Chunk, Job, auto_chunk_rows, make_task, plan_chunks


def _plain(x):
    return x.item() if isinstance(x, np.generic) else x


def normalise_design(design) -> pd.DataFrame:
    """A design as a DataFrame with one column per registry key (its index kept).

    Accepts a DataFrame, a list of dicts (one per row), a dict of columns, or one dict (one
    row).  Numeric columns become float64 (numpy scalars welcome); enum, date and boolean
    columns keep their labels.  Values are checked later, against the scenario
    (:func:`check_design`).

    Raises:
        SweepError: an empty design, a column that is not a parameter (with the closest
            key), a missing value.
    """
    if isinstance(design, pd.DataFrame):
        df = design.copy()
    elif isinstance(design, Mapping):
        values = list(design.values())
        one_row = all(np.ndim(v) == 0 for v in values)
        df = pd.DataFrame([dict(design)] if one_row else dict(design))
    elif isinstance(design, list | tuple):
        if not all(isinstance(r, Mapping) for r in design):
            raise SweepError("design: expected a DataFrame, a dict of columns or a list of "
                             "dicts (one per parameter set)")
        df = pd.DataFrame([{k: _plain(v) for k, v in r.items()} for r in design])
    else:
        raise SweepError(f"design: expected a DataFrame, a dict of columns or a list of dicts, "
                         f"not {type(design).__name__}")
    if len(df) == 0:
        raise SweepError("design: no rows (give at least one parameter set)")
    if len(df.columns) == 0:
        raise SweepError("design: no columns (give at least one dotted parameter key, e.g. "
                         "militia.w_fear)")
    keys = all_parameter_keys()
    for col in df.columns:
        sec, _, name = str(col).partition(".")
        if sec not in PARAMETERS or name not in PARAMETERS[sec]:
            raise SweepError(f"design: unknown parameter '{col}'{_suggest(str(col), keys)}; "
                             "`escalation show` lists every parameter")
        if df[col].isna().any():
            row = df.index[df[col].isna().to_numpy()][0]
            raise SweepError(f"design: '{col}' has a missing value in row {row!r}")
        kind = PARAMETERS[sec][name].kind
        if kind in ("float", "int"):
            try:
                df[col] = df[col].astype(np.float64)
            except (TypeError, ValueError):
                bad = next(v for v in df[col] if not _is_number(v))
                raise SweepError(f"design: '{col}' must be a number, not {bad!r}") from None
        elif kind != "bool":
            df[col] = df[col].map(_plain).astype(object)
    return df


def _is_number(x) -> bool:
    try:
        float(x)
    except (TypeError, ValueError):
        return False
    return True


def check_design(sc: Scenario, design: pd.DataFrame) -> None:
    """Check every value of the design against the registry and the scenario (bounds, enum
    labels, dates, cross-checks) before anything runs: the one parameter builder
    (:func:`sim.scenario.build_params`) is asked for the whole design, once."""
    build_params(sc, len(design), 0, posterior=False,
                 overrides={k: design[k].to_numpy() for k in design.columns})


def check_outcomes(outcomes: list[str] | None) -> list[str]:
    """The outcomes summarised per row (default: every numeric outcome of the registry)."""
    known = numeric_outcomes()
    if outcomes is None:
        return known
    if isinstance(outcomes, str):
        outcomes = [outcomes]
    for o in outcomes:
        if o not in known:
            raise SweepError(f"outcome: unknown outcome '{o}'{_suggest(o, known)}; known: "
                             f"{', '.join(known)}")
    return list(dict.fromkeys(outcomes))


def design_job(sc: Scenario, design: pd.DataFrame, runs: int, seed: int,
               kind: str = "evaluate", inputs: dict | None = None) -> Job:
    """The job of a design: its rows x replicates ``0 .. runs-1`` of one scenario
    (``inputs``: the record and posterior read, part of the job's fingerprint)."""
    return Job(kind, [sc], runs, seed, design=design.reset_index(drop=True), inputs=inputs)


def run_design(sc: Scenario, design: pd.DataFrame, runs: int, seed: int,
               backend: Backend | None = None, *, kind: str = "evaluate",
               out: str | Path | None = None, fields: dict | None = None,
               resume: bool = False, overwrite: bool = False, chunk_rows: int | None = None,
               progress: bool | None = None,
               on_chunk: Callable[[Chunk], None] | None = None,
               inputs: dict | None = None) -> Execution:
    """Run every row of ``design`` on replicates ``0 .. runs-1``; return the merged parts (one
    row per (set, replicate), sorted; ``set`` is the row's position in the design).

    Without ``out`` the chunks run in memory and nothing is written; with ``out`` they run as
    a resumable job whose chunk files are kept in ``out/.chunks``
    (:func:`sim.experiments.execution.run_job`, ``fields`` naming the job; the caller holds
    the folder's lock).  ``inputs`` are the record and posterior read (part of the job).
    """
    if runs < 1:
        raise SweepError("--runs must be at least 1")
    backend = backend or Backend()
    job = design_job(sc, design, runs, seed, kind, inputs)
    if out is not None:
        fields = {"kind": kind, "fingerprint": job.fingerprint(), **(fields or {})}
        return run_job(job, Path(out), fields, backend, resume, overwrite, chunk_rows,
                       progress, on_chunk)
    from tqdm.auto import tqdm

    with Executor(backend) as exe:
        rows = chunk_rows or auto_chunk_rows(job.n_sets, runs, exe.n_workers)
        chunks = plan_chunks(job, rows)
        t0 = time.perf_counter()
        bar = tqdm(total=job.n_sets * runs * job.days, unit="rep-day", unit_scale=True,
                   leave=False, mininterval=0.5, desc=f"{kind} {sc.name} ({backend.describe()})",
                   disable=False if progress else (True if progress is False else None))
        parts: dict[int, pd.DataFrame] = {}
        try:
            for task, part in exe.map([make_task(job, c) for c in chunks], bar.update):
                parts[task.chunk.index] = part
                if on_chunk is not None:
                    on_chunk(task.chunk)
        finally:
            bar.close()
    merged = pd.concat([parts[c.index] for c in chunks], ignore_index=True)
    if len(chunks) > 1:
        merged = merged.sort_values(["set", "replicate"], kind="stable").reset_index(drop=True)
    return Execution(merged, len(chunks), 0, time.perf_counter() - t0, "memory", rows)


def summarise_rows(parts: pd.DataFrame, design: pd.DataFrame, outcomes: list[str],
                   level: float = 0.95) -> pd.DataFrame:
    """Per design row: the design's values, ``replicates``, and for every outcome its
    estimate over the replicates (``<outcome>``: the mean; for a 0/1 outcome the
    probability) with a Monte Carlo interval at ``level`` (``<outcome>_lo``,
    ``<outcome>_hi``), counted over the outcome window (from the branch of a replay or a
    forecast by default).

    Means get the normal interval mean +/- z sd / sqrt(R) (NaN with one replicate);
    probabilities the Wilson score interval, which stays inside [0, 1] and is not empty at
    0 or 1.  The index is the design's.
    """
    if not 0 < level < 1:
        raise SweepError(f"level must be between 0 and 1, not {level}")
    z = NormalDist().inv_cdf(0.5 + level / 2)
    parts = in_window(parts)
    g = parts.groupby("set", sort=True)[outcomes]
    mean = g.mean().to_numpy(dtype=np.float64)
    sd = g.std(ddof=1).to_numpy(dtype=np.float64)
    n = parts.groupby("set", sort=True).size().to_numpy()
    out = design.copy()
    out["replicates"] = n
    nn = n[:, None].astype(np.float64)
    half = z * sd / np.sqrt(nn)
    lo, hi = mean - half, mean + half
    flags = np.array([OUTCOMES[o].is_probability for o in outcomes])
    if flags.any():
        p = mean[:, flags]
        centre = (p + z * z / (2 * nn)) / (1 + z * z / nn)
        w = z / (1 + z * z / nn) * np.sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn))
        lo[:, flags] = np.clip(centre - w, 0.0, 1.0)
        hi[:, flags] = np.clip(centre + w, 0.0, 1.0)
    cols = {}
    for j, o in enumerate(outcomes):
        cols[o] = mean[:, j]
        cols[f"{o}_lo"] = lo[:, j]
        cols[f"{o}_hi"] = hi[:, j]
    return pd.concat([out, pd.DataFrame(cols, index=out.index)], axis=1)


def replicate_frame(parts: pd.DataFrame, design: pd.DataFrame) -> pd.DataFrame:
    """Per (row, replicate): ``row`` (the position in the design), the design's values,
    ``replicate`` and every outcome of the registry (the columns of ``runs.parquet``)."""
    df = parts.drop(columns=[c for c in parts.columns if c.startswith("wk_")])
    rows = df["set"].to_numpy()
    front = design.iloc[rows].reset_index(drop=True)
    front.index = df.index
    return pd.concat([df[["set"]].rename(columns={"set": "row"}), front,
                      df.drop(columns=["set"])], axis=1)


@dataclass
class Evaluation:
    """What :func:`evaluate_design` computed."""

    design: pd.DataFrame
    table: pd.DataFrame
    parts: pd.DataFrame
    execution: Execution
    outcomes: list[str]


def evaluate_design(sc: Scenario, design, runs: int, seed: int,
                    backend: Backend | None = None, outcomes: list[str] | None = None,
                    level: float = 0.95, chunk_rows: int | None = None,
                    progress: bool | None = None) -> Evaluation:
    """Check and run a design in memory and summarise it per row
    (:func:`normalise_design`, :func:`check_design`, :func:`run_design`,
    :func:`summarise_rows`)."""
    d = normalise_design(design)
    check_design(sc, d)
    outs = check_outcomes(outcomes)
    ex = run_design(sc, d, runs, seed, backend, chunk_rows=chunk_rows, progress=progress)
    return Evaluation(d, summarise_rows(ex.parts, d, outs, level), ex.parts, ex, outs)
