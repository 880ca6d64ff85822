"""Benchmark of the library routes: what a small call costs beyond its simulation, and 64
scenarios x 4 policies through EMA Workbench with ``sim.ema`` (one call per batch) beside
EMA's own one-call-per-experiment route.

    python bench/bench_api.py            # the baseline, 2019-2024 (~3 minutes)
    python bench/bench_api.py --quick    # a one-year scenario, small sizes
    python bench/bench_api.py --merge bench/results.json   # store the figures there ("api")

Also callable: ``run(quick: bool) -> dict`` (``make bench``).

* **Overhead of a small call**: ``sim.run(None, runs=1)``, ``sim.run(None, runs=10)`` and
  ``sim.evaluate(None, [row], runs=10)`` timed whole, minus the time spent inside the batch
  engine's ``run`` (measured by wrapping it), median of repeated calls in a warm process;
  and the first call in a fresh process (``import sim`` and the first call, minus the
  engine), which pays the imports and the first read of the posterior file.
* **EMA 64 x 4**: ``sim.ema.Evaluator`` running the 256 experiments of
  ``examples/ema_prim.py`` (``runs`` replicates each) as one ``sim.evaluate`` call; the
  per-experiment route (EMA's ``SequentialEvaluator`` calling the model's function, one
  engine call per experiment) is timed on 16 experiments and scaled to 256 (running all 256
  would take minutes; its cost is the same for every experiment).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_COLD = r"""
import json, sys, time
t0 = time.perf_counter()
import sim
from sim.engines.batch import BatchEngine
t1 = time.perf_counter()
spent = [0.0]
real = BatchEngine.run
def timed(self, *a, **k):
    t = time.perf_counter()
    try:
        return real(self, *a, **k)
    finally:
        spent[0] += time.perf_counter() - t
BatchEngine.run = timed
kind, scenario, runs = sys.argv[1], (sys.argv[2] or None), int(sys.argv[3])
t2 = time.perf_counter()
if kind == "run":
    sim.run(scenario, runs=runs).runs
else:
    sim.evaluate(scenario, [{"militia.w_fear": 1.0}], runs=runs)
t3 = time.perf_counter()
print(json.dumps({"import_seconds": t1 - t0, "call_seconds": t3 - t2,
                  "engine_seconds": spent[0]}))
