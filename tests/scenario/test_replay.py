"""Replaying the record up to a branch date, then running free."""

import datetime as dt

import numpy as np
import pytest
from click.testing import CliRunner

from sim.cli.main import main
from sim.engines.batch import BatchEngine
from sim.engines.mesa import EscalationModel
from sim.model.measures import DAILY, M
from sim.paths import SCENARIO_DIR
from sim.scenario import ScenarioError, build_params, load_scenario
from sim.scenario.replay import build_schedule
from tests.engines.test_agreement import _assert_same

REPLAYED = [(None, "2024-01-28"), (None, "2019-12-27"),
            (SCENARIO_DIR / "counterfactuals" / "no_soleimani_strike.toml", None),
            (SCENARIO_DIR / "counterfactuals" / "smaller_tower22_answer.toml", None),
            (SCENARIO_DIR / "counterfactuals" / "no_gaza_war.toml", None),
            (SCENARIO_DIR / "forecasts" / "forecast_2027.toml", None)]


@pytest.mark.parametrize("path,until", REPLAYED,
                         ids=lambda v: v.stem if hasattr(v, "stem") else str(v))
def test_replay_agrees_between_engines(path, until):
    sc = load_scenario(path)
    if until:
        sc = sc.with_replay(until)
    n = 6
    params = build_params(sc, n, posterior=False)
    batch = BatchEngine(sc.setup()).run(21, np.arange(n), params, record_daily=True)
    model = EscalationModel(sc.setup(), params.row(4), seed=21, replicate=4)
    model.run()
    _assert_same(batch, 4, model)


def test_replayed_days_are_the_record_in_every_replicate_then_runs_diverge(baseline):
    sc = baseline.with_replay(dt.date(2024, 1, 28))
    n = 50
    res = BatchEngine(sc.setup()).run(2, np.arange(n), build_params(sc, n, posterior=False), record_daily=True)
    until = (sc.replay_until - sc.start).days
    rp = build_schedule(sc, sc.replay_until)
    d = res.daily
    for col in ("attacks", "us_killed", "us_strikes", "israeli_strikes",
                "iran_direct_attacks_us", "us_strikes_leaders", "us_strikes_iranian_personnel"):
        before = d[:, :until + 1, M[col]]
        assert (before == before[0]).all(), col
    np.testing.assert_array_equal(d[0, :until + 1, M["attacks"]],
                                  rp.attacks[:until + 1, :, :4].sum(axis=(1, 2)))
    np.testing.assert_array_equal(d[0, :until + 1, M["us_strikes"]] > 0,
                                  rp.us_tier[:until + 1] > 0)
    # the documented landmarks
    day = lambda s: (dt.date.fromisoformat(s) - sc.start).days  # noqa: E731
    assert (d[:, day("2020-01-03"), M["us_strikes_iranian_personnel"]] == 1).all()
    assert (d[:, day("2020-01-08"), M["iran_direct_attacks_us"]] == 1).all()
    assert (d[:, day("2024-01-28"), M["us_killed"]] >= 3).all()
    assert (d[:, day("2024-01-04"), M["us_strikes_leaders"]] == 1).all()
    # total attacks in the surge window reach the published tally's scale
    surge = d[0, day("2023-10-17"):day("2024-01-28") + 1, M["attacks"]].sum()
    assert 140 <= surge <= 175
    after = d[:, until + 1:, M["attacks"]].sum(axis=1)
    assert len(np.unique(after)) > 5, "free runs differ after the branch"


def test_a_death_on_the_branch_day_is_answered_after_it(baseline):
    sc = baseline.with_replay(dt.date(2024, 1, 28)).with_overrides(
        {"us.respond_prob_trigger": 1.0})
    n = 40
    res = BatchEngine(sc.setup()).run(1, np.arange(n), build_params(sc, n, posterior=False), record_daily=True)
    b = (sc.replay_until - sc.start).days
    lag_max = sc.params["us"]["lag_max_days"]
    assert (res.daily[:, b + 1:b + 1 + lag_max, M["us_strikes"]].sum(axis=1) >= 1).all()


def test_branch_outside_the_record_is_refused(baseline):
    for bad in ("2018-06-01", "2025-03-01"):
        with pytest.raises(ScenarioError, match="outside the record"):
            BatchEngine(baseline.with_replay(bad).setup())


def test_policy_contradicting_replayed_events_is_refused(baseline):
    sc = baseline.with_overrides({"us.max_tier": "facilities"}).with_replay("2024-02-10")
    with pytest.raises(ScenarioError, match="contradicts the replayed US iranian_personnel "
                                            "strike of 2020-01-03"):
        BatchEngine(sc.setup())
    never = baseline.with_overrides({"us.trigger": "never"}).with_replay("2020-01-05")
    with pytest.raises(ScenarioError, match="contradicts"):
        BatchEngine(never.setup())


def test_record_failing_validation_is_refused(baseline, tmp_path):
    rec = tmp_path / "rec"
    rec.mkdir()
    good = (SCENARIO_DIR.parent / "calibration" / "events.csv").read_text().splitlines()
    good[5] = good[5].replace("2019-", "2019-13-", 1)
    (rec / "events.csv").write_text("\n".join(good) + "\n")
    (rec / "tallies.csv").write_text(
        (SCENARIO_DIR.parent / "calibration" / "tallies.csv").read_text())
    with pytest.raises(ScenarioError, match="events.csv"):
        build_schedule(baseline, dt.date(2020, 1, 1), rec)


def test_cli_replay_until_writes_branch_figure_and_refuses_bad_dates(tmp_path):
    r = CliRunner()
    out = tmp_path / "b"
    res = r.invoke(main, ["run", "--runs", "20", "--replay-until", "2024-01-28", "--out",
                          str(out), "-q"])
    assert res.exit_code == 0, res.output
    assert (out / "branch.png").stat().st_size > 30_000
    for bad, msg in (("2030-01-01", "outside the record"), ("2024-13-01", "expected a date")):
        res = r.invoke(main, ["run", "--runs", "2", "--replay-until", bad, "--out",
                              str(tmp_path / "x"), "-q"])
        assert res.exit_code == 2 and msg in res.output, res.output
        assert not (tmp_path / "x").exists()
    res = r.invoke(main, ["run", "scenarios/policies/no_retaliation.toml", "--runs", "2",
                          "--replay-until", "2020-02-01", "--out", str(tmp_path / "y"), "-q"])
    assert res.exit_code == 2 and "contradicts" in res.output


def test_bundled_counterfactuals_and_forecasts_describe_their_question():
    for folder in ("counterfactuals", "forecasts"):
        files = sorted((SCENARIO_DIR / folder).glob("*.toml"))
        assert files
        for f in files:
            sc = load_scenario(f)
            assert sc.replay_until is not None and len(sc.description) > 30
    fc = load_scenario(SCENARIO_DIR / "forecasts" / "forecast_2027.toml")
    assert fc.end == dt.date(2027, 12, 31) and fc.replay_until == dt.date(2024, 12, 31)
    assert "ASSUMPTION" in (SCENARIO_DIR / "forecasts" / "forecast_2027.toml").read_text()
    ng = load_scenario(SCENARIO_DIR / "counterfactuals" / "no_gaza_war.toml")
    assert "gaza_war" not in {d.name for d in ng.drivers}
    assert DAILY  # the measures exist
