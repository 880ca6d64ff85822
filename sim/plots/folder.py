"""``escalation plot``: (re)draw every figure of an output folder from its files.

``run`` folders have no ``kind`` in their manifest; ``sweep``, ``compare`` and
``sensitivity`` folders do.  The folder's files are data handed in by the user: a missing,
damaged or foreign manifest, a truncated or garbage Parquet file, or tables that do not hold
what the manifest says are an :class:`OutputError` naming the folder and the file (one line
and exit code 2 at the command line), never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from ..errors import OutputError
from .analysis import (
    plot_cumulative_casualties,
    plot_policy_outcomes,
    plot_policy_rungs,
    plot_rung_probabilities,
    plot_sobol,
    plot_sweep_response,
)
from .answer import plot_cumulative_rungs, plot_differences
from .curves import plot_escalation_curves


def window_of(m: dict) -> tuple[dt.date, dt.date]:
    """The outcome window of an output folder, from its manifest: the window it names, else
    from the branch of a replay to the end, else the whole run."""
    sc = m["scenario"]
    start, end = dt.date.fromisoformat(sc["start"]), dt.date.fromisoformat(sc["end"])
    for w in (m.get("window"), sc.get("window")):
        if isinstance(w, list) and len(w) == 2:
            try:
                return dt.date.fromisoformat(w[0]), dt.date.fromisoformat(w[1])
            except (TypeError, ValueError):
                pass
    r = sc.get("replay_until")
    if r:
        b = dt.date.fromisoformat(r) + dt.timedelta(days=1)
        if start <= b <= end:
            return b, end
    return start, end


def window_text(m: dict) -> str:
    """The subtitle's note of the window the figure counts."""
    a, b = window_of(m)
    sc = m["scenario"]
    if (a, b) == (dt.date.fromisoformat(sc["start"]), dt.date.fromisoformat(sc["end"])):
        return f"counted over the whole run, {a} to {b}"
    if sc.get("replay_until") and not (m.get("window") or sc.get("window")):
        return f"counted from the branch, {a} to {b}"
    return f"counted from {a} to {b}"


def _manifest(folder: Path) -> dict:
    path = folder / "manifest.json"
    if not path.is_file():
        raise OutputError(f"{folder}: no manifest.json; not an escalation output folder")
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OutputError(f"{path}: cannot be read as JSON ({type(exc).__name__}: "
                          f"{str(exc).splitlines()[0][:120] if str(exc) else ''}); the "
                          "folder is damaged: rerun the command that wrote it") from None
    if not isinstance(m, dict):
        raise OutputError(f"{path}: not an escalation manifest (a JSON object is expected)")
    if m.get("status") == "running":
        kind = m.get("kind", "run")
        raise OutputError(f"{folder}: this {kind} is unfinished (resume it with the same "
                          "command and --resume); nothing to plot yet")
    mark = m.get("written_by")
    ours = (mark.get("tool") == "escalation-sim" if isinstance(mark, dict)
            else isinstance(m.get("versions"), dict) and "escalation-sim" in m["versions"])
    if not ours:
        raise OutputError(f"{path}: was not written by escalation; not an escalation output "
                          "folder")
    return m


def _check_manifest(path: Path, m: dict) -> tuple[str, dict]:
    """The kind and the scenario of a manifest, every field the figures read checked."""
    def bad(what: str) -> OutputError:
        return OutputError(f"{path}: {what}; the folder is damaged: rerun the command that "
                           "wrote it")

    mark = m.get("written_by") if isinstance(m.get("written_by"), dict) else {}
    kind = m.get("kind", mark.get("kind", "run"))
    if kind not in ("run", "compare", "sweep", "sensitivity"):
        raise OutputError(f"{path}: unknown kind {kind!r} in manifest.json")
    sc = m.get("scenario")
    if not isinstance(sc, dict):
        raise bad("no 'scenario' table")
    for key in ("start", "end"):
        try:
            dt.date.fromisoformat(sc[key])
        except (KeyError, TypeError, ValueError):
            raise bad(f"scenario {key} {sc.get(key)!r} is not a date") from None
    if not isinstance(sc.get("name", ""), str):
        raise bad("the scenario name is not text")
    for key in ("seed", "runs"):
        if isinstance(m.get(key), bool) or not isinstance(m.get(key), int) or m[key] < 0:
            raise bad(f"'{key}' is {m.get(key)!r}, not a whole number")
    if kind == "compare" and not (isinstance(m.get("policies"), list) and len(m["policies"]) >= 2
                                  and all(isinstance(p, str) for p in m["policies"])):
        raise bad("'policies' is not a list of at least two policy names")
    if kind in ("sweep", "sensitivity") and not (
            isinstance(m.get("varied"), dict) and m["varied"]
            and all(isinstance(v, dict) for v in m["varied"].values())):
        raise bad("'varied' is not a table of the varied parameters")
    if kind == "sensitivity" and not (isinstance(m.get("outcomes", []), list)):
        raise bad("'outcomes' is not a list")
    return kind, sc


