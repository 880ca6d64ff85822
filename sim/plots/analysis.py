"""Figures of runs, sweeps, policy comparisons and sensitivity analyses.

Each ``plot_*`` function takes tables, returns a matplotlib Figure and, given a path, saves it
as PNG.  Labels and units come from the outcome registry
(:data:`sim.experiments.outcomes.OUTCOMES`).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..experiments.outcomes import axis_label  # noqa: E402
from ..model.ladder import LADDER  # noqa: E402
from .curves import _mark_events  # noqa: E402
from .style import PALETTE, RUNG_COLORS  # noqa: E402


def _finish(fig, path):
    if path is not None:
        path = Path(path)
        tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}.png")
        fig.savefig(tmp, dpi=130, bbox_inches="tight")
        os.replace(tmp, path)
    return fig


def _title(fig, title: str, subtitle: str = "") -> float:
    """Title and grey subtitle at fixed distances (in inches) from the top; returns the top
    of the area left for the axes (for ``tight_layout(rect=...)``)."""
    h = fig.get_figheight()
    fig.suptitle(title, fontsize=13, x=0.01, y=1 - 0.08 / h, ha="left", va="top")
    if subtitle:
        fig.text(0.01, 1 - 0.38 / h, subtitle, fontsize=9, color="0.35", ha="left", va="top")
    return 1 - 0.62 / h


def _date_axis(ax, start, end):
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if (end - start).days > 2 * 365:
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(4, 7, 10)))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    else:
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
        ax.xaxis.set_minor_locator(mdates.MonthLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.set_xlim(start, end)


def _panel_title(ax, text: str, color="black"):
    """A panel's title inside its top-left corner (event labels may sit above the panel)."""
    ax.text(0.01, 0.97, text, transform=ax.transAxes, ha="left", va="top", fontsize=10,
            color=color, bbox={"facecolor": "white", "alpha": 0.8, "lw": 0, "pad": 1.5},
            zorder=5)


def _tidy(ax):
    ax.grid(axis="y", color="0.9")
    ax.spines[["top", "right"]].set_visible(False)


# --------------------------------------------------------------------------- run folders


