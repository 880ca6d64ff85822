"""Running a job resumably: chunk files in ``OUT/.chunks/``, skipped on ``--resume`` when
they belong to the same job, merged when all are done.

Each chunk's part is written as its own parquet file (temporary name, then ``os.replace``)
as soon as it finishes; a later ``--resume`` keeps every chunk whose file is there and whose
metadata names the same job fingerprint.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .backends import Backend, Executor
from .designs import SweepError
from .store import (
    check_folder,
    chunk_meta,
    chunk_path,
    mark_folder,
    read_chunk,
    read_manifest,
    write_chunk,
)
from .tasks import Chunk, Job, auto_chunk_rows, make_task, plan_chunks


@dataclass
class Execution:
    """What :func:`run_job` did."""

    parts: pd.DataFrame
    chunks: int
    reused: int
    elapsed: float
    status: str
    chunk_rows: int = 0


def run_job(job: Job, out: Path, fields: dict, backend: Backend | None = None,
            resume: bool = False, overwrite: bool = False, chunk_rows: int | None = None,
            progress: bool | None = None,
            on_chunk: Callable[[Chunk], None] | None = None) -> Execution:
    """Run a job into ``out/.chunks`` and return the merged parts (sorted by set, replicate).

    Args:
        job: what to run.
        out: the output folder (holds the chunk files until the caller writes the results).
        fields: manifest fields identifying the job (must include ``fingerprint``).
        backend: where to run.
        resume: keep the chunk files of an interrupted run of the same job.
        overwrite: replace a folder that holds another output.
        chunk_rows: rows per chunk (default: :func:`auto_chunk_rows`; on resume, the
            interrupted run's).
        progress: show a tqdm progress bar (default: when attached to a terminal).
        on_chunk: called after each chunk file is written (tests use it to interrupt).
    """
    from tqdm.auto import tqdm

    backend = backend or Backend()
    out = Path(out).resolve()
    old = read_manifest(out) if out.exists() else None
    status = check_folder(out, fields, resume, overwrite)
    if status == "done":
        raise SweepError(f"{out}: this {job.kind} is already complete; nothing to resume "
                         f"(`escalation plot {out}` redraws its figures)")
    with Executor(backend) as exe:
        if chunk_rows is None and status == "resume" and old and old.get("chunk_rows"):
            chunk_rows = int(old["chunk_rows"])  # the interrupted run's chunks
        if chunk_rows is None:
            chunk_rows = auto_chunk_rows(job.n_sets, job.runs, exe.n_workers)
        mark_folder(out, fields, status, chunk_rows)
        fp = fields["fingerprint"]
        chunks = plan_chunks(job, chunk_rows)
        parts: dict[int, pd.DataFrame] = {}
        todo = []
        for c in chunks:
            part = (read_chunk(chunk_path(out, fp, c), chunk_meta(fp, c))
                    if status == "resume" else None)
            if part is None:
                todo.append(c)
            else:
                parts[c.index] = part
        days = job.days
        t0 = time.perf_counter()
        bar = tqdm(total=job.n_sets * job.runs * days, unit="rep-day", unit_scale=True,
                   leave=False, mininterval=0.5,
                   desc=f"{job.kind} {job.scenarios[0].name} ({backend.describe()})",
                   disable=False if progress else (True if progress is False else None),
                   initial=sum(c.rows for c in chunks if c.index in parts) * days)
        try:
            tasks = [make_task(job, c) for c in todo]
            for task, part in exe.map(tasks, bar.update):
                c = task.chunk
                path = chunk_path(out, fp, c)
                write_chunk(path, part, chunk_meta(fp, c))
                parts[c.index] = read_chunk(path, chunk_meta(fp, c))  # same dtypes as resumed
                if on_chunk is not None:
                    on_chunk(c)
        finally:
            bar.close()
    merged = pd.concat([parts[c.index] for c in chunks], ignore_index=True)
    merged = merged.sort_values(["set", "replicate"], kind="stable").reset_index(drop=True)
    return Execution(merged, len(chunks), len(chunks) - len(todo),
                     time.perf_counter() - t0, status, chunk_rows)