def _read(folder: Path, fname: str, kind: str, columns: list[str] | None = None
          ) -> pd.DataFrame:
    p = folder / fname
    if not p.is_file():
        raise OutputError(f"{folder}: {fname} is missing; cannot draw the {kind} figures")
    try:
        return pd.read_parquet(p, columns=columns)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a damaged file
        raise OutputError(f"{p}: damaged or not a Parquet file ({type(exc).__name__}); rerun "
                          f"the {kind} to write it again") from None


def _why(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:120]}" if text else type(exc).__name__


def _need_columns(folder: Path, fname: str, df: pd.DataFrame, columns) -> pd.DataFrame:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise OutputError(f"{folder / fname}: no column '{missing[0]}'; the folder is damaged: "
                          "rerun the command that wrote it")
    if len(df) == 0:
        raise OutputError(f"{folder / fname}: no rows; the folder is damaged: rerun the "
                          "command that wrote it")
    return df


def _window_runs(folder: Path, kind: str) -> pd.DataFrame | None:
    """A run folder's per-replicate outcomes over the outcome window (``None`` when it has
    no runs.parquet with first days)."""
    from ..experiments.outcomes import in_window

    if not (folder / "runs.parquet").is_file():
        return None
    df = in_window(_read(folder, "runs.parquet", kind))
    return df if "first_day_rung_6" in df.columns and len(df) else None


def _from(weekly: pd.DataFrame, start: dt.date) -> pd.DataFrame:
    """The weeks that start on or after ``start`` (the window's), whole weeks only."""
    ws = pd.to_datetime(weekly["week_start"])
    return weekly[ws >= pd.Timestamp(start)] if (ws < pd.Timestamp(start)).any() else weekly


BAND_COLUMNS = ("week", "week_start", "measure", "mean", "q05", "q25", "q50", "q75", "q95")
WEEKLY_COLUMNS = ("replicate", "week", "week_start", "us_wounded", "us_killed")


def draw_folder(folder: str | Path, notes: list[str] | None = None) -> list[Path]:
    """(Re)draw every figure of an output folder; return the PNG paths.  Messages about
    figures that cannot be drawn (e.g. no weekly counts in a run folder) go to ``notes``.

    Every table is read and checked before a figure is drawn.

    Raises:
        OutputError: no manifest, a manifest not written by this tool or damaged, an
            unfinished job, a missing or damaged table, tables that cannot make the figures,
            a folder the figures cannot be written into.
    """
    folder = Path(folder)
    m = _manifest(folder)
    kind, _ = _check_manifest(folder / "manifest.json", m)
    try:
        return _draw(folder, m, kind, notes if notes is not None else [])
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"{folder}: cannot write the figures there "
                          f"({exc.strerror or type(exc).__name__})") from None
    except Exception as exc:  # noqa: BLE001 - tables that parse but hold the wrong things
        raise OutputError(f"{folder}: its tables cannot make the {kind} figures ({_why(exc)});"
                          " the folder is damaged: rerun the command that wrote it") from None


