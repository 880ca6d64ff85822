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


# ----------------------------------------------------------------------------- output folders


def _run(scenario, out, *more):
    return _invoke("run", scenario, "--runs", "3", "--out", out, "-q", "--no-plot", *more)


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_a_folder_with_a_foreign_manifest_is_never_replaced(month, tmp_path):
    """Issue 15: a web-app folder holding its own manifest.json lost src/app.js."""
    app = tmp_path / "webapp"
    (app / "src").mkdir(parents=True)
    (app / "manifest.json").write_text('{"name": "my app", "version": "1.0"}')
    (app / "src" / "app.js").write_text("console.log('hi')")
    before = _tree(app)
    for args in ([], ["--overwrite"]):
        res = _run(month, app, *args)
        _one_error_line(res, str(app), "manifest.json was not written by escalation")
    res = _invoke("sweep", month, "--vary", "militia.w_fear=0.5:2", "--samples", "2",
                  "--runs", "2", "--out", app, "-q", "--no-plot", "--overwrite")
    _one_error_line(res, "manifest.json was not written by escalation")
    assert _tree(app) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["month.toml", "webapp"]


def test_files_added_to_an_output_folder_are_never_deleted(month, tmp_path):
    """Issue 15: notes a user added to an output folder were deleted on the next run."""
    out = tmp_path / "out"
    assert _run(month, out).exit_code == 0
    (out / "notes.txt").write_text("what I saw")
    before = _tree(out)
    for args in ([], ["--overwrite"], ["--seed", "4"]):
        _one_error_line(_run(month, out, *args), "holds files this tool did not write",
                        "notes.txt")
    assert _tree(out) == before


def test_run_does_not_replace_another_kind_of_output_without_overwrite(month, tmp_path):
    """Issue 15: `run` replaced a compare output with a baseline run without --overwrite."""
    out = tmp_path / "out"
    res = _invoke("compare", month, "-p", "answer_deaths", "-p", "no_retaliation", "--runs",
                  "3", "--out", out, "-q", "--no-plot")
    assert res.exit_code == 0, res.output
    before = _tree(out)
    _one_error_line(_run(month, out), "holds another output (a compare of month",
                    "kind: compare -> run", "--overwrite")
    sweep = ["sweep", month, "--vary", "militia.w_fear=0.5:2", "--samples", "2", "--runs", "2",
             "--out", out, "-q", "--no-plot"]
    _one_error_line(_invoke(*sweep), "holds another output (a compare of month",
                    "kind: compare -> sweep")
    _one_error_line(_invoke("sensitivity", month, "--vary", "militia.w_fear=0.5:2",
                            "--vary", "us.force_protection=0.3:0.8", "--samples", "2",
                            "--runs", "2", "--out", out, "-q", "--no-plot"),
                    "kind: compare -> sensitivity")
    assert _tree(out) == before
    assert _invoke(*sweep, "--overwrite").exit_code == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["kind"] == "sweep" and m["written_by"]["tool"] == "escalation-sim"
    _one_error_line(_run(month, out), "holds another output (a sweep of month")


def test_run_does_not_replace_another_scenario_without_overwrite(month, tmp_path):
    other = tmp_path / "other.toml"
    other.write_text(f'extends = "{BASELINE}"\n[scenario]\nname = "other"\nend = 2019-01-31\n')
    same_name = tmp_path / "elsewhere" / "month.toml"
    same_name.parent.mkdir()
    same_name.write_text(month.read_text())
    out = tmp_path / "out"
    assert _run(month, out).exit_code == 0
    assert _run(month, out, "--seed", "3").exit_code == 0  # the same scenario: replaced
    assert json.loads((out / "manifest.json").read_text())["seed"] == 3
    _one_error_line(_run(other, out), "holds another output (a run of month",
                    "scenario: month -> other")
    _one_error_line(_run(same_name, out), "scenario file:")
    res = _run(other, out, "--overwrite")
    assert res.exit_code == 0
    assert json.loads((out / "manifest.json").read_text())["scenario"]["name"] == "other"


