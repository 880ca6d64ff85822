"""The model's outputs at fixed seeds equal the stored checksums (tests/golden/).

A refactor must not change a number.  A deliberate model change regenerates the store with
``python -m tests.golden.checksums --write`` and says so in its commit message.
"""

import json

import pytest

from tests.golden.checksums import CASES, STORE, compute


@pytest.fixture(scope="module")
def stored():
    return json.loads(STORE.read_text())


@pytest.fixture(scope="module")
def current(stored):
    return compute({k: v["columns"] for k, v in stored.items()})


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("table", ["runs", "bands"])
def test_outputs_unchanged(stored, current, case, table):
    assert current[case][table] == stored[case][table], (
        f"{case} {table}.parquet changed: a refactor must not change a number")
