"""Scenario sweeps: parameter designs, chunked execution (in-process, a process pool or a Dask
cluster), resumable chunk files, and the per-set summary.

A sweep runs every parameter set of a design with the same replicate indices ``0 .. R-1``
(common random numbers: set ``i`` replicate ``j`` sees the random numbers of replicate ``j``),
so differences between sets are not blurred by sampling noise.  The work is cut into chunks of
(parameter sets x replicate range); each chunk returns its per-replicate totals (a frame that
merges with the others by concatenation), the main process writes it as its own parquet file in
``OUT/.chunks/`` (temp name, then ``os.replace``) and a later ``--resume`` skips every chunk whose
file is there and belongs to the same sweep.  Replicate randomness is keyed, so the numbers do
not depend on the chunking or on where a chunk ran.

Example:
    >>> from sim.scenario import load_scenario
    >>> from sim.sweeps import parse_vary, make_design
    >>> v = parse_vary("militia.w_fear=0.5:2")
    >>> make_design([v], "lhs", 8, seed=1).shape
    (8, 1)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import math
import os
import shutil
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .io import MANIFEST, atomic_folder, check_target, write_manifest
from .outcomes import M, totals_frame
from .parameters import PARAMETERS
from .scenario import Scenario, ScenarioError, _suggest, all_parameter_keys

DESIGNS = ("grid", "lhs", "sobol")
GRID_DEFAULT_POINTS = 5
MAX_ROWS = 10_000
"""Most (parameter set, replicate) rows in one chunk: the engine pays ~2 s of per-day Python
overhead per call, so larger is faster, but a chunk holds its weekly counts (~26 kB a row)."""
CHUNK_DIR = ".chunks"

MAIN_OUTCOMES: dict[str, str] = {
    "attacks": "attacks on US forces",
    "us_wounded": "US wounded",
    "us_killed": "US killed",
    "us_strikes": "US retaliatory strikes",
    "israeli_strikes": "Israeli strikes",
    "iran_direct_attacks": "Iranian direct attacks",
    "days_rung_ge_4": "days at rung 4 (retaliation) or above",
    "escalation_score": "escalation score",
}
"""Outcomes summarised per parameter set (mean, 5 % and 95 % over replicates)."""

PROBABILITIES: dict[str, str] = {
    "direct_us_iran_fire": "P(direct US-Iran fire)",
    "us_fatality": "P(at least one US fatality)",
    "us_drawdown": "P(US drawdown from Iraq)",
}
"""0/1 outcomes summarised as a probability per set (``us_fatality`` is ``us_killed > 0``)."""

UNITS: dict[str, str] = {
    "attacks": "attacks, whole run", "us_wounded": "people, whole run",
    "us_killed": "people, whole run", "us_strikes": "strikes, whole run",
    "israeli_strikes": "strikes, whole run", "iran_direct_attacks": "attacks, whole run",
    "days_rung_ge_4": "days", "escalation_score": "weighted rung-days",
    "direct_us_iran_fire": "probability", "us_fatality": "probability",
    "us_drawdown": "probability",
}


class SweepError(ScenarioError):
    """Bad sweep input (a --vary spec, a design, a scheduler, an output folder)."""


# --------------------------------------------------------------------------- designs


@dataclass(frozen=True)
class Vary:
    """One varied parameter: dotted key, range and (for a grid) number of points."""

    key: str
    lo: float
    hi: float
    n: int | None = None

    @property
    def param(self):
        sec, _, name = self.key.partition(".")
        return PARAMETERS[sec][name]

    def to_dict(self) -> dict:
        p = self.param
        return {"lo": self.lo, "hi": self.hi, "points": self.n, "unit": p.unit,
                "kind": p.kind}


def _number(text: str, spec: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise SweepError(f"--vary {spec}: {what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise SweepError(f"--vary {spec}: {what} must be finite, found {text!r}")
    return value


def parse_vary(spec: str) -> Vary:
    """Parse ``KEY=LO:HI[:N]`` and check the key, the kind and the bounds.

    Raises:
        SweepError: an unknown key (with the closest known one), a non-numeric parameter,
            LO > HI, a value outside the parameter's bounds, a malformed spec.
    """
    key, eq, rng = spec.partition("=")
    key = key.strip()
    if not eq or not key:
        raise SweepError(f"--vary {spec!r}: expected KEY=LO:HI[:N], e.g. "
                         "militia.w_fear=0.5:2.0")
    sec, _, name = key.partition(".")
    if sec not in PARAMETERS or name not in PARAMETERS[sec]:
        raise SweepError(f"--vary: unknown parameter '{key}'"
                         f"{_suggest(key, all_parameter_keys())}; "
                         "`escalation show` lists every parameter")
    p = PARAMETERS[sec][name]
    if p.kind not in ("float", "int"):
        raise SweepError(f"--vary: '{key}' is not numeric (it is {p.describe_bounds()}); "
                         "only numeric parameters can be swept; compare settings of it with "
                         "scenario or policy files and `escalation compare`")
    parts = rng.split(":")
    if len(parts) not in (2, 3):
        raise SweepError(f"--vary {spec}: expected KEY=LO:HI or KEY=LO:HI:N")
    lo = _number(parts[0], spec, "LO")
    hi = _number(parts[1], spec, "HI")
    n = None
    if len(parts) == 3:
        try:
            n = int(parts[2])
        except ValueError:
            raise SweepError(f"--vary {spec}: N {parts[2]!r} is not a whole number") from None
        if n < 1:
            raise SweepError(f"--vary {spec}: N must be at least 1")
    if lo > hi:
        raise SweepError(f"--vary {spec}: LO ({lo:g}) is greater than HI ({hi:g})")
    for v in (lo, hi):
        if (p.lo is not None and v < p.lo) or (p.hi is not None and v > p.hi):
            raise SweepError(f"--vary {spec}: {v:g} is outside the bounds of '{key}': "
                             f"{p.describe_bounds()} ({p.unit})")
    return Vary(key, lo, hi, n)


def check_varies(varies: list[Vary], design: str) -> None:
    """Refuse an empty or duplicated list, and ``:N`` outside a grid design."""
    if not varies:
        raise SweepError("give at least one --vary KEY=LO:HI[:N]")
    keys = [v.key for v in varies]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise SweepError(f"--vary: '{dup[0]}' is given twice")
    if design not in DESIGNS:
        raise SweepError(f"unknown design {design!r}; expected one of {', '.join(DESIGNS)}")
    if design != "grid":
        with_n = [v.key for v in varies if v.n is not None]
        if with_n:
            raise SweepError(f"--vary {with_n[0]}: ':N' (points per key) applies only to "
                             f"--design grid; with --design {design} use --samples")


def _round_ints(values: np.ndarray, varies: list[Vary]) -> np.ndarray:
    out = values.astype(np.float64).copy()
    for j, v in enumerate(varies):
        if v.param.kind == "int":
            out[:, j] = np.round(out[:, j])
    return out


def make_design(varies: list[Vary], design: str, samples: int | None = None,
                seed: int = 0) -> pd.DataFrame:
    """Parameter sets: one row per set, one column per varied key.

    Args:
        varies: the varied parameters.
        design: ``grid`` (N points per key, every combination, N from ``KEY=LO:HI:N`` or
            :data:`GRID_DEFAULT_POINTS`), ``lhs`` (scipy ``qmc.LatinHypercube``) or ``sobol``
            (scrambled ``qmc.Sobol``; a power of two keeps its balance).
        samples: number of sets for ``lhs`` and ``sobol``.
        seed: seeds the scrambling (the same seed gives the same design).

    Integer parameters are rounded.
    """
    check_varies(varies, design)
    d = len(varies)
    lo = np.array([v.lo for v in varies])
    hi = np.array([v.hi for v in varies])
    if design == "grid":
        axes = []
        for v in varies:
            n = v.n or GRID_DEFAULT_POINTS
            pts = np.linspace(v.lo, v.hi, n) if v.hi > v.lo else np.array([v.lo])
            if v.param.kind == "int":
                pts = np.unique(np.round(pts))
            axes.append(pts)
        mesh = np.meshgrid(*axes, indexing="ij")
        values = np.column_stack([m.ravel() for m in mesh])
    else:
        from scipy.stats import qmc

        if samples is None or samples < 1:
            raise SweepError(f"--design {design} needs --samples K (K >= 1)")
        if design == "lhs":
            engine = qmc.LatinHypercube(d, rng=np.random.default_rng(seed))
            unit = engine.random(samples)
        else:
            engine = qmc.Sobol(d, scramble=True, rng=np.random.default_rng(seed))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # non-power-of-two balance note
                unit = engine.random(samples)
        values = qmc.scale(unit, lo, hi) if np.all(hi > lo) else lo + unit * (hi - lo)
    values = _round_ints(values, varies)
    return pd.DataFrame(values, columns=[v.key for v in varies])


# --------------------------------------------------------------------------- jobs and chunks


@dataclass
class Job:
    """What to run: ``n_sets`` sets x ``runs`` replicates.

    Attributes:
        kind: ``sweep``, ``sensitivity`` or ``compare`` (written to the manifest).
        scenarios: the scenario of each set (one shared scenario, or one per set for compare).
        design: per-set parameter overrides (columns = dotted keys), or None.
        runs, seed: replicates per set (indices ``0 .. runs-1``) and the seed.
        weekly: measures kept per replicate and week (list columns ``wk_<measure>``).
        labels: optional per-set labels (policy names).
    """

    kind: str
    scenarios: list[Scenario]
    runs: int
    seed: int
    design: pd.DataFrame | None = None
    weekly: tuple[str, ...] = ()
    labels: list[str] | None = None

    @property
    def n_sets(self) -> int:
        if self.design is not None:
            return len(self.design)
        return len(self.scenarios)

    def scenario_of(self, s: int) -> Scenario:
        return self.scenarios[0] if len(self.scenarios) == 1 else self.scenarios[s]

    @property
    def days(self) -> int:
        return self.scenarios[0].days

    def fingerprint(self) -> str:
        """Hash of everything that fixes the numbers (not the chunking or the backend)."""
        data = {"kind": self.kind, "runs": self.runs, "seed": self.seed,
                "scenarios": [sc.to_dict() for sc in self.scenarios],
                "design": None if self.design is None else
                {"columns": list(self.design.columns),
                 "values": self.design.to_numpy().tolist()},
                "weekly": list(self.weekly), "labels": self.labels}
        text = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Chunk:
    """Sets ``set0 .. set1-1`` x replicates ``rep0 .. rep1-1``."""

    index: int
    set0: int
    set1: int
    rep0: int
    rep1: int

    @property
    def rows(self) -> int:
        return (self.set1 - self.set0) * (self.rep1 - self.rep0)


def auto_chunk_rows(n_sets: int, runs: int, workers: int) -> int:
    """Rows per chunk: as few chunks as possible (each engine call pays ~2 s of per-day
    overhead), at most :data:`MAX_ROWS` rows each, and a multiple of the worker count so that
    every worker gets the same share."""
    total = n_sets * runs
    workers = max(1, workers)
    n_chunks = -(-total // MAX_ROWS)
    n_chunks = -(-n_chunks // workers) * workers
    return max(1, -(-total // n_chunks))


def plan_chunks(job: Job, rows: int) -> list[Chunk]:
    """Cut the job into chunks of about ``rows`` rows; a chunk never mixes scenarios."""
    rows = max(1, rows)
    out: list[Chunk] = []
    per_set_scenarios = len(job.scenarios) > 1
    if job.runs >= rows or per_set_scenarios:
        n_parts = -(-job.runs // rows)
        edges = np.linspace(0, job.runs, n_parts + 1).round().astype(int)
        for s in range(job.n_sets):
            for a, b in zip(edges[:-1], edges[1:], strict=True):
                out.append(Chunk(len(out), s, s + 1, int(a), int(b)))
    else:
        k = max(1, rows // job.runs)
        for s in range(0, job.n_sets, k):
            out.append(Chunk(len(out), s, min(s + k, job.n_sets), 0, job.runs))
    return out


@dataclass
class ChunkTask:
    """Everything a worker needs to run one chunk (picklable, sent to processes and Dask)."""

    chunk: Chunk
    scenario: Scenario
    seed: int
    sets: np.ndarray
    replicates: np.ndarray
    overrides: dict[str, np.ndarray] = field(default_factory=dict)
    weekly: tuple[str, ...] = ()


def make_task(job: Job, chunk: Chunk) -> ChunkTask:
    sets = np.repeat(np.arange(chunk.set0, chunk.set1), chunk.rep1 - chunk.rep0)
    reps = np.tile(np.arange(chunk.rep0, chunk.rep1), chunk.set1 - chunk.set0)
    overrides = {}
    if job.design is not None:
        overrides = {k: job.design[k].to_numpy()[sets] for k in job.design.columns}
    return ChunkTask(chunk, job.scenario_of(chunk.set0), job.seed, sets, reps, overrides,
                     job.weekly)


def run_task(task: ChunkTask, progress: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Run one chunk and return its mergeable part: one row per (set, replicate) with the
    outcome totals (:func:`sim.outcomes.totals_frame`) and the kept weekly measures as list
    columns.  Parts merge by concatenation (then sorting by set and replicate)."""
    from .batch import BatchEngine
    from .resolved import build_param_table

    sc = task.scenario
    overrides = dict(task.overrides or {})
    if sc.posterior:  # each replicate's calibrated parameters, keyed by (seed, replicate):
        from .posterior import sample_posterior  # the same draw for replicate j in every set
        draws = sample_posterior(sc.posterior, task.seed, task.replicates)
        overrides = {**{k: v for k, v in draws.items() if k not in sc.posterior_excluded},
                     **overrides}
    params = build_param_table(sc, len(task.replicates), overrides or None)
    res = BatchEngine(sc).run(task.seed, task.replicates, params, progress=progress)
    df = totals_frame(res, sc.start)
    df.insert(0, "set", task.sets.astype(np.int64))
    for name in task.weekly:
        df[f"wk_{name}"] = list(np.ascontiguousarray(res.weekly[:, :, M[name]]))
    return df


