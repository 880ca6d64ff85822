"""Policy comparison on common random numbers.

Every policy runs the same scenario with the same seed and replicate indices, so replicate
``j`` under policy A and under policy B face the same random draws until the policies make
them diverge.  Differences are then estimated per replicate (paired), which gives intervals
much narrower than comparing two independent samples.

A policy is a bundled name (a file stem in ``scenarios/policies/``) or a path to a policy
TOML.  Its settings are the parameter values its file (and any file it extends other than the
root scenario of its chain, usually ``baseline.toml``) sets in ``[iran] [militia] [us]
[israel] [iraq]``; they are applied on top of the compared SCENARIO.

Example:
    >>> from sim.comparison import resolve_policy
    >>> from sim.scenario import load_scenario
    >>> label, sc, settings = resolve_policy("answer_every_streak", load_scenario())
    >>> settings["us.trigger"]
    'streak'
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .io import atomic_folder, write_manifest
from .parameters import PARAMETERS
from .scenario import SCENARIO_DIR, Scenario, _suggest, load_scenario
from .sweeps import Backend, Chunk, Job, SweepError, add_derived, run_job

POLICY_DIR = SCENARIO_DIR / "policies"
WEEKLY_MEASURES = ("us_wounded", "us_killed", "rung")

COMPARE_OUTCOMES: dict[str, tuple[str, str]] = {
    "direct_us_iran_fire": ("P(direct US-Iran fire)", "probability"),
    "us_fatality": ("P(US fatality)", "probability"),
    "attacks": ("attacks on US forces", "mean per run"),
    "us_strikes": ("US strikes", "mean per run"),
    "days_rung_ge_4": ("days at rung 4 or above", "mean days per run"),
    "escalation_score": ("escalation score", "mean per run"),
    "us_killed": ("US killed", "mean per run"),
}
"""Outcomes of the comparison table: column -> (label, what the estimate is)."""


def bundled_policies() -> list[str]:
    """Names of the bundled policies (file stems in scenarios/policies/)."""
    return sorted(p.stem for p in POLICY_DIR.glob("*.toml"))


def policy_path(text: str) -> Path:
    """The file of a policy given by bundled name or path."""
    p = Path(text)
    if p.suffix == ".toml" or p.exists() or "/" in text:
        if not p.is_file():
            raise SweepError(f"--policy {text}: file not found")
        return p.resolve()
    names = bundled_policies()
    if text not in names:
        raise SweepError(f"--policy: unknown policy '{text}'{_suggest(text, names)}; bundled "
                         f"policies: {', '.join(names)} (or give a path to a policy .toml)")
    return POLICY_DIR / f"{text}.toml"


def policy_settings(path: Path) -> tuple[str, dict]:
    """The policy's label and its parameter settings ``{"us.trigger": "streak", ...}``."""
    psc = load_scenario(path)  # validates every file of the chain, errors name the file
    files = [Path(f) for f in psc.files]
    own = files[1:] if len(files) > 1 else files
    settings: dict = {}
    for f in own:
        raw = tomllib.loads(f.read_text(encoding="utf-8"))
        for table in ("groups", "timeline"):
            if table in raw:
                raise SweepError(f"{f}: a policy may only set parameters ([iran] [militia] "
                                 f"[us] [israel] [iraq]), not [{table}]; to compare it, make "
                                 "it the SCENARIO argument or run it with `escalation run`")
        for sec in PARAMETERS:
            for k in raw.get(sec, {}):
                settings[f"{sec}.{k}"] = psc.params[sec][k]
    return (psc.name or path.stem), settings


def resolve_policy(text: str, sc: Scenario) -> tuple[str, Scenario, dict]:
    """``(label, scenario with the policy applied, settings)``."""
    path = policy_path(text)
    label, settings = policy_settings(path)
    new = sc.with_overrides(settings)
    new.name = f"{sc.name} + {label}"
    return label, new, settings


def _unique(labels: list[str]) -> list[str]:
    out, seen = [], {}
    for lab in labels:
        seen[lab] = seen.get(lab, 0) + 1
        out.append(lab if seen[lab] == 1 else f"{lab}#{seen[lab]}")
    return out


def comparison_table(runs: pd.DataFrame, policies: list[str]) -> pd.DataFrame:
    """Per outcome and policy: the estimate with its 95 % interval, and the paired difference
    from the FIRST policy with its 95 % interval (mean difference +/- 1.96 sd / sqrt(R), on the
    0/1 indicators for probabilities).  ``diff_half_width_unpaired`` is what the interval's
    half-width would be for two independent samples (1.96 sqrt(var_A/R + var_B/R))."""
    runs = add_derived(runs)
    rows = []
    for col, (label, what) in COMPARE_OUTCOMES.items():
        wide = runs.pivot(index="replicate", columns="policy", values=col).astype(float)
        base = wide[policies[0]].to_numpy()
        for p in policies:
            x = wide[p].to_numpy()
            n = len(x)
            sd = x.std(ddof=1) if n > 1 else 0.0
            d = x - base
            sd_d = d.std(ddof=1) if n > 1 else 0.0
            half = 1.96 * sd_d / np.sqrt(n)
            unpaired = 1.96 * np.sqrt((x.var(ddof=1) + base.var(ddof=1)) / n) if n > 1 else 0.0
            rows.append({"outcome": col, "label": label, "estimate_of": what, "policy": p,
                         "replicates": n, "estimate": x.mean(),
                         "ci_lo": x.mean() - 1.96 * sd / np.sqrt(n),
                         "ci_hi": x.mean() + 1.96 * sd / np.sqrt(n),
                         "diff": d.mean(), "diff_lo": d.mean() - half,
                         "diff_hi": d.mean() + half,
                         "diff_half_width_paired": half,
                         "diff_half_width_unpaired": unpaired})
    return pd.DataFrame(rows)


