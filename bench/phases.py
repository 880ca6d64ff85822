"""Where one batch run's time goes, phase by phase of the simulated day.

Runs the baseline once in this process with every phase of :data:`sim.model.day.PHASES`
timed around its call, and prints each phase's total and its cost per simulated day, largest
first.  The timing wrapper adds a few microseconds a phase, so small runs read a little high.

    python bench/phases.py 10000     # replicates (default 1,000)
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import numpy as np

from sim.engines.batch import BatchEngine
from sim.model import day as cycle
from sim.scenario import build_params, load_scenario


def timed_phases(replicates: int, seed: int = 1) -> tuple[float, int, dict[str, float]]:
    """Total seconds, simulated days and seconds per phase of one baseline run."""
    sc = load_scenario()
    setup = sc.setup()
    params = build_params(sc, replicates)
    spent: dict[str, float] = defaultdict(float)

    def timed(phase: cycle.Phase) -> cycle.Phase:
        run = phase.run

        def call(*args):
            t0 = time.perf_counter()
            run(*args)
            spent[phase.name] += time.perf_counter() - t0

        return cycle.Phase(phase.name, phase.owner, call)

    original = cycle.PHASES
    cycle.PHASES = tuple(timed(p) for p in original)
    try:
        t0 = time.perf_counter()
        BatchEngine(setup).run(seed, np.arange(replicates), params, keep_weekly=False)
        total = time.perf_counter() - t0
    finally:
        cycle.PHASES = original
    return total, setup.days, dict(spent)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("replicates", nargs="?", type=int, default=1000)
    args = ap.parse_args(argv)
    if args.replicates < 1:
        ap.error("replicates must be at least 1")
    total, days, spent = timed_phases(args.replicates)
    print(f"{args.replicates} replicates: {total:.2f} s, {total / days * 1e3:.3f} ms a "
          f"simulated day ({days} days)")
    print(f"{'phase':16s} {'seconds':>8s} {'ms/day':>8s} {'share':>6s}")
    for name, sec in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"{name:16s} {sec:8.3f} {sec / days * 1e3:8.3f} {sec / total:6.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