def test_default_output_folder_is_the_files_own_safe_name(tmp_path, monkeypatch):
    """Issue 15: a policy file without a name inherited "baseline" (figure title, folder
    results/baseline); a name with ../ wrote outside results/."""
    monkeypatch.chdir(tmp_path)
    unnamed = tmp_path / "cautious.toml"
    unnamed.write_text(f'extends = "{BASELINE}"\n[scenario]\nend = 2019-01-31\n'
                       '[us]\nrespond_prob_trigger = 0.5\n')
    res = _invoke("run", unnamed, "--runs", "2", "-q", "--no-plot")
    assert res.exit_code == 0, res.output
    m = json.loads((tmp_path / "results" / "cautious" / "manifest.json").read_text())
    assert m["scenario"]["name"] == "cautious"
    escaping = tmp_path / "escaping.toml"
    escaping.write_text(f'extends = "{BASELINE}"\n[scenario]\nname = "../../x y"\n'
                        'end = 2019-01-31\n')
    res = _invoke("run", escaping, "--runs", "2", "-q", "--no-plot")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "results" / "x_y" / "manifest.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cautious.toml", "escaping.toml",
                                                           "results"]
    res = _invoke("compare", escaping, "-p", "answer_deaths", "-p", "no_retaliation",
                  "--runs", "2", "-q", "--no-plot")
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == [
        "cautious", "x_y", "x_y-compare"]


def _read_only_folder(tmp_path: Path) -> Path:
    """A folder nothing can be written into (root ignores permission bits: /sys is read-only
    for everyone)."""
    import os

    if os.geteuid() != 0:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        return ro
    ro = Path("/sys")
    assert not os.access(ro, os.W_OK) or _cannot_mkdir(ro), "need a read-only folder"
    return ro


def _cannot_mkdir(folder: Path) -> bool:
    try:
        (folder / "escalation-probe").mkdir()
    except OSError:
        return True
    (folder / "escalation-probe").rmdir()  # pragma: no cover
    return False


def test_a_read_only_out_is_refused_before_simulating(month, tmp_path, monkeypatch):
    """Issue 15: a read-only --out was found only after the whole simulation, one case
    leaving a hidden .NAME.tmp-* folder of results."""
    import sim.experiments.runner as runner

    def never(*a, **k):  # pragma: no cover - the point is that it is not reached
        raise AssertionError("simulated before checking the output folder")

    monkeypatch.setattr(runner, "run_scenario", never)
    monkeypatch.setattr("sim.experiments.execution.Executor.map", never)
    ro = _read_only_folder(tmp_path)
    out = ro / "escalation-out"
    _one_error_line(_run(month, out), str(ro), "cannot write the output there")
    _one_error_line(_invoke("sweep", month, "--vary", "militia.w_fear=0.5:2", "--samples",
                            "2", "--runs", "2", "--out", out, "-q"),
                    "cannot write the output there")
    file_parent = tmp_path / "a-file"
    file_parent.write_text("x")
    _one_error_line(_run(month, file_parent / "out"), "cannot write the output there")
    assert not out.exists()


def test_a_failure_putting_the_folder_in_place_leaves_nothing_behind(month, tmp_path,
                                                                   monkeypatch):
    out = tmp_path / "out"
    assert _run(month, out).exit_code == 0
    before = _tree(out)
    real = Path.rename

    def failing(self, target):
        if self.name.startswith(".out.tmp-"):
            raise PermissionError(13, "Permission denied")
        return real(self, target)

    monkeypatch.setattr(Path, "rename", failing)
    _one_error_line(_run(month, out, "--seed", "2"), "cannot put the output in place")
    monkeypatch.undo()
    after = _tree(out)
    chunks = [k for k in after if k.startswith(".chunks/")]  # the new run's, to --resume
    assert {k: v for k, v in after.items() if k not in chunks} == before  # back, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["month.toml", "out"]
    res = _run(month, out, "--seed", "2", "--resume")
    assert res.exit_code == 0, res.output
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2


