"""``escalation calibrate``: calibration against the documented record.

    escalation calibrate [SCENARIO] [--quick] [--seed S] [--out DIR]   fit, write posterior
    escalation calibrate --report [--reps N]                            regenerate report.md
"""

from __future__ import annotations

import datetime as dt
import hashlib
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
              help="Seed of the simulations and of the optimiser/sampler.")
@click.option("--quick", is_flag=True, help="Tiny budget (about a minute or less), for tests.")
@click.option("--report", "report_only", is_flag=True,
              help="Only regenerate report.md and figures/ from the posterior in --out.")
@click.option("--reps", default=None, type=click.IntRange(10, 100_000),
              help="Replicates for the report (default 600; 60 with --quick).")
@click.option("--out", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for posterior.parquet, point_estimate.json, the manifest and the "
                   "report [default: results/<scenario>-calibration; the committed "
                   "calibration is regenerated only with --out calibration].")
@click.option("--record", "record_dir", default=CAL_DIR, show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder holding events.csv and tallies.csv.")
@click.option("--no-smm", is_flag=True, help="Skip the SMM point estimate (ABC only).")
@click.option("--overwrite", is_flag=True,
              help="Replace a calibration of another scenario in --out.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def calibrate_cmd(scenario, seed, quick, report_only, reps, out, record_dir, no_smm,
                  overwrite, quiet):
    """Fit the model to the documented record up to 2023-12-31: an SMM point estimate
    (differential evolution, common random numbers) and an ABC-SMC posterior over 9
    parameters.  Writes posterior.parquet, point_estimate.json and calibration_manifest.json
    to --out (default: results/<scenario>-calibration, never the repository's calibration/
    unless --out says so); with --report, regenerates report.md and figures/ from them
    instead (by default from a copy of the committed calibration)."""
    return _friendly(_calibrate)(scenario, seed, quick, report_only, reps, out, record_dir,
                                 no_smm, quiet, overwrite)


def _calibrate(scenario, seed, quick, report_only, reps, out, record_dir, no_smm, quiet,
               overwrite=False):
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
        _fit(sc, seed, quick, report_only, reps, out, record_dir, no_smm, quiet)


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


def _fit(sc, seed, quick, report_only, reps, out, record_dir, no_smm, quiet):
    from ..calibration.fit import CALIBRATED, Budget, calibrate
    from ..calibration.report import make_report
    from ..experiments.store import json_text, marker
    from ..record.load import load_record

    record = load_record(record_dir)
    budget = Budget.quick() if quick else Budget()
    if report_only:
        path = make_report(sc, out, reps or budget.report_reps, seed, record,
                           progress=not quiet)
        click.echo(f"wrote {path}")
        return
    res = calibrate(sc, budget, seed=seed, record=record, progress=not quiet,
                    run_smm=not no_smm)
    import io

    buf = io.BytesIO()
    res.posterior.to_parquet(buf, index=False)
    _write_atomic(out / "posterior.parquet", buf.getvalue())
    _write_atomic(out / "point_estimate.json",
                  json_text({"method": "simulated method of moments (differential evolution, "
                                       "common random numbers)" if not no_smm
                             else "ABC posterior mean", "objective": res.smm_objective,
                             "parameters": res.point,
                             "posterior_mean": res.posterior_mean()}))
    summ = res.summary()
    manifest = {
        "written_by": marker("calibration"),
        "command": "escalation " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
        "created": dt.datetime.now().isoformat(timespec="seconds"),
        "scenario": sc.name, "fit_window": f"{sc.start}..2023-12-31",
        "seed": seed, "budget": res_budget(budget, quick),
        "elapsed_seconds": res.elapsed, "simulated_rows": res.rows, "engine_calls": res.calls,
        "data_sha256": record.checksums(),
        "posterior_sha256": hashlib.sha256(buf.getvalue()).hexdigest(),
        "parameters": [{"key": p.key, "lo": p.lo, "hi": p.hi, "why": p.why}
                       for p in CALIBRATED],
        "prior": "uniform over [lo, hi] of each parameter",
        "distance": res.distance.to_dict(),
        "smm_objective": res.smm_objective, "smm_history": res.smm_history,
        "abc_generations": res.generations,
        "posterior_particles": len(res.posterior),
        "posterior_ess": float(1.0 / (res.posterior.weight ** 2).sum()),
        "posterior_summary": summ.to_dict(orient="records"),
    }
    _write_atomic(out / "calibration_manifest.json", json_text(manifest))
    click.echo(summ.to_string(index=False))
    click.echo(f"wrote {out}/posterior.parquet ({len(res.posterior)} particles), "
               f"point_estimate.json, calibration_manifest.json in {res.elapsed:.0f} s")


def res_budget(budget, quick: bool) -> dict:
    import dataclasses
    d = dataclasses.asdict(budget)
    d["quick"] = quick
    return d


commands: list = [calibrate_cmd]
