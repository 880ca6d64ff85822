"""The calibration fit report: calibration/report.md and calibration/figures/*.png.

Simulations for the report run the full scenario (2019-2024) with each replicate's parameters
drawn from the posterior (:func:`sim.posterior.sample_posterior`), so the bands carry
parameter uncertainty as well as noise.  2019-2023 is the calibration window; 2024 the
hold-out.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .batch import BatchEngine  # noqa: E402
from .posterior import load_posterior, sample_posterior  # noqa: E402
from .record import Record, load_record  # noqa: E402
from .resolved import build_param_table  # noqa: E402
from .scenario import Scenario  # noqa: E402
from .targets import (  # noqa: E402
    FIT_END,
    PATTERNS,
    STATISTICS,
    RunSet,
    Target,
    evaluate,
    monthly_documented,
    surge_cumulative,
)

HOLDOUT = dt.date(2024, 1, 1)


def simulate(sc: Scenario, reps: int, seed: int, overrides: dict | None,
             chunk: int = 150, progress=None) -> RunSet:
    """Full-scenario daily run set, in chunks (replicate r's draws do not depend on chunks)."""
    eng = BatchEngine(sc)
    parts = []
    for a in range(0, reps, chunk):
        idx = np.arange(a, min(reps, a + chunk))
        ov = None if overrides is None else {k: v[idx] for k, v in overrides.items()}
        res = eng.run(seed, idx, build_param_table(sc, len(idx), ov), record_daily=True)
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


def _fig_monthly(rs: RunSet, doc: pd.DataFrame, path: Path, title: str) -> None:
    sim = rs.months("attacks")
    months = pd.to_datetime(list(sim.columns))
    q = np.quantile(sim.to_numpy(), [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    fig, axes = plt.subplots(2, 1, figsize=(11, 7.5), sharex=True,
                             gridspec_kw={"height_ratios": [1, 1]})
    for ax, log in zip(axes, (False, True)):
        ax.fill_between(months, q[0], q[4], step="mid", color="tab:blue", alpha=0.18,
                        label="simulated 90 % band")
        ax.fill_between(months, q[1], q[3], step="mid", color="tab:blue", alpha=0.35,
                        label="simulated 50 % band")
        ax.step(months, q[2], where="mid", color="tab:blue", lw=1.2, label="simulated median")
        dm = pd.to_datetime(doc.month)
        tal = doc.basis == "tally"
        err = np.vstack([doc.estimate - doc.lo, (doc.hi.fillna(doc.estimate) - doc.estimate)])
        ax.errorbar(dm[tal], doc.estimate[tal], yerr=err[:, tal.to_numpy()], fmt="o",
                    color="black", ms=4, lw=1, capsize=2,
                    label="documented (tally-based estimate, range)")
        ax.plot(dm[~tal], doc.estimate[~tal], "^", color="tab:red", ms=5, mfc="none",
                label="documented (event rows only: lower bound)")
        ax.axvline(pd.Timestamp(HOLDOUT), color="grey", ls="--", lw=1)
        ax.text(pd.Timestamp(HOLDOUT), ax.get_ylim()[1] if not log else 1, " hold-out 2024",
                color="grey", va="top" if not log else "bottom", fontsize=8)
        if log:
            ax.set_yscale("symlog", linthresh=1)
            ax.set_ylabel("attacks per month (symlog)")
        else:
            ax.set_ylabel("attacks per month")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="upper left")
    axes[0].set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _fig_surge(rs: RunSet, record: Record, path: Path) -> None:
    cum = surge_cumulative(record)
    a = rs.day(dt.date(2023, 10, 17))
    b = rs.day(dt.date(2024, 3, 31))
    c = np.cumsum(rs.daily[:, a:b + 1, 0], axis=1)
    days = pd.date_range("2023-10-17", "2024-03-31")
    q = np.quantile(c, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.fill_between(days, q[0], q[4], color="tab:blue", alpha=0.18, label="simulated 90 %")
    ax.fill_between(days, q[1], q[3], color="tab:blue", alpha=0.35, label="simulated 50 %")
    ax.plot(days, q[2], color="tab:blue", label="simulated median")
    cd = pd.to_datetime(cum.date)
    ax.errorbar(cd, cum.mid, yerr=[cum.mid - cum.lo, cum.hi - cum.mid], fmt="o", color="k",
                ms=4, capsize=2, label="Pentagon cumulative tallies")
    ax.axvline(pd.Timestamp(HOLDOUT), color="grey", ls="--", lw=1)
    ax.set_ylabel("attacks on US forces since 17 Oct 2023")
    ax.set_title("The surge: cumulative attacks, documented vs simulated (posterior draws)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _fig_targets(targets: list[Target], path: Path, title: str) -> None:
    n = len(targets)
    cols = 4
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(14, 3.2 * rows))
    for ax, t in zip(axes.ravel(), targets):
        lo, hi = t.observed_range
        q05, q95 = t.interval
        xs = [t.simulated, q05, q95, lo, hi if np.isfinite(hi) else lo]
        xs = [x for x in xs if np.isfinite(x)]
        ax.axvspan(q05, q95 if q95 > q05 else q05 + 1e-3, color="tab:blue", alpha=0.25,
                   label="sim 90 %")
        ax.axvline(t.simulated, color="tab:blue", lw=2, label="sim median")
        if np.isfinite(hi) and hi > lo:
            ax.axvspan(lo, hi, color="black", alpha=0.25, label="documented range")
        ax.axvline(lo, color="black", lw=2, ls="--", label="documented")
        if xs:
            span = max(xs) - min(xs)
            pad = 0.15 * span if span > 0 else 0.5
            ax.set_xlim(min(xs) - pad, max(xs) + pad)
        ax.set_yticks([])
        ok = "PASS" if t.holds else "FAIL"
        ax.set_title(f"{t.name} [{t.window}]: {ok}", color="green" if t.holds else "red",
                     fontsize=10)
        ax.set_xlabel(_short(t.description), fontsize=7)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=7, loc="upper left")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _short(s: str, n: int = 70) -> str:
    s = s.split(":")[0] if len(s) > n else s
    return s[:n]


def _fig_posterior(post: pd.DataFrame, summary: pd.DataFrame, bounds: dict, path: Path) -> None:
    keys = [c for c in post.columns if c != "weight"]
    cols = 4
    rows = (len(keys) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(14, 3.0 * rows))
    for ax, k in zip(axes.ravel(), keys):
        lo, hi = bounds.get(k, (post[k].min(), post[k].max()))
        ax.hist(post[k], bins=30, range=(lo, hi), weights=post["weight"], color="tab:blue",
                alpha=0.7)
        row = summary[summary.parameter == k].iloc[0]
        ax.axvline(row.point_estimate, color="tab:red", lw=2, label="SMM point")
        ax.axvline(row.default, color="black", ls="--", label="registry default")
        ax.set_xlim(lo, hi)
        ax.set_title(k, fontsize=9)
        ax.set_yticks([])
    for ax in axes.ravel()[len(keys):]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=7)
    fig.suptitle("ABC-SMC posterior marginals over the prior bounds (x-axis)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _fig_coverage(cov: pd.DataFrame, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(8, 4))
    labels = [f"{r.window}\n{r.months_used}\n(n={r.months})" for r in cov.itertuples()]
    x = np.arange(len(cov))
    ax.bar(x - 0.2, cov.cover50, 0.4, label="inside 50 % band")
    ax.bar(x + 0.2, cov.cover90, 0.4, label="inside 90 % band")
    ax.axhline(0.5, color="tab:blue", ls=":", lw=1)
    ax.axhline(0.9, color="tab:orange", ls=":", lw=1)
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of months")
    ax.set_title("Posterior predictive coverage of monthly attacks on US forces")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


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


def make_report(sc: Scenario, folder: Path, reps: int, seed: int,
                record: Record | None = None, progress: bool = True) -> Path:
    """Write ``folder/report.md`` and ``folder/figures/*.png``; return the report's path."""
    folder = Path(folder)
    figs = folder / "figures"
    figs.mkdir(parents=True, exist_ok=True)
    record = record or load_record()
    post = load_posterior(folder / "posterior.parquet")
    manifest = json.loads((folder / "calibration_manifest.json").read_text())
    point = json.loads((folder / "point_estimate.json").read_text())
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=2 * reps, desc="report simulations", unit="rep")
    tick = (lambda k: bar.update(k)) if bar else None
    draws = sample_posterior(folder / "posterior.parquet", seed, reps)
    rs = simulate(sc, reps, seed, draws, progress=tick)
    rs0 = simulate(sc, reps, seed, None, progress=tick)
    if bar:
        bar.close()
    doc = monthly_documented(record, sc.start, sc.end)

    _fig_monthly(rs, doc, figs / "monthly_attacks.png",
                 "Attacks on US forces per month: documented vs simulated "
                 f"(posterior draws, {reps} replicates)")
    _fig_monthly(rs0, doc, figs / "monthly_attacks_defaults.png",
                 f"Same, at the registry defaults (before calibration, {reps} replicates)")
    _fig_surge(rs, record, figs / "surge_cumulative.png")
    pats = evaluate(rs, record, PATTERNS)
    pats0 = evaluate(rs0, record, PATTERNS)
    stats = evaluate(rs, record, STATISTICS)
    _fig_targets(pats, figs / "patterns.png", "Patterns P1-P8: documented (black) vs simulated "
                 "(blue), posterior draws")
    _fig_targets(stats, figs / "statistics.png", "Summary statistics: documented vs simulated")
    summary = pd.DataFrame(manifest["posterior_summary"])
    bounds = {p["key"]: (p["lo"], p["hi"]) for p in manifest["parameters"]}
    _fig_posterior(post, summary, bounds, figs / "posterior.png")

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
    _fig_coverage(cov, figs / "coverage.png")

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

    from .branching import branch_validation, checks_markdown
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
(`sim.posterior.sample_posterior`), all other parameters at their baseline values. The fit used
the record up to 2023-12-31 only; **2024 is a hold-out**. For comparison the same replicates are
also run at the registry defaults ("at defaults").

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

**How the documented monthly series is built** (`sim.targets.monthly_documented`). The record
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

{_md_table(doc_tab[['month', 'events', 'estimate', 'lo', 'hi', 'basis', 'sim_q05', 'sim_median', 'sim_q95']])}
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
    from .targets import CALIBRATION_STATS, simulated_stats
    s = np.expm1(np.median(simulated_stats(rs), axis=0))
    return {st.name: float(v) for st, v in zip(CALIBRATION_STATS, s)}
