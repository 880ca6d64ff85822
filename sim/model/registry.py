"""The parameter registry: every tunable number of the model, gathered from the actor
modules that use it.

A scenario file may set any of these under its section (``[iran]``, ``[militia]``, ``[us]``,
``[israel]``, ``[iraq]``); anything else is refused.  Per-group traits live under
``[groups.<name>]`` and are described by :data:`GROUP_TRAITS`.  Each entry is declared once,
in the module of the actor whose rules read it (``sim/model/<actor>.py``).
"""

from __future__ import annotations

from . import iran, iraq, israel, militia, us
from .param import Param
from .timeline import DRIVERS, SHOCK_TARGETS

PARAMETERS: dict[str, dict[str, Param]] = {
    "iran": iran.PARAMETERS,
    "militia": militia.PARAMETERS,
    "us": us.PARAMETERS,
    "israel": israel.PARAMETERS,
    "iraq": iraq.PARAMETERS,
}
"""Every section's parameters: ``{section: {name: Param}}``."""
GROUP_TRAITS: dict[str, Param] = militia.GROUP_TRAITS
DEFAULT_GROUPS: dict[str, dict] = militia.DEFAULT_GROUPS

__all__ = ["PARAMETERS", "GROUP_TRAITS", "DEFAULT_GROUPS", "DRIVERS", "SHOCK_TARGETS",
           "parameter", "all_parameter_keys", "defaults"]


def all_parameter_keys() -> list[str]:
    """Every dotted parameter key, e.g. ``us.trigger``.

    >>> "us.trigger" in all_parameter_keys()
    True
    """
    return [f"{s}.{k}" for s, t in PARAMETERS.items() for k in t]


def parameter(key: str) -> Param:
    """The registry entry of a dotted key (``KeyError`` when unknown)."""
    sec, _, name = key.partition(".")
    return PARAMETERS[sec][name]


def defaults() -> dict[str, dict[str, object]]:
    """All section parameters at their defaults, as ``{section: {name: value}}``."""
    return {sec: {k: p.default for k, p in table.items()} for sec, table in PARAMETERS.items()}
