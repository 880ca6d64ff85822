"""The figures that answer the analyst's question: the paired differences of every outcome
(the lead figure of a comparison) and the cumulative probability of reaching each rung of
the ladder by a date, counted over the outcome window, with 95 % bands."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..experiments.outcomes import OUTCOMES, label  # noqa: E402
from ..model.ladder import LADDER  # noqa: E402
from .analysis import _date_axis, _finish, _tidy, _title  # noqa: E402
from .curves import _mark_events  # noqa: E402
from .reach import cumulative_reach, wilson  # noqa: E402
from .style import PALETTE, RUNG_COLORS  # noqa: E402

LINESTYLES = ("-", (0, (5, 2)), (0, (1, 1.5)), (0, (6, 2, 1, 2)))
"""Line styles of the variants (with the colours): equal curves stay visible."""


def plot_differences(table: pd.DataFrame, policies: list[str], title: str,
                     path: str | Path | None = None, subtitle: str = ""):
    """The paired difference of every outcome from the reference, with its 95 % interval:
    probabilities in percentage points (left), counts as a share of the reference's mean
    (right), one row per outcome and a marker per variant (filled where the interval
    excludes zero); each row is labelled with the reference's value."""
    outcomes = list(dict.fromkeys(table["outcome"]))
    probs = [o for o in outcomes if o in OUTCOMES and OUTCOMES[o].is_probability]
    counts = [o for o in outcomes if o not in probs]
    others = policies[1:]
    per_row = 0.32 + 0.16 * len(others)
    heights = [max(len(probs), 1) * per_row + 0.3, max(len(counts), 1) * per_row + 0.3]
    fig, axes = plt.subplots(2, 1, figsize=(12, sum(heights) + 2.6),
                             gridspec_kw={"height_ratios": heights})
    ref = table[table["policy"] == policies[0]].set_index("outcome")["estimate"]
    step = 0.7 / max(len(others), 1)
    for ax, group, prob in ((axes[0], probs, True), (axes[1], counts, False)):
        labels = []
        for i, o in enumerate(group):
            base = float(ref.get(o, np.nan))
            if prob:
                labels.append(f"{label(o)}\nreference {base:.3f}")
            else:
                labels.append(f"{label(o)}\nreference {base:,.1f}")
            for j, p in enumerate(others):
                r = table[(table["outcome"] == o) & (table["policy"] == p)]
                if r.empty:
                    continue
                r = r.iloc[0]
                scale = 100.0 if prob else (100.0 / base if base > 0 else np.nan)
                d, lo, hi = r["diff"] * scale, r["diff_lo"] * scale, r["diff_hi"] * scale
                y = i + (j - (len(others) - 1) / 2) * step
                sig = not (r["diff_lo"] <= 0 <= r["diff_hi"])
                c = PALETTE[(j + 1) % len(PALETTE)]
                if not np.isfinite(d):
                    ax.text(0, y, "  no reference events", va="center", fontsize=7,
                            color="0.4")
                    continue
                ax.plot([lo, hi], [y, y], color=c, lw=2.2, solid_capstyle="butt")
                ax.plot(d, y, "o", ms=7, color=c, mfc=c if sig else "white", mew=1.6,
                        label=p if i == 0 else None, zorder=3)
                raw = f"{100 * r['diff']:+.1f} pp" if prob else f"{r['diff']:+,.1f}"
                ax.annotate(raw, (hi, y), xytext=(4, 0), textcoords="offset points",
                            va="center", fontsize=7.5, color="0.25")
        ax.axvline(0, color="0.2", lw=0.9)
        ax.set_yticks(range(len(group)), labels, fontsize=8.5)
        for tick, o in zip(ax.get_yticklabels(), group, strict=True):
            if o == "direct_us_iran_fire":
                tick.set_fontweight("bold")
        ax.set_ylim(len(group) - 0.5, -0.5)
        ax.grid(axis="x", color="0.9")
        ax.spines[["top", "right"]].set_visible(False)
        if prob:
            ax.set_xlabel(f"difference from {policies[0]}, percentage points "
                          "(95 % paired interval)")
            ax.set_title("Probabilities (percentage points)", fontsize=10, loc="left")
        else:
            ax.set_xlabel(f"difference from {policies[0]}, % of its mean "
                          "(95 % paired interval; numbers: the difference itself)")
            ax.set_title("Counts per run (% of the reference's mean)", fontsize=10,
                         loc="left")
        xl = ax.get_xlim()
        pad = 0.12 * (xl[1] - xl[0])
        ax.set_xlim(xl[0] - 0.02 * (xl[1] - xl[0]), xl[1] + pad)
    handles, labs = axes[0].get_legend_handles_labels()
    if not handles:
        handles, labs = axes[1].get_legend_handles_labels()
    fig.legend(handles, labs, loc="lower center", ncol=min(4, len(labs)), frameon=False,
               fontsize=9, title=f"compared with {policies[0]} (filled: the interval "
                                 "excludes zero)", title_fontsize=8.5)
    top = _title(fig, f"What changes against {policies[0]}: {title}", subtitle)
    fig.tight_layout(rect=(0, 0.6 / fig.get_figheight(), 1, top))
    return _finish(fig, path)


