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
    # issue 15: no traceback for an empty date, no NaN or infinity anywhere, no entry ignored
    ("empty start", "[scenario]\nstart = \"\"", "[scenario] start: expected a date YYYY-MM-DD, found ''"),
    ("empty end", "[scenario]\nend = \"\"", "[scenario] end: expected a date YYYY-MM-DD, found ''"),
    ("nan parameter", "[militia]\nattack_log_rate_base = nan", "[militia] attack_log_rate_base: expected a finite number"),
    ("inf parameter", "[us]\nforce_protection = inf", "[us] force_protection: expected a finite number"),
    ("huge float", "[us]\nforce_protection = 1e400", "[us] force_protection: expected a finite number"),
    ("huge int", "[us]\nlag_max_days = 99999999999999999999", "[us] lag_max_days: 1e+20 is out of range"),
    ("nan trait", "[groups.kataib_hezbollah]\nboldness = -nan", "[groups.kataib_hezbollah] boldness: expected a finite number"),
    ("nan strength", "[[timeline.drivers]]\nname = \"gaza_war\"\nstart = 2019-01-01\nend = 2019-02-01\nstrength = nan", "strength: expected a number in [0, 5], found nan"),
    ("nan amount", "[[timeline.shocks]]\ndate = 2020-01-01\ntarget = \"us.pressure\"\namount = nan", "amount: expected a number in [-50, 50], found nan"),
    ("shock outside", "[scenario]\nend = 2019-12-31\n[[timeline.shocks]]\ndate = 2020-01-01\ntarget = \"us.pressure\"\namount = 1", "[[timeline.shocks]] entry 1 (us.pressure): 2020-01-01 is outside the scenario's dates (2019-01-01 to 2019-12-31)"),
    ("driver outside", "[scenario]\nstart = 2020-01-01\nend = 2020-12-31\n[[timeline.drivers]]\nname = \"gaza_war\"\nstart = 2019-01-01\nend = 2019-02-01", "[[timeline.drivers]] entry 1 (gaza_war): 2019-01-01 to 2019-02-01 is outside the scenario's dates"),
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


def test_inherited_entries_outside_a_shorter_window_are_kept_out_quietly(write_toml):
    """Shortening the baseline's window is not an error: its entries were written for its
    own dates (only a file's own entries must fall inside its dates)."""
    sc = load_scenario(write_toml(f'extends = "{BASELINE}"\n[scenario]\nend = 2019-06-30\n'))
    assert sc.end == dt.date(2019, 6, 30) and sc.timeline().days == 181
    partial = write_toml(f'extends = "{BASELINE}"\n[scenario]\nend = 2019-06-30\n'
                         '[[timeline.drivers]]\nname = "regional_war"\nstart = 2019-06-01\n'
                         'end = 2020-06-01\n', "partial.toml")
    assert load_scenario(partial).drivers[-1].name == "regional_war"  # overlaps: kept


def test_a_file_without_its_own_name_is_named_after_its_stem(write_toml):
    """Issue 15: a policy file without [scenario] name used to inherit "baseline" (figure
    titled "baseline", output into results/baseline)."""
    path = write_toml(f'extends = "{BASELINE}"\n[us]\ntrigger = "streak"\n', "my_policy.toml")
    assert load_scenario(path).name == "my_policy"
    named = write_toml('extends = "my_policy.toml"\n[scenario]\nname = "mine"\n', "c.toml")
    assert load_scenario(named).name == "mine"
    child = write_toml('extends = "c.toml"\n', "grandchild.toml")
    assert load_scenario(child).name == "grandchild"
    from sim.scenario.policies import resolve_policy

    label, _, _ = resolve_policy(str(path), load_scenario())
    assert label == "my_policy"


def test_non_finite_overrides_are_refused(baseline):
    import numpy as np

    from sim.experiments.designs import SweepError, parse_vary
    from sim.scenario import build_params

    for bad in (float("nan"), float("inf"), np.float64("nan")):
        with pytest.raises(ScenarioError, match="finite"):
            baseline.with_overrides({"us.force_protection": bad})
        with pytest.raises(ScenarioError, match="non-finite"):
            build_params(baseline, 3, overrides={"us.force_protection": [0.1, bad, 0.2]})
    for spec in ("militia.w_fear=nan:2", "militia.w_fear=0:inf"):
        with pytest.raises(SweepError, match="finite"):
            parse_vary(spec)
    from sim.experiments.designs import Vary, make_design

    with pytest.raises(SweepError, match="finite"):  # a Vary handed to the API directly
        make_design([Vary("militia.w_fear", float("nan"), 2.0)], "lhs", 4)


def _posterior(tmp_path, **columns):
    import pandas as pd

    path = tmp_path / "posterior.parquet"
    pd.DataFrame(columns).to_parquet(path)
    return path


def test_damaged_or_non_finite_posterior_is_refused_naming_column_and_row(tmp_path):
    from sim.scenario.posterior import load_posterior

    nan = float("nan")
    cases = [
        (dict(weight=[0.5, 0.5], **{"militia.w_fear": [1.0, nan]}),
         "column 'militia.w_fear', row 1: nan is not a finite number"),
        (dict(weight=[0.5, float("inf")], **{"militia.w_fear": [1.0, 1.2]}),
         "column 'weight', row 1: inf is not a finite number"),
        (dict(weight=[0.5, 0.5], **{"us.force_protection": [0.5, 3.0]}),
         "column 'us.force_protection', row 1: 3 is outside [0, 0.99]"),
        (dict(weight=[0.5, 0.5], **{"militia.w_fear": ["a", "b"]}),
         "column 'militia.w_fear' holds"),
        (dict(weight=[], **{"militia.w_fear": []}), "no particles"),
    ]
    for cols, message in cases:
        path = _posterior(tmp_path, **cols)
        with pytest.raises(ScenarioError) as err:
            load_posterior(path)
        assert message in str(err.value) and str(path) in str(err.value)
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(ScenarioError, match="not a readable posterior"):
        load_posterior(garbage)


def test_manifests_are_strict_json(tmp_path):
    import json

    from sim.experiments.store import write_manifest

    write_manifest(tmp_path, value=float("nan"), values=[1.0, float("-inf")])

    def refuse(token):
        raise ValueError(token)

    m = json.loads((tmp_path / "manifest.json").read_text(), parse_constant=refuse)
    assert m["value"] is None and m["values"] == [1.0, None]


def test_shared_parameters_cost_one_number_and_a_run_reads_them_dense():
    """A value shared by every replicate is one number, not R copies (100,000 replicates of
    the baseline hold under 5 MB of parameter arrays, where R copies were 126 MB); the table a
    run reads has every array contiguous and writeable, with the same values; and a chunk's
    rows still carry each replicate's own posterior draw."""
    import numpy as np

    from sim.scenario import build_params

    sc = load_scenario()
    p = build_params(sc, 100_000, 0)
    own = sum(v.base.nbytes if v.base is not None and v.strides == (0,) else v.nbytes
              for v in p.values.values())
    assert own < 5 * 2**20
    assert p["us.force_protection"].strides == (0,)
    d = p.take(np.arange(10, 20)).dense()
    assert all(v.flags.c_contiguous and v.flags.writeable
               for v in (*d.values.values(), *d.traits.values()))
    np.testing.assert_array_equal(d["militia.w_campaign"], p["militia.w_campaign"][10:20])
    assert len(set(d["militia.w_campaign"].tolist())) > 1  # drawn per replicate
    dense = d.dense()
    assert dense is d  # nothing left to copy
