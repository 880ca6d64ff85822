"""Evaluating a design (sim.experiments.evaluate, sim.api.evaluate): one batch over rows x
replicates, common random numbers, per-row outcomes with Monte Carlo intervals, nothing
written, and sweeps built on it."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

import sim
from sim import evaluate, load_scenario, run
from sim.errors import InputError
from sim.experiments.evaluate import normalise_design, summarise_rows
from sim.scenario import ScenarioError


@pytest.fixture(scope="module")
def short():
    return dataclasses.replace(load_scenario(), end=dt.date(2019, 4, 30))


@pytest.fixture(scope="module")
def mixed(short):
    design = pd.DataFrame({"us.trigger": ["deaths", "streak", "never", "casualties"],
                           "militia.w_fear": np.array([1, 2, 3, 1], dtype=np.int64),
                           "us.lag_max_days": np.array([5, 9, 5, 7], dtype=np.int64)},
                          index=["a", "b", "c", "d"])
    return design, evaluate(short, design, runs=12, seed=4, replicates=True)


def test_each_row_equals_a_run_of_the_scenario_with_that_row(short, mixed):
    design, res = mixed
    assert list(res.table.index) == ["a", "b", "c", "d"]
    assert res.execution.chunks == 1  # 48 rows x replicates: one engine call
    for i, (label, row) in enumerate(design.iterrows()):
        sc = short.with_overrides({k: v for k, v in row.items()})
        ref = run(sc, runs=12, seed=4).runs
        reps = res.replicates[res.replicates["row"] == i].reset_index(drop=True)
        pd.testing.assert_frame_equal(reps[ref.columns], ref)
        assert res.table.loc[label, "attacks"] == pytest.approx(ref["attacks"].mean())
        assert res.table.loc[label, "direct_us_iran_fire"] == pytest.approx(
            ref["direct_us_iran_fire"].mean())


def test_rows_share_the_random_numbers_of_their_replicates(short):
    # two identical rows give identical replicates (common random numbers), and a row is
    # the same whatever the other rows of the design
    a = evaluate(short, [{"us.force_protection": 0.4}] * 2, runs=6, seed=2, replicates=True)
    r = a.replicates
    pd.testing.assert_frame_equal(r[r.row == 0].drop(columns="row").reset_index(drop=True),
                                  r[r.row == 1].drop(columns="row").reset_index(drop=True))
    b = evaluate(short, [{"us.force_protection": 0.9}, {"us.force_protection": 0.4}], runs=6,
                 seed=2)
    assert b.table["attacks"].iloc[1] == a.table["attacks"].iloc[0]


def test_chunking_and_workers_do_not_change_the_numbers(short, mixed):
    design, res = mixed
    again = evaluate(short, design, runs=12, seed=4, chunk_size=5, workers=2)
    assert again.execution.chunks > 1
    pd.testing.assert_frame_equal(again.table, res.table)


def test_intervals(short, mixed):
    _, res = mixed
    t = res.table
    assert (t["replicates"] == 12).all()
    for o in ("attacks", "us_killed", "escalation_score"):
        assert (t[f"{o}_lo"] <= t[o]).all() and (t[o] <= t[f"{o}_hi"]).all()
    assert t[["direct_us_iran_fire_lo", "direct_us_iran_fire_hi"]].stack().between(0, 1).all()
    # the normal interval of a mean, by hand
    reps = res.replicates[res.replicates.row == 1]["attacks"]
    half = 1.959964 * reps.std(ddof=1) / np.sqrt(12)
    assert t["attacks_hi"].iloc[1] - t["attacks"].iloc[1] == pytest.approx(half, rel=1e-5)


def test_wilson_interval_of_a_probability():
    parts = pd.DataFrame({"set": [0] * 10 + [1] * 10,
                          "us_fatality": [True] * 3 + [False] * 7 + [False] * 10})
    t = summarise_rows(parts, pd.DataFrame({"militia.w_fear": [1.0, 2.0]}), ["us_fatality"])
    # Wilson 95 % for 3/10: [0.1078, 0.6032]; for 0/10: [0, 0.2775]
    assert t["us_fatality"].tolist() == [0.3, 0.0]
    assert t["us_fatality_lo"].tolist() == pytest.approx([0.10779, 0.0], abs=1e-4)
    assert t["us_fatality_hi"].tolist() == pytest.approx([0.60322, 0.27753], abs=1e-4)


def test_design_forms_and_the_design_first_call(short):
    a = evaluate(short, {"militia.w_fear": [1.0, 2.0]}, runs=3, seed=1, outcomes=["attacks"])
    b = evaluate(short, [{"militia.w_fear": np.float32(1.0)}, {"militia.w_fear": np.int64(2)}],
                 runs=3, seed=1, outcomes=["attacks"])
    pd.testing.assert_frame_equal(a.table, b.table)
    assert list(a.table.columns) == ["militia.w_fear", "replicates", "attacks", "attacks_lo",
                                     "attacks_hi"]
    one = evaluate(short, {"militia.w_fear": 2.0}, runs=3, seed=1, outcomes="attacks")
    assert one.table["attacks"].iloc[0] == a.table["attacks"].iloc[1]
    base = evaluate([{"us.trigger": "streak"}], runs=1, seed=0, posterior=False,
                    outcomes=["attacks"])  # the form: design first, baseline
    assert base.scenario.name == "baseline" and base.replicates is None


def test_nothing_is_written(short, tmp_path, monkeypatch):
    import tempfile

    work, tmp = tmp_path / "work", tmp_path / "tmp"
    work.mkdir()
    tmp.mkdir()
    monkeypatch.chdir(work)
    # a temporary folder of this test's own: other tests running beside it in other worker
    # processes make (and remove) their own escalation-* folders in the shared one
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    evaluate(short, [{"us.trigger": "never"}], runs=2)
    assert list(work.iterdir()) == []
    assert [p.name for p in tmp.iterdir() if p.name.startswith("escalation")] == []


def test_save_writes_a_folder_when_asked(mixed, tmp_path):
    import json

    _, res = mixed
    out = res.save(tmp_path / "ev")
    m = json.loads((out / "manifest.json").read_text())
    assert m["kind"] == "evaluate" and m["sets"] == 4 and m["runs"] == 12
    assert set(m["files"]) == {"manifest.json", "design.parquet", "outcomes.parquet",
                               "replicates.parquet"}
    back = pd.read_parquet(out / "outcomes.parquet")
    assert back["attacks"].tolist() == res.table["attacks"].tolist()
    assert list(back.index) == ["a", "b", "c", "d"]


@pytest.mark.parametrize("design, message", [
    ([{"militia.w_fera": 1.0}], "unknown parameter 'militia.w_fera' (did you mean 'militia.w_fear'?)"),
    ([{"us.trigger": "streek"}], "'us.trigger' = 'streek' is not one of deaths|casualties|streak|never"),
    ([{"us.force_protection": 1.5}], "'us.force_protection' = 1.5 outside [0, 0.99]"),
    ([{"militia.w_fear": "high"}], "'militia.w_fear' must be a number, not 'high'"),
    ([{"militia.w_fear": float("nan")}], "'militia.w_fear' has a missing value in row 0"),
    ([{"us.lag_min_days": 9}], "'us.lag_min_days' (9) exceeds 'us.lag_max_days' (5) in row 0"),
    ([], "no rows"),
    ("militia.w_fear", "not str"),
])
def test_bad_designs_are_refused_before_anything_runs(short, design, message):
    with pytest.raises(InputError) as exc:
        evaluate(short, design, runs=2)
    assert message in str(exc.value)


def test_unknown_outcome_and_missing_design(short):
    with pytest.raises(InputError, match="unknown outcome 'atacks'"):
        evaluate(short, [{"militia.w_fear": 1.0}], runs=2, outcomes=["atacks"])
    with pytest.raises(ScenarioError, match="give a design"):
        evaluate(short, runs=2)


def test_normalise_design_keeps_labels_and_makes_numbers_float():
    d = normalise_design([{"us.trigger": np.str_("streak"), "militia.w_fear": np.int64(2),
                           "us.drawdown_date": dt.date(2020, 3, 31)}])
    assert d["us.trigger"].iloc[0] == "streak" and type(d["us.trigger"].iloc[0]) is str
    assert d["militia.w_fear"].dtype == np.float64
    assert d["us.drawdown_date"].iloc[0] == dt.date(2020, 3, 31)


def test_sweep_is_built_on_evaluate(short):
    s = sim.sweep(short, {"us.force_protection": (0.2, 0.8, 3)}, design="grid", runs=4, seed=3)
    e = evaluate(short, s.design, runs=4, seed=3, replicates=True)
    cols = [c for c in s.runs.columns if c != "set"]
    a, b = s.runs[cols].copy(), e.replicates[cols].copy()
    for c in a.columns[a.dtypes.astype(str).str.startswith("datetime")]:
        # (the sweep reads its chunks back from parquet: dates come back in ms)
        a[c], b[c] = a[c].astype("datetime64[ms]"), b[c].astype("datetime64[ms]")
    pd.testing.assert_frame_equal(a, b)
