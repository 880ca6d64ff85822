"""Property tests (hypothesis) of issue 15's promise: whatever a user hands the command line,
it ends with exit code 0 or 2, and never with a traceback.

Three generators: random scenario files (random sections, keys, types, values, dates, NaN,
huge numbers, garbage lines), random corruptions of an output folder (handed to
``escalation plot`` and to ``escalation run --out``), and random corruptions of the
documented record (replayed by ``escalation run``).  Bounded: 240 examples in all, derandomized
(the same examples every time), no example database.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli.main import main
from sim.model.registry import GROUP_TRAITS, PARAMETERS
from sim.model.timeline import DRIVERS, SHOCK_TARGETS
from sim.paths import BASELINE, CALIBRATION_DIR, POSTERIOR

SETTINGS = dict(deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])


def _invoke(*args) -> None:
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exit_code in (0, 2), (args, res.output, repr(res.exception))
    assert "Traceback" not in res.output, res.output
    lines = res.output.splitlines()  # -q: nothing but one-line errors, warnings and notes
    assert all(x.startswith(("error: ", "warning: ", "note: ", "figure: ")) for x in lines), \
        res.output
    assert len([x for x in lines if x.startswith("error: ")]) == (res.exit_code == 2)


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "base.toml").write_text(f'extends = "{BASELINE}"\n[scenario]\nname = "base"\n'
                                    'end = 2019-01-31\n')
    (root / "garbage.parquet").write_bytes(b"PAR1 not really PAR1")
    shutil.copy(POSTERIOR, root / "posterior.parquet")
    return root


def _fresh(root: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=root))


# ----------------------------------------------------------------------------- TOML


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml(k)} = {_toml(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)  # pragma: no cover


DATES = st.sampled_from([dt.date(2019, 1, 1), dt.date(2019, 1, 15), dt.date(2019, 1, 31),
                         dt.date(2019, 2, 28), dt.date(2018, 12, 31), dt.date(1, 1, 1),
                         dt.date(9999, 12, 31)])
NUMBERS = st.one_of(st.integers(-10, 10), st.integers(), st.floats(allow_nan=True,
                                                                    allow_infinity=True),
                    st.sampled_from([0.5, -0.0, 1e308, -1e308, 1e-320, 2 ** 63, -(2 ** 63)]))
SCALARS = st.one_of(NUMBERS, st.booleans(), st.text(max_size=12), DATES,
                    st.sampled_from(["", "2019-01-10", "2019-13-45", "deaths", "streak",
                                     "iraq,syria", "nowhere.toml", "posterior.parquet",
                                     "garbage.parquet", str(POSTERIOR),
                                     dt.datetime(2019, 1, 5, 12, 0), dt.time(7, 30)]))
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3),
                   st.dictionaries(st.text(max_size=5), SCALARS, max_size=2))
SECTIONS = [*PARAMETERS, "scenario", "groups.kataib_hezbollah", "groups.new_group", "replay",
            "timeline", "iran_", "extra"]


def _keys(section: str) -> list[str]:
    if section in PARAMETERS:
        return list(PARAMETERS[section])
    if section.startswith("groups."):
        return list(GROUP_TRAITS)
    return {"scenario": ["name", "description", "start", "end", "posterior"],
            "replay": ["until", "record"],
            "timeline": ["remove_drivers", "remove_shocks"]}.get(section, ["x"])


@st.composite
def scenario_files(draw) -> str:
    lines = [] if draw(st.integers(0, 9)) == 0 else ['extends = "base.toml"']
    for section in draw(st.lists(st.sampled_from(SECTIONS), max_size=4, unique=True)):
        lines.append(f"[{section}]")
        keys = st.one_of(st.sampled_from(_keys(section)), st.text(max_size=8))
        for key in draw(st.lists(keys, max_size=3, unique=True)):
            lines.append(f"{_toml(key)} = {_toml(draw(VALUES))}")
    for table, keys, names in (("drivers", ("name", "start", "end", "strength", "note"),
                                list(DRIVERS)),
                               ("shocks", ("date", "target", "amount", "note"),
                                list(SHOCK_TARGETS))):
        for _ in range(draw(st.integers(0, 2))):
            lines.append(f"[[timeline.{table}]]")
            for key in keys:
                if draw(st.integers(0, 5)) == 0:
                    continue
                value = draw(st.one_of(st.sampled_from(names), DATES, NUMBERS)
                             if key in ("name", "target") else
                             DATES if key in ("start", "end", "date") else VALUES)
                lines.append(f"{key} = {_toml(value)}")
    if draw(st.integers(0, 9)) == 0:
        lines.insert(draw(st.integers(0, len(lines))), draw(st.text(max_size=20)))
    return "\n".join(lines) + "\n"


@settings(max_examples=140, **SETTINGS)
@given(text=scenario_files())
def test_random_scenario_files_exit_0_or_2(work, text):
    folder = _fresh(work)
    (folder / "base.toml").write_text((work / "base.toml").read_text())
    for name in ("posterior.parquet", "garbage.parquet"):
        (folder / name).symlink_to(work / name)
    path = folder / "fuzzed.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _invoke("run", path, "--runs", "1", "--out", folder / "out", "-q", "--no-plot")


# ----------------------------------------------------------------------------- output folders


@pytest.fixture(scope="module")
def output(work) -> Path:
    out = work / "output"
    res = CliRunner().invoke(main, ["run", str(work / "base.toml"), "--runs", "3", "--weekly",
                                    "--no-plot", "-q", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


JSON_VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=6),
                        st.floats(allow_nan=False, allow_infinity=False),
                        st.lists(st.integers(), max_size=2),
                        st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))


@st.composite
def damage(draw):
    target = draw(st.sampled_from(["manifest.json", "bands.parquet", "weekly.parquet",
                                   "runs.parquet"]))
    how = draw(st.sampled_from(["truncate", "bytes", "replace", "delete", "json"]
                               if target == "manifest.json" else
                               ["truncate", "bytes", "replace", "delete"]))
    return target, how, draw(st.floats(0, 1)), draw(st.binary(min_size=1, max_size=64)), \
        draw(st.sampled_from(["scenario", "runs", "seed", "written_by", "status", "kind",
                              "files", "start"])), draw(JSON_VALUES)


def _damage(folder: Path, target: str, how: str, where: float, data: bytes, key: str,
            value) -> None:
    path = folder / target
    raw = path.read_bytes()
    cut = int(where * len(raw))
    if how == "truncate":
        path.write_bytes(raw[:cut])
    elif how == "bytes":
        path.write_bytes(raw[:cut] + data + raw[cut + len(data):])
    elif how == "replace":
        path.write_bytes(data)
    elif how == "delete":
        path.unlink()
    else:
        try:
            m = json.loads(raw)
        except ValueError:
            return  # already damaged past JSON
        if not isinstance(m, dict) or not isinstance(m.get("scenario"), dict):
            return
        if key == "start":
            m["scenario"]["start"] = value
        elif value is None:
            m.pop(key, None)
        else:
            m[key] = value
        path.write_text(json.dumps(m))


@settings(max_examples=50, **SETTINGS)
@given(hits=st.lists(damage(), min_size=1, max_size=2))
def test_damaged_output_folders_exit_0_or_2(work, output, hits):
    folder = _fresh(work) / "out"
    shutil.copytree(output, folder)
    for hit in hits:
        if (folder / hit[0]).exists():
            _damage(folder, *hit)
    _invoke("plot", folder)
    _invoke("run", work / "base.toml", "--runs", "1", "--out", folder, "-q", "--no-plot")


# ----------------------------------------------------------------------------- the record


@st.composite
def record_damage(draw):
    target = draw(st.sampled_from(["events.csv", "tallies.csv"]))
    how = draw(st.sampled_from(["truncate", "bytes", "line", "field", "delete"]))
    return (target, how, draw(st.floats(0, 1)), draw(st.binary(min_size=1, max_size=24)),
            draw(st.text(max_size=30)))


def _damage_record(folder: Path, target: str, how: str, where: float, data: bytes,
                   text: str) -> None:
    path = folder / target
    raw = path.read_bytes()
    cut = int(where * len(raw))
    if how == "truncate":
        path.write_bytes(raw[:cut])
    elif how == "bytes":
        path.write_bytes(raw[:cut] + data + raw[cut + len(data):])
    elif how == "line":
        lines = raw.split(b"\n")
        lines.insert(int(where * len(lines)), text.encode("utf-8", "surrogatepass"))
        path.write_bytes(b"\n".join(lines))
    elif how == "field":
        lines = raw.decode("utf-8").split("\n")
        i = max(1, int(where * (len(lines) - 1)))
        cells = lines[i].split(",")
        cells[int(where * 1000) % len(cells)] = text
        lines[i] = ",".join(cells)
        path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    else:
        path.unlink()


@settings(max_examples=50, **SETTINGS)
@given(hits=st.lists(record_damage(), min_size=1, max_size=2))
def test_damaged_records_exit_0_or_2(work, hits):
    folder = _fresh(work)
    rec = folder / "record"
    rec.mkdir()
    for name in ("events.csv", "tallies.csv"):
        shutil.copy(CALIBRATION_DIR / name, rec / name)
    for hit in hits:
        if (rec / hit[0]).exists():
            _damage_record(rec, *hit)
    path = folder / "replay.toml"
    path.write_text(f'extends = "{work / "base.toml"}"\n[replay]\nuntil = 2019-01-20\n'
                    'record = "record"\n')
    _invoke("run", path, "--runs", "1", "--out", folder / "out", "-q", "--no-plot")