def plot_rung_probabilities(bands: pd.DataFrame, title: str, start: dt.date, end: dt.date,
                            path: str | Path | None = None, subtitle: str = ""):
    """Probability that a week reaches each ladder rung (1..7), week by week, from the
    ``p_rung_ge_k`` columns of a bands table."""
    b = bands[bands["measure"] == "rung"].sort_values("week").copy()
    x = pd.to_datetime(b["week_start"])
    fig, axes = plt.subplots(2, 1, figsize=(12, 7.5), sharex=True,
                             gridspec_kw={"height_ratios": [1.3, 1]})
    ax = axes[0]
    for k in (1, 2, 3, 4):
        ax.step(x, b[f"p_rung_ge_{k}"], where="post", color=RUNG_COLORS[k], lw=1.1,
                label=f"rung {k}+ ({LADDER[k]})")
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("probability a week\nreaches the rung")
    ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=8, frameon=False)
    _mark_events(ax, start, end)
    ax = axes[1]
    for k in (4, 5, 6, 7):
        ax.step(x, b[f"p_rung_ge_{k}"], where="post", color=RUNG_COLORS[k], lw=1.1,
                label=f"rung {k}+ ({LADDER[k]})")
    ax.set_ylim(bottom=0)
    ax.set_ylabel("probability a week reaches\nthe rung (upper rungs)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=8, frameon=False)
    _mark_events(ax, start, end, labels=False)
    _date_axis(ax, start, end)
    for a in axes:
        _tidy(a)
    n = int(b["replicates"].iloc[0]) if "replicates" in b and len(b) else 0
    top = _title(fig, f"Escalation ladder: {title}",
           subtitle or f"{n:,} runs; share of runs whose highest rung in the week is at or "
                       "above each rung")
    fig.tight_layout(rect=(0, 0, 1, top))
    return _finish(fig, path)


def _cumulative(weekly: pd.DataFrame, col: str) -> tuple[np.ndarray, np.ndarray]:
    wide = weekly.pivot(index="replicate", columns="week", values=col).sort_index(axis=1)
    weeks = pd.to_datetime(weekly.drop_duplicates("week").set_index("week")
                           .loc[wide.columns, "week_start"]).to_numpy()
    return weeks, np.cumsum(wide.to_numpy(dtype=float), axis=1)


def plot_cumulative_casualties(weekly: pd.DataFrame, title: str, start: dt.date,
                               end: dt.date, path: str | Path | None = None,
                               subtitle: str = "", by: str | None = None):
    """Cumulative US wounded and killed: mean and 90 % band (5-95 %) over replicates, week by
    week.

    Args:
        weekly: per replicate and week counts (``replicate, week, week_start, us_wounded,
            us_killed`` and, with ``by``, a grouping column such as ``policy``).
        by: one column of panels per value of this column (the first group's mean is repeated
            as a grey dashed reference line in the others).
    """
    groups = [(None, weekly)] if by is None else [
        (g, d) for g, d in weekly.groupby(by, sort=False, observed=True)]
    nc = len(groups)
    if nc == 1:
        fig, ax2 = plt.subplots(1, 2, figsize=(13, 5.4))
        axes = np.array(ax2).reshape(2, 1)  # axes[i, 0]: wounded, killed side by side
    else:
        fig, axes = plt.subplots(2, nc, figsize=(max(12, 3.3 * nc), 8), sharex=True,
                                 sharey="row", squeeze=False)
    ref: dict[str, tuple] = {}
    for j, (g, d) in enumerate(groups):
        color = PALETTE[j % len(PALETTE)] if nc > 1 else PALETTE[0]
        for i, (col, what) in enumerate((("us_wounded", "US wounded"),
                                         ("us_killed", "US killed"))):
            ax = axes[i, j]
            x, cum = _cumulative(d, col)
            lo, hi = np.percentile(cum, [5, 95], axis=0)
            mean = cum.mean(axis=0)
            ax.fill_between(x, lo, hi, step="post", color=color, alpha=0.22, lw=0,
                            label="5-95 % of runs")
            ax.step(x, mean, where="post", color=color, lw=1.6, label="mean")
            if j == 0:
                ref[col] = (x, mean)
                ax.set_ylabel(f"cumulative {what}\n(people since {pd.Timestamp(start):%b %Y})")
            elif by is not None:
                ax.step(*ref[col], where="post", color="0.35", lw=1.0, ls="--",
                        label=f"mean, {groups[0][0]}")
            if nc == 1:
                _panel_title(ax, what)
            elif i == 0:
                ax.set_title(str(g), fontsize=10, loc="left", color=color)
            _mark_events(ax, start, end, labels=(nc == 1))
            _date_axis(ax, start, end)
            ax.tick_params(axis="x", labelsize=8)
            _tidy(ax)
    for row in axes:  # every panel of a row fits every group (a shared y axis)
        top = max(float(np.nanmax(c.get_paths()[0].vertices[:, 1])) if c.get_paths() else 0
                  for ax in row for c in ax.collections if hasattr(c, "get_paths"))
        for ax in row:
            ax.set_ylim(0, max(top * 1.03, 1))
    axes[0, -1].legend(loc="upper left", bbox_to_anchor=(0.0, 0.8), fontsize=8,
                       frameon=False)
    if nc > 1:
        for i, what in enumerate(("US wounded", "US killed")):
            axes[i, 0].annotate(what, xy=(0.02, 0.93), xycoords="axes fraction", fontsize=9,
                                fontweight="bold")
    n = weekly["replicate"].nunique()
    subtitle = subtitle or f"{n:,} runs; line: mean, shaded: 5-95 % of runs"
    if nc > 1:
        subtitle += "; dotted: documented key events"
    top = _title(fig, f"Cumulative US casualties: {title}", subtitle)
    fig.tight_layout(rect=(0, 0, 1, top))
    return _finish(fig, path)


# --------------------------------------------------------------------------- comparisons


def plot_policy_outcomes(runs: pd.DataFrame, table: pd.DataFrame, policies: list[str],
                         title: str, path: str | Path | None = None, subtitle: str = ""):
    """Outcome distributions per policy: violins with a box for the counts, and bars with
    95 % intervals for the probabilities; the first policy is the reference."""
    cont = ["attacks", "us_strikes", "us_killed", "days_rung_ge_4", "escalation_score"]
    probs = ["direct_us_iran_fire", "us_fatality"]
    fig, axes = plt.subplots(2, 4, figsize=(16, 8.5))
    axes = axes.ravel()
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(policies))]
    pos = np.arange(len(policies))
    for ax, col in zip(axes, cont, strict=False):
        data = [runs.loc[runs["policy"] == p, col].to_numpy(dtype=float) for p in policies]
        if all(np.ptp(d) > 0 for d in data):
            vp = ax.violinplot(data, positions=pos, showextrema=False, widths=0.8)
            for body, c in zip(vp["bodies"], colors, strict=True):
                body.set_facecolor(c)
                body.set_alpha(0.3)
        ax.boxplot(data, positions=pos, widths=0.18, showfliers=False, patch_artist=True,
                   medianprops={"color": "black"},
                   boxprops={"facecolor": "white", "edgecolor": "0.3"},
                   whiskerprops={"color": "0.3"}, capprops={"color": "0.3"})
        ax.scatter(pos, [d.mean() for d in data], marker="D", color=colors, zorder=3, s=22,
                   label="mean")
        ax.set_title(axis_label(col).replace("\n", " "), fontsize=10, loc="left")
        ax.set_xticks(pos, policies, rotation=25, ha="right", fontsize=8)
        ax.set_ylim(bottom=0)
        _tidy(ax)
    axes[0].legend(loc="upper right", fontsize=8, frameon=False,
                   title="box: 25-75 %, whiskers 1.5 IQR", title_fontsize=7)
    for ax, col in zip(axes[len(cont):], probs, strict=False):
        t = table[table["outcome"] == col].set_index("policy").loc[policies]
        est = t["estimate"].to_numpy()
        err = np.vstack([est - t["ci_lo"].clip(lower=0).to_numpy(),
                         t["ci_hi"].clip(upper=1).to_numpy() - est])
        ax.bar(pos, est, color=colors, alpha=0.75, yerr=err, capsize=4)
        for x, e in zip(pos, est, strict=True):
            ax.text(x, e, f" {e:.2f}", ha="left", va="bottom", fontsize=8, rotation=0)
        ax.set_title(axis_label(col) + " (95 % interval)", fontsize=10, loc="left")
        ax.set_xticks(pos, policies, rotation=25, ha="right", fontsize=8)
        ax.set_ylim(0, min(1.0, max(0.05, float(np.nanmax(t["ci_hi"])) * 1.25)))
        _tidy(ax)
    # the last panel: paired differences from the reference policy
    ax = axes[len(cont) + len(probs)]
    rows = table[(table["policy"] != policies[0])
                 & table["outcome"].isin(["direct_us_iran_fire", "us_fatality"])]
    ylab, k = [], 0
    for col in ("direct_us_iran_fire", "us_fatality"):
        for i, p in enumerate(policies[1:], start=1):
            r = rows[(rows["outcome"] == col) & (rows["policy"] == p)]
            if r.empty:
                continue
            r = r.iloc[0]
            ax.errorbar(r["diff"], k, xerr=[[r["diff"] - r["diff_lo"]],
                                            [r["diff_hi"] - r["diff"]]],
                        fmt="o", color=colors[i], capsize=3)
            ylab.append(f"{'fire' if col == 'direct_us_iran_fire' else 'US death'}: {p}")
            k += 1
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_yticks(range(len(ylab)), ylab, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"change in probability vs {policies[0]}")
    ax.set_title("Paired difference, 95 % interval", fontsize=10, loc="left")
    _tidy(ax)
    n = runs["replicate"].nunique()
    top = _title(fig, f"Policy comparison: {title}",
           subtitle or f"{n:,} runs per policy on common random numbers; reference: "
                       f"{policies[0]}")
    fig.tight_layout(rect=(0, 0, 1, top))
    return _finish(fig, path)


