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
from ..plots.calibration import (
    fig_coverage,
    fig_monthly,
    fig_posterior,
    fig_surge,
    fig_targets,
)
from ..record.load import Record, load_record
from ..record.series import monthly_documented
from ..scenario import Scenario, build_params
from ..scenario.posterior import load_posterior
from .patterns import PATTERNS, STATISTICS, evaluate
from .statistics import FIT_END, RunSet

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


def make_report(sc: Scenario, folder: Path, reps: int, seed: int,
                record: Record | None = None, progress: bool = True) -> Path:
    """Write ``folder/report.md`` and ``folder/figures/*.png``; return the report's path."""
    folder = Path(folder)
    figs = folder / "figures"
    figs.mkdir(parents=True, exist_ok=True)
    record = record or load_record()
    post = load_posterior(folder / "posterior.parquet")
    manifest = json.loads((folder / "calibration_manifest.json").read_text())
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=2 * reps, desc="report simulations", unit="rep")
    tick = (lambda k: bar.update(k)) if bar else None
    rs = simulate(sc, reps, seed, folder / "posterior.parquet", progress=tick)
    rs0 = simulate(sc, reps, seed, False, progress=tick)
    if bar:
        bar.close()
    doc = monthly_documented(record, sc.start, sc.end)

    fig_monthly(rs, doc, figs / "monthly_attacks.png",
                 "Attacks on US forces per month: documented vs simulated "
                 f"(posterior draws, {reps} replicates)")
    fig_monthly(rs0, doc, figs / "monthly_attacks_defaults.png",
                 f"Same, at the registry defaults (before calibration, {reps} replicates)")
    fig_surge(rs, record, figs / "surge_cumulative.png")
    pats = evaluate(rs, record, PATTERNS)
    pats0 = evaluate(rs0, record, PATTERNS)
    stats = evaluate(rs, record, STATISTICS)
    fig_targets(pats, figs / "patterns.png", "Patterns P1-P8: documented (black) vs simulated "
                 "(blue), posterior draws")
    fig_targets(stats, figs / "statistics.png", "Summary statistics: documented vs simulated")
    summary = pd.DataFrame(manifest["posterior_summary"])
    bounds = {p["key"]: (p["lo"], p["hi"]) for p in manifest["parameters"]}
    fig_posterior(post, summary, bounds, figs / "posterior.png")

    cov_rows = []
    for window, a, b in (("calibration 2019-2023", dt.date(2019, 1, 1), FIT_END),
                         ("hold-out 2024", HOLDOUT, dt.date(2024, 12, 31))):
        for used, tally_only in (("tally-backed months", True), ("all months", False)):
            c50, c90, n = coverage(rs, doc, a, b, tally_only)
            d50, d90, _ = coverage(rs0, doc, a, b, tally_only)
            cov_rows.append({"window": window, "months_used": used, "months": n,
                             "cover50": c50, "cover90": c90, "defaults_cover50": d50,
                             "defaults_cover90": d90})
    cov = pd.DataFrame(cov_rows)
    fig_coverage(cov, figs / "coverage.png")

    ptab = pd.DataFrame([{
        "pattern": t.name, "window": t.window, "documented": _rng(t.observed_range),
        "simulated median [90 %]": f"{t.simulated:.3g} [{t.interval[0]:.3g}, "
                                   f"{t.interval[1]:.3g}]",
        "holds": "PASS" if t.holds else "FAIL",
        "at defaults": "PASS" if t0.holds else "FAIL",
        "what": t.description, "detail": t.detail, "rule": t.rule, "source": t.observed_source}
        for t, t0 in zip(pats, pats0)])
    stab = pd.DataFrame([{
        "statistic": t.name, "documented": _rng(t.observed_range),
        "simulated median [90 %]": f"{t.simulated:.3g} [{t.interval[0]:.3g}, "
                                   f"{t.interval[1]:.3g}]",
        "holds": "PASS" if t.holds else "FAIL", "what": t.description, "detail": t.detail}
        for t in stats])
    gens = pd.DataFrame(manifest["abc_generations"])
    dist_tab = pd.DataFrame(manifest["distance"]["statistics"])
    obs_tab = dist_tab.assign(documented=np.expm1(dist_tab.observed_log1p))[
        ["name", "description", "window", "documented", "sigma"]]
    sim_stats = _sim_stat_medians(rs)
    obs_tab["simulated median (posterior draws)"] = [sim_stats.get(n, np.nan)
                                                     for n in obs_tab.name]
    doc_tab = doc.copy()
    doc_tab["month"] = doc_tab.month.astype(str)
    sim_m = rs.months("attacks")
    qm = np.quantile(sim_m.to_numpy(), [0.05, 0.5, 0.95], axis=0)
    doc_tab["sim_q05"], doc_tab["sim_median"], doc_tab["sim_q95"] = qm

    from .branching import branch_validation, checks_markdown  # noqa: I001
    branch_checks, _ = branch_validation(sc, reps=reps, seed=seed,
                                         posterior=folder / "posterior.parquet", figures=figs)
    branch_md = checks_markdown(branch_checks)
    n_branch = sum(c.holds for c in branch_checks)
    n_pass = sum(t.holds for t in pats)
    text = f"""# Calibration fit report

Generated by `escalation calibrate --report` ({dt.date.today()}). Posterior from
`{manifest['command']}` (seed {manifest['seed']}, {manifest['elapsed_seconds']:.0f} s).
Record checksums (sha256): events.csv `{manifest['data_sha256']['events.csv'][:16]}...`,
tallies.csv `{manifest['data_sha256']['tallies.csv'][:16]}...`.

Report simulations: the full baseline scenario 2019-01-01 to 2024-12-31, {reps} replicates, seed
{seed}; each replicate's calibrated parameters are drawn from `posterior.parquet` by weight
(`sim.scenario.posterior.sample_posterior`), all other parameters at their baseline values. The
fit used the record up to 2023-12-31 only; **2024 is a hold-out**. For comparison the same
replicates are also run at the registry defaults ("at defaults").

**Patterns: {n_pass} of {len(pats)} hold** with posterior draws
({sum(t.holds for t in pats0)} of {len(pats0)} at the registry defaults).

## Calibrated parameters

{_md_table(summary)}

![posterior](figures/posterior.png)

ABC-SMC generations:

{_md_table(gens)}

## Monthly attacks on US forces, 2019-2024

![monthly](figures/monthly_attacks.png)

Before calibration (registry defaults): ![monthly defaults](figures/monthly_attacks_defaults.png)

![surge](figures/surge_cumulative.png)

**How the documented monthly series is built** (`sim.record.series.monthly_documented`). The record
has no complete monthly count. Published tallies cover some periods: May-Dec 2019 (FDD's 78
attacks May 2019-22 Oct 2020 less its 55 for 2020), 1 Jan-22 Oct 2020 (55), 1 Jan-7 Jul 2021
(45-50, Iraq), 8 Jul 2021-23 Mar 2023 (Kurilla's 78 since Jan 2021 less the 45-50 of H1 2021),
and the surge from 17 Oct 2023 to 7 Feb 2024 (the cumulative Pentagon series, made monotone;
GTTAC's 160+ to 31 Dec is left out of the central path). Inside a tally period the total is
spread over its days, half evenly and half in proportion to the period's attack rows in
events.csv; surge increments between successive Pentagon figures are spread evenly. Outside
these periods (Nov-Dec 2020, Apr-mid Oct 2023, Feb-Dec 2024 after 7 Feb) the only figure is
the number of attack rows in events.csv, which lists notable attacks, not all: **a lower
bound** (red triangles). The 2019-2020 tallies are Iraq-only indirect fire, also lower bounds.
So coverage is reported both over the tally-backed months and over all months.

## Posterior predictive coverage of monthly counts

{_md_table(cov)}

![coverage](figures/coverage.png)

## Patterns P1-P8

![patterns](figures/patterns.png)

{_md_table(ptab)}

## Summary statistics

![statistics](figures/statistics.png)

{_md_table(stab)}

### The fitted statistics (distance inputs)

{_md_table(obs_tab)}

## Branching validation (2024 hold-out and the K-1 climb)

The calibrated model (each replicate drawing its parameters from the posterior) replays the
documented record up to a branch date, then runs free; what it foresees is set against what
followed. A probability counts as consistent with what happened when it is at least one half;
the February-June 2024 count when the documented figure lies in the simulated 90 % interval.
{n_branch} of {len(branch_checks)} checks are consistent.

{branch_md}

![branch from Tower 22](figures/branch_tower22.png)

![branch from K-1](figures/branch_k1.png)

## Monthly table

{_md_table(doc_tab[MONTHLY_COLUMNS])}
"""
    out = folder / "report.md"
    tmp = out.with_suffix(".md.tmp")
    tmp.write_text(text)
    os.replace(tmp, out)
    return out


def _rng(r) -> str:
    lo, hi = r
    if not np.isfinite(hi):
        return f">= {lo:.3g}"
    return f"{lo:.3g}" if abs(hi - lo) < 1e-12 else f"{lo:.3g}-{hi:.3g}"


def _sim_stat_medians(rs: RunSet) -> dict:
    from .statistics import CALIBRATION_STATS, simulated_stats
    s = np.expm1(np.median(simulated_stats(rs), axis=0))
    return {st.name: float(v) for st, v in zip(CALIBRATION_STATS, s)}
