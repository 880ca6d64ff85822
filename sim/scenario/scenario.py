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
    [policy]    from = 2025-07-01           this file's parameter settings take effect
                                            from this day (a dated policy); before it,
                                            the inherited values hold

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
from ..model.params import STARTING_VALUES
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
class DatedPolicy:
    """Parameter settings that take effect from a day on (``[policy] from`` or
    ``Scenario.with_overrides(..., from_date=...)``).

    Attributes:
        start: the first day under the new values.
        settings: ``{"us.trigger": "streak", ...}``, validated values.
        source: where it was declared (a file, or "override").
    """

    start: dt.date
    settings: dict[str, Any]
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.start.isoformat(), "settings": dict(self.settings),
                "source": self.source}


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
    dated: list[DatedPolicy] = field(default_factory=list)
    window: tuple[dt.date, dt.date] | None = None

    @property
    def branch(self) -> dt.date | None:
        """The first free day after a replay of the record (``None`` without a replay)."""
        if self.replay_until is None or self.replay_until < self.start:
            return None
        return min(self.replay_until + dt.timedelta(days=1), self.end)

    def outcome_window(self) -> tuple[dt.date, dt.date]:
        """The days every total, probability, table and figure counts: the window set with
        :meth:`with_window`, else from the branch (a replay's or forecast's free period) to
        the end, else the whole run."""
        if self.window is not None:
            return self.window
        return (self.branch or self.start, self.end)

    def window_note(self) -> str:
        """How the outcome window reads in a summary or a figure subtitle."""
        a, b = self.outcome_window()
        if self.window is not None:
            if (a, b) == (self.start, self.end):
                return f"counted over the whole run, {a} to {b} (--window)"
            return f"counted from {a} to {b} (--window)"
        if self.branch is not None:
            return (f"counted from the branch, {a} to {b} (the replayed record before "
                    f"{a} is not counted; --window chooses another)")
        return f"counted over the whole run, {a} to {b}"

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

        a, b = self.outcome_window()
        return Setup(self.name, self.timeline(), list(self.groups),
                     build_schedule(self, self.replay_until, self.replay_record or None),
                     ((a - self.start).days, (b - self.start).days))

    def with_overrides(self, overrides: dict[str, Any], from_date: dt.date | str | None = None,
                       source: str = "override") -> Scenario:
        """A copy with parameters set by dotted key (``"us.trigger": "streak"``), validated.

        With ``from_date`` the settings are a dated policy: they take effect from that day
        (inside the scenario's dates), and the scenario's values hold before it.

        >>> sc = load_scenario().with_overrides({"us.trigger": "streak"}, "2022-01-01")
        >>> sc.params["us"]["trigger"], sc.dated[0].start.isoformat()
        ('deaths', '2022-01-01')
        """
        new = copy.deepcopy(self)
        where = Path(source)
        checked: dict[str, Any] = {}
        for key, value in overrides.items():
            sec, _, name = str(key).partition(".")
            if sec not in PARAMETERS or name not in PARAMETERS[sec]:
                raise ScenarioError(f"{source}: unknown parameter '{key}'"
                                    f"{_suggest(str(key), all_parameter_keys())}")
            checked[key] = check_value(where, key, PARAMETERS[sec][name], _plain(value))
        if from_date is not None:
            if isinstance(from_date, str):
                from_date = as_date(where, "from", from_date)
            elif isinstance(from_date, dt.datetime):
                from_date = from_date.date()
            key = "[policy] from" if source.endswith(".toml") else "from"
            new.dated.append(_dated(where, key, from_date, checked, new))
            _check_cross(where, new)
            return new
        for key, value in checked.items():
            sec, _, name = key.partition(".")
            new.params[sec][name] = value
            _drop_dated(new, key)
            if key not in new.posterior_excluded:
                new.posterior_excluded.append(key)
        _check_cross(where, new)
        return new

    def with_window(self, window: str | tuple | None) -> Scenario:
        """A copy whose outcomes are counted over ``window``: ``"START:END"`` (either side
        may be empty: the scenario's own start or end; ``"branch:"`` is the default), a
        ``(start, end)`` pair of dates, ``"all"`` (the whole run) or ``None`` (the
        default)."""
        new = copy.deepcopy(self)
        new.window = parse_window(window, self)
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
            # only when set, so that the fingerprints of earlier runs stay as they were
            **({"dated_policies": [d.to_dict() for d in self.dated]} if self.dated else {}),
            **({"window": [self.window[0].isoformat(), self.window[1].isoformat()]}
               if self.window is not None else {}),
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


def _dated(path: Path, where: str, start: dt.date, settings: dict[str, Any],
           sc: Scenario) -> DatedPolicy:
    """A dated policy, checked: its day inside the scenario's dates, no starting value."""
    if not sc.start <= start <= sc.end:
        raise ScenarioError(f"{path}: {where}: {start} is outside the scenario's dates "
                            f"({sc.start} to {sc.end}); a dated policy takes effect on a day "
                            "of the run")
    fixed = sorted(set(settings) & STARTING_VALUES)
    if fixed:
        raise ScenarioError(f"{path}: {where}: {', '.join(fixed)} set(s) a starting state and "
                            "cannot take effect from a later date; set it without a date")
    if not settings:
        raise ScenarioError(f"{path}: {where}: a dated policy needs parameter settings "
                            "([iran] [militia] [us] [israel] [iraq] in the same file)")
    return DatedPolicy(start, dict(settings), str(path))


