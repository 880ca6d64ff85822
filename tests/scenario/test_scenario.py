"""Scenario files: inheritance, validation, and the message for each kind of bad input."""

import datetime as dt

import pytest

from sim.model.registry import PARAMETERS
from sim.paths import BASELINE
from sim.scenario import ScenarioError, describe, load_scenario
from tests.conftest import POLICY_FILES


def test_baseline_resolves_with_dates_and_timeline(baseline):
    assert baseline.start == dt.date(2019, 1, 1)
    assert baseline.end == dt.date(2024, 12, 31)
    assert baseline.days == 2192
    names = {d.name for d in baseline.drivers}
    assert {"max_pressure", "iraqi_protests", "iran_unrest", "nuclear_talks", "us_election",
            "gaza_war", "gaza_truce", "regional_war"} <= names
    gaza = [d for d in baseline.drivers if d.name == "gaza_war"][0]
    assert gaza.start == dt.date(2023, 10, 7)
    truce = [d for d in baseline.drivers if d.name == "gaza_truce"][0]
    assert (truce.start, truce.end) == (dt.date(2023, 11, 24), dt.date(2023, 11, 30))
    assert len(baseline.groups) >= 4


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda p: p.stem)
def test_every_policy_extends_the_baseline(path, baseline):
    sc = load_scenario(path)
    assert sc.files[0] == str(BASELINE)
    assert sc.drivers == baseline.drivers
    assert sc.description
    changed = {(s, k) for s in PARAMETERS for k in PARAMETERS[s]
               if sc.params[s][k] != baseline.params[s][k]}
    assert changed or path.stem == "answer_deaths"
    assert all(s == "us" for s, _ in changed)


def test_four_required_policies_exist():
    stems = {p.stem for p in POLICY_FILES}
    assert {"answer_deaths", "answer_every_streak", "decapitation_first",
            "drawdown_iraq"} <= stems


def test_child_overrides_parent_and_appends_timeline(write_toml):
    parent = write_toml('[scenario]\nname = "p"\n[us]\nlag_max_days = 7\n'
                        '[[timeline.drivers]]\nname = "gaza_war"\nstart = 2019-02-01\n'
                        'end = 2019-03-01\n', "parent.toml")
    child = write_toml('extends = "parent.toml"\n[scenario]\nname = "c"\n[us]\n'
                       'lag_min_days = 2\n[[timeline.drivers]]\nname = "regional_war"\n'
                       'start = 2019-04-01\nend = 2019-04-02\nstrength = 0.5\n', "child.toml")
    sc = load_scenario(child)
    assert sc.name == "c"
    assert sc.params["us"]["lag_max_days"] == 7 and sc.params["us"]["lag_min_days"] == 2
    assert [d.name for d in sc.drivers] == ["gaza_war", "regional_war"]
    assert sc.files == [str(parent), str(child)]


def test_remove_drivers_drops_inherited_driver(write_toml):
    path = write_toml(f'extends = "{BASELINE}"\n[timeline]\nremove_drivers = ["gaza_war"]\n')
    sc = load_scenario(path)
    assert "gaza_war" not in {d.name for d in sc.drivers}
    assert sc.timeline().drivers[:, 5].max() == 0.0  # gaza_war column


BAD = [
    ("not toml", "[us\ntrigger = 1", "not valid TOML"),
    ("unknown key", "[us]\ntriger = \"deaths\"", "unknown key 'triger' in [us] (did you mean 'trigger'?)"),
    ("unknown section", "[iran_]\nx = 1", "unknown key 'iran_' in the top level (did you mean 'iran'?)"),
    ("wrong type", "[us]\nforce_protection = \"high\"", "[us] force_protection: expected a number"),
    ("out of range", "[us]\nforce_protection = 1.5", "[us] force_protection: 1.5 is out of range; expected [0, 0.99]"),
    ("bad enum", "[us]\ntrigger = \"death\"", "[us] trigger: expected one of deaths|casualties|streak|never, found 'death' (did you mean 'deaths'?)"),
    ("bad date", "[scenario]\nstart = \"2019-13-01\"", "[scenario] start: expected a date YYYY-MM-DD, found '2019-13-01'"),
    ("end before start", "[scenario]\nstart = 2020-01-01\nend = 2019-01-01", "end 2019-01-01 is before start 2020-01-01"),
    ("missing parent", "extends = \"nowhere.toml\"", "extends: file not found"),
    ("unknown driver", "[[timeline.drivers]]\nname = \"gaza\"\nstart = 2019-01-01\nend = 2019-02-01", "unknown driver 'gaza' (did you mean 'gaza_war'?)"),
    ("bad group trait", "[groups.kataib_hezbollah]\nalignment = 2", "[groups.kataib_hezbollah] alignment: 2 is out of range"),
    ("bad theatre", "[groups.kataib_hezbollah]\ntheatres = [\"iraq\", \"syra\"]", "unknown theatre 'syra' (did you mean 'syria'?)"),
    ("fractional int", "[us]\nlag_min_days = 1.5", "[us] lag_min_days: expected a whole number"),
    ("lag order", "[us]\nlag_min_days = 9\nlag_max_days = 3", "lag_min_days (9) exceeds lag_max_days (3)"),
    ("bad shock", "[[timeline.shocks]]\ndate = 2020-01-01\ntarget = \"iran.grief\"\namount = 1", "unknown state 'iran.grief'"),
]


