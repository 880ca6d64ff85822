"""Shared fixtures."""

from pathlib import Path

import pytest

from sim.paths import SCENARIO_DIR
from sim.scenario import load_scenario

POLICY_FILES = sorted((SCENARIO_DIR / "policies").glob("*.toml"))

LONGEST_FIRST = (
    "tests/test_notebooks.py",
    "tests/engines/test_agreement.py",
    "tests/calibration/test_fit.py",
    "tests/calibration/test_cli_calibrate.py",
    "tests/dashboard/test_dashboard.py",
    "tests/test_golden.py",
    "tests/plots/test_figures.py",
    "tests/calibration/test_validate.py",
)
"""The files whose tests take longest (`pytest --durations`), run first: the suite's workers
take whole files (``--dist loadfile``) in collection order (``--no-loadscope-reorder``; xdist
would otherwise order files by their number of tests), so a long file collected last would
run alone at the end while the other worker idles."""


def pytest_collection_modifyitems(config, items):
    """Longest files first (:data:`LONGEST_FIRST`), every other test in its usual order."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}

    def key(pair):
        index, item = pair
        path = Path(str(item.fspath)).resolve().relative_to(Path(__file__).resolve().parents[1])
        return rank.get(path.as_posix(), len(rank)), index

    items[:] = [item for _, item in sorted(enumerate(items), key=key)]


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
