"""Scenario files: TOML, ``extends`` inheritance, validation of every key, resolved parameters.

A scenario file holds up to these top-level entries::

    extends = "../baseline.toml"        # optional; path relative to this file
    [scenario]  name, description, start, end
    [iran] [militia] [us] [israel] [iraq]   parameter overrides (see sim.parameters)
    [groups.<name>]                     traits of a militia group (new or default)
    [timeline]  remove_drivers = [...]  drop inherited drivers by name
    [[timeline.drivers]]  name, start, end, strength, note
    [[timeline.shocks]]   date, target, amount, note
    [replay]    until = 2024-01-28          replay the documented record to this day
                record = "../calibration"   (optional) folder with events.csv, tallies.csv

Values resolve as: registry defaults, then each ancestor from the root down, then the file.
Inherited timeline drivers and shocks are kept and the file's are appended.
Anything unknown, of the wrong type, out of bounds or undated is refused with a
:class:`ScenarioError` naming the file and the key; nothing runs on a half-valid scenario.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .parameters import (
    DEFAULT_GROUPS,
    DRIVERS,
    GROUP_TRAITS,
    PARAMETERS,
    SCENARIO_KEYS,
    SHOCK_TARGETS,
    THEATRES,
    Param,
)
from .timeline import Driver, Shock, Timeline

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
SCENARIO_DIR = PACKAGE_ROOT / "scenarios"
BASELINE = SCENARIO_DIR / "baseline.toml"

TOP_LEVEL = ("extends", "scenario", *PARAMETERS, "groups", "timeline", "replay")
REPLAY_KEYS = ("until", "record")
DRIVER_KEYS = ("name", "start", "end", "strength", "note")
SHOCK_KEYS = ("date", "target", "amount", "note")


class ScenarioError(ValueError):
    """A scenario file cannot be used; the message names the file and the key."""


def _suggest(word: str, options) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _unknown(path: Path, where: str, key: str, options) -> ScenarioError:
    known = ", ".join(sorted(options))
    return ScenarioError(f"{path}: unknown key '{key}' in {where}{_suggest(key, options)}; "
                         f"known keys: {known}")


def _as_date(path: Path, where: str, value: Any, allow_empty: bool = False) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        if allow_empty and value == "":
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ScenarioError(f"{path}: {where}: expected a date YYYY-MM-DD, found {value!r}")


def _check_value(path: Path, where: str, p: Param, value: Any) -> Any:
    """Validate one value against its registry entry; return it normalised."""
    kind = p.kind
    if kind == "enum":
        if not isinstance(value, str) or value not in p.choices:
            raise ScenarioError(f"{path}: {where}: expected {p.describe_bounds()}, found "
                                f"{value!r}{_suggest(str(value), p.choices)}")
        return value
    if kind == "date":
        d = _as_date(path, where, value, allow_empty=True)
        return "" if d is None else d.isoformat()
    if kind == "str":
        if not isinstance(value, str):
            raise ScenarioError(f"{path}: {where}: expected text, found {value!r}")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise ScenarioError(f"{path}: {where}: expected true or false, found {value!r}")
        return value
    if kind == "theatres":
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(isinstance(t, str) for t in items):
            raise ScenarioError(f"{path}: {where}: expected a list of theatres from "
                                f"{', '.join(THEATRES)}, found {value!r}")
        items = [t.strip() for t in items]
        for t in items:
            if t not in THEATRES:
                raise ScenarioError(f"{path}: {where}: unknown theatre {t!r}"
                                    f"{_suggest(t, THEATRES)}; expected some of "
                                    f"{', '.join(THEATRES)}")
        return ",".join(items)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"{path}: {where}: expected a number {p.describe_bounds()} "
                            f"({p.unit}), found {value!r}")
    if kind == "int":
        if isinstance(value, float) and not value.is_integer():
            raise ScenarioError(f"{path}: {where}: expected a whole number "
                                f"{p.describe_bounds()} ({p.unit}), found {value!r}")
        value = int(value)
    else:
        value = float(value)
    if (p.lo is not None and value < p.lo) or (p.hi is not None and value > p.hi):
        raise ScenarioError(f"{path}: {where}: {value:g} is out of range; expected "
                            f"{p.describe_bounds()} ({p.unit})")
    return value


def _validate_file(path: Path, raw: dict) -> None:
    """Check every key of one file (before merging), so errors name the right file."""
    for key, val in raw.items():
        if key not in TOP_LEVEL:
            raise _unknown(path, "the top level", key, TOP_LEVEL)
        if key == "extends":
            if not isinstance(val, str):
                raise ScenarioError(f"{path}: extends: expected a file path, found {val!r}")
            continue
        if not isinstance(val, dict):
            raise ScenarioError(f"{path}: [{key}]: expected a table, found {val!r}")
        if key == "scenario":
            for k, v in val.items():
                if k not in SCENARIO_KEYS:
                    raise _unknown(path, "[scenario]", k, SCENARIO_KEYS)
                _check_value(path, f"[scenario] {k}", SCENARIO_KEYS[k], v)
        elif key in PARAMETERS:
            table = PARAMETERS[key]
            for k, v in val.items():
                if k not in table:
                    raise _unknown(path, f"[{key}]", k, table)
                _check_value(path, f"[{key}] {k}", table[k], v)
        elif key == "groups":
            for gname, traits in val.items():
                if not isinstance(traits, dict):
                    raise ScenarioError(f"{path}: [groups.{gname}]: expected a table of "
                                        f"traits, found {traits!r}")
                for k, v in traits.items():
                    if k not in GROUP_TRAITS:
                        raise _unknown(path, f"[groups.{gname}]", k, GROUP_TRAITS)
                    _check_value(path, f"[groups.{gname}] {k}", GROUP_TRAITS[k], v)
        elif key == "timeline":
            _validate_timeline(path, val)
        elif key == "replay":
            for k, v in val.items():
                if k not in REPLAY_KEYS:
                    raise _unknown(path, "[replay]", k, REPLAY_KEYS)
            if "until" in val:
                _as_date(path, "[replay] until", val["until"], allow_empty=True)
            if "record" in val:
                rec = val["record"]
                if not isinstance(rec, str) or not (path.parent / rec).is_dir():
                    raise ScenarioError(f"{path}: [replay] record: expected a folder holding "
                                        f"events.csv and tallies.csv, found {rec!r}")


def _validate_timeline(path: Path, val: dict) -> None:
    for k, v in val.items():
        if k not in ("drivers", "shocks", "remove_drivers", "remove_shocks"):
            raise _unknown(path, "[timeline]", k,
                           ("drivers", "shocks", "remove_drivers", "remove_shocks"))
        if not isinstance(v, list):
            raise ScenarioError(f"{path}: [timeline] {k}: expected a list, found {v!r}")
    for name in val.get("remove_shocks", []):
        if name not in SHOCK_TARGETS:
            raise ScenarioError(f"{path}: [timeline] remove_shocks: unknown state {name!r}"
                                f"{_suggest(str(name), SHOCK_TARGETS)}")
    for name in val.get("remove_drivers", []):
        if name not in DRIVERS:
            raise ScenarioError(f"{path}: [timeline] remove_drivers: unknown driver {name!r}"
                                f"{_suggest(str(name), DRIVERS)}")
    for i, d in enumerate(val.get("drivers", []), start=1):
        where = f"[[timeline.drivers]] entry {i}"
        if not isinstance(d, dict):
            raise ScenarioError(f"{path}: {where}: expected a table, found {d!r}")
        for k in d:
            if k not in DRIVER_KEYS:
                raise _unknown(path, where, k, DRIVER_KEYS)
        for k in ("name", "start", "end"):
            if k not in d:
                raise ScenarioError(f"{path}: {where}: missing key '{k}'")
        if d["name"] not in DRIVERS:
            raise ScenarioError(f"{path}: {where} name: unknown driver {d['name']!r}"
                                f"{_suggest(str(d['name']), DRIVERS)}; known drivers: "
                                f"{', '.join(DRIVERS)}")
        a = _as_date(path, f"{where} start", d["start"])
        b = _as_date(path, f"{where} end", d["end"])
        if b < a:
            raise ScenarioError(f"{path}: {where} ({d['name']}): end {b} is before start {a}")
        s = d.get("strength", 1.0)
        if isinstance(s, bool) or not isinstance(s, int | float) or not 0 <= s <= 5:
            raise ScenarioError(f"{path}: {where} ({d['name']}) strength: expected a number "
                                f"in [0, 5], found {s!r}")
        if not isinstance(d.get("note", ""), str):
            raise ScenarioError(f"{path}: {where} note: expected text, found {d['note']!r}")
    for i, s in enumerate(val.get("shocks", []), start=1):
        where = f"[[timeline.shocks]] entry {i}"
        if not isinstance(s, dict):
            raise ScenarioError(f"{path}: {where}: expected a table, found {s!r}")
        for k in s:
            if k not in SHOCK_KEYS:
                raise _unknown(path, where, k, SHOCK_KEYS)
        for k in ("date", "target", "amount"):
            if k not in s:
                raise ScenarioError(f"{path}: {where}: missing key '{k}'")
        _as_date(path, f"{where} date", s["date"])
        if s["target"] not in SHOCK_TARGETS:
            raise ScenarioError(f"{path}: {where} target: unknown state {s['target']!r}"
                                f"{_suggest(str(s['target']), SHOCK_TARGETS)}; known: "
                                f"{', '.join(SHOCK_TARGETS)}")
        a = s["amount"]
        if isinstance(a, bool) or not isinstance(a, int | float) or not -50 <= a <= 50:
            raise ScenarioError(f"{path}: {where} amount: expected a number in [-50, 50], "
                                f"found {a!r}")


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
    _validate_file(path, raw)
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

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """A copy with parameters set by dotted key (``"us.trigger": "streak"``), validated."""
        new = copy.deepcopy(self)
        for key, value in overrides.items():
            sec, _, name = key.partition(".")
            if sec not in PARAMETERS or name not in PARAMETERS[sec]:
                raise ScenarioError(f"override: unknown parameter '{key}'"
                                    f"{_suggest(key, all_parameter_keys())}")
            new.params[sec][name] = _check_value(Path("override"), key, PARAMETERS[sec][name],
                                                 value)
            if key not in new.posterior_excluded:
                new.posterior_excluded.append(key)
        _check_cross(Path("override"), new)
        return new

    def with_replay(self, until: dt.date | str | None) -> Scenario:
        """A copy that replays the documented record up to ``until`` (inclusive; ``None``
        replays nothing).  The branch date is checked against the record when a run starts."""
        new = copy.deepcopy(self)
        if isinstance(until, str):
            until = _as_date(Path("--replay-until"), "date", until)
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


def all_parameter_keys() -> list[str]:
    """Every dotted parameter key, e.g. ``us.trigger``."""
    return [f"{s}.{k}" for s, t in PARAMETERS.items() for k in t]


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
            meta[k] = _check_value(fpath, k, SCENARIO_KEYS[k], v)
        if "posterior" in raw.get("scenario", {}):
            posterior, excluded = "", []
            if meta["posterior"]:
                ppath = (fpath.parent / meta["posterior"]).resolve()
                if not ppath.is_file():
                    raise ScenarioError(f"{fpath}: [scenario] posterior: file not found: {ppath}")
                posterior = str(ppath)
        for sec in PARAMETERS:
            for k, v in raw.get(sec, {}).items():
                params[sec][k] = _check_value(fpath, f"[{sec}] {k}", PARAMETERS[sec][k], v)
                if posterior and "posterior" not in raw.get("scenario", {}):
                    excluded.append(f"{sec}.{k}")  # a later file's choice beats the posterior
        for g, traits in raw.get("groups", {}).items():
            base = groups.setdefault(g, {k: p.default for k, p in GROUP_TRAITS.items()})
            for k, v in traits.items():
                base[k] = _check_value(fpath, f"[groups.{g}] {k}", GROUP_TRAITS[k], v)
        tl = raw.get("timeline", {})
        removed = set(tl.get("remove_drivers", []))
        drivers = [d for d in drivers if d.name not in removed]
        removed_shocks = set(tl.get("remove_shocks", []))
        shocks = [s for s in shocks if s.target not in removed_shocks]
        rp = raw.get("replay", {})
        if "until" in rp:
            replay_until = _as_date(fpath, "[replay] until", rp["until"], allow_empty=True)
        if "record" in rp:
            replay_record = str((fpath.parent / rp["record"]).resolve())
        for d in tl.get("drivers", []):
            drivers.append(Driver(d["name"], _as_date(fpath, "start", d["start"]),
                                  _as_date(fpath, "end", d["end"]),
                                  float(d.get("strength", 1.0)), d.get("note", "")))
        for s in tl.get("shocks", []):
            shocks.append(Shock(_as_date(fpath, "date", s["date"]), s["target"],
                                float(s["amount"]), s.get("note", "")))
    sc = Scenario(
        name=meta["name"] or path.stem,
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
