"""Figures: each plotting function draws what it says, and `escalation plot` redraws the
figures of every kind of output folder."""

import dataclasses
import datetime as dt
import json

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sim.cli.main import main
from sim.experiments.runner import run_scenario
from sim.paths import BASELINE
from sim.plots import draw_folder
from sim.plots.analysis import plot_cumulative_casualties, plot_rung_probabilities, plot_sobol


@pytest.fixture(scope="module")
def short_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("sc") / "short.toml"
    path.write_text(f'extends = "{BASELINE}"\n[scenario]\nname = "short"\nend = 2019-12-31\n')
    return path


@pytest.fixture(scope="module")
def short_run(baseline):
    sc = dataclasses.replace(baseline, end=dt.date(2019, 12, 31))
    return sc, run_scenario(sc, runs=40, seed=4, keep_weekly=True, progress=False)


def _is_figure(path, min_w=800, min_h=400):
    """A real figure: big enough and not blank."""
    img = mpimg.imread(path)
    h, w = img.shape[:2]
    return w >= min_w and h >= min_h and img[..., :3].std() > 0.05


def test_rung_probabilities_draw_the_bands_columns(short_run):
    sc, res = short_run
    bands = res.bands
    fig = plot_rung_probabilities(bands, sc.name, sc.start, sc.end)
    top, bottom = fig.axes[:2]
    lines = {ln.get_label(): ln for ln in top.get_lines() if ln.get_label().startswith("rung")}
    assert set(lines) == {"rung 1+ (harassment)", "rung 2+ (casualties)", "rung 3+ (lethal)",
                          "rung 4+ (retaliation)"}
    r = bands[bands["measure"] == "rung"].sort_values("week")
    assert np.allclose(lines["rung 1+ (harassment)"].get_ydata(), r["p_rung_ge_1"])
    assert "Escalation ladder: " in fig._suptitle.get_text()
    assert top.get_ylim()[1] <= 1.05
    plt.close(fig)


def test_cumulative_casualties_mean_is_the_mean_of_cumulative_sums(short_run, tmp_path):
    sc, res = short_run
    weekly = res.weekly
    fig = plot_cumulative_casualties(weekly, sc.name, sc.start, sc.end, tmp_path / "c.png")
    ax_w, ax_k = fig.axes[0], fig.axes[1]
    mean_line = [ln for ln in ax_w.get_lines() if ln.get_label() == "mean"][0]
    totals = res.runs["us_wounded"].mean()
    assert mean_line.get_ydata()[-1] == pytest.approx(totals)
    killed = [ln for ln in ax_k.get_lines() if ln.get_label() == "mean"][0]
    assert killed.get_ydata()[-1] == pytest.approx(res.runs["us_killed"].mean())
    assert "people" in ax_w.get_ylabel()
    assert _is_figure(tmp_path / "c.png")
    plt.close(fig)


def test_sobol_bars_have_one_bar_per_index_and_parameter():
    idx = pd.DataFrame({"outcome": ["attacks"] * 2 + ["us_killed"] * 2,
                        "parameter": ["a.x", "b.y"] * 2,
                        "S1": [0.6, 0.1, 0.3, 0.2], "S1_conf": [0.1] * 4,
                        "ST": [0.7, 0.2, 0.5, 0.3], "ST_conf": [0.1] * 4})
    for s in ("S1", "ST"):
        idx[f"{s}_lo"] = idx[s] - idx[f"{s}_conf"]
        idx[f"{s}_hi"] = idx[s] + idx[f"{s}_conf"]
    fig = plot_sobol(idx, "test")
    assert len(fig.axes) == 2
    heights = sorted(p.get_height() for p in fig.axes[0].patches)
    assert heights == pytest.approx([0.1, 0.2, 0.6, 0.7])
    plt.close(fig)


