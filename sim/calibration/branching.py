"""Branching from the record: the validation of branch forecasts.

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

from ..experiments.outcomes import Summary
from ..model.measures import M
from ..scenario import Scenario, build_params


@dataclass
class BranchCheck:
    """One branch forecast against what followed."""

    branch: dt.date
    question: str
    simulated: float
    interval: tuple[float, float]
    documented: str
    holds: bool


def _daily(sc: Scenario, reps: int, seed: int, posterior: bool | str | Path):
    from ..engines.batch import BatchEngine

    params = build_params(sc, reps, seed, posterior=posterior)
    return BatchEngine(sc.setup()).run(seed, np.arange(reps), params, record_daily=True,
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

    from ..record.series import monthly_documented

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

        from ..plots.branch import plot_branch

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
