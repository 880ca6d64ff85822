"""A resolved scenario as readable text (``escalation show``)."""

from __future__ import annotations

from pathlib import Path

from ..model.registry import PARAMETERS
from .scenario import Scenario


def describe(sc: Scenario) -> str:
    """The resolved parameters as a readable table, with units and bounds (``escalation show``)."""
    lines = [f"scenario: {sc.name}", f"  {sc.description}" if sc.description else "",
             f"  {sc.start} .. {sc.end} ({sc.days} days)",
             "  files: " + " <- ".join(Path(f).name for f in reversed(sc.files))]
    if sc.posterior:
        lines.append(f"  posterior: {sc.posterior} (each replicate draws the calibrated "
                     "parameters from it; the values below are the fallbacks)")
        if sc.posterior_excluded:
            lines.append("  set here, not drawn: " + ", ".join(sc.posterior_excluded))
    lines.append("")
    for sec, table in PARAMETERS.items():
        lines.append(f"[{sec}]")
        for k, p in table.items():
            v = sc.params[sec][k]
            mark = "" if v == p.default else "  *"
            lines.append(f"  {k:<32} {str(v):>18}  {p.unit:<28} {p.describe_bounds()}{mark}")
        lines.append("")
    lines.append("[groups]")
    for g, t in sc.groups.items():
        lines.append(f"  {g}: " + ", ".join(f"{k}={v}" for k, v in t.items()))
    lines.append("")
    lines.append("[timeline]")
    for d in sc.drivers:
        lines.append(f"  {d.name:<16} {d.start} .. {d.end}  strength {d.strength:g}  {d.note}")
    for s in sc.shocks:
        lines.append(f"  shock {s.date}  {s.target} {s.amount:+g}  {s.note}")
    lines.append("")
    lines.append("(* differs from the model default)")
    return "\n".join(line for line in lines if line is not None)
