"""Scenario discovery with EMA Workbench: which uncertainties make direct US-Iran fire likely,
under four US policies?

64 scenarios (a Latin hypercube over five uncertainties, bounds narrowed here or from the
parameter registry) x 4 bundled policies = 256 experiments, each the mean of ``--runs``
replicates on common random numbers, run by ``sim.ema.Evaluator`` as one vectorized engine
call; then PRIM
(Friedman and Fisher's patient rule induction) looks for the box of uncertainties where
P(direct US-Iran fire) is high, and prints it with its coverage and density.

    python examples/ema_prim.py                       # the baseline 2019-2024, 20 runs each
    python examples/ema_prim.py --runs 50 --out results/ema-prim
    python examples/ema_prim.py --scenario forecast_2027 --seed 3

Writes, with ``--out``: experiments.csv (one row per experiment: its uncertainties, levers,
scenario, policy), outcomes.csv (the outcomes of each), prim_box.csv (the box's limits) and
prim_tradeoff.png (PRIM's coverage-density trade-off).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sim.ema  # noqa: E402

UNCERTAINTIES = {
    "iran.w_grievance": (0.2, 1.5),        # how much US strikes on Iran's people anger Tehran
    "iran.campaign_on_base": (-12.0, -8.0),  # how readily Tehran starts a proxy campaign
    "militia.w_fear": (0.5, 3.0),          # deterrence of the groups after US strikes
    "us.iranian_personnel_pressure": (5.0, 40.0),  # US pressure before it strikes Iranians
    "us.pressure_relief": None,            # share of pressure a strike releases: [0, 1], the
}                                          # registry's bounds
POLICIES = ["answer_deaths", "answer_every_streak", "decapitation_first", "no_retaliation"]
OUTCOME = "direct_us_iran_fire"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=None, help="a bundled name or a scenario file "
                    "(default: the baseline)")
    ap.add_argument("--scenarios", type=int, default=64, help="Latin-hypercube scenarios")
    ap.add_argument("--runs", type=int, default=20, help="replicates per experiment")
    ap.add_argument("--seed", type=int, default=0, help="seed of the replicates and the LHS")
    ap.add_argument("--threshold", type=float, default=None,
                    help=f"cases of interest: P({OUTCOME}) at or above this (default: the "
                         "upper quartile over the experiments)")
    ap.add_argument("--out", type=Path, default=None, help="folder for the tables and figure")
    args = ap.parse_args(argv)

    from ema_workbench.analysis import prim

    unc = {k: v for k, v in UNCERTAINTIES.items()}
    model = sim.ema.build_model(args.scenario, uncertainties=unc, runs=args.runs,
                                seed=args.seed)
    policies = sim.ema.policies(model, POLICIES)
    t0 = time.perf_counter()
    with sim.ema.Evaluator(model) as ev:
        experiments, outcomes = ev.perform_experiments(
            scenarios=args.scenarios, policies=policies,
            uncertainty_sampling_kwargs={"rng": args.seed})
    seconds = time.perf_counter() - t0
    n = len(experiments)
    print(f"{args.scenarios} scenarios x {len(policies)} policies = {n} experiments x "
          f"{args.runs} runs in {seconds:.1f} s (one engine call per batch)")
    p = np.asarray(outcomes[OUTCOME], dtype=float)
    table = experiments.groupby("policy", observed=True).size().to_frame("experiments")
    table[f"mean P({OUTCOME})"] = pd.Series(p).groupby(experiments["policy"].to_numpy()).mean()
    print(table.to_string())

    threshold = args.threshold if args.threshold is not None else float(np.quantile(p, 0.75))
    y = p >= threshold if threshold > 0 else p > 0
    result = {"experiments": experiments, "outcomes": outcomes, "seconds": seconds,
              "threshold": threshold, "box": None}
    rule = f">= {threshold:.3f}" if threshold > 0 else "> 0"
    print(f"\ncases of interest: P({OUTCOME}) {rule}: {int(y.sum())} of {n}")
    if 0 < y.sum() < n:
        # the uncertainties and the policy (categorical) are PRIM's dimensions
        x = experiments[[*unc, "policy"]].copy()
        x["policy"] = x["policy"].astype(str)
        alg = prim.Prim(x, y, peel_alpha=0.1)
        box = alg.find_box()
        traj = box.peeling_trajectory
        # the densest box that still covers at least half the cases of interest
        i = int(traj[traj["coverage"] >= 0.5]["density"].idxmax())
        box.select(i)
        stats = traj.iloc[i]
        print(f"PRIM box {i} of the peeling trajectory: coverage {stats['coverage']:.2f}, "
              f"density {stats['density']:.2f} (share of interest overall "
              f"{y.mean():.2f}), mass {stats['mass']:.2f}")
        limits = box.box_lims[i]
        first = box.box_lims[0]
        restricted = [c for c in limits.columns if not limits[c].equals(first[c])]
        print(limits[restricted].to_string() if restricted else "(no dimension restricted)")
        result["box"] = limits
        result["box_stats"] = stats
        if args.out is not None:
            args.out.mkdir(parents=True, exist_ok=True)
            limits.to_csv(args.out / "prim_box.csv")
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            fig = box.show_tradeoff()
            fig.savefig(args.out / "prim_tradeoff.png", dpi=100)
            plt.close(fig)
    else:
        print("no box to find: every experiment is, or none is, a case of interest")
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        experiments.to_csv(args.out / "experiments.csv", index=False)
        pd.DataFrame(outcomes).to_csv(args.out / "outcomes.csv", index=False)
        print(f"wrote {args.out}/")
    return result


if __name__ == "__main__":
    main()
