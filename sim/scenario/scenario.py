"""Scenario files: TOML, ``extends`` inheritance, resolved and validated.

A scenario file holds up to these top-level entries::

    extends = "../baseline.toml"        # optional; path relative to this file
    [scenario]  name, description, start, end, posterior
    [iran] [militia] [us] [israel] [iraq]   parameter overrides (see sim.model.registry)
    [groups.<name>]                     traits of a militia group (new or default)
    [timeline]  remove_drivers = [...]  drop inherited drivers by name
    [[timeline.drivers]]  name, start, end, strength, note
    [[timeline.shocks]]   date, target, amount, note
    [replay]    until = 2024-01-28          replay the documented record to this day
                record = "../calibration"   (optional) folder with events.csv, tallies.csv

Values resolve as: registry defaults, then each ancestor from the root down, then the file.
Inherited timeline drivers and shocks are kept and the file's are appended.  Every key is
validated (:mod:`sim.scenario.validate`); nothing runs on a half-valid scenario.
"""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from ..errors import suggest as _suggest
from ..model.registry import DEFAULT_GROUPS, GROUP_TRAITS, PARAMETERS, all_parameter_keys
from ..model.setup import Setup
from ..model.timeline import Driver, Shock, Timeline
from ..paths import BASELINE, SCENARIO_DIR
from .validate import SCENARIO_KEYS, as_date, check_value, validate_file


def _read(path: Path, chain: tuple[Path, ...]) -> list[tuple[Path, dict]]:
    """Read ``path`` and its ancestors; return ``[(path, raw), ...]`` root first."""
    if path in chain:
        raise ScenarioError(f"{path}: extends loops back on itself via "
                            + " -> ".join(str(p) for p in (*chain, path)))
    if not path.is_file():
        if chain:
            raise ScenarioError(f"{chain[-1]}: extends: file not found: {path}")
        raise ScenarioError(f"{path}: scenario file not found")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not valid TOML: the file is not UTF-8 text") from None
    validate_file(path, raw)
    parents: list[tuple[Path, dict]] = []
    if "extends" in raw:
        parent = (path.parent / raw["extends"]).resolve()
        parents = _read(parent, (*chain, path))
    return [*parents, (path, raw)]


@dataclass
class Scenario:
    """A fully resolved, validated scenario.

    Attributes:
        name, description: from ``[scenario]``.
        start, end: first and last simulated day.
        params: ``{section: {name: value}}`` for every registry parameter.
        groups: ``{group: {trait: value}}``, in a fixed order.
        drivers, shocks: the exogenous timeline.
        files: the files it was read from, root ancestor first.
    """

    name: str
    description: str
    start: dt.date
    end: dt.date
    params: dict[str, dict[str, Any]]
    groups: dict[str, dict[str, Any]]
    drivers: list[Driver] = field(default_factory=list)
    shocks: list[Shock] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    posterior: str = ""
    posterior_excluded: list[str] = field(default_factory=list)
    replay_until: dt.date | None = None
    replay_record: str = ""

    @property
    def days(self) -> int:
        """Number of simulated days, both ends included."""
        return (self.end - self.start).days + 1

    @property
    def group_names(self) -> list[str]:
        return list(self.groups)

    def timeline(self) -> Timeline:
        """The daily driver and shock arrays of this scenario."""
        return Timeline.build(self.start, self.end, self.drivers, self.shocks)

    def setup(self) -> Setup:
        """What the engines need besides parameters: calendar, timeline, groups and the
        replay switches (built from the documented record when a branch date is set)."""
        from .replay import build_schedule

        return Setup(self.name, self.timeline(), list(self.groups),
                     build_schedule(self, self.replay_until, self.replay_record or None))

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """A copy with parameters set by dotted key (``"us.trigger": "streak"``), validated."""
        new = copy.deepcopy(self)
        for key, value in overrides.items():
            sec, _, name = key.partition(".")
            if sec not in PARAMETERS or name not in PARAMETERS[sec]:
                raise ScenarioError(f"override: unknown parameter '{key}'"
                                    f"{_suggest(key, all_parameter_keys())}")
            new.params[sec][name] = check_value(Path("override"), key, PARAMETERS[sec][name],
                                                _plain(value))
            if key not in new.posterior_excluded:
                new.posterior_excluded.append(key)
        _check_cross(Path("override"), new)
        return new

    def with_replay(self, until: dt.date | str | None) -> Scenario:
        """A copy that replays the documented record up to ``until`` (inclusive; ``None``
        replays nothing).  The branch date is checked against the record when a run starts."""
        new = copy.deepcopy(self)
        if isinstance(until, str):
            until = as_date(Path("--replay-until"), "date", until)
        new.replay_until = until
        return new

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as written to ``manifest.json``."""
        return {
            "name": self.name,
            "description": self.description,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "files": self.files,
            "posterior": self.posterior,
            "posterior_excluded": self.posterior_excluded,
            "replay_until": self.replay_until.isoformat() if self.replay_until else None,
            "replay_record": self.replay_record,
            "parameters": self.params,
            "groups": self.groups,
            "timeline": {
                "drivers": [{"name": d.name, "start": d.start.isoformat(),
                             "end": d.end.isoformat(), "strength": d.strength, "note": d.note}
                            for d in self.drivers],
                "shocks": [{"date": s.date.isoformat(), "target": s.target,
                            "amount": s.amount, "note": s.note} for s in self.shocks],
            },
        }


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python number it holds (what EMA Workbench and pandas hand in)."""
    item = getattr(value, "item", None)
    return item() if callable(item) and getattr(value, "shape", None) == () else value


