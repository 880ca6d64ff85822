"""The ``escalation`` command line.

    escalation run [SCENARIO] --runs N --seed S --out DIR [--engine batch|mesa] [--weekly]
    escalation show SCENARIO
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click
import numpy as np

from .io import OutputError, atomic_folder, write_manifest
from .runner import ENGINES, run_scenario
from .scenario import BASELINE, ScenarioError, describe, load_scenario

EXIT_BAD_INPUT = 2


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def friendly_errors(fn):
    """Turn bad-input errors into one line on stderr and exit code 2 (never a traceback)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (ScenarioError, OutputError) as exc:
            _fail(str(exc))
        except KeyboardInterrupt:
            click.echo("interrupted: nothing was written", err=True)
            sys.exit(130)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="escalation-sim")
def main():
    """Agent-based simulator of escalation between the United States, Iran, Iran-backed
    militias in Iraq and Syria, Israel and the Iraqi government (2019 onward).

    Start with `escalation run` (the bundled baseline), then `escalation show SCENARIO` to see
    every parameter a scenario file can set.
    """


@main.command()
@click.argument("scenario", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--runs", "-n", default=1000, show_default=True,
              type=click.IntRange(1, 10_000_000), help="Number of replicates.")
@click.option("--seed", "-s", default=0, show_default=True, type=click.IntRange(0, 2**63 - 1),
              help="Seed; with the replicate index it fixes every random number.")
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder [default: results/<scenario name>].")
@click.option("--engine", type=click.Choice(ENGINES), default="batch", show_default=True,
              help="batch: vectorized over replicates; mesa: one Mesa model per replicate "
                   "(slow, identical numbers).")
@click.option("--weekly", is_flag=True, help="Also write weekly.parquet: per replicate and "
              "week, every count.")
@click.option("--replay-until", "replay_until", metavar="DATE",
              help="Replay the documented record up to DATE (inclusive, YYYY-MM-DD), then run "
                   "free; overrides the scenario's [replay] until. Writes branch.png too.")
@click.option("--workers", type=click.IntRange(1, 256),
              help="Worker processes [default: one per core for large runs, else 1]. "
                   "Results do not depend on it.")
@click.option("--chunk-size", type=click.IntRange(1, 1_000_000),
              help="Replicates per chunk [default: as few as keep the workers busy, at most "
                   "10,000]. Results do not depend on it.")
@click.option("--no-posterior", is_flag=True, help="Use the scenario's parameter values for "
              "every replicate instead of drawing each replicate's calibrated parameters from "
              "the scenario's posterior.")
@click.option("--no-plot", is_flag=True, help="Skip the figure.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")
@friendly_errors
def run(scenario, runs, seed, out, engine, weekly, replay_until, workers, chunk_size,
        no_posterior, no_plot, quiet):
    """Run SCENARIO (default: the bundled baseline) and write an output folder:

    \b
      manifest.json         resolved scenario, seed, engine, runs, versions, command line
      branch.png            (with a replay) the branch plotted over the record
      runs.parquet          one row per replicate: outcome totals
      bands.parquet         weekly quantile bands of every count
      weekly.parquet        (with --weekly) per replicate and week counts
      escalation_curves.png the figure
    """
    sc = load_scenario(scenario)
    if replay_until is not None:
        sc = sc.with_replay(replay_until)
    if sc.replay_until is not None:
        from .replay import build_schedule
        build_schedule(sc, sc.replay_until, sc.replay_record or None)  # checks it before running
    out = out if out is not None else Path("results") / sc.name
    from .io import check_target
    check_target(out.resolve())
    from .runner import scenario_params
    params = scenario_params(sc, runs, seed, use_posterior=not no_posterior)
    res = run_scenario(sc, runs=runs, seed=seed, engine=engine, chunk_size=chunk_size,
                       workers=workers, keep_weekly=weekly, params=params,
                       progress=None if not quiet else False)
    runs_df, bands = res.runs, res.bands
    with atomic_folder(out) as tmp:
        runs_df.to_parquet(tmp / "runs.parquet", index=False)
        bands.to_parquet(tmp / "bands.parquet", index=False)
        if weekly:
            res.weekly.to_parquet(tmp / "weekly.parquet", index=False)
        if not no_plot:
            from .plots import plot_escalation_curves
            import matplotlib.pyplot as plt
            fig = plot_escalation_curves(
                bands, sc.name, sc.start, sc.end, tmp / "escalation_curves.png",
                subtitle=f"{runs:,} runs, seed {seed}, {engine} engine, "
                         + ("parameters drawn from the calibrated posterior"
                            if sc.posterior and not no_posterior else "fixed parameters")
                         + "; bands over replicates, week by week")
            plt.close(fig)
            if sc.replay_until is not None:
                from .branching import plot_branch
                plt.close(plot_branch(bands, sc, tmp / "branch.png"))
        write_manifest(tmp, scenario=sc.to_dict(), seed=seed, engine=engine, runs=runs,
                       parameters_from="defaults" if no_posterior or not sc.posterior
                       else "posterior",
                       workers=res.workers, elapsed_seconds=round(res.elapsed, 3),
                       files=sorted(p.name for p in tmp.iterdir()) + ["manifest.json"])
    if not quiet:
        click.echo(summary_text(runs_df, sc.name, res.elapsed))
        click.echo(f"\nwrote {out}/")
        if not no_plot:
            click.echo(f"figure: {out / 'escalation_curves.png'}")


