"""The notebooks run top to bottom at a small size, with no cell error, and show what they
promise (figures; the comparison table with the four policies; the answers)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "notebooks"
RUNS = "60"

sys.path.insert(0, str(NB))
from execute import execute  # noqa: E402


def _outputs(nb, mime):
    return [o["data"][mime] for c in nb.cells if c.cell_type == "code"
            for o in c.get("outputs", []) if mime in o.get("data", {})]


def _text(nb) -> str:
    parts = []
    for c in nb.cells:
        for o in c.get("outputs", []) if c.cell_type == "code" else []:
            parts.append(o.get("text", ""))
            for mime in ("text/plain", "text/html", "text/markdown"):
                parts.append(o.get("data", {}).get(mime, ""))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    out = tmp_path_factory.mktemp("notebooks")
    done = {}

    def get(name):
        if name not in done:
            path = execute(NB / f"{name}.ipynb", out / f"{name}.ipynb", runs=int(RUNS),
                           timeout=300)
            done[name] = nbformat.read(path, as_version=4)
        return done[name]

    return get


@pytest.mark.parametrize("name", ["01_quickstart", "02_compare_policies", "03_calibration",
                                  "04_counterfactuals"])
def test_committed_without_outputs(name):
    nb = nbformat.read(NB / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)
    assert sum(c.cell_type == "markdown" for c in nb.cells) >= 4  # prose between the cells
    assert "ESCALATION_NOTEBOOK_RUNS" in "".join(c.source for c in code)


def test_quickstart(executed):
    nb = executed("01_quickstart")
    assert len(_outputs(nb, "image/png")) >= 2  # escalation curves, monthly vs record
    text = _text(nb)
    assert f"{RUNS} replicates per run" in text
    assert "**Answer.**" in text and "months with a published tally" in text
    # the prose says what the run drew (computed, not typed)
    assert "parameters drawn per replicate from the calibrated posterior" in text


def test_compare_policies(executed):
    nb = executed("02_compare_policies")
    assert len(_outputs(nb, "image/png")) >= 3
    tables = _outputs(nb, "text/html")
    policies = ("answer_deaths", "answer_every_streak", "decapitation_first", "drawdown_iraq")
    assert any(all(p in t for p in policies) for t in tables)
    answer = "\n".join(_outputs(nb, "text/markdown"))
    assert "direct US–Iran fire happens in" in answer
    assert all(p in answer for p in policies[1:])
    # the mechanism, computed from the state variables of paired replicates, with its figure
    assert len(_outputs(nb, "image/png")) >= 5
    assert "**The mechanism.**" in answer and "attacks in Iraq change by" in answer
    assert "mean grievance" in answer and "mean fear" in answer


def test_calibration(executed):
    nb = executed("03_calibration")
    assert len(_outputs(nb, "image/png")) >= 4  # posterior, fit x2, coverage
    text = _text(nb)
    assert "hold-out 2024" in text and "militia.w_campaign_war" in text
    answer = "\n".join(_outputs(nb, "text/markdown"))
    assert "**Answer.**" in answer
    assert "inside the 50 % band (nominal: 90 % and 50 %)" in answer  # the hold-out's 50 % too


@pytest.mark.skipif(not (ROOT / "scenarios" / "forecasts" / "forecast_2027.toml").is_file(),
                    reason="the forecast scenarios are not there")
def test_counterfactuals(executed):
    nb = executed("04_counterfactuals")
    assert len(_outputs(nb, "image/png")) >= 6
    answer = "\n".join(_outputs(nb, "text/markdown"))
    for phrase in ("No Soleimani strike", "Tower 22", "Forecast 2025-2027",
                   "answer every streak", "decapitation first"):
        assert phrase in answer


def test_notebooks_run_outside_the_repository(tmp_path):
    """`execute` runs a kernel in a fresh folder outside the repository (as for a copied
    notebook), and no notebook reads its files from the working directory."""
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell("import os; print(os.getcwd())")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    cwd = nbformat.read(execute(path), as_version=4).cells[0].outputs[0]["text"].strip()
    assert not Path(cwd).resolve().is_relative_to(ROOT)
    for name in ("01_quickstart", "02_compare_policies", "03_calibration",
                 "04_counterfactuals"):
        code = "".join(c.source for c in nbformat.read(NB / f"{name}.ipynb", as_version=4).cells
                       if c.cell_type == "code")
        assert "Path.cwd()" not in code and "from sim.paths import" in code, name


def test_kernel_is_this_interpreter(tmp_path):
    """The notebooks run on the interpreter running the tests (the project's venv)."""
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell("import sys, sim; print(sys.executable)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    out = nbformat.read(execute(path), as_version=4)
    printed = out.cells[0].outputs[0]["text"].strip()
    assert os.path.realpath(printed) == os.path.realpath(sys.executable)
