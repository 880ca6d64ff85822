"""The branch figure: a run branched from the record drawn over the record."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from ..record.series import documented_weekly_attacks
from ..scenario import Scenario
from .curves import _finish, _mark_events
from .style import BAND, BRANCH, RECORD


def plot_branch(bands, sc: Scenario | dict, path: str | Path | None = None,
                title: str | None = None, window: tuple[dt.date, dt.date] | None = None):
    """The branch over the record: documented weekly attacks on US forces (black), simulated
    50 % and 90 % bands after the branch date (blue), the branch date marked.

    Args:
        bands: the run's weekly bands (``RunResult.bands``).
        sc: the scenario (with ``replay_until``), or its manifest form (``to_dict()``).
        path: save a PNG there (optional).
        title: figure title (default: the scenario's name and description).
        window: dates to show (default: a year of the record before the branch, then the
            whole free period to the end).
    """
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    import pandas as pd

    if isinstance(sc, dict):
        sc = _ScenarioView(sc)
    branch = sc.replay_until
    b = bands[bands["measure"] == "attacks"].sort_values("week")
    x = pd.to_datetime(b["week_start"]).to_numpy()
    doc = documented_weekly_attacks(sc.start, sc.days, list(sc.groups))
    fig, ax = plt.subplots(figsize=(11, 4.8))
    after = x >= np.datetime64(branch) - np.timedelta64(6, "D") if branch else np.ones(len(x),
                                                                                       bool)
    ax.fill_between(x[after], b["q05"].to_numpy()[after], b["q95"].to_numpy()[after],
                    step="post", color=BAND, alpha=0.18, label="simulated, 90 % of runs")
    ax.fill_between(x[after], b["q25"].to_numpy()[after], b["q75"].to_numpy()[after],
                    step="post", color=BAND, alpha=0.38, label="simulated, 50 % of runs")
    ax.step(x[after], b["q50"].to_numpy()[after], where="post", color=BAND, lw=1.2,
            label="simulated median")
    ax.step(x, doc[:len(x)], where="post", color=RECORD, lw=1.1,
            label="documented (events + published tallies)")
    if branch:
        ax.axvline(np.datetime64(branch), color=BRANCH, lw=1.5)
        ax.text(np.datetime64(branch), 0.97,
                f"  replayed to {branch}, free from {branch + dt.timedelta(days=1)}",
                color=BRANCH,
                transform=ax.get_xaxis_transform(), va="top", fontsize=9)
    lo, hi = window or ((branch - dt.timedelta(days=365), sc.end)  # the whole free period
                        if branch else (sc.start, sc.end))
    lo, hi = max(lo, sc.start), min(hi, sc.end)
    ax.set_xlim(np.datetime64(lo), np.datetime64(hi))
    _mark_events(ax, lo, hi)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("militia attacks on US forces per week")
    if (hi - lo).days > 3 * 365:
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 7)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.legend(loc="upper right", fontsize=8, frameon=True, framealpha=0.9, edgecolor="none")
    ax.grid(axis="y", color="0.9")
    ax.spines[["top", "right"]].set_visible(False)
    n = int(bands["replicates"].iloc[0])
    fig.suptitle(title or f"Branch from the record: {sc.name}", x=0.01, ha="left", fontsize=12)
    fig.text(0.01, 0.915, (sc.description + f"  ({n:,} runs)")[:160], fontsize=8.5,
             color="0.35")
    fig.tight_layout(rect=(0, 0, 1, 0.90))
    return _finish(fig, path)


class _ScenarioView:
    """What the figure reads of a scenario, from its manifest form."""

    def __init__(self, d: dict):
        self.name, self.description = d.get("name", ""), d.get("description", "")
        self.start = dt.date.fromisoformat(d["start"])
        self.end = dt.date.fromisoformat(d["end"])
        self.days = (self.end - self.start).days + 1
        self.groups = d.get("groups", {})
        r = d.get("replay_until")
        self.replay_until = dt.date.fromisoformat(r) if r else None
