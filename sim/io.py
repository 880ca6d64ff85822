"""The output folder: written whole or not at all.

Everything goes into a hidden temporary folder beside the target, which is renamed into place
only when every file is written; an interrupted run leaves no folder that looks complete.  An
existing folder is replaced only if it holds an earlier run of this tool (a ``manifest.json``).
"""

from __future__ import annotations

import json
import platform
import shutil
import sys
import tempfile
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

MANIFEST = "manifest.json"


class OutputError(RuntimeError):
    """The output folder cannot be written (the message says why)."""


def versions() -> dict[str, str]:
    """Versions of Python, this package and its main dependencies."""
    out = {"python": platform.python_version()}
    for pkg in ("escalation-sim", "mesa", "numpy", "scipy", "pandas", "pyarrow", "matplotlib",
                "click"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def check_target(out: Path) -> None:
    """Refuse a target that exists and is not an earlier output of this tool."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir())
                                              and not (out / MANIFEST).is_file())):
        raise OutputError(f"{out}: exists and is not an escalation output folder "
                          f"(no {MANIFEST}); choose another --out")


@contextmanager
def atomic_folder(out: str | Path):
    """Yield a temporary folder; on success it replaces ``out``, on error it is removed."""
    out = Path(out).resolve()
    check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if out.exists():
        old = out.parent / f".{out.name}.old-{tmp.name.rsplit('-', 1)[-1]}"
        out.rename(old)
    tmp.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_manifest(folder: Path, **fields) -> None:
    """Write ``manifest.json`` with the given fields plus versions and the command line."""
    data = dict(fields)
    data.setdefault("versions", versions())
    data.setdefault("command", " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]))
    (folder / MANIFEST).write_text(json.dumps(data, indent=2, default=str) + "\n")
