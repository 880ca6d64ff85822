"""Shared fixtures."""

from pathlib import Path

import pytest

from sim.paths import SCENARIO_DIR
from sim.scenario import load_scenario

POLICY_FILES = sorted((SCENARIO_DIR / "policies").glob("*.toml"))


@pytest.fixture(scope="session")
def baseline():
    return load_scenario()


@pytest.fixture
def write_toml(tmp_path):
    """Write a scenario file into a temporary folder and return its path."""

    def _write(text: str, name: str = "scenario.toml") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return _write
