"""The layered package: imports only go down, and no modules import each other in a cycle
(import-linter contracts in pyproject.toml)."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(pythonpath), "PATH": "/usr/bin:/bin"}
    return subprocess.run([str(LINT), "--no-cache"], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_import_contracts_hold():
    proc = _lint(ROOT, ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "2 kept, 0 broken" in proc.stdout


def test_an_upward_import_or_a_cycle_breaks_them(tmp_path):
    for name in ("sim", "pyproject.toml"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / name)
    day = tmp_path / "sim" / "model" / "day.py"
    day.write_text(day.read_text() + "\nfrom ..experiments import outcomes  # noqa\n")
    proc = _lint(tmp_path, tmp_path)
    assert proc.returncode != 0 and "sim.model.day -> sim.experiments.outcomes" in proc.stdout
    day.write_text(day.read_text().replace("from ..experiments import outcomes  # noqa\n", ""))
    iraq = tmp_path / "sim" / "model" / "iraq.py"
    iraq.write_text(iraq.read_text() + "\nfrom . import us  # noqa\n")  # us imports iraq
    proc = _lint(tmp_path, tmp_path)
    assert proc.returncode != 0 and "No cycles are allowed in sim.model" in proc.stdout
