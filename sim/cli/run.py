"""``escalation run``, ``show`` and ``list``."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from ..experiments.worker import ENGINES
from .common import default_out, friendly_errors, scenario_argument


@click.command()
@scenario_argument
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
@click.option("--window", metavar="START:END",
              help="Count every total, probability and figure over these days (dates "
                   "YYYY-MM-DD, either side may be empty; 'all': the whole run) [default: "
                   "from the branch for a replay or forecast, else the whole run].")
@click.option("--workers", type=click.IntRange(1, 256),
              help="Worker processes [default: one per core for large runs, else 1]. "
                   "Results do not depend on it.")
@click.option("--chunk-size", type=click.IntRange(1, 1_000_000),
              help="Replicates per chunk [default: as few as keep the workers busy, at most "
                   "10,000]. Results do not depend on it.")
@click.option("--no-posterior", is_flag=True, help="Use the scenario's parameter values for "
              "every replicate instead of drawing each replicate's calibrated parameters from "
              "the scenario's posterior.")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted run in --out from its saved chunks.")
@click.option("--overwrite", is_flag=True,
              help="Replace an --out folder that holds another kind of output or another "
                   "scenario.")
@click.option("--no-plot", is_flag=True, help="Skip the figures.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")
@friendly_errors
def run(scenario, runs, seed, out, engine, weekly, replay_until, window, workers, chunk_size,
        no_posterior, resume, overwrite, no_plot, quiet):
    """Run SCENARIO (a bundled name or a file; default: the bundled baseline) and write an
    output folder (the folder `sim.run(...).save(out)` writes):

    \b
      manifest.json            resolved scenario, seed, engine, runs, versions, command
      runs.parquet             one row per replicate: outcome totals
      bands.parquet            weekly quantile bands of every count
      weekly.parquet           (with --weekly) per replicate and week counts
      escalation_curves.png    weekly attacks, strikes and rungs with their bands
      rung_probabilities.png   P(a week reaches each rung)
      branch.png               (with a replay) the branch plotted over the record

    For a replay or forecast, every total, probability and figure counts the free period
    from the branch (the replayed record is not counted) unless --window says otherwise;
    runs.parquet holds both (attacks: the whole run; window_attacks: the window).

    Finished chunks are kept in OUT/.chunks as the run goes (at least every 30 s), so an
    interrupted run continues with the same command and --resume.
    """
    from ..api import _scenario
    from ..api import run as api_run
    from .experiments import _interrupted

    sc = _scenario(scenario)
    if replay_until is not None:
        sc = sc.with_replay(replay_until)
    if window is not None:
        sc = sc.with_window(window)
    out = out if out is not None else default_out(run_folder_name(sc, replay_until, window))
    try:
        res = api_run(sc, runs=runs, seed=seed, engine=engine, weekly=weekly, workers=workers,
                      chunk_size=chunk_size, posterior=not no_posterior,
                      progress=None if not quiet else False, out=out, overwrite=overwrite,
                      resume=resume, draw=not no_plot)
    except KeyboardInterrupt:
        _interrupted(out)
    if not quiet:
        click.echo(summary_text(res.outcomes, sc.name, res.elapsed, sc.window_note()))
        click.echo(f"\nwrote {out}/")
        if not no_plot:
            click.echo(f"figure: {out / 'escalation_curves.png'}")


def run_folder_name(sc, replay_until: str | None, window: str | None) -> str:
    """The default output folder's name: the scenario's, and the branch date or window when
    the command line sets one (so that a replay never replaces the plain scenario's
    folder)."""
    name = sc.name
    if replay_until is not None:
        name += f"-replay-{sc.replay_until}"
    if window is not None:
        a, b = sc.outcome_window()
        name += f"-window-{a}-{b}"
    return name


def summary_text(df, name: str, elapsed: float, note: str = "") -> str:
    """A short table of the headline outcomes: counts with their mean and 90 % interval over
    replicates, probabilities with their 95 % interval (labels from the outcome registry);
    ``note`` says over which days they are counted."""
    from ..experiments.outcomes import OUTCOMES, in_window, outcomes_in

    df = in_window(df)
    n = len(df)
    lines = [f"{name}: {n:,} replicates in {elapsed:.1f} s"]
    if note:
        lines.append(f"outcomes {note}")
    lines += ["", f"  {'outcome':<38}{'mean':>9}{'5%':>8}{'95%':>8}"]
    shown = outcomes_in("summary")
    for col in shown:
        o = OUTCOMES[col]
        if o.is_probability:
            continue
        v = df[col].to_numpy()
        lo, hi = np.percentile(v, [5, 95])
        lines.append(f"  {o.label:<38}{v.mean():>9.1f}{lo:>8.0f}{hi:>8.0f}")
    lines.append("")
    for col in shown:
        o = OUTCOMES[col]
        if not o.is_probability:
            continue
        p = df[col].mean()
        half = 1.96 * np.sqrt(max(p * (1 - p), 1e-12) / n)
        lines.append(f"  {'P(' + o.label + ')':<38}{p:>9.3f}  +/- {half:.3f} (95 %)")
    return "\n".join(lines)


@click.command()
@scenario_argument
@click.option("--json", "as_json", is_flag=True,
              help="Print the resolved scenario as JSON: its dates, files, posterior, groups "
                   "and timeline, and every parameter with its section, kind, default, value, "
                   "bounds, unit, meaning and whether it is calibrated.")
@click.option("--brief", is_flag=True, help="One line per parameter (no meanings).")
@friendly_errors
def show(scenario, as_json, brief):
    """Print the resolved parameters of SCENARIO (default: the baseline), with units, bounds
    and what each one means; values that differ from the model defaults are starred."""
    from ..api import _scenario
    from ..scenario import describe

    sc = _scenario(scenario)
    if as_json:
        import json

        from ..scenario.describe import describe_json

        click.echo(json.dumps(describe_json(sc), indent=2, default=str, allow_nan=False))
        return
    click.echo(describe(sc, meanings=not brief))


@click.command("list")
@friendly_errors
def list_scenarios():
    """List the bundled scenarios and policies (by the name SCENARIO and --policy take), the
    timeline drivers and the shock targets a scenario file can use, with their scales."""
    from ..model.timeline import DRIVERS, SHOCK_TARGETS
    from ..paths import SCENARIO_DIR
    from ..scenario import load_scenario

    click.echo("Scenarios and policies (give the name, or the path):")
    for p in sorted(SCENARIO_DIR.rglob("*.toml")):
        sc = load_scenario(p)
        click.echo(f"  {p.stem:<30} {p.relative_to(SCENARIO_DIR.parent)}\n"
                   f"      {sc.description}")
    base = load_scenario()
    click.echo("\nTimeline drivers ([[timeline.drivers]] name, start, end, strength): strength "
               "0 to 5, 1 = the effect the model was calibrated with, 0.5 half of it")
    for name, doc in DRIVERS.items():
        used = [d for d in base.drivers if d.name == name]
        eg = (f" (baseline: {len(used)} period(s), strength "
              f"{', '.join(sorted({f'{d.strength:g}' for d in used}))})") if used else ""
        click.echo(f"  {name:<20} {doc}{eg}")
    click.echo("\nShock targets ([[timeline.shocks]] date, target, amount): amount -50 to 50, "
               "added on that day to the state variable, which then decays with its memory")
    for name, doc in SHOCK_TARGETS.items():
        used = [s for s in base.shocks if s.target == name]
        eg = (" (baseline: " + ", ".join(f"{s.amount:+g} on {s.date}" for s in used[:3])
              + (" ..." if len(used) > 3 else "") + ")") if used else ""
        click.echo(f"  {name:<26} {doc}{eg}")
    click.echo("\n`escalation show SCENARIO` lists every parameter; `escalation outcomes` every "
               "outcome.")


@click.command("outcomes")
@click.option("--json", "as_json", is_flag=True, help="As JSON records.")
@friendly_errors
def outcomes(as_json):
    """List every outcome (the columns of runs.parquet, what --outcome takes) with its unit,
    its kind and what it means. For a replay or forecast each is counted over the outcome
    window (from the branch by default); runs.parquet holds it over the whole run under its
    name and over the window as window_<name>."""
    from ..experiments.outcomes import OUTCOMES

    rows = [{"name": k, "label": o.label, "unit": o.unit, "kind": o.kind, "meaning": o.doc,
             "tables": sorted(o.tables)} for k, o in OUTCOMES.items()]
    if as_json:
        import json

        click.echo(json.dumps(rows, indent=2))
        return
    kinds = {"count": "a sum over the days counted", "flag": "0/1 per run: its mean is a "
             "probability", "rung": "a ladder rung 0-7", "days": "days", "score": "a score",
             "date": "a date (empty: never)"}
    for r in rows:
        click.echo(f"{r['name']:<30} {r['unit']:<22} {kinds.get(r['kind'], r['kind'])}")
        click.echo(f"    {r['label']}: {r['meaning']}")


commands: list = [run, show, list_scenarios, outcomes]
