"""Figures.  Each function returns a matplotlib Figure and, given a path, saves it as PNG."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..model.ladder import LADDER  # noqa: E402

KEY_EVENTS: list[tuple[str, str]] = [
    ("2019-12-27", ""),
    ("2020-01-03", "K-1, then Soleimani killed"),
    ("2020-03-11", "Camp Taji"),
    ("2020-10-10", "militia truce"),
    ("2021-02-15", "Erbil"),
    ("2023-03-23", "Syria drone death"),
    ("2023-10-07", "Gaza war"),
    ("2024-01-28", "Tower 22"),
    ("2024-04-13", "Iran fires on Israel"),
    ("2024-10-01", "Iran fires on Israel"),
]
"""Documented events marked on time axes (see calibration/events.csv for sources)."""

from .style import BAND, BRANCH, PALETTE, RECORD, RUNG_COLORS  # noqa: E402


def _mark_events(ax, start, end, labels=True):
    for date, label in KEY_EVENTS:
        d = pd.Timestamp(date)
        if not (pd.Timestamp(start) <= d <= pd.Timestamp(end)):
            continue
        ax.axvline(d, color="0.4", lw=0.7, ls=":", zorder=1)
        if labels and label:  # above the panel, so labels never hide the data
            ax.text(d, 1.01, label, transform=ax.get_xaxis_transform(), rotation=60,
                    va="bottom", ha="left", fontsize=7, color="0.3")


def _finish(fig, path):
    if path is not None:
        path = Path(path)
        fig.savefig(path, dpi=130, bbox_inches="tight")
    return fig


def plot_escalation_curves(bands: pd.DataFrame, title: str, start: dt.date, end: dt.date,
                           path: str | Path | None = None, subtitle: str = "",
                           branch: dt.date | None = None, record=None,
                           runs: pd.DataFrame | None = None,
                           window: tuple[dt.date, dt.date] | None = None):
    """Weekly attacks on US forces with 50 % and 90 % bands, expected strikes per week, and
    the cumulative probability of having reached each ladder rung by a date (counted over the
    outcome window, with 95 % intervals); documented key events marked.

    Args:
        bands: the weekly bands table (:meth:`sim.experiments.outcomes.Summary.bands`).
        title: figure title (the scenario's name).
        start, end: the scenario's dates.
        path: where to save a PNG (optional).
        subtitle: a line under the title (runs, seed, engine).
        branch: the first free day of a replay: the replayed weeks are drawn as the record
            (``record``: documented weekly attacks), the branch marked.
        runs: per-replicate outcomes over the window (first day at each rung): the bottom
            panel; without them, the weekly P(a week reaches the rung).
        window: the outcome window (default: the whole run).
    """
    b = bands.copy()
    b["week_start"] = pd.to_datetime(b["week_start"])

    def m(name):
        return b[b["measure"] == name].sort_values("week")

    fig, axes = plt.subplots(3, 1, figsize=(12, 10), sharex=True,
                             gridspec_kw={"height_ratios": [2.2, 1.2, 1.4]})
    a = m("attacks")
    x = a["week_start"]
    free = (x >= pd.Timestamp(branch) - pd.Timedelta(days=6)).to_numpy() if branch else \
        np.ones(len(x), bool)
    ax = axes[0]
    ax.fill_between(x[free], a["q05"][free], a["q95"][free], step="post", color=BAND,
                    alpha=0.18, label="90 % of runs")
    ax.fill_between(x[free], a["q25"][free], a["q75"][free], step="post", color=BAND,
                    alpha=0.38, label="50 % of runs")
    ax.step(x[free], a["q50"][free], where="post", color=BAND, lw=1.2, label="median")
    ax.step(x[free], a["mean"][free], where="post", color="black", lw=0.8, ls="--",
            label="mean")
    if branch is not None and record is not None:
        rec = np.asarray(record, dtype=float)[:len(x)]
        before = ~free | (x < pd.Timestamp(branch)).to_numpy()
        ax.step(x[before], rec[before], where="post", color=RECORD, lw=1.0,
                label="documented record (replayed)")
    ax.set_ylabel("militia attacks on US forces\nper week")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    _mark_events(ax, start, end)
    ax.set_ylim(bottom=0)

    ax = axes[1]
    for name, color, label in (("us_strikes", PALETTE[5], "US retaliatory strikes"),
                               ("israeli_strikes", PALETTE[2], "Israeli interdiction strikes"),
                               ("iran_direct_attacks_us", PALETTE[3],
                                "Iranian direct attacks on US forces")):
        s = m(name)
        ax.step(s["week_start"], s["mean"], where="post", color=color, lw=1.0, label=label)
    ax.set_ylabel("expected events\nper week")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    _mark_events(ax, start, end, labels=False)
    ax.set_ylim(bottom=0)

    ax = axes[2]
    if runs is not None:
        from .reach import cumulative_reach, wilson

        wa, wb = window or (start, end)
        day = np.timedelta64(1, "D")
        dates = np.arange(np.datetime64(wa, "D"), np.datetime64(wb, "D") + day, 7 * day)
        for k in (3, 4, 5, 6):
            p = cumulative_reach(runs, k, dates)
            lo, hi = wilson(p, len(runs))
            xd = pd.to_datetime(dates)
            ax.fill_between(xd, lo, hi, step="post", color=RUNG_COLORS[k], alpha=0.18, lw=0)
            ax.step(xd, p, where="post", color=RUNG_COLORS[k], lw=1.4,
                    label=f"rung {k}+ ({LADDER[k]}): {p[-1]:.2f} by {wb}")
        ax.set_ylabel(f"P(reached the rung\nby the date), from {wa}")
        ax.set_ylim(0, 1.0)
    else:
        r = m("rung")
        for k in (3, 4, 5, 6):
            ax.step(r["week_start"], r[f"p_rung_ge_{k}"], where="post", color=RUNG_COLORS[k],
                    lw=1.0, label=f"rung {k}+ ({LADDER[k]})")
        ax.set_ylabel("probability a week\nreaches the rung")
        ax.set_ylim(0, None)
    if branch is not None or runs is None:  # (before a branch the panel is empty)
        ax.legend(loc="upper left", fontsize=8, frameon=False, ncol=2)
    else:  # the curves rise from the lower left: the legend goes between them
        ax.legend(loc="center", bbox_to_anchor=(0.5, 0.6), fontsize=8, frameon=True,
                  framealpha=0.9,
                  edgecolor="none", ncol=2)
    _mark_events(ax, start, end, labels=False)
    if branch is not None:
        for axx in axes:
            axx.axvline(pd.Timestamp(branch), color=BRANCH, lw=1.6, ls=(0, (4, 2)), zorder=2)
        axes[0].text(pd.Timestamp(branch), 0.97, f"  branch {branch}: free from here",
                     color=BRANCH, transform=axes[0].get_xaxis_transform(), va="top",
                     fontsize=9)
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(4, 7, 10)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_xlim(pd.Timestamp(start), pd.Timestamp(end))
    for ax in axes:
        ax.grid(axis="y", color="0.9")
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(f"Escalation curves: {title}", fontsize=13, x=0.01, y=0.995, ha="left")
    if subtitle:
        fig.text(0.01, 0.965, subtitle, fontsize=9, color="0.35", ha="left")
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return _finish(fig, path)


def plot_monthly(monthly: pd.DataFrame, documented: pd.DataFrame | None, title: str,
                 start: dt.date, end: dt.date, label: str, subtitle: str = "",
                 holdout: dt.date | None = None, path: str | Path | None = None):
    """Simulated monthly totals (median, 50 % and 90 % bands over replicates) with the
    documented monthly series (tally-based estimates with their range; months known only from
    event rows, a lower bound, as open triangles); ``holdout`` draws a dashed line there.

    Args:
        monthly: one row per month: ``month``, ``q05 q25 q50 q75 q95``.
        documented: :func:`sim.record.series.monthly_documented`, or None.
        label: what is counted (the y axis says "per month").
    """
    import numpy as np

    fig, ax = plt.subplots(figsize=(12, 5.2))
    m = monthly
    ax.fill_between(m["month"], m["q05"], m["q95"], step="mid", color=BAND,
                    alpha=0.18, lw=0, label="simulated, 90 % of runs")
    ax.fill_between(m["month"], m["q25"], m["q75"], step="mid", color=BAND,
                    alpha=0.38, lw=0, label="simulated, 50 % of runs")
    ax.step(m["month"], m["q50"], where="mid", color=BAND, lw=1.3, label="simulated median")
    doc = documented
    if doc is not None and len(doc):
        dm = pd.to_datetime(doc["month"])
        tal = (doc["basis"] == "tally").to_numpy()
        hi = doc["hi"].fillna(doc["estimate"])
        err = np.vstack([(doc["estimate"] - doc["lo"]).clip(lower=0),
                         (hi - doc["estimate"]).clip(lower=0)])
        ax.errorbar(dm[tal], doc["estimate"][tal], yerr=err[:, tal], fmt="o",
                    color="black", ms=4, lw=1, capsize=2,
                    label="documented: estimate from published tallies (range)")
        ax.plot(dm[~tal], doc["estimate"][~tal], "^", color=PALETTE[5], ms=5,
                mfc="none", label="documented: event rows only (a lower bound)")
    if holdout is not None:
        h = pd.Timestamp(holdout)
        ax.axvline(h, color="0.3", ls="--", lw=1)
        ax.text(h, 0.98, " hold-out", transform=ax.get_xaxis_transform(), va="top",
                fontsize=8, color="0.3")
    _mark_events(ax, start, end)
    ax.set_xlim(pd.Timestamp(start), pd.Timestamp(end))
    ax.set_ylim(bottom=0)
    ax.set_ylabel(f"{label}\nper month")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.grid(axis="y", color="0.9")
    ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(title, x=0.01, ha="left", fontsize=13)
    fig.text(0.01, 0.905, subtitle, fontsize=9, color="0.35", ha="left")
    fig.tight_layout(rect=(0, 0, 1, 0.9))
    return _finish(fig, path)
