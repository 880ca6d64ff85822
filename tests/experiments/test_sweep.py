"""Sweeps: designs, common random numbers, identical results on every backend, resume, and
the message for each kind of bad input.  Runs a one-year scenario with few replicates."""

import dataclasses
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sim.cli.main import main
from sim.errors import OutputError
from sim.experiments.backends import Backend
from sim.experiments.designs import make_design, parse_vary
from sim.experiments.runner import run_scenario
from sim.experiments.store import CHUNK_DIR
from sim.experiments.sweep import run_sweep
from sim.experiments.tasks import Job, plan_chunks

VARIES = ("militia.w_fear=0.5:2.5", "us.force_protection=0.3:0.8")


@pytest.fixture(scope="module")
def short(baseline):
    return dataclasses.replace(baseline, end=dt.date(2019, 12, 31))


@pytest.fixture(scope="module")
def short_file(tmp_path_factory):
    from sim.paths import BASELINE

    path = tmp_path_factory.mktemp("sc") / "short.toml"
    path.write_text(f'extends = "{BASELINE}"\n[scenario]\nname = "short"\nend = 2019-12-31\n')
    return path


@pytest.fixture(scope="module")
def varies():
    return [parse_vary(v) for v in VARIES]


@pytest.fixture(scope="module")
def reference(short, varies, tmp_path_factory):
    """4 LHS sets x 20 replicates, in process, one chunk."""
    out = tmp_path_factory.mktemp("ref") / "sweep"
    return run_sweep(short, varies, out, design="lhs", samples=4, runs=20, seed=3,
                     progress=False)


def _ms(df):
    """Dates in one unit (a parquet round trip stores seconds as milliseconds)."""
    return df.astype({c: "datetime64[ms]" for c in df.columns
                      if pd.api.types.is_datetime64_any_dtype(df[c])})


# ----------------------------------------------------------------------------- designs


def test_grid_design_is_every_combination_of_n_points():
    v = [parse_vary("militia.w_fear=0.5:2.0:4"), parse_vary("us.force_protection=0.2:0.6:3")]
    d = make_design(v, "grid")
    assert d.shape == (12, 2)
    assert sorted(d["militia.w_fear"].unique()) == pytest.approx([0.5, 1.0, 1.5, 2.0])
    assert sorted(d["us.force_protection"].unique()) == pytest.approx([0.2, 0.4, 0.6])
    assert not d.duplicated().any()


def test_grid_default_points_and_integer_rounding():
    d = make_design([parse_vary("us.lag_max_days=2:9")], "grid")
    assert list(d["us.lag_max_days"]) == [2.0, 4.0, 6.0, 7.0, 9.0]  # 5 points, rounded


@pytest.mark.parametrize("design", ["lhs", "sobol"])
def test_qmc_designs_have_the_right_shape_bounds_and_seed(design, varies):
    d = make_design(varies, design, 16, seed=7)
    assert d.shape == (16, 2)
    assert list(d.columns) == ["militia.w_fear", "us.force_protection"]
    for v in varies:
        assert d[v.key].between(v.lo, v.hi).all()
    pd.testing.assert_frame_equal(d, make_design(varies, design, 16, seed=7))
    assert not d.equals(make_design(varies, design, 16, seed=8))


def test_lhs_hits_every_stratum_once(varies):
    d = make_design(varies, "lhs", 10, seed=1)
    for v in varies:
        strata = np.floor((d[v.key] - v.lo) / (v.hi - v.lo) * 10).clip(0, 9).astype(int)
        assert sorted(strata) == list(range(10))


def test_chunks_cover_every_set_and_replicate_once(short):
    design = pd.DataFrame({"militia.w_fear": np.linspace(0.5, 2, 7)})
    job = Job("sweep", [short], 23, 0, design=design)
    for rows in (5, 23, 50, 1000):
        seen = np.zeros((7, 23), int)
        for c in plan_chunks(job, rows):
            assert c.rows <= max(rows, 23) or c.set1 - c.set0 == 1
            seen[c.set0:c.set1, c.rep0:c.rep1] += 1
        assert (seen == 1).all()


# ----------------------------------------------------------------------------- results


