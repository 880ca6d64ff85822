"""Benchmark of `escalation sweep`: one design over the baseline scenario run in-process, on
two local worker processes and on a two-worker Dask LocalCluster.

    python bench/bench_sweep.py            # 200 parameter sets x 1,000 replicates (~10 min)
    python bench/bench_sweep.py --sets 60  # 60 sets (what `make bench` runs)
    python bench/bench_sweep.py --quick    # 10 sets x 100 replicates

Also callable: ``run(quick: bool) -> dict`` (``make bench``).  Throughput is in replicate-days
per second (sets x replicates x scenario days / wall-clock seconds, end to end: process-pool
start included; the Dask cluster's start-up is timed separately, as one would start a
cluster once for many sweeps).  The three runs must give identical numbers.
"""

from __future__ import annotations

import importlib
import json
import sys
import tempfile
import time
from pathlib import Path

VARIES = ("militia.w_fear=0.5:2.5", "us.force_protection=0.3:0.8", "iran.w_grievance=0.2:1.2")


def run(quick: bool = False, sets: int | None = None) -> dict:
    """Run the benchmark and return its figures (also printed); ``sets`` parameter sets of
    1,000 replicates (default 200; ``make bench`` runs 60: six chunks of 10,000 rows)."""
    import logging

    import dask
    import pandas as pd
    from dask.distributed import LocalCluster

    from sim.experiments.backends import WORKER_CONFIG, Backend
    from sim.experiments.designs import parse_vary
    from sim.experiments.sweep import run_sweep
    from sim.scenario import load_scenario

    sets, reps = (10, 100) if quick else (sets or 200, 1000)
    sc = load_scenario()
    varies = [parse_vary(v) for v in VARIES]
    work = sets * reps * sc.days
    results: dict = {"sets": sets, "replicates": reps, "days": sc.days,
                     "replicate_days": work, "quick": quick}
    frames = {}
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        def one(name: str, backend: Backend) -> None:
            t0 = time.perf_counter()
            res = run_sweep(sc, varies, Path(tmp) / name, design="lhs", samples=sets,
                            runs=reps, seed=1, backend=backend, progress=False)  # draws nothing
            dt = time.perf_counter() - t0
            frames[name] = res.runs
            results[name] = {"seconds": round(dt, 2), "chunks": res.execution.chunks,
                             "rep_days_per_s": round(work / dt)}
            print(f"  {name:<22}{dt:>9.1f} s  {work / dt:>14,.0f} rep-days/s  "
                  f"({res.execution.chunks} chunks)", flush=True)

        print(f"sweep benchmark: {sets} sets x {reps} replicates x {sc.days} days "
              f"= {work:,} replicate-days", flush=True)
        one("in_process", Backend())
        one("local_2_workers", Backend(workers=2))
        t0 = time.perf_counter()
        # an existing cluster, started as docs/sweeps.md's recipe says (the workers'
        # statistical profiler off)
        with dask.config.set(WORKER_CONFIG):
            cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                   dashboard_address=None, host="127.0.0.1",
                                   silence_logs=logging.ERROR)
        results["dask_cluster_start_seconds"] = round(time.perf_counter() - t0, 2)
        # a running cluster has imported the simulator already (as this process has): the
        # import is paid once per worker, not per sweep
        from dask.distributed import Client

        with Client(cluster.scheduler_address) as client:
            client.run(importlib.import_module, "sim.experiments.tasks")
        try:
            one("dask_2_workers", Backend(scheduler=cluster.scheduler_address))
        finally:
            cluster.close()
    base = results["in_process"]["seconds"]
    for name in ("local_2_workers", "dask_2_workers"):
        results[name]["speedup"] = round(base / results[name]["seconds"], 2)
    results["identical"] = all(frames["in_process"].equals(f) for f in frames.values())
    pd.testing.assert_frame_equal(frames["in_process"], frames["dask_2_workers"])
    print(f"  speed-up: 2 local workers x{results['local_2_workers']['speedup']}, "
          f"2 Dask workers x{results['dask_2_workers']['speedup']} "
          f"(cluster start {results['dask_cluster_start_seconds']} s, not included); "
          f"identical results: {results['identical']}")
    return results


if __name__ == "__main__":
    args = sys.argv[1:]
    out = run(quick="--quick" in args,
              sets=int(args[args.index("--sets") + 1]) if "--sets" in args else None)
    print(json.dumps(out, indent=2))