def plot_policy_rungs(weekly: pd.DataFrame, policies: list[str], title: str,
                      start: dt.date, end: dt.date, path: str | Path | None = None,
                      subtitle: str = "", rungs=(4, 6)):
    """P(a week's highest rung >= k) over time, one line per policy, one panel per k."""
    fig, axes = plt.subplots(len(rungs), 1, figsize=(12, 3.4 * len(rungs) + 0.8),
                             sharex=True, squeeze=False)
    axes = axes[:, 0]
    for ax, k in zip(axes, rungs, strict=True):
        for i, p in enumerate(policies):
            d = weekly[weekly["policy"] == p]
            s = (d["max_rung"] >= k).groupby(d["week"]).mean().sort_index()
            x = pd.to_datetime(d.drop_duplicates("week").set_index("week")
                               .loc[s.index, "week_start"])
            ax.step(x, s.to_numpy(), where="post", color=PALETTE[i % len(PALETTE)], lw=1.2,
                    label=p)
        ax.set_ylabel(f"P(week reaches rung {k}+)")
        _panel_title(ax, f"rung {k}+: {LADDER[k]} or worse")
        ax.set_ylim(bottom=0)
        _mark_events(ax, start, end, labels=(ax is axes[0]))
        _tidy(ax)
    axes[0].legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=8, frameon=False,
                   title="policy", title_fontsize=8, alignment="left")
    _date_axis(axes[-1], start, end)
    n = weekly["replicate"].nunique()
    top = _title(fig, f"Escalation by policy: {title}",
           subtitle or f"{n:,} runs per policy (common random numbers); share of runs whose "
                       "highest rung in the week is at or above the rung")
    fig.tight_layout(rect=(0, 0, 1, top))
    return _finish(fig, path)


