"""Targets as code: observed figures come from the record; simulated figures from run sets."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.calibration import patterns as T
from sim.calibration import statistics as S
from sim.engines.batch import BatchEngine
from sim.model.measures import DAILY, M
from sim.record import series
from sim.scenario import build_params


@pytest.fixture(scope="module")
def small_runs(baseline):
    ch = BatchEngine(baseline.setup()).run(5, np.arange(40), build_params(baseline, 40, posterior=False),
                                   record_daily=True)
    return S.RunSet.from_chunk(ch, baseline.start, baseline.days)


def _runset(days=28, reps=2):
    daily = np.zeros((reps, days, len(DAILY)), dtype=np.int32)
    weekly = daily.reshape(reps, days // 7, 7, len(DAILY)).sum(axis=2)
    return S.RunSet(dt.date(2024, 1, 1), days, weekly, daily)


def test_observed_stats_from_record(record):
    obs = S.observed_stats(record).set_index("name")
    assert obs.loc["attacks_2020", "mid"] == 55
    assert obs.loc["attacks_2019", "mid"] == 78 - 55
    # AFP's "almost 50" to 7 Jul 2021 (approx); the 45 (to 22 Jun) and 47 (to 5 Jul) are rows
    # of their own since the record audit
    assert (obs.loc["attacks_2021h1", "lo"], obs.loc["attacks_2021h1", "hi"]) == (50, 50)
    assert obs.loc["attacks_surge1", "mid"] == 66
    assert obs.loc["strikes_surge", "mid"] == 7
    assert obs.loc["rung5_weeks", "mid"] == 2
    assert all(obs["source"].str.len() > 5)
    assert len(obs) == len(S.CALIBRATION_STATS)


def test_monthly_documented(record):
    doc = series.monthly_documented(record).set_index("month")
    # the 2020 tally (55, to 22 Oct) is spread over Jan-Oct 2020
    jan_oct = doc.loc[dt.date(2020, 1, 1):dt.date(2020, 10, 1), "estimate"].sum()
    assert 55 - 1e-6 <= jan_oct <= 55 + 2
    surge = doc.loc[dt.date(2023, 10, 1):dt.date(2024, 2, 1), "estimate"].sum()
    assert 160 <= surge <= 172
    assert (doc.estimate >= doc.events - 1e-9).all()
    assert doc.loc[dt.date(2024, 6, 1), "basis"] == "events"


def test_surge_cumulative_monotone(record):
    cum = series.surge_cumulative(record)
    assert np.all(np.diff(cum.lo) >= 0) and np.all(np.diff(cum.hi) >= 0)
    assert (cum.lo <= cum.hi).all()
    assert cum.mid.iloc[-1] == 170  # the Pentagon's final surge count, unchanged from 4 Feb


def test_window_daily_and_weekly_agree():
    rs = _runset()
    rs.daily[0, 3, M["attacks"]] = 2
    rs.daily[0, 10, M["attacks"]] = 1
    rs.weekly[:] = rs.daily.reshape(2, 4, 7, -1).sum(axis=2)
    a, b = dt.date(2024, 1, 1), dt.date(2024, 1, 14)
    assert rs.window("attacks", a, b)[0] == 3
    wk = S.RunSet(rs.start, rs.days, rs.weekly)
    assert wk.window("attacks", a, b)[0] == pytest.approx(3)
    # half a week counts half
    assert wk.window("attacks", dt.date(2024, 1, 8), dt.date(2024, 1, 11))[0] == \
        pytest.approx(4 / 7)


def test_pause_and_lags():
    rs = _runset()
    rs.daily[0, 2, M["us_killed"]] = 1
    rs.daily[0, 3, M["us_strikes"]] = 1
    rs.daily[0, 3, M["us_strikes_leaders"]] = 1
    rs.daily[0, 20, M["attacks"]] = 1
    lags = T.lags_after_deaths(rs, dt.date(2024, 1, 1), dt.date(2024, 1, 28))
    assert lags == [(0, 2, 1.0)]
    pause, cens = T.pause_after_heavy(rs, dt.date(2024, 1, 1), dt.date(2024, 1, 10))
    assert pause[0] == 17 and not cens[0]
    assert np.isnan(pause[1])


def test_patterns_on_engine_runs(small_runs, record):
    out = T.evaluate(small_runs, record)
    names = [t.name for t in out]
    assert names[:8] == [f"P{i}" for i in range(1, 9)]
    for t in out:
        assert isinstance(t.holds, bool)
        assert t.description and t.observed_source and t.rule
        assert t.interval[0] <= t.simulated <= t.interval[1] or np.isnan(t.simulated)
    p1 = out[0]
    # the Pentagon's final count of the surge: 170 attacks from 17 Oct 2023 to 4 Feb 2024
    assert p1.observed_range == (170, 170)
    # a pattern holds only when the documented value lies inside the simulated 50 % interval
    assert "50 %" in p1.rule and "q25" in p1.extra
    assert not p1.holds or p1.extra["q25"] <= 170 <= p1.extra["q75"]
    assert all("quarter" in t.rule for t in out if t.name in ("P5", "P7"))
    assert "lull" in out[7].rule and {"lull_holds", "resumption_holds"} <= set(out[7].extra)
    assert {t.window for t in out} >= {"fit", "hold-out"}
    tab = T.table(out)
    assert {"name", "observed", "simulated", "sim_q05", "sim_q95", "holds"} <= set(tab.columns)


def test_simulated_stats_shape(small_runs):
    s = S.simulated_stats(small_runs)
    assert s.shape == (40, len(S.CALIBRATION_STATS))
    assert np.isfinite(s).all() and (s >= 0).all()
    wk = S.RunSet(small_runs.start, small_runs.days, small_runs.weekly)
    # weekly pro-rata windows stay close to the daily truth for long windows
    assert np.abs(S.simulated_stats(wk) - s)[:, :4].mean() < 0.1
