"""Policy comparison: common random numbers, paired differences and their intervals, policy
files, and bad input."""

import dataclasses
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sim.cli.main import main
from sim.errors import ScenarioError
from sim.experiments.compare import comparison_table, run_compare
from sim.scenario.policies import bundled_policies, resolve_policy


@pytest.fixture(scope="module")
def short(baseline):
    return dataclasses.replace(baseline, end=dt.date(2019, 12, 31))


@pytest.fixture(scope="module")
def streak_vs_deaths(short, tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp") / "c"
    return run_compare(short, ["answer_deaths", "answer_every_streak"], out, runs=150,
                       seed=2, progress=False)


def test_identical_policies_give_zero_differences(short, tmp_path):
    res = run_compare(short, ["answer_deaths", "answer_deaths"], tmp_path / "c", runs=30,
                      seed=1, progress=False)
    t = res.table
    assert set(t["policy"]) == {"answer_deaths", "answer_deaths#2"}
    assert (t["diff"] == 0).all()
    assert (t["diff_lo"] == 0).all() and (t["diff_hi"] == 0).all()
    a = res.runs[res.runs["policy"] == "answer_deaths"].drop(columns="policy")
    b = res.runs[res.runs["policy"] == "answer_deaths#2"].drop(columns="policy")
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_paired_interval_is_narrower_than_unpaired(streak_vs_deaths):
    runs, t = streak_vs_deaths.runs, streak_vs_deaths.table
    streak = t[t["policy"] == "answer_every_streak"].set_index("outcome")
    runs = runs.assign(us_fatality=runs["us_killed"] > 0)
    for col in ("attacks", "us_strikes", "escalation_score", "us_fatality"):
        a = runs.loc[runs["policy"] == "answer_deaths", col].to_numpy(float)
        b = runs.loc[runs["policy"] == "answer_every_streak", col].to_numpy(float)
        n = len(a)
        d = b - a
        paired = 1.96 * d.std(ddof=1) / np.sqrt(n)
        unpaired = 1.96 * np.sqrt(a.var(ddof=1) / n + b.var(ddof=1) / n)
        r = streak.loc[col]
        assert r["diff"] == pytest.approx(d.mean())
        assert r["diff_hi"] - r["diff"] == pytest.approx(paired)
        assert r["diff_half_width_unpaired"] == pytest.approx(unpaired)
        assert paired < unpaired, col
    # answering every streak means more US strikes (a sanity check of the policy wiring)
    assert streak.loc["us_strikes", "diff_lo"] > 0


def test_compare_outputs_and_common_random_numbers(streak_vs_deaths):
    out = streak_vs_deaths.out
    names = {p.name for p in out.iterdir()}
    assert {"runs.parquet", "weekly.parquet", "comparison.csv", "comparison.parquet",
            "manifest.json"} <= names
    runs = pd.read_parquet(out / "runs.parquet")
    assert list(runs.columns[:2]) == ["policy", "replicate"]
    assert runs.groupby("policy", observed=True)["replicate"].apply(list).map(
        lambda r: r == list(range(150))).all()
    csv = pd.read_csv(out / "comparison.csv")
    assert set(csv["outcome"]) >= {"direct_us_iran_fire", "us_fatality", "attacks",
                                   "us_strikes", "days_rung_ge_4", "escalation_score"}
    assert len(csv) == 2 * csv["outcome"].nunique()
    m = json.loads((out / "manifest.json").read_text())
    assert m["kind"] == "compare" and m["policies"] == ["answer_deaths", "answer_every_streak"]
    assert m["policy_settings"]["answer_every_streak"]["us.trigger"] == "streak"
    weekly = pd.read_parquet(out / "weekly.parquet")
    assert len(weekly) == 2 * 150 * 53
    tot = weekly.groupby(["policy", "replicate"], observed=True)["us_killed"].sum()
    assert (tot.loc["answer_deaths"].to_numpy()
            == runs.loc[runs["policy"] == "answer_deaths", "us_killed"].to_numpy()).all()


def test_comparison_table_by_hand():
    runs = pd.DataFrame({"policy": ["a"] * 4 + ["b"] * 4, "replicate": [0, 1, 2, 3] * 2,
                         "attacks": [1, 2, 3, 4, 2, 3, 4, 6], "us_killed": [0, 1, 0, 0] * 2,
                         "direct_us_iran_fire": [False] * 8, "us_strikes": [0] * 8,
                         "days_rung_ge_4": [0] * 8, "escalation_score": [0.0] * 8})
    runs["us_fatality"] = runs["us_killed"] > 0  # as the outcome registry derives it
    t = comparison_table(runs, ["a", "b"]).set_index(["outcome", "policy"])
    r = t.loc[("attacks", "b")]
    d = np.array([1, 1, 1, 2])
    assert r["estimate"] == 3.75 and r["diff"] == 1.25
    assert r["diff_hi"] == pytest.approx(1.25 + 1.96 * d.std(ddof=1) / 2)
    assert t.loc[("us_fatality", "a"), "estimate"] == 0.25


def test_policy_from_file_is_applied_on_top_of_the_scenario(short, tmp_path):
    f = tmp_path / "cautious.toml"
    f.write_text('[scenario]\nname = "cautious"\n[us]\nrespond_prob_trigger = 0.5\n')
    label, sc, settings = resolve_policy(str(f), short)
    assert label == "cautious" and settings == {"us.respond_prob_trigger": 0.5}
    assert sc.params["us"]["respond_prob_trigger"] == 0.5
    assert sc.end == dt.date(2019, 12, 31)  # the compared scenario's dates are kept
    _, sc2, s2 = resolve_policy("drawdown_iraq", short)
    assert s2 == {"us.drawdown_date": "2020-03-31", "us.scheduled_presence": 0.25}
    bad = tmp_path / "bad.toml"
    bad.write_text('[[timeline.shocks]]\ndate = 2019-05-01\ntarget = "us.pressure"\n'
                   'amount = 3\n')
    with pytest.raises(ScenarioError, match="may only set parameters"):
        resolve_policy(str(bad), short)


def test_bundled_policies_are_listed():
    assert {"answer_deaths", "answer_every_streak", "decapitation_first", "drawdown_iraq",
            "no_retaliation"} <= set(bundled_policies())


@pytest.mark.parametrize("args, message", [
    (["-p", "answer_deaths", "-p", "answer_evry_streak"],
     "unknown policy 'answer_evry_streak' (did you mean 'answer_every_streak'?); bundled "
     "policies: answer_deaths, answer_every_streak"),
    (["-p", "answer_deaths"], "at least two --policy"),
    (["-p", "answer_deaths", "-p", "missing/file.toml"], "file not found"),
])
def test_bad_compare_input_exits_2(args, message, tmp_path):
    res = CliRunner().invoke(main, ["compare", *args, "--runs", "2",
                                    "--out", str(tmp_path / "o"), "-q"])
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output


def test_compare_cli_prints_a_readable_table(tmp_path):
    from sim.paths import BASELINE

    sc = tmp_path / "short.toml"
    sc.write_text(f'extends = "{BASELINE}"\n[scenario]\nname = "short"\nend = 2019-06-30\n')
    res = CliRunner().invoke(main, ["compare", str(sc), "-p", "answer_deaths",
                                    "-p", "no_retaliation", "--runs", "20", "--no-plot",
                                    "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert "P(direct US-Iran fire)" in res.output and "diff vs answer_deaths" in res.output
    assert "no_retaliation" in res.output and "(reference)" in res.output
    assert "US strikes" in res.output
