"""The output store's rules (issue 15): what a folder is, what may replace it, the lock,
names, and the chunk files of resumable work."""

from __future__ import annotations

import json
import threading

import pytest

from sim.errors import OutputError
from sim.experiments import store
from sim.experiments.store import (
    Identity,
    check_target,
    drop_if_empty,
    folder_lock,
    inspect_folder,
    safe_name,
)

SC = {"name": "month", "files": ["/x/baseline.toml", "/x/month.toml"]}


def _output(folder, kind="run", scenario=SC, fingerprint="f" * 64, files=("runs.parquet",),
            **more):
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        (folder / f).write_bytes(b"data")
    fields = {"scenario": scenario, "fingerprint": fingerprint, "runs": 3, "seed": 0,
              "files": sorted([*files, "manifest.json"]), **more}
    if kind != "run":
        fields["kind"] = kind
    store.write_manifest(folder, written_by=store.marker(kind), **fields)
    return {"kind": kind, **fields}


def test_what_a_folder_is(tmp_path):
    assert not inspect_folder(tmp_path / "none").exists
    (tmp_path / "empty").mkdir()
    assert inspect_folder(tmp_path / "empty").empty
    (tmp_path / "file").write_text("x")
    assert "not a folder" in inspect_folder(tmp_path / "file").refused
    _output(tmp_path / "ours")
    st = inspect_folder(tmp_path / "ours")
    assert st.manifest is not None and not st.refused and not st.foreign
    (tmp_path / "ours" / ".DS_Store").write_text("x")
    (tmp_path / "ours" / ".chunks").mkdir()
    (tmp_path / "ours" / ".chunks" / "mine.txt").write_text("x")
    assert inspect_folder(tmp_path / "ours").foreign == [".DS_Store", ".chunks/mine.txt"]


def test_a_folder_written_before_the_marker_is_recognised(tmp_path):
    """Output folders of earlier versions have no written_by marker and no kind for runs:
    their manifest names this package in its versions."""
    old = tmp_path / "old"
    old.mkdir()
    for f in ("runs.parquet", "bands.parquet", "escalation_curves.png"):
        (old / f).write_bytes(b"x")
    (old / "manifest.json").write_text(json.dumps({
        "scenario": SC, "seed": 1, "runs": 5, "versions": {"escalation-sim": "0.1.0"}}))
    assert check_target(old, {"kind": "run", "scenario": SC, "fingerprint": "a"}) == "fresh"
    with pytest.raises(OutputError, match="kind: run -> sweep"):
        check_target(old, {"kind": "sweep", "scenario": SC, "fingerprint": "a"})


def test_replacement_rules(tmp_path):
    out = tmp_path / "o"
    f = _output(out, "sweep", varied={"militia.w_fear": {}}, seed=0)
    assert check_target(out, f) == "fresh"  # the same job again
    other_seed = {**f, "seed": 5, "fingerprint": "e" * 64}
    with pytest.raises(OutputError, match=r"a sweep of month.*seed: 0 -> 5.*--overwrite"):
        check_target(out, other_seed)
    assert check_target(out, other_seed, overwrite=True) == "fresh"
    run_out = tmp_path / "r"
    r = _output(run_out)
    assert check_target(run_out, {**r, "seed": 9, "fingerprint": "d" * 64}) == "fresh"
    with pytest.raises(OutputError, match="scenario: month -> other"):
        check_target(run_out, {**r, "scenario": {**SC, "name": "other"}})
    (run_out / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match=r"did not write \(notes.txt\)"):
        check_target(run_out, r, overwrite=True)


def test_resume_rules(tmp_path):
    out = tmp_path / "o"
    f = _output(out, "sweep", varied={"militia.w_fear": {}}, status="complete")
    assert check_target(out, f, resume=True) == "done"
    (out / ".chunks").mkdir()
    chunk = out / ".chunks" / f"{f['fingerprint'][:16]}-s0-1-r0-2.parquet"
    chunk.write_bytes(b"x")
    assert check_target(out, f, resume=True) == "resume"
    other = out / ".chunks" / f"{'0' * 16}-s0-1-r0-2.parquet"
    other.write_bytes(b"x")
    with pytest.raises(OutputError, match="1 saved chunk file.*of another, unfinished job"):
        check_target(out, f)
    assert check_target(out, f, overwrite=True) == "fresh"


def test_the_lock_is_per_folder_and_refuses_a_second_writer(tmp_path):
    out = tmp_path / "o"
    seen = {}
    with folder_lock(out):
        with folder_lock(out):  # reentrant in one thread
            assert (tmp_path / ".o.lock").is_file()

        def other():
            try:
                with folder_lock(out):
                    seen["ok"] = True
            except OutputError as exc:
                seen["error"] = str(exc)

        t = threading.Thread(target=other)
        t.start()
        t.join()
        with folder_lock(tmp_path / "p"):  # another folder: its own lock
            assert (tmp_path / ".p.lock").is_file() and (tmp_path / ".o.lock").is_file()
    assert "another escalation command is writing this folder (pid" in seen["error"]
    assert not (tmp_path / ".o.lock").exists()
    with folder_lock(out):  # released: a new writer takes it
        assert (tmp_path / ".o.lock").is_file()
    assert not (tmp_path / ".o.lock").exists()


def test_safe_names():
    assert safe_name("baseline") == "baseline"
    assert safe_name("../../../tmp/evil") == "tmp_evil"
    assert safe_name("/abs/path") == "abs_path"
    assert safe_name("a\x00b\nc") == "a_b_c"
    assert safe_name(".hidden") == "hidden"
    assert safe_name("") == safe_name("...") == safe_name("///") == "scenario"
    assert len(safe_name("x" * 500)) == 80
    assert safe_name("forecast_2027.v2-b") == "forecast_2027.v2-b"


def test_an_interruption_before_the_first_chunk_leaves_nothing(tmp_path):
    out = tmp_path / "o"
    store.begin_job(out, {"kind": "sweep", "scenario": SC, "fingerprint": "a" * 64}, "fresh")
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"
    assert drop_if_empty(out) and not out.exists()
    _output(out)
    assert not drop_if_empty(out) and out.exists()


def test_identity_of_a_manifest():
    m = {"written_by": {"tool": "escalation-sim", "kind": "compare"}, "scenario": SC,
         "fingerprint": "x"}
    assert Identity.of_manifest(m) == Identity("compare", "month", "/x/month.toml", "x")
    assert Identity.of_manifest({"scenario": SC}).kind == "run"
