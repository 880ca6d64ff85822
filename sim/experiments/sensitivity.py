"""Global sensitivity analysis: Sobol indices with SALib.

The design is SALib's Saltelli/Sobol sample (``SALib.sample.sobol.sample``, first-order and
total indices only: ``K x (D + 2)`` parameter sets for ``K`` base samples and ``D`` varied
parameters), or a sample the caller made with SALib (a ``ProblemSpec`` after
``sample_sobol``, or a problem and its sample matrix; with second-order rows too). Every set
runs ``R`` replicates on common random numbers (through :mod:`sim.experiments.sweep`, so any
backend and ``--resume`` work); the model output of a set is the mean of the outcome over its
replicates, and ``SALib.analyze.sobol.analyze`` turns those into first order (S1) and total
(ST) indices with bootstrap 95 % intervals.

The seed is always honoured: SALib takes ``seed=0`` as "no seed" (``if seed:``) and would
draw its bootstrap from the global generator; here the bootstrap gets
``numpy.random.default_rng(seed)``, which for any other seed is exactly what SALib's own
``seed=`` does, so :func:`sobol_indices` and ``ProblemSpec.analyze_sobol(seed=S)`` agree.

Example:
    >>> from sim.experiments.designs import parse_vary
    >>> salib_design([parse_vary("militia.w_fear=0.5:2"),
    ...               parse_vary("us.force_protection=0.3:0.7")], 8, seed=1).shape
    (32, 2)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import suggest as _suggest
from ..scenario import Scenario
from .backends import Backend
from .designs import SweepError, Vary, _round_ints, check_varies
from .outcomes import in_window, numeric_outcomes
from .sweep import SweepResult, run_sweep
from .tasks import Chunk

DEFAULT_OUTCOMES = ("escalation_score", "direct_us_iran_fire", "us_killed")


def check_outcomes(outcomes: list[str]) -> list[str]:
    """The outcomes to analyse (the defaults when none), each checked against the registry."""
    NUMERIC_OUTCOMES = numeric_outcomes()  # noqa: N806
    outcomes = list(outcomes) or list(DEFAULT_OUTCOMES)
    for o in outcomes:
        if o not in NUMERIC_OUTCOMES:
            raise SweepError(f"--outcome: unknown outcome '{o}'{_suggest(o, NUMERIC_OUTCOMES)}; "
                             f"known: {', '.join(NUMERIC_OUTCOMES)}")
    return list(dict.fromkeys(outcomes))


def problem(varies: list[Vary]) -> dict:
    """The SALib problem of the varied parameters."""
    return {"num_vars": len(varies), "names": [v.key for v in varies],
            "bounds": [[v.lo, v.hi] for v in varies]}


def varies_of_problem(prob) -> list[Vary]:
    """The varied parameters of a SALib problem (a dict or a ``ProblemSpec``: ``names`` and
    ``bounds``), each checked as ``--vary`` is (a numeric registry key, within its bounds)."""
    from .designs import parse_vary

    if not hasattr(prob, "get") or "names" not in prob or "bounds" not in prob:
        raise SweepError("sensitivity: a SALib problem needs 'names' and 'bounds'")
    if prob.get("groups") and list(prob["groups"]) != list(prob["names"]):
        raise SweepError("sensitivity: SALib problems with 'groups' are not supported; give "
                         "one name per parameter")
    dists = prob.get("dists") or []
    if any(d != "unif" for d in dists):
        raise SweepError("sensitivity: only uniform distributions ('unif') are supported, "
                         f"found {sorted(set(dists) - {'unif'})}")
    names, bounds = list(prob["names"]), list(prob["bounds"])
    if len(names) != len(bounds):
        raise SweepError(f"sensitivity: {len(names)} names but {len(bounds)} bounds")
    out = []
    for name, b in zip(names, bounds):
        if len(b) != 2:
            raise SweepError(f"sensitivity: bounds of '{name}' must be [lo, hi], not {b}")
        out.append(parse_vary(f"{name}={float(b[0])!r}:{float(b[1])!r}"))
    check_varies(out, "sobol")
    return out


def second_order_layout(x: np.ndarray, d: int) -> bool:
    """Whether a Saltelli sample was drawn with second-order rows (``calc_second_order``):
    ``K x (2D + 2)`` rows ``A, AB_1..AB_D, BA_1..BA_D, B`` per base sample, against
    ``K x (D + 2)`` rows ``A, AB_1..AB_D, B``.  Told apart by the structure of the rows (row
    ``AB_i`` is ``A`` with column ``i`` from ``B``), not only by their count.

    >>> import numpy as np
    >>> a, b = np.array([[0.1, 0.2]]), np.array([[0.7, 0.9]])
    >>> first = np.vstack([a, [[0.7, 0.2]], [[0.1, 0.9]], b])
    >>> second_order_layout(first, 2)
    False
    """
    def fits(block: int, second: bool) -> bool:
        if len(x) % block:
            return False
        blocks = x.reshape(-1, block, d)
        a, b = blocks[:, 0], blocks[:, -1]
        for i in range(d):
            ab = blocks[:, 1 + i]
            want = a.copy()
            want[:, i] = b[:, i]
            if not np.allclose(ab, want):
                return False
            if second:
                ba = blocks[:, 1 + d + i]
                want = b.copy()
                want[:, i] = a[:, i]
                if not np.allclose(ba, want):
                    return False
        return True

    if fits(d + 2, False):
        return False
    if fits(2 * d + 2, True):
        return True
    raise SweepError(f"sensitivity: the sample ({len(x)} rows x {d} columns) is not a "
                     "Saltelli sample of SALib's sobol sampler (K x (D + 2) rows, or "
                     "K x (2D + 2) with second-order rows)")


def sample_design(varies: list[Vary], sample, calc_second_order: bool | None = None
                  ) -> tuple[pd.DataFrame, bool]:
    """A caller's sample matrix (``N x D``, columns in the problem's order) as the design, and
    whether it holds second-order rows (inferred from its layout unless given)."""
    x = np.asarray(sample, dtype=np.float64)
    d = len(varies)
    if x.ndim != 2 or x.shape[1] != d:
        raise SweepError(f"sensitivity: the sample must be a matrix of {d} columns (one per "
                         f"name of the problem), not of shape {x.shape}")
    if calc_second_order is None:
        calc_second_order = second_order_layout(x, d)
    block = 2 * d + 2 if calc_second_order else d + 2
    if len(x) % block or len(x) == 0:
        raise SweepError(f"sensitivity: {len(x)} sample rows are not a multiple of {block} "
                         f"(calc_second_order={calc_second_order})")
    return pd.DataFrame(x, columns=[v.key for v in varies]), bool(calc_second_order)


def salib_design(varies: list[Vary], samples: int, seed: int = 0) -> pd.DataFrame:
    """SALib's Sobol sample (first and total order): ``samples x (D + 2)`` sets."""
    from SALib.sample import sobol as sobol_sample

    check_varies(varies, "sobol")
    if samples < 2:
        raise SweepError("--samples must be at least 2 for Sobol indices")
    for v in varies:
        if not v.hi > v.lo:
            raise SweepError(f"--vary {v.key}: LO and HI must differ for Sobol indices")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib's power-of-two note; the docs say why
        x = sobol_sample.sample(problem(varies), samples, calc_second_order=False, seed=seed)
    return pd.DataFrame(_round_ints(x, varies), columns=[v.key for v in varies])


