"""Branching from the record: figures, and the validation of branch forecasts.

A branch run replays the documented record up to a date and then runs free.  Two checks ask
whether the calibrated model, put exactly where history was, foresees what followed:

* from 2024-01-28 (Tower 22 replayed): the chance of a US strike within 7 days, of a pause in
  attacks on US forces of 60 days or more, and the attacks of February-June 2024 against the
  record;
* from 2019-12-27 (K-1 replayed): the chance of a US strike within 7 days, of a strike on
  militia leaders or Iranian personnel within 14 days, and of Iranian direct fire on US forces
  within 30 days (the climb of December 2019 - January 2020).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .outcomes import M
from .scenario import Scenario


def documented_weekly_attacks(sc: Scenario) -> np.ndarray:
    """The documented attacks on US forces per week of ``sc`` (the replay series: event rows
    plus tally fill, see :func:`sim.replay.attack_series`), for the weeks the record covers;
    NaN after the record ends."""
    from .record import RECORD_END, load_record
    from .replay import attack_series

    att, _, _ = attack_series(load_record(), sc.start, sc.days, list(sc.groups))
    daily = att[:, :, :4].sum(axis=(1, 2)).astype(float)
    last = (RECORD_END - sc.start).days
    if last < sc.days - 1:
        daily[last + 1:] = np.nan
    weeks = (sc.days + 6) // 7
    pad = np.full(weeks * 7, np.nan)
    pad[:sc.days] = daily
    blocks = pad.reshape(weeks, 7)
    out = np.nansum(blocks, axis=1)
    out[np.isnan(blocks).all(axis=1)] = np.nan  # weeks past the end of the record
    return out


def plot_branch(bands, sc: Scenario, path: str | Path | None = None, title: str | None = None,
                window: tuple[dt.date, dt.date] | None = None):
    """The branch over the record: documented weekly attacks on US forces (black), simulated
    50 % and 90 % bands after the branch date (blue), the branch date marked.

    Args:
        bands: the run's weekly bands (``RunResult.bands``).
        sc: the scenario (with ``replay_until``).
        path: save a PNG there (optional).
        title: figure title (default: the scenario's name and description).
        window: dates to show (default: one year either side of the branch).
    """
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    import pandas as pd

    from .plots import _finish, _mark_events

    branch = sc.replay_until
    b = bands[bands["measure"] == "attacks"].sort_values("week")
    x = pd.to_datetime(b["week_start"]).to_numpy()
    doc = documented_weekly_attacks(sc)
    fig, ax = plt.subplots(figsize=(11, 4.8))
    after = x >= np.datetime64(branch) - np.timedelta64(6, "D") if branch else np.ones(len(x),
                                                                                       bool)
    ax.fill_between(x[after], b["q05"].to_numpy()[after], b["q95"].to_numpy()[after],
                    step="post", color="#3b6ea5", alpha=0.18, label="simulated, 90 % of runs")
    ax.fill_between(x[after], b["q25"].to_numpy()[after], b["q75"].to_numpy()[after],
                    step="post", color="#3b6ea5", alpha=0.38, label="simulated, 50 % of runs")
    ax.step(x[after], b["q50"].to_numpy()[after], where="post", color="#3b6ea5", lw=1.2,
            label="simulated median")
    ax.step(x, doc[:len(x)], where="post", color="black", lw=1.1,
            label="documented (events + published tallies)")
    if branch:
        ax.axvline(np.datetime64(branch), color="#b22222", lw=1.5)
        ax.text(np.datetime64(branch), 0.97, f"  branch {branch}", color="#b22222",
                transform=ax.get_xaxis_transform(), va="top", fontsize=9)
    lo, hi = window or ((branch - dt.timedelta(days=365), branch + dt.timedelta(days=365))
                        if branch else (sc.start, sc.end))
    lo, hi = max(lo, sc.start), min(hi, sc.end)
    ax.set_xlim(np.datetime64(lo), np.datetime64(hi))
    _mark_events(ax, lo, hi)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("militia attacks on US forces per week")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.grid(axis="y", color="0.9")
    ax.spines[["top", "right"]].set_visible(False)
    n = int(bands["replicates"].iloc[0])
    fig.suptitle(title or f"Branch from the record: {sc.name}", x=0.01, ha="left", fontsize=12)
    fig.text(0.01, 0.93, (sc.description + f"  ({n:,} runs)")[:160], fontsize=8.5, color="0.35")
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    return _finish(fig, path)


@dataclass
class BranchCheck:
    """One branch forecast against what followed."""

    branch: dt.date
    question: str
    simulated: float
    interval: tuple[float, float]
    documented: str
    holds: bool


def _daily(sc: Scenario, reps: int, seed: int, posterior):
    from .batch import BatchEngine
    from .resolved import build_param_table
    from .runner import scenario_params

    if isinstance(posterior, str | Path):
        from .posterior import sample_posterior
        params = build_param_table(sc, reps, sample_posterior(posterior, seed, reps))
    else:
        params = scenario_params(sc, reps, seed, use_posterior=bool(posterior))
    return BatchEngine(sc).run(seed, np.arange(reps), params, record_daily=True,
                               keep_weekly=True)


def _first_within(daily_col: np.ndarray, a: int, b: int) -> np.ndarray:
    return (daily_col[:, a:b + 1] > 0).any(axis=1)


def _longest_quiet_from(attacks: np.ndarray, a: int, b: int) -> np.ndarray:
    """Longest run of days without attacks starting between day a and day b (per replicate)."""
    r, d = attacks.shape
    quiet = attacks == 0
    ahead = np.zeros((r, d + 1), dtype=int)  # quiet days from day t onward
    for t in range(d - 1, -1, -1):
        ahead[:, t] = np.where(quiet[:, t], ahead[:, t + 1] + 1, 0)
    return ahead[:, a:b + 1].max(axis=1)


def branch_validation(base: Scenario, reps: int = 600, seed: int = 0,
                      posterior: bool | str | Path = True,
                      figures: Path | None = None) -> tuple[list[BranchCheck], dict]:
    """Run the two documented branches and compare their forecasts with what followed.

    Args:
        base: the scenario to branch (the baseline).
        reps, seed: replicates and seed of each branch run.
        posterior: a posterior.parquet to draw each replicate's parameters from, True for the
            scenario's own posterior, False for its fixed values.
        figures: where to write ``branch_tower22.png`` and ``branch_k1.png`` (optional).

    Returns the checks and, per branch, the scenario and weekly bands (for figures).
    """
    from .outcomes import Summary
    from .targets import monthly_documented

    checks: list[BranchCheck] = []
    extra: dict = {}
    day = lambda sc, d: (d - sc.start).days  # noqa: E731

    # 1. Tower 22 replayed (branch 2024-01-28)
    sc = base.with_replay(dt.date(2024, 1, 28))
    res = _daily(sc, reps, seed, posterior)
    b0 = day(sc, dt.date(2024, 1, 29))
    strikes = res.daily[:, :, M["us_strikes"]]
    attacks = res.daily[:, :, M["attacks"]]
    p7 = _first_within(strikes, b0, b0 + 6)
    checks.append(BranchCheck(sc.replay_until, "US strike within 7 days of the branch",
                              float(p7.mean()), _ci(p7), "yes: 2 Feb 2024 (85+ targets)",
                              p7.mean() >= 0.5))
    quiet = _longest_quiet_from(attacks, b0, day(sc, dt.date(2024, 6, 30)))
    p60 = quiet >= 60
    checks.append(BranchCheck(sc.replay_until, "a pause of 60 days or more in attacks on US "
                              "forces beginning by 30 Jun 2024", float(p60.mean()), _ci(p60),
                              "yes: near-zero attacks from early Feb to mid-Apr 2024 "
                              "(CRS IN12309)", p60.mean() >= 0.5))
    feb_jun = attacks[:, day(sc, dt.date(2024, 2, 1)):day(sc, dt.date(2024, 6, 30)) + 1].sum(1)
    doc = monthly_documented(None, dt.date(2024, 2, 1), dt.date(2024, 6, 30))
    doc_total = float(doc["estimate"].sum())
    lo, hi = np.percentile(feb_jun, [5, 95])
    checks.append(BranchCheck(sc.replay_until, "attacks on US forces, Feb-Jun 2024",
                              float(np.median(feb_jun)), (float(lo), float(hi)),
                              f"{doc_total:.0f} (event rows and the 2-7 Feb tally: a lower "
                              "bound)", lo <= doc_total <= hi))
    s = Summary(sc.start, res.weekly.shape[1])
    s.add(res)
    extra["tower22"] = (sc, s.bands())

    # 2. K-1 replayed (branch 2019-12-27)
    sc = base.with_replay(dt.date(2019, 12, 27))
    res = _daily(sc, reps, seed, posterior)
    b0 = day(sc, dt.date(2019, 12, 28))
    d = res.daily
    p7 = _first_within(d[:, :, M["us_strikes"]], b0, b0 + 6)
    checks.append(BranchCheck(sc.replay_until, "US strike within 7 days of the branch",
                              float(p7.mean()), _ci(p7), "yes: 29 Dec 2019 (five KH sites)",
                              p7.mean() >= 0.5))
    decap = d[:, :, M["us_strikes_leaders"]] + d[:, :, M["us_strikes_iranian_personnel"]]
    p14 = _first_within(decap, b0, b0 + 13)
    checks.append(BranchCheck(sc.replay_until, "US strike on militia leaders or Iranian "
                              "personnel within 14 days", float(p14.mean()), _ci(p14),
                              "yes: Soleimani and al-Muhandis, 3 Jan 2020", p14.mean() >= 0.5))
    p30 = _first_within(d[:, :, M["iran_direct_attacks_us"]], b0, b0 + 29)
    checks.append(BranchCheck(sc.replay_until, "Iranian direct fire on US forces within 30 "
                              "days", float(p30.mean()), _ci(p30),
                              "yes: ballistic missiles on Ain al-Asad and Erbil, 8 Jan 2020",
                              p30.mean() >= 0.5))
    s = Summary(sc.start, res.weekly.shape[1])
    s.add(res)
    extra["k1"] = (sc, s.bands())
    if figures is not None:
        import matplotlib.pyplot as plt
        figures.mkdir(parents=True, exist_ok=True)
        for key, (bsc, bands) in extra.items():
            fig = plot_branch(bands, bsc, figures / f"branch_{key}.png",
                              title=f"Branch from {bsc.replay_until}: record replayed, then "
                                    "the calibrated model runs free")
            plt.close(fig)
    return checks, extra


def _ci(flags: np.ndarray) -> tuple[float, float]:
    """95 % interval of a proportion (normal approximation, clipped to [0, 1])."""
    p, n = float(np.mean(flags)), len(flags)
    half = 1.96 * np.sqrt(max(p * (1 - p), 1e-12) / n)
    return max(0.0, p - half), min(1.0, p + half)


def checks_markdown(checks: list[BranchCheck]) -> str:
    """The checks as a Markdown table."""
    rows = ["| branch | question | simulated | 90 % / 95 % interval | what happened | "
            "consistent |", "|---|---|---|---|---|---|"]
    for c in checks:
        rows.append(f"| {c.branch} | {c.question} | {c.simulated:.3g} | "
                    f"[{c.interval[0]:.3g}, {c.interval[1]:.3g}] | {c.documented} | "
                    f"{'yes' if c.holds else 'NO'} |")
    return "\n".join(rows)
