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


def policy_settings(path: Path) -> tuple[str, dict]:
    """The policy's label and its parameter settings ``{"us.trigger": "streak", ...}``."""
    psc = load_scenario(path)  # validates every file of the chain, errors name the file
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
        for sec in PARAMETERS:
            for k in raw.get(sec, {}):
                settings[f"{sec}.{k}"] = psc.params[sec][k]
    return (psc.name or path.stem), settings


def resolve_policy(text: str, sc: Scenario) -> tuple[str, Scenario, dict]:
    """``(label, scenario with the policy applied, settings)``."""
    path = policy_path(text)
    label, settings = policy_settings(path)
    new = sc.with_overrides(settings)
    new.name = f"{sc.name} + {label}"
    return label, new, settings


