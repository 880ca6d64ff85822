"""Figures of the calibration report: monthly bands against the record, the surge, the
patterns and statistics, the posterior marginals and the coverage."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..record.load import Record  # noqa: E402
from ..record.series import surge_cumulative  # noqa: E402

if TYPE_CHECKING:  # figures take the calibration's tables; they never run anything
    from ..calibration.patterns import Target
    from ..calibration.statistics import RunSet

HOLDOUT = dt.date(2024, 1, 1)
"""Where the figures draw the start of the hold-out year."""


def fig_monthly(rs: RunSet, doc: pd.DataFrame, path: Path, title: str) -> None:
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


def fig_surge(rs: RunSet, record: Record, path: Path) -> None:
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


def fig_targets(targets: list[Target], path: Path, title: str) -> None:
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


def fig_posterior(post: pd.DataFrame, summary: pd.DataFrame, bounds: dict, path: Path) -> None:
    keys = [c for c in post.columns if c != "weight"]
    cols = 4
    rows = (len(keys) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(14, 3.0 * rows))
    for ax, k in zip(axes.ravel(), keys):
        lo, hi = bounds.get(k, (post[k].min(), post[k].max()))
        ax.hist(post[k], bins=30, range=(lo, hi), weights=post["weight"], color="#0072B2",
                alpha=0.7)
        row = summary[summary.parameter == k].iloc[0]
        ax.axvline(row.point_estimate, color="#D55E00", lw=2, label="point estimate (median)")
        ax.axvline(row.default, color="black", ls="--", label="registry default")
        ax.set_xlim(lo, hi)
        ax.set_title(k, fontsize=9)
        ax.set_yticks([])
    for ax in axes.ravel()[len(keys):]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=7)
    fig.suptitle("Posterior marginals (tempered SMC, fitted to 2023); x-axis: the uniform prior's "
                 "range")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def fig_coverage(cov: pd.DataFrame, path: Path) -> None:
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




FORECASTER_COLOURS = {"model": "#0072B2", "constant NB": "#E69F00", "peace/war NB": "#009E73",
                      "persistence": "#CC79A7"}
"""Colour-blind-safe (Okabe-Ito) colours of the forecasters."""


def _eval_label(name: str) -> str:
    """A short two-line label of an evaluation."""
    if name.startswith("2024 hold-out, windows from 2023"):
        return "hold-out windows\nfrom 2023 (replayed)"
    if name.startswith("2024 hold-out"):
        return "2024 hold-out\n(fitted to 2023)"
    if name.startswith("fit window"):
        return "fit window\n(in sample)"
    return name.replace("backtests, within ", "backtests\n<= ")


def fig_scores(summary: pd.DataFrame, path: Path, family: str = "attacks") -> None:
    """Mean CRPS per evaluation and forecaster (one family), and the model's coverage of the
    50 % and 90 % intervals against the nominal levels."""
    s = summary[summary.family == family]
    evals = list(dict.fromkeys(s.evaluation))
    fcs = [f for f in FORECASTER_COLOURS if f in set(s.forecaster)]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(13, 4.5), gridspec_kw={"width_ratios": [3, 2]})
    x = np.arange(len(evals))
    wd = 0.8 / max(len(fcs), 1)
    for k, f in enumerate(fcs):
        v = [s[(s.evaluation == e) & (s.forecaster == f)].crps.mean() for e in evals]
        ax.bar(x + (k - (len(fcs) - 1) / 2) * wd, v, wd, label=f, color=FORECASTER_COLOURS[f])
    labels = [_eval_label(e) for e in evals]
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_ylabel(f"mean CRPS, {family} (counts; lower is better)")
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    ax.set_title(f"Forecast skill on the record's tally windows: {family}")
    m = s[s.forecaster == "model"]
    bx.bar(x - 0.2, [m[m.evaluation == e].coverage_50.mean() for e in evals], 0.4,
           label="inside 50 % interval", color="#56B4E9")
    bx.bar(x + 0.2, [m[m.evaluation == e].coverage_90.mean() for e in evals], 0.4,
           label="inside 90 % interval", color="#0072B2")
    bx.axhspan(0.4, 0.6, color="#56B4E9", alpha=0.15)
    bx.axhspan(0.8, 0.95, color="#0072B2", alpha=0.12)
    bx.set_xticks(x, labels, fontsize=7)
    bx.set_ylim(0, 1)
    bx.set_ylabel("share of windows (weighted)")
    bx.set_title("Model coverage (shaded: the target bands)")
    bx.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def fig_windows(table: pd.DataFrame, path: Path, title: str) -> None:
    """Each tally window of one family: the documented interval (black) against the
    simulated 50 % (thick) and 90 % (thin) intervals, in date order."""
    t = table.sort_values(["start", "end"]).reset_index(drop=True)
    n = len(t)
    fig, ax = plt.subplots(figsize=(11, max(3.0, 0.18 * n + 1)))
    y = np.arange(n)
    ax.hlines(y, t.q05, t.q95, color="#0072B2", lw=1.2, alpha=0.7, label="simulated 90 %")
    ax.hlines(y, t.q25, t.q75, color="#0072B2", lw=4, label="simulated 50 %")
    lo = t.lo if "lo" in t else None
    if lo is not None:
        hi = np.where(np.isfinite(t.hi), t.hi, np.maximum(t.q95, t.lo) * 1.5 + 1)
        ax.hlines(y + 0.3, t.lo, hi, color="black", lw=1.5, label="documented")
    ax.set_yticks(y, [f"{a}..{b}  {d}" for a, b, d in zip(t.start, t.end, t.documented)],
                  fontsize=6)
    ax.invert_yaxis()
    ax.set_xscale("symlog", linthresh=1)
    ax.set_xlim(left=0)
    ax.set_xlabel("count")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
