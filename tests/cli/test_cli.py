"""The command line, end to end: outputs, and bad input refused with exit code 2."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from sim.cli.main import main
from sim.model.measures import DAILY

EXE = Path(sys.executable).with_name("escalation")


def _same_folder(a: Path, b: Path) -> None:
    """Two output folders hold the same files with the same contents (the manifest up to
    the command line and timings; figures pixel for pixel)."""
    import matplotlib.image as mpimg
    import numpy as np

    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        if name.endswith(".parquet"):
            pd.testing.assert_frame_equal(pd.read_parquet(a / name), pd.read_parquet(b / name))
        elif name.endswith(".png"):
            np.testing.assert_array_equal(mpimg.imread(a / name), mpimg.imread(b / name))
        elif name == "manifest.json":
            ma, mb = (json.loads((f / name).read_text()) for f in (a, b))
            for m in (ma, mb):
                for volatile in ("command", "elapsed_seconds", "workers"):
                    m.pop(volatile, None)
            assert ma == mb
        else:  # pragma: no cover - no other kind of file is written
            raise AssertionError(f"unexpected file {name}")


def test_cli_run_and_api_save_write_the_same_folder(tmp_path):
    from sim import run

    cli = tmp_path / "cli"
    res = CliRunner().invoke(main, ["run", "--runs", "30", "--seed", "5", "--weekly",
                                    "--replay-until", "2024-01-28", "--out", str(cli), "-q"])
    assert res.exit_code == 0, res.output
    api = run(None, runs=30, seed=5, weekly=True, replay_until="2024-01-28").save(
        tmp_path / "api")
    assert (cli / "branch.png").is_file()
    _same_folder(cli, api)


def test_run_writes_a_complete_output_folder(tmp_path):
    out = tmp_path / "base"
    proc = subprocess.run([str(EXE), "run", "--runs", "40", "--seed", "3", "--out", str(out),
                           "--weekly"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "figure:" in proc.stdout and "P(direct US-Iran fire)" in proc.stdout
    names = {p.name for p in out.iterdir()}
    assert names == {"manifest.json", "runs.parquet", "bands.parquet", "weekly.parquet",
                     "escalation_curves.png", "rung_probabilities.png",
                     "cumulative_casualties.png"}
    man = json.loads((out / "manifest.json").read_text())
    assert man["seed"] == 3 and man["runs"] == 40 and man["engine"] == "batch"
    assert man["scenario"]["name"] == "baseline"
    assert man["scenario"]["parameters"]["us"]["trigger"] == "deaths"
    assert "mesa" in man["versions"] and "run" in man["command"]
    runs = pd.read_parquet(out / "runs.parquet")
    assert list(runs["replicate"]) == list(range(40))
    for col in ("attacks", "us_wounded", "us_killed", "us_strikes_facilities",
                "us_strikes_leaders", "us_strikes_iranian_personnel", "israeli_strikes",
                "iran_direct_attacks", "peak_rung", "first_day_rung_1", "first_day_rung_6",
                "escalation_score"):
        assert col in runs.columns
    weekly = pd.read_parquet(out / "weekly.parquet")
    assert len(weekly) == 40 * 314
    # the weekly table adds up to the totals
    sums = weekly.groupby("replicate")["attacks"].sum()
    assert (sums.to_numpy() == runs["attacks"].to_numpy()).all()
    bands = pd.read_parquet(out / "bands.parquet")
    assert set(bands["measure"]) == set(DAILY)
    a = bands[bands["measure"] == "attacks"]
    assert (a["q05"] <= a["q50"]).all() and (a["q50"] <= a["q95"]).all()
    png = (out / "escalation_curves.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000


def test_same_seed_same_files_and_mesa_engine_matches(tmp_path):
    r = CliRunner()
    a, b, m = tmp_path / "a", tmp_path / "b", tmp_path / "m"
    for out, engine in ((a, "batch"), (b, "batch"), (m, "mesa")):
        res = r.invoke(main, ["run", "--runs", "2", "--seed", "9", "--out", str(out), "-q",
                              "--no-plot", "--engine", engine])
        assert res.exit_code == 0, res.output
    ra, rb, rm = (pd.read_parquet(p / "runs.parquet") for p in (a, b, m))
    assert ra.equals(rb) and ra.equals(rm)


def test_rerun_replaces_an_earlier_output_but_never_a_foreign_folder(tmp_path):
    r = CliRunner()
    out = tmp_path / "o"
    args = ["run", "--runs", "2", "--out", str(out), "-q", "--no-plot"]
    assert r.invoke(main, args).exit_code == 0
    assert r.invoke(main, args + ["--seed", "1"]).exit_code == 0
    assert json.loads((out / "manifest.json").read_text())["seed"] == 1
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    res = r.invoke(main, ["run", "--runs", "2", "--out", str(foreign), "-q"])
    assert res.exit_code == 2
    assert "is not an escalation output folder" in res.output
    assert (foreign / "notes.txt").read_text() == "keep me"
    assert not any(p.name.startswith(".mine") for p in tmp_path.iterdir())


BAD = [
    ("[us\n", "not valid TOML"),
    ("[us]\ntriger = \"deaths\"\n", "did you mean 'trigger'"),
    ("[us]\nforce_protection = \"x\"\n", "expected a number"),
    ("[us]\nforce_protection = 7\n", "out of range"),
    ("[scenario]\nend = 2019-02-30\n", "not valid TOML"),
    ("[scenario]\nend = \"2019-02-30\"\n", "expected a date"),
    ("extends = \"missing.toml\"\n", "extends: file not found"),
]


@pytest.mark.parametrize("text,message", BAD)
def test_bad_scenario_exits_2_with_one_line_and_writes_nothing(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", str(path), "--runs", "2", "--out", str(out)])
    assert res.exit_code == 2
    assert message in res.output and str(path) in res.output
    assert "Traceback" not in res.output
    assert res.output.count("\n") == 1
    assert not out.exists()


def test_bad_cli_arguments_exit_2(tmp_path):
    r = CliRunner()
    for args in (["run", "--runs", "0"], ["run", "--engine", "fast"], ["run", "--seed", "-1"],
                 ["run", str(tmp_path / "nope.toml")], ["show", str(tmp_path / "nope.toml")]):
        res = r.invoke(main, args)
        assert res.exit_code == 2, (args, res.output)
        assert "Traceback" not in res.output


def test_show_prints_parameters_with_units_and_marks_overrides():
    res = CliRunner().invoke(main, ["show", "scenarios/policies/answer_every_streak.toml"])
    assert res.exit_code == 0
    line = [x for x in res.output.splitlines() if x.strip().startswith("trigger")][0]
    assert "streak" in line and line.rstrip().endswith("*")
    assert "log attacks/day" in res.output


def test_list_names_every_bundled_file():
    res = CliRunner().invoke(main, ["list"])
    assert res.exit_code == 0
    for name in ("baseline.toml", "answer_deaths.toml", "answer_every_streak.toml",
                 "decapitation_first.toml", "drawdown_iraq.toml"):
        assert name in res.output


def test_show_json_lists_every_parameter():
    from sim.model.registry import all_parameter_keys

    res = CliRunner().invoke(main, ["show", "answer_every_streak", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["name"] == "answer_every_streak" and data["days"] == 2192
    params = {p["name"]: p for p in data["parameters"]}
    assert list(params) == all_parameter_keys()
    assert params["us.trigger"]["value"] == "streak"
    assert params["us.force_protection"]["hi"] == 0.99
    assert params["militia.w_campaign"]["calibrated"] is True  # in the posterior
    assert params["militia.w_fear"]["calibrated"] is False
    assert params["us.trigger"]["calibrated"] is False


def test_show_prints_each_parameters_meaning_and_the_window():
    from sim.model.registry import PARAMETERS

    res = CliRunner().invoke(main, ["show", "forecast_2027"])
    assert res.exit_code == 0, res.output
    assert "outcomes counted from the branch, 2025-01-01 to 2027-12-31" in res.output
    lines = res.output.splitlines()
    i = next(j for j, x in enumerate(lines) if x.strip().startswith("w_fear "))
    assert lines[i + 1].strip() == PARAMETERS["militia"]["w_fear"].doc
    brief = CliRunner().invoke(main, ["show", "forecast_2027", "--brief"]).output
    assert PARAMETERS["militia"]["w_fear"].doc not in brief


def test_outcomes_lists_every_outcome_with_unit_and_definition():
    from sim.experiments.outcomes import OUTCOMES

    res = CliRunner().invoke(main, ["outcomes"])
    assert res.exit_code == 0
    for name, o in OUTCOMES.items():
        assert f"{o.label}: {o.doc}" in res.output, name
    rows = json.loads(CliRunner().invoke(main, ["outcomes", "--json"]).output)
    assert [r["name"] for r in rows] == list(OUTCOMES)


def test_list_names_drivers_and_shock_targets_with_their_scales():
    from sim.model.timeline import DRIVERS, SHOCK_TARGETS

    out = CliRunner().invoke(main, ["list"]).output
    assert "strength 0 to 5" in out and "amount -50 to 50" in out
    for name in (*DRIVERS, *SHOCK_TARGETS, "forecast_2027", "no_soleimani_strike"):
        assert f"  {name} " in out, name


def test_default_folder_of_a_replay_is_its_own(tmp_path, monkeypatch):
    r = CliRunner()
    short = tmp_path / "short.toml"
    short.write_text(f'extends = "{Path("scenarios/baseline.toml").resolve()}"\n'
                     '[scenario]\nname = "short"\nend = 2019-06-30\n')
    monkeypatch.chdir(tmp_path)
    assert r.invoke(main, ["run", str(short), "--runs", "2", "-q", "--no-plot"]).exit_code == 0
    res = r.invoke(main, ["run", str(short), "--runs", "2", "--no-plot",
                          "--replay-until", "2019-03-01"])
    assert res.exit_code == 0, res.output
    assert "results/short-replay-2019-03-01/" in res.output
    assert "outcomes counted from the branch, 2019-03-02 to 2019-06-30" in res.output
    plain = json.loads((tmp_path / "results/short/manifest.json").read_text())
    assert plain["scenario"]["replay_until"] is None  # the plain run is untouched
