"""sim.ema: the EMA Workbench model and evaluator, and the scenario-discovery example
(examples/ema_prim.py, executed here on a short horizon, 64 scenarios x 4 policies)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ema_workbench")

import ema_workbench as ema  # noqa: E402

import sim.ema  # noqa: E402
from sim import evaluate  # noqa: E402
from sim.errors import InputError  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ema_prim.py"


@pytest.fixture(scope="module")
def short_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("ema") / "short.toml"
    p.write_text(f'extends = "{ROOT / "scenarios" / "baseline.toml"}"\n[scenario]\n'
                 'name = "short"\nend = 2020-01-31\n')
    return p


def test_the_model_is_named_and_bounded_from_the_registry(short_file):
    m = sim.ema.build_model(short_file, uncertainties={"militia.w_fear": (0.5, 3.0),
                                                       "us.pressure_relief": None,
                                                       "us.lag_max_days": None},
                            runs=2)
    unc = {p.name: p for p in m.uncertainties}
    assert isinstance(unc["militia.w_fear"], ema.RealParameter)
    assert (unc["militia.w_fear"].lower_bound, unc["militia.w_fear"].upper_bound) == (0.5, 3.0)
    assert (unc["us.pressure_relief"].lower_bound, unc["us.pressure_relief"].upper_bound) == (0, 1)
    assert isinstance(unc["us.lag_max_days"], ema.IntegerParameter)
    trig = next(p for p in m.levers if p.name == "us.trigger")
    assert isinstance(trig, ema.CategoricalParameter)
    assert [c.value for c in trig.categories] == ["deaths", "casualties", "streak", "never"]
    assert [o.name for o in m.outcomes] == list(sim.ema.DEFAULT_OUTCOMES)


@pytest.mark.parametrize("kw, message", [
    (dict(uncertainties=["militia.w_fera"]), "unknown parameter 'militia.w_fera'"),
    (dict(uncertainties={"militia.w_fear": (0, 99)}), "outside its bounds"),
    (dict(uncertainties={"us.trigger": ["streek"]}), "has no label 'streek'"),
    (dict(uncertainties=["us.drawdown_date"]), "is a date"),
    (dict(uncertainties=["us.trigger"]), "both an uncertainty and a lever"),
    (dict(uncertainties=["militia.w_fear"], outcomes=["atacks"]), "unknown outcome 'atacks'"),
])
def test_bad_models_are_refused(short_file, kw, message):
    with pytest.raises(InputError, match=message):
        sim.ema.build_model(short_file, **kw)


def test_the_evaluator_runs_a_batch_in_one_evaluate_call(short_file, monkeypatch):
    m = sim.ema.build_model(short_file, uncertainties={"militia.w_fear": (0.5, 3.0)},
                            outcomes=["attacks", "direct_us_iran_fire"], runs=3, seed=2,
                            intervals=True)
    pols = sim.ema.policies(m, ["answer_deaths", "no_retaliation"])
    assert [p.name for p in pols] == ["answer_deaths", "no_retaliation"]
    assert pols[1]["us.trigger"] == "never" and pols[0]["us.respond_prob_trigger"] == 0.92
    calls = []
    real = sim.ema.evaluate
    monkeypatch.setattr(sim.ema, "evaluate", lambda *a, **k: calls.append(len(a[1])) or real(*a, **k))
    with sim.ema.Evaluator(m) as ev:
        exps, outs = ev.perform_experiments(scenarios=6, policies=pols,
                                            uncertainty_sampling_kwargs={"rng": 4})
    assert calls == [12]  # 6 scenarios x 2 policies, one call
    assert set(outs) == {"attacks", "attacks_lo", "attacks_hi", "direct_us_iran_fire",
                         "direct_us_iran_fire_lo", "direct_us_iran_fire_hi"}
    assert (outs["attacks_lo"] <= outs["attacks"]).all()
    # EMA's own route, one model call per experiment, gives the same numbers
    monkeypatch.setattr(sim.ema, "evaluate", real)
    seq_exps, seq_outs = ema.perform_experiments(m, scenarios=6, policies=pols,
                                                 uncertainty_sampling_kwargs={"rng": 4})
    # (the same design; EMA numbers its scenarios with a global counter)
    pd.testing.assert_frame_equal(seq_exps.drop(columns="scenario"), exps.drop(columns="scenario"))
    for k in outs:
        np.testing.assert_array_equal(seq_outs[k], outs[k])


def test_a_policy_setting_a_non_lever_is_refused(short_file):
    m = sim.ema.build_model(short_file, uncertainties=["militia.w_fear"], levers=["us.trigger"])
    with pytest.raises(InputError, match="'answer_every_streak' sets 'us.respond_prob_trigger'"):
        sim.ema.policies(m, ["answer_every_streak"])


def test_the_example_runs_64_by_4_and_its_results_equal_evaluate(short_file, tmp_path):
    out = tmp_path / "prim"
    proc = subprocess.run([sys.executable, str(EXAMPLE), "--scenario", str(short_file),
                           "--runs", "3", "--seed", "1", "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "64 scenarios x 4 policies = 256 experiments x 3 runs" in proc.stdout
    assert "PRIM box" in proc.stdout and "coverage" in proc.stdout
    assert (out / "prim_box.csv").is_file() and (out / "prim_tradeoff.png").is_file()
    exps = pd.read_csv(out / "experiments.csv")
    outs = pd.read_csv(out / "outcomes.csv")
    assert len(exps) == 256 and exps["policy"].value_counts().tolist() == [64] * 4
    keys = [c for c in exps.columns if "." in c]
    assert set(keys) >= {"us.trigger", "militia.w_fear", "us.pressure_relief"}
    ref = evaluate(short_file, exps[keys], runs=3, seed=1)
    for o in sim.ema.DEFAULT_OUTCOMES:
        np.testing.assert_array_equal(outs[o].to_numpy(), ref.table[o].to_numpy())
    assert 0 < outs["direct_us_iran_fire"].max() <= 1