# --------------------------------------------------------------------------- backends


@dataclass(frozen=True)
class Backend:
    """Where chunks run: in this process (default), a local process pool (``workers > 1``) or
    a Dask cluster (``scheduler``: ``tcp://HOST:PORT`` or ``local:N``)."""

    workers: int = 1
    scheduler: str | None = None
    connect_timeout: float = 10.0

    def __post_init__(self):
        if self.scheduler is not None:
            parse_scheduler(self.scheduler)

    def describe(self) -> str:
        if self.scheduler:
            return f"dask {self.scheduler}"
        return "in-process" if self.workers <= 1 else f"{self.workers} local processes"


def parse_scheduler(text: str) -> tuple[str, int | str]:
    """``local:N`` -> ("local", N); ``tcp://HOST:PORT`` (or tls://, inproc://) -> ("remote",
    address)."""
    if text.startswith("local:"):
        n = text.split(":", 1)[1]
        if not n.isdigit() or not 1 <= int(n) <= 256:
            raise SweepError(f"--scheduler {text}: expected local:N with N a number of "
                             "workers from 1 to 256")
        return "local", int(n)
    scheme, sep, rest = text.partition("://")
    if not sep or scheme not in ("tcp", "tls", "inproc", "ws", "wss") or not rest:
        raise SweepError(f"--scheduler {text!r}: expected tcp://HOST:PORT (an existing Dask "
                         "scheduler) or local:N (start N local workers)")
    return "remote", text