def summary_text(df, name: str, elapsed: float) -> str:
    """A short table of the headline outcomes (mean and 90 % interval over replicates)."""
    n = len(df)
    lines = [f"{name}: {n:,} replicates in {elapsed:.1f} s", "",
             f"  {'outcome':<38}{'mean':>9}{'5%':>8}{'95%':>8}"]
    for col, label in (("attacks", "attacks on US forces"),
                       ("us_wounded", "US wounded"), ("us_killed", "US killed"),
                       ("us_strikes", "US retaliatory strikes"),
                       ("israeli_strikes", "Israeli strikes"),
                       ("iran_direct_attacks", "Iranian direct attacks"),
                       ("escalation_score", "escalation score")):
        v = df[col].to_numpy()
        lo, hi = np.percentile(v, [5, 95])
        lines.append(f"  {label:<38}{v.mean():>9.1f}{lo:>8.0f}{hi:>8.0f}")
    lines.append("")
    for col, label in (("direct_us_iran_fire", "P(direct US-Iran fire)"),
                       ("us_drawdown", "P(US drawdown from Iraq)")):
        p = df[col].mean()
        half = 1.96 * np.sqrt(max(p * (1 - p), 1e-12) / n)
        lines.append(f"  {label:<38}{p:>9.3f}  +/- {half:.3f} (95 %)")
    p = (df["us_killed"] > 0).mean()
    lines.append(f"  {'P(at least one US fatality)':<38}{p:>9.3f}  "
                 f"+/- {1.96 * np.sqrt(max(p * (1 - p), 1e-12) / n):.3f} (95 %)")
    return "\n".join(lines)


@main.command()
@click.argument("scenario", required=False, type=click.Path(dir_okay=False, path_type=Path))
@friendly_errors
def show(scenario):
    """Print the resolved parameters of SCENARIO (default: the baseline), with units and
    bounds; values that differ from the model defaults are starred."""
    click.echo(describe(load_scenario(scenario)))


@main.command("list")
def list_scenarios():
    """List the bundled scenario and policy files."""
    root = BASELINE.parent
    for p in sorted(root.rglob("*.toml")):
        try:
            sc = load_scenario(p)
            click.echo(f"{p.relative_to(root.parent)}\n    {sc.description}")
        except ScenarioError as exc:  # pragma: no cover - bundled files are tested
            click.echo(f"{p}: {exc}")



def _register_extensions() -> None:
    """Attach the commands defined in sibling modules (sweeps, calibration)."""
    from . import cli_calibrate, cli_sweep

    for cmd in (*cli_sweep.commands, *cli_calibrate.commands):
        main.add_command(cmd)


_register_extensions()
