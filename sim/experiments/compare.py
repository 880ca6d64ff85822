"""Policy and scenario-variant comparison on common random numbers.

Every policy runs the same scenario with the same seed and replicate indices, so replicate
``j`` under policy A and under policy B face the same random draws until the policies make
them diverge.  Differences are then estimated per replicate (paired), which gives intervals
much narrower than comparing two independent samples.

A variant is one of:

* a policy: a bundled name or a path to a policy TOML (:mod:`sim.scenario.policies`), which
  sets parameters only (dated with ``[policy] from`` or not); its settings are applied on top
  of the compared SCENARIO;
* a scenario file that changes more (a timeline, shocks, groups, a replay: a counterfactual
  or a forecast variant, bundled name or path), run as written;
* a :class:`~sim.scenario.Scenario` object, run as it is;
* a dict of overrides ``{"us.trigger": "streak", "from": "2025-07-01", "name": "..."}``
  applied on top of the compared SCENARIO (``from``: a dated policy; ``name``: its label).

Every variant must cover the compared scenario's dates; its outcomes are counted over the
compared scenario's outcome window, so that every row answers the same question.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ScenarioError
from ..scenario import Scenario
from ..scenario.policies import is_policy_file, policy_path, resolve_policy
from ..scenario.provenance import run_inputs
from ..scenario.scenario import bundled_scenarios, load_scenario
from .backends import Backend
from .designs import SweepError
from .execution import Execution, run_job
from .outcomes import OUTCOMES, in_window, label, outcomes_in
from .store import atomic_folder, check_target, folder_lock, write_manifest
from .tasks import Chunk, Job

WEEKLY_MEASURES = ("us_wounded", "us_killed", "rung")


def _unique(labels: list[str]) -> list[str]:
    out, seen = [], {}
    for lab in labels:
        seen[lab] = seen.get(lab, 0) + 1
        out.append(lab if seen[lab] == 1 else f"{lab}#{seen[lab]}")
    return out


@dataclass
class Variant:
    """A resolved variant: its label, the scenario it runs, and how it was given."""

    label: str
    scenario: Scenario
    kind: str  # policy | scenario | object | overrides
    source: str
    settings: dict = field(default_factory=dict)


def _is_bundled_scenario(text: str) -> bool:
    from ..scenario.policies import bundled_policies

    return text in bundled_scenarios() and text not in bundled_policies()


def resolve_variant(spec, base: Scenario) -> Variant:
    """A variant (policy name or file, scenario name or file, ``Scenario``, dict of
    overrides) resolved against the compared scenario ``base``."""
    if isinstance(spec, Scenario):
        return _fit_to_base(Variant(spec.name, spec, "object", "Scenario object"), base)
    if isinstance(spec, dict):
        over = dict(spec)
        name = str(over.pop("name", "") or over.pop("label", ""))
        start = over.pop("from", None)
        sc = base.with_overrides(over, from_date=start, source="overrides")
        label = name or ", ".join(f"{k}={v}" for k, v in over.items()) or base.name
        if start is not None and not name:
            label += f" from {start}"
        settings = {**over, **({"from": str(start)} if start is not None else {})}
        return Variant(label, sc, "overrides", "dict of overrides", settings)
    if not isinstance(spec, str | Path):
        raise ScenarioError(f"compare: a variant is a policy or scenario name, a path, a "
                            f"Scenario or a dict of overrides, not a {type(spec).__name__}")
    text = str(spec)
    if _is_bundled_scenario(text):
        path = bundled_scenarios()[text]
    else:
        try:  # a bundled policy or an existing file
            path = policy_path(text)
        except ScenarioError as exc:
            others = [n for n in bundled_scenarios() if _is_bundled_scenario(n)]
            raise ScenarioError(f"{exc}; or a bundled scenario as a variant: "
                                f"{', '.join(others)}") from None
    if is_policy_file(path):
        label, sc, settings = resolve_policy(text, base)
        return Variant(label, sc, "policy", str(path), settings)
    sc = load_scenario(path)
    if not base.posterior:
        sc.posterior = ""
    return _fit_to_base(Variant(sc.name, sc, "scenario", str(path)), base)


def _fit_to_base(v: Variant, base: Scenario) -> Variant:
    """A variant run as written: on the base's dates, counted over the base's window."""
    sc = v.scenario
    if (sc.start, sc.end) != (base.start, base.end):
        raise ScenarioError(f"compare: variant {v.label!r} ({v.source}) runs {sc.start} to "
                            f"{sc.end}, the compared scenario {base.start} to {base.end}; a "
                            "comparison needs the same dates (extend the compared scenario's "
                            "file, or compare it as a policy)")
    if sc.outcome_window() != base.outcome_window():
        sc = sc.with_window(base.outcome_window())
    v.scenario = sc
    return v


def comparison_table(runs: pd.DataFrame, policies: list[str]) -> pd.DataFrame:
    """Per outcome and policy: the estimate with its 95 % interval, and the paired difference
    from the FIRST policy with its 95 % interval (mean difference +/- 1.96 sd / sqrt(R), on the
    0/1 indicators for probabilities).  ``diff_half_width_unpaired`` is what the interval's
    half-width would be for two independent samples (1.96 sqrt(var_A/R + var_B/R)).

    Outcomes are read over the outcome window (:func:`sim.experiments.outcomes.in_window`)."""
    runs = in_window(runs)
    rows = []
    shown = [c for c in outcomes_in("compare")  # probabilities first: the headline outcomes
             if c in runs.columns]  # (a table written before an outcome was shown lacks it)
    for col in sorted(shown, key=lambda c: not OUTCOMES[c].is_probability):
        o = OUTCOMES[col]
        what = "probability" if o.is_probability else f"mean {o.unit} per run"
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
            rows.append({"outcome": col, "label": label(col), "estimate_of": what, "policy": p,
                         "replicates": n, "estimate": x.mean(),
                         "ci_lo": x.mean() - 1.96 * sd / np.sqrt(n),
                         "ci_hi": x.mean() + 1.96 * sd / np.sqrt(n),
                         "diff": d.mean(), "diff_lo": d.mean() - half,
                         "diff_hi": d.mean() + half,
                         "diff_half_width_paired": half,
                         "diff_half_width_unpaired": unpaired})
    return pd.DataFrame(rows)


HEADLINE = "direct_us_iran_fire"
"""The outcome the tool exists for: it heads every comparison."""


def format_headline(table: pd.DataFrame, end, outcome: str = HEADLINE) -> str:
    """The answer in a few lines: P(outcome by ``end``) per variant with its 95 % interval,
    and the paired difference from the reference with its 95 % interval."""
    t = table[table["outcome"] == outcome]
    if t.empty:
        return ""
    policies = list(t["policy"])
    w = max(24, max(len(p) for p in policies) + 2)
    o = OUTCOMES[outcome]
    lines = [f"P({o.label} by {end}), with 95 % intervals:"]
    for _, r in t.iterrows():
        est = f"{r['estimate']:.3f} [{max(r['ci_lo'], 0):.3f}, {min(r['ci_hi'], 1):.3f}]"
        if r["policy"] == policies[0]:
            lines.append(f"  {r['policy']:<{w}}{est}   (reference)")
            continue
        sig = "" if r["diff_lo"] <= 0 <= r["diff_hi"] else " *"
        lines.append(f"  {r['policy']:<{w}}{est}   paired difference {r['diff']:+.3f} "
                     f"[{r['diff_lo']:+.3f}, {r['diff_hi']:+.3f}]{sig}")
    return "\n".join(lines)


def format_table(table: pd.DataFrame) -> str:
    """The comparison as readable text, one block per outcome."""
    policies = list(dict.fromkeys(table["policy"]))
    first = policies[0]
    w = max(24, max(len(p) for p in policies) + 2)
    dw = len("diff vs " + first)
    lines = []
    for col in dict.fromkeys(table["outcome"]):
        t = table[table["outcome"] == col]
        prob = col in OUTCOMES and OUTCOMES[col].is_probability
        fmt = "{:.3f}" if prob else "{:.1f}"
        lines.append(label(col))
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
    """What :func:`run_compare` wrote."""

    out: Path
    runs: pd.DataFrame
    table: pd.DataFrame
    manifest: dict
    figures: list[Path] = field(default_factory=list)
    execution: Execution | None = None


def run_compare(sc: Scenario, policies: list, out: str | Path, runs: int = 1000,
                seed: int = 0, backend: Backend | None = None, resume: bool = False,
                overwrite: bool = False, chunk_rows: int | None = None,
                progress: bool | None = None,
                draw: Callable[[Path], list[Path]] | None = None,
                on_chunk: Callable[[Chunk], None] | None = None) -> CompareResult:
    """Run SCENARIO under each variant (same seed and replicates) and write the folder:
    ``runs.parquet`` (with a ``policy`` column), ``weekly.parquet``, ``comparison.csv`` /
    ``comparison.parquet``, ``manifest.json`` and the figures.  ``policies``: the variants
    (:func:`resolve_variant`), the first the reference."""
    if len(policies) < 2:
        raise SweepError("give at least two --policy (the first is the reference)")
    out = Path(out)
    backend = backend or Backend()
    resolved = [resolve_variant(p, sc) for p in policies]
    labels = _unique([v.label for v in resolved])
    scenarios = [v.scenario for v in resolved]
    window = sc.outcome_window()
    job = Job("compare", scenarios, runs, seed, weekly=WEEKLY_MEASURES, labels=labels,
              inputs=run_inputs(sc, bool(sc.posterior)))
    fields = {"kind": "compare", "fingerprint": job.fingerprint(), "scenario": sc.to_dict(),
              "policies": labels, "policy_files": [v.source for v in resolved],
              "policy_settings": {lab: v.settings
                                  for lab, v in zip(labels, resolved, strict=True)},
              "variants": [{"label": lab, "kind": v.kind, "source": v.source,
                            "scenario": v.scenario.name}
                           for lab, v in zip(labels, resolved, strict=True)],
              "window": [window[0].isoformat(), window[1].isoformat()],
              "window_note": sc.window_note(),
              "seed": seed, "runs": runs, "inputs": job.inputs}
    check_target(out, fields, overwrite, resume)  # refuse before touching anything
    with folder_lock(out):
        ex = run_job(job, out, fields, backend, resume, overwrite, chunk_rows, progress,
                     on_chunk)
        return _write_compare(out, fields, ex, labels, sc, backend, overwrite, draw)


def _write_compare(out: Path, fields: dict, ex: Execution, labels: list[str], sc: Scenario,
                   backend: Backend, overwrite: bool, draw) -> CompareResult:
    parts = ex.parts
    runs_df = parts.drop(columns=[c for c in parts.columns if c.startswith("wk_")])
    runs_df.insert(0, "policy", pd.Categorical(np.array(labels)[runs_df["set"].to_numpy()],
                                               categories=labels))
    runs_df = runs_df.drop(columns=["set"])
    table = comparison_table(runs_df, labels)
    figures: list[Path] = []
    with atomic_folder(out, fields, overwrite) as tmp:
        runs_df.to_parquet(tmp / "runs.parquet", index=False)
        weekly_long(parts, labels, sc.start).to_parquet(tmp / "weekly.parquet", index=False)
        table.to_csv(tmp / "comparison.csv", index=False, float_format="%.6g")
        table.to_parquet(tmp / "comparison.parquet", index=False)
        manifest = {**fields, "status": "complete", "backend": backend.describe(),
                    "chunk_rows": ex.chunk_rows, "chunks": ex.chunks,
                    "chunks_resumed": ex.reused, "elapsed_seconds": round(ex.elapsed, 3),
                    "created": dt.datetime.now().isoformat(timespec="seconds")}
        write_manifest(tmp, **manifest)
        if draw is not None:
            figures = [out / p.name for p in draw(tmp)]
        manifest["files"] = sorted(p.name for p in tmp.iterdir())
        write_manifest(tmp, **manifest)
    return CompareResult(out, runs_df, table, manifest, figures, ex)