class Executor:
    """A started backend (context manager): ``n_workers`` and ``map(tasks)``.

    Connecting (or starting a LocalCluster) happens on entry, so an unreachable scheduler is
    reported before anything is written, and the chunking can follow the real worker count.
    """

    def __init__(self, backend: Backend):
        self.backend = backend
        self.client = None
        self.cluster = None
        self.pool = None
        self.n_workers = max(1, backend.workers)

    def __enter__(self) -> Executor:
        b = self.backend
        if b.scheduler:
            import logging

            from dask.distributed import Client, LocalCluster

            what, arg = parse_scheduler(b.scheduler)
            if what == "local":
                # worker processes inherit an ignored SIGINT: Ctrl-C stops this process, which
                # closes the cluster, without a traceback from every worker
                import signal
                import threading

                main = threading.current_thread() is threading.main_thread()
                old = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
                try:
                    self.cluster = LocalCluster(n_workers=arg, threads_per_worker=1,
                                                processes=True, dashboard_address=None,
                                                host="127.0.0.1", silence_logs=logging.ERROR)
                finally:
                    if main:
                        signal.signal(signal.SIGINT, old)
                self.client = Client(self.cluster)
            else:
                try:
                    self.client = Client(arg, timeout=f"{b.connect_timeout}s")
                except (OSError, TimeoutError, ValueError) as exc:
                    raise SweepError(
                        f"--scheduler {arg}: cannot reach a Dask scheduler there within "
                        f"{b.connect_timeout:g} s ({type(exc).__name__}); start one with "
                        "`dask scheduler` and `dask worker ADDRESS`, or use --scheduler "
                        "local:N") from None
            workers = self.client.scheduler_info().get("workers", {})
            self.n_workers = max(1, sum(w.get("nthreads", 1) for w in workers.values()))
        elif b.workers > 1:
            from concurrent.futures import ProcessPoolExecutor

            from .runner import mp_context

            self.pool = ProcessPoolExecutor(max_workers=b.workers, mp_context=mp_context())
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.pool is not None:
            if exc_type is not None:  # Ctrl-C or an error: do not wait for running chunks
                for proc in list((getattr(self.pool, "_processes", None) or {}).values()):
                    proc.terminate()
                self.pool.shutdown(wait=False, cancel_futures=True)
            else:
                self.pool.shutdown(wait=True)
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def map(self, tasks: list[ChunkTask], progress: Callable[[int], None] | None = None
            ) -> Iterator[tuple[ChunkTask, pd.DataFrame]]:
        """Run the tasks; yield ``(task, part)`` as each finishes (any order).  ``progress``
        is called with replicate-days done (per day block in-process, per chunk elsewhere)."""
        if not tasks:
            return
        if self.client is not None:
            from dask.distributed import as_completed

            futures = self.client.map(run_task, tasks, pure=False)
            index = {f.key: t for f, t in zip(futures, tasks, strict=True)}
            try:
                for fut in as_completed(futures):
                    task = index[fut.key]
                    part = fut.result()
                    if progress is not None:
                        progress(len(task.replicates) * task.scenario.days)
                    yield task, part
            finally:
                self.client.cancel(futures)
            return
        if self.pool is not None:
            from concurrent.futures import as_completed

            futures = {self.pool.submit(run_task, t): t for t in tasks}
            try:
                for fut in as_completed(futures):
                    task = futures[fut]
                    part = fut.result()
                    if progress is not None:
                        progress(len(task.replicates) * task.scenario.days)
                    yield task, part
            finally:
                for f in futures:
                    f.cancel()
            return
        for task in tasks:
            yield task, run_task(task, progress)


