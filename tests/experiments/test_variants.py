"""The outcome window and scenario variants in `compare`: policies, dated policies, scenario
files with a timeline change or a shock, Scenario objects and dicts of overrides, all on
common random numbers; the headline answer printed first."""

import dataclasses
import datetime as dt

import numpy as np
import pytest
from click.testing import CliRunner

from sim import compare, load_scenario, run
from sim.cli.main import main
from sim.errors import ScenarioError

BRANCH = dt.date(2024, 6, 30)


@pytest.fixture(scope="module")
def replay():
    """The baseline replayed to mid-2024, then free to the end of 2024: a short forecast."""
    sc = dataclasses.replace(load_scenario(), start=dt.date(2023, 1, 1))
    return sc.with_replay(BRANCH)


@pytest.fixture(scope="module")
def replay_file(tmp_path_factory, replay):
    d = tmp_path_factory.mktemp("sc")
    f = d / "short_replay.toml"
    f.write_text(f'extends = "{load_scenario().files[-1]}"\n[scenario]\nname = "short_replay"\n'
                 f'start = 2023-01-01\n[replay]\nuntil = {BRANCH}\n')
    return f


def test_a_replay_counts_from_the_branch_and_keeps_the_whole_run(replay):
    res = run(replay, runs=20, seed=1, posterior=False)
    assert res.window == (BRANCH + dt.timedelta(days=1), replay.end)
    r = res.runs
    # the replayed record is in the whole-run totals, not in the window's
    assert (r["attacks"] >= r["window_attacks"]).all()
    assert (r["attacks"] > r["window_attacks"]).any()
    first = r["window_first_day_rung_1"].dropna()
    assert (first >= np.datetime64(BRANCH + dt.timedelta(days=1))).all()
    assert res.outcomes["attacks"].equals(r["window_attacks"].rename("attacks"))
    # a chosen window; the whole run
    res2 = run(replay, runs=20, seed=1, posterior=False, window="2023-06-01:2023-12-31")
    assert (res2.runs["attacks"] == r["attacks"]).all()  # the same runs
    assert res2.window == (dt.date(2023, 6, 1), dt.date(2023, 12, 31))
    whole = run(replay, runs=20, seed=1, posterior=False, window="all")
    assert (whole.outcomes["attacks"] == r["attacks"]).all()


def test_without_a_replay_the_window_is_the_whole_run():
    sc = dataclasses.replace(load_scenario(), end=dt.date(2019, 6, 30))
    r = run(sc, runs=10, seed=2, posterior=False).runs
    for col in ("attacks", "us_killed", "escalation_score", "direct_us_iran_fire"):
        assert (r[col] == r[f"window_{col}"]).all()


@pytest.mark.parametrize("window,needle", [
    ("2024-01-01", "expected START:END"),
    ("2024-13-01:", "expected a date"),
    ("2024-06-01:2024-01-01", "is before START"),
    ("2018-01-01:2024-01-01", "outside the scenario's dates"),
])
def test_bad_window_is_one_line_and_exit_2(replay_file, tmp_path, window, needle):
    res = CliRunner().invoke(main, ["run", str(replay_file), "--runs", "2", "--window", window,
                                    "--out", str(tmp_path / "o"), "-q"])
    assert res.exit_code == 2
    assert "Traceback" not in res.output and needle in res.output and "--window" in res.output
    assert not (tmp_path / "o").exists()


def test_compare_variants_on_common_random_numbers(replay, tmp_path):
    shock = tmp_path / "grievance.toml"
    shock.write_text(f'extends = "{load_scenario().files[-1]}"\n[scenario]\n'
                     'name = "grievance_rises"\nstart = 2023-01-01\n'
                     f'[replay]\nuntil = {BRANCH}\n'
                     '[[timeline.shocks]]\ndate = 2024-08-01\ntarget = "iran.grievance"\n'
                     'amount = 6\n')
    dated = tmp_path / "streak_from_october.toml"
    dated.write_text('[scenario]\nname = "streak_from_october"\n[policy]\nfrom = 2024-10-01\n'
                     '[us]\ntrigger = "streak"\nrespond_prob_trigger = 0.95\n')
    variants = ["answer_deaths", "answer_every_streak", str(dated), str(shock),
                {"us.trigger": "streak", "us.respond_prob_trigger": 0.95, "name": "as dict"},
                replay.with_overrides({"us.trigger": "streak",
                                       "us.respond_prob_trigger": 0.95})]
    c = compare(replay, variants, runs=16, seed=4, posterior=False)
    assert c.policies[:4] == ["answer_deaths", "answer_every_streak", "streak_from_october",
                              "grievance_rises"]
    o = c.outcomes.set_index(["policy", "replicate"])
    # a dict and a Scenario object of the same settings are the bundled policy, exactly
    for label in ("as dict", c.policies[5]):
        assert (o.loc[label, "attacks"] == o.loc["answer_every_streak", "attacks"]).all()
    # a dated policy is the reference until its date: its free-period strikes lie in between
    ref, streak = o.loc["answer_deaths"], o.loc["answer_every_streak"]
    mid = o.loc["streak_from_october"]
    assert ref["us_strikes"].sum() <= mid["us_strikes"].sum() <= streak["us_strikes"].sum()
    # a scenario file with a shock runs as written, on the same luck until the shock
    assert c.manifest["variants"][3]["kind"] == "scenario"
    assert c.manifest["window"] == [str(BRANCH + dt.timedelta(days=1)), str(replay.end)]
    head = c.headline()
    assert head.startswith(f"P(direct US-Iran fire by {replay.end})")
    assert "paired difference" in head and "streak_from_october" in head


def test_compare_refuses_a_variant_on_other_dates(replay):
    with pytest.raises(ScenarioError, match="needs the same dates"):
        compare(replay, ["answer_deaths", "forecast_2027"], runs=2, posterior=False)


def test_compare_cli_prints_the_headline_first(replay_file, tmp_path):
    res = CliRunner().invoke(main, ["compare", str(replay_file), "-p", "answer_deaths", "-p",
                                    "answer_every_streak", "--runs", "8", "--no-plot",
                                    "--out", str(tmp_path / "c")])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[1].startswith("outcomes counted from the branch, 2024-07-01 to 2024-12-31")
    assert lines[3].startswith("P(direct US-Iran fire by 2024-12-31), with 95 % intervals")
    assert "answer_every_streak" in lines[5] and "paired difference" in lines[5]
    bad = CliRunner().invoke(main, ["compare", str(replay_file), "-p", "answer_deaths", "-p",
                                    "answr_every_streak", "--runs", "2", "--out",
                                    str(tmp_path / "d")])
    assert bad.exit_code == 2 and "did you mean 'answer_every_streak'" in bad.output
    assert "Traceback" not in bad.output
