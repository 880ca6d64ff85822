"""``escalation calibrate``: calibration against the documented record.

    escalation calibrate [SCENARIO] [--quick] [--seed S] [--out DIR]   fit, write posterior
    escalation calibrate --report [--reps N]                            regenerate report.md
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shlex
import sys
from pathlib import Path

import click

from ..paths import CALIBRATION_DIR as CAL_DIR
from .common import friendly_errors


def _write_atomic(path: Path, data: bytes | str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        if isinstance(data, str):
            tmp.write_text(data)
        else:
            tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


_friendly = friendly_errors


@click.command("calibrate")
@click.argument("scenario", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--seed", "-s", default=0, show_default=True, type=click.IntRange(0, 2**62),
              help="Seed of the simulations and of the sampler.")
@click.option("--quick", is_flag=True, help="Tiny budget (under a minute), for tests.")
@click.option("--minutes", default=None, type=click.FloatRange(0.5, 24 * 60),
              help="Wall-clock budget of the sampler (default 15; 1 with --quick); past it the "
                   "sampler stops tempering and says so in the manifest.")
@click.option("--particles", default=None, type=click.IntRange(16, 100_000),
              help="SMC particles (default 256; 32 with --quick).")
@click.option("--reps", "fit_reps", default=None, type=click.IntRange(4, 10_000),
              help="Replicates per particle for the synthetic likelihood (default 32).")
@click.option("--report", "report_only", is_flag=True,
              help="Only regenerate report.md and figures/ from the posterior in --out.")
@click.option("--report-reps", "reps", default=None, type=click.IntRange(10, 100_000),
              help="Replicates for the report (default 400; 20 with --quick).")
@click.option("--out", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for posterior.parquet, point_estimate.json, the manifest and the "
                   "report [default: results/<scenario>-calibration; the committed "
                   "calibration is regenerated only with --out calibration].")
@click.option("--record", "record_dir", default=CAL_DIR, show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder holding events.csv and tallies.csv.")
@click.option("--overwrite", is_flag=True,
              help="Replace a calibration of another scenario in --out.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def calibrate_cmd(scenario, seed, quick, minutes, particles, fit_reps, report_only, reps, out,
                  record_dir, overwrite, quiet):
    """Fit the model to the documented record up to 2023-12-31 (2024 is the hold-out): a
    tempered SMC sampler over a kernel synthetic likelihood of every tally window (bounds,
    ranges and scopes as the record gives them; see docs/calibration.md).  Writes
    posterior.parquet, point_estimate.json, calibration_manifest.json and report.md to --out
    (default: results/<scenario>-calibration, never the repository's calibration/ unless
    --out says so); with --report, regenerates report.md and figures/ only (by default from
    a copy of the committed calibration)."""
    return _friendly(_calibrate)(scenario, seed, quick, report_only, reps, out, record_dir,
                                 quiet, overwrite, minutes, particles, fit_reps)


def _calibrate(scenario, seed, quick, report_only, reps, out, record_dir, quiet,
               overwrite=False, minutes=None, particles=None, fit_reps=None):
    from ..experiments.store import check_calibration_folder, folder_lock

    sc = _load(scenario)
    default = out is None
    if default:
        from .common import default_out

        out = default_out(sc.name, "calibration")
    out = Path(out)
    with folder_lock(out):
        check_calibration_folder(out, sc.name, overwrite)
        if report_only and default and not (out / "posterior.parquet").is_file():
            _start_from_committed(out)
        _fit(sc, seed, quick, report_only, reps, out, record_dir, quiet, minutes, particles,
             fit_reps)


def _start_from_committed(out: Path) -> None:
    """``--report`` into the default folder: start it from the committed calibration
    (its posterior, point estimate and manifest are copied, never moved)."""
    import shutil

    out.mkdir(parents=True, exist_ok=True)
    for name in ("posterior.parquet", "point_estimate.json", "calibration_manifest.json"):
        if (CAL_DIR / name).is_file():
            shutil.copy2(CAL_DIR / name, out / name)


def _load(scenario):
    from ..api import _scenario

    return _scenario(scenario)


def make_budget(quick: bool, minutes=None, particles=None, fit_reps=None):
    """The sampler's budget from the command's options."""
    import dataclasses

    from ..calibration.fit import Budget

    budget = Budget.quick() if quick else Budget()
    changes = {}
    if minutes is not None:
        changes["seconds"] = 60.0 * minutes
    if particles is not None:
        changes["particles"] = particles
    if fit_reps is not None:
        changes["reps"] = fit_reps
    return dataclasses.replace(budget, **changes)


def _fit(sc, seed, quick, report_only, reps, out, record_dir, quiet, minutes=None,
         particles=None, fit_reps=None):
    from ..calibration.fit import HAND_SET, LIKELIHOOD_TEMPERATURE, calibrate
    from ..calibration.observation import table as obs_table
    from ..calibration.report import make_report
    from ..experiments.store import json_text, marker
    from ..record.load import load_record

    record = load_record(record_dir)
    budget = make_budget(quick, minutes, particles, fit_reps)
    if report_only:
        path = make_report(sc, out, reps or budget.report_reps, seed, record,
                           progress=not quiet)
        click.echo(f"wrote {path}")
        return
    res = calibrate(sc, budget, seed=seed, record=record, progress=not quiet)
    import io

    buf = io.BytesIO()
    res.posterior.to_parquet(buf, index=False)
    out.mkdir(parents=True, exist_ok=True)
    _write_atomic(out / "posterior.parquet", buf.getvalue())
    _write_atomic(out / "point_estimate.json",
                  json_text({"method": "posterior median of each parameter",
                             "parameters": res.point,
                             "posterior_mean": res.posterior_mean(),
                             "highest_likelihood_particle": res.map_particle()}))
    summ = res.summary()
    obs = obs_table(res.observations)
    manifest = {
        "written_by": marker("calibration"),
        "command": "escalation " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
        "created": dt.datetime.now().isoformat(timespec="seconds"),
        "scenario": sc.name, "fit_window": f"{sc.start}..2023-12-31",
        "seed": seed, "budget": res_budget(budget, quick),
        "method": "tempered SMC (adaptive likelihood tempering, random-walk Metropolis moves) "
                  "over a composite kernel synthetic likelihood raised to the power "
                  f"{LIKELIHOOD_TEMPERATURE:g} (sim.calibration.fit)",
        "likelihood_temperature": LIKELIHOOD_TEMPERATURE,
        "elapsed_seconds": res.elapsed, "simulated_rows": res.rows, "engine_calls": res.calls,
        "stopped_early": res.stopped_early,
        "data_sha256": record.checksums(),
        "posterior_sha256": hashlib.sha256(buf.getvalue()).hexdigest(),
        "parameters": [{"key": p.key, "lo": p.lo, "hi": p.hi, "why": p.why}
                       for p in res.params],
        "hand_set": HAND_SET,
        "prior": "uniform over [lo, hi] of each parameter",
        "observations": json.loads(obs.to_json(orient="records", date_format="iso")),
        "stages": res.stages,
        "posterior_particles": len(res.posterior),
        "posterior_summary": summ.to_dict(orient="records"),
    }
    _write_atomic(out / "calibration_manifest.json", json_text(manifest))
    click.echo(summ[["parameter", "prior_lo", "prior_hi", "point_estimate", "posterior_sd",
                     "sd_ratio"]].to_string(index=False))
    if res.stopped_early:
        click.echo("warning: the time budget (or the stage limit) ran out before the sampler "
                   "reached the posterior, so the last stage jumped to it: raise --minutes",
                   err=True)
    click.echo(f"wrote {out}/posterior.parquet ({len(res.posterior)} particles), "
               f"point_estimate.json, calibration_manifest.json in {res.elapsed:.0f} s")
    path = make_report(sc, out, reps or budget.report_reps, seed, record, progress=not quiet)
    click.echo(f"wrote {path}")


def res_budget(budget, quick: bool) -> dict:
    import dataclasses
    d = dataclasses.asdict(budget)
    d["quick"] = quick
    return d


@click.command("validate")
@click.argument("scenario", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--calibration", "cal_dir", default=None,
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder of the calibration to score (its posterior.parquet); the scores, "
                   "validation.json, and the refreshed report.md are written there "
                   "[default: results/<scenario>-calibration, where `escalation calibrate` "
                   "writes; --calibration calibration scores the committed one].")
@click.option("--record", "record_dir", default=CAL_DIR, show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder holding events.csv and tallies.csv.")
@click.option("--reps", default=400, show_default=True, type=click.IntRange(20, 100_000),
              help="Model replicates per evaluation.")
@click.option("--seed", "-s", default=0, show_default=True, type=click.IntRange(0, 2**62))
@click.option("--backtests/--no-backtests", default=True, show_default=True,
              help="Also run the rolling-origin backtests (a fit at every origin).")
@click.option("--backtest-minutes", default=3.0, show_default=True,
              type=click.FloatRange(0.2, 600),
              help="Sampler budget of each backtest's fit.")
@click.option("--quick", is_flag=True,
              help="Tiny budgets and few replicates (for tests).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
def validate_cmd(scenario, cal_dir, record_dir, reps, seed, backtests, backtest_minutes, quick,
                 quiet):
    """Score the calibrated model's forecasts against naive baselines (constant-rate and
    peace/war negative binomials, persistence), as conflict-forecasting systems score:
    CRPS, log score, interval scores and coverage of the 50 % and 90 % intervals, over the
    tally windows of the fit period, the 2024 hold-out (the model fitted to 2023 only) and
    rolling-origin backtests.  Writes validation.json and scores.parquet, and refreshes the
    report in --calibration."""
    return _friendly(_validate)(scenario, cal_dir, record_dir, reps, seed, backtests,
                                backtest_minutes, quick, quiet)


def _validate(scenario, cal_dir, record_dir, reps, seed, backtests, backtest_minutes, quick,
              quiet):
    from ..calibration.report import make_report
    from ..calibration.validate import run_validation
    from ..errors import ScenarioError
    from ..experiments.store import folder_lock
    from ..record.load import load_record
    from ..scenario.posterior import load_posterior

    sc = _load(scenario)
    if cal_dir is None:
        from .common import default_out

        cal_dir = default_out(sc.name, "calibration")
    cal_dir = Path(cal_dir)
    if not (cal_dir / "posterior.parquet").is_file():
        raise ScenarioError(f"{cal_dir}: no calibration here (no posterior.parquet): run "
                            "`escalation calibrate`, or pass --calibration calibration to "
                            "score the committed one")
    record = load_record(record_dir)
    post = load_posterior(cal_dir / "posterior.parquet")
    from ..calibration.fit import Budget

    budget = Budget.quick() if quick else Budget.backtest(60.0 * backtest_minutes)
    if quick:
        reps = min(reps, 24)
    with folder_lock(cal_dir):
        result = run_validation(sc, post, record, reps, seed, backtests, budget,
                                progress=not quiet)
        _write_atomic(cal_dir / "validation.json", result.to_json())
        buf = __import__("io").BytesIO()
        result.scores.to_parquet(buf, index=False)
        _write_atomic(cal_dir / "scores.parquet", buf.getvalue())
        click.echo(result.verdict.to_string(index=False))
        if (cal_dir / "calibration_manifest.json").exists():
            path = make_report(sc, cal_dir, 20 if quick else 400, seed, record,
                               progress=not quiet)
            click.echo(f"wrote {cal_dir}/validation.json, scores.parquet and {path}")


commands: list = [calibrate_cmd, validate_cmd]