def execute(tasks: list[ChunkTask], backend: Backend,
            progress: Callable[[int], None] | None = None
            ) -> Iterator[tuple[ChunkTask, pd.DataFrame]]:
    """Run the tasks on a backend (started and stopped here); yield ``(task, part)``."""
    with Executor(backend) as ex:
        yield from ex.map(tasks, progress)


# --------------------------------------------------------------------------- chunk files


def chunk_path(folder: Path, fingerprint: str, chunk: Chunk) -> Path:
    return folder / CHUNK_DIR / f"{fingerprint[:16]}-{chunk.index:05d}.parquet"


def _chunk_meta(fingerprint: str, chunk: Chunk) -> dict:
    return {"fingerprint": fingerprint, "index": chunk.index, "set0": chunk.set0,
            "set1": chunk.set1, "rep0": chunk.rep0, "rep1": chunk.rep1}


def write_chunk(path: Path, part: pd.DataFrame, meta: dict) -> None:
    """Write a finished chunk atomically (temp name, then ``os.replace``); an interruption
    leaves either the whole file or nothing."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(part, preserve_index=False)
    md = dict(table.schema.metadata or {})
    md[b"escalation_chunk"] = json.dumps(meta).encode()
    table = table.replace_schema_metadata(md)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def read_chunk(path: Path, meta: dict) -> pd.DataFrame | None:
    """The chunk's part if the file exists and belongs to this sweep and chunk, else None."""
    import pyarrow.parquet as pq

    if not path.is_file():
        return None
    try:
        table = pq.read_table(path)
        found = json.loads((table.schema.metadata or {}).get(b"escalation_chunk", b"{}"))
    except Exception:  # noqa: BLE001 - a damaged file is simply recomputed
        return None
    rows = (meta["set1"] - meta["set0"]) * (meta["rep1"] - meta["rep0"])
    if found != meta or table.num_rows != rows:
        return None
    return table.to_pandas()


