"""The record's defining windows: counts of attacks on US forces over dated periods, with the
documented range of each, set against the simulated median and its 50 % and 90 % intervals.

These are the shapes the model must produce (``docs/model.md``, "Reproducing the record"):
the late-2019 climb, the 2020 and first-half-2021 levels, the 2023-24 surge and its January
tempo, the pause after 4 February 2024 and the July-August 2024 resumption.  Each window's
documented range comes from the record's tallies and events (the source is named); a window
holds when its documented range overlaps the simulated 50 % interval and the median lies
within the documented range widened by a tenth on each side.

Run ``python -m sim.calibration.windows`` to print the table for the baseline.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd

D = dt.date


@dataclass(frozen=True)
class Window:
    """A dated period and what the record says of its attacks on US forces.

    Attributes:
        name: short name; start, end: the period (both included).
        lo, hi: the documented range (attacks on US forces in Iraq, Syria and Jordan).
        source: where the range comes from (tallies.csv / events.csv rows, in words).
        measure: the simulated daily measure counted (default: attacks on US forces).
    """

    name: str
    start: dt.date
    end: dt.date
    lo: float
    hi: float
    source: str
    measure: str = "attacks"


FIT_WINDOWS: tuple[Window, ...] = (
    Window("first nine months of 2019", D(2019, 1, 1), D(2019, 9, 30), 0, 8,
           "a few rocket attacks near US sites in May-June 2019 in events.csv; no campaign "
           "before late October (FDD counts from May 2019)"),
    Window("the 2020 truce", D(2020, 10, 12), D(2020, 12, 9), 0, 2,
           "after the factions' conditional truce of 10-11 Oct 2020: no rocket attacks 12 Oct "
           "to 16 Nov and one attack of any kind to 9 Dec (AFP)"),
    Window("Oct 2021 - Jun 2022", D(2021, 10, 1), D(2022, 6, 10), 18, 29,
           "20 attacks on US forces in Iraq and Syria from October 2021 to June 2022, none "
           "answered (US officials via NBC); at least 29 counting from the al-Tanf attack"),
    Window("2023 before the war", D(2023, 1, 1), D(2023, 10, 16), 2, 12,
           "no attacks in Iraq from January to mid-October 2023 (Lead Inspector General); a "
           "few in Syria (20 Jan, 23-24 Mar, 10 Apr 2023 in events.csv)"),
    Window("surge to the end of 2023", D(2023, 10, 17), D(2023, 12, 31), 100, 115,
           "more than 100 attacks by 26 Dec and more than 110 by 4 Jan 2024 (Pentagon)"),
    Window("US strike days in the surge to 2023", D(2023, 10, 17), D(2023, 12, 31), 6, 8,
           "US strikes on 27 Oct, 8, 12, 21, 22 Nov, 3 and 25 Dec 2023 (events.csv)",
           measure="us_strikes"),
    Window("US strike days, second half of 2020", D(2020, 7, 1), D(2020, 12, 31), 0, 0,
           "no US retaliation for 37 attack streaks in the second half of 2020 "
           "(Washington Institute)", measure="us_strikes"),
)
"""Further windows of the fit period (to 2023-12-31) that a quick fit uses besides the
defining ones of :data:`WINDOWS` that lie in it."""

WINDOWS: tuple[Window, ...] = (
    Window("late-2019 climb", D(2019, 10, 28), D(2019, 12, 27), 9, 13,
           "9 rocket attacks in five weeks to 9 Dec and about 11 in two months to 29 Dec 2019 "
           "(US officials via CNN and the NYT)"),
    Window("2020 level", D(2020, 1, 1), D(2020, 10, 22), 55, 90,
           "at least 55 rocket and mortar attacks on US targets in Iraq (FDD, 22 Oct 2020); "
           "nearly 90 rocket and roadside-bomb attacks Oct 2019-Nov 2020 (AFP)"),
    Window("first half of 2021", D(2021, 1, 1), D(2021, 7, 7), 40, 55,
           "about 45 to 50 attacks on US forces in Iraq by early July 2021, 6 by drone (AFP)"),
    Window("surge total", D(2023, 10, 17), D(2024, 2, 4), 160, 175,
           "170 attacks from 17 Oct 2023 to 4 Feb 2024 (Pentagon, 13 Feb 2024); 165-170 "
           "(CNN, 2 Feb)"),
    Window("January 2024 tempo", D(2024, 1, 1), D(2024, 1, 31), 45, 65,
           "more than 110 attacks by 4 Jan and more than 140 by 20 Jan, 165-170 by 2 Feb "
           "(Pentagon): 45-65 in January, the busiest month of the surge"),
    Window("the pause", D(2024, 2, 5), D(2024, 4, 20), 0, 1,
           "no attacks on US forces from 5 Feb to 20 Apr 2024 (Pentagon, 23 Apr; CRS IN12309)"),
    Window("July-August 2024 resumption", D(2024, 7, 1), D(2024, 8, 31), 4, 12,
           "attacks at Ain al-Asad on 16 and 25-26 Jul, 5 Aug (5-7 wounded) and on Rumalyn on "
           "9 Aug (8 wounded); 'over 180' since 7 Oct by 12 Aug against 170 by 4 Feb"),
)
"""The defining windows of the record, in date order."""


def window_counts(daily: dict[str, np.ndarray], start: dt.date,
                  windows=WINDOWS) -> pd.DataFrame:
    """Per-replicate counts in each window from daily counts ``{measure: (R, D)}`` that begin
    on ``start``; one column per window (windows outside the horizon are left out)."""
    out = {}
    for w in windows:
        daily_m = daily[w.measure]
        a, b = (w.start - start).days, (w.end - start).days
        if a < 0 or b >= daily_m.shape[1]:
            continue
        out[w.name] = daily_m[:, a:b + 1].sum(axis=1)
    return pd.DataFrame(out)


def window_table(counts: pd.DataFrame, windows=WINDOWS) -> pd.DataFrame:
    """For each window: the documented range, the simulated median, its 50 % and 90 %
    intervals, and whether it holds (the documented range overlaps the 50 % interval and the
    median lies within the documented range widened by a tenth of its width, at least one
    attack, on each side)."""
    rows = []
    for w in windows:
        if w.name not in counts:
            continue
        x = counts[w.name].to_numpy()
        q = np.quantile(x, [0.05, 0.25, 0.5, 0.75, 0.95])
        slack = max(1.0, 0.1 * (w.hi - w.lo))
        holds = bool(q[1] <= w.hi and q[3] >= w.lo and w.lo - slack <= q[2] <= w.hi + slack)
        rows.append({"window": w.name, "dates": f"{w.start} .. {w.end}",
                     "documented": f"{w.lo:g}-{w.hi:g}", "median": q[2],
                     "50 %": f"{q[1]:g}-{q[3]:g}", "90 %": f"{q[0]:g}-{q[4]:g}",
                     "holds": holds, "source": w.source})
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame) -> str:
    """The table as Markdown (without the sources)."""
    cols = ["window", "dates", "documented", "median", "50 %", "90 %", "holds"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in table.iterrows():
        d = dict(r)
        d["median"] = f"{d['median']:g}"
        d["holds"] = "yes" if d["holds"] else "**no**"
        lines.append("| " + " | ".join(str(d[c]) for c in cols) + " |")
    return "\n".join(lines)


def simulate_counts(scenario=None, runs: int = 400, seed: int = 0, posterior: bool = False,
                    windows=WINDOWS) -> pd.DataFrame:
    """Per-replicate window counts of a scenario (the baseline by default), run with its
    scenario values (``posterior=False``: the model's defaults) or posterior draws."""
    from ..engines.batch import BatchEngine
    from ..model.measures import M
    from ..scenario import build_params, load_scenario

    sc = scenario if scenario is not None else load_scenario()
    eng = BatchEngine(sc.setup())
    measures = sorted({w.measure for w in windows})
    parts = []
    for a in range(0, runs, 200):
        reps = np.arange(a, min(runs, a + 200))
        res = eng.run(seed, reps, build_params(sc, reps, seed, posterior=posterior),
                      record_daily=True, keep_weekly=False)
        parts.append(window_counts({m: res.daily[:, :, M[m]] for m in measures}, sc.start,
                                   windows))
    return pd.concat(parts, ignore_index=True)


def main(argv: list[str] | None = None) -> int:
    """Print the windows table of docs/model.md section 5 for a scenario (the baseline by
    default): ``python -m sim.calibration.windows [SCENARIO] [--posterior] [--runs N]``."""
    import argparse

    from ..errors import ScenarioError
    from ..scenario import load_scenario

    ap = argparse.ArgumentParser(prog="python -m sim.calibration.windows",
                                 description="The record's defining windows (documented range, "
                                 "simulated median, 50 % and 90 % intervals, whether each "
                                 "holds) for a scenario.")
    ap.add_argument("scenario", nargs="?", help="scenario file (default: the baseline)")
    ap.add_argument("--posterior", action="store_true",
                    help="draw each replicate's calibrated parameters from the posterior")
    ap.add_argument("--runs", type=int, default=400, help="replicates (default 400)")
    ap.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    a = ap.parse_args(argv)
    if a.runs < 1:
        ap.error("--runs must be at least 1")
    try:
        sc = load_scenario(a.scenario)
    except ScenarioError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    wins = WINDOWS + FIT_WINDOWS
    counts = simulate_counts(sc, runs=a.runs, seed=a.seed, posterior=a.posterior, windows=wins)
    print(markdown(window_table(counts, wins)))
    return 0


if __name__ == "__main__":  # pragma: no cover - prints the table of docs/model.md
    sys.exit(main())
