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
from ..model.params import TRAIT_NAMES, DatedChange, ParamTable
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
    value = _label(value)
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


def _override_values(sc: Scenario, key: str, val, n: int) -> np.ndarray:
    """One override as the engines' float64 array of length ``n``: numbers (numpy scalars
    included), enum labels (``"streak"``), dates (``"2020-03-31"``, ``datetime.date``, ``""``)
    and booleans, a scalar or one value per replicate; checked against the registry."""
    sec, _, name = key.partition(".")
    if sec not in PARAMETERS or name not in PARAMETERS[sec]:
        raise ScenarioError(f"parameter override: unknown parameter '{key}'"
                            f"{_suggest(key, all_parameter_keys())}")
    p = PARAMETERS[sec][name]
    raw = np.asarray(val, dtype=object if p.kind in ("enum", "date") else None)
    if raw.ndim > 1 or (raw.ndim == 1 and len(raw) not in (1, n)):
        raise ScenarioError(f"parameter override: '{key}' has {raw.size} values for {n} "
                            "replicates (give one value, or one per replicate)")
    if p.kind in ("enum", "date"):
        flat = raw.reshape(-1)
        codes = {}
        for v in dict.fromkeys(_label(x) for x in flat):
            if p.kind == "enum" and v not in ENUM_LABELS[key]:
                labels = ENUM_LABELS[key]
                raise ScenarioError(f"parameter override: '{key}' = {v!r} is not one of "
                                    f"{'|'.join(labels)}{_suggest(str(v), labels)}")
            try:
                codes[v] = encode(sc, key, v)
            except (TypeError, ValueError):
                raise ScenarioError(f"parameter override: '{key}' = {v!r} is not a date "
                                    "(expected YYYY-MM-DD, or \"\" for none)") from None
        arr = np.array([codes[_label(x)] for x in flat], dtype=np.float64)
    else:
        try:
            arr = np.asarray(raw, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            bad = next(x for x in raw.reshape(-1) if not _is_number(x))
            raise ScenarioError(f"parameter override: '{key}' must be a number ({p.kind}), "
                                f"not {_label(bad)!r}") from None
        if not np.isfinite(arr).all():
            raise ScenarioError(f"parameter override: '{key}' has a non-finite value")
        if p.kind == "bool" and not np.isin(arr, (0.0, 1.0)).all():
            raise ScenarioError(f"parameter override: '{key}' must be true or false")
        if (p.lo is not None and (arr < p.lo).any()) or (p.hi is not None
                                                          and (arr > p.hi).any()):
            bad = arr[(arr < (p.lo if p.lo is not None else -np.inf))
                      | (arr > (p.hi if p.hi is not None else np.inf))][0]
            raise ScenarioError(f"parameter override: '{key}' = {bad:g} outside "
                                f"{p.describe_bounds()}")
        if p.kind == "int":
            arr = np.round(arr)
    return np.broadcast_to(arr, (n,)).copy()


def _label(x):
    """A label or date as plain Python (numpy strings and scalars, pandas timestamps)."""
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, dt.datetime):
        return x.date().isoformat()
    if isinstance(x, dt.date):
        return x.isoformat()
    return x


def _is_number(x) -> bool:
    try:
        float(x)
    except (TypeError, ValueError):
        return False
    return True


def _check_cross(values: dict[str, np.ndarray]) -> None:
    """The per-replicate form of the scenario's cross-checks (a design row may break them)."""
    for lo, hi in (("us.lag_min_days", "us.lag_max_days"),
                   ("iran.direct_lag_min_days", "iran.direct_lag_max_days")):
        bad = np.flatnonzero(values[lo] > values[hi])
        if bad.size:
            raise ScenarioError(f"parameter override: '{lo}' ({values[lo][bad[0]]:g}) exceeds "
                                f"'{hi}' ({values[hi][bad[0]]:g}) in row {bad[0]}")


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
        overrides: ``{"section.name": value or array}``: numbers (numpy scalars too), enum
            labels (``"us.trigger": ["deaths", "streak", ...]``), dates, booleans.

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
            # one value for every replicate: a read-only broadcast view, not n copies (the
            # engine makes each chunk's arrays contiguous, sim.model.params.ParamTable.dense)
            values[key] = np.broadcast_to(np.full(1, encode(sc, key, sc.params[sec][name])),
                                          (n,))
    drawn: dict[str, np.ndarray] = {}
    path = sc.posterior if posterior is True else ("" if posterior is False else str(posterior))
    if path:
        from .posterior import sample_posterior

        drawn = {k: v for k, v in sample_posterior(path, seed, reps).items()
                 if k not in sc.posterior_excluded}
    for key, val in {**drawn, **(overrides or {})}.items():
        values[key] = _override_values(sc, key, val, n)
    if overrides:
        _check_cross(values)
    groups = list(sc.groups.values())
    traits = {t: np.broadcast_to(np.array([float(g[t]) for g in groups]), (n, len(groups)))
              for t in TRAIT_NAMES}
    mask = np.array([[1.0 if th in g["theatres"].split(",") else 0.0 for th in THEATRES]
                     for g in groups])
    changes = []
    for d in sorted(sc.dated, key=lambda d: d.start):  # dated policies, from their day on
        vals = {k: _override_values(sc, k, v, n) for k, v in d.settings.items()}
        changes.append(DatedChange((d.start - sc.start).days, vals))
    return ParamTable(values, traits, mask, tuple(changes))

