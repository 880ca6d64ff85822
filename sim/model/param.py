"""What a parameter is: default, bounds, unit, meaning.

Each actor module declares its own parameters as a ``PARAMETERS`` table of :class:`Param`
entries; :mod:`sim.model.registry` gathers them into the registry that scenario files,
validation, ``escalation show`` and the API read.

Conventions: rates are daily.  "logit" parameters add to a log-odds, "log-rate" parameters
add to the natural log of a daily Poisson rate.  Decay times are e-folding times in days: a
state ``x`` with decay time ``tau`` is multiplied by ``exp(-1/tau)`` every day.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Param:
    """One model parameter: default value, inclusive bounds, unit and meaning.

    Attributes:
        default: the value every scenario starts from.
        lo, hi: inclusive bounds (``None``: unbounded) of numeric parameters.
        unit: unit or kind of value, as ``escalation show`` prints it.
        doc: what the parameter means.
        choices: the allowed labels of an ``enum`` parameter.
        kind: ``float``, ``int``, ``enum``, ``date``, ``bool``, ``str`` or ``theatres``.
    """

    default: float | int | str | bool
    lo: float | None = None
    hi: float | None = None
    unit: str = ""
    doc: str = ""
    choices: tuple[str, ...] = field(default=())
    kind: str = "float"

    @property
    def numeric(self) -> bool:
        """Whether the parameter is a number (may vary per replicate)."""
        return self.kind in ("float", "int")

    def describe_bounds(self) -> str:
        """Human-readable range, e.g. ``[0, 1]`` or ``one of deaths|streak``.

        >>> Param(0.5, 0, 1).describe_bounds()
        '[0, 1]'
        """
        if self.kind == "enum":
            return "one of " + "|".join(self.choices)
        if self.kind == "date":
            return "a date (YYYY-MM-DD) or \"\" for none"
        if self.kind == "bool":
            return "true or false"
        if self.kind in ("str", "theatres"):
            return self.unit
        return f"[{_fmt(self.lo)}, {_fmt(self.hi)}]"


def _fmt(x: float | None) -> str:
    return "-inf" if x is None else f"{x:g}"


def P(default, lo=None, hi=None, unit="", doc="", **kw) -> Param:  # noqa: N802 - terse tables
    """Shorthand for the parameter tables of the actor modules."""
    return Param(default, lo, hi, unit, doc, **kw)