def test_output_folders_follow_the_umask(month, tmp_path):
    """Issue 15: output folders were created mode 0700 (tempfile.mkdtemp)."""
    import os

    old = os.umask(0o027)
    try:
        assert _run(month, tmp_path / "a").exit_code == 0
        os.umask(0o002)
        assert _invoke("sweep", month, "--vary", "militia.w_fear=0.5:2", "--samples", "2",
                       "--runs", "2", "--out", tmp_path / "b", "-q", "--no-plot"
                       ).exit_code == 0
    finally:
        os.umask(old)
    assert (tmp_path / "a").stat().st_mode & 0o777 == 0o750
    assert (tmp_path / "a" / "runs.parquet").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "b").stat().st_mode & 0o777 == 0o775


def test_a_second_writer_of_one_folder_is_refused(month, tmp_path):
    """Issue 15: two identical sweeps into one --out: the first crashed with
    FileNotFoundError in .chunks."""
    import threading

    from sim.experiments.designs import parse_vary
    from sim.experiments.sweep import run_sweep
    from sim.scenario import load_scenario

    out = tmp_path / "out"
    inside, go_on = threading.Event(), threading.Event()
    result = {}

    def first():
        def pause(chunk):
            inside.set()
            go_on.wait(60)

        result["res"] = run_sweep(load_scenario(month), [parse_vary("militia.w_fear=0.5:2")],
                                  out, samples=2, runs=2, chunk_rows=2, progress=False,
                                  on_chunk=pause)

    t = threading.Thread(target=first)
    t.start()
    try:
        assert inside.wait(60)
        res = _invoke("sweep", month, "--vary", "militia.w_fear=0.5:2", "--samples", "2",
                      "--runs", "2", "--out", out, "-q", "--no-plot")
        _one_error_line(res, str(out), "another escalation command is writing this folder")
        _one_error_line(_run(month, out, "--overwrite"), "another escalation command is writing")
    finally:
        go_on.set()
        t.join(60)
    assert result["res"].manifest["status"] == "complete"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["month.toml", "out"]  # lock gone


@pytest.mark.parametrize("damage", ["truncated", "garbage", "manifest", "manifest_type",
                                    "missing", "columns"])
