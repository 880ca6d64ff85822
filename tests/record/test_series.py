"""The record as series: the committed tallies in the new schema, the Pentagon's cumulative
surge count, the tally blocks (one counter and one scope each) and the monthly documented series
over windows that start and end inside tally blocks."""

from __future__ import annotations

import datetime as dt
import shutil

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sim.paths import CALIBRATION_DIR
from sim.record import load_record, series
from sim.record.load import BOUNDS, COUNTS, THEATRES

D = dt.date


@pytest.fixture(scope="module")
def record():
    return load_record()


def test_committed_tallies_follow_the_schema(record):
    t = record.tallies
    assert len(t) >= 190
    assert set(t.bound) <= set(BOUNDS) and set(t.theatre) <= set(THEATRES)
    assert set(t.counts) <= set(COUNTS)
    lower = t[t.bound == "lower"]
    assert lower.high.isna().all() and len(lower) >= 40
    point = t[t.bound.isin(["exact", "approx"])]
    assert (point.low == point.high).all()
    rng = t[t.bound == "range"]
    assert (rng.low < rng.high).all()
    assert t.note.str.len().gt(10).all() and t.source_url.str.startswith("http").all()
    # no duplicates: same period, measure, theatre, bound, counter and value
    key = ["period_start", "period_end", "measure", "theatre", "bound", "counter", "low", "high"]
    assert not t.duplicated(key).any()


def test_audit_recodings(record):
    fdd = series.tally_row(record, "attacks_on_us_forces", D(2019, 5, 1), D(2020, 10, 22),
                           "iraq")
    assert (fdd.bound, fdd.low, fdd.counts, fdd.counter) == ("lower", 78, "indirect_fire", "fdd")
    assert np.isnan(fdd.high)
    y2020 = series.tally_row(record, "attacks_on_us_forces", D(2020, 1, 1), D(2020, 10, 22),
                             "iraq")
    assert (y2020.bound, y2020.low) == ("lower", 55)
    kur = series.tally_row(record, "attacks_on_us_forces", D(2021, 1, 1), D(2023, 3, 23),
                           "iraq_syria")
    assert (kur.bound, kur.low) == ("approx", 78)
    strikes = series.tally_row(record, "us_strike_events", D(2019, 5, 1), D(2020, 10, 22),
                               "iraq_syria")
    assert (strikes.bound, strikes.low, strikes.high) == ("range", 2, 3)
    final = series.tally_row(record, "attacks_on_us_forces", series.SURGE_START, D(2024, 2, 4))
    assert (final.bound, final.low, final.counter) == ("exact", 170, "pentagon")
    pause = series.tally_row(record, "attacks_on_us_forces", D(2024, 2, 5), D(2024, 4, 20),
                             "iraq_syria", "pentagon")
    assert (pause.bound, pause.low) == ("exact", 0)
    # tally() keeps its old contract: (low, high, source); a lower bound gives its floor
    assert series.tally(record, "attacks_on_us_forces", D(2020, 1, 1), D(2020, 10, 22),
                        "iraq")[:2] == (55, 55)
    # theatre 'all' falls back to a row naming Iraq and Syria
    assert series.tally(record, "us_strike_events", D(2021, 1, 20), D(2021, 6, 27))[:2] == (2, 2)
    with pytest.raises(KeyError):
        series.tally(record, "attacks_on_us_forces", D(2019, 5, 1), D(2019, 12, 31), "iraq")


def test_event_corrections(record):
    ev = record.events
    emb = ev[(ev.target == "us_embassy") & (ev.date.dt.year == 2020) & (ev.date.dt.month == 11)]
    assert list(emb.date.dt.day) == [17]
    biden = ev[(ev.event_type == "us_strike") & ev.description.str.contains("Biden-ordered")
               & (ev.date.dt.year == 2022)]
    assert list(biden.date.dt.strftime("%Y-%m-%d")) == ["2022-08-23"]
    assert (biden.militia_killed_lo.iloc[0], biden.militia_killed_hi.iloc[0]) == (0, 6)
    assert (ev.description.str.len() <= 160).all()
    balad = ev[ev.date == "2020-01-12"].iloc[0]
    assert "seven mortar bombs" in balad.description
    assert not ev.duplicated(["date", "country", "event_type", "description"]).any()


