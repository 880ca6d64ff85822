"""The output store: folders written whole or not at all, manifests, and the chunk files of
resumable jobs.

Everything goes into a hidden temporary folder beside the target, which is renamed into place
only when every file is written; an interrupted run leaves no folder that looks complete.  An
existing folder is replaced only if it holds an earlier output of this tool (a
``manifest.json``).  Long jobs keep each finished chunk in ``OUT/.chunks/`` until they merge.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import shutil
import sys
import tempfile
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import OutputError

if TYPE_CHECKING:
    import pandas as pd

MANIFEST = "manifest.json"
CHUNK_DIR = ".chunks"


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


def finite_json(value):
    """``value`` with every non-finite float (NaN, infinities) replaced by ``None`` and numpy
    scalars and arrays made plain, so that it can be written as strict JSON.

    >>> finite_json({"a": float("nan"), "b": [1.5, float("inf")]})
    {'a': None, 'b': [1.5, None]}
    """
    if isinstance(value, dict):
        return {str(k): finite_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_json(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    tolist = getattr(value, "tolist", None)  # numpy scalars and arrays
    if callable(tolist):
        return finite_json(tolist())
    return str(value)


def json_text(data) -> str:
    """Strict JSON (no ``NaN`` or ``Infinity``: they are written as ``null``), indented."""
    return json.dumps(finite_json(data), indent=2, allow_nan=False) + "\n"


def write_manifest(folder: Path, **fields) -> None:
    """Write ``manifest.json`` with the given fields plus versions and the command line."""
    data = dict(fields)
    data.setdefault("versions", versions())
    data.setdefault("command", " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]))
    (folder / MANIFEST).write_text(json_text(data))


# --------------------------------------------------------------------------- chunk files


def chunk_path(folder: Path, fingerprint: str, chunk) -> Path:
    """Where a chunk's part is kept until the job is merged."""
    return folder / CHUNK_DIR / f"{fingerprint[:16]}-{chunk.index:05d}.parquet"


def chunk_meta(fingerprint: str, chunk) -> dict:
    """What a chunk file records of its job and place, to be recognised on resume."""
    return {"fingerprint": fingerprint, "index": chunk.index, "set0": chunk.set0,
            "set1": chunk.set1, "rep0": chunk.rep0, "rep1": chunk.rep1}


def write_chunk(path: Path, part: pd.DataFrame, meta: dict) -> None:
    """Write a finished chunk atomically (temp name, then ``os.replace``); an interruption
    leaves either the whole file or nothing."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(part, preserve_index=False)
    md = dict(table.schema.metadata or {})
    md[b"escalation_chunk"] = json.dumps(meta).encode()
    table = table.replace_schema_metadata(md)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def read_chunk(path: Path, meta: dict) -> pd.DataFrame | None:
    """The chunk's part if the file exists and belongs to this sweep and chunk, else None."""
    import pyarrow.parquet as pq

    if not path.is_file():
        return None
    try:
        table = pq.read_table(path)
        found = json.loads((table.schema.metadata or {}).get(b"escalation_chunk", b"{}"))
    except Exception:  # noqa: BLE001 - a damaged file is simply recomputed
        return None
    rows = (meta["set1"] - meta["set0"]) * (meta["rep1"] - meta["rep0"])
    if found != meta or table.num_rows != rows:
        return None
    return table.to_pandas()


# --------------------------------------------------------------------------- the output folder


def read_manifest(folder: Path) -> dict | None:
    """The folder's manifest, or None when it has none or it cannot be read."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def _describe_manifest(m: dict) -> str:
    kind = m.get("kind", "run")
    name = (m.get("scenario") or {}).get("name", "?")
    bits = [f"a {kind} of {name}"]
    if m.get("varied"):
        bits.append("varying " + ", ".join(m["varied"]))
    if m.get("policies"):
        bits.append("policies " + ", ".join(m["policies"]))
    bits.append(f"{m.get('runs', '?')} runs, seed {m.get('seed', '?')}")
    if m.get("status") == "running":
        bits.append("unfinished")
    return "; ".join(bits)


def _differences(old: dict, new: dict) -> str:
    keys = ("kind", "design", "samples", "varied", "policies", "runs", "seed")
    diffs = [f"{k}: {old.get(k)!r} -> {new.get(k)!r}" for k in keys
             if old.get(k) != new.get(k)]
    if (old.get("scenario") or {}).get("name") != (new.get("scenario") or {}).get("name"):
        diffs.insert(0, "scenario name")
    return "; ".join(diffs) if diffs else "scenario parameters"


def check_folder(out: Path, fields: dict, resume: bool, overwrite: bool) -> str:
    """Check ``out`` for this job (writes nothing).

    Returns ``"fresh"``, ``"resume"`` (``--resume`` on an unfinished identical job) or
    ``"done"`` (``--resume`` on a finished one).  Refuses a folder that is not an escalation
    output, or that holds another output (a different manifest) unless ``overwrite``.
    """
    out = Path(out).resolve()
    check_target(out)
    old = read_manifest(out) if out.exists() else None
    same = old is not None and old.get("fingerprint") == fields["fingerprint"]
    if old is not None and not same and not overwrite:
        verb = "cannot resume it" if resume else "refusing to replace it"
        raise OutputError(f"{out}: holds another output ({_describe_manifest(old)}); {verb} "
                         f"(differs in {_differences(old, fields)}). Choose another --out, "
                         "or add --overwrite to replace it")
    if same and resume and old.get("status") == "complete":
        return "done"
    return "resume" if same and resume else "fresh"


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json_text(data))
    os.replace(tmp, path)


def mark_folder(out: Path, fields: dict, status: str, chunk_rows: int) -> None:
    """Mark ``out`` as holding this unfinished job (manifest with ``status: running``);
    a fresh start drops any earlier chunk files."""
    out = Path(out).resolve()
    chunks = out / CHUNK_DIR
    if status == "fresh":
        shutil.rmtree(chunks, ignore_errors=True)
    chunks.mkdir(parents=True, exist_ok=True)
    _write_json(out / MANIFEST, {**fields, "status": "running", "chunk_rows": chunk_rows})



def count_saved_chunks(out: Path) -> int:
    """How many chunk files an interrupted job left in ``out``."""
    d = Path(out).resolve() / CHUNK_DIR
    return len(list(d.glob("*.parquet"))) if d.is_dir() else 0