def test_plot_of_a_damaged_folder_is_one_line(month, tmp_path, damage):
    """Issue 15: `escalation plot` on a truncated or garbage parquet or a broken
    manifest.json printed a traceback."""
    import pandas as pd

    out = tmp_path / "out"
    assert _run(month, out).exit_code == 0
    bands = out / "bands.parquet"
    if damage == "truncated":
        bands.write_bytes(bands.read_bytes()[: bands.stat().st_size // 2])
    elif damage == "garbage":
        bands.write_bytes(b"PAR1" + bytes(range(256)) * 10 + b"PAR1")
    elif damage == "manifest":
        text = (out / "manifest.json").read_text()
        (out / "manifest.json").write_text(text[: len(text) // 2])
    elif damage == "manifest_type":
        m = json.loads((out / "manifest.json").read_text())
        m["runs"] = "many"
        (out / "manifest.json").write_text(json.dumps(m))
    elif damage == "missing":
        bands.unlink()
    else:
        pd.read_parquet(bands).drop(columns=["q50"]).to_parquet(bands)
    res = _invoke("plot", out)
    _one_error_line(res, str(out))


# ----------------------------------------------------------------------------- long work


def test_chunks_checkpoint_every_30_s_whatever_the_chunk_size():
    """Issue 15: sweeps under 10,000 rows ran as one chunk, so Ctrl-C on the README's own
    sweep (32 sets x 200 runs of the baseline) saved nothing."""
    import datetime as dt

    from sim.experiments import budget
    from sim.experiments.execution import job_chunk_rows
    from sim.experiments.tasks import Job, plan_chunks
    from sim.scenario import load_scenario

    sc = load_scenario()
    import pandas as pd

    design = pd.DataFrame({"militia.w_fear": [1.0] * 32})
    job = Job("sweep", [sc], 200, 0, design=design)
    for asked in (None, 10_000, 1_000_000):
        rows = job_chunk_rows(job, asked, workers=1)
        chunks = plan_chunks(job, rows)
        assert len(chunks) >= 2
        worst = max(c.rows for c in chunks)
        est = budget.DAY_SECONDS * sc.days + worst * sc.days * budget.REP_DAY_SECONDS["batch"]
        assert est <= budget.CHUNK_TARGET_SECONDS < budget.CHECKPOINT_SECONDS
    long = dataclasses_replace(sc, end=dt.date(2060, 12, 31))
    assert budget.checkpoint_rows(long.days) == 1  # a replicate per chunk at least
    assert budget.checkpoint_rows(365) > 20_000


def dataclasses_replace(sc, **kw):
    import dataclasses

    return dataclasses.replace(sc, **kw)


def test_a_large_run_is_resumable_and_resumed_results_are_byte_identical(month, tmp_path,
                                                                        monkeypatch):
    import sim.experiments.store as store

    ref = tmp_path / "ref"
    args = ["--runs", "12", "--seed", "4", "--weekly", "--no-plot", "-q"]
    assert _invoke("run", month, "--out", ref, *args).exit_code == 0
    out = tmp_path / "out"
    real = store.write_run_chunk
    written = []

    def interrupt_after_two(path, part, meta):
        real(path, part, meta)
        written.append(meta)
        if len(written) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(store, "write_run_chunk", interrupt_after_two)
    res = _invoke("run", month, "--out", out, "--chunk-size", "5", *args)
    assert res.exit_code == 130 and "2 finished chunk(s) are saved" in res.output
    assert "--resume" in res.output and "Traceback" not in res.output
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"
    assert not (out / "runs.parquet").exists()  # nothing that looks whole
    monkeypatch.setattr(store, "write_run_chunk", real)
    _one_error_line(_invoke("plot", out), "unfinished")
    res = _invoke("run", month, "--out", out, "--chunk-size", "3", "--resume", *args)
    assert res.exit_code == 0, res.output
    for name in ("runs.parquet", "bands.parquet", "weekly.parquet"):
        assert (out / name).read_bytes() == (ref / name).read_bytes(), name
    assert not (out / ".chunks").exists()
    res = _invoke("run", month, "--out", out, "--resume", *args)
    _one_error_line(res, "already complete")
    res = _invoke("run", month, "--out", out, "--resume", "--runs", "13", "--seed", "4", "-q")
    assert res.exit_code == 0  # nothing of that run to resume: it starts afresh


def test_a_resumed_sweep_with_other_chunks_is_byte_identical(month, tmp_path, monkeypatch):
    from sim.experiments.designs import parse_vary
    from sim.experiments.sweep import run_sweep
    from sim.scenario import load_scenario

    sc, varies = load_scenario(month), [parse_vary("militia.w_fear=0.5:2")]
    ref = run_sweep(sc, varies, tmp_path / "ref", samples=3, runs=6, seed=2, progress=False)
    out = tmp_path / "out"

    def stop(chunk):
        if chunk.index == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):  # chunks of 2 replicates: 3 per set
        run_sweep(sc, varies, out, samples=3, runs=6, seed=2, chunk_rows=2, progress=False,
                  on_chunk=stop)
    ran = []
    res = run_sweep(sc, varies, out, samples=3, runs=6, seed=2, chunk_rows=6, resume=True,
                    progress=False, on_chunk=ran.append)  # whole sets: another layout
    assert res.execution.reused == 2
    assert [(c.set0, c.rep0, c.rep1) for c in ran] == [(0, 4, 6), (1, 0, 6), (2, 0, 6)]
    for name in ("runs.parquet", "sets.parquet"):
        assert (out / name).read_bytes() == (ref.out / name).read_bytes()


def test_a_scheduler_without_workers_is_reported_at_once_and_refused(month, tmp_path):
    """Issue 15: a Dask scheduler with no workers made a sweep wait forever in silence."""
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=0, processes=False, protocol="tcp", host="127.0.0.1",
                      dashboard_address=None) as cluster:
        res = _invoke("sweep", month, "--vary", "militia.w_fear=0.5:2", "--samples", "2",
                      "--runs", "2", "--out", tmp_path / "o", "--scheduler",
                      cluster.scheduler_address, "--connect-timeout", "1", "-q")
    _one_error_line(res, "no Dask worker joined the scheduler within 1 s")
    assert "warning: --scheduler" in res.output and "has no workers" in res.output
    assert not (tmp_path / "o").exists()


# ----------------------------------------------------------------------------- bounded size


def test_a_request_larger_than_the_machine_is_refused_before_running(tmp_path, monkeypatch):
    """Issue 15: end = 2400-12-31 with 20 replicates ran 209 s and peaked at 10.2 GB."""
    import sim.experiments.budget as budget
    import sim.experiments.runner as runner

    def never(*a, **k):  # pragma: no cover
        raise AssertionError("simulated a request the machine cannot hold")

    monkeypatch.setattr(runner, "run_scenario", never)
    long = tmp_path / "long.toml"
    long.write_text(f'extends = "{BASELINE}"\n[scenario]\nname = "long"\nend = 2400-12-31\n')
    monkeypatch.setattr(budget, "available_memory", lambda: 8e9)
    res = _invoke("run", long, "--runs", "20", "--out", tmp_path / "o", "-q")
    _one_error_line(res, "this request needs about 1", "GB of memory",
                    "139,523 days x 20 replicates", "exceeds the 8.0 GB of memory available")
    monkeypatch.undo()
    monkeypatch.setattr(runner, "run_scenario", never)
    huge = tmp_path / "huge.toml"
    huge.write_text(f'extends = "{BASELINE}"\n[scenario]\nname = "huge"\nend = 9999-12-31\n')
    _one_error_line(_invoke("run", huge, "--runs", "1", "--out", tmp_path / "o", "-q"),
                    "GB of memory", "available on this machine")
    _one_error_line(_invoke("sweep", huge, "--vary", "militia.w_fear=0.5:2", "--samples", "2",
                            "--runs", "2", "--out", tmp_path / "o", "-q"), "GB of memory")
    _one_error_line(_invoke("run", "--runs", "10000000", "--weekly", "--out", tmp_path / "o",
                            "-q"),
                    "10,000,000 replicates, keeping every week", "or drop --weekly")
    assert not (tmp_path / "o").exists()


def test_the_estimate_is_near_what_a_run_takes():
    """Measured (make bench, this machine): 15,341 days x 1 replicate peaks at 1.2 GB;
    2,192 days x 2,000 replicates with --weekly at 0.46 GB and 6 s."""
    from sim.experiments.budget import estimate_run

    long = estimate_run(15_341, 1)
    assert 0.9e9 < long.memory < 2.5e9
    weekly = estimate_run(2192, 2000, weekly=True)
    assert 0.4e9 < weekly.memory < 1.2e9 and 3 < weekly.seconds < 30


# ----------------------------------------------------------------------------- calibrate


def test_calibrate_owns_only_its_own_files(tmp_path):
    """The same rule for `escalation calibrate --out`: it writes into a folder that holds
    other files (the record), so it replaces only its own files, and only those of a
    calibration it wrote (of the same scenario, unless --overwrite)."""
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "posterior.parquet").write_bytes(b"someone else's")
    _one_error_line(_invoke("calibrate", "--quick", "--out", foreign, "--overwrite"),
                    "holds posterior.parquet but no calibration manifest written by escalation")
    assert (foreign / "posterior.parquet").read_bytes() == b"someone else's"
    other = tmp_path / "other"
    other.mkdir()
    m = json.loads((CALIBRATION_DIR / "calibration_manifest.json").read_text())
    (other / "calibration_manifest.json").write_text(json.dumps({**m, "scenario": "forecast"}))
    _one_error_line(_invoke("calibrate", "--quick", "--out", other),
                    "holds the calibration of another scenario ('forecast', not 'baseline')",
                    "--overwrite")
    ro = _read_only_folder(tmp_path)
    _one_error_line(_invoke("calibrate", "--quick", "--out", ro / "cal"),
                    "cannot write the output there")