def _check_cross(path: Path, sc: Scenario) -> None:
    if sc.end < sc.start:
        raise ScenarioError(f"{path}: [scenario] end {sc.end} is before start {sc.start}")
    us, ir = sc.params["us"], sc.params["iran"]
    if us["lag_min_days"] > us["lag_max_days"]:
        raise ScenarioError(f"{path}: [us] lag_min_days ({us['lag_min_days']}) exceeds "
                            f"lag_max_days ({us['lag_max_days']})")
    if ir["direct_lag_min_days"] > ir["direct_lag_max_days"]:
        raise ScenarioError(f"{path}: [iran] direct_lag_min_days exceeds direct_lag_max_days")
    if not sc.groups:
        raise ScenarioError(f"{path}: no militia groups")


def _check_in_window(path: Path, where: str, a: dt.date, b: dt.date,
                     window: tuple[dt.date, dt.date]) -> None:
    """Refuse a timeline entry a file declares entirely outside its own dates (it would
    otherwise be ignored without a word).  Entries inherited from a file with a wider
    window are kept and clipped to the dates: they were written for that window."""
    start, end = window
    if end < start:
        return  # reported as "end is before start"
    if b < start or a > end:
        span = str(a) if a == b else f"{a} to {b}"
        raise ScenarioError(f"{path}: {where}: {span} is outside the scenario's dates "
                            f"({start} to {end}); move it inside or change [scenario] "
                            "start/end")


def bundled_scenarios() -> dict[str, Path]:
    """The bundled scenario files by name (file stem): the baseline, policies,
    counterfactuals and forecasts."""
    return {p.stem: p for p in sorted(SCENARIO_DIR.rglob("*.toml"))}


def resolve_scenario_path(name_or_path: str | Path | None) -> Path:
    """The file of a scenario given as ``None`` (the baseline), a path, or a bundled name
    such as ``forecast_2027``.

    >>> resolve_scenario_path("forecast_2027").name
    'forecast_2027.toml'
    """
    if name_or_path is None:
        return BASELINE
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists() or "/" in str(name_or_path) or "\\" in str(name_or_path):
        return p
    bundled = bundled_scenarios()
    if str(name_or_path) in bundled:
        return bundled[str(name_or_path)]
    raise ScenarioError(f"{name_or_path}: no such scenario file, and not a bundled scenario"
                        f"{_suggest(str(name_or_path), bundled)}; bundled: "
                        f"{', '.join(bundled)}")


