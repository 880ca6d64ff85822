"""``escalation recover``: parameter recovery of a calibration over several synthetic records.

    escalation recover [SCENARIO] [--calibration DIR] [--records N] [--workers W]
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from ..paths import CALIBRATION_DIR as CAL_DIR
from .calibrate import _load, _write_atomic
from .common import friendly_errors


@click.command("recover")
@click.argument("scenario", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--calibration", "cal_dir", default=None,
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder of the calibration whose point estimate is the truth; recovery.json "
                   "and recovery.parquet, and the refreshed report.md, are written there "
                   "[default: results/<scenario>-calibration; --calibration calibration checks "
                   "the committed one].")
@click.option("--records", default=8, show_default=True, type=click.IntRange(1, 200),
              help="Synthetic records (seeds 3, 4, ...), each fitted on its own.")
@click.option("--workers", default=None, type=click.IntRange(1, 256),
              help="Records fitted at once, in local processes [default: the machine's "
                   "cores]; the figures do not depend on it.")
@click.option("--record", "record_dir", default=CAL_DIR, show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder holding events.csv and tallies.csv (the windows and bound types "
                   "the synthetic records copy).")
@click.option("--seed", "-s", default=0, show_default=True, type=click.IntRange(0, 2**62),
              help="Seed of each record's fit.")
@click.option("--quick", is_flag=True, help="Tiny fits (for tests): the figures mean little.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def recover_cmd(scenario, cal_dir, records, workers, record_dir, seed, quick, quiet):
    """Check that the fit finds a known truth: draw N synthetic records from the model at
    the calibration's point estimate (each cut into the record's own windows, with their
    bound types), fit each one as `escalation calibrate` fits the record (64 particles x 16
    replicates each, about 90 s a record on one core), and report per fitted parameter how
    many 90 % intervals cover the truth and the mean error of the posterior mean as a share
    of the prior range (docs/calibration.md, "Parameter recovery")."""
    return friendly_errors(_recover)(scenario, cal_dir, records, workers, record_dir, seed,
                                     quick, quiet)


def _recover(scenario, cal_dir, records, workers, record_dir, seed, quick, quiet):
    from ..calibration.fit import CALIBRATED
    from ..calibration.observation import observations
    from ..calibration.recovery import RECOVERY_BUDGET, RECOVERY_QUICK, recover
    from ..calibration.report import make_report
    from ..errors import ScenarioError
    from ..experiments.store import folder_lock, json_text
    from ..record.load import load_record

    sc = _load(scenario)
    if cal_dir is None:
        from .common import default_out

        cal_dir = default_out(sc.name, "calibration")
    cal_dir = Path(cal_dir)
    point_file = cal_dir / "point_estimate.json"
    if not point_file.is_file():
        raise ScenarioError(f"{cal_dir}: no calibration here (no point_estimate.json): run "
                            "`escalation calibrate`, or pass --calibration calibration to "
                            "check the committed one")
    try:
        point = json.loads(point_file.read_text())["parameters"]
        truth = {p.key: float(point[p.key]) for p in CALIBRATED}
    except (ValueError, KeyError, TypeError) as exc:
        raise ScenarioError(f"{point_file}: not a point estimate of the fitted parameters "
                            f"({exc.__class__.__name__}: {exc})") from None
    record = load_record(record_dir)
    obs = observations(record)
    budget = RECOVERY_QUICK if quick else RECOVERY_BUDGET
    seeds = list(range(3, 3 + records))
    workers = workers or min(os.cpu_count() or 1, records)
    from tqdm.auto import tqdm

    with folder_lock(cal_dir):
        bar = tqdm(total=len(seeds), desc="recovery fits", unit="record", disable=quiet)
        res = recover(sc, truth, obs, seeds, budget, seed, workers=workers,
                      progress=bar.update)
        bar.close()
        import io

        buf = io.BytesIO()
        res.rows.to_parquet(buf, index=False)
        _write_atomic(cal_dir / "recovery.parquet", buf.getvalue())
        _write_atomic(cal_dir / "recovery.json", json_text(
            {**res.to_json(), "records": len(seeds), "record_seeds": seeds,
             "quick": quick}))
        summ = res.summary()
        click.echo(summ[["parameter", "covered_90", "records", "bias_share", "rmse_share",
                         "mean_sd_ratio"]].to_string(index=False))
        pooled = res.pooled()
        click.echo(f"pooled: {pooled['covered']} of {pooled['intervals']} 90 % intervals "
                   f"cover the truth; {res.elapsed:.0f} s with {workers} worker(s)")
        if (cal_dir / "calibration_manifest.json").exists():
            path = make_report(sc, cal_dir, 20 if quick else 400, seed, record,
                               progress=not quiet)
            click.echo(f"wrote {cal_dir}/recovery.json, recovery.parquet and {path}")


commands: list = [recover_cmd]
