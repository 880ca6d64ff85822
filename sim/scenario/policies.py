"""Policies: named sets of parameter overrides, bundled in ``scenarios/policies/`` or given
as a path to a policy TOML.

A policy's settings are the parameter values its file (and any file it extends other than the
root scenario of its chain, usually ``baseline.toml``) sets in ``[iran] [militia] [us]
[israel] [iraq]``; they are applied on top of the scenario they are compared on.

Example:
    >>> from sim.scenario import load_scenario
    >>> label, sc, settings = resolve_policy("answer_every_streak", load_scenario())
    >>> settings["us.trigger"]
    'streak'
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from ..errors import ScenarioError
from ..errors import suggest as _suggest
from ..model.registry import PARAMETERS
from ..paths import POLICY_DIR
from .scenario import Scenario, load_scenario


def bundled_policies() -> list[str]:
    """Names of the bundled policies (file stems in scenarios/policies/)."""
    return sorted(p.stem for p in POLICY_DIR.glob("*.toml"))


def policy_path(text: str) -> Path:
    """The file of a policy given by bundled name or path."""
    p = Path(text)
    if p.suffix == ".toml" or p.exists() or "/" in text:
        if not p.is_file():
            raise ScenarioError(f"--policy {text}: file not found")
        return p.resolve()
    names = bundled_policies()
    if text not in names:
        raise ScenarioError(f"--policy: unknown policy '{text}'{_suggest(text, names)}; bundled "
                         f"policies: {', '.join(names)} (or give a path to a policy .toml)")
    return POLICY_DIR / f"{text}.toml"


def is_policy_file(path: Path) -> bool:
    """Whether a file (and the files it extends, other than the root of its chain) sets
    parameters only (a policy), rather than a timeline, groups, a replay or dates (a
    scenario variant, run as written)."""
    psc = load_scenario(path, check_dated=False)
    files = [Path(f) for f in psc.files]
    for f in (files[1:] if len(files) > 1 else files):
        raw = tomllib.loads(f.read_text(encoding="utf-8"))
        if any(t in raw for t in ("groups", "timeline", "replay")):
            return False
        if any(k in raw.get("scenario", {}) for k in ("start", "end", "posterior")):
            return False
    return True


def policy_settings(path: Path) -> tuple[str, dict]:
    """The policy's label and its parameter settings ``{"us.trigger": "streak", ...}``
    (settings of a file with ``[policy] from`` are dated: :func:`policy_dated`)."""
    psc = load_scenario(path, check_dated=False)  # validates every file; errors name it
    files = [Path(f) for f in psc.files]
    own = files[1:] if len(files) > 1 else files
    settings: dict = {}
    for f in own:
        raw = tomllib.loads(f.read_text(encoding="utf-8"))
        for table in ("groups", "timeline"):
            if table in raw:
                raise ScenarioError(f"{f}: a policy may only set parameters ([iran] [militia] "
                                 f"[us] [israel] [iraq]), not [{table}]; to compare it, make "
                                 "it the SCENARIO argument or run it with `escalation run`")
        if "from" in raw.get("policy", {}):
            continue
        for sec in PARAMETERS:
            for k in raw.get(sec, {}):
                settings[f"{sec}.{k}"] = psc.params[sec][k]
    return (psc.name or path.stem), settings


def policy_dated(path: Path) -> list:
    """The dated settings of a policy file (``[policy] from``), as
    :class:`sim.scenario.scenario.DatedPolicy` entries."""
    return list(load_scenario(path, check_dated=False).dated)


def resolve_policy(text: str, sc: Scenario) -> tuple[str, Scenario, dict]:
    """``(label, scenario with the policy applied, settings)``; a dated policy file's
    settings take effect from its ``[policy] from`` day (``settings`` then holds
    ``"from"``)."""
    path = policy_path(text)
    label, settings = policy_settings(path)
    new = sc.with_overrides(settings, source=f"--policy {text}")
    for d in policy_dated(path):
        new = new.with_overrides(d.settings, from_date=d.start, source=d.source)
        settings = {**settings, **d.settings, "from": d.start.isoformat()}
    new.name = f"{sc.name} + {label}"
    return label, new, settings