def sobol_indices(varies: list[Vary], sets: pd.DataFrame, runs: pd.DataFrame,
                  outcomes: list[str], seed: int = 0, resamples: int = 200,
                  calc_second_order: bool = False) -> pd.DataFrame:
    """Tidy table: outcome, parameter, S1, S1_conf, ST, ST_conf (conf = half-width of the 95 %
    bootstrap interval), S1_lo/S1_hi/ST_lo/ST_hi.  The model output of a set is the mean of
    the outcome over its replicates; the bootstrap is seeded with ``seed`` (0 included)."""
    from SALib.analyze import sobol as sobol_analyze

    means = in_window(runs).groupby("set")[outcomes].mean().sort_index()
    rows = []
    for o in outcomes:
        y = means[o].to_numpy(dtype=float)
        if np.allclose(y, y[0]):
            res = {k: np.full(len(varies), np.nan) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                res = sobol_analyze.analyze(problem(varies), y,
                                            calc_second_order=calc_second_order,
                                            num_resamples=resamples, conf_level=0.95,
                                            seed=np.random.default_rng(seed))
        for i, v in enumerate(varies):
            rows.append({"outcome": o, "parameter": v.key,
                         "S1": float(res["S1"][i]), "S1_conf": float(res["S1_conf"][i]),
                         "ST": float(res["ST"][i]), "ST_conf": float(res["ST_conf"][i]),
                         "output_mean": float(y.mean()), "output_sd": float(y.std())})
    df = pd.DataFrame(rows)
    for s in ("S1", "ST"):
        df[f"{s}_lo"] = df[s] - df[f"{s}_conf"]
        df[f"{s}_hi"] = df[s] + df[f"{s}_conf"]
    return df


def run_sensitivity(sc: Scenario, varies: list[Vary], out: str | Path, outcomes: list[str],
                    samples: int = 64, runs: int = 50, seed: int = 0,
                    backend: Backend | None = None, resume: bool = False,
                    overwrite: bool = False, chunk_rows: int | None = None,
                    progress: bool | None = None,
                    draw: Callable[[Path], list[Path]] | None = None,
                    on_chunk: Callable[[Chunk], None] | None = None,
                    sample=None, calc_second_order: bool | None = None
                    ) -> tuple[SweepResult, pd.DataFrame]:
    """Sobol sample (or the caller's ``sample`` matrix, see :func:`sample_design`), sweep,
    indices; writes a sweep folder with ``kind = "sensitivity"`` plus ``sobol.csv`` /
    ``sobol.parquet``."""
    outcomes = check_outcomes(outcomes)
    if sample is None:
        design = salib_design(varies, samples, seed)
        second = False
    else:
        check_varies(varies, "sobol")
        design, second = sample_design(varies, sample, calc_second_order)
        samples = len(design) // (2 * len(varies) + 2 if second else len(varies) + 2)
    holder: dict = {}

    def extra(tmp: Path, runs_df: pd.DataFrame, sets: pd.DataFrame) -> dict:
        idx = sobol_indices(varies, sets, runs_df, outcomes, seed, calc_second_order=second)
        idx.to_csv(tmp / "sobol.csv", index=False, float_format="%.6g")
        idx.to_parquet(tmp / "sobol.parquet", index=False)
        holder["idx"] = idx
        return {"outcomes": outcomes, "base_samples": samples,
                "sample": "given" if sample is not None else "salib sobol",
                "calc_second_order": second}

    res = run_sweep(sc, varies, out, design="saltelli", samples=samples, runs=runs, seed=seed,
                    backend=backend, resume=resume, overwrite=overwrite, chunk_rows=chunk_rows,
                    progress=progress, draw=draw, on_chunk=on_chunk, kind="sensitivity",
                    design_frame=design, extra=extra)
    return res, holder["idx"]


def format_indices(idx: pd.DataFrame) -> str:
    """The indices as readable text, one block per outcome."""
    lines = []
    w = max(len(p) for p in idx["parameter"]) + 2
    for o, t in idx.groupby("outcome", sort=False):
        lines.append(f"{o} (mean over replicates per set)")
        lines.append(f"  {'parameter':<{w}}{'S1':>8}{'+/-':>8}{'ST':>8}{'+/-':>8}")
        for _, r in t.iterrows():
            lines.append(f"  {r['parameter']:<{w}}{r['S1']:>8.3f}{r['S1_conf']:>8.3f}"
                         f"{r['ST']:>8.3f}{r['ST_conf']:>8.3f}")
        lines.append("")
    lines.append("S1: share of the variance due to the parameter alone; ST: including its "
                 "interactions. +/-: 95 % bootstrap half-width.")
    for w in sobol_warnings(idx):
        lines.append(f"warning: {w}")
    return "\n".join(lines)


def sobol_warnings(idx: pd.DataFrame) -> list[str]:
    """Plain warnings for indices that cannot be read at face value: an index or its 95 %
    interval outside [0, 1] (too few samples for the estimator), or an interval that spans
    zero (the parameter's effect is not distinguished from none)."""
    out = []
    for _, r in idx.iterrows():
        for s in ("S1", "ST"):
            v, lo, hi = r[s], r[f"{s}_lo"], r[f"{s}_hi"]
            if not np.isfinite(v):
                continue
            where = f"{r['outcome']}, {r['parameter']}: {s} = {v:.2f} [{lo:.2f}, {hi:.2f}]"
            if v < 0 or v > 1:
                out.append(f"{where}: the index leaves [0, 1] (too few samples for the "
                           "estimator; raise --samples)")
            elif lo < 0 < hi:
                out.append(f"{where}: the interval spans zero (the effect is not "
                           "distinguished from none; raise --samples or --runs)")
            elif hi > 1:
                out.append(f"{where}: the interval leaves [0, 1] (raise --samples)")
    return out
