"""The record loaders: the committed CSVs validate; bad rows are refused with file, line and
column; ACLED-format exports map onto event rows."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import RecordError
from sim.paths import EVENTS_CSV
from sim.record.acled import load_acled
from sim.record.load import load_events, load_record, load_tallies, parse_count
from sim.scenario import ScenarioError

ROOT = Path(__file__).resolve().parent.parent
EVENTS_HEADER = ("date,actor,target,country,event_type,tier,us_killed,us_wounded,"
                 "militia_killed,description,source_url")
GOOD_EVENT = ("2020-03-11,kataib_hezbollah,us_forces,iraq,militia_attack,,2,,,Rockets hit Camp "
              "Taji,https://example.org/taji")
TALLY_HEADER = ("period_start,period_end,measure,theatre,bound,low,high,counts,counter,"
                "source_url,note")
GOOD_TALLY = ("2021-01-01,2021-07-07,attacks_on_us_forces,iraq,range,45,50,unknown,media_tally,"
              "https://example.org/t,n")


def test_committed_record_validates():
    rec = load_record()
    assert len(rec.events) >= 100 and len(rec.tallies) >= 40
    assert (rec.events.event_type == "militia_attack").sum() >= 50
    assert set(rec.checksums()) == {"events.csv", "tallies.csv"}
    taji = rec.events[rec.events.date == "2020-03-11"].iloc[0]
    assert taji.us_killed_lo == 2 and taji.us_killed_hi == 2
    asad = rec.events[(rec.events.date == "2020-01-08")].iloc[0]
    assert (asad.us_wounded_lo, asad.us_wounded_hi) == (34, 110)


def test_parse_count():
    assert parse_count("") == (None, None)
    assert parse_count("3") == (3, 3)
    assert parse_count("25-47") == (25, 47)
    for bad in ("-3", "5-2", "3-", "a", "1-2-3"):
        with pytest.raises(RecordError):
            parse_count(bad)


def _write(tmp_path: Path, name: str, header: str, row: str) -> Path:
    p = tmp_path / name
    p.write_text(header + "\n" + row + "\n")
    return p


@pytest.mark.parametrize("column,value,message", [
    ("date", "2020-02-30", "not a date"),
    ("date", "2018-12-31", "outside the record"),
    ("actor", "kataib_hizbollah", "did you mean 'kataib_hezbollah'"),
    ("target", "us_base", "unknown value"),
    ("country", "kuwait", "unknown value"),
    ("event_type", "militia_raid", "unknown value"),
    ("tier", "facilities", "us_strike rows only"),
    ("us_killed", "-1", "negative"),
    ("us_wounded", "9-4", "low > high"),
    ("militia_killed", "3 to 4", "not a count"),
    ("source_url", "", "missing source URL"),
    ("source_url", "www.example.org", "not a URL"),
])
def test_bad_event_rows(tmp_path, column, value, message):
    cols = EVENTS_HEADER.split(",")
    row = next(csv.reader([GOOD_EVENT]))
    row[cols.index(column)] = value
    line = ",".join(f'"{c}"' if "," in c else c for c in row)
    path = _write(tmp_path, "events.csv", EVENTS_HEADER, line)
    with pytest.raises(ScenarioError) as exc:
        load_events(path)
    msg = str(exc.value)
    assert "events.csv" in msg and "line 2" in msg and f"'{column}'" in msg and message in msg


def test_strike_needs_tier(tmp_path):
    row = ("2020-03-12,us,militia,iraq,us_strike,,,,0,Strikes on KH sites,"
           "https://example.org/s")
    with pytest.raises(RecordError, match="line 2, column 'tier'"):
        load_events(_write(tmp_path, "events.csv", EVENTS_HEADER, row))


@pytest.mark.parametrize("column,value,message", [
    ("period_start", "2021/01/01", "not a date"),
    ("measure", "attacks", "unknown value"),
    ("theatre", "lebanon", "unknown value"),
    ("theatre", "iraq+syria", "unknown value"),
    ("bound", "at_least", "unknown value"),
    ("counts", "drones", "unknown value"),
    ("counter", "Pentagon", "lower_snake_case"),
    ("counter", "", "lower_snake_case"),
    ("low", "-4", "negative"),
    ("high", "x", "not a non-negative integer"),
    ("high", "", "needs a high"),
    ("source_url", "", "missing source URL"),
    ("note", "", "empty note"),
])
def test_bad_tally_rows(tmp_path, column, value, message):
    cols = TALLY_HEADER.split(",")
    row = GOOD_TALLY.split(",")
    row[cols.index(column)] = value
    path = _write(tmp_path, "tallies.csv", TALLY_HEADER, ",".join(row))
    with pytest.raises(ScenarioError) as exc:
        load_tallies(path)
    msg = str(exc.value)
    assert "tallies.csv" in msg and "line 2" in msg and f"'{column}'" in msg and message in msg


@pytest.mark.parametrize("bound,low,high,message", [
    ("lower", "55", "55", "a lower bound has no high"),
    ("lower", "55", "60", "a lower bound has no high"),
    ("exact", "45", "50", "an exact row has high == low"),
    ("approx", "78", "83", "an approx row has high == low"),
    ("range", "50", "50", "a range needs low < high"),
    ("range", "60", "50", "a range needs low < high"),
    ("exact", "45", "", "needs a high"),
])
def test_tally_bound_rules(tmp_path, bound, low, high, message):
    cols = TALLY_HEADER.split(",")
    row = GOOD_TALLY.split(",")
    for c, v in (("bound", bound), ("low", low), ("high", high)):
        row[cols.index(c)] = v
    with pytest.raises(RecordError) as exc:
        load_tallies(_write(tmp_path, "tallies.csv", TALLY_HEADER, ",".join(row)))
    msg = str(exc.value)
    assert msg.startswith("tallies.csv: line 2, column 'high': ") and message in msg
    assert len(msg.splitlines()) == 1


def test_tally_bounds_load_as_documented(tmp_path):
    rows = ["2020-01-01,2020-10-22,attacks_on_us_forces,iraq,lower,55,,indirect_fire,fdd,"
            "https://example.org/a,at least 55",
            "2023-10-17,2024-02-04,attacks_on_us_forces,all,exact,170,170,all,pentagon,"
            "https://example.org/b | https://example.org/c,final",
            "2023-10-17,2023-11-14,attacks_on_us_forces,syria,range,28,29,all,pentagon,"
            "https://example.org/d,two times of day",
            "2021-01-01,2023-03-23,attacks_on_us_forces,iraq_syria,approx,78,78,all,centcom,"
            "https://example.org/e,about 78"]
    t = load_tallies(_write(tmp_path, "tallies.csv", TALLY_HEADER, "\n".join(rows)))
    assert list(t.columns) == ["line", "period_start", "period_end", "measure", "theatre",
                               "bound", "low", "high", "counts", "counter", "source_url",
                               "note"]
    assert list(t.bound) == ["lower", "exact", "range", "approx"]
    assert t.low.dtype == "int64" and t.high.dtype == "float64"
    assert pd.isna(t.high.iloc[0]) and t.high.iloc[1] == 170.0 and t.high.iloc[2] == 29.0
    assert str(t.period_start.dtype).startswith("datetime64")
    assert list(t.line) == [2, 3, 4, 5]


def test_old_tally_format_is_refused_with_a_pointer(tmp_path):
    p = _write(tmp_path, "tallies.csv", "period_start,period_end,measure,country,low,high,"
               "source_url,note", "2021-01-01,2021-07-07,attacks_on_us_forces,iraq,45,50,"
               "https://example.org/t,n")
    with pytest.raises(RecordError, match="line 1, column 'theatre'.*old tallies.csv format"):
        load_tallies(p)


def test_tally_end_before_start(tmp_path):
    row = GOOD_TALLY.replace("2021-07-07", "2020-07-07")
    with pytest.raises(RecordError, match="column 'period_end'.*before"):
        load_tallies(_write(tmp_path, "tallies.csv", TALLY_HEADER, row))


def test_missing_column_and_line_numbers(tmp_path):
    p = tmp_path / "events.csv"
    p.write_text(EVENTS_HEADER.replace(",source_url", "") + "\n")
    with pytest.raises(RecordError, match="line 1, column 'source_url'"):
        load_events(p)
    # a quoted multi-line description: the bad row's own line is reported
    good = GOOD_EVENT.replace("Rockets hit Camp Taji", '"Rockets hit\nCamp Taji"')
    bad = GOOD_EVENT.replace("iraq,militia_attack", "iraqq,militia_attack")
    p.write_text(EVENTS_HEADER + "\n" + good + "\n" + bad + "\n")
    with pytest.raises(RecordError, match="line 4, column 'country'"):
        load_events(p)


ACLED_COLS = ["event_id_cnty", "event_date", "year", "disorder_type", "event_type",
              "sub_event_type", "actor1", "assoc_actor_1", "actor2", "assoc_actor_2",
              "country", "admin1", "location", "latitude", "longitude", "source", "notes",
              "fatalities", "timestamp"]


def _acled_rows():
    base = dict.fromkeys(ACLED_COLS, "")
    rows = [
        # militia drone attack on US forces in Jordan, 3 killed (Tower 22)
        {"event_id_cnty": "JOR1", "event_date": "28 January 2024", "event_type":
         "Explosions/Remote violence", "sub_event_type": "Air/drone strike",
         "actor1": "Islamic Resistance in Iraq", "actor2": "Military Forces of the United "
         "States (2021-)", "country": "Jordan", "source": "Reuters", "fatalities": "3",
         "notes": "A drone attack on Tower 22 killed three US soldiers and wounded dozens."},
        # unidentified group rockets at Ain al-Asad: counts as militia attack on US forces
        {"event_id_cnty": "IRQ2", "event_date": "2021-03-03", "event_type":
         "Explosions/Remote violence", "sub_event_type": "Shelling/artillery/missile attack",
         "actor1": "Unidentified Armed Group (Iraq)", "country": "Iraq", "source": "AFP",
         "fatalities": "0", "notes": "About 10 rockets hit Ain al-Asad air base hosting "
         "coalition troops."},
        # unidentified group rockets at an Iraqi checkpoint: dropped (no US target)
        {"event_id_cnty": "IRQ3", "event_date": "2021-03-04", "event_type":
         "Explosions/Remote violence", "sub_event_type": "Shelling/artillery/missile attack",
         "actor1": "Unidentified Armed Group (Iraq)", "country": "Iraq", "source": "AFP",
         "fatalities": "1", "notes": "A mortar hit an army checkpoint in Diyala."},
        # US strike killing a commander
        {"event_id_cnty": "IRQ4", "event_date": "2024-02-07", "event_type":
         "Explosions/Remote violence", "sub_event_type": "Air/drone strike",
         "actor1": "Military Forces of the United States (2021-)", "actor2":
         "Kata'ib Hizballah", "country": "Iraq", "source": "AP", "fatalities": "3",
         "notes": "A US drone strike in Baghdad killed a Kataib Hezbollah commander."},
        # Israeli strike in Syria
        {"event_id_cnty": "SYR5", "event_date": "2023-12-25", "event_type":
         "Explosions/Remote violence", "sub_event_type": "Air/drone strike",
         "actor1": "Military Forces of Israel (2022-)", "country": "Syria", "source": "SOHR",
         "fatalities": "1", "notes": "An Israeli strike in Damascus killed an IRGC general."},
        # militia attack on Israel
        {"event_id_cnty": "ISR6", "event_date": "2024-10-04", "event_type":
         "Explosions/Remote violence", "sub_event_type": "Air/drone strike",
         "actor1": "Islamic Resistance in Iraq", "country": "Israel", "source": "ToI",
         "fatalities": "2", "notes": "A drone from Iraq hit a base in the Golan."},
        # suspension
        {"event_id_cnty": "IRQ7", "event_date": "2024-01-30", "event_type":
         "Strategic developments", "sub_event_type": "Agreement",
         "actor1": "Kataib Hezbollah", "country": "Iraq", "source": "Reuters",
         "fatalities": "0", "notes": "KH announced the suspension of operations against US "
         "forces."},
        # outside the record: dropped
        {"event_id_cnty": "IRQ8", "event_date": "2018-06-01", "event_type": "Battles",
         "actor1": "Kataib Hezbollah", "country": "Iraq", "fatalities": "0",
         "notes": "Clash with US forces"},
    ]
    return [{**base, **r} for r in rows]


def test_acled_mapping(tmp_path):
    p = tmp_path / "acled_synthetic.csv"
    with open(p, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=ACLED_COLS)
        w.writeheader()
        w.writerows(_acled_rows())
    ev = load_acled(p)
    assert ev.attrs["dropped"] == 2
    by = {r.source_url.split(":")[0]: r for r in ev.itertuples()}
    t22 = by["ACLED JOR1"]
    assert (t22.event_type, t22.actor, t22.target, t22.country) == (
        "militia_attack", "islamic_resistance_in_iraq", "us_forces", "jordan")
    assert t22.us_killed_lo == 3
    asad = by["ACLED IRQ2"]
    assert (asad.event_type, asad.actor, asad.us_killed_lo) == ("militia_attack",
                                                                "militia_unknown", 0)
    strike = by["ACLED IRQ4"]
    assert (strike.event_type, strike.tier, strike.militia_killed_lo) == ("us_strike",
                                                                          "leaders", 3)
    assert by["ACLED SYR5"].event_type == "israeli_strike"
    assert by["ACLED SYR5"].target == "iranian_personnel"
    assert by["ACLED ISR6"].event_type == "militia_attack_israel"
    susp = by["ACLED IRQ7"]
    assert (susp.event_type, susp.actor) == ("militia_suspension", "kataib_hezbollah")
    assert str(ev.date.min().date()) == "2021-03-03"


def test_acled_bad_date(tmp_path):
    p = tmp_path / "acled.csv"
    rows = _acled_rows()[:1]
    rows[0]["event_date"] = "January the 28th"
    with open(p, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=ACLED_COLS)
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(RecordError, match="acled.csv: line 2, column 'event_date'"):
        load_acled(p)


# ----------------------------------------------------------------------------- issue 15


def _cut_inside_last_url(text: str) -> str:
    """The record cut in the middle of its last row's source URL: every field is there and
    the URL is still a URL, so only the missing line break tells it was cut."""
    end = text.rstrip("\r\n")
    return end[: end.rindex("https://") + len("https://exa")]


def test_a_record_cut_mid_row_is_refused_with_its_line(tmp_path):
    text = EVENTS_CSV.read_text(encoding="utf-8")
    n_lines = len(text.splitlines())
    p = tmp_path / "events.csv"
    p.write_text(_cut_inside_last_url(text), encoding="utf-8", newline="")
    with pytest.raises(RecordError, match=rf"events.csv: line {n_lines}: .*truncated"):
        load_events(p)
    half = text[: len(text) // 2]
    p.write_text(half, encoding="utf-8", newline="")
    with pytest.raises(RecordError, match=r"events.csv: line \d+"):
        load_events(p)
    # cut at a row boundary: what is left is a valid (shorter) record; the checksum in every
    # manifest is what tells it apart (test_manifest_records_checksums_of_record_and_posterior)
    p.write_text(text[: text.index("\n", len(text) // 2) + 1], encoding="utf-8", newline="")
    assert 0 < len(load_events(p)) < len(load_events(EVENTS_CSV))


def test_open_quote_binary_and_bom(tmp_path):
    p = tmp_path / "events.csv"
    p.write_text(EVENTS_HEADER + "\n" + GOOD_EVENT.replace("Rockets", '"Rockets') + "\n")
    with pytest.raises(RecordError, match="events.csv: line 2: malformed CSV"):
        load_events(p)
    p.write_bytes((EVENTS_HEADER + "\n").encode() + b"\xff\xfe\x00garbage\n")
    with pytest.raises(RecordError, match="events.csv: line 2: not UTF-8 text"):
        load_events(p)
    p.write_bytes(b"\xef\xbb\xbf" + (EVENTS_HEADER + "\n" + GOOD_EVENT + "\n").encode())
    assert len(load_events(p)) == 1  # a byte-order mark (Excel) is fine


def test_tallies_cut_mid_row(tmp_path):
    p = tmp_path / "tallies.csv"
    p.write_text(TALLY_HEADER + "\n" + GOOD_TALLY)  # no line break: the note may be cut
    with pytest.raises(RecordError, match="tallies.csv: line 2: the last row does not end"):
        load_tallies(p)


@pytest.mark.parametrize("value", ["inf", "1e400", "nan", "2.5", "-1"])
def test_acled_fatalities_must_be_a_whole_number(tmp_path, value):
    p = tmp_path / "acled.csv"
    rows = _acled_rows()[:1]
    rows[0]["fatalities"] = value
    with open(p, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=ACLED_COLS)
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(RecordError, match="acled.csv: line 2, column 'fatalities'"):
        load_acled(p)
