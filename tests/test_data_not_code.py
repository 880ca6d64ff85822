"""Scenario, record and result files are data: nothing a user hands in is evaluated, executed
or unpickled (issue 15)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from sim.experiments.store import read_run_chunk

SIM = Path(__file__).resolve().parent.parent / "sim"
FORBIDDEN = re.compile(r"\b(eval|exec)\(|pickle\.loads?\(|allow_pickle\s*=\s*True|"
                       r"yaml\.load\(|read_pickle\(|marshal\.loads?\(")


def test_no_module_evaluates_or_unpickles_anything():
    hits = [f"{p.relative_to(SIM.parent)}:{i}: {line.strip()}"
            for p in sorted(SIM.rglob("*.py"))
            for i, line in enumerate(p.read_text().splitlines(), start=1)
            if FORBIDDEN.search(line)]
    assert hits == []


def test_a_chunk_file_holding_objects_is_not_unpickled(tmp_path):
    path = tmp_path / f"{'a' * 16}-s0-1-r0-1.npz"
    np.savez(path, replicates=np.array([0]), meta=np.array([{"evil": True}], dtype=object))
    assert read_run_chunk(path) is None  # refused (would need pickle), recomputed
