"""Per-replicate parameters: what the phases read.

The phases never read a scenario's nested dictionaries.  They read a :class:`ParamTable`:
every registry parameter as an array of length R (so each replicate may carry its own
parameter set: a sweep row, a posterior draw), enums as integer codes
(:mod:`sim.model.types`), dates as day indices, and the militia groups' traits as ``(R, G)``
arrays.  The scenario layer builds it (:func:`sim.scenario.parameters.build_params`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

TRAIT_NAMES: tuple[str, ...] = ("alignment", "boldness", "rate_offset", "initial_capability")
"""The numeric group traits held as ``(R, G)`` arrays (theatres are a mask)."""


@dataclass(frozen=True)
class DatedChange:
    """Parameters that take new values from a day on (a dated policy).

    Attributes:
        day: the day index (from the scenario start) from which the values hold.
        values: ``{"section.name": float64 array (R,)}``, encoded as in :class:`ParamTable`.
    """

    day: int
    values: dict[str, np.ndarray]

    def take(self, rows: np.ndarray) -> DatedChange:
        return DatedChange(self.day, {k: v[rows] for k, v in self.values.items()})


STARTING_VALUES: frozenset[str] = frozenset({"militia.initial_capability_scale",
                                             "us.troops_iraq"})
"""Parameters that set a starting state: a dated change cannot take effect later."""


@dataclass
class ParamTable:
    """Per-replicate parameters for R replicates.

    Attributes:
        values: ``{"section.name": float64 array (R,)}``; enum codes and day indices included.
        traits: ``{trait: (R, G) array}`` for :data:`TRAIT_NAMES`.
        theatre_mask: ``(G, 5)`` 0/1 array, the theatres each group operates in.
        changes: dated changes, in order of their day (:class:`DatedChange`): from its day
            on, a change's values replace the table's (applied by
            :func:`sim.model.day.begin_day`, the same in both engines).
    """

    values: dict[str, np.ndarray]
    traits: dict[str, np.ndarray]
    theatre_mask: np.ndarray
    changes: tuple[DatedChange, ...] = ()
    _per_group: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def size(self) -> int:
        """Number of replicates R."""
        return len(next(iter(self.values.values())))

    @property
    def groups(self) -> int:
        """Number of militia groups G."""
        return self.theatre_mask.shape[0]

    def __getitem__(self, key: str) -> np.ndarray:
        return self.values[key]

    def per_group(self, key: str) -> np.ndarray:
        """Parameter ``key`` repeated over groups, ``(R, G)`` contiguous (numpy is several
        times faster on same-shape operands than on broadcast ones)."""
        arr = self._per_group.get(key)
        if arr is None:
            arr = self._per_group[key] = np.repeat(self.values[key][:, None], self.groups,
                                                   axis=1)
        return arr

    def take(self, rows: np.ndarray) -> ParamTable:
        """The table restricted to the given replicate rows."""
        return ParamTable({k: v[rows] for k, v in self.values.items()},
                          {k: v[rows] for k, v in self.traits.items()}, self.theatre_mask,
                          tuple(c.take(rows) for c in self.changes))

    def private(self) -> ParamTable:
        """A copy whose values a run may replace (a dated change) without touching this
        table (the arrays are shared until replaced)."""
        return ParamTable(dict(self.values), dict(self.traits), self.theatre_mask,
                          self.changes)

    def adopt(self, change: DatedChange) -> None:
        """Replace the values a dated change sets (call on a :meth:`private` copy)."""
        for key, arr in change.values.items():
            self.values[key] = arr
            self._per_group.pop(key, None)

    def dense(self) -> ParamTable:
        """The table with every array contiguous and of its own (what a run reads: numpy is
        faster on contiguous operands).  The scenario layer holds values shared by every
        replicate as read-only broadcast views, one number each; this copies those out.  The
        same table when nothing needs copying."""
        if all(_is_dense(v) for v in (*self.values.values(), *self.traits.values())):
            return self
        return ParamTable({k: _densify(v) for k, v in self.values.items()},
                          {k: _densify(v) for k, v in self.traits.items()}, self.theatre_mask,
                          self.changes)

    def row(self, r: int) -> ParamTable:
        """A one-replicate table (what the Mesa engine uses)."""
        return self.take(np.array([r]))

    def __getstate__(self):  # the per-group cache is not worth sending to a worker
        return {"values": self.values, "traits": self.traits,
                "theatre_mask": self.theatre_mask, "changes": self.changes,
                "_per_group": {}}


def _is_dense(a: np.ndarray) -> bool:
    return a.flags.c_contiguous and a.flags.writeable


def _densify(a: np.ndarray) -> np.ndarray:
    return a if _is_dense(a) else np.array(a)