def test_surge_cumulative_is_one_counter_and_monotone(record):
    cum = series.surge_cumulative(record)
    assert np.all(np.diff(cum.lo) >= 0) and np.all(np.diff(cum.hi) >= 0)
    assert np.all(np.diff(cum.mid) >= 0)
    assert (cum.lo <= cum.mid).all() and (cum.mid <= cum.hi).all()
    assert cum.date.is_unique
    at = cum.set_index("date")
    assert at.loc[D(2023, 10, 31), "mid"] == 27 and at.loc[D(2023, 11, 6), "mid"] == 38
    assert at.loc[D(2024, 1, 30), "mid"] == 166 and at.loc[D(2024, 2, 4), "mid"] == 170
    assert cum.date.max() == series.SURGE_END
    # AFP's own 103 and GTTAC's 160 are other counters: they are not in the series
    assert at.loc[D(2023, 12, 26), "lo"] == 102


def test_tally_blocks_one_scope_each(record):
    blocks = series.tally_blocks(record)
    for x, y in zip(blocks, blocks[1:]):
        assert x.end < y.start
    for b in blocks:
        assert b.start <= b.end and b.bound in BOUNDS and b.theatre in THEATRES
        assert b.low <= b.central and (np.isnan(b.high) or b.central <= b.high)
        assert "minus" not in b.how and "less" not in b.how
    # May-Dec 2019 is no longer FDD's 78 less 55 (two floors); 2021-2023 is no longer
    # Kurilla's 78 (Iraq and Syria) less the H1-2021 Iraq count
    assert not any(b.start == D(2019, 5, 1) or b.start == D(2021, 7, 8) for b in blocks)
    fdd = next(b for b in blocks if b.start == D(2020, 1, 1))
    assert (fdd.bound, fdd.low, fdd.theatre, fdd.counts) == ("lower", 55, "iraq", "indirect_fire")
    assert np.isnan(fdd.high)
    surge = [b for b in blocks if series.SURGE_START <= b.start <= series.SURGE_END]
    assert sum(b.central for b in surge) == pytest.approx(170)
    pause = next(b for b in blocks if b.start == D(2024, 2, 5))
    assert (pause.end, pause.central, pause.bound) == (D(2024, 4, 20), 0, "exact")


def test_monthly_documented_feb_jun_2024_is_the_pause(record):
    doc = series.monthly_documented(record, D(2024, 2, 1), D(2024, 6, 30)).set_index("month")
    assert list(doc.index) == [D(2024, m, 1) for m in range(2, 7)]
    # no attack on US forces 5 Feb-20 Apr 2024; two on 21-22 Apr; 1-4 Feb ends the surge
    assert doc.loc[D(2024, 3, 1), "estimate"] == 0
    assert doc.loc[D(2024, 4, 1), "estimate"] == pytest.approx(2)
    assert doc.loc[D(2024, 2, 1), "estimate"] <= 4 + 1e-9
    assert 2 <= doc.estimate.sum() <= 7  # was 28: the whole block put onto 1-4 Feb
    assert doc.loc[D(2024, 2, 1), "hi"] <= 4 + 1e-9


@pytest.mark.parametrize("start,end", [
    (D(2024, 2, 1), D(2024, 6, 30)),     # starts in the last surge block, ends after the pause
    (D(2020, 3, 1), D(2020, 8, 31)),     # inside FDD's 2020 block at both ends
    (D(2021, 3, 1), D(2022, 3, 31)),     # starts inside AFP's 2021 block, ends in Feb-Apr 2022
    (D(2023, 11, 1), D(2024, 1, 31)),    # inside the surge at both ends
    (D(2019, 11, 1), D(2020, 1, 31)),    # across the late-2019 block into 2020
])
def test_monthly_documented_window_is_the_full_series_restricted(record, start, end):
    full = series.monthly_documented(record).set_index("month")
    win = series.monthly_documented(record, start, end).set_index("month")
    ref = full.loc[win.index]
    for col in ("events", "estimate", "lo"):
        assert np.allclose(win[col].to_numpy(), ref[col].to_numpy()), col
    assert np.allclose(win.hi.to_numpy(), ref.hi.to_numpy(), equal_nan=True)
    assert (win.basis == ref.basis).all()


