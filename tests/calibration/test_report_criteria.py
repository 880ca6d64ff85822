"""The report's criteria rows and its recovery section, on made-up figures."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.calibration.report import _criteria, _recovery_section
from sim.errors import OutputError


def _summary(ratios):
    return pd.DataFrame([{"parameter": f"militia.p{i}", "sd_ratio": r, "point_in_50": True}
                         for i, r in enumerate(ratios)])


def test_sd_criterion_names_every_ratio():
    ok = _criteria(_summary([0.11, 0.5]), None, [], None, None).iloc[1]
    assert bool(ok.holds) and "militia.p0 0.110" in ok.result and "militia.p1 0.500" in ok.result
    bad = _criteria(_summary([0.11, 0.559]), None, [], None, None).iloc[1]
    assert not bool(bad.holds)
    assert "1 of 2" in bad.result and "militia.p1 0.559" in bad.result
    assert "militia.p0" not in bad.result


def _write(folder, truth, point):
    (folder / "point_estimate.json").write_text(json.dumps({"parameters": point}))
    (folder / "recovery.json").write_text(json.dumps({
        "truth": truth, "budget": {"particles": 64, "reps": 16}, "fit_seed": 0,
        "elapsed_seconds": 600.0, "bias_tolerance": 0.1, "records": 8,
        "record_seeds": list(range(3, 11)), "quick": False,
        "summary": [{"parameter": "militia.w_campaign", "covered_90": 7, "bias_share": 0.01}],
        "pooled": {"intervals": 24, "covered": 21, "coverage_90": 0.875,
                   "p_this_few": 0.44}}))


def test_recovery_section(tmp_path):
    assert "Not computed yet" in _recovery_section(tmp_path)
    _write(tmp_path, {"militia.w_campaign": 4.83}, {"militia.w_campaign": 4.83})
    text = _recovery_section(tmp_path)
    flat = " ".join(text.split())
    assert "8 synthetic records" in flat and "Pooled: 21 of 24 intervals" in flat
    assert "Stale" not in text and "| militia.w_campaign | 7 |" in text
    _write(tmp_path, {"militia.w_campaign": 4.83}, {"militia.w_campaign": 4.90})
    assert "Stale" in _recovery_section(tmp_path)
    (tmp_path / "recovery.json").write_text('{"truth": {}}')
    with pytest.raises(OutputError, match="recovery.json: damaged"):
        _recovery_section(tmp_path)
