"""The calibration fit report: calibration/report.md and calibration/figures/*.png.

Simulations for the report run the full scenario (2019-2024) with each replicate's parameters
drawn from the posterior (:func:`sim.scenario.posterior.sample_posterior`), so the bands carry
parameter uncertainty as well as noise.  2019-2023 is the calibration window; 2024 the
hold-out.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..engines.batch import BatchEngine
from ..errors import OutputError
from ..plots.calibration import (
    fig_monthly,
    fig_posterior,
    fig_surge,
    fig_targets,
)
from ..record.load import Record, load_record
from ..record.series import monthly_documented
from ..scenario import Scenario, build_params
from ..scenario.posterior import load_posterior
from .observation import FIT_END
from .patterns import PATTERNS, evaluate
from .statistics import RunSet

HOLDOUT = dt.date(2024, 1, 1)


def simulate(sc: Scenario, reps: int, seed: int, posterior: bool | str | Path,
             chunk: int = 150, progress=None) -> RunSet:
    """Full-scenario daily run set, in chunks (replicate r's draws do not depend on chunks);
    parameters as :func:`sim.scenario.build_params` draws them."""
    eng = BatchEngine(sc.setup())
    parts = []
    for a in range(0, reps, chunk):
        idx = np.arange(a, min(reps, a + chunk))
        res = eng.run(seed, idx, build_params(sc, idx, seed, posterior=posterior),
                      record_daily=True)
        res.traces = None
        parts.append(RunSet.from_chunk(res, sc.start, sc.days))
        if progress:
            progress(len(idx))
    return RunSet.concat(parts)


def coverage(rs: RunSet, doc: pd.DataFrame, a: dt.date, b: dt.date, tally_only: bool):
    """Share of months with the documented estimate inside the simulated 50 % and 90 %
    bands, and the number of months."""
    sim = rs.months("attacks")
    sel = doc[(doc.month >= a) & (doc.month <= b)]
    if tally_only:
        sel = sel[sel.basis == "tally"]
    h50 = h90 = 0
    for _, row in sel.iterrows():
        q = np.quantile(sim[row.month], [0.05, 0.25, 0.75, 0.95])
        h50 += q[1] - 1e-9 <= row.estimate <= q[2] + 1e-9
        h90 += q[0] - 1e-9 <= row.estimate <= q[3] + 1e-9
    n = len(sel)
    return (h50 / n if n else float("nan")), (h90 / n if n else float("nan")), n


def _md_table(df: pd.DataFrame, floatfmt: str = "{:.3g}") -> str:
    def fmt(v):
        if isinstance(v, (bool, np.bool_)):
            return "yes" if v else "no"
        if isinstance(v, (float, np.floating)):
            return "" if np.isnan(v) else floatfmt.format(v)
        return str(v).replace("|", "/")
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        lines.append("| " + " | ".join(fmt(r[c]) for c in cols) + " |")
    return "\n".join(lines)


MONTHLY_COLUMNS = ["month", "events", "estimate", "lo", "hi", "basis", "sim_q05", "sim_median",
                   "sim_q95"]


def _criteria(summary: pd.DataFrame, verdict: pd.DataFrame | None, pats: list,
              validation: dict | None, windows_90: pd.DataFrame | None) -> pd.DataFrame:
    """The issue's done-criteria, each with its measured result and whether it holds."""
    rows = []
    n_pass = sum(t.holds for t in pats)
    rows.append({"criterion": "P1-P8 hold (documented value inside the simulated 50 % "
                              "interval; a sequence: a quarter of replicates)",
                 "result": f"{n_pass} of {len(pats)} hold: " + ", ".join(
                     f"{t.name} {'yes' if t.holds else 'no'}" for t in pats),
                 "holds": n_pass == len(pats)})
    bad = summary[summary.sd_ratio > 0.5]
    rows.append({"criterion": "every fitted parameter's posterior sd at most half its prior "
                              "sd (or fixed with a stated reason)",
                 "result": (f"all {len(summary)} ("
                            + ", ".join(f"{r.parameter} {r.sd_ratio:.3f}"
                                        for r in summary.itertuples())
                            + "); the others are fixed, each with its reason (Parameters the "
                            "fit leaves alone)" if bad.empty else
                            f"{len(summary) - len(bad)} of {len(summary)}; above one half: "
                            + ", ".join(f"{r.parameter} {r.sd_ratio:.3f}"
                                        for r in bad.itertuples())),
                 "holds": bad.empty})
    inside = summary.point_in_50.all()
    rows.append({"criterion": "the point estimate lies inside the posterior's 50 % interval",
                 "result": "yes (each parameter's posterior median)" if inside else "no",
                 "holds": bool(inside)})
    if verdict is not None and len(verdict):
        fit = verdict[(verdict.evaluation.str.startswith("fit window"))
                      & (verdict.family == "attacks")]
        if len(fit):
            c50, c90 = fit.model_coverage_50.iloc[0], fit.model_coverage_90.iloc[0]
            m50 = fit.model_coverage_midpoint_50.iloc[0]
            m90 = fit.model_coverage_midpoint_90.iloc[0]
            rows.append({"criterion": "fit window: coverage of the tally windows 40-60 % at "
                                      "50 % and 80-95 % at 90 % (attacks on US forces; from "
                                      "the PIT of each documented interval)",
                         "result": f"{c50:.1%} at 50 %, {c90:.1%} at 90 % (by the midpoint "
                                   f"rule it replaced: {m50:.0%} and {m90:.0%})",
                         "holds": bool(0.4 <= c50 <= 0.6 and 0.8 <= c90 <= 0.95)})
        for prefix in ("2024 hold-out (", "backtests"):
            v = verdict[verdict.evaluation.str.startswith(prefix)
                        & (verdict.family == "attacks")]
            for r in v.itertuples():
                rows.append({"criterion": f"{r.evaluation}: the model's mean CRPS below every "
                                          "naive baseline's (attacks on US forces)",
                             "result": f"model {r.model_crps:.3g} against best baseline "
                                       f"({r.best_baseline}) {r.best_baseline_crps:.3g}",
                             "holds": bool(r.model_beats_every_baseline)})
    else:
        rows.append({"criterion": "forecast scores against the naive baselines",
                     "result": "not computed: run `escalation validate`", "holds": False})
    if windows_90 is not None and len(windows_90):
        wide = windows_90[windows_90.ratio > 2.0]
        rows.append({"criterion": "the surge windows' 90 % intervals no wider than twice their "
                                  "medians",
                     "result": (f"{len(windows_90) - len(wide)} of {len(windows_90)}; widest "
                                f"{windows_90.ratio.max():.2f} x the median"),
                     "holds": wide.empty})
    return pd.DataFrame(rows)


SURGE_FIRST, SURGE_LAST = dt.date(2023, 10, 17), dt.date(2024, 2, 4)


def surge_windows(record: Record) -> list:
    """The surge's tally windows: attacks on US forces in Iraq and Syria (or everywhere), at
    least four weeks long, inside 17 Oct 2023 - 4 Feb 2024 (fit window and hold-out)."""
    from .observation import holdout_observations, observations

    obs = observations(record, SURGE_FIRST, FIT_END, events=False) + [
        o for o in holdout_observations(record) if o.start >= SURGE_FIRST]
    return [o for o in obs if o.family == "attacks" and o.end <= SURGE_LAST
            and o.days >= 28 and o.theatre in ("all", "iraq_syria")]


def surge_widths(rs: RunSet, record: Record) -> pd.DataFrame:
    """Per surge window (:func:`surge_windows`): the simulated median and 90 % interval, and
    the interval's width over the median."""
    from .observation import simulated_counts

    obs = surge_windows(record)
    if not obs:
        return pd.DataFrame()
    x = simulated_counts(obs, rs.weekly, rs.start, rs.days)
    q05, q50, q95 = np.quantile(x, [0.05, 0.5, 0.95], axis=0)
    return pd.DataFrame({"window": [o.name for o in obs],
                         "documented": [o.documented for o in obs], "median": q50,
                         "q05": q05, "q95": q95,
                         "ratio": (q95 - q05) / np.maximum(q50, 1e-9)})


def make_report(sc: Scenario, folder: Path, reps: int, seed: int,
                record: Record | None = None, progress: bool = True) -> Path:
    """Write ``folder/report.md`` and ``folder/figures/*.png`` from the calibration in
    ``folder`` (and its ``validation.json`` and ``scores.parquet`` when
    ``escalation validate`` has written them); return the report's path."""
    from ..plots.calibration import fig_scores, fig_windows

    folder = Path(folder)
    figs = folder / "figures"
    figs.mkdir(parents=True, exist_ok=True)
    record = record or load_record()
    post = load_posterior(folder / "posterior.parquet")
    manifest = json.loads((folder / "calibration_manifest.json").read_text())
    recovery_md = _recovery_section(folder)  # a damaged recovery.json fails before the runs
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=reps, desc="report simulations", unit="rep")
    tick = (lambda k: bar.update(k)) if bar else None
    rs = simulate(sc, reps, seed, folder / "posterior.parquet", progress=tick)
    if bar:
        bar.close()
    doc = monthly_documented(record, sc.start, sc.end)
    fig_monthly(rs, doc, figs / "monthly_attacks.png",
                "Attacks on US forces per month: documented vs simulated "
                f"(posterior draws, {reps} replicates, free from 2019)")
    fig_surge(rs, record, figs / "surge_cumulative.png")
    pats = evaluate(rs, record, PATTERNS)
    fig_targets(pats, figs / "patterns.png", "Patterns P1-P8: documented (black) vs simulated "
                "(blue), posterior draws")
    summary = pd.DataFrame(manifest["posterior_summary"])
    bounds = {p["key"]: (p["lo"], p["hi"]) for p in manifest["parameters"]}
    fig_posterior(post, summary, bounds, figs / "posterior.png")

    validation = None
    verdict = vsum = None
    scores_tab = None
    if (folder / "validation.json").exists() and (folder / "scores.parquet").exists():
        validation = json.loads((folder / "validation.json").read_text())
        vsum = pd.DataFrame(validation["summary"])
        verdict = pd.DataFrame(validation["verdict"])
        scores_tab = pd.read_parquet(folder / "scores.parquet")
        fig_scores(vsum, figs / "scores.png", "attacks")
        for ev, fname in (("fit window", "windows_fit.png"), ("2024 hold-out",
                                                               "windows_holdout.png")):
            t = scores_tab[scores_tab.evaluation.str.startswith(ev)
                           & (scores_tab.forecaster == "model")
                           & (scores_tab.family == "attacks")]
            if len(t):
                fig_windows(t, figs / fname, f"{ev}: attacks on US forces per tally window, "
                            "documented (black) vs the model's 50 % / 90 % intervals")
    widths = surge_widths(rs, record)
    crit = _criteria(summary, verdict, pats, validation, widths)
    n_hold = int(crit.holds.sum())

    ptab = pd.DataFrame([{
        "pattern": t.name, "window": t.window, "documented": _rng(t.observed_range),
        "simulated": _simulated(t),
        "criterion": t.rule, "holds": "PASS" if t.holds else "FAIL",
        "what": t.description, "detail": t.detail, "source": t.observed_source}
        for t in pats])
    stages = pd.DataFrame(manifest.get("stages", []))
    if len(stages):
        stages["acceptance"] = stages.acceptance.map(
            lambda a: ", ".join(f"{x:.2f}" for x in a))
    hand = pd.DataFrame([{"parameters": k, "why hand-set": v}
                         for k, v in manifest.get("hand_set", {}).items()])
    obs_tab = pd.DataFrame(manifest.get("observations", []))
    fam_w = (obs_tab.groupby("family").agg(observations=("name", "size"),
                                           total_weight=("weight", "sum")).reset_index()
             if len(obs_tab) else pd.DataFrame())
    score_md = "Not computed yet: run `escalation validate`."
    if vsum is not None:
        cols = ["evaluation", "family", "forecaster", "observations", "crps", "log_score",
                "interval_score_50", "interval_score_90", "coverage_50", "coverage_90"]
        score_md = (_md_table(verdict) + "\n\n![scores](figures/scores.png)\n\n"
                    "All scores (weighted means over the windows; CRPS and interval scores "
                    "over point-valued windows only, log score over all):\n\n"
                    + _md_table(vsum[cols]))
        bt = validation.get("backtests", [])
        if bt:
            score_md += "\n\nBacktest origins:\n\n" + _md_table(pd.DataFrame(bt))
        for fname, what in (("windows_fit.png", "fit window"),
                            ("windows_holdout.png", "2024 hold-out")):
            if (figs / fname).exists():
                score_md += f"\n\n{what}, window by window:\n\n![{what}](figures/{fname})"
    text = f"""# Calibration report

Generated {dt.date.today()} by `escalation calibrate` / `escalation validate`. Posterior from
`{manifest['command']}` (seed {manifest['seed']}, {manifest['elapsed_seconds']:.0f} s,
{manifest['simulated_rows']} simulated replicates{', **stopped early by the time budget**'
if manifest.get('stopped_early') else ''}). Fit window {manifest['fit_window']}: **2024 is the
hold-out**, never used to choose parameter values. Record checksums (sha256): events.csv
`{manifest['data_sha256']['events.csv'][:16]}...`, tallies.csv
`{manifest['data_sha256']['tallies.csv'][:16]}...`. Method: {manifest.get('method', '')};
the observation model and the sampler are described in docs/calibration.md.

## Done criteria

**{n_hold} of {len(crit)} hold.** Each criterion beside its measured result:

{_md_table(crit)}

## Forecast scores against naive baselines

The model (posterior draws) against a constant-rate negative binomial, a peace/war negative
binomial told the Gaza war's date, and persistence of the last documented rate, each fitted
to the same observations with the same observation model. Lower CRPS, log and interval
scores are better.

{score_md}

## Fitted parameters

`default at calibration` is each parameter's default when the sampler ran; the point
estimate (the posterior median) becomes the new default after it (docs/calibration.md).

{_md_table(summary.rename(columns={"default": "default at calibration"}))}

![posterior](figures/posterior.png)

Tempering stages:

{_md_table(stages)}

{recovery_md}

### Parameters the fit leaves alone

{_md_table(hand)}

## The observations

{len(obs_tab)} observations of the fit window (tallies with their bound types and scopes, the
event rows' lower bounds, strike days and deaths per year); their overlap weights per family:

{_md_table(fam_w)}

## Patterns P1-P8

Run: the full baseline 2019-2024, {reps} replicates, seed {seed}, each replicate's fitted
parameters drawn from the posterior, free from 2019 (no replay).

![patterns](figures/patterns.png)

{_md_table(ptab)}

## Monthly attacks on US forces

![monthly](figures/monthly_attacks.png)

![surge](figures/surge_cumulative.png)

The surge's windows, width of the simulated 90 % interval against the median:

{_md_table(widths) if len(widths) else 'none'}
"""
    out = folder / "report.md"
    tmp = out.with_suffix(".md.tmp")
    tmp.write_text(text)
    os.replace(tmp, out)
    return out