def test_runs_layout_and_common_random_numbers(reference, short):
    runs, sets = reference.runs, reference.sets
    assert list(runs.columns[:4]) == ["set", "militia.w_fear", "us.force_protection",
                                      "replicate"]
    assert len(runs) == 4 * 20
    assert (runs["replicate"].to_numpy() == np.tile(np.arange(20), 4)).all()
    # set 0 equals a plain run of the scenario with set 0's values (same replicates)
    row = reference.design.iloc[0]
    sc0 = short.with_overrides({k: float(row[k]) for k in reference.design.columns})
    plain = run_scenario(sc0, runs=20, seed=3, progress=False).runs
    mine = runs[runs["set"] == 0].drop(columns=["set", *reference.design.columns])
    pd.testing.assert_frame_equal(_ms(mine.reset_index(drop=True)), _ms(plain[mine.columns]))
    # per-set summary
    assert len(sets) == 4
    g = runs.groupby("set")
    assert np.allclose(sets["attacks_mean"], g["attacks"].mean())
    assert np.allclose(sets["attacks_q95"], g["attacks"].quantile(0.95))
    assert np.allclose(sets["p_direct_us_iran_fire"], g["direct_us_iran_fire"].mean())
    assert np.allclose(sets["p_us_fatality"], g["us_killed"].apply(lambda s: (s > 0).mean()))
    m = json.loads((reference.out / "manifest.json").read_text())
    assert m["kind"] == "sweep" and m["status"] == "complete" and m["runs"] == 20
    assert m["varied"]["militia.w_fear"]["lo"] == 0.5 and m["design"] == "lhs"
    assert m["scenario"]["end"] == "2019-12-31" and m["seed"] == 3
    assert not (reference.out / CHUNK_DIR).exists()
    on_disk = pd.read_parquet(reference.out / "runs.parquet")
    pd.testing.assert_frame_equal(on_disk, runs)


def test_identical_results_in_process_pool_and_dask(reference, short, varies, tmp_path):
    pool = run_sweep(short, varies, tmp_path / "pool", design="lhs", samples=4, runs=20,
                     seed=3, backend=Backend(workers=2), chunk_rows=20, progress=False)
    assert pool.execution.chunks == 4
    pd.testing.assert_frame_equal(pool.runs, reference.runs)
    dask = run_sweep(short, varies, tmp_path / "dask", design="lhs", samples=4, runs=20,
                     seed=3, backend=Backend(scheduler="local:2"), chunk_rows=10,
                     progress=False)
    assert dask.execution.chunks == 8  # 2 replicate ranges per set
    pd.testing.assert_frame_equal(dask.runs, reference.runs)
    pd.testing.assert_frame_equal(dask.sets, reference.sets)


def test_a_sweep_on_an_existing_dask_cluster_equals_one_process(reference, short, varies,
                                                                tmp_path):
    """Issue 16: the docs/sweeps.md recipe (a cluster started beforehand, its address handed
    to the sweep) gives the in-process numbers, chunks spread over both workers."""
    import logging

    from dask.distributed import Client, LocalCluster

    import sim

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://")
        res = run_sweep(short, varies, tmp_path / "dask", design="lhs", samples=4, runs=20,
                        seed=3, backend=Backend(scheduler=address), chunk_rows=20,
                        progress=False)
        with Client(address) as client:
            assert len(client.scheduler_info()["workers"]) == 2
        api = sim.sweep(short, ["militia.w_fear=0.5:2.5", "us.force_protection=0.3:0.8"],
                        samples=4, runs=20, seed=3, scheduler=address,
                        chunk_size=20)
    assert res.execution.chunks == 4
    pd.testing.assert_frame_equal(res.runs, reference.runs)
    pd.testing.assert_frame_equal(res.sets, reference.sets)
    pd.testing.assert_frame_equal(api.runs, reference.runs)


def test_resume_after_interruption_gives_the_uninterrupted_result(reference, short, varies,
                                                                 tmp_path):
    out = tmp_path / "sweep"
    done = []

    def interrupt(chunk):
        done.append(chunk.index)
        if len(done) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(short, varies, out, design="lhs", samples=4, runs=20, seed=3,
                  chunk_rows=20, progress=False, on_chunk=interrupt)
    files = sorted(p.name for p in (out / CHUNK_DIR).iterdir())
    assert len(files) == 2 and all(f.endswith(".parquet") for f in files)  # no temp files
    assert not (out / "runs.parquet").exists()
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"

    ran = []
    res = run_sweep(short, varies, out, design="lhs", samples=4, runs=20, seed=3,
                    resume=True, progress=False, on_chunk=lambda c: ran.append(c))
    assert res.execution.reused == 2 and len(ran) == 2
    assert not set(done) & {c.index for c in ran}
    pd.testing.assert_frame_equal(res.runs, reference.runs)
    assert not (out / CHUNK_DIR).exists()