def _drop_dated(sc: Scenario, key: str) -> None:
    """A setting without a date replaces any earlier dated setting of the same key."""
    for d in sc.dated:
        d.settings.pop(key, None)
    sc.dated = [d for d in sc.dated if d.settings]


def parse_window(window: str | tuple | None, sc: Scenario,
                 where: str = "--window") -> tuple[dt.date, dt.date] | None:
    """``"START:END"`` as a pair of dates inside the scenario's dates (an empty side: the
    scenario's start or end; ``branch`` for the first free day after the replay; ``"all"``:
    the whole run; ``None``: the default window).

    >>> sc = load_scenario()
    >>> [d.isoformat() for d in parse_window("2024-01-01:", sc)]
    ['2024-01-01', '2024-12-31']
    """
    if window is None:
        return None
    if isinstance(window, str):
        text = window.strip()
        if text in ("all", "run", "whole"):
            return (sc.start, sc.end)
        if text.count(":") != 1:
            raise ScenarioError(f"{where}: expected START:END (dates YYYY-MM-DD; either side "
                                f"may be empty, START may be 'branch'; or 'all'), found "
                                f"{window!r}")
        a_text, b_text = (t.strip() for t in text.split(":"))
        if a_text == "branch":
            a = sc.branch or sc.start
        else:
            a = sc.start if a_text == "" else as_date(Path(where), "START", a_text)
        b = sc.end if b_text == "" else as_date(Path(where), "END", b_text)
    else:
        try:
            a, b = window
        except (TypeError, ValueError):
            raise ScenarioError(f"{where}: expected (start, end), found {window!r}") from None
        a = as_date(Path(where), "start", a.isoformat() if isinstance(a, dt.date) else a)
        b = as_date(Path(where), "end", b.isoformat() if isinstance(b, dt.date) else b)
    if b < a:
        raise ScenarioError(f"{where}: END {b} is before START {a}")
    if a < sc.start or b > sc.end:
        raise ScenarioError(f"{where}: {a}:{b} is outside the scenario's dates "
                            f"({sc.start} to {sc.end})")
    return (a, b)


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


def load_scenario(path: str | Path | None = None, *, check_dated: bool = True) -> Scenario:
    """Read, validate and resolve a scenario file (the bundled baseline when ``None``; a
    bundled name such as ``"forecast_2027"`` is the bundled file).  ``check_dated=False``
    leaves a ``[policy] from`` date unchecked against the file's own dates (a policy file
    read to be applied to another scenario, which checks it).

    Example:
        >>> sc = load_scenario()            # scenarios/baseline.toml
        >>> sc.params["us"]["trigger"]
        'deaths'
    """
    path = resolve_scenario_path(path).resolve()
    chain = _read(path, ())
    params = {sec: {k: p.default for k, p in t.items()} for sec, t in PARAMETERS.items()}
    groups = {g: dict(t) for g, t in DEFAULT_GROUPS.items()}
    meta = {k: p.default for k, p in SCENARIO_KEYS.items()}
    drivers: list[Driver] = []
    shocks: list[Shock] = []
    posterior, excluded = "", []
    replay_until, replay_record = None, ""
    dated: list[tuple[Path, dt.date, dict[str, Any]]] = []
    for fpath, raw in chain:
        pol = raw.get("policy", {})
        policy_from = as_date(fpath, "[policy] from", pol["from"]) if "from" in pol else None
        own: dict[str, Any] = {}
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
                value = check_value(fpath, f"[{sec}] {k}", PARAMETERS[sec][k], v)
                if policy_from is not None:
                    own[f"{sec}.{k}"] = value  # from the date on, not from the start
                    continue
                params[sec][k] = value
                for _, _, settings in dated:  # an undated later setting wins throughout
                    settings.pop(f"{sec}.{k}", None)
                if posterior and "posterior" not in raw.get("scenario", {}):
                    excluded.append(f"{sec}.{k}")  # a later file's choice beats the posterior
        if policy_from is not None:
            if not own:
                raise ScenarioError(f"{fpath}: [policy] from: a dated policy needs parameter "
                                    "settings ([iran] [militia] [us] [israel] [iraq]) in the "
                                    "same file")
            dated.append((fpath, policy_from, own))
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
    for fpath, start, settings in dated:
        if settings and check_dated:
            sc.dated.append(_dated(fpath, "[policy] from", start, settings, sc))
        elif settings:  # a policy file read for its settings: checked where it is applied
            sc.dated.append(DatedPolicy(start, dict(settings), str(fpath)))
    _check_cross(path, sc)
    return sc