"""


class _EngineClock:
    """Time spent inside ``BatchEngine.run`` while active."""

    def __enter__(self):
        from sim.engines.batch import BatchEngine

        self.cls, self.real, self.spent = BatchEngine, BatchEngine.run, 0.0
        clock = self

        def timed(eng, *a, **k):
            t = time.perf_counter()
            try:
                return clock.real(eng, *a, **k)
            finally:
                clock.spent += time.perf_counter() - t

        BatchEngine.run = timed
        return self

    def __exit__(self, *exc):
        self.cls.run = self.real


def small_call_overhead(scenario, repeat: int = 5) -> dict:
    """Seconds beyond the engine of a 1- and a 10-replicate run and a 10-replicate evaluate
    (warm, and cold)."""
    import sim

    calls = {"run_1": ("run", 1, lambda: sim.run(scenario, runs=1).runs),
             "run": ("run", 10, lambda: sim.run(scenario, runs=10).runs),
             "evaluate": ("evaluate", 10, lambda: sim.evaluate(
                 scenario, [{"militia.w_fear": 1.0}], runs=10))}
    out: dict = {}
    for name, (kind, runs, fn) in calls.items():
        fn()  # warm
        totals, extra, engine = [], [], []
        for _ in range(repeat):
            with _EngineClock() as clock:
                t = time.perf_counter()
                fn()
                total = time.perf_counter() - t
            totals.append(total)
            extra.append(total - clock.spent)
            engine.append(clock.spent)
        arg = "" if scenario is None else str(scenario)
        proc = subprocess.run([sys.executable, "-c", _COLD, kind, arg, str(runs)],
                              capture_output=True, text=True, check=True, cwd=ROOT)
        cold = json.loads(proc.stdout.strip().splitlines()[-1])
        out[name] = {"runs": runs, "warm_seconds": statistics.median(totals),
                     "warm_engine_seconds": statistics.median(engine),
                     "warm_overhead_seconds": statistics.median(extra),
                     "cold_import_seconds": cold["import_seconds"],
                     "cold_call_seconds": cold["call_seconds"],
                     "cold_overhead_seconds": cold["call_seconds"] - cold["engine_seconds"]}
        o = out[name]
        print(f"{kind}(runs={runs}): {o['warm_seconds']:.2f} s a call, of which "
              f"{o['warm_overhead_seconds'] * 1000:.0f} ms outside the engine (warm); first "
              f"call in a fresh process: import {o['cold_import_seconds']:.2f} s + "
              f"{o['cold_overhead_seconds'] * 1000:.0f} ms outside the engine")
    return out


def ema_64x4(scenario, runs: int, n_scenarios: int = 64, per_experiment: int = 16) -> dict:
    """256 experiments through sim.ema's evaluator, and the per-experiment route."""
    import ema_workbench as ema

    import sim.ema

    sys.path.insert(0, str(ROOT / "examples"))
    from ema_prim import POLICIES, UNCERTAINTIES

    model = sim.ema.build_model(scenario, uncertainties=dict(UNCERTAINTIES), runs=runs, seed=0)
    policies = sim.ema.policies(model, POLICIES)
    t = time.perf_counter()
    with sim.ema.Evaluator(model) as ev:
        exps, _ = ev.perform_experiments(scenarios=n_scenarios, policies=policies,
                                         uncertainty_sampling_kwargs={"rng": 0})
    batch = time.perf_counter() - t
    n = len(exps)
    k = per_experiment // len(policies)
    t = time.perf_counter()
    ema.perform_experiments(model, scenarios=k, policies=policies,
                            uncertainty_sampling_kwargs={"rng": 0})
    each = (time.perf_counter() - t) / (k * len(policies))
    out = {"experiments": n, "runs": runs, "sim_ema_seconds": batch,
           "per_experiment_seconds": each, "per_experiment_measured": k * len(policies),
           "per_experiment_route_seconds_for_all": each * n,
           "speedup": each * n / batch}
    print(f"EMA {n_scenarios} x {len(policies)} = {n} experiments x {runs} runs: sim.ema "
          f"{batch:.1f} s; one call per experiment {each:.2f} s each (timed on "
          f"{k * len(policies)}), {each * n:.0f} s for all {n} ({out['speedup']:.0f}x)")
    return out


def run(quick: bool = False) -> dict:
    """Run the benchmark and return its figures (also printed)."""
    scenario = None
    if quick:
        import tempfile

        tmp = Path(tempfile.mkdtemp()) / "year2019.toml"
        tmp.write_text(f'extends = "{ROOT / "scenarios" / "baseline.toml"}"\n[scenario]\n'
                       'name = "year2019"\nend = 2019-12-31\n')
        scenario = tmp
    res = {"date": time.strftime("%Y-%m-%d %H:%M"),
           "scenario": "baseline" if scenario is None else "year2019",
           "small_calls": small_call_overhead(scenario, repeat=2 if quick else 5)}
    try:
        import ema_workbench  # noqa: F401
    except ImportError:
        print("EMA Workbench not installed (pip install -e '.[ema]'): EMA figures skipped")
        return res
    from sim.errors import ScenarioError

    try:
        res["ema_64x4"] = ema_64x4(scenario, runs=10, n_scenarios=16 if quick else 64,
                                   per_experiment=8 if quick else 16)
    except ScenarioError as exc:  # e.g. the example's design names a parameter no more
        res["ema_64x4"] = {"skipped": str(exc)}
        print(f"EMA 64 x 4 skipped: {exc}")
    return res


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--merge", type=Path, default=None,
                    help="also store the figures under 'api' in this results.json")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    figures = run(args.quick)
    print(json.dumps(figures, indent=2))
    if args.merge is not None:
        data = json.loads(args.merge.read_text()) if args.merge.is_file() else {}
        data["api"] = figures
        args.merge.write_text(json.dumps(data, indent=2) + "\n")
