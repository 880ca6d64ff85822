"""The `escalation calibrate`, `validate` and `recover` commands end to end on a tiny budget,
and their refusal of a bad record (in a file of their own, so the suite's workers can run them
beside the recovery test of test_recovery.py)."""

from __future__ import annotations

import json

import pandas as pd
from click.testing import CliRunner

from sim.calibration.fit import CALIBRATED


def test_cli_calibrate_validate_and_report(tmp_path):
    from sim.cli.main import main
    out = tmp_path / "cal"
    r = CliRunner().invoke(main, ["calibrate", "--quick", "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    post = pd.read_parquet(out / "posterior.parquet")
    assert set(post.columns) == {p.key for p in CALIBRATED} | {"weight"}
    man = json.loads((out / "calibration_manifest.json").read_text())
    assert man["seed"] == 0 and man["budget"]["quick"]
    assert set(man["data_sha256"]) == {"events.csv", "tallies.csv"}
    assert "tempered SMC" in man["method"] and man["stages"][-1]["phi"] == 1.0
    assert man["observations"] and all(o["end"] <= "2023-12-31" for o in man["observations"])
    assert man["budget"]["particles"] == 32 and man["budget"]["reps"] == 6
    assert any("hold-out" in why for why in man["hand_set"].values())
    point = json.loads((out / "point_estimate.json").read_text())
    assert set(point["parameters"]) == {p.key for p in CALIBRATED}
    text = (out / "report.md").read_text()
    assert "## Done criteria" in text and "P8" in text and "run `escalation validate`" in text
    r = CliRunner().invoke(main, ["validate", "--quick", "--no-backtests", "--calibration",
                                  str(out), "-q"])
    assert r.exit_code == 0, r.output
    val = json.loads((out / "validation.json").read_text())
    forecasters = {row["forecaster"] for row in val["summary"]}
    assert forecasters == {"model", "constant NB", "peace/war NB", "persistence"}
    evals = {row["evaluation"] for row in val["summary"]}
    assert any(e.startswith("fit window") for e in evals)
    assert any(e.startswith("2024 hold-out") for e in evals)
    sc = pd.read_parquet(out / "scores.parquet")
    assert {"crps", "log_score", "interval_score_50", "covered_90"} <= set(sc.columns)
    text = (out / "report.md").read_text()
    assert "model_beats_every_baseline" in text and (out / "figures" / "scores.png").exists()
    assert "run `escalation recover`" in text
    r = CliRunner().invoke(main, ["recover", "--quick", "--records", "2", "--workers", "1",
                                  "--calibration", str(out), "-q"])
    assert r.exit_code == 0, r.output
    rec = json.loads((out / "recovery.json").read_text())
    assert rec["record_seeds"] == [3, 4] and rec["quick"]
    assert rec["truth"] == {p.key: point["parameters"][p.key] for p in CALIBRATED}
    rows = pd.read_parquet(out / "recovery.parquet")
    assert len(rows) == 2 * len(CALIBRATED)
    assert rec["pooled"]["covered"] == int(rows.covered.sum())
    text = (out / "report.md").read_text()
    assert "### Parameter recovery" in text and "Stale" not in text
    assert f"Pooled: {rec['pooled']['covered']} of" in " ".join(text.split())
    # a damaged recovery.json: one clear message, exit code 2, no traceback
    (out / "recovery.json").write_text("{not json")
    r = CliRunner().invoke(main, ["calibrate", "--report", "--quick", "--out", str(out), "-q"])
    assert r.exit_code == 2 and "recovery.json: damaged" in r.output, r.output
    assert "Traceback" not in r.output


def test_cli_recover_needs_a_calibration(tmp_path):
    from sim.cli.main import main
    r = CliRunner().invoke(main, ["recover", "--quick", "--calibration", str(tmp_path / "none")])
    assert r.exit_code == 2 and "no calibration here" in r.output
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "point_estimate.json").write_text('{"parameters": {"militia.w_campaign": 4.8}}')
    r = CliRunner().invoke(main, ["recover", "--quick", "--calibration", str(bad)])
    assert r.exit_code == 2 and "not a point estimate" in r.output, r.output
    r = CliRunner().invoke(main, ["recover", "--records", "0"])
    assert r.exit_code == 2


def test_cli_bad_record(tmp_path):
    from sim.cli.main import main
    rec = tmp_path / "rec"
    rec.mkdir()
    (rec / "events.csv").write_text(
        "date,actor,target,country,event_type,tier,us_killed,us_wounded,militia_killed,"
        "description,source_url\n2020-01-01,us,militia,iraq,us_strike,facilities,,,,x,\n")
    (rec / "tallies.csv").write_text(
        "period_start,period_end,measure,theatre,bound,low,high,counts,counter,source_url,"
        "note\n")
    r = CliRunner().invoke(main, ["calibrate", "--quick", "--record", str(rec),
                                  "--out", str(tmp_path / "o")])
    assert r.exit_code == 2
    assert "events.csv: line 2, column 'source_url': missing source URL" in r.output
    r = CliRunner().invoke(main, ["validate", "--quick", "--record", str(rec),
                                  "--calibration", "calibration"])
    assert r.exit_code == 2 and "missing source URL" in r.output
    r = CliRunner().invoke(main, ["validate", "--quick", "--calibration", str(tmp_path / "none")])
    assert r.exit_code == 2 and "no calibration here" in r.output and "Traceback" not in r.output
