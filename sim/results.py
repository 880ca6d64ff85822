"""The results of the API's functions: tables as pandas DataFrames, figures as matplotlib
Figures, and ``.save(folder)``, the one writer of each kind of output folder (the command line
calls it too).

Every ``plot_*`` method returns a Figure already closed in pyplot (a notebook shows it once);
the drawing itself is in :mod:`sim.plots`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import tempfile
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import ScenarioError
from .scenario import Scenario


def _date(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ScenarioError(f"{what}: {value!r} is not a date (expected YYYY-MM-DD)") from None
    raise ScenarioError(f"{what}: expected a date or 'YYYY-MM-DD', not {type(value).__name__}")


def _closed(fig):
    """Close ``fig`` in pyplot (it stays drawable and displayable) and return it."""
    import matplotlib.pyplot as plt

    plt.close(fig)
    return fig


def _copy_folder(src: Path, out: str | Path, draw: bool, overwrite: bool = False) -> Path:
    """Copy an output folder to ``out`` atomically, drawing its figures if asked (``out`` is
    checked as :meth:`RunResult.save` checks it)."""
    from .experiments.store import atomic_folder, read_manifest, write_manifest
    from .plots import draw_folder

    out = Path(out)
    with atomic_folder(out, read_manifest(Path(src)), overwrite) as tmp:
        for p in Path(src).iterdir():
            if p.name.startswith("."):
                continue
            if p.is_dir():
                shutil.copytree(p, tmp / p.name)
            else:
                shutil.copy2(p, tmp / p.name)
        if draw:
            m = json.loads((tmp / "manifest.json").read_text())
            draw_folder(tmp)
            m["files"] = sorted(p.name for p in tmp.iterdir())
            write_manifest(tmp, **m)
    return out.resolve()


@dataclasses.dataclass(eq=False)
class RunResult:
    """Replicates of one scenario: outcome totals, weekly bands, figures.

    Attributes:
        scenario: the resolved scenario that ran (after any replay).
        seed, engine, n_runs: how it ran.
        parameters_from: ``"posterior"`` (each replicate's calibrated parameters drawn from
            the scenario's posterior) or ``"defaults"``.
        replay_until: the branch date, if the record was replayed up to it.
        result: the underlying :class:`sim.experiments.runner.RunResult`.
        inputs: the record replayed and the posterior drawn from, with their checksums
            (``manifest.json``'s ``inputs``).
        fingerprint: hash of everything that fixes the numbers (resumes match it).

    Example:
        >>> from sim import run
        >>> res = run(None, runs=50, weekly=True)
        >>> res.runs[["attacks", "us_killed"]].describe()      # doctest: +SKIP
        >>> fig = res.plot_escalation_curves()
    """

    scenario: Scenario
    seed: int
    engine: str
    n_runs: int
    parameters_from: str
    replay_until: dt.date | None
    result: Any
    call: str = ""
    inputs: dict = dataclasses.field(default_factory=dict)
    fingerprint: str = ""

    @property
    def elapsed(self) -> float:
        """Wall-clock seconds of the simulation."""
        return self.result.elapsed

    @cached_property
    def runs(self) -> pd.DataFrame:
        """One row per replicate: attacks, casualties, strikes, rungs, escalation score,
        direct US-Iran fire, drawdown (the columns of ``runs.parquet``)."""
        return self.result.runs

    @cached_property
    def outcomes(self) -> pd.DataFrame:
        """One row per replicate, every outcome counted over the outcome window (from the
        branch for a replay or forecast, unless ``window`` chose another; the whole run
        otherwise): what the summary, tables and figures report.  ``.runs`` holds the
        whole-run values under the outcomes' names and these as ``window_<name>``."""
        from .experiments.outcomes import in_window

        return in_window(self.runs)

    @property
    def window(self) -> tuple[dt.date, dt.date]:
        """The outcome window, first and last day."""
        return self.scenario.outcome_window()

    @cached_property
    def bands(self) -> pd.DataFrame:
        """Per week and measure: mean, 5/25/50/75/95 % quantiles over replicates and
        P(week reaches rung >= k) (the rows of ``bands.parquet``)."""
        return self.result.bands

    @cached_property
    def weekly(self) -> pd.DataFrame | None:
        """Per replicate and week, every count (only with ``run(..., weekly=True)``)."""
        return self.result.weekly

    def _need_weekly(self, what: str) -> pd.DataFrame:
        if self.weekly is None:
            raise ValueError(f"{what} needs per-replicate weekly counts: run with "
                             "run(..., weekly=True)")
        return self.weekly

    def run_set(self):
        """The replicates as a :class:`sim.calibration.statistics.RunSet` (weekly resolution),
        for the calibration targets and :func:`sim.calibration.report.coverage`.  Needs
        ``weekly=True``."""
        from .calibration.statistics import RunSet
        from .model.measures import DAILY

        w = self._need_weekly("run_set()")
        cols = [c if c != "rung" else "max_rung" for c in DAILY]
        r = w["replicate"].nunique()
        arr = w[cols].to_numpy(dtype=np.int64).reshape(r, -1, len(cols))
        return RunSet(self.scenario.start, self.scenario.days, arr)

    def monthly(self, measure: str = "attacks") -> pd.DataFrame:
        """Monthly totals of ``measure`` over replicates: one row per month with the mean and
        the 5/25/50/75/95 % quantiles.  Weeks that straddle two months are split pro rata
        (:meth:`sim.calibration.statistics.RunSet.months`).  Needs ``weekly=True``."""
        per_rep = self.run_set().months(measure)
        q = np.quantile(per_rep.to_numpy(), [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
        return pd.DataFrame({"month": pd.to_datetime(list(per_rep.columns)),
                             "mean": per_rep.mean().to_numpy(), "q05": q[0], "q25": q[1],
                             "q50": q[2], "q75": q[3], "q95": q[4]})

    def _subtitle(self, what: str) -> str:
        src = ("parameters drawn from the posterior" if self.parameters_from == "posterior"
               else "scenario parameter values")
        rep = f"; record replayed to {self.replay_until}" if self.replay_until else ""
        return f"{self.n_runs:,} runs, seed {self.seed}, {self.engine} engine, {src}{rep}; {what}"

    def plot_escalation_curves(self, title: str | None = None):
        """Weekly attacks with 50 % / 90 % bands, expected strikes per week, P(rung) per
        week; documented key events marked (:func:`sim.plots.curves.plot_escalation_curves`)."""
        from .plots.curves import plot_escalation_curves

        sc = self.scenario
        record = None
        if sc.branch is not None:
            from .record.series import documented_weekly_attacks

            record = documented_weekly_attacks(sc.start, sc.days, list(sc.groups))
        return _closed(plot_escalation_curves(
            self.bands, title or sc.name, sc.start, sc.end,
            subtitle=self._subtitle("bands over replicates, week by week; bottom: "
                                    + sc.window_note().split(" (")[0]),
            branch=sc.branch, record=record, runs=self.outcomes, window=self.window))

    def plot_ladder(self, title: str | None = None, rungs=(3, 4, 5, 6)):
        """The probability of having reached each rung of the escalation ladder by a date,
        counted over the outcome window, with 95 % intervals
        (:func:`sim.plots.answer.plot_cumulative_rungs`)."""
        from .plots.answer import plot_cumulative_rungs

        sc = self.scenario
        return _closed(plot_cumulative_rungs(
            self.outcomes, title or sc.name, self.window,
            subtitle=self._subtitle(sc.window_note().split(" (")[0]), rungs=rungs))

    def plot_weekly_rungs(self, title: str | None = None):
        """Probability that a week reaches each rung of the escalation ladder, week by week
        (:func:`sim.plots.analysis.plot_rung_probabilities`)."""
        from .plots.analysis import plot_rung_probabilities

        sc = self.scenario
        return _closed(plot_rung_probabilities(
            self.bands, title or sc.name, sc.start, sc.end,
            subtitle=self._subtitle("share of runs whose highest rung in the week is at or "
                                    "above each rung")))

    def plot_casualties(self, title: str | None = None):
        """Cumulative US wounded and killed, mean and 5-95 % band
        (:func:`sim.plots.analysis.plot_cumulative_casualties`).  Needs ``weekly=True``."""
        from .plots.analysis import plot_cumulative_casualties
        from .plots.folder import _from

        sc = self.scenario
        w = self._need_weekly("plot_casualties()")
        a, b = self.window
        return _closed(plot_cumulative_casualties(
            _from(w[["replicate", "week", "week_start", "us_wounded", "us_killed"]], a),
            title or sc.name, a, b,
            subtitle=self._subtitle(sc.window_note().split(" (")[0]
                                    + "; line: mean, shaded: 5-95 % of runs")))

    def plot_branch(self, title: str | None = None,
                    window: tuple[str | dt.date, str | dt.date] | None = None):
        """A run branched from the record: documented weekly attacks on US forces and the
        simulated 50 % / 90 % bands after the branch date (:func:`sim.plots.branch.plot_branch`;
        ``window``: dates shown, default one year either side of the branch)."""
        from .plots.branch import plot_branch

        if self.replay_until is None:
            raise ValueError("plot_branch() needs a run branched from the record "
                             "(run(..., replay_until=DATE) or a scenario with [replay] until)")
        win = None if window is None else (_date(window[0], "window"),
                                           _date(window[1], "window"))
        return _closed(plot_branch(self.bands, self.scenario, title=title, window=win))

    def plot_monthly(self, measure: str = "attacks", documented: bool = True,
                     title: str | None = None, holdout: str | dt.date | None = None):
        """Simulated monthly totals (median, 50 % and 90 % bands over replicates) with, for
        attacks on US forces, the documented monthly series of
        :func:`sim.record.series.monthly_documented` (tally-based estimates with their range;
        months known only from event rows, a lower bound, as open triangles).  ``holdout``
        draws a dashed line at that date.  Needs ``weekly=True``."""
        from .plots.curves import plot_monthly

        doc = None
        if documented and measure == "attacks":
            from .record.series import monthly_documented

            sc = self.scenario
            doc = monthly_documented(None, sc.start, min(sc.end, dt.date(2024, 12, 31)))
        sc = self.scenario
        label = "militia attacks on US forces" if measure == "attacks" else measure
        return _closed(plot_monthly(
            self.monthly(measure), doc, title or f"Monthly {label}: {sc.name}", sc.start, sc.end,
            label, self._subtitle("weeks split pro rata between months"),
            None if holdout is None else _date(holdout, "holdout")))

    def save(self, out: str | Path, plot: bool = True, overwrite: bool = False) -> Path:
        """Write the folder ``escalation run`` writes (``manifest.json``, ``runs.parquet``,
        ``bands.parquet``, ``weekly.parquet`` when kept, and the PNG figures of
        ``escalation plot``), atomically; return its path.

        ``out`` may hold an earlier run of the same scenario (it is replaced); another kind
        of output or another scenario is replaced only with ``overwrite``; a folder holding
        anything this tool did not write never (:func:`sim.experiments.store.check_target`).
        """
        from .experiments.store import atomic_folder, write_manifest
        from .plots import draw_folder

        sc = self.scenario
        fields = dict(scenario=sc.to_dict(), seed=self.seed, engine=self.engine,
                      runs=self.n_runs, parameters_from=self.parameters_from,
                      replay_until=self.replay_until.isoformat() if self.replay_until else None,
                      workers=self.result.workers, elapsed_seconds=round(self.elapsed, 3),
                      command=self.call, inputs=self.inputs, fingerprint=self.fingerprint,
                      status="complete")
        with atomic_folder(out, {"kind": "run", **fields}, overwrite) as tmp:
            self.runs.to_parquet(tmp / "runs.parquet", index=False)
            self.bands.to_parquet(tmp / "bands.parquet", index=False)
            if self.weekly is not None:
                self.weekly.to_parquet(tmp / "weekly.parquet", index=False)
            write_manifest(tmp, **fields)
            if plot:
                draw_folder(tmp)
            write_manifest(tmp, **fields,
                           files=sorted({p.name for p in tmp.iterdir()} | {"manifest.json"}))
        return Path(out).resolve()

    def __repr__(self) -> str:
        return (f"<RunResult {self.scenario.name!r}: {self.n_runs:,} runs, seed {self.seed}, "
                f"{self.engine}, parameters from {self.parameters_from}"
                + (f", replayed to {self.replay_until}" if self.replay_until else "") + ">")


@dataclasses.dataclass(eq=False)
class EvaluateResult:
    """A design evaluated on common random numbers: per-row outcomes with Monte Carlo
    intervals (:func:`sim.api.evaluate`).

    Attributes:
        design: the parameter sets as given (one row each; its index is kept everywhere).
        table: per row: the design's values, ``replicates``, and for every outcome its
            estimate (``<outcome>``: the mean over the replicates; for a 0/1 outcome such as
            ``direct_us_iran_fire`` the probability) with its interval (``<outcome>_lo``,
            ``<outcome>_hi``; normal for means, Wilson for probabilities).
        replicates: per (row, replicate): ``row`` (position in the design), the design's
            values, ``replicate`` and every outcome; only with ``evaluate(...,
            replicates=True)``, else ``None``.
        scenario, seed, n_runs, level, parameters_from: how it ran.
        outcomes: the outcomes summarised in ``table``.
        execution: chunks, seconds (``execution.elapsed``).

    Example:
        >>> from sim import evaluate
        >>> r = evaluate(None, [{"us.trigger": "deaths"}, {"us.trigger": "streak"}], runs=20)
        >>> r.table[["us.trigger", "direct_us_iran_fire", "direct_us_iran_fire_lo",
        ...          "direct_us_iran_fire_hi"]]                  # doctest: +SKIP
    """

    design: pd.DataFrame
    table: pd.DataFrame
    replicates: pd.DataFrame | None
    scenario: Scenario
    seed: int
    n_runs: int
    level: float
    parameters_from: str
    outcomes: list[str]
    execution: Any = None
    call: str = ""

    @property
    def elapsed(self) -> float:
        """Wall-clock seconds of the simulation."""
        return self.execution.elapsed

    def estimates(self, outcome: str) -> pd.DataFrame:
        """One outcome per row: ``estimate``, ``lo``, ``hi`` (index: the design's)."""
        if outcome not in self.outcomes:
            raise ValueError(f"{outcome!r} was not summarised; summarised: "
                             f"{', '.join(self.outcomes)}")
        t = self.table
        return pd.DataFrame({"estimate": t[outcome], "lo": t[f"{outcome}_lo"],
                             "hi": t[f"{outcome}_hi"]})

    def save(self, out: str | Path) -> Path:
        """Write ``manifest.json`` (``kind: "evaluate"``), ``design.parquet``,
        ``outcomes.parquet`` (the table) and, when kept, ``replicates.parquet``; atomically.
        Return the folder's path."""
        from .experiments.store import atomic_folder, write_manifest

        def _parquet(df: pd.DataFrame, path: Path) -> None:
            df = df.copy()
            for c in df.columns:
                if df[c].dtype == object:
                    df[c] = df[c].astype(str)
            df.to_parquet(path, index=not isinstance(df.index, pd.RangeIndex))

        fields = dict(kind="evaluate", scenario=self.scenario.to_dict(), seed=self.seed,
                      runs=self.n_runs, sets=len(self.design), level=self.level,
                      parameters_from=self.parameters_from, outcomes=self.outcomes,
                      varied=list(self.design.columns),
                      elapsed_seconds=round(self.elapsed, 3), command=self.call)
        with atomic_folder(out) as tmp:
            _parquet(self.design, tmp / "design.parquet")
            _parquet(self.table, tmp / "outcomes.parquet")
            if self.replicates is not None:
                _parquet(self.replicates, tmp / "replicates.parquet")
            write_manifest(tmp, **fields,
                           files=sorted({p.name for p in tmp.iterdir()} | {"manifest.json"}))
        return Path(out).resolve()

    def __repr__(self) -> str:
        return (f"<EvaluateResult {self.scenario.name!r}: {len(self.design)} rows x "
                f"{self.n_runs} runs, seed {self.seed}, parameters from "
                f"{self.parameters_from}>")


class _Folder:
    """An output folder the result owns (a temporary one is removed with the result)."""

    def __init__(self, out: str | Path | None, name: str):
        self._tmp = None
        if out is None:
            self._tmp = tempfile.TemporaryDirectory(prefix=f"escalation-{name}-")
            self.path = Path(self._tmp.name) / name
        else:
            self.path = Path(out).resolve()

    @property
    def temporary(self) -> bool:
        return self._tmp is not None


@dataclasses.dataclass(eq=False)
class CompareResult:
    """One scenario under several policies, on common random numbers.

    Attributes:
        policies: the policy labels; the first is the reference.
        runs: one row per policy and replicate (``policy`` column, then the outcome totals).
        table: per outcome and policy, the estimate with its 95 % interval and the paired
            difference from the reference with its 95 % interval (``comparison.csv``).
        weekly: per policy, replicate and week: US wounded, US killed, highest rung.
        scenario: the compared scenario; manifest: the folder's manifest.

    Example:
        >>> from sim import compare
        >>> c = compare(None, ["answer_deaths", "answer_every_streak"], runs=50)
        >>> c.differences()                              # doctest: +SKIP
        >>> fig = c.plot_outcomes()
    """

    policies: list[str]
    runs: pd.DataFrame
    table: pd.DataFrame
    weekly: pd.DataFrame
    scenario: Scenario
    manifest: dict
    folder: _Folder
    figures: list[Path] = dataclasses.field(default_factory=list)
    execution: Any = None

    @property
    def out(self) -> Path | None:
        """The output folder (``None`` when the comparison ran in a temporary folder)."""
        return None if self.folder.temporary else self.folder.path

    @property
    def n_runs(self) -> int:
        return int(self.manifest["runs"])

    @property
    def seed(self) -> int:
        return int(self.manifest["seed"])

    def differences(self, outcomes: list[str] | None = None) -> pd.DataFrame:
        """The comparison table as one row per (outcome, policy): estimate [95 %] and the
        paired difference from the reference [95 %], with ``significant`` when the
        difference's interval excludes zero."""
        t = self.table
        if outcomes is not None:
            t = t[t["outcome"].isin(outcomes)]
        t = t[["outcome", "label", "policy", "estimate", "ci_lo", "ci_hi", "diff", "diff_lo",
               "diff_hi"]].copy()
        t["significant"] = (t["diff_lo"] > 0) | (t["diff_hi"] < 0)
        return t.reset_index(drop=True)

    @cached_property
    def bands(self) -> pd.DataFrame:
        """Per policy, week and weekly measure (US wounded, US killed, highest rung): the
        mean and 5/25/50/75/95 % quantiles over replicates; for the rung also
        P(week reaches rung >= k)."""
        w = self.weekly
        g = w.groupby(["policy", "week"], observed=True, sort=True)
        frames = []
        for col in ("us_wounded", "us_killed", "max_rung"):
            s = g[col]
            f = pd.DataFrame({"mean": s.mean()})
            for q in (0.05, 0.25, 0.5, 0.75, 0.95):
                f[f"q{int(round(q * 100)):02d}"] = s.quantile(q, interpolation="lower")
            if col == "max_rung":
                for k in range(1, 8):
                    f[f"p_rung_ge_{k}"] = (w[col] >= k).groupby(
                        [w["policy"], w["week"]], observed=True, sort=True).mean()
            f["measure"] = col
            frames.append(f.reset_index())
        starts = w.drop_duplicates("week").set_index("week")["week_start"]
        out = pd.concat(frames, ignore_index=True)
        out.insert(2, "week_start", starts.loc[out["week"]].to_numpy())
        return out

    @property
    def window(self) -> tuple[dt.date, dt.date]:
        """The outcome window every estimate counts."""
        return self.scenario.outcome_window()

    @cached_property
    def outcomes(self) -> pd.DataFrame:
        """One row per variant and replicate, every outcome over the outcome window."""
        from .experiments.outcomes import in_window

        return in_window(self.runs)

    def headline(self, outcome: str = "direct_us_iran_fire") -> str:
        """The answer as text: P(outcome by the end) per variant with its 95 % interval and
        the paired difference from the reference."""
        from .experiments.compare import format_headline

        return format_headline(self.table, self.window[1], outcome)

    def _sub(self, what: str) -> str:
        note = self.scenario.window_note().split(" (")[0]
        return (f"{self.n_runs:,} runs per variant, seed {self.seed}, common random numbers; "
                f"{note}; {what}")

    def plot_differences(self, title: str | None = None):
        """The lead figure: every outcome's paired difference from the reference with its
        95 % interval (:func:`sim.plots.answer.plot_differences`)."""
        from .plots.answer import plot_differences

        return _closed(plot_differences(self.table, self.policies,
                                        title or self.scenario.name,
                                        subtitle=self._sub(f"reference: {self.policies[0]}")))

    def plot_outcomes(self, title: str | None = None):
        """Outcome distributions per policy and the paired differences from the reference
        (:func:`sim.plots.analysis.plot_policy_outcomes`)."""
        from .plots.analysis import plot_policy_outcomes

        return _closed(plot_policy_outcomes(self.outcomes, self.table, self.policies,
                                            title or self.scenario.name,
                                            subtitle=self._sub(f"reference: {self.policies[0]}")))

    def plot_ladder_by_policy(self, title: str | None = None, rungs=(4, 5, 6)):
        """P(the ladder reached rung k or above by a date), one line per variant with its
        95 % interval, one panel per rung (:func:`sim.plots.answer.plot_cumulative_rungs`)."""
        from .plots.answer import plot_cumulative_rungs

        sc = self.scenario
        return _closed(plot_cumulative_rungs(self.outcomes, title or sc.name, self.window,
                                             subtitle=self._sub("lines: share of runs"),
                                             by="policy", order=self.policies, rungs=rungs))

    def plot_casualties(self, title: str | None = None):
        """Cumulative US wounded and killed per policy, mean and 5-95 % band
        (:func:`sim.plots.analysis.plot_cumulative_casualties`)."""
        from .plots.analysis import plot_cumulative_casualties
        from .plots.folder import _from

        a, b = self.window
        sc = self.scenario
        return _closed(plot_cumulative_casualties(_from(self.weekly, a), title or sc.name, a,
                                                  b, by="policy",
                                                  subtitle=self._sub("lines: mean, shaded: "
                                                                     "5-95 % of runs")))

    def save(self, out: str | Path, plot: bool = True, overwrite: bool = False) -> Path:
        """Write the folder ``escalation compare`` writes (``manifest.json``,
        ``runs.parquet``, ``weekly.parquet``, ``comparison.csv``/``.parquet``, figures);
        ``out`` is checked as :meth:`RunResult.save` checks it."""
        src = self.folder.path
        if not self.folder.temporary and Path(out).resolve() == src:
            if plot:
                from .experiments.store import folder_lock, update_manifest_files
                from .plots import draw_folder

                with folder_lock(src):
                    draw_folder(src)
                    update_manifest_files(src)
            return src
        has_figs = any(src.glob("*.png"))
        return _copy_folder(src, out, draw=plot and not has_figs, overwrite=overwrite)

    def __repr__(self) -> str:
        return (f"<CompareResult {self.scenario.name!r}: {', '.join(self.policies)}; "
                f"{self.n_runs:,} runs per policy, seed {self.seed}>")


@dataclasses.dataclass(eq=False)
class SweepResult:
    """A parameter sweep: every parameter set on the same replicates.

    Attributes:
        keys: the varied parameters (dotted keys).
        runs: one row per (set, replicate): the varied values and the outcome totals.
        sets: one row per set: mean / 5 % / 95 % of the main outcomes and probabilities.
        design: the parameter sets.

    Example:
        >>> from sim import sweep
        >>> s = sweep(None, {"us.force_protection": (0.1, 0.9, 3)}, design="grid", runs=20)
        >>> fig = s.plot_response("us_killed", "us.force_protection")
    """

    keys: list[str]
    runs: pd.DataFrame
    sets: pd.DataFrame
    design: pd.DataFrame
    scenario: Scenario
    manifest: dict
    folder: _Folder
    figures: list[Path] = dataclasses.field(default_factory=list)
    execution: Any = None

    @property
    def out(self) -> Path | None:
        """The output folder (``None`` when the sweep ran in a temporary folder)."""
        return None if self.folder.temporary else self.folder.path

    @property
    def bands(self) -> pd.DataFrame:
        """The per-set summary (``sets.parquet``): a sweep's bands are over replicates per
        parameter set, not per week."""
        return self.sets

    def plot_response(self, outcome: str | list[str] | None = None,
                      key: str | list[str] | None = None, title: str | None = None):
        """Outcome(s) against varied parameter(s): mean and 90 % band of replicates
        (probabilities: 95 % interval), pooling sets with the same or a binned value
        (:func:`sim.plots.analysis.plot_sweep_response`).  ``None``: all keys, the default
        outcomes."""
        from .plots.analysis import plot_sweep_response

        keys = self.keys if key is None else ([key] if isinstance(key, str) else list(key))
        unknown = [k for k in keys if k not in self.keys]
        if unknown:
            raise ValueError(f"{unknown[0]!r} was not varied; varied: {', '.join(self.keys)}")
        outcomes = None if outcome is None else (
            [outcome] if isinstance(outcome, str) else list(outcome))
        units = {k: v.get("unit", "") for k, v in self.manifest.get("varied", {}).items()}
        m = self.manifest
        sub = (f"{m.get('sets'):,} parameter sets ({m.get('design')} design) x "
               f"{m.get('runs'):,} runs, seed {m.get('seed')}; line: mean, band: 90 % of runs "
               "(probabilities: 95 % interval); other varied parameters averaged over")
        return _closed(plot_sweep_response(self.runs, keys, title or self.scenario.name,
                                           outcomes, units, subtitle=sub))

    def save(self, out: str | Path, plot: bool = True, overwrite: bool = False) -> Path:
        """Write the folder ``escalation sweep`` writes (``manifest.json``,
        ``runs.parquet``, ``sets.parquet``, ``sweep_response.png``); ``out`` is checked as
        :meth:`RunResult.save` checks it."""
        src = self.folder.path
        if not self.folder.temporary and Path(out).resolve() == src:
            return src
        return _copy_folder(src, out, draw=plot and not any(src.glob("*.png")),
                            overwrite=overwrite)

    def __repr__(self) -> str:
        return (f"<SweepResult {self.scenario.name!r}: {', '.join(self.keys)}; "
                f"{len(self.sets)} sets x {self.manifest.get('runs')} runs>")




@dataclasses.dataclass(eq=False)
class SensitivityResult(SweepResult):
    """A Sobol' sensitivity analysis: the sweep of SALib's Saltelli design, and the indices.

    Attributes:
        indices: one row per outcome and parameter: ``S1``, ``ST`` and their 95 % bootstrap
            half-widths ``S1_conf``, ``ST_conf`` (and ``_lo``/``_hi`` bounds).
    """

    indices: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)

    def model_output(self, outcome: str) -> np.ndarray:
        """The model output SALib analyses for ``outcome``: its mean over the replicates of
        each set, in the order of the sample (``ProblemSpec.set_results`` takes it)."""
        from .experiments.outcomes import in_window

        runs = in_window(self.runs)
        if outcome not in runs.columns:
            raise ValueError(f"unknown outcome {outcome!r}")
        return (runs.groupby("set", sort=True)[outcome].mean()
                .to_numpy(dtype=np.float64))

    def plot_indices(self, title: str | None = None):
        """First-order and total Sobol' indices with their 95 % intervals
        (:func:`sim.plots.analysis.plot_sobol`)."""
        from .plots.analysis import plot_sobol

        m = self.manifest
        return _closed(plot_sobol(self.indices, title or self.scenario.name,
                                  subtitle=f"Sobol indices (SALib) of the mean over "
                                           f"{m.get('runs'):,} runs per set; "
                                           f"{m.get('base_samples')} base samples, "
                                           f"{m.get('sets')} sets, seed {m.get('seed')}"))

    def __repr__(self) -> str:
        return (f"<SensitivityResult {self.scenario.name!r}: {', '.join(self.keys)}; "
                f"{len(self.sets)} sets x {self.manifest.get('runs')} runs>")
