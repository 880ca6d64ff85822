"""Validation of scenario files: every key of every table, before anything runs.

Anything unknown, of the wrong type, non-finite, out of bounds or undated is refused with a
:class:`sim.errors.ScenarioError` naming the file and the key.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from ..errors import suggest as _suggest
from ..model.param import P, Param
from ..model.registry import GROUP_TRAITS, PARAMETERS
from ..model.timeline import DRIVERS, SHOCK_TARGETS
from ..model.types import THEATRES

SCENARIO_KEYS: dict[str, Param] = {
    "name": P("", unit="text", doc="short name of the scenario", kind="str"),
    "description": P("", unit="text", doc="what question the scenario asks", kind="str"),
    "start": P("2019-01-01", unit="date", doc="first simulated day", kind="date"),
    "end": P("2024-12-31", unit="date", doc="last simulated day", kind="date"),
    "posterior": P("", unit="path", doc="calibrated posterior (Parquet) from which each "
                   "replicate draws its parameter set; relative to the file; \"\" for none",
                   kind="str"),
}
"""Keys of the ``[scenario]`` table."""

TOP_LEVEL = ("extends", "scenario", "policy", *PARAMETERS, "groups", "timeline", "replay")
REPLAY_KEYS = ("until", "record")
POLICY_KEYS = ("from",)
DRIVER_KEYS = ("name", "start", "end", "strength", "note")
SHOCK_KEYS = ("date", "target", "amount", "note")


def _unknown(path: Path, where: str, key: str, options) -> ScenarioError:
    known = ", ".join(sorted(options))
    return ScenarioError(f"{path}: unknown key '{key}' in {where}{_suggest(key, options)}; "
                         f"known keys: {known}")


def as_date(path: Path, where: str, value: Any, allow_empty: bool = False) -> dt.date | None:
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


def check_value(path: Path, where: str, p: Param, value: Any) -> Any:
    """Validate one value against its registry entry; return it normalised."""
    kind = p.kind
    if kind == "enum":
        if not isinstance(value, str) or value not in p.choices:
            raise ScenarioError(f"{path}: {where}: expected {p.describe_bounds()}, found "
                                f"{value!r}{_suggest(str(value), p.choices)}")
        return value
    if kind == "date":
        # "" means "no date" only where the registry's default is no date (a scheduled
        # drawdown); a scenario's start and end must be dates
        d = as_date(path, where, value, allow_empty=p.default == "")
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
    if isinstance(value, float) and not math.isfinite(value):
        raise ScenarioError(f"{path}: {where}: expected a finite number "
                            f"{p.describe_bounds()} ({p.unit}), found {value!r}")
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


def validate_file(path: Path, raw: dict) -> None:
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
                check_value(path, f"[scenario] {k}", SCENARIO_KEYS[k], v)
        elif key in PARAMETERS:
            table = PARAMETERS[key]
            for k, v in val.items():
                if k not in table:
                    raise _unknown(path, f"[{key}]", k, table)
                check_value(path, f"[{key}] {k}", table[k], v)
        elif key == "groups":
            for gname, traits in val.items():
                if not isinstance(traits, dict):
                    raise ScenarioError(f"{path}: [groups.{gname}]: expected a table of "
                                        f"traits, found {traits!r}")
                for k, v in traits.items():
                    if k not in GROUP_TRAITS:
                        raise _unknown(path, f"[groups.{gname}]", k, GROUP_TRAITS)
                    check_value(path, f"[groups.{gname}] {k}", GROUP_TRAITS[k], v)
        elif key == "timeline":
            _validate_timeline(path, val)
        elif key == "policy":
            for k in val:
                if k not in POLICY_KEYS:
                    raise _unknown(path, "[policy]", k, POLICY_KEYS)
            if "from" in val:
                as_date(path, "[policy] from", val["from"])
        elif key == "replay":
            for k in val:
                if k not in REPLAY_KEYS:
                    raise _unknown(path, "[replay]", k, REPLAY_KEYS)
            if "until" in val:
                as_date(path, "[replay] until", val["until"], allow_empty=True)
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
        a = as_date(path, f"{where} start", d["start"])
        b = as_date(path, f"{where} end", d["end"])
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
        as_date(path, f"{where} date", s["date"])
        if s["target"] not in SHOCK_TARGETS:
            raise ScenarioError(f"{path}: {where} target: unknown state {s['target']!r}"
                                f"{_suggest(str(s['target']), SHOCK_TARGETS)}; known: "
                                f"{', '.join(SHOCK_TARGETS)}")
        a = s["amount"]
        if isinstance(a, bool) or not isinstance(a, int | float) or not -50 <= a <= 50:
            raise ScenarioError(f"{path}: {where} amount: expected a number in [-50, 50], "
                                f"found {a!r}")


