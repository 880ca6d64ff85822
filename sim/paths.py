"""The project's own files: scenarios, the documented record, the calibrated posterior."""

from __future__ import annotations

from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
"""The folder holding ``sim/``, ``scenarios/`` and ``calibration/``."""
SCENARIO_DIR = PACKAGE_ROOT / "scenarios"
BASELINE = SCENARIO_DIR / "baseline.toml"
POLICY_DIR = SCENARIO_DIR / "policies"
CALIBRATION_DIR = PACKAGE_ROOT / "calibration"
EVENTS_CSV = CALIBRATION_DIR / "events.csv"
TALLIES_CSV = CALIBRATION_DIR / "tallies.csv"
POSTERIOR = CALIBRATION_DIR / "posterior.parquet"