def format_table(table: pd.DataFrame) -> str:
    """The comparison as readable text, one block per outcome."""
    policies = list(dict.fromkeys(table["policy"]))
    first = policies[0]
    w = max(24, max(len(p) for p in policies) + 2)
    dw = len("diff vs " + first)
    lines = []
    for col, (label, _) in COMPARE_OUTCOMES.items():
        t = table[table["outcome"] == col]
        prob = col in ("direct_us_iran_fire", "us_fatality")
        fmt = "{:.3f}" if prob else "{:.1f}"
        lines.append(f"{label}")
        lines.append(f"  {'policy':<{w}}{'estimate':>10}  {'diff vs ' + first:>{dw}}  "
                     "95 % interval (paired)")
        for _, r in t.iterrows():
            est = fmt.format(r["estimate"])
            if r["policy"] == first:
                lines.append(f"  {r['policy']:<{w}}{est:>10}  {'(reference)':>{dw}}")
                continue
            diff = ("{:+.3f}" if prob else "{:+.1f}").format(r["diff"])
            ci = ("[{:+.3f}, {:+.3f}]" if prob else "[{:+.1f}, {:+.1f}]").format(
                r["diff_lo"], r["diff_hi"])
            sig = "" if r["diff_lo"] <= 0 <= r["diff_hi"] else " *"
            lines.append(f"  {r['policy']:<{w}}{est:>10}  {diff:>{dw}}  {ci}{sig}")
        lines.append("")
    lines.append("* the 95 % interval of the paired difference excludes zero")
    return "\n".join(lines)


def weekly_long(parts: pd.DataFrame, labels: list[str], start: dt.date) -> pd.DataFrame:
    """``weekly.parquet``: policy, replicate, week, week_start, US wounded and killed, and the
    week's highest rung."""
    r = len(parts)
    arrays = {m: np.stack(parts[f"wk_{m}"].to_numpy()) for m in WEEKLY_MEASURES}
    w = arrays["rung"].shape[1]
    df = pd.DataFrame({
        "policy": pd.Categorical(np.repeat(np.array(labels)[parts["set"].to_numpy()], w),
                                 categories=labels),
        "replicate": np.repeat(parts["replicate"].to_numpy(), w),
        "week": np.tile(np.arange(w), r),
        "week_start": np.tile(np.datetime64(start, "D") + 7 * np.arange(w), r),
        "us_wounded": arrays["us_wounded"].ravel(),
        "us_killed": arrays["us_killed"].ravel(),
        "max_rung": arrays["rung"].ravel(),
    })
    return df


@dataclass
class CompareResult:
    out: Path
    runs: pd.DataFrame
    table: pd.DataFrame
    manifest: dict
    figures: list[Path] = field(default_factory=list)


def run_compare(sc: Scenario, policies: list[str], out: str | Path, runs: int = 1000,
                seed: int = 0, backend: Backend | None = None, resume: bool = False,
                overwrite: bool = False, chunk_rows: int | None = None,
                progress: bool | None = None, plot: bool = True,
                on_chunk: Callable[[Chunk], None] | None = None) -> CompareResult:
    """Run SCENARIO under each policy (same seed and replicates) and write the folder:
    ``runs.parquet`` (with a ``policy`` column), ``weekly.parquet``, ``comparison.csv`` /
    ``comparison.parquet``, ``manifest.json`` and the figures."""
    if len(policies) < 2:
        raise SweepError("give at least two --policy (the first is the reference)")
    out = Path(out)
    backend = backend or Backend()
    resolved = [resolve_policy(p, sc) for p in policies]
    labels = _unique([r[0] for r in resolved])
    scenarios = [r[1] for r in resolved]
    job = Job("compare", scenarios, runs, seed, weekly=WEEKLY_MEASURES, labels=labels)
    fields = {"kind": "compare", "fingerprint": job.fingerprint(), "scenario": sc.to_dict(),
              "policies": labels, "policy_files": [str(policy_path(p)) for p in policies],
              "policy_settings": {lab: r[2] for lab, r in zip(labels, resolved, strict=True)},
              "seed": seed, "runs": runs}
    ex = run_job(job, out, fields, backend, resume, overwrite, chunk_rows, progress, on_chunk)
    parts = ex.parts
    runs_df = parts.drop(columns=[c for c in parts.columns if c.startswith("wk_")])
    runs_df.insert(0, "policy", pd.Categorical(np.array(labels)[runs_df["set"].to_numpy()],
                                               categories=labels))
    runs_df = runs_df.drop(columns=["set"])
    table = comparison_table(runs_df, labels)
    figures: list[Path] = []
    with atomic_folder(out) as tmp:
        runs_df.to_parquet(tmp / "runs.parquet", index=False)
        weekly_long(parts, labels, sc.start).to_parquet(tmp / "weekly.parquet", index=False)
        table.to_csv(tmp / "comparison.csv", index=False, float_format="%.6g")
        table.to_parquet(tmp / "comparison.parquet", index=False)
        manifest = {**fields, "status": "complete", "backend": backend.describe(),
                    "chunk_rows": ex.chunk_rows, "chunks": ex.chunks,
                    "chunks_resumed": ex.reused, "elapsed_seconds": round(ex.elapsed, 3),
                    "created": dt.datetime.now().isoformat(timespec="seconds")}
        write_manifest(tmp, **manifest)
        if plot:
            from .plots_analysis import draw_folder
            figures = [out / p.name for p in draw_folder(tmp)]
        manifest["files"] = sorted(p.name for p in tmp.iterdir())
        write_manifest(tmp, **manifest)
    return CompareResult(out, runs_df, table, manifest, figures)