def plot_cumulative_rungs(runs: pd.DataFrame, title: str, window: tuple[dt.date, dt.date],
                          path: str | Path | None = None, subtitle: str = "",
                          by: str | None = None, order: list[str] | None = None,
                          rungs=(4, 5, 6)):
    """P(the ladder reached rung k or above by each date, counted from the window's start),
    with its 95 % interval (Wilson), one panel per rung; one line per ``by`` group (a
    comparison's policies) or a line per rung in one panel (a run)."""
    a, b = window
    dates = np.arange(np.datetime64(a, "D"), np.datetime64(b, "D") + np.timedelta64(1, "D"),
                      np.timedelta64(7, "D"))
    if dates[-1] != np.datetime64(b, "D"):
        dates = np.r_[dates, np.datetime64(b, "D")]
    x = pd.to_datetime(dates)
    groups = [None] if by is None else (order or list(dict.fromkeys(runs[by])))
    if by is None:
        fig, ax = plt.subplots(figsize=(12, 5))
        axes = [ax]
    else:
        fig, axes = plt.subplots(1, len(rungs), figsize=(5.2 * len(rungs), 4.8),
                                 sharey=False, squeeze=False)
        axes = list(axes[0])
    all_ends: list[tuple[float, str, str]] = []
    for i, k in enumerate(rungs):
        ax = axes[0] if by is None else axes[i]
        ends: list[tuple[float, str, str]] = []
        for j, g in enumerate(groups):
            d = runs if g is None else runs[runs[by] == g]
            n = len(d)
            p = cumulative_reach(d, k, dates)
            lo, hi = wilson(p, n)
            c = RUNG_COLORS[k] if g is None else PALETTE[j % len(PALETTE)]
            lab = f"rung {k}+ ({LADDER[k]})" if g is None else str(g)
            ax.fill_between(x, lo, hi, step="post", color=c, alpha=0.18, lw=0)
            ax.step(x, p, where="post", color=c, lw=1.8, label=lab,
                    ls="-" if g is None else LINESTYLES[j % len(LINESTYLES)])
            ends.append((float(p[-1]), f"{p[-1]:.2f}", c))
        if by is None and i < len(rungs) - 1:
            all_ends += ends
            continue
        if by is not None:
            ax.set_title(f"rung {k}+: {LADDER[k]} or worse", fontsize=10, loc="left")
        ax.set_ylim(0, min(1.0, max(0.05, ax.get_ylim()[1])))
        _end_labels(ax, x[-1], ends if by is not None else all_ends + ends)
        if by is None:
            continue
    for ax in axes:
        _date_axis(ax, a, b)
        _mark_events(ax, a, b, labels=False)
        _tidy(ax)
    axes[0].set_ylabel(f"P(reached the rung by the date)\ncounted from {a}")
    bottom = 0.0
    if by is None:
        axes[0].legend(loc="upper left", fontsize=8.5, frameon=False)
    else:
        handles, labs = axes[0].get_legend_handles_labels()
        fig.legend(handles, labs, loc="lower center", ncol=min(5, len(labs)), frameon=False,
                   fontsize=9)
        bottom = 0.45 / fig.get_figheight()
    top = _title(fig, f"Chance of reaching each rung by a date: {title}",
                 subtitle + ("; " if subtitle else "") + "shaded: 95 % interval")
    fig.tight_layout(rect=(0, bottom, 1, top))
    return _finish(fig, path)


def _end_labels(ax, x_end, ends: list[tuple[float, str, str]]) -> None:
    """Each line's final value at its right end, nudged apart so that none overlap; equal
    values share one label."""
    lo, hi = ax.get_ylim()
    gap = 0.055 * (hi - lo)
    merged: list[list] = []
    for y, text, c in sorted(ends):
        if merged and abs(merged[-1][0] - y) < 1e-12:
            merged[-1][2].append(c)
            continue
        merged.append([y, text, [c]])
    placed: list[float] = []
    for y, _, _ in merged:
        placed.append(max(y, placed[-1] + gap) if placed else y)
    over = placed[-1] - hi if placed else 0
    if over > 0:
        placed = [p - over for p in placed]
    for (_, text, colors), yy in zip(merged, placed, strict=True):
        ax.annotate(text, (x_end, yy), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=8, color=colors[0] if len(colors) == 1 else "0.3",
                    annotation_clip=False)