def test_monthly_documented_keeps_each_block_total(record):
    full = series.monthly_documented(record).set_index("month")
    # FDD's floor of 55 spread over 1 Jan-22 Oct 2020 (plus Oct's few days of the next block)
    jan_oct = full.loc[D(2020, 1, 1):D(2020, 10, 1), "estimate"].sum()
    assert 55 - 1e-6 <= jan_oct <= 57
    assert full.loc[D(2020, 1, 1):D(2020, 10, 1), "hi"].isna().all()  # a floor has no high
    surge = full.loc[D(2023, 10, 1):D(2024, 2, 1), "estimate"].sum()
    assert surge == pytest.approx(170, abs=0.5)
    assert (full.estimate >= full.events - 1e-9).all()
    assert (full.lo <= full.estimate).all()  # exactly: plots draw estimate - lo as error bars
    assert ((full.hi >= full.estimate) | full.hi.isna()).all()
    # the surge months' bounds come from the cumulative count at their ends
    assert full.loc[D(2023, 10, 1), ["lo", "hi"]].tolist() == pytest.approx([27, 27])
    assert full.loc[D(2023, 11, 1), ["lo", "hi"]].tolist() == pytest.approx([47, 47])


def test_attack_series_fills_blocks_in_their_scope(record):
    start, days = D(2020, 1, 1), 300
    att, _, _ = series.attack_series(record, start, days, ["kataib_hezbollah", "militia_unknown"])
    assert att.shape == (days, 2, 5)
    fdd = att[:296].sum(axis=(0, 1))  # 1 Jan-22 Oct 2020: FDD's Iraq-only floor of 55
    from sim.model.types import Theatre
    assert fdd[int(Theatre.SYRIA)] == 0
    assert fdd.sum() >= 55


def test_documented_weekly_attacks_covers_the_surge(record):
    w = series.documented_weekly_attacks(series.SURGE_START, 112, ["militia_unknown"], record)
    assert w.sum() == pytest.approx(170, abs=2)
    assert not np.isnan(w).any()


def _bad_record(tmp_path, old: str, new: str):
    rec = tmp_path / "rec"
    rec.mkdir()
    shutil.copy(CALIBRATION_DIR / "events.csv", rec / "events.csv")
    text = (CALIBRATION_DIR / "tallies.csv").read_text(encoding="utf-8")
    assert old in text
    (rec / "tallies.csv").write_text(text.replace(old, new, 1), encoding="utf-8")
    return rec


@pytest.mark.parametrize("old,new,column,message", [
    (",iraq,lower,78,,indirect_fire,fdd,", ",iraq,at_least,78,,indirect_fire,fdd,", "bound",
     "unknown value"),
    (",iraq,lower,78,,indirect_fire,fdd,", ",iraq_and_syria,lower,78,,indirect_fire,fdd,",
     "theatre", "unknown value"),
    (",iraq,lower,78,,indirect_fire,fdd,", ",iraq,lower,78,,rockets,fdd,", "counts",
     "unknown value"),
    (",iraq,lower,78,,indirect_fire,fdd,", ",iraq,lower,78,90,indirect_fire,fdd,", "high",
     "a lower bound has no high"),
    (",all,exact,170,170,all,pentagon,", ",all,exact,170,175,all,pentagon,", "high",
     "an exact row has high == low"),
    (",all,exact,170,170,all,pentagon,", ",all,range,170,170,all,pentagon,", "high",
     "a range needs low < high"),
])
def test_cli_refuses_a_bad_tally_with_exit_2(tmp_path, old, new, column, message):
    from sim.cli.main import main
    rec = _bad_record(tmp_path, old, new)
    r = CliRunner().invoke(main, ["calibrate", "--quick", "--record", str(rec), "--out",
                                  str(tmp_path / "o")])
    assert r.exit_code == 2, r.output
    lines = [x for x in r.output.splitlines() if "tallies.csv" in x]
    assert len(lines) == 1 and f"column '{column}'" in lines[0] and message in lines[0]
    assert "Traceback" not in r.output
    line_no = int(lines[0].split("line ")[1].split(",")[0])
    rows = (rec / "tallies.csv").read_text(encoding="utf-8").splitlines()
    assert new.strip(",") in rows[line_no - 1]


def test_series_frame_types(record):
    t = record.tallies
    assert isinstance(t.period_start.iloc[0], pd.Timestamp)
    assert t.low.dtype == "int64" and t.high.dtype == "float64"
