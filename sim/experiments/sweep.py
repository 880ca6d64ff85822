"""Scenario sweeps: every parameter set of a design on the same replicates, and the per-set
summary.

A sweep runs every parameter set with the same replicate indices ``0 .. R-1`` (common random
numbers: set ``i`` replicate ``j`` sees the random numbers of replicate ``j``), so differences
between sets are not blurred by sampling noise.  The work runs as a resumable job
(:mod:`sim.experiments.execution`) on any backend (:mod:`sim.experiments.backends`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..scenario import Scenario
from ..scenario.provenance import run_inputs
from .backends import Backend
from .designs import SweepError, Vary, make_design
from .evaluate import check_design, design_job, replicate_frame, run_design
from .execution import Execution
from .outcomes import OUTCOMES, in_window, outcomes_in
from .store import atomic_folder, check_target, folder_lock, write_manifest
from .tasks import Chunk


def summarise_sets(runs: pd.DataFrame, keys: list[str], by: str = "set") -> pd.DataFrame:
    """Per set: the varied values, replicates, mean (with its 95 % interval, ``_mean_lo`` /
    ``_mean_hi``) / 5 % / 95 % of the sweep table's outcomes and the probability of its 0/1
    outcomes (P = mean of the indicator, Wilson 95 % interval ``p_<name>_lo`` / ``_hi``),
    counted over the outcome window; see
    :data:`sim.experiments.outcomes.OUTCOMES` (``tables`` containing ``sweep``)."""
    runs = in_window(runs)
    g = runs.groupby(by, sort=True)
    out = g[keys].first() if keys else pd.DataFrame(index=g.size().index)
    n = g.size()
    out["replicates"] = n
    shown = outcomes_in("sweep")
    z = 1.959963984540054
    for col in shown:
        if not OUTCOMES[col].is_probability:
            mean, sd = g[col].mean(), g[col].std(ddof=1)
            half = z * sd / np.sqrt(n)
            out[f"{col}_mean"] = mean
            out[f"{col}_mean_lo"] = mean - half  # 95 % interval of the mean
            out[f"{col}_mean_hi"] = mean + half
            out[f"{col}_q05"] = g[col].quantile(0.05)
            out[f"{col}_q95"] = g[col].quantile(0.95)
    for col in shown:
        if OUTCOMES[col].is_probability:
            p = g[col].mean()
            centre = (p + z * z / (2 * n)) / (1 + z * z / n)  # Wilson 95 % interval
            w = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
            out[f"p_{col}"] = p
            out[f"p_{col}_lo"] = np.clip(centre - w, 0, 1)
            out[f"p_{col}_hi"] = np.clip(centre + w, 0, 1)
    return out.reset_index()


def sweep_runs_frame(parts: pd.DataFrame, design: pd.DataFrame) -> pd.DataFrame:
    """``runs.parquet``: set, the varied values, replicate, then the outcome totals."""
    return replicate_frame(parts, design).rename(columns={"row": "set"})


@dataclass
class SweepResult:
    """What :func:`run_sweep` wrote."""

    out: Path
    runs: pd.DataFrame
    sets: pd.DataFrame
    design: pd.DataFrame
    manifest: dict
    execution: Execution
    figures: list[Path] = field(default_factory=list)


def sweep_fields(sc: Scenario, varies: list[Vary], design: str, samples: int | None,
                 seed: int, runs: int, sets: int, inputs: dict | None = None) -> dict:
    """The manifest fields naming a sweep (with ``kind`` and ``fingerprint`` added by
    :func:`sim.experiments.evaluate.run_design`); ``inputs`` are the record and posterior
    read, with their checksums (:func:`sim.scenario.provenance.run_inputs`)."""
    return {"scenario": sc.to_dict(), "design": design, "samples": samples,
            "varied": {v.key: v.to_dict() for v in varies}, "seed": seed, "runs": runs,
            "sets": sets, "inputs": inputs}


def run_sweep(sc: Scenario, varies: list[Vary], out: str | Path, design: str = "lhs",
              samples: int | None = 64, runs: int = 100, seed: int = 0,
              backend: Backend | None = None, resume: bool = False, overwrite: bool = False,
              chunk_rows: int | None = None, progress: bool | None = None,
              draw: Callable[[Path], list[Path]] | None = None,
              on_chunk: Callable[[Chunk], None] | None = None,
              kind: str = "sweep", design_frame: pd.DataFrame | None = None,
              extra: Callable[[Path, pd.DataFrame, pd.DataFrame], dict] | None = None
              ) -> SweepResult:
    """Run a sweep and write its folder (``runs.parquet``, ``sets.parquet``,
    ``manifest.json``, and the figures ``draw`` makes).

    ``design_frame`` replaces the design made from ``design``/``samples`` (sensitivity uses
    SALib's); ``extra(tmp_folder, runs, sets)`` may write more files and returns more manifest
    fields; ``draw(tmp_folder)`` draws the figures into the folder before it is put in place
    (:func:`sim.plots.draw_folder`; the experiments layer draws nothing itself).
    """
    out = Path(out)
    backend = backend or Backend()
    if design_frame is None:
        design_frame = make_design(varies, design, samples, seed)
    if runs < 1:
        raise SweepError("--runs must be at least 1")
    check_design(sc, design_frame)
    inputs = run_inputs(sc, bool(sc.posterior))
    fields = {"kind": kind,
              "fingerprint": design_job(sc, design_frame, runs, seed, kind,
                                        inputs).fingerprint(),
              **sweep_fields(sc, varies, design, samples if design != "grid" else None, seed,
                             runs, len(design_frame), inputs)}
    check_target(out, fields, overwrite, resume)  # refuse before touching anything
    with folder_lock(out):
        ex = run_design(sc, design_frame, runs, seed, backend, kind=kind, out=out,
                        fields=fields, resume=resume, overwrite=overwrite,
                        chunk_rows=chunk_rows, progress=progress, on_chunk=on_chunk,
                        inputs=inputs)
        return _write_sweep(out, fields, ex, design_frame, backend, overwrite, draw, extra)


def _write_sweep(out: Path, fields: dict, ex: Execution, design_frame: pd.DataFrame,
                 backend: Backend, overwrite: bool, draw, extra) -> SweepResult:
    keys = list(design_frame.columns)
    runs_df = sweep_runs_frame(ex.parts, design_frame)
    sets = summarise_sets(runs_df, keys)
    figures: list[Path] = []
    with atomic_folder(out, fields, overwrite) as tmp:
        runs_df.to_parquet(tmp / "runs.parquet", index=False)
        sets.to_parquet(tmp / "sets.parquet", index=False)
        more = extra(tmp, runs_df, sets) if extra is not None else {}
        manifest = {**fields, "status": "complete", **more,
                    "backend": backend.describe(), "chunk_rows": ex.chunk_rows,
                    "chunks": ex.chunks, "chunks_resumed": ex.reused,
                    "elapsed_seconds": round(ex.elapsed, 3),
                    "created": dt.datetime.now().isoformat(timespec="seconds")}
        write_manifest(tmp, **manifest)
        if draw is not None:
            figures = [out / p.name for p in draw(tmp)]
        files = sorted(p.name for p in tmp.iterdir())
        manifest["files"] = files
        write_manifest(tmp, **manifest)
    return SweepResult(out, runs_df, sets, design_frame, manifest, ex, figures)
