"""Each replicate's parameters, built by one function: :func:`build_params`.

The engines read a :class:`sim.model.params.ParamTable`: every registry parameter as an
array of length R, enums as integer codes, dates as day indices, group traits as ``(R, G)``
arrays.  Runs, sweeps, comparisons, calibration, the fit report and branching all build it
here, so "what a replicate draws from the posterior" and "what a design row or override
sets" mean the same everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from ..errors import ScenarioError
from ..errors import suggest as _suggest
from ..model.params import TRAIT_NAMES, ParamTable
from ..model.registry import PARAMETERS, all_parameter_keys
from ..model.types import NO_DAY, THEATRES, TIERS, TRIGGERS
from .scenario import Scenario

ENUM_LABELS: dict[str, tuple[str, ...]] = {"us.trigger": TRIGGERS, "us.first_tier": TIERS,
                                           "us.max_tier": TIERS}
"""The code table of each enum parameter: a label's index is its code."""


def encode(sc: Scenario, key: str, value) -> float:
    """A parameter value as the number the engines read: an enum label as its code, a date
    as its day index from the scenario start (:data:`NO_DAY` for none), a number as is.

    >>> from sim.scenario import load_scenario
    >>> encode(load_scenario(), "us.trigger", "streak")
    2.0
    """
    p = PARAMETERS[key.partition(".")[0]][key.partition(".")[2]]
    if p.kind == "enum":
        return float(ENUM_LABELS[key].index(value))
    if p.kind == "date":
        if value in ("", None):
            return float(NO_DAY)
        return float((dt.date.fromisoformat(str(value)) - sc.start).days)
    return float(value)


def _replicates(replicates: int | ArrayLike) -> np.ndarray:
    if np.ndim(replicates) == 0:
        return np.arange(int(replicates))
    return np.asarray(replicates, dtype=np.int64)


def _check_override(key: str, arr: np.ndarray) -> None:
    sec, _, name = key.partition(".")
    if sec not in PARAMETERS or name not in PARAMETERS[sec]:
        raise ScenarioError(f"parameter override: unknown parameter '{key}'"
                            f"{_suggest(key, all_parameter_keys())}")
    p = PARAMETERS[sec][name]
    if not p.numeric:
        raise ScenarioError(f"parameter override: '{key}' is a {p.kind}, not a number; set it "
                            "in a scenario file")
    if not np.isfinite(arr).all():
        raise ScenarioError(f"parameter override: '{key}' has a non-finite value")
    if (p.lo is not None and (arr < p.lo).any()) or (p.hi is not None and (arr > p.hi).any()):
        raise ScenarioError(f"parameter override: '{key}' outside {p.describe_bounds()}")


def build_params(sc: Scenario, replicates: int | ArrayLike, seed: int = 0, *,
                 posterior: bool | str | Path = True,
                 overrides: Mapping[str, ArrayLike] | None = None) -> ParamTable:
    """Per-replicate parameters of scenario ``sc``.

    In order: the scenario's values for every replicate; then, when ``posterior`` is true and
    the scenario names a posterior (or ``posterior`` is a path), each replicate's calibrated
    parameters drawn from it, keyed by ``(seed, replicate)`` so that a replicate draws the same
    set however the run is chunked (a key the scenario file itself sets is not drawn:
    ``sc.posterior_excluded``); then ``overrides`` (a scalar or one value per replicate, e.g.
    a design row), checked against the registry's bounds.

    Args:
        sc: the resolved scenario.
        replicates: a count ``n`` (replicates ``0..n-1``) or the replicate indices.
        seed: the run's seed (it keys the posterior draws).
        posterior: draw from the scenario's posterior (``True``), not at all (``False``), or
            from this posterior file.
        overrides: ``{"section.name": value or array}``, numeric parameters only.

    Example:
        >>> from sim.scenario import load_scenario
        >>> p = build_params(load_scenario(), 4, seed=0, posterior=False,
        ...                  overrides={"us.force_protection": [0.1, 0.2, 0.3, 0.4]})
        >>> p["us.force_protection"].tolist()
        [0.1, 0.2, 0.3, 0.4]
    """
    reps = _replicates(replicates)
    n = len(reps)
    values: dict[str, np.ndarray] = {}
    for sec, table in PARAMETERS.items():
        for name in table:
            key = f"{sec}.{name}"
            values[key] = np.full(n, encode(sc, key, sc.params[sec][name]))
    drawn: dict[str, np.ndarray] = {}
    path = sc.posterior if posterior is True else ("" if posterior is False else str(posterior))
    if path:
        from .posterior import sample_posterior

        drawn = {k: v for k, v in sample_posterior(path, seed, reps).items()
                 if k not in sc.posterior_excluded}
    for key, val in {**drawn, **(overrides or {})}.items():
        arr = np.broadcast_to(np.asarray(val, dtype=np.float64), (n,)).copy()
        _check_override(key, arr)
        if PARAMETERS[key.partition(".")[0]][key.partition(".")[2]].kind == "int":
            arr = np.round(arr)
        values[key] = arr
    groups = list(sc.groups.values())
    traits = {t: np.tile(np.array([float(g[t]) for g in groups]), (n, 1)) for t in TRAIT_NAMES}
    mask = np.array([[1.0 if th in g["theatres"].split(",") else 0.0 for th in THEATRES]
                     for g in groups])
    return ParamTable(values, traits, mask)

