"""`make bench`: speed and memory of the two engines, measured side by side in one run.

Prints a table and writes bench/results.json.  Figures are medians of repeated timings on this
machine, whose other load is not ours: compare figures from the same run, not across runs.

    python bench/run_bench.py            # full (about 20 minutes on 2 cores)
    python bench/run_bench.py --quick    # small sizes, to check the script itself
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.engines.batch import BatchEngine  # noqa: E402
from sim.engines.mesa import EscalationModel  # noqa: E402
from sim.model import random as rnd  # noqa: E402
from sim.scenario import build_params, load_scenario  # noqa: E402


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "memory_gb": round(psutil.virtual_memory().total / 2**30, 1)}


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def mesa_ms_per_replicate(sc, repeat: int) -> float:
    def one():
        m = EscalationModel(sc.setup(), build_params(sc, 1, posterior=False), seed=1,
                            replicate=0)
        m.run()
    return 1000 * median_time(one, repeat)


def batch_ms_per_replicate(sc, n: int, repeat: int) -> float:
    eng = BatchEngine(sc.setup())
    params = build_params(sc, n, posterior=False)
    return 1000 * median_time(lambda: eng.run(1, np.arange(n), params), repeat) / n


def random_floor_ms_per_replicate(sc, n: int) -> float:
    """The cost of the dense random draws alone (what every replicate-day must draw: one
    pair per group, one for Israel's strikes), the floor of any keyed design."""
    keys = rnd.replicate_keys(1, np.arange(n))
    col = keys[:, None]
    actors = rnd.MILITIA + np.arange(len(sc.groups))
    t = time.perf_counter()
    for day in range(sc.days):
        rnd.uniform_pair(col, day, actors, rnd.Purpose.ATTACKS)
        rnd.uniform(keys, day, rnd.ISRAEL, rnd.Purpose.ISRAEL_STRIKES)
    return 1000 * (time.perf_counter() - t) / n


class PeakRSS:
    """Peak resident memory of a process tree, sampled every 50 ms."""

    def __init__(self, pid: int):
        self.proc, self.peak, self._stop = psutil.Process(pid), 0, threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self):
        while not self._stop.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
                rss = sum(p.memory_info().rss for p in procs if p.is_running())
                self.peak = max(self.peak, rss)
            except psutil.Error:
                pass
            time.sleep(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join()


def cli_run(runs: int, extra=()) -> tuple[float, float]:
    """Wall time and peak memory (GB, whole process tree) of `escalation run`."""
    exe = Path(sys.executable).with_name("escalation")
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        proc = subprocess.Popen([str(exe), "run", "--runs", str(runs), "--out",
                                 f"{tmp}/out", "-q", *extra])
        with PeakRSS(proc.pid) as mem:
            proc.wait()
        wall = time.perf_counter() - t
        if proc.returncode != 0:
            raise SystemExit(f"escalation run failed with exit code {proc.returncode}")
    return wall, mem.peak / 2**30


def criteria(res: dict) -> dict:
    """The "done when" targets of issue 16, judged on the figures of this one run (those
    measured so far)."""
    floor = res["random_floor_ms_per_replicate"]
    n = res["ratio_mesa_over_batch"]["replicates"]
    batch = res["batch_ms_per_replicate"][str(n)]
    out = {
        "batch per replicate within 3x the floor": {
            "figure": f"{batch:.3f} ms = {batch / floor:.1f}x the floor ({floor:.3f} ms)",
            "met": batch <= 3 * floor},
        "Mesa / batch at least 1,000x": {
            "figure": f"{res['ratio_mesa_over_batch']['ratio']:.0f}x",
            "met": res["ratio_mesa_over_batch"]["ratio"] >= 1000},
    }
    if "cli_run_seconds" in res:
        cli = res["cli_run_seconds"]["median"]
        floor_cli = floor * n / 1000
        out["whole command at most 5x the floor"] = {
            "figure": f"{cli:.2f} s = {cli / floor_cli:.1f}x the floor ({floor_cli:.2f} s)",
            "met": cli <= 5 * floor_cli}
    if "api" in res:
        small = res["api"]["small_calls"]["run"]
        out["10-replicate call at most 0.5 s beyond its simulation"] = {
            "figure": f"warm {small['warm_overhead_seconds']:.3f} s beyond the engine (first "
                      f"call in a fresh process: {small['cold_overhead_seconds']:.3f} s, "
                      "imports included)",
            "met": small["warm_overhead_seconds"] <= 0.5}
    if "big_run" in res:
        out["100,000 replicates under 1 GB"] = {
            "figure": f"{res['big_run']['peak_memory_gb']:.2f} GB peak, all processes",
            "met": res["big_run"]["peak_memory_gb"] < 1.0}
    if "sweep" in res:
        sw = res["sweep"]
        out["two Dask workers at least 1.8x one process, identical"] = {
            "figure": f"{sw['dask_2_workers']['speedup']:.2f}x, identical: {sw['identical']}",
            "met": sw["dask_2_workers"]["speedup"] >= 1.8 and sw["identical"]}
    return out


def main() -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (checks the script)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results.json"))
    args = ap.parse_args()
    sc = load_scenario()
    q = args.quick
    sizes = (50, 200, 400) if q else (1_000, 10_000, 100_000)
    big = 400 if q else 100_000
    res: dict = {"machine": machine(), "scenario": "baseline", "days": sc.days,
                 "quick": q, "date": time.strftime("%Y-%m-%d %H:%M"),
                 "load_average_at_start": os.getloadavg()}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)

    def save() -> None:  # after every section, so an interrupted run keeps what it measured
        res["criteria"] = criteria(res)
        out.write_text(json.dumps(res, indent=2) + "\n")

    print(f"machine: {res['machine']['cpu']}, {res['machine']['cores']} cores, "
          f"load average {res['load_average_at_start'][0]:.1f}")
    res["mesa_ms_per_replicate"] = mesa_ms_per_replicate(sc, 1 if q else 3)
    print(f"Mesa engine:  {res['mesa_ms_per_replicate']:9.1f} ms per replicate")
    batch = {}
    res["batch_ms_per_replicate"] = {}
    for n in sizes[:2]:
        batch[n] = batch_ms_per_replicate(sc, n, 1 if q else 3)
        res["batch_ms_per_replicate"][str(n)] = batch[n]
        print(f"batch engine: {batch[n]:9.3f} ms per replicate at {n:,} (one process)")
    # the ratio, side by side: Mesa measured again right after the batch engine
    mesa_again = mesa_ms_per_replicate(sc, 1 if q else 3)
    ratio_n = sizes[1]
    res["ratio_mesa_over_batch"] = {"replicates": ratio_n,
                                    "ratio": min(res["mesa_ms_per_replicate"], mesa_again)
                                    / batch[ratio_n]}
    print(f"ratio Mesa / batch at {ratio_n:,}: {res['ratio_mesa_over_batch']['ratio']:.0f}x")
    res["replicate_days_per_second"] = sc.days / (batch[ratio_n] / 1000)
    print(f"replicate-days per second (one process): {res['replicate_days_per_second']:,.0f}")
    res["random_floor_ms_per_replicate"] = random_floor_ms_per_replicate(sc, ratio_n)
    print(f"floor (dense keyed draws alone): {res['random_floor_ms_per_replicate']:.3f} ms "
          "per replicate")
    save()
    runs10k = sizes[1]
    walls = [cli_run(runs10k)[0] for _ in range(1 if q else 3)]
    res["cli_run_seconds"] = {"replicates": runs10k, "median": statistics.median(walls),
                              "all": walls}
    print(f"`escalation run --runs {runs10k:,}` whole command: "
          f"{statistics.median(walls):.1f} s (median of {len(walls)})")
    save()
    sys.path.insert(0, str(ROOT / "bench"))
    import bench_api  # small calls' overhead; EMA 64 x 4 beside one call per experiment

    res["api"] = bench_api.run(quick=q)
    save()
    wall, peak = cli_run(big)
    res["big_run"] = {"replicates": big, "seconds": wall, "peak_memory_gb": peak,
                      "replicate_days_per_second": big * sc.days / wall}
    print(f"`escalation run --runs {big:,}`: {wall:.1f} s, peak memory {peak:.2f} GB "
          f"(all processes), {big * sc.days / wall:,.0f} replicate-days/s")
    save()
    import bench_sweep

    res["sweep"] = bench_sweep.run(quick=q, sets=None if q else 60)
    save()
    n = sizes[2]
    batch[n] = batch_ms_per_replicate(sc, n, 1)
    res["batch_ms_per_replicate"][str(n)] = batch[n]
    print(f"batch engine: {batch[n]:9.3f} ms per replicate at {n:,} (one process, one run)")
    save()
    print("targets (issue 16), from this run:")
    for name, c in res["criteria"].items():
        print(f"  {'met ' if c['met'] else 'MISS'} {name}: {c['figure']}")
    print(f"wrote {args.out}")
    return res


if __name__ == "__main__":
    main()
