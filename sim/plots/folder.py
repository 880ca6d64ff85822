"""``escalation plot``: (re)draw every figure of an output folder from its files.

``run`` folders have no ``kind`` in their manifest; ``sweep``, ``compare`` and
``sensitivity`` folders do.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from ..errors import OutputError
from .analysis import (
    plot_cumulative_casualties,
    plot_policy_outcomes,
    plot_policy_rungs,
    plot_rung_probabilities,
    plot_sobol,
    plot_sweep_response,
)
from .curves import plot_escalation_curves


def _manifest(folder: Path) -> dict:
    path = folder / "manifest.json"
    if not path.is_file():
        raise OutputError(f"{folder}: no manifest.json; not an escalation output folder")
    return json.loads(path.read_text())


def draw_folder(folder: str | Path, notes: list[str] | None = None) -> list[Path]:
    """(Re)draw every figure of an output folder; return the PNG paths.  Messages about
    figures that cannot be drawn (e.g. no weekly counts in a run folder) go to ``notes``."""
    folder = Path(folder)
    m = _manifest(folder)
    notes = notes if notes is not None else []
    kind = m.get("kind", "run")
    sc = m.get("scenario", {})
    name = sc.get("name", folder.name)
    start = dt.date.fromisoformat(sc["start"]) if "start" in sc else None
    end = dt.date.fromisoformat(sc["end"]) if "end" in sc else None
    seed, runs = m.get("seed"), m.get("runs")
    made: list[Path] = []

    def need(fname):
        p = folder / fname
        if not p.is_file():
            raise OutputError(f"{folder}: {fname} is missing; cannot draw the {kind} figures")
        return p

    if m.get("status") == "running":
        raise OutputError(f"{folder}: this {kind} is unfinished (resume it with the same "
                          "command and --resume); nothing to plot yet")
    if kind == "run":
        bands = pd.read_parquet(need("bands.parquet"))
        drawn = ("parameters drawn from the calibrated posterior"
                 if m.get("parameters_from") == "posterior" else "fixed parameters")
        rep = f", record replayed to {sc['replay_until']}" if sc.get("replay_until") else ""
        sub = f"{runs:,} runs, seed {seed}, {m.get('engine', 'batch')} engine, {drawn}{rep}"
        made.append(folder / "escalation_curves.png")
        plt.close(plot_escalation_curves(bands, name, start, end, made[-1],
                                         subtitle=sub + "; bands over replicates, week by "
                                         "week"))
        made.append(folder / "rung_probabilities.png")
        plt.close(plot_rung_probabilities(bands, name, start, end, made[-1],
                                          subtitle=sub + "; share of runs whose highest rung "
                                          "in the week is at or above each rung"))
        if sc.get("replay_until"):
            from .branch import plot_branch

            made.append(folder / "branch.png")
            plt.close(plot_branch(bands, sc, made[-1]))
        if (folder / "weekly.parquet").is_file():
            weekly = pd.read_parquet(folder / "weekly.parquet",
                                     columns=["replicate", "week", "week_start", "us_wounded",
                                              "us_killed"])
            made.append(folder / "cumulative_casualties.png")
            plt.close(plot_cumulative_casualties(
                weekly, name, start, end, made[-1],
                subtitle=sub + "; line: mean, shaded: 5-95 % of runs"))
        else:
            notes.append(f"no cumulative-casualty figure: {folder}/weekly.parquet is missing "
                         "(it needs per-replicate weekly counts; rerun with `escalation run "
                         "--weekly`)")
    elif kind == "compare":
        pols = m["policies"]
        runs_df = pd.read_parquet(need("runs.parquet"))
        table = pd.read_parquet(need("comparison.parquet"))
        weekly = pd.read_parquet(need("weekly.parquet"))
        sub = f"{runs:,} runs per policy, seed {seed}, common random numbers"
        made.append(folder / "policy_outcomes.png")
        plt.close(plot_policy_outcomes(runs_df, table, pols, name, made[-1],
                                       subtitle=sub + f"; reference: {pols[0]}"))
        made.append(folder / "policy_rungs.png")
        plt.close(plot_policy_rungs(weekly, pols, name, start, end, made[-1],
                                    subtitle=sub + "; share of runs whose highest rung in the "
                                    "week is at or above the rung"))
        made.append(folder / "cumulative_casualties.png")
        plt.close(plot_cumulative_casualties(weekly, name, start, end, made[-1],
                                             subtitle=sub + "; lines: mean, shaded: 5-95 % "
                                             "of runs", by="policy"))
    elif kind in ("sweep", "sensitivity"):
        runs_df = pd.read_parquet(need("runs.parquet"))
        varied = m.get("varied", {})
        keys = list(varied)
        units = {k: v.get("unit", "") for k, v in varied.items()}
        outcomes = m.get("outcomes") if kind == "sensitivity" else None
        if outcomes:
            outcomes = [o for o in outcomes if o in runs_df.columns or o == "us_fatality"]
        design = m.get("design")
        sub = (f"{m.get('sets', runs_df['set'].nunique()):,} parameter sets ({design} design) "
               f"x {runs:,} runs, seed {seed}; line: mean, band: 90 % of runs "
               "(probabilities: 95 % interval); other varied parameters averaged over")
        made.append(folder / "sweep_response.png")
        plt.close(plot_sweep_response(runs_df, keys, name, outcomes, units, made[-1],
                                      subtitle=sub))
        if kind == "sensitivity":
            idx = pd.read_parquet(need("sobol.parquet"))
            made.append(folder / "sobol_indices.png")
            plt.close(plot_sobol(idx, name, made[-1],
                                 subtitle=f"Sobol indices (SALib) of the mean over {runs:,} "
                                          f"runs per set; {m.get('base_samples')} base "
                                          f"samples, {m.get('sets')} sets, seed {seed}; "
                                          "error bars: 95 % bootstrap interval"))
    else:
        raise OutputError(f"{folder}: unknown kind {kind!r} in manifest.json")
    return made