# --------------------------------------------------------------------------- sweeps


def _bins(x: np.ndarray, max_unique: int = 25, n_bins: int = 10) -> tuple[np.ndarray, str]:
    u = np.unique(x)
    if len(u) <= max_unique:
        return np.searchsorted(u, x), "each value"
    edges = np.quantile(x, np.linspace(0, 1, n_bins + 1))
    return np.clip(np.searchsorted(edges, x, side="right") - 1, 0, n_bins - 1), \
        f"{n_bins} bins of equal count"


def plot_sweep_response(runs: pd.DataFrame, keys: list[str], title: str,
                        outcomes: list[str] | None = None, units: dict | None = None,
                        path: str | Path | None = None, subtitle: str = ""):
    """Each outcome against each varied parameter: the mean over replicates (line) with the
    90 % band of replicates (5-95 %), pooling sets with the same (or a binned) value of the
    parameter; faint dots are the individual sets' means."""
    outcomes = outcomes or ["attacks", "us_killed", "escalation_score", "direct_us_iran_fire",
                            "us_fatality"]
    units = units or {}
    nr, nc = len(outcomes), len(keys)
    fig, axes = plt.subplots(nr, nc, figsize=(max(5.0, 4.4 * nc) + 1, 2.9 * nr + 1.0),
                             squeeze=False, sharex="col")
    set_means = runs.groupby("set")[[*keys, *outcomes]].mean()
    for j, key in enumerate(keys):
        xall = runs[key].to_numpy(dtype=float)
        bins, how = _bins(set_means[key].to_numpy(dtype=float))
        set_bin = pd.Series(bins, index=set_means.index)
        row_bin = set_bin.loc[runs["set"]].to_numpy()
        xs = pd.Series(xall).groupby(row_bin).mean().to_numpy()
        for i, o in enumerate(outcomes):
            ax = axes[i, j]
            y = runs[o].to_numpy(dtype=float)
            g = pd.Series(y).groupby(row_bin)
            prob = runs[o].dtype == bool
            mean = g.mean().to_numpy()
            if prob:
                n = g.size().to_numpy()
                from .reach import wilson  # not empty at 0 or 1, unlike the normal one

                lo, hi = wilson(mean, np.maximum(n, 1))
                band = "95 % interval"
            else:
                lo, hi = g.quantile(0.05).to_numpy(), g.quantile(0.95).to_numpy()
                band = "90 % of runs"
            color = PALETTE[j % len(PALETTE)]
            ax.fill_between(xs, lo, hi, color=color, alpha=0.2, lw=0, label=band)
            ax.plot(xs, mean, color=color, lw=1.6, marker="o", ms=3, label="mean")
            if len(set_means) > len(xs):
                ax.scatter(set_means[key], set_means[o], s=6, color="0.45", alpha=0.5,
                           lw=0, label="one parameter set")
            if j == 0:
                ax.set_ylabel(axis_label(o), fontsize=9)
            if prob:
                ax.set_ylim(0, min(1.0, max(0.05, float(np.nanmax(hi)) * 1.2)))
            else:
                ax.set_ylim(bottom=0)
            _tidy(ax)
            first_prob = prob and not any(runs[p].dtype == bool for p in outcomes[:i])
            if i == 0 or (first_prob and j == 0):
                ax.legend(loc="best", fontsize=7, frameon=False)
            if i == 0:
                ax.set_title(f"{key} ({how})", fontsize=10, loc="left")
        unit = units.get(key, "")
        axes[-1, j].set_xlabel(f"{key}" + (f" [{unit}]" if unit else ""))
    n = runs["replicate"].nunique()
    top = _title(fig, f"Sweep response: {title}",
           subtitle or f"{runs['set'].nunique():,} parameter sets x {n:,} runs; other varied "
                       "parameters averaged over")
    fig.tight_layout(rect=(0, 0, 1, top))
    return _finish(fig, path)


