"""A resolved scenario as readable text (``escalation show``)."""

from __future__ import annotations

from pathlib import Path

from ..errors import ScenarioError
from ..model.registry import PARAMETERS
from .scenario import Scenario


def describe(sc: Scenario, meanings: bool = True) -> str:
    """The resolved parameters as a readable table, with units, bounds and (``meanings``)
    what each one means (``escalation show``)."""
    lines = [f"scenario: {sc.name}", f"  {sc.description}" if sc.description else "",
             f"  {sc.start} .. {sc.end} ({sc.days} days)",
             "  files: " + " <- ".join(Path(f).name for f in reversed(sc.files))]
    if sc.posterior:
        lines.append(f"  posterior: {sc.posterior} (each replicate draws the calibrated "
                     "parameters from it; the values below are the fallbacks)")
        if sc.posterior_excluded:
            lines.append("  set here, not drawn: " + ", ".join(sc.posterior_excluded))
    if sc.replay_until is not None:
        lines.append(f"  replays the documented record to {sc.replay_until}")
    lines.append(f"  outcomes {sc.window_note()}")
    for d in sc.dated:
        lines.append(f"  dated policy from {d.start}: "
                     + ", ".join(f"{k} = {v}" for k, v in d.settings.items())
                     + f"  ({Path(d.source).name})")
    lines.append("")
    for sec, table in PARAMETERS.items():
        lines.append(f"[{sec}]")
        for k, p in table.items():
            v = sc.params[sec][k]
            mark = "" if v == p.default else "  *"
            lines.append(f"  {k:<32} {str(v):>18}  {p.unit:<28} {p.describe_bounds()}{mark}")
            if meanings and p.doc:
                lines.append(f"      {p.doc}")
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


def parameter_rows(sc: Scenario | None = None) -> list[dict]:
    """Every registry parameter as a record: ``name`` (the dotted key), ``section``,
    ``kind``, ``default`` (the model's), ``value`` (the scenario's, when one is given), ``lo``
    and ``hi`` (bounds; ``None`` when unbounded or not numeric), ``choices`` (an enum's
    labels), ``unit``, ``meaning``, ``calibrated`` (the key is a column of the calibrated
    posterior: the scenario's, or ``calibration/posterior.parquet``) and ``drawn`` (a run of
    the scenario draws it from that posterior per replicate).

    >>> rows = parameter_rows()
    >>> next(r for r in rows if r["name"] == "militia.w_campaign")["calibrated"]
    True
    """
    from ..paths import POSTERIOR
    from .posterior import posterior_keys

    post = sc.posterior if sc is not None and sc.posterior else POSTERIOR
    try:
        calibrated = set(posterior_keys(post))
    except ScenarioError:
        calibrated = set()
    drawn = (calibrated - set(sc.posterior_excluded)) if sc is not None and sc.posterior \
        else set()
    rows = []
    for sec, table in PARAMETERS.items():
        for k, p in table.items():
            key = f"{sec}.{k}"
            row = {"name": key, "section": sec, "kind": p.kind, "default": p.default}
            if sc is not None:
                row["value"] = sc.params[sec][k]
            row.update({"lo": p.lo if p.numeric else None, "hi": p.hi if p.numeric else None,
                        "choices": list(p.choices) or None, "unit": p.unit, "meaning": p.doc,
                        "calibrated": key in calibrated, "drawn": key in drawn})
            rows.append(row)
    return rows


def describe_json(sc: Scenario) -> dict:
    """The resolved scenario as JSON-ready data (``escalation show --json``): its
    :meth:`~sim.scenario.Scenario.to_dict` with ``parameters`` as the records of
    :func:`parameter_rows`."""
    data = sc.to_dict()
    data["days"] = sc.days
    data["parameters"] = parameter_rows(sc)
    return data
