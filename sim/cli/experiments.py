"""``escalation sweep``, ``sensitivity``, ``compare`` and ``plot``: the API's functions with an
output folder.

    escalation sweep SCENARIO --vary KEY=LO:HI[:N] ... [--design grid|lhs|sobol] ...
    escalation sensitivity SCENARIO --vary ... --samples K --runs R --outcome NAME ...
    escalation compare SCENARIO --policy A --policy B ... --runs R --seed S --out DIR
    escalation plot DIR

See docs/sweeps.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import default_out, friendly_errors, scenario_argument

_friendly = friendly_errors
_scenario_arg = scenario_argument


def _run_options(default_runs: int):
    def deco(f):
        opts = [
            click.option("--runs", "-n", default=default_runs, show_default=True,
                         type=click.IntRange(1, 10_000_000),
                         help="Replicates per parameter set / policy (indices 0..R-1, the "
                              "same for every set: common random numbers)."),
            click.option("--seed", "-s", default=0, show_default=True,
                         type=click.IntRange(0, 2**63 - 1),
                         help="Seed of the replicates (and of the design's scrambling)."),
            click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path),
                         help="Output folder [default: results/<scenario>-<command>]."),
            click.option("--workers", type=click.IntRange(1, 256),
                         help="Local worker processes (results do not depend on it)."),
            click.option("--scheduler", metavar="tcp://HOST:PORT|local:N",
                         help="Run on a Dask cluster: the address of a running scheduler, or "
                              "local:N to start N local worker processes."),
            click.option("--connect-timeout", default=10.0, show_default=True,
                         type=click.FloatRange(0.1, 600),
                         help="Seconds to wait for a --scheduler address."),
            click.option("--chunk-size", type=click.IntRange(1, 1_000_000),
                         help="(set, replicate) rows per chunk [default: up to 10,000, enough "
                              "chunks for every worker]. Results do not depend on it."),
            click.option("--resume", is_flag=True,
                         help="Continue an interrupted run in --out from its saved chunks."),
            click.option("--overwrite", is_flag=True,
                         help="Replace an --out folder that holds a different output."),
            click.option("--no-plot", is_flag=True, help="Skip the figures."),
            click.option("--quiet", "-q", is_flag=True, help="No progress bar or tables."),
        ]
        for o in reversed(opts):
            f = o(f)
        return f

    return deco


def _check_backend(workers, scheduler):
    if workers and scheduler:
        raise click.UsageError("give --workers or --scheduler, not both")


def _backend_text(workers, scheduler) -> str:
    if scheduler:
        return f"dask {scheduler}"
    return "in-process" if not workers or workers <= 1 else f"{workers} local processes"


def _interrupted(out: Path) -> None:
    from ..experiments.store import count_saved_chunks, drop_if_empty

    n = count_saved_chunks(out)
    if not n:
        drop_if_empty(out)
    if n:
        click.echo(f"\ninterrupted: {n} finished chunk(s) are saved in {out}/.chunks; run the "
                   "same command with --resume to continue", err=True)
    else:
        click.echo("\ninterrupted: no chunk had finished; nothing was saved", err=True)
    sys.exit(130)


def _load(scenario):
    from ..api import _scenario

    return _scenario(scenario)


def _parse_varies(vary):
    from ..experiments.designs import parse_vary

    return [parse_vary(v) for v in vary]


def _echo_figures(figs, quiet):
    if not quiet:
        for f in figs:
            click.echo(f"figure: {f}")


@click.command()
@_scenario_arg
@click.option("--vary", "-v", "vary", multiple=True, metavar="KEY=LO:HI[:N]",
              help="A numeric parameter and its range (N: grid points); repeat for more.")
@click.option("--design", type=click.Choice(["grid", "lhs", "sobol"]), default="lhs",
              show_default=True, help="Full grid, Latin hypercube or scrambled Sobol "
              "(scipy.stats.qmc, seeded from --seed).")
@click.option("--samples", "-k", type=click.IntRange(1, 1_000_000), default=64,
              show_default=True, help="Parameter sets for lhs/sobol (a power of two keeps "
              "Sobol balanced). A grid has N points per key instead (default 5).")
@_run_options(default_runs=200)
@_friendly
def sweep(scenario, vary, design, samples, runs, seed, out, workers, scheduler,
          connect_timeout, chunk_size, resume, overwrite, no_plot, quiet):
    """Run SCENARIO (default: the baseline) over a design of parameter sets, every set with
    the same replicates, and write a folder:

    \b
      runs.parquet   one row per (set, replicate): set, varied values, outcome totals
      sets.parquet   per set: mean and 5/95 % of the main outcomes, P(direct US-Iran fire),
                     P(US fatality), P(drawdown)
      manifest.json  resolved scenario, design, varied keys and ranges, seed, runs
      sweep_response.png

    \b
    Example:
      escalation sweep --vary militia.w_fear=0.5:2.5 --vary us.force_protection=0.3:0.8 \\
          --design lhs --samples 32 --runs 200 --out results/fear-sweep
    """
    from ..api import sweep as api_sweep

    sc = _load(scenario)
    varies = _parse_varies(vary)
    _check_backend(workers, scheduler)
    out = out if out is not None else default_out(sc.name, "sweep")
    if design == "grid" and samples != 64 and not quiet:
        click.echo("note: --samples is ignored by --design grid (use KEY=LO:HI:N)", err=True)
    try:
        res = api_sweep(sc, varies, design=design, samples=samples, runs=runs, seed=seed,
                        workers=workers, scheduler=scheduler, connect_timeout=connect_timeout,
                        resume=resume, overwrite=overwrite, chunk_size=chunk_size,
                        progress=None if not quiet else False, out=out,
                        draw=not no_plot)
    except KeyboardInterrupt:
        _interrupted(out)
    if not quiet:
        click.echo(sets_text(res))
        ex = res.execution
        click.echo(f"\n{len(res.sets)} sets x {runs} runs in {ex.elapsed:.1f} s on "
                   f"{_backend_text(workers, scheduler)}"
                   + (f" ({ex.reused} of {ex.chunks} chunks resumed)" if ex.reused else ""))
        click.echo(f"wrote {out}/")
        _echo_figures(res.figures, quiet)


def sets_text(res, limit: int = 20) -> str:
    """The per-set summary as a short table: each mean or probability with its 95 %
    interval (counted over the outcome window)."""
    s = res.sets
    keys = list(res.design.columns)
    cols = [("attacks_mean", "attacks", "{:.1f}"), ("us_killed_mean", "US killed", "{:.2f}"),
            ("escalation_score_mean", "esc. score", "{:.0f}"),
            ("p_direct_us_iran_fire", "P(fire)", "{:.3f}"),
            ("p_us_fatality", "P(death)", "{:.3f}")]

    def cell(r, c, fmt):
        lo, hi = (f"{c}_lo", f"{c}_hi")
        if lo in r and hi in r:
            return f"{fmt.format(r[c])} [{fmt.format(r[lo])}, {fmt.format(r[hi])}]"
        return fmt.format(r[c])

    rows = [[cell(r, c, fmt) for c, _, fmt in cols] for _, r in s.head(limit).iterrows()]
    cw = [max(len(lab), *(len(x[j]) for x in rows)) + 2 for j, (_, lab, _) in enumerate(cols)]
    w = [max(10, len(k) + 1) for k in keys]
    head = "  set " + "".join(f"{k:>{wk}}" for k, wk in zip(keys, w, strict=True)) + \
        "".join(f"{lab:>{n}}" for (_, lab, _), n in zip(cols, cw, strict=True))
    lines = [head]
    for (_, r), cells in zip(s.head(limit).iterrows(), rows, strict=True):
        lines.append(f"  {int(r['set']):>3} " + "".join(
            f"{r[k]:>{wk}.4g}" for k, wk in zip(keys, w, strict=True)) +
            "".join(f"{x:>{n}}" for x, n in zip(cells, cw, strict=True)))
    if len(s) > limit:
        lines.append(f"  ... {len(s) - limit} more sets in sets.parquet")
    lines.append("  [95 % interval: of the mean for counts, Wilson for probabilities]")
    return "\n".join(lines)


@click.command()
@_scenario_arg
@click.option("--vary", "-v", "vary", multiple=True, metavar="KEY=LO:HI",
              help="A numeric parameter and its range; repeat for more.")
@click.option("--samples", "-k", type=click.IntRange(2, 1_000_000), default=64,
              show_default=True, help="Base samples K (a power of two); K x (D + 2) sets run.")
@click.option("--outcome", "outcomes", multiple=True, metavar="NAME",
              help="Outcome to analyse (mean over runs per set); repeat for more "
                   "[default: escalation_score, direct_us_iran_fire, us_killed].")
@_run_options(default_runs=50)
@_friendly
def sensitivity(scenario, vary, samples, outcomes, runs, seed, out, workers, scheduler,
                connect_timeout, chunk_size, resume, overwrite, no_plot, quiet):
    """Sobol sensitivity indices (first order and total, with 95 % intervals; SALib) of
    outcomes of SCENARIO to the --vary parameters. Writes a sweep folder plus sobol.csv,
    sobol.parquet and sobol_indices.png.

    \b
    Example:
      escalation sensitivity --vary militia.w_fear=0.5:2.5 --vary us.force_protection=0.3:0.8 \\
          --vary iran.w_grievance=0.2:1.5 --samples 32 --runs 50 \\
          --outcome escalation_score --outcome direct_us_iran_fire --out results/sobol
    """
    from ..api import sensitivity as api_sensitivity
    from ..experiments.sensitivity import check_outcomes, format_indices

    sc = _load(scenario)
    varies = _parse_varies(vary)
    outcomes = check_outcomes(list(outcomes))
    _check_backend(workers, scheduler)
    out = out if out is not None else default_out(sc.name, "sensitivity")
    try:
        res = api_sensitivity(sc, varies, outcomes=outcomes, samples=samples, runs=runs,
                              seed=seed, workers=workers, scheduler=scheduler,
                              connect_timeout=connect_timeout, resume=resume,
                              overwrite=overwrite, chunk_size=chunk_size,
                              progress=None if not quiet else False, out=out,
                              draw=not no_plot)
    except KeyboardInterrupt:
        _interrupted(out)
    if not quiet:
        click.echo(format_indices(res.indices))
        click.echo(f"\n{len(res.sets)} sets x {runs} runs in {res.execution.elapsed:.1f} s on "
                   f"{_backend_text(workers, scheduler)}")
        click.echo(f"wrote {out}/")
        _echo_figures(res.figures, quiet)


@click.command()
@_scenario_arg
@click.option("--policy", "-p", "--variant", "policies", multiple=True,
              metavar="NAME|FILE",
              help="A variant, repeat (the first is the reference): a bundled policy or a "
                   "policy file (parameters only, dated with [policy] from or not: applied "
                   "on top of SCENARIO), or a bundled scenario or scenario file that changes "
                   "more (timeline, shocks, a counterfactual: run as written, same dates).")
@click.option("--window", metavar="START:END",
              help="Count every estimate over these days (dates YYYY-MM-DD, either side may "
                   "be empty; 'all': the whole run) [default: from the branch for a replay "
                   "or forecast, else the whole run].")
@_run_options(default_runs=1000)
@_friendly
def compare(scenario, policies, window, runs, seed, out, workers, scheduler, connect_timeout,
            chunk_size, resume, overwrite, no_plot, quiet):
    """Compare policies and scenario variants on SCENARIO (default: the baseline) with common
    random numbers: every variant runs the same seed and replicates, and differences from
    the FIRST are estimated per replicate (paired 95 % intervals). For a replay or forecast
    every estimate counts the free period from the branch. Prints P(direct US-Iran fire by
    the end) first; writes comparison.csv/.parquet, runs.parquet (with a policy column),
    weekly.parquet, manifest.json and figures (the lead figure: differences.png).

    \b
    Example:
      escalation compare forecast_2027 --policy answer_deaths \\
          --policy answer_every_streak --runs 1000
      escalation compare --policy answer_deaths --policy answer_every_streak \\
          --policy no_retaliation --runs 1000 --out results/policies
    """
    from ..api import compare as api_compare
    from ..experiments.compare import format_headline, format_table

    sc = _load(scenario)
    if window is not None:
        sc = sc.with_window(window)
    _check_backend(workers, scheduler)
    name = sc.name if window is None else (
        f"{sc.name}-window-{sc.outcome_window()[0]}-{sc.outcome_window()[1]}")
    out = out if out is not None else default_out(name, "compare")
    try:
        res = api_compare(sc, list(policies), runs=runs, seed=seed, workers=workers,
                          scheduler=scheduler, connect_timeout=connect_timeout, resume=resume,
                          overwrite=overwrite, chunk_size=chunk_size,
                          progress=None if not quiet else False, out=out, draw=not no_plot)
    except KeyboardInterrupt:
        _interrupted(out)
    if not quiet:
        click.echo(f"{sc.name}: {len(policies)} variants x {runs:,} runs, seed {seed} "
                   "(common random numbers)")
        click.echo(f"outcomes {sc.window_note()}\n")
        head = format_headline(res.table, sc.outcome_window()[1])
        if head:
            click.echo(head + "\n")
        click.echo(format_table(res.table))
        click.echo(f"\nwrote {out}/")
        _echo_figures(res.figures, quiet)


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@_friendly
def plot(folder):
    """Redraw the figures of an output folder (of `escalation run`, `sweep`, `compare` or
    `sensitivity`).

    \b
    Example:
      escalation plot results/baseline
    """
    from ..errors import OutputError
    from ..experiments.store import folder_lock, update_manifest_files
    from ..plots import draw_folder

    if not folder.is_dir():
        raise OutputError(f"{folder}: no such folder")
    if not (folder / "manifest.json").is_file():
        raise OutputError(f"{folder}: no manifest.json; not an escalation output folder")
    notes: list[str] = []
    with folder_lock(folder):
        made = draw_folder(folder, notes)
        try:  # the folder now owns the figures it holds
            update_manifest_files(folder)
        except OSError as exc:
            raise OutputError(f"{folder}: cannot update its manifest.json "
                              f"({exc.strerror or type(exc).__name__})") from None
    for p in made:
        click.echo(f"figure: {p}")
    for n in notes:
        click.echo(f"note: {n}", err=True)


commands: list = [sweep, sensitivity, compare, plot]
