"""Dated policies and the outcome window, in both engines: exactly equal, and a dated policy
changes nothing before its date."""

import datetime as dt

import numpy as np
import pytest

from sim.engines.batch import BatchEngine
from sim.engines.mesa import EscalationModel
from sim.errors import ScenarioError
from sim.model.measures import DAILY
from sim.scenario import build_params, load_scenario
from tests.engines.test_agreement import _assert_same

FROM = dt.date(2020, 6, 1)


@pytest.fixture(scope="module")
def dated():
    """The baseline to the end of 2020; from June 2020 the US answers every streak, fast."""
    sc = load_scenario()
    sc.end = dt.date(2020, 12, 31)
    return sc.with_overrides({"us.trigger": "streak", "us.respond_prob_trigger": 0.95,
                              "us.lag_max_days": 2, "militia.hawkes_memory_days": 3.0,
                              "militia.w_boldness": 2.0}, from_date=FROM)


def test_both_engines_agree_exactly_with_a_dated_policy(dated):
    n, seed = 6, 3
    params = build_params(dated, n, posterior=False)
    assert [c.day for c in params.changes] == [(FROM - dated.start).days]
    batch = BatchEngine(dated.setup()).run(seed, np.arange(n), params, record_daily=True)
    for r in (1, 4):
        model = EscalationModel(dated.setup(), params.row(r), seed=seed, replicate=r)
        model.run()
        _assert_same(batch, r, model)
    # the caller's table is untouched by the run (the change was applied to a copy)
    assert (params["us.trigger"] == 0).all()


def test_a_dated_policy_changes_nothing_before_its_date_and_something_after(dated):
    n, seed = 24, 5
    undated = load_scenario()
    undated.end = dated.end
    a = BatchEngine(undated.setup()).run(seed, np.arange(n),
                                         build_params(undated, n, posterior=False),
                                         record_daily=True)
    b = BatchEngine(dated.setup()).run(seed, np.arange(n),
                                       build_params(dated, n, posterior=False),
                                       record_daily=True)
    day = (FROM - dated.start).days
    np.testing.assert_array_equal(a.daily[:, :day], b.daily[:, :day])
    strikes = DAILY.index("us_strikes")
    assert b.daily[:, day:, strikes].sum() > a.daily[:, day:, strikes].sum()


def test_dated_policy_from_a_file(tmp_path):
    f = tmp_path / "doctrine_2025.toml"
    parent = load_scenario("forecast_2027").files[-1]
    f.write_text(f'extends = "{parent}"\n[policy]\nfrom = 2025-07-01\n[us]\n'
                 'trigger = "streak"\n')
    sc = load_scenario(f)
    assert sc.params["us"]["trigger"] == "deaths"
    assert sc.dated[0].start == dt.date(2025, 7, 1)
    assert sc.dated[0].settings == {"us.trigger": "streak"}


@pytest.mark.parametrize("text,needle", [
    ("[policy]\nfrom = 2031-01-01\n[us]\ntrigger = \"streak\"\n", "outside the scenario's dates"),
    ("[policy]\nfrom = \"mid-2025\"\n[us]\ntrigger = \"streak\"\n", "expected a date"),
    ("[policy]\nfrom = 2025-07-01\n", "needs parameter settings"),
    ("[policy]\nfrom = 2025-07-01\n[us]\ntroops_iraq = 1.0\n", "starting state"),
    ("[policy]\nstart = 2025-07-01\n", "unknown key 'start' in [policy]"),
])
def test_bad_dated_policy_is_one_clear_message(tmp_path, text, needle):
    f = tmp_path / "bad.toml"
    f.write_text(f'extends = "{load_scenario("forecast_2027").files[-1]}"\n' + text)
    with pytest.raises(ScenarioError, match="bad.toml") as exc:
        load_scenario(f)
    assert needle in str(exc.value)


def test_window_tallies_agree_in_both_engines():
    sc = load_scenario()
    sc.end = dt.date(2020, 6, 30)
    sc = sc.with_window("2020-01-01:2020-03-31")
    n, seed = 5, 2
    params = build_params(sc, n, posterior=False)
    batch = BatchEngine(sc.setup()).run(seed, np.arange(n), params, record_daily=True)
    a, b = (sc.window[0] - sc.start).days, (sc.window[1] - sc.start).days
    inside = batch.daily[:, a:b + 1]
    np.testing.assert_array_equal(batch.window_totals[:, :DAILY.index("rung")],
                                  inside.sum(axis=1)[:, :DAILY.index("rung")])
    assert (batch.window_rung_days.sum(axis=1) == b - a + 1).all()
    for r in range(n):
        m = EscalationModel(sc.setup(), params.row(r), seed=seed, replicate=r)
        m.run()
        res = m.result()
        np.testing.assert_array_equal(res.window_totals[0], batch.window_totals[r])
        np.testing.assert_array_equal(res.window_first_day[0], batch.window_first_day[r])
        np.testing.assert_array_equal(res.window_rung_days[0], batch.window_rung_days[r])