def test_resume_ignores_chunks_of_another_sweep(short, varies, tmp_path):
    out = tmp_path / "s"
    with pytest.raises(KeyboardInterrupt):
        run_sweep(short, varies, out, samples=2, runs=10, seed=1, chunk_rows=10,
                  progress=False,
                  on_chunk=lambda c: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(OutputError, match="holds another output.*seed: 1 -> 2"):
        run_sweep(short, varies, out, samples=2, runs=10, seed=2, resume=True,
                  progress=False)


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("args, message", [
    (["--vary", "militia.w_feer=0.5:2"], "unknown parameter 'militia.w_feer' (did you mean "
                                         "'militia.w_fear'?)"),
    (["--vary", "militia.w_fear=2:0.5"], "LO (2) is greater than HI (0.5)"),
    (["--vary", "us.force_protection=0.2:1.5"], "1.5 is outside the bounds of "
                                                "'us.force_protection': [0, 0.99]"),
    (["--vary", "us.trigger=0:1"], "'us.trigger' is not numeric"),
    (["--vary", "militia.w_fear=a:2"], "LO 'a' is not a number"),
    (["--vary", "militia.w_fear"], "expected KEY=LO:HI[:N]"),
    (["--vary", "militia.w_fear=0.5:2:4", "--design", "lhs"], "applies only to --design grid"),
    (["--vary", "militia.w_fear=0.5:2", "--scheduler", "tcp://127.0.0.1:1",
      "--connect-timeout", "0.5"], "cannot reach a Dask scheduler"),
    (["--vary", "militia.w_fear=0.5:2", "--scheduler", "127.0.0.1:8786"],
     "expected tcp://HOST:PORT"),
    (["--vary", "militia.w_fear=0.5:2", "--workers", "2", "--scheduler", "local:2"],
     "give --workers or --scheduler, not both"),
])
def test_bad_sweep_input_exits_2_with_one_message(args, message, short_file, tmp_path):
    res = CliRunner().invoke(main, ["sweep", str(short_file), *args, "--runs", "2",
                                    "--samples", "2", "--out", str(tmp_path / "o"), "-q"])
    assert res.exit_code == 2, res.output
    assert message in res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "o").exists()  # nothing written


def test_folder_holding_another_sweep_is_refused(short_file, tmp_path):
    out = tmp_path / "o"
    base = ["sweep", str(short_file), "--vary", "militia.w_fear=0.5:2", "--samples", "2",
            "--runs", "3", "--out", str(out), "-q", "--no-plot"]
    r = CliRunner()
    assert r.invoke(main, base).exit_code == 0
    again = r.invoke(main, base)  # the same sweep again: replaced
    assert again.exit_code == 0, again.output
    other = r.invoke(main, [*base, "--seed", "5"])
    assert other.exit_code == 2
    assert "holds another output (a sweep of short" in other.output
    assert "seed: 0 -> 5" in other.output and "--overwrite" in other.output
    forced = r.invoke(main, [*base, "--seed", "5", "--overwrite"])
    assert forced.exit_code == 0
    assert json.loads((out / "manifest.json").read_text())["seed"] == 5


def test_sweep_cli_writes_the_folder_and_resume_of_a_finished_sweep_is_refused(short_file,
                                                                             tmp_path):
    out = tmp_path / "o"
    args = ["sweep", str(short_file), "--vary", "militia.w_fear=0.5:2.5:3", "--design", "grid",
            "--runs", "5", "--out", str(out)]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert {"runs.parquet", "sets.parquet", "manifest.json", "sweep_response.png"} <= {
        p.name for p in out.iterdir()}
    assert "3 sets x 5 runs" in res.output
    sets = pd.read_parquet(out / "sets.parquet")
    assert list(sets["militia.w_fear"]) == [0.5, 1.5, 2.5]
    again = CliRunner().invoke(main, [*args, "--resume"])
    assert again.exit_code == 2 and "already complete" in again.output
