"""Checksums of the model's outputs at fixed seeds: the regression guard of refactors.

``python -m tests.golden.checksums`` prints them; ``--write`` stores them in
``tests/golden/checksums.json``.  A checksum is the SHA-256 of a table written as CSV with
every float in full precision (``%.17g``), so it is independent of the Parquet writer's
metadata and of pandas' display settings.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
STORE = HERE / "checksums.json"
RUNS, SEED = 200, 0
CASES = {
    "baseline": {"scenario": None},
    "answer_every_streak": {"scenario": "scenarios/policies/answer_every_streak.toml"},
    "decapitation_first": {"scenario": "scenarios/policies/decapitation_first.toml"},
    "replay_tower22": {"scenario": None, "replay_until": "2024-01-28"},
}


def table_checksum(df, columns: list[str] | None = None) -> str:
    """SHA-256 of a DataFrame's CSV form with full-precision floats (only ``columns``, in
    that order, when given: tables may gain columns without changing a number)."""
    if columns is not None:
        df = df[columns]
    text = df.to_csv(index=False, float_format="%.17g")
    return hashlib.sha256(text.encode()).hexdigest()


def compute(columns: dict | None = None) -> dict[str, dict]:
    """``{case: {"runs": sha, "bands": sha, "columns": {...}}}`` at seed 0 and 200
    replicates; ``columns`` (as stored) restricts each table to the stored columns."""
    from sim import run

    root = HERE.parent.parent
    out = {}
    for name, case in CASES.items():
        sc = case["scenario"]
        res = run(None if sc is None else str(root / sc), runs=RUNS, seed=SEED,
                  replay_until=case.get("replay_until"))
        cols = (columns or {}).get(name, {})
        runs, bands = res.runs, res.bands
        out[name] = {"runs": table_checksum(runs, cols.get("runs")),
                     "bands": table_checksum(bands, cols.get("bands")),
                     "columns": {"runs": cols.get("runs", list(runs.columns)),
                                 "bands": cols.get("bands", list(bands.columns))}}
    return out


if __name__ == "__main__":
    sums = compute()
    print(json.dumps(sums, indent=2))
    if "--write" in sys.argv:
        STORE.write_text(json.dumps(sums, indent=2) + "\n")
