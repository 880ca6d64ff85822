"""Issue 15, "nothing lost, nothing silent", at the command line: every case found by the
hostile tester is one test here (or in the test module of the layer it concerns)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli.main import main
from sim.paths import BASELINE, CALIBRATION_DIR, POSTERIOR
from sim.record.load import sha256


def _invoke(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def _one_error_line(res, *fragments: str) -> None:
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    errors = [x for x in res.output.splitlines() if x.startswith("error: ")]
    assert len(errors) == 1, res.output
    for f in fragments:
        assert f in errors[0], (f, res.output)


@pytest.fixture
def month(tmp_path):
    """January 2019: a scenario that runs in a fraction of a second."""
    path = tmp_path / "month.toml"
    path.write_text(f'extends = "{BASELINE}"\n[scenario]\nname = "month"\nend = 2019-01-31\n')
    return path


# ----------------------------------------------------------------------------- the record


def _record_copy(folder: Path) -> Path:
    folder.mkdir()
    for name in ("events.csv", "tallies.csv"):
        shutil.copy(CALIBRATION_DIR / name, folder / name)
    return folder


def _replaying(tmp_path: Path, record: Path, extra: str = "") -> Path:
    path = tmp_path / "replayed.toml"
    path.write_text(f'extends = "{BASELINE}"\n{extra}[scenario]\nname = "replayed"\n'
                    f'end = 2019-03-31\n[replay]\nuntil = 2019-02-15\nrecord = "{record}"\n')
    return path


def test_a_replay_of_a_truncated_record_is_refused_with_its_line(tmp_path):
    rec = _record_copy(tmp_path / "rec")
    text = (rec / "events.csv").read_bytes()
    (rec / "events.csv").write_bytes(text[: len(text) // 2 + 40])  # cut mid-row
    out = tmp_path / "out"
    res = _invoke("run", _replaying(tmp_path, rec), "--runs", "2", "--out", out, "-q")
    _one_error_line(res, "events.csv: line ")
    assert not out.exists()


def test_manifest_records_checksums_of_record_and_posterior(tmp_path):
    rec = _record_copy(tmp_path / "rec")
    out = tmp_path / "out"
    res = _invoke("run", _replaying(tmp_path, rec), "--runs", "2", "--out", out, "-q",
                  "--no-plot")
    assert res.exit_code == 0, res.output
    inputs = json.loads((out / "manifest.json").read_text())["inputs"]
    assert inputs["record"]["sha256"] == {"events.csv": sha256(rec / "events.csv"),
                                          "tallies.csv": sha256(rec / "tallies.csv")}
    assert inputs["posterior"]["sha256"] == sha256(POSTERIOR)
    assert inputs["posterior"]["fitted_on"] == inputs["record"]["sha256"]  # no warning
    assert "warning" not in res.output


def test_a_posterior_fitted_on_another_record_is_warned_about(tmp_path):
    rec = _record_copy(tmp_path / "rec")
    with open(rec / "events.csv", "a", encoding="utf-8", newline="") as fh:
        fh.write("2019-01-20,kataib_hezbollah,us_forces,iraq,militia_attack,,0,0,,An attack "
                 "added after the fit,https://example.org/added\r\n")
    res = _invoke("run", _replaying(tmp_path, rec), "--runs", "2", "--out", tmp_path / "o",
                  "-q", "--no-plot")
    assert res.exit_code == 0, res.output
    warning = [x for x in res.output.splitlines() if x.startswith("warning: ")]
    assert len(warning) == 1 and "fitted on another record" in warning[0]
    assert "events.csv" in warning[0] and "tallies.csv" not in warning[0]