# --------------------------------------------------------------------------- the output folder


def read_manifest(folder: Path) -> dict | None:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def _describe_manifest(m: dict) -> str:
    kind = m.get("kind", "run")
    name = (m.get("scenario") or {}).get("name", "?")
    bits = [f"a {kind} of {name}"]
    if m.get("varied"):
        bits.append("varying " + ", ".join(m["varied"]))
    if m.get("policies"):
        bits.append("policies " + ", ".join(m["policies"]))
    bits.append(f"{m.get('runs', '?')} runs, seed {m.get('seed', '?')}")
    if m.get("status") == "running":
        bits.append("unfinished")
    return "; ".join(bits)


def _differences(old: dict, new: dict) -> str:
    keys = ("kind", "design", "samples", "varied", "policies", "runs", "seed")
    diffs = [f"{k}: {old.get(k)!r} -> {new.get(k)!r}" for k in keys
             if old.get(k) != new.get(k)]
    if (old.get("scenario") or {}).get("name") != (new.get("scenario") or {}).get("name"):
        diffs.insert(0, "scenario name")
    return "; ".join(diffs) if diffs else "scenario parameters"


def check_folder(out: Path, fields: dict, resume: bool, overwrite: bool) -> str:
    """Check ``out`` for this job (writes nothing).

    Returns ``"fresh"``, ``"resume"`` (``--resume`` on an unfinished identical job) or
    ``"done"`` (``--resume`` on a finished one).  Refuses a folder that is not an escalation
    output, or that holds another output (a different manifest) unless ``overwrite``.
    """
    out = Path(out).resolve()
    check_target(out)
    old = read_manifest(out) if out.exists() else None
    same = old is not None and old.get("fingerprint") == fields["fingerprint"]
    if old is not None and not same and not overwrite:
        verb = "cannot resume it" if resume else "refusing to replace it"
        raise SweepError(f"{out}: holds another output ({_describe_manifest(old)}); {verb} "
                         f"(differs in {_differences(old, fields)}). Choose another --out, "
                         "or add --overwrite to replace it")
    if same and resume and old.get("status") == "complete":
        return "done"
    return "resume" if same and resume else "fresh"


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
    os.replace(tmp, path)


