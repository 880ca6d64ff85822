"""Fixtures of the calibration tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def record():
    """The committed record (events.csv and tallies.csv)."""
    from sim.record.load import load_record

    return load_record()
