"""Running a job resumably: chunk files in ``OUT/.chunks/``, kept on ``--resume`` when they
belong to the same job, merged when all are done.

Each chunk's part is written as its own parquet file (temporary name, then ``os.replace``)
as soon as it finishes; chunks are cut so that one takes at most about
:data:`sim.experiments.budget.CHECKPOINT_SECONDS` (whatever ``--chunk-size`` says), so an
interruption loses at most that much work.  A later ``--resume`` keeps every chunk file whose
metadata names the same job fingerprint, whatever chunking made it, and runs the rest.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..scenario.provenance import warn_if_fitted_elsewhere
from .backends import Backend, Executor
from .budget import check_job, checkpoint_rows
from .designs import SweepError
from .store import (
    begin_job,
    check_target,
    check_writable,
    chunk_meta,
    chunk_path,
    read_chunk,
    read_manifest,
    saved_chunks,
    write_chunk,
)
from .tasks import Chunk, Job, auto_chunk_rows, make_task, plan_chunks


@dataclass
class Execution:
    """What :func:`run_job` did."""

    parts: pd.DataFrame
    chunks: int  # chunks the job was made of: those reused and those run
    reused: int  # saved chunks of an interrupted run that were reused
    elapsed: float
    status: str
    chunk_rows: int = 0


def covered_cells(metas: list[dict], n_sets: int, runs: int) -> dict[int, list[tuple[int, int]]]:
    """Per set, the replicate ranges ``[a, b)`` that saved chunks hold (sorted, disjoint)."""
    out: dict[int, list[tuple[int, int]]] = {}
    for m in metas:
        for s in range(m["set0"], min(m["set1"], n_sets)):
            out.setdefault(s, []).append((m["rep0"], min(m["rep1"], runs)))
    return {s: sorted(v) for s, v in out.items()}


def _usable(found: list[tuple[dict, pd.DataFrame]], n_sets: int, runs: int
            ) -> list[tuple[dict, pd.DataFrame]]:
    """The saved chunks that fit the job and do not overlap (the first one wins)."""
    taken: dict[int, list[tuple[int, int]]] = {}
    keep = []
    for meta, part in sorted(found, key=lambda x: (x[0]["set0"], x[0]["rep0"])):
        s0, s1, r0, r1 = meta["set0"], meta["set1"], meta["rep0"], meta["rep1"]
        if not (0 <= s0 < s1 <= n_sets and 0 <= r0 < r1 <= runs):
            continue
        clash = any(a < r1 and r0 < b for s in range(s0, s1) for a, b in taken.get(s, []))
        if clash:
            continue
        for s in range(s0, s1):
            taken.setdefault(s, []).append((r0, r1))
        keep.append((meta, part))
    return keep


def job_chunk_rows(job: Job, chunk_rows: int | None, workers: int) -> int:
    """Rows per chunk: ``chunk_rows`` (default: :func:`auto_chunk_rows`), but never more than
    a checkpoint's worth (:func:`sim.experiments.budget.checkpoint_rows`): finished work is
    saved at least every 30 s, whatever the chunk size asked for."""
    if chunk_rows is None:
        chunk_rows = auto_chunk_rows(job.n_sets, job.runs, workers)
    return max(1, min(chunk_rows, checkpoint_rows(job.days)))


def run_job(job: Job, out: Path, fields: dict, backend: Backend | None = None,
            resume: bool = False, overwrite: bool = False, chunk_rows: int | None = None,
            progress: bool | None = None,
            on_chunk: Callable[[Chunk], None] | None = None) -> Execution:
    """Run a job into ``out/.chunks`` and return the merged parts (sorted by set, replicate).

    The caller holds the folder's lock (:func:`sim.experiments.store.folder_lock`).

    Args:
        job: what to run.
        out: the output folder (holds the chunk files until the caller writes the results).
        fields: manifest fields identifying the job (must include ``fingerprint``).
        backend: where to run.
        resume: keep the chunk files of an interrupted run of the same job.
        overwrite: replace a folder that holds another output.
        chunk_rows: at most this many rows per chunk (default: :func:`auto_chunk_rows`; on
            resume, the interrupted run's), and never more than a checkpoint's worth
            (:func:`sim.experiments.budget.checkpoint_rows`).
        progress: show a tqdm progress bar (default: when attached to a terminal).
        on_chunk: called after each chunk file is written (tests use it to interrupt).
    """
    from tqdm.auto import tqdm

    backend = backend or Backend()
    out = Path(out).resolve()
    status = check_target(out, fields, overwrite, resume)
    if status == "done":
        raise SweepError(f"{out}: this {job.kind} is already complete; nothing to resume "
                         f"(`escalation plot {out}` redraws its figures)")
    check_writable(out)
    workers = max(1, backend.workers)  # Dask: the real count is known once connected
    check_job(job, job_chunk_rows(job, chunk_rows, workers), workers, out)
    for sc in job.scenarios:  # a branch date, the record, a policy that contradicts it
        sc.setup()
    if job.inputs:
        warn_if_fitted_elsewhere(job.scenarios[0], job.inputs)
    old = read_manifest(out) if status == "resume" else None
    fp = fields["fingerprint"]
    with Executor(backend) as exe:
        was = old.get("chunk_rows") if old and old.get("fingerprint") == fp else None
        if chunk_rows is None and isinstance(was, int) and not isinstance(was, bool) \
                and was > 0:
            chunk_rows = was  # the interrupted run's chunks
        chunk_rows = job_chunk_rows(job, chunk_rows, exe.n_workers)
        begin_job(out, {**fields, "chunk_rows": chunk_rows}, status)
        plan = plan_chunks(job, chunk_rows)
        found = []
        if status == "resume":
            found = [c for c in (read_chunk(p) for p in saved_chunks(out, fp)) if c is not None
                     and c[0].get("fingerprint") == fp]
        kept = _usable(found, job.n_sets, job.runs)
        parts = {(m["set0"], m["rep0"]): part for m, part in kept}
        covered = covered_cells([m for m, _ in kept], job.n_sets, job.runs)
        todo = plan
        if covered:  # what remains, numbered as in the plan where it is a chunk of it
            number = {(c.set0, c.set1, c.rep0, c.rep1): c.index for c in plan}
            todo = [dataclasses.replace(c, index=number.get((c.set0, c.set1, c.rep0, c.rep1),
                                                            len(plan) + i))
                    for i, c in enumerate(plan_chunks(job, chunk_rows, covered))]
        days = job.days
        t0 = time.perf_counter()
        done_rows = sum(len(p) for p in parts.values())
        bar = tqdm(total=job.n_sets * job.runs * days, unit="rep-day", unit_scale=True,
                   leave=False, mininterval=0.5,
                   desc=f"{job.kind} {job.scenarios[0].name} ({backend.describe()})",
                   disable=False if progress else (True if progress is False else None),
                   initial=done_rows * days)
        try:
            tasks = [make_task(job, c) for c in todo]
            for task, part in exe.map(tasks, bar.update):
                c = task.chunk
                meta = chunk_meta(fp, c)
                path = chunk_path(out, fp, meta)
                write_chunk(path, part, meta)
                back = read_chunk(path, meta)  # same dtypes as resumed parts
                if back is None:  # pragma: no cover - the file was just written
                    raise SweepError(f"{path}: a chunk file could not be read back")
                parts[(c.set0, c.rep0)] = back[1]
                if on_chunk is not None:
                    on_chunk(c)
        finally:
            bar.close()
    merged = pd.concat([parts[k] for k in sorted(parts)], ignore_index=True)
    merged = merged.sort_values(["set", "replicate"], kind="stable").reset_index(drop=True)
    return Execution(merged, len(kept) + len(todo), len(kept), time.perf_counter() - t0, status,
                     chunk_rows)
