"""Resolved numeric parameters: a scenario's values as per-replicate arrays.

The engines never read the scenario's nested dictionaries in their inner loop.  They read a
:class:`ParamTable`: every parameter as a float or int array of length R (so each replicate
may carry its own parameter set: a sweep, or draws from a posterior), enums as integer codes,
dates as day indices, and group traits as ``(R, G)`` arrays.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .parameters import PARAMETERS, THEATRES, TIERS, TRIGGERS
from .scenario import Scenario, ScenarioError

NO_DAY = 10**9
"""Day index meaning "never" (beyond any horizon)."""


def _encode(sc: Scenario, section: str, name: str, value) -> float:
    p = PARAMETERS[section][name]
    if p.kind == "enum":
        return float((TRIGGERS if name == "trigger" else TIERS).index(value))
    if p.kind == "date":
        if value in ("", None):
            return float(NO_DAY)
        return float((dt.date.fromisoformat(str(value)) - sc.start).days)
    return float(value)


@dataclass
class ParamTable:
    """Per-replicate parameters for R replicates.

    Attributes:
        values: ``{"section.name": float64 array (R,)}``; enum codes and day indices included.
        traits: ``{"alignment"|"boldness"|"rate_offset"|"initial_capability": (R, G) array}``.
        theatre_mask: ``(G, 5)`` 0/1 array, the theatres each group operates in.
    """

    values: dict[str, np.ndarray]
    traits: dict[str, np.ndarray]
    theatre_mask: np.ndarray

    @property
    def size(self) -> int:
        return len(next(iter(self.values.values())))

    def __getitem__(self, key: str) -> np.ndarray:
        return self.values[key]

    def take(self, rows: np.ndarray) -> ParamTable:
        """The table restricted to the given replicate rows."""
        return ParamTable({k: v[rows] for k, v in self.values.items()},
                          {k: v[rows] for k, v in self.traits.items()}, self.theatre_mask)

    def row(self, r: int) -> ParamTable:
        """A one-replicate table (what the Mesa engine uses)."""
        return self.take(np.array([r]))


def build_param_table(sc: Scenario, n: int,
                      overrides: dict[str, np.ndarray | float] | None = None) -> ParamTable:
    """Per-replicate parameters for ``n`` replicates of scenario ``sc``.

    Args:
        sc: the resolved scenario (its values are every replicate's default).
        n: number of replicates.
        overrides: ``{"section.name": scalar or array of length n}``, numeric parameters only,
            e.g. a posterior sample per replicate.  Values are checked against the bounds.
    """
    values: dict[str, np.ndarray] = {}
    for sec, table in PARAMETERS.items():
        for name in table:
            values[f"{sec}.{name}"] = np.full(n, _encode(sc, sec, name, sc.params[sec][name]))
    for key, val in (overrides or {}).items():
        sec, _, name = key.partition(".")
        if key not in values:
            raise ScenarioError(f"parameter override: unknown parameter '{key}'")
        p = PARAMETERS[sec][name]
        if p.kind not in ("float", "int"):
            raise ScenarioError(f"parameter override: '{key}' is a {p.kind}, not a number; "
                                "set it in a scenario file")
        arr = np.broadcast_to(np.asarray(val, dtype=np.float64), (n,)).copy()
        if (p.lo is not None and (arr < p.lo).any()) or (p.hi is not None and (arr > p.hi).any()):
            raise ScenarioError(f"parameter override: '{key}' outside {p.describe_bounds()}")
        if p.kind == "int":
            arr = np.round(arr)
        values[key] = arr
    groups = list(sc.groups.values())
    traits = {t: np.tile(np.array([float(g[t]) for g in groups]), (n, 1))
              for t in ("alignment", "boldness", "rate_offset", "initial_capability")}
    mask = np.array([[1.0 if th in g["theatres"].split(",") else 0.0 for th in THEATRES]
                     for g in groups])
    return ParamTable(values, traits, mask)