def _recovery_section(folder: Path) -> str:
    """The parameter-recovery table of ``folder/recovery.json`` (``escalation recover``), or
    how to make it; flagged when its truth is not the folder's current point estimate."""
    path = folder / "recovery.json"
    if not path.is_file():
        return ("### Parameter recovery\n\nNot computed yet: run `escalation recover` "
                "(docs/calibration.md).")
    try:
        rec = json.loads(path.read_text())
        summ = pd.DataFrame(rec["summary"])
        pooled, b, truth = rec["pooled"], rec["budget"], rec["truth"]
        point = json.loads((folder / "point_estimate.json").read_text())["parameters"]
        stale = any(abs(point.get(k, float("nan")) - v) > 1e-9 for k, v in truth.items())
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise OutputError(f"{path}: damaged ({exc.__class__.__name__}: {exc}); rerun "
                          "`escalation recover` to replace it") from None
    note = (" **Stale: its truth is not this calibration's point estimate; rerun "
            "`escalation recover`.**" if stale else "")
    return f"""### Parameter recovery

`escalation recover`: {rec.get('records', len(rec.get('record_seeds', [])))} synthetic records
drawn from the model at the point estimate (seeds {rec.get('record_seeds')}), each fitted with
{b['particles']} particles x {b['reps']} replicates (fit seed {rec['fit_seed']},
{rec['elapsed_seconds']:.0f} s{', quick budget' if rec.get('quick') else ''}).{note} Per
parameter: how many 90 % intervals cover the truth (about 90 % should), the binomial
probability of that few or fewer if the intervals were right, and the posterior mean's error
as a share of the prior range, mean over the records (bias, tolerance
{rec['bias_tolerance']:.0%}) and root mean square. Pooled: {pooled['covered']} of
{pooled['intervals']} intervals cover the truth ({pooled['coverage_90']:.0%}, P(this few or
fewer) {pooled['p_this_few']:.2f}).

{_md_table(summ)}"""


def _simulated(t) -> str:
    """A pattern's simulated figure: median [50 %] [90 %], or a sequence's share."""
    if "q25" not in t.extra:
        if t.interval[0] == t.interval[1]:
            return f"{t.simulated:.1%} of replicates"
        return f"{t.simulated:.3g} [90 %: {t.interval[0]:.3g}, {t.interval[1]:.3g}]"
    return (f"{t.simulated:.3g} [50 %: {t.extra['q25']:.3g}, {t.extra['q75']:.3g}] "
            f"[90 %: {t.interval[0]:.3g}, {t.interval[1]:.3g}]")


def _rng(r) -> str:
    lo, hi = r
    if not np.isfinite(hi):
        return f">= {lo:.3g}"
    return f"{lo:.3g}" if abs(hi - lo) < 1e-12 else f"{lo:.3g}-{hi:.3g}"
