"""The Python API (sim.api, re-exported from sim): small runs, the result objects, folders."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
import sys

import matplotlib
import pandas as pd
import pytest

import sim
from sim import CompareResult, RunResult, SweepResult, compare, load_scenario, run, sweep
from sim.scenario import ScenarioError


@pytest.fixture(scope="module")
def short():
    return dataclasses.replace(load_scenario(), end=dt.date(2019, 6, 30))


@pytest.fixture(scope="module")
def res(short):
    return run(short, runs=12, seed=3, weekly=True)


def test_names_import_and_submodules_still_work():
    import sim.api
    from sim.experiments.compare import run_compare  # noqa: F401  (behind the API)
    from sim.experiments.designs import parse_vary  # noqa: F401

    assert callable(compare) and callable(sweep) and callable(run)
    assert compare is sim.api.compare and sweep is sim.api.sweep and run is sim.api.run
    assert sim.compare is sim.api.compare
    assert load_scenario().name == "baseline"


def test_package_import_stays_light():
    code = ("import sys, sim.engines.batch, sim.experiments.worker; bad = [m for m in ('pandas', 'matplotlib') "
            "if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_run_matches_runner(short, res):
    from sim.experiments.runner import run_scenario

    assert isinstance(res, RunResult)
    ref = run_scenario(short, runs=12, seed=3)
    pd.testing.assert_frame_equal(res.runs, ref.runs)
    pd.testing.assert_frame_equal(res.bands, ref.bands)
    assert res.weekly is not None and res.weekly["replicate"].nunique() == 12


def test_run_accepts_path_and_none(tmp_path):
    p = tmp_path / "s.toml"
    base = sim.api._load_scenario().files[0]
    p.write_text(f'extends = "{base}"\n[scenario]\nname = "tiny"\nend = 2019-02-28\n')
    r = run(p, runs=3)
    assert r.scenario.name == "tiny" and len(r.runs) == 3
    with pytest.raises(TypeError):
        run(42, runs=1)


def test_posterior_choice(short):
    from sim.paths import POSTERIOR

    a = run(short, runs=6, seed=1, posterior=POSTERIOR)
    b = run(short, runs=6, seed=1, posterior=False)
    assert a.parameters_from == "posterior" and b.parameters_from == "defaults"
    with pytest.raises(ScenarioError):
        run(short, runs=2, posterior="/nonexistent/posterior.parquet")


def test_replay_until(short):
    with pytest.raises(ScenarioError, match="not a date"):
        run(short, runs=2, replay_until="2019-13-45")
    r = run(short, runs=4, replay_until=dt.date(2019, 5, 1))
    assert r.replay_until == dt.date(2019, 5, 1)
    assert r.scenario.replay_until == dt.date(2019, 5, 1)


def test_figures(res):
    for fig in (res.plot_escalation_curves(), res.plot_ladder(), res.plot_casualties(),
                res.plot_monthly()):
        assert isinstance(fig, matplotlib.figure.Figure) and fig.axes
    assert not matplotlib.pyplot.get_fignums()  # closed in pyplot: shown once in notebooks
    m = res.monthly()
    assert len(m) == 6 and (m["q05"] <= m["q95"]).all()


def test_casualties_need_weekly(short):
    r = run(short, runs=2)
    with pytest.raises(ValueError, match="weekly=True"):
        r.plot_casualties()


def test_save_writes_the_run_folder(res, tmp_path):
    out = res.save(tmp_path / "run")
    names = {p.name for p in out.iterdir()}
    assert {"manifest.json", "runs.parquet", "bands.parquet", "weekly.parquet",
            "escalation_curves.png", "rung_probabilities.png",
            "cumulative_casualties.png"} <= names
    m = json.loads((out / "manifest.json").read_text())
    assert m["runs"] == 12 and m["seed"] == 3 and "kind" not in m
    assert set(m["files"]) == names
    back = pd.read_parquet(out / "runs.parquet")
    pd.testing.assert_frame_equal(back.select_dtypes(exclude="datetime"),
                                  res.runs.select_dtypes(exclude="datetime"))


def test_compare(short, tmp_path):
    c = compare(short, ["answer_deaths", "answer_every_streak"], runs=8, seed=2)
    assert isinstance(c, CompareResult) and c.out is None
    assert c.policies == ["answer_deaths", "answer_every_streak"]
    assert set(c.runs["policy"]) == set(c.policies)
    assert {"estimate", "diff_lo", "diff_hi"} <= set(c.table.columns)
    assert set(c.bands["measure"]) == {"us_wounded", "us_killed", "max_rung"}
    assert c.differences()["significant"].dtype == bool
    for fig in (c.plot_outcomes(), c.plot_ladder_by_policy(), c.plot_casualties()):
        assert fig.axes
    out = c.save(tmp_path / "cmp")
    names = {p.name for p in out.iterdir()}
    assert {"manifest.json", "runs.parquet", "weekly.parquet", "comparison.csv",
            "policy_outcomes.png", "policy_rungs.png", "cumulative_casualties.png"} <= names
    assert json.loads((out / "manifest.json").read_text())["kind"] == "compare"


def test_sweep(short, tmp_path):
    s = sweep(short, {"us.force_protection": (0.2, 0.8, 3)}, design="grid", runs=4,
              out=tmp_path / "sw")
    assert isinstance(s, SweepResult) and s.out == (tmp_path / "sw").resolve()
    assert len(s.sets) == 3 and len(s.runs) == 12
    assert s.plot_response("us_killed", "us.force_protection").axes
    with pytest.raises(ValueError, match="not varied"):
        s.plot_response("us_killed", "militia.w_fear")
    s2 = sweep(short, ["militia.w_fear=0.5:2.5"], samples=3, runs=2)
    assert s2.out is None and len(s2.sets) == 3
    out = s2.save(tmp_path / "sw2")
    assert (out / "sweep_response.png").is_file() and (out / "sets.parquet").is_file()


def test_parameters_table():
    from sim import parameters
    from sim.model.registry import all_parameter_keys
    from sim.paths import POSTERIOR

    p = parameters()
    assert p["name"].tolist() == all_parameter_keys()
    assert {"name", "section", "kind", "default", "value", "lo", "hi", "unit", "meaning",
            "calibrated"} <= set(p.columns)
    calibrated = set(pd.read_parquet(POSTERIOR).columns) - {"weight"}
    assert set(p.loc[p.calibrated, "name"]) == calibrated
    row = p.set_index("name").loc["us.trigger"]
    assert row["kind"] == "enum" and "streak" in row["choices"] and pd.isna(row["lo"])
    streak = parameters("answer_every_streak").set_index("name")
    assert streak.loc["us.trigger", "value"] == "streak"
    assert streak.loc["militia.w_campaign", "drawn"] and not streak.loc["us.trigger", "drawn"]
    assert not streak.loc["militia.w_fear", "drawn"]  # not fitted: the scenario's value


def test_compare_refuses_what_is_not_a_variant_with_one_message(short):
    with pytest.raises(ScenarioError, match="a variant is a policy or scenario name, a path, "
                                            "a Scenario or a dict of overrides, not a int"):
        compare(short, ["answer_deaths", 3], runs=2)