def load_scenario(path: str | Path | None = None) -> Scenario:
    """Read, validate and resolve a scenario file (the bundled baseline when ``None``).

    Example:
        >>> sc = load_scenario()            # scenarios/baseline.toml
        >>> sc.params["us"]["trigger"]
        'deaths'
    """
    path = Path(BASELINE if path is None else path).resolve()
    chain = _read(path, ())
    params = {sec: {k: p.default for k, p in t.items()} for sec, t in PARAMETERS.items()}
    groups = {g: dict(t) for g, t in DEFAULT_GROUPS.items()}
    meta = {k: p.default for k, p in SCENARIO_KEYS.items()}
    drivers: list[Driver] = []
    shocks: list[Shock] = []
    posterior, excluded = "", []
    replay_until, replay_record = None, ""
    for fpath, raw in chain:
        for k, v in raw.get("scenario", {}).items():
            meta[k] = check_value(fpath, k, SCENARIO_KEYS[k], v)
        if "posterior" in raw.get("scenario", {}):
            posterior, excluded = "", []
            if meta["posterior"]:
                ppath = (fpath.parent / meta["posterior"]).resolve()
                if not ppath.is_file():
                    raise ScenarioError(f"{fpath}: [scenario] posterior: file not found: {ppath}")
                posterior = str(ppath)
        for sec in PARAMETERS:
            for k, v in raw.get(sec, {}).items():
                params[sec][k] = check_value(fpath, f"[{sec}] {k}", PARAMETERS[sec][k], v)
                if posterior and "posterior" not in raw.get("scenario", {}):
                    excluded.append(f"{sec}.{k}")  # a later file's choice beats the posterior
        for g, traits in raw.get("groups", {}).items():
            base = groups.setdefault(g, {k: p.default for k, p in GROUP_TRAITS.items()})
            for k, v in traits.items():
                base[k] = check_value(fpath, f"[groups.{g}] {k}", GROUP_TRAITS[k], v)
        tl = raw.get("timeline", {})
        removed = set(tl.get("remove_drivers", []))
        drivers = [d for d in drivers if d.name not in removed]
        removed_shocks = set(tl.get("remove_shocks", []))
        shocks = [s for s in shocks if s.target not in removed_shocks]
        rp = raw.get("replay", {})
        if "until" in rp:
            replay_until = as_date(fpath, "[replay] until", rp["until"], allow_empty=True)
        if "record" in rp:
            replay_record = str((fpath.parent / rp["record"]).resolve())
        window = (dt.date.fromisoformat(meta["start"]), dt.date.fromisoformat(meta["end"]))
        for i, d in enumerate(tl.get("drivers", []), start=1):
            drv = Driver(d["name"], as_date(fpath, "start", d["start"]),
                         as_date(fpath, "end", d["end"]), float(d.get("strength", 1.0)),
                         d.get("note", ""))
            _check_in_window(fpath, f"[[timeline.drivers]] entry {i} ({drv.name})",
                             drv.start, drv.end, window)
            drivers.append(drv)
        for i, s in enumerate(tl.get("shocks", []), start=1):
            shock = Shock(as_date(fpath, "date", s["date"]), s["target"], float(s["amount"]),
                          s.get("note", ""))
            _check_in_window(fpath, f"[[timeline.shocks]] entry {i} ({shock.target})",
                             shock.date, shock.date, window)
            shocks.append(shock)
    # the name is the file's own: a file that does not name itself is named after its stem
    # (never after the file it extends, whose output folder it would otherwise share)
    own_name = chain[-1][1].get("scenario", {}).get("name", "")
    sc = Scenario(
        name=own_name or path.stem,
        description=meta["description"],
        start=dt.date.fromisoformat(meta["start"]),
        end=dt.date.fromisoformat(meta["end"]),
        params=params,
        groups=groups,
        drivers=drivers,
        shocks=shocks,
        files=[str(p) for p, _ in chain],
        posterior=posterior,
        posterior_excluded=sorted(set(excluded)),
        replay_until=replay_until,
        replay_record=replay_record,
    )
    _check_cross(path, sc)
    return sc


