"""Parameter designs: what a sweep varies (``--vary KEY=LO:HI[:N]``) and the sets it runs
(a full grid, a Latin hypercube, or a Sobol' sequence, from SciPy's quasi-Monte Carlo
samplers).

Example:
    >>> v = parse_vary("militia.w_fear=0.5:2")
    >>> make_design([v], "lhs", 8, seed=1).shape
    (8, 1)
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ScenarioError
from ..errors import suggest as _suggest
from ..model.registry import PARAMETERS, all_parameter_keys

DESIGNS = ("grid", "lhs", "sobol")
GRID_DEFAULT_POINTS = 5


class SweepError(ScenarioError):
    """A sweep, comparison or sensitivity request cannot be run (bad --vary, --design,
    --samples, --scheduler, output folder ...)."""


@dataclass(frozen=True)
class Vary:
    """One varied parameter: dotted key, range and (for a grid) number of points."""

    key: str
    lo: float
    hi: float
    n: int | None = None

    @property
    def param(self):
        sec, _, name = self.key.partition(".")
        return PARAMETERS[sec][name]

    def to_dict(self) -> dict:
        p = self.param
        return {"lo": self.lo, "hi": self.hi, "points": self.n, "unit": p.unit,
                "kind": p.kind}


def _number(text: str, spec: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise SweepError(f"--vary {spec}: {what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise SweepError(f"--vary {spec}: {what} must be finite, found {text!r}")
    return value


def parse_vary(spec: str) -> Vary:
    """Parse ``KEY=LO:HI[:N]`` and check the key, the kind and the bounds.

    Raises:
        SweepError: an unknown key (with the closest known one), a non-numeric parameter,
            LO > HI, a value outside the parameter's bounds, a malformed spec.
    """
    key, eq, rng = spec.partition("=")
    key = key.strip()
    if not eq or not key:
        raise SweepError(f"--vary {spec!r}: expected KEY=LO:HI[:N], e.g. "
                         "militia.w_fear=0.5:2.0")
    sec, _, name = key.partition(".")
    if sec not in PARAMETERS or name not in PARAMETERS[sec]:
        raise SweepError(f"--vary: unknown parameter '{key}'"
                         f"{_suggest(key, all_parameter_keys())}; "
                         "`escalation show` lists every parameter")
    p = PARAMETERS[sec][name]
    if p.kind not in ("float", "int"):
        raise SweepError(f"--vary: '{key}' is not numeric (it is {p.describe_bounds()}); "
                         "only numeric parameters can be swept; compare settings of it with "
                         "scenario or policy files and `escalation compare`")
    parts = rng.split(":")
    if len(parts) not in (2, 3):
        raise SweepError(f"--vary {spec}: expected KEY=LO:HI or KEY=LO:HI:N")
    lo = _number(parts[0], spec, "LO")
    hi = _number(parts[1], spec, "HI")
    n = None
    if len(parts) == 3:
        try:
            n = int(parts[2])
        except ValueError:
            raise SweepError(f"--vary {spec}: N {parts[2]!r} is not a whole number") from None
        if n < 1:
            raise SweepError(f"--vary {spec}: N must be at least 1")
    if lo > hi:
        raise SweepError(f"--vary {spec}: LO ({lo:g}) is greater than HI ({hi:g})")
    for v in (lo, hi):
        if (p.lo is not None and v < p.lo) or (p.hi is not None and v > p.hi):
            raise SweepError(f"--vary {spec}: {v:g} is outside the bounds of '{key}': "
                             f"{p.describe_bounds()} ({p.unit})")
    return Vary(key, lo, hi, n)


def check_varies(varies: list[Vary], design: str) -> None:
    """Refuse an empty or duplicated list, and ``:N`` outside a grid design."""
    if not varies:
        raise SweepError("give at least one --vary KEY=LO:HI[:N]")
    keys = [v.key for v in varies]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise SweepError(f"--vary: '{dup[0]}' is given twice")
    if design not in DESIGNS:
        raise SweepError(f"unknown design {design!r}; expected one of {', '.join(DESIGNS)}")
    for v in varies:  # Vary objects handed to the API directly, not parsed from --vary
        parse_vary(f"{v.key}={v.lo!r}:{v.hi!r}" + (f":{v.n}" if v.n is not None else ""))
    if design != "grid":
        with_n = [v.key for v in varies if v.n is not None]
        if with_n:
            raise SweepError(f"--vary {with_n[0]}: ':N' (points per key) applies only to "
                             f"--design grid; with --design {design} use --samples")


def _round_ints(values: np.ndarray, varies: list[Vary]) -> np.ndarray:
    out = values.astype(np.float64).copy()
    for j, v in enumerate(varies):
        if v.param.kind == "int":
            out[:, j] = np.round(out[:, j])
    return out


def make_design(varies: list[Vary], design: str, samples: int | None = None,
                seed: int = 0) -> pd.DataFrame:
    """Parameter sets: one row per set, one column per varied key.

    Args:
        varies: the varied parameters.
        design: ``grid`` (N points per key, every combination, N from ``KEY=LO:HI:N`` or
            :data:`GRID_DEFAULT_POINTS`), ``lhs`` (scipy ``qmc.LatinHypercube``) or ``sobol``
            (scrambled ``qmc.Sobol``; a power of two keeps its balance).
        samples: number of sets for ``lhs`` and ``sobol``.
        seed: seeds the scrambling (the same seed gives the same design).

    Integer parameters are rounded.
    """
    check_varies(varies, design)
    d = len(varies)
    lo = np.array([v.lo for v in varies])
    hi = np.array([v.hi for v in varies])
    if design == "grid":
        axes = []
        for v in varies:
            n = v.n or GRID_DEFAULT_POINTS
            pts = np.linspace(v.lo, v.hi, n) if v.hi > v.lo else np.array([v.lo])
            if v.param.kind == "int":
                pts = np.unique(np.round(pts))
            axes.append(pts)
        mesh = np.meshgrid(*axes, indexing="ij")
        values = np.column_stack([m.ravel() for m in mesh])
    else:
        from scipy.stats import qmc

        if samples is None or samples < 1:
            raise SweepError(f"--design {design} needs --samples K (K >= 1)")
        if design == "lhs":
            engine = qmc.LatinHypercube(d, rng=np.random.default_rng(seed))
            unit = engine.random(samples)
        else:
            engine = qmc.Sobol(d, scramble=True, rng=np.random.default_rng(seed))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # non-power-of-two balance note
                unit = engine.random(samples)
        values = qmc.scale(unit, lo, hi) if np.all(hi > lo) else lo + unit * (hi - lo)
    values = _round_ints(values, varies)
    return pd.DataFrame(values, columns=[v.key for v in varies])