def test_plot_redraws_a_run_folder(short_file, tmp_path):
    r = CliRunner()
    with_weekly = tmp_path / "w"
    res = r.invoke(main, ["run", str(short_file), "--runs", "30", "--weekly", "--no-plot",
                          "--out", str(with_weekly), "-q"])
    assert res.exit_code == 0, res.output
    res = r.invoke(main, ["plot", str(with_weekly)])
    assert res.exit_code == 0, res.output
    for name in ("escalation_curves.png", "rung_probabilities.png",
                 "cumulative_casualties.png"):
        assert _is_figure(with_weekly / name), name
        assert name in res.output

    without = tmp_path / "n"
    r.invoke(main, ["run", str(short_file), "--runs", "5", "--no-plot", "--out", str(without),
                    "-q"])
    res = r.invoke(main, ["plot", str(without)])
    assert res.exit_code == 0
    assert "weekly.parquet is missing" in res.output and "--weekly" in res.output
    assert (without / "rung_probabilities.png").is_file()
    assert not (without / "cumulative_casualties.png").exists()


def test_compare_sweep_and_sensitivity_folders_have_their_figures(short_file, tmp_path):
    r = CliRunner()
    cmp_dir, sw_dir, se_dir = tmp_path / "c", tmp_path / "s", tmp_path / "e"
    res = r.invoke(main, ["compare", str(short_file), "-p", "answer_deaths", "-p",
                          "answer_every_streak", "--runs", "30", "--out", str(cmp_dir), "-q"])
    assert res.exit_code == 0, res.output
    res = r.invoke(main, ["sweep", str(short_file), "--vary", "us.force_protection=0.2:0.8:3",
                          "--vary", "militia.w_fear=0.5:2:2", "--design", "grid", "--runs",
                          "10", "--out", str(sw_dir), "-q"])
    assert res.exit_code == 0, res.output
    res = r.invoke(main, ["sensitivity", str(short_file), "--vary",
                          "us.force_protection=0.1:0.9", "--vary", "israel.iraq_share=0:1",
                          "--samples", "8", "--runs", "10", "--outcome", "us_killed",
                          "--out", str(se_dir), "-q"])
    assert res.exit_code == 0, res.output
    expected = {cmp_dir: ["differences.png", "policy_outcomes.png", "policy_rungs.png",
                          "cumulative_casualties.png"],
                sw_dir: ["sweep_response.png"],
                se_dir: ["sweep_response.png", "sobol_indices.png"]}
    for folder, names in expected.items():
        first = {n: (folder / n).stat().st_mtime_ns for n in names}
        assert all(_is_figure(folder / n) for n in names)
        res = r.invoke(main, ["plot", str(folder)])
        assert res.exit_code == 0, res.output
        assert [ln.split("/")[-1] for ln in res.output.split()
                if ln.endswith(".png")] == names
        assert all((folder / n).stat().st_mtime_ns >= first[n] for n in names)
    m = json.loads((se_dir / "manifest.json").read_text())
    assert m["kind"] == "sensitivity" and m["sets"] == 8 * 4
    idx = pd.read_parquet(se_dir / "sobol.parquet").set_index("parameter")
    # us_killed depends on force protection, hardly on where Israel strikes
    assert idx.loc["us.force_protection", "ST"] > idx.loc["israel.iraq_share", "ST"] + 0.3


def test_plot_refuses_what_it_cannot_draw(tmp_path):
    r = CliRunner()
    res = r.invoke(main, ["plot", str(tmp_path / "nope")])
    assert res.exit_code == 2 and "no such folder" in res.output
    (tmp_path / "x").mkdir()
    res = r.invoke(main, ["plot", str(tmp_path / "x")])
    assert res.exit_code == 2 and "no manifest.json" in res.output
    (tmp_path / "x" / "manifest.json").write_text(json.dumps({"kind": "sweep",
                                                               "status": "running"}))
    res = r.invoke(main, ["plot", str(tmp_path / "x")])
    assert res.exit_code == 2 and "unfinished" in res.output and "--resume" in res.output


def test_draw_folder_returns_the_paths(short_file, tmp_path):
    out = tmp_path / "w"
    CliRunner().invoke(main, ["run", str(short_file), "--runs", "5", "--no-plot", "--out",
                              str(out), "-q"])
    notes = []
    paths = draw_folder(out, notes)
    assert [p.name for p in paths] == ["escalation_curves.png", "rung_probabilities.png"]
    assert len(notes) == 1
