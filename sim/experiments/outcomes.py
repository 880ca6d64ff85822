"""The outcome registry: every per-run outcome, its label, unit, meaning and how it is
derived; and the mergeable summary of many replicates.

Every table, figure, CLI summary and the API read labels and units from :data:`OUTCOMES`;
``runs.parquet`` has one column per entry (plus ``replicate``), in this order.  A new outcome
is one entry: a name, a label, a unit, a meaning and a ``derive`` function of the columns
derived before it and the engine's chunk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..engines.outcomes import ChunkResult, bands_from_histograms, weekly_histograms
from ..model.ladder import DIRECT_FIRE_RUNG, LADDER, N_RUNGS, SCORE_WEIGHTS
from ..model.measures import DAILY, MEASURES, RUNG, M

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Outcome:
    """One per-run outcome.

    Attributes:
        label: short label for tables and figures ("US killed").
        unit: what a value counts ("people", "probability", ...).
        doc: what it means, in a sentence.
        kind: ``count`` (a sum over the run), ``flag`` (0/1 per run: its mean is a
            probability), ``rung``, ``days``, ``score`` or ``date``.
        derive: ``derive(ctx) -> array``: the value per replicate, from ``ctx`` (the chunk as
            ``ctx.chunk``, the start date as ``ctx.start`` and every column derived so far as
            ``ctx[name]``).
        tables: the standard tables that show it: ``summary`` (``escalation run``),
            ``compare`` (``escalation compare``), ``sweep`` (per-set summaries).
    """

    label: str
    unit: str
    doc: str
    kind: str
    derive: Callable[[_Context], np.ndarray]
    tables: frozenset[str] = frozenset()

    @property
    def is_probability(self) -> bool:
        """Whether the outcome is a 0/1 indicator (summaries report its mean as P)."""
        return self.kind == "flag"

    @property
    def axis_label(self) -> str:
        """Label for a figure axis: ``"P(...)"`` for flags, label and unit otherwise."""
        if self.is_probability:
            return f"P({self.label})"
        return f"{self.label}\n({self.unit} per run)" if self.kind == "count" else \
            f"{self.label}\n({self.unit})"


class _Context:
    """What ``derive`` functions read: the chunk, the start date, the columns so far, and the
    tallies they count (``totals``, ``first_day``, ``rung_days``, ``drawdown_day``): over the
    whole run, or with ``window`` over the outcome window only."""

    def __init__(self, chunk: ChunkResult, start: dt.date, window: bool = False):
        self.chunk, self.start = chunk, start
        self.columns: dict[str, np.ndarray] = {}
        if window and chunk.window_totals is not None:
            a, b = (int(x) for x in chunk.window_days)
            self.totals = chunk.window_totals
            self.first_day = chunk.window_first_day
            self.rung_days = chunk.window_rung_days
            dd = chunk.drawdown_day
            self.drawdown_day = np.where((dd >= a) & (dd <= b), dd, -1)
        else:
            self.totals = chunk.run_totals()
            self.first_day, self.rung_days = chunk.first_day, chunk.rung_days
            self.drawdown_day = chunk.drawdown_day

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def date_of(self, day_index: np.ndarray) -> np.ndarray:
        """``datetime64[D]`` of day indices, NaT where negative (never)."""
        base = np.datetime64(self.start, "D")
        return np.where(day_index >= 0, base + day_index.astype("timedelta64[D]"),
                        np.datetime64("NaT", "D"))


def _total(measure: str) -> Callable[[_Context], np.ndarray]:
    return lambda ctx: ctx.totals[:, M[measure]].astype(np.int64)


_SUMMARY, _COMPARE, _SWEEP = "summary", "compare", "sweep"


def _registry() -> dict[str, Outcome]:
    out: dict[str, Outcome] = {}
    shown = {"attacks": {_SUMMARY, _COMPARE, _SWEEP}, "us_wounded": {_SUMMARY, _SWEEP},
             "us_killed": {_SUMMARY, _COMPARE, _SWEEP}, "us_strikes": {_SUMMARY, _COMPARE, _SWEEP},
             "israeli_strikes": {_SUMMARY, _SWEEP},
             # where attacks go (a drawdown moves them from Iraq to Syria)
             "attacks_iraq": {_COMPARE}, "attacks_syria": {_COMPARE},
             "attacks_embassy": {_COMPARE}, "attacks_jordan": {_COMPARE},
             "attacks_israel": {_COMPARE}}
    for name, m in MEASURES.items():
        if name == "rung":
            continue
        out[name] = Outcome(m.label, m.unit, f"{m.doc}, summed over the days counted", "count",
                            _total(name), frozenset(shown.get(name, ())))
    out["iran_direct_attacks"] = Outcome(
        "Iranian direct attacks", "attacks", "days Iran fires directly at US forces or Israel",
        "count", lambda c: c["iran_direct_attacks_us"] + c["iran_direct_attacks_israel"],
        frozenset({_SUMMARY, _SWEEP}))
    out["peak_rung"] = Outcome("peak rung", "rung (0-7)", "the highest ladder rung reached",
                               "rung", lambda c: c.totals[:, RUNG].astype(np.int64))
    for k in range(1, N_RUNGS):
        out[f"first_day_rung_{k}"] = Outcome(
            f"first day at rung {k}+", "date",
            f"the first day at or above rung {k} ({LADDER[k]}); empty if never", "date",
            lambda c, k=k: c.date_of(c.first_day[:, k]))
    for k in range(1, N_RUNGS):
        out[f"days_rung_ge_{k}"] = Outcome(
            f"days at rung {k}+", "days", f"days at or above rung {k} ({LADDER[k]})", "days",
            lambda c, k=k: np.cumsum(c.rung_days[:, ::-1], axis=1)[:, ::-1][:, k]
            .astype(np.int64),
            frozenset({_COMPARE, _SWEEP}) if k == 4 else frozenset())
    out["escalation_score"] = Outcome(
        "escalation score", "weighted rung-days",
        "days at each rung weighted 0, 1, 2, 4, ... 64 (convex, after Rivera et al. 2024)",
        "score", lambda c: c.rung_days @ SCORE_WEIGHTS,
        frozenset({_SUMMARY, _COMPARE, _SWEEP}))
    out["direct_us_iran_fire"] = Outcome(
        "direct US-Iran fire", "probability",
        f"whether the ladder reached rung {DIRECT_FIRE_RUNG} (Iran fires on US forces or the "
        "US strikes Iran)", "flag", lambda c: c["peak_rung"] >= DIRECT_FIRE_RUNG,
        frozenset({_SUMMARY, _COMPARE, _SWEEP}))
    out["us_drawdown"] = Outcome(
        "US drawdown from Iraq", "probability",
        "whether the US drew down from Iraq (forced by sovereignty pressure, or scheduled)",
        "flag", lambda c: c.drawdown_day >= 0, frozenset({_SUMMARY, _SWEEP}))
    out["drawdown_date"] = Outcome("drawdown date", "date", "the day of the drawdown, if any",
                                   "date", lambda c: c.date_of(c.drawdown_day))
    out["us_fatality"] = Outcome(
        "at least one US fatality", "probability", "whether any American was killed", "flag",
        lambda c: c["us_killed"] > 0, frozenset({_SUMMARY, _COMPARE, _SWEEP}))
    return out


OUTCOMES: dict[str, Outcome] = _registry()
"""Every per-run outcome, in the column order of ``runs.parquet``."""


def outcomes_in(table: str) -> list[str]:
    """The outcomes a standard table shows (``summary``, ``compare`` or ``sweep``)."""
    return [name for name, o in OUTCOMES.items() if table in o.tables]


def numeric_outcomes() -> list[str]:
    """Outcomes with a numeric per-run value (dates excluded): what sensitivity analysis and
    sweeps can take."""
    return [name for name, o in OUTCOMES.items() if o.kind != "date"]


def label(name: str) -> str:
    """The label of an outcome (or of a column that is not one: its name, spaced)."""
    o = OUTCOMES.get(name)
    if o is None:
        return name.replace("_", " ")
    return f"P({o.label})" if o.is_probability else o.label


def axis_label(name: str) -> str:
    """The axis label of an outcome for figures."""
    o = OUTCOMES.get(name)
    return o.axis_label if o is not None else name.replace("_", " ")


WINDOW_PREFIX = "window_"
"""Per-replicate tables hold every outcome twice: over the whole run under its own name
(``attacks``), and over the outcome window as ``window_<name>`` (``window_attacks``).
Summaries, tables and figures read the window (:func:`in_window`)."""


def window_column(name: str) -> str:
    """The column of outcome ``name`` counted over the outcome window."""
    return WINDOW_PREFIX + name


def totals_frame(chunk: ChunkResult, start: dt.date) -> pd.DataFrame:
    """Per-replicate outcomes of a chunk: ``replicate``, one column per entry of
    :data:`OUTCOMES` over the whole run, then the same over the outcome window
    (``window_<name>``; equal to the whole-run column when the window is the run)."""
    import pandas as pd
    ctx = _Context(chunk, start)
    for name, o in OUTCOMES.items():
        ctx.columns[name] = o.derive(ctx)
    if chunk.window_totals is None:
        win = {window_column(k): v for k, v in ctx.columns.items()}
    else:
        wctx = _Context(chunk, start, window=True)
        for name, o in OUTCOMES.items():
            wctx.columns[name] = o.derive(wctx)
        win = {window_column(k): v for k, v in wctx.columns.items()}
    df = pd.DataFrame({"replicate": chunk.replicates.astype(np.int64), **ctx.columns, **win})
    return df


def in_window(df: pd.DataFrame) -> pd.DataFrame:
    """A per-replicate table with every outcome counted over the outcome window, under the
    outcome's own name (the whole-run columns left out); a table without window columns
    (written before they existed) is returned as it is.

    This is what every summary, comparison, sweep and figure reads.
    """
    wcols = [c for c in df.columns if c.startswith(WINDOW_PREFIX)
             and c[len(WINDOW_PREFIX):] in OUTCOMES]
    if not wcols:
        return df
    names = {c: c[len(WINDOW_PREFIX):] for c in wcols}
    keep = [c for c in df.columns if c not in OUTCOMES and c not in names]
    return df[keep + wcols].rename(columns=names)


def weekly_frame(chunk: ChunkResult, start: dt.date) -> pd.DataFrame:
    """Long table: one row per replicate and week with every weekly count."""
    import pandas as pd
    r, w, m = chunk.weekly.shape
    df = pd.DataFrame(chunk.weekly.reshape(r * w, m), columns=list(DAILY))
    df.insert(0, "week_start", np.tile(np.datetime64(start, "D") + 7 * np.arange(w), r))
    df.insert(0, "week", np.tile(np.arange(w), r))
    df.insert(0, "replicate", np.repeat(chunk.replicates.astype(np.int64), w))
    return df.rename(columns={"rung": "max_rung"})


@dataclass
class Summary:
    """Mergeable summary of many replicates: per-replicate totals and weekly histograms."""

    start: dt.date
    weeks: int
    totals: list[pd.DataFrame] = field(default_factory=list)
    hist: np.ndarray | None = None  # (len(DAILY), W, HIST_BINS) int64
    weekly_tables: list[pd.DataFrame] = field(default_factory=list)

    def add(self, chunk: ChunkResult, keep_weekly: bool = False) -> None:
        """Fold a chunk in (order does not matter for any figure reported)."""
        self.totals.append(totals_frame(chunk, self.start))
        h = chunk.histograms()
        self.hist = h if self.hist is None else self.hist + h
        if keep_weekly:
            self.weekly_tables.append(weekly_frame(chunk, self.start))

    def merge(self, other: Summary) -> Summary:
        """Combine two summaries of the same scenario."""
        out = Summary(self.start, self.weeks, self.totals + other.totals,
                      None, self.weekly_tables + other.weekly_tables)
        if self.hist is None or other.hist is None:
            out.hist = self.hist if other.hist is None else other.hist
        else:
            out.hist = self.hist + other.hist
        return out

    def runs(self) -> pd.DataFrame:
        """One row per replicate, sorted by replicate."""
        import pandas as pd
        return pd.concat(self.totals).sort_values("replicate").reset_index(drop=True)

    def weekly(self) -> pd.DataFrame | None:
        """One row per replicate and week (when kept), sorted."""
        if not self.weekly_tables:
            return None
        import pandas as pd
        return (pd.concat(self.weekly_tables).sort_values(["replicate", "week"])
                .reset_index(drop=True))

    def bands(self, quantiles=(0.05, 0.25, 0.5, 0.75, 0.95)) -> pd.DataFrame:
        """Weekly quantile bands of every measure (exact for integer counts)."""
        return bands_from_histograms(self.hist, self.start, quantiles)


__all__ = ["OUTCOMES", "Outcome", "Summary", "totals_frame", "weekly_frame", "label",
           "in_window", "window_column", "WINDOW_PREFIX",
           "axis_label", "outcomes_in", "numeric_outcomes", "weekly_histograms"]