def _draw(folder: Path, m: dict, kind: str, notes: list[str]) -> list[Path]:
    sc = m["scenario"]
    name = sc.get("name", folder.name)
    start = dt.date.fromisoformat(sc["start"])
    end = dt.date.fromisoformat(sc["end"])
    seed, runs = m["seed"], m["runs"]
    made: list[Path] = []

    def read(fname, columns=(), load=None):
        df = _read(folder, fname, kind, list(load) if load else None)
        return _need_columns(folder, fname, df, columns)

    window = window_of(m)
    wnote = window_text(m)
    if kind == "run":
        bands = read("bands.parquet", BAND_COLUMNS)
        weekly = (read("weekly.parquet", WEEKLY_COLUMNS, WEEKLY_COLUMNS)
                  if (folder / "weekly.parquet").is_file() else None)
        runs_df = _window_runs(folder, kind)
        drawn = ("parameters drawn from the calibrated posterior"
                 if m.get("parameters_from") == "posterior" else "fixed parameters")
        rep = f", record replayed to {sc['replay_until']}" if sc.get("replay_until") else ""
        sub = f"{runs:,} runs, seed {seed}, {m.get('engine', 'batch')} engine, {drawn}{rep}"
        branch, record = None, None
        if sc.get("replay_until"):
            from ..record.series import documented_weekly_attacks

            branch = min(dt.date.fromisoformat(sc["replay_until"]) + dt.timedelta(days=1),
                         end)
            record = documented_weekly_attacks(start, (end - start).days + 1,
                                               list(sc.get("groups", {})) or None)
        made.append(folder / "escalation_curves.png")
        plt.close(plot_escalation_curves(bands, name, start, end, made[-1],
                                         subtitle=sub + "; bands over replicates, week by "
                                         f"week; bottom: {wnote}", branch=branch,
                                         record=record, runs=runs_df, window=window))
        made.append(folder / "rung_probabilities.png")
        if runs_df is not None:
            plt.close(plot_cumulative_rungs(runs_df, name, window, made[-1],
                                            subtitle=f"{sub}; {wnote}", rungs=(3, 4, 5, 6)))
        else:
            plt.close(plot_rung_probabilities(bands, name, start, end, made[-1],
                                              subtitle=sub + "; share of runs whose highest "
                                              "rung in the week is at or above each rung"))
        if sc.get("replay_until"):
            from .branch import plot_branch

            made.append(folder / "branch.png")
            plt.close(plot_branch(bands, sc, made[-1]))
        if weekly is not None:
            made.append(folder / "cumulative_casualties.png")
            plt.close(plot_cumulative_casualties(
                _from(weekly, window[0]), name, window[0], window[1], made[-1],
                subtitle=sub + f"; {wnote}; line: mean, shaded: 5-95 % of runs"))
        else:
            notes.append(f"no cumulative-casualty figure: {folder}/weekly.parquet is missing "
                         "(it needs per-replicate weekly counts; rerun with `escalation run "
                         "--weekly`)")
    elif kind == "compare":
        pols = m["policies"]
        from ..experiments.outcomes import in_window

        runs_df = in_window(read("runs.parquet", ("policy", "replicate")))
        table = read("comparison.parquet", ("outcome", "policy", "estimate", "diff", "diff_lo",
                                            "diff_hi"))
        weekly = read("weekly.parquet", (*WEEKLY_COLUMNS, "policy", "max_rung"))
        sub = f"{runs:,} runs per variant, seed {seed}, common random numbers; {wnote}"
        made.append(folder / "differences.png")
        plt.close(plot_differences(table, pols, name, made[-1], subtitle=sub))
        made.append(folder / "policy_outcomes.png")
        plt.close(plot_policy_outcomes(runs_df, table, pols, name, made[-1],
                                       subtitle=sub + f"; reference: {pols[0]}"))
        made.append(folder / "policy_rungs.png")
        if "first_day_rung_6" in runs_df.columns:
            plt.close(plot_cumulative_rungs(runs_df, name, window, made[-1], subtitle=sub,
                                            by="policy", order=pols))
        else:  # a folder written before the first days were kept
            plt.close(plot_policy_rungs(weekly, pols, name, start, end, made[-1],
                                        subtitle=sub + "; share of runs whose highest rung "
                                        "in the week is at or above the rung"))
        made.append(folder / "cumulative_casualties.png")
        plt.close(plot_cumulative_casualties(_from(weekly, window[0]), name, window[0],
                                             window[1], made[-1],
                                             subtitle=sub + "; lines: mean, shaded: 5-95 % "
                                             "of runs", by="policy"))
    else:  # sweep, sensitivity
        varied = m["varied"]
        keys = list(varied)
        runs_df = read("runs.parquet", ("set", "replicate", *keys))
        idx = (read("sobol.parquet", ("outcome", "parameter", "S1", "ST", "S1_conf", "ST_conf"))
               if kind == "sensitivity" else None)
        units = {k: v.get("unit", "") for k, v in varied.items()}
        outcomes = m.get("outcomes") if kind == "sensitivity" else None
        if outcomes:
            outcomes = [o for o in outcomes if o in runs_df.columns or o == "us_fatality"]
        design = m.get("design")
        sets = m.get("sets") if isinstance(m.get("sets"), int) else runs_df["set"].nunique()
        sub = (f"{sets:,} parameter sets ({design} design) "
               f"x {runs:,} runs, seed {seed}; line: mean, band: 90 % of runs "
               "(probabilities: 95 % interval); other varied parameters averaged over")
        made.append(folder / "sweep_response.png")
        plt.close(plot_sweep_response(runs_df, keys, name, outcomes, units, made[-1],
                                      subtitle=sub))
        if idx is not None:
            made.append(folder / "sobol_indices.png")
            plt.close(plot_sobol(idx, name, made[-1],
                                 subtitle=f"Sobol indices (SALib) of the mean over {runs:,} "
                                          f"runs per set; {m.get('base_samples')} base "
                                          f"samples, {m.get('sets')} sets, seed {seed}; "
                                          "error bars: 95 % bootstrap interval"))
    return made