@pytest.mark.parametrize("label,text,message", BAD, ids=[b[0] for b in BAD])
def test_bad_scenarios_are_refused_naming_file_and_key(label, text, message, write_toml):
    path = write_toml(text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_error_in_parent_names_the_parent(write_toml):
    parent = write_toml("[militia]\nw_fear = -1", "parent.toml")
    child = write_toml('extends = "parent.toml"', "child.toml")
    with pytest.raises(ScenarioError, match=str(parent)):
        load_scenario(child)


def test_extends_loop_is_refused(write_toml):
    write_toml('extends = "b.toml"', "a.toml")
    b = write_toml('extends = "a.toml"', "b.toml")
    with pytest.raises(ScenarioError, match="loops back"):
        load_scenario(b)


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="scenario file not found"):
        load_scenario(tmp_path / "nope.toml")


def test_describe_lists_every_parameter_with_units(baseline):
    text = describe(baseline)
    for sec, table in PARAMETERS.items():
        assert f"[{sec}]" in text
        for k in table:
            assert k in text
    assert "logit" in text and "days" in text


def test_with_overrides_validates(baseline):
    sc = baseline.with_overrides({"us.trigger": "streak"})
    assert sc.params["us"]["trigger"] == "streak"
    assert baseline.params["us"]["trigger"] == "deaths"
    with pytest.raises(ScenarioError, match="did you mean 'us.trigger'"):
        baseline.with_overrides({"us.triger": "streak"})
    with pytest.raises(ScenarioError, match="out of range"):
        baseline.with_overrides({"us.force_protection": 2.0})


def test_baseline_draws_calibrated_parameters_and_policies_keep_their_own(baseline):
    import numpy as np

    from sim.scenario import build_params
    from sim.scenario.posterior import load_posterior

    assert baseline.posterior.endswith("calibration/posterior.parquet")
    keys = [c for c in load_posterior(baseline.posterior).columns if c != "weight"]
    table = build_params(baseline, 200, seed=3)
    for k in keys:
        assert len(np.unique(table[k])) > 10, k  # parameter uncertainty, not one value
    fixed = build_params(baseline, 200, seed=3, posterior=False)
    assert all(len(np.unique(fixed[k])) == 1 for k in keys)
    # keyed by (seed, replicate): a replicate's draw does not depend on the run size
    small = build_params(baseline, 50, seed=3)
    for k in keys:
        np.testing.assert_array_equal(small[k], table[k][:50])
    # a policy's own setting beats the posterior draw
    streak = load_scenario(BASELINE.parent / "policies" / "answer_every_streak.toml")
    over = streak.with_overrides({"us.respond_logit_base": -3.5})
    t = build_params(over, 100, seed=3)
    assert (t["us.respond_logit_base"] == -3.5).all()
    assert "us.respond_logit_base" in over.posterior_excluded


def test_missing_posterior_file_is_refused(write_toml):
    path = write_toml('[scenario]\nposterior = "nowhere.parquet"\n')
    with pytest.raises(ScenarioError, match=r"\[scenario\] posterior: file not found"):
        load_scenario(path)


def test_build_params_takes_labels_dates_and_numpy_scalars_per_row(baseline):
    import datetime as dt

    import numpy as np

    from sim.scenario import build_params

    t = build_params(baseline, 4, posterior=False, overrides={
        "us.trigger": np.array(["deaths", "streak", "never", "casualties"], dtype=object),
        "militia.w_fear": np.int64(2), "us.lag_min_days": np.float32(1.4),
        "us.drawdown_date": [dt.date(2019, 1, 11), "", "2019-02-01", np.str_("2019-01-01")]})
    assert t["us.trigger"].tolist() == [0.0, 2.0, 3.0, 1.0]  # codes of TRIGGERS
    assert t["militia.w_fear"].tolist() == [2.0] * 4
    assert t["us.lag_min_days"].tolist() == [1.0] * 4          # an int parameter: rounded
    assert t["us.drawdown_date"].tolist() == [10.0, 1e9, 31.0, 0.0]  # day index, NO_DAY
    sc = baseline.with_overrides({"militia.w_fear": np.float64(2.5), "us.trigger": np.str_("never")})
    assert sc.params["militia"]["w_fear"] == 2.5 and sc.params["us"]["trigger"] == "never"


def test_build_params_refuses_bad_values_with_their_key(baseline):
    from sim.scenario import build_params

    cases = [({"us.trigger": "streek"}, "'us.trigger' = 'streek' is not one of"),
             ({"us.drawdown_date": "2020-13-01"}, "'us.drawdown_date' = '2020-13-01' is not a date"),
             ({"militia.w_fear": [1, 2]}, "'militia.w_fear' has 2 values for 4 replicates"),
             ({"militia.w_fear": [1, 2, float("inf"), 1]}, "'militia.w_fear' has a non-finite value"),
             ({"us.lag_max_days": [5, 5, 0, 5]}, "'us.lag_min_days' (1) exceeds 'us.lag_max_days' (0) in row 2")]
    for overrides, message in cases:
        with pytest.raises(ScenarioError) as exc:
            build_params(baseline, 4, posterior=False, overrides=overrides)
        assert message in str(exc.value)


def test_the_posterior_file_is_read_once(baseline, monkeypatch):
    import pandas as pd

    from sim.scenario import build_params

    a = build_params(baseline, 20, seed=1)
    calls = []
    real = pd.read_parquet
    monkeypatch.setattr(pd, "read_parquet", lambda *a, **k: calls.append(a) or real(*a, **k))
    b = build_params(baseline, 20, seed=1)
    assert calls == []
    assert all((a[k] == b[k]).all() for k in a.values)