def mark_folder(out: Path, fields: dict, status: str, chunk_rows: int) -> None:
    """Mark ``out`` as holding this unfinished job (manifest with ``status: running``);
    a fresh start drops any earlier chunk files."""
    out = Path(out).resolve()
    chunks = out / CHUNK_DIR
    if status == "fresh":
        shutil.rmtree(chunks, ignore_errors=True)
    chunks.mkdir(parents=True, exist_ok=True)
    _write_json(out / MANIFEST, {**fields, "status": "running", "chunk_rows": chunk_rows})


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
            part = (read_chunk(chunk_path(out, fp, c), _chunk_meta(fp, c))
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
                write_chunk(path, part, _chunk_meta(fp, c))
                parts[c.index] = read_chunk(path, _chunk_meta(fp, c))  # same dtypes as resumed
                if on_chunk is not None:
                    on_chunk(c)
        finally:
            bar.close()
    merged = pd.concat([parts[c.index] for c in chunks], ignore_index=True)
    merged = merged.sort_values(["set", "replicate"], kind="stable").reset_index(drop=True)
    return Execution(merged, len(chunks), len(chunks) - len(todo),
                     time.perf_counter() - t0, status, chunk_rows)


def count_saved_chunks(out: Path) -> int:
    d = Path(out).resolve() / CHUNK_DIR
    return len(list(d.glob("*.parquet"))) if d.is_dir() else 0


# --------------------------------------------------------------------------- summaries


def add_derived(runs: pd.DataFrame) -> pd.DataFrame:
    """Add the 0/1 ``us_fatality`` column (``us_killed > 0``) used by the summaries."""
    if "us_fatality" not in runs:
        runs = runs.assign(us_fatality=runs["us_killed"] > 0)
    return runs


def summarise_sets(runs: pd.DataFrame, keys: list[str], by: str = "set") -> pd.DataFrame:
    """Per set: the varied values, replicates, mean / 5 % / 95 % of :data:`MAIN_OUTCOMES` and
    the probabilities of :data:`PROBABILITIES` (P = mean of the 0/1 indicator)."""
    runs = add_derived(runs)
    g = runs.groupby(by, sort=True)
    out = g[keys].first() if keys else pd.DataFrame(index=g.size().index)
    out["replicates"] = g.size()
    for col in MAIN_OUTCOMES:
        out[f"{col}_mean"] = g[col].mean()
        out[f"{col}_q05"] = g[col].quantile(0.05)
        out[f"{col}_q95"] = g[col].quantile(0.95)
    for col in PROBABILITIES:
        out[f"p_{col}"] = g[col].mean()
    return out.reset_index()


def sweep_runs_frame(parts: pd.DataFrame, design: pd.DataFrame) -> pd.DataFrame:
    """``runs.parquet``: set, the varied values, replicate, then the outcome totals."""
    df = parts.drop(columns=[c for c in parts.columns if c.startswith("wk_")])
    values = design.to_numpy()[df["set"].to_numpy()]
    front = pd.DataFrame(values, columns=list(design.columns), index=df.index)
    return pd.concat([df[["set"]], front, df.drop(columns=["set"])], axis=1)


@dataclass
class SweepResult:
    out: Path
    runs: pd.DataFrame
    sets: pd.DataFrame
    design: pd.DataFrame
    manifest: dict
    execution: Execution
    figures: list[Path] = field(default_factory=list)


def sweep_fields(job: Job, sc: Scenario, varies: list[Vary], design: str,
                 samples: int | None) -> dict:
    return {"kind": job.kind, "fingerprint": job.fingerprint(), "scenario": sc.to_dict(),
            "design": design, "samples": samples,
            "varied": {v.key: v.to_dict() for v in varies}, "seed": job.seed,
            "runs": job.runs, "sets": job.n_sets}


def run_sweep(sc: Scenario, varies: list[Vary], out: str | Path, design: str = "lhs",
              samples: int | None = 64, runs: int = 100, seed: int = 0,
              backend: Backend | None = None, resume: bool = False, overwrite: bool = False,
              chunk_rows: int | None = None, progress: bool | None = None,
              plot: bool = True, on_chunk: Callable[[Chunk], None] | None = None,
              kind: str = "sweep", design_frame: pd.DataFrame | None = None,
              extra: Callable[[Path, pd.DataFrame, pd.DataFrame], dict] | None = None
              ) -> SweepResult:
    """Run a sweep and write its folder (``runs.parquet``, ``sets.parquet``, ``design``,
    ``manifest.json``, figures).

    ``design_frame`` replaces the design made from ``design``/``samples`` (sensitivity uses
    SALib's); ``extra(tmp_folder, runs, sets)`` may write more files and returns more manifest
    fields.
    """
    out = Path(out)
    backend = backend or Backend()
    if design_frame is None:
        design_frame = make_design(varies, design, samples, seed)
    if runs < 1:
        raise SweepError("--runs must be at least 1")
    job = Job(kind, [sc], runs, seed, design=design_frame)
    fields = sweep_fields(job, sc, varies, design, samples if design != "grid" else None)
    ex = run_job(job, out, fields, backend, resume, overwrite, chunk_rows, progress, on_chunk)
    keys = list(design_frame.columns)
    runs_df = sweep_runs_frame(ex.parts, design_frame)
    sets = summarise_sets(runs_df, keys)
    figures: list[Path] = []
    with atomic_folder(out) as tmp:
        runs_df.to_parquet(tmp / "runs.parquet", index=False)
        sets.to_parquet(tmp / "sets.parquet", index=False)
        more = extra(tmp, runs_df, sets) if extra is not None else {}
        manifest = {**fields, "status": "complete", **more,
                    "backend": backend.describe(), "chunk_rows": ex.chunk_rows,
                    "chunks": ex.chunks, "chunks_resumed": ex.reused,
                    "elapsed_seconds": round(ex.elapsed, 3),
                    "created": dt.datetime.now().isoformat(timespec="seconds")}
        write_manifest(tmp, **manifest)
        if plot:
            from .plots_analysis import draw_folder
            figures = [out / p.name for p in draw_folder(tmp)]
        files = sorted(p.name for p in tmp.iterdir())
        manifest["files"] = files
        write_manifest(tmp, **manifest)
    return SweepResult(out, runs_df, sets, design_frame, manifest, ex, figures)