def plot_sobol(idx: pd.DataFrame, title: str, path: str | Path | None = None,
               subtitle: str = ""):
    """Sobol indices as bars: first order (S1) and total (ST) per parameter, one panel per
    outcome, with 95 % bootstrap intervals."""
    idx = idx.copy()
    for s in ("S1", "ST"):
        if f"{s}_lo" not in idx.columns:
            idx[f"{s}_lo"] = idx[s] - idx[f"{s}_conf"]
            idx[f"{s}_hi"] = idx[s] + idx[f"{s}_conf"]
    outcomes = list(dict.fromkeys(idx["outcome"]))
    params = list(dict.fromkeys(idx["parameter"]))
    fig, axes = plt.subplots(1, len(outcomes), figsize=(max(6, 0.9 * len(params) + 3) *
                                                         len(outcomes) * 0.75 + 1, 5.4),
                             squeeze=False, sharey=True)
    pos = np.arange(len(params))
    w = 0.38
    for ax, o in zip(axes[0], outcomes, strict=True):
        t = idx[idx["outcome"] == o].set_index("parameter").loc[params]
        for off, s, color, lab in ((-w / 2, "S1", PALETTE[0], "first order (S1)"),
                                   (w / 2, "ST", PALETTE[1], "total (ST)")):
            ax.bar(pos + off, t[s], w, color=color, alpha=0.8, label=lab,
                   yerr=t[f"{s}_conf"], capsize=3, error_kw={"lw": 0.8})
        ax.axhline(0, color="0.3", lw=0.6)
        ax.set_xticks(pos, params, rotation=30, ha="right", fontsize=8)
        ax.set_title(axis_label(o).replace("\n", " "), fontsize=10, loc="left")
        _tidy(ax)
    axes[0, 0].set_ylabel("Sobol index (share of variance)")
    axes[0, 0].legend(loc="upper right", ncol=2, fontsize=8.5, frameon=True, framealpha=0.9,
                      edgecolor="none")
    top = float(np.nanmax(np.r_[idx["ST_hi"].to_numpy(), idx["S1_hi"].to_numpy(), 1.0]))
    low = min(0.0, float(np.nanmin(np.r_[idx["S1_lo"].to_numpy(), idx["ST_lo"].to_numpy()])))
    top = max(1.1, top + 0.05 * (top - low))
    axes[0, 0].set_ylim(low - 0.05 * (top - low) if low < 0 else -0.02, top)
    for ax in axes[0]:  # where an index cannot be: outside [0, 1] (collections, not bars)
        tr = ax.get_yaxis_transform()
        ax.fill_between([0, 1], 1.0, max(1.05, top) + 1, transform=tr, color="0.88", lw=0,
                        zorder=0)
        ax.fill_between([0, 1], low - 1, 0.0, transform=tr, color="0.88", lw=0, zorder=0)
    from ..experiments.sensitivity import sobol_warnings

    warns = sobol_warnings(idx)
    if warns:
        shown = warns[:6] + ([f"... and {len(warns) - 6} more"] if len(warns) > 6 else [])
        fig.text(0.01, 0.005, "Warning: read these indices with care (grey: outside [0, 1], "
                 "where no index can be):\n" + "\n".join(shown),
                 fontsize=8, color=PALETTE[5], ha="left", va="bottom")
        bottom = (0.3 + 0.16 * (len(shown) + 1)) / fig.get_figheight()
    else:
        bottom = 0.0
    top = _title(fig, f"Sensitivity: {title}", subtitle)
    fig.tight_layout(rect=(0, bottom, 1, top))
    return _finish(fig, path)
