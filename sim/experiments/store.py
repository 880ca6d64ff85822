"""The output store: folders that own only what they wrote, written whole or not at all,
one writer at a time; manifests; and the chunk files of resumable work.

* **Ownership.** Every manifest carries a marker, ``"written_by": {"tool": "escalation-sim",
  "kind": ...}``, and lists the files of its folder.  A folder is replaced only if it is an
  output of this tool holding nothing else (its manifest, its listed files, its ``.chunks``),
  and only with ``--overwrite`` when it holds another kind of output or another scenario (or,
  for sweeps, sensitivity analyses and comparisons, another job: they are hours of resumable
  work).  Anything else in the way (a folder of other files, a ``manifest.json`` of another
  program, a file) is refused with one line, even with ``--overwrite``.
* **Whole or nothing.** Results go into a hidden temporary folder beside the target, renamed
  into place only when every file is written; any failure removes it.
* **One writer.** A lock file beside the folder (``.NAME.lock``, ``flock``) serialises
  writers: a second command on the same folder is refused with one line.
* **Checked first.** Writability is checked before anything is simulated.
* **Modes.** Folders follow the user's umask (``tempfile.mkdtemp`` makes 0700 folders).
* **Chunks.** Long work keeps each finished chunk in ``OUT/.chunks/`` (named by its job's
  fingerprint and its (set, replicate) ranges) until the results are written; ``--resume``
  keeps every chunk file of the same job, whatever chunking made it.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import platform
import re
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import OutputError

if TYPE_CHECKING:
    import pandas as pd

    from ..engines.outcomes import ChunkResult

TOOL = "escalation-sim"
MARKER = "written_by"
MANIFEST = "manifest.json"
CHUNK_DIR = ".chunks"
KINDS = ("run", "sweep", "sensitivity", "compare")
JOB_KINDS = ("sweep", "sensitivity", "compare")
"""Kinds whose folder is also identified by the job (design, policies, seed, runs): a
different job of the same scenario is not replaced without ``--overwrite``."""
DATA_FILES = frozenset({"runs.parquet", "bands.parquet", "weekly.parquet", "sets.parquet",
                        "comparison.csv", "comparison.parquet", "sobol.csv", "sobol.parquet"})
FIGURE_FILES = frozenset({"escalation_curves.png", "rung_probabilities.png", "branch.png",
                          "cumulative_casualties.png", "policy_outcomes.png",
                          "policy_rungs.png", "sweep_response.png", "sobol_indices.png"})
"""Every file an output folder may hold besides its manifest (folders written before the
manifests listed their files are recognised by these names)."""


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


def marker(kind: str) -> dict[str, str]:
    """The ``written_by`` entry of a manifest: this tool, its version and the kind."""
    try:
        version = metadata.version(TOOL)
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {"tool": TOOL, "version": version, "kind": kind}


def safe_name(name: str) -> str:
    """A scenario name as a folder name that cannot escape its parent: letters, digits,
    ``.``, ``_`` and ``-`` are kept, anything else (path separators, ``..``, spaces, control
    characters) becomes ``_``; never hidden, never empty, at most 80 characters.

    >>> safe_name("../../etc/passwd"), safe_name("answer every streak"), safe_name("..")
    ('etc_passwd', 'answer_every_streak', 'scenario')
    """
    s = re.sub(r"[^A-Za-z0-9._-]+", "_", str(name))
    s = re.sub(r"\.{2,}", "_", s)
    s = re.sub(r"_{2,}", "_", s).strip("._-")[:80].strip("._-")
    return s or "scenario"


# --------------------------------------------------------------------------- strict JSON


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
    """Write ``manifest.json`` with the given fields plus the ``written_by`` marker (kind
    ``fields["kind"]``, else ``run``), versions and the command line."""
    data = dict(fields)
    data.setdefault(MARKER, marker(data.get("kind", "run")))
    data.setdefault("versions", versions())
    data.setdefault("command", " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]))
    (Path(folder) / MANIFEST).write_text(json_text(data))


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(json_text(data))
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def update_manifest_files(folder: Path) -> None:
    """Rewrite the folder's manifest with its ``files`` list brought up to date (after
    ``escalation plot`` drew figures into it)."""
    folder = Path(folder)
    m = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    m["files"] = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    _write_json(folder / MANIFEST, m)


# --------------------------------------------------------------------------- file modes


def umask() -> int:
    """The process's umask (read from /proc on Linux, so that it is never changed, not even
    for an instant)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _user_mode(path: Path) -> None:
    """Give a folder made by ``tempfile.mkdtemp`` (0700) the mode the user's umask gives."""
    os.chmod(path, 0o777 & ~umask())


def _cannot_write(where: Path, exc: OSError) -> OutputError:
    why = exc.strerror or type(exc).__name__
    return OutputError(f"{where}: cannot write the output there ({why}); choose another --out")


# --------------------------------------------------------------------------- ownership


@dataclass(frozen=True)
class Identity:
    """What an output is: its kind, its scenario (name and own file) and, for resumable jobs,
    the fingerprint of everything that fixes its numbers."""

    kind: str
    scenario: str
    source: str = ""
    fingerprint: str = ""

    @classmethod
    def of(cls, kind: str, scenario: dict, fingerprint: str = "") -> Identity:
        scenario = scenario if isinstance(scenario, dict) else {}
        files = scenario.get("files")
        files = files if isinstance(files, list) and files else [""]
        return cls(kind, str(scenario.get("name", "")), str(files[-1]), fingerprint)

    @classmethod
    def of_manifest(cls, m: dict) -> Identity:
        mark = m.get(MARKER) if isinstance(m.get(MARKER), dict) else {}
        sc = m.get("scenario") if isinstance(m.get("scenario"), dict) else {}
        kind = str(mark.get("kind") or m.get("kind") or "run")
        return cls.of(kind, sc, str(m.get("fingerprint") or ""))

    def same_output(self, other: Identity) -> bool:
        """Whether an output of ``other`` may be replaced by this one without --overwrite."""
        if (self.kind, self.scenario, self.source) != (other.kind, other.scenario,
                                                        other.source):
            return False
        return self.kind not in JOB_KINDS or self.fingerprint == other.fingerprint


def _is_ours(m) -> bool:
    if not isinstance(m, dict):
        return False
    mark = m.get(MARKER)
    if isinstance(mark, dict):
        return mark.get("tool") == TOOL and isinstance(m.get("scenario"), dict)
    # folders written before the marker: the manifest names this package's version
    return isinstance(m.get("versions"), dict) and TOOL in m["versions"] \
        and isinstance(m.get("scenario"), dict)


@dataclass
class FolderState:
    """What is at an output path."""

    path: Path
    exists: bool = False
    refused: str = ""  # why it is not an output of this tool ("" when it is, or is empty)
    manifest: dict | None = None
    foreign: list[str] = field(default_factory=list)
    chunk_files: list[Path] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.exists and not self.refused and self.manifest is None \
            and not self.chunk_files


def _chunk_file(name: str) -> bool:
    return re.fullmatch(r"[0-9a-f]{16}-[a-z0-9-]+\.(parquet|npz)", name) is not None \
        or re.fullmatch(r"\..*\.tmp-\d+", name) is not None


def inspect_folder(out: str | Path) -> FolderState:
    """Look at ``out`` (writes nothing): is it an output of this tool, of what, and does it
    hold anything this tool did not write?"""
    out = Path(out)
    st = FolderState(out)
    if not out.exists() and not out.is_symlink():
        return st
    st.exists = True
    if not out.is_dir():
        st.refused = "exists and is not a folder"
        return st
    try:
        entries = sorted(os.listdir(out))
    except OSError as exc:
        st.refused = f"cannot be read ({exc.strerror})"
        return st
    owned = {MANIFEST, CHUNK_DIR}
    if MANIFEST in entries:
        try:
            m = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            st.refused = (f"its {MANIFEST} cannot be read ({type(exc).__name__}); it is not "
                          "an escalation output folder, or a damaged one")
            return st
        if not _is_ours(m):
            mark = m.get(MARKER) if isinstance(m, dict) else None
            st.refused = (f"its {MANIFEST} is damaged (no scenario table): not a folder to "
                          "replace" if isinstance(mark, dict) and mark.get("tool") == TOOL
                          else f"its {MANIFEST} was not written by escalation")
            return st
        st.manifest = m
        listed = m.get("files")
        owned |= (set(map(str, listed)) if isinstance(listed, list) else set(DATA_FILES))
        owned |= FIGURE_FILES
    elif entries and entries != [CHUNK_DIR]:
        st.refused = f"is not an escalation output folder (no {MANIFEST})"
        return st
    st.foreign = [e for e in entries if e not in owned]
    chunks = out / CHUNK_DIR
    if chunks.is_dir():
        for p in sorted(chunks.iterdir()):
            if _chunk_file(p.name) and p.is_file():
                st.chunk_files.append(p)
            else:
                st.foreign.append(f"{CHUNK_DIR}/{p.name}")
    elif chunks.exists():
        st.foreign.append(CHUNK_DIR)
    if st.manifest is None and not st.chunk_files and not st.foreign and entries:
        st.refused = f"is not an escalation output folder (no {MANIFEST})"
    return st


def _names(value) -> str:
    return ", ".join(map(str, value)) if isinstance(value, dict | list) else str(value)


def _describe_manifest(m: dict) -> str:
    ident = Identity.of_manifest(m)
    bits = [f"a {ident.kind} of {ident.scenario or '?'}"]
    if m.get("varied"):
        bits.append("varying " + _names(m["varied"]))
    if m.get("policies"):
        bits.append("policies " + _names(m["policies"]))
    bits.append(f"{m.get('runs', '?')} runs, seed {m.get('seed', '?')}")
    if m.get("status") == "running":
        bits.append("unfinished")
    return "; ".join(bits)


def _differences(old: dict, new: dict) -> str:
    a, b = Identity.of_manifest(old), Identity.of_manifest(new)
    diffs = []
    if a.kind != b.kind:
        diffs.append(f"kind: {a.kind} -> {b.kind}")
    if a.scenario != b.scenario:
        diffs.append(f"scenario: {a.scenario} -> {b.scenario}")
    elif a.source != b.source:
        diffs.append(f"scenario file: {a.source} -> {b.source}")
    keys = ("design", "samples", "varied", "policies", "runs", "seed")
    diffs += [f"{k}: {old.get(k)!r} -> {new.get(k)!r}" for k in keys
              if old.get(k) != new.get(k)]
    return "; ".join(diffs) if diffs else "scenario parameters"


def check_target(out: str | Path, fields: dict | None = None, overwrite: bool = False,
                 resume: bool = False) -> str:
    """Check ``out`` for an output described by ``fields`` (its manifest fields: ``kind``,
    ``scenario``, ``fingerprint``, ...); writes nothing.

    Returns ``"fresh"`` (nothing there, or an output it may replace), ``"resume"``
    (``resume`` and chunk files of the same job are there) or ``"done"`` (``resume`` on a
    finished identical output).  Raises :class:`OutputError` for anything this tool did not
    write (always), and for another kind, scenario or job unless ``overwrite``.
    """
    out = Path(out)
    st = inspect_folder(out)
    if st.refused:
        raise OutputError(f"{out}: {st.refused}; refusing to touch it: choose another --out")
    if st.foreign:
        shown = ", ".join(st.foreign[:5]) + (" ..." if len(st.foreign) > 5 else "")
        raise OutputError(f"{out}: holds files this tool did not write ({shown}); refusing "
                          "to replace it: move them out or choose another --out")
    if fields is None or not st.exists or st.empty:
        return "fresh"
    new = Identity.of(fields.get("kind", "run"), fields.get("scenario") or {},
                      str(fields.get("fingerprint", "")))
    fp = new.fingerprint
    mine = [p for p in st.chunk_files if fp and p.name.startswith(fp[:16])]
    old = st.manifest
    if old is not None and not new.same_output(Identity.of_manifest(old)) and not overwrite:
        verb = "cannot resume it" if resume else "refusing to replace it"
        raise OutputError(f"{out}: holds another output ({_describe_manifest(old)}); {verb} "
                          f"(differs in {_differences(old, fields)}). Choose another --out, "
                          "or add --overwrite to replace it")
    others = [p for p in st.chunk_files if p not in mine]
    if others and not overwrite and not (old is not None and old.get("status") == "running"):
        raise OutputError(f"{out}: holds {len(others)} saved chunk file(s) of another, "
                          "unfinished job; resume it with its own command and --resume, or "
                          "add --overwrite to drop them")
    if resume and mine:
        return "resume"
    if resume and old is not None and old.get("status", "complete") == "complete" \
            and Identity.of_manifest(old).fingerprint == fp:
        return "done"
    return "fresh"


# --------------------------------------------------------------------------- the lock

_HELD: dict[tuple[str, int], list] = {}
_HELD_GUARD = threading.Lock()


def _lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}.lock"


@contextmanager
def folder_lock(out: str | Path) -> Iterator[Path]:
    """Hold the lock of output folder ``out`` (reentrant within one thread).

    The lock is ``.NAME.lock`` beside the folder, locked with ``flock`` (released by the
    system if the process dies) and removed on release.  Another holder means another
    command is writing the folder: refused with one line.  Creating it is also the first
    check that the folder can be written.
    """
    out = Path(out).resolve()
    key = (str(out), threading.get_ident())
    with _HELD_GUARD:
        held = _HELD.get(key)
        if held is not None:
            held[1] += 1
    if held is not None:
        try:
            yield out
        finally:
            with _HELD_GUARD:
                held[1] -= 1
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _cannot_write(out.parent, exc) from None
    path = _lock_path(out)
    fd = _acquire(path, out)
    with _HELD_GUARD:
        _HELD[key] = [fd, 1]
    try:
        yield out
    finally:
        with _HELD_GUARD:
            del _HELD[key]
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)


def _acquire(path: Path, out: Path) -> int:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: an exclusive create
        fcntl = None
    while True:
        try:
            if fcntl is None:  # pragma: no cover
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
            else:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except FileExistsError:  # pragma: no cover - the non-POSIX lock is held
            raise _busy(out, path) from None
        except OSError as exc:
            raise _cannot_write(out.parent, exc) from None
        if fcntl is None:  # pragma: no cover
            return fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise _busy(out, path) from None
            raise _cannot_write(out.parent, exc) from None
        # the holder before us may have removed the file after we opened it: lock the file
        # that is at the path now
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        os.close(fd)


def _busy(out: Path, path: Path) -> OutputError:
    pid = ""
    with contextlib.suppress(OSError, ValueError):
        pid = f" (pid {int(path.read_text().split()[0])})"
    return OutputError(f"{out}: another escalation command is writing this folder{pid}; wait "
                       "for it to finish, or choose another --out")


def check_writable(out: str | Path) -> None:
    """Make sure the output can be written (before anything is simulated): a folder can be
    made beside it, and an existing folder can be written."""
    out = Path(out).resolve()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        probe = tempfile.mkdtemp(prefix=f".{out.name}.probe-", dir=out.parent)
        os.rmdir(probe)
    except OSError as exc:
        raise _cannot_write(out.parent, exc) from None
    if out.is_dir() and not os.access(out, os.W_OK | os.X_OK):
        raise OutputError(f"{out}: cannot write the output there (permission denied); "
                          "choose another --out")


# --------------------------------------------------------------------------- writing


@contextmanager
def atomic_folder(out: str | Path, fields: dict | None = None, overwrite: bool = False
                  ) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces ``out``, on any error it is removed.

    ``out`` is checked (:func:`check_target`, with the manifest ``fields`` of the output when
    given) and locked (:func:`folder_lock`) first; the temporary folder gets the mode of the
    user's umask.  An error writing a file is an :class:`OutputError`.
    """
    out = Path(out).resolve()
    with folder_lock(out):
        check_target(out, fields, overwrite)
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
            _user_mode(tmp)
        except OSError as exc:
            raise _cannot_write(out.parent, exc) from None
        try:
            try:
                yield tmp
            except OSError as exc:
                raise OutputError(f"{out}: cannot write the output ({exc.strerror or exc}); "
                                  "nothing was written") from None
            _put_in_place(tmp, out, fields, overwrite)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)


def _put_in_place(tmp: Path, out: Path, fields: dict | None, overwrite: bool) -> None:
    check_target(out, fields, overwrite)  # again: files may have appeared meanwhile
    old = None
    try:
        if out.exists():
            old = out.parent / f".{out.name}.old-{tmp.name.rsplit('-', 1)[-1]}"
            out.rename(old)
        try:
            tmp.rename(out)
        except OSError:
            if old is not None:
                old.rename(out)
                old = None
            raise
    except OSError as exc:
        raise OutputError(f"{out}: cannot put the output in place ({exc.strerror or exc}); "
                          "nothing was written") from None
    if old is not None:
        _remove_output(old)


def _remove_output(folder: Path) -> None:
    """Delete a replaced output folder: only what this tool wrote; a folder that still holds
    anything else is kept (and named in a warning).  A symbolic link that was the output
    path is removed, never what it points to."""
    if folder.is_symlink():
        folder.unlink()
        return
    st = inspect_folder(folder)
    if st.refused or st.foreign:
        import warnings

        from ..errors import InputWarning

        warnings.warn(InputWarning(f"{folder}: the replaced output held files this tool did "
                                   "not write; it is kept"), stacklevel=3)
        return
    shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------- resumable jobs


def begin_job(out: str | Path, fields: dict, status: str) -> Path:
    """Make ``out/.chunks`` for a job.  A fresh start drops any earlier chunk files (of this
    job or, with ``--overwrite``, another); a folder that holds no finished output gets a
    manifest with ``status: running`` (the finished output of a folder stays as it is until
    the new one replaces it)."""
    out = Path(out).resolve()
    chunks = out / CHUNK_DIR
    try:
        if status == "fresh" and chunks.is_dir():
            for p in chunks.iterdir():
                if _chunk_file(p.name):
                    p.unlink()
        chunks.mkdir(parents=True, exist_ok=True)
        m = inspect_folder(out).manifest
        if m is None or m.get("status") == "running":
            _write_json(out / MANIFEST, {MARKER: marker(fields.get("kind", "run")), **fields,
                                         "status": "running"})
    except OSError as exc:
        raise _cannot_write(out, exc) from None
    return chunks


def drop_if_empty(out: str | Path) -> bool:
    """Remove ``out`` if it holds only an unfinished job with no finished chunk (what an
    interruption before the first chunk leaves); return whether it did."""
    out = Path(out)
    st = inspect_folder(out)
    if not st.exists or st.refused or st.foreign or st.chunk_files or st.manifest is None \
            or st.manifest.get("status") != "running":
        return False
    if any(p.name != MANIFEST and p.name != CHUNK_DIR for p in out.iterdir()):
        return False
    shutil.rmtree(out, ignore_errors=True)
    return True


def count_saved_chunks(out: str | Path) -> int:
    """How many chunk files an interrupted job left in ``out``."""
    d = Path(out).resolve() / CHUNK_DIR
    return len([p for p in d.iterdir() if _chunk_file(p.name) and not p.name.startswith(".")]
               ) if d.is_dir() else 0


def _ranges(meta: dict) -> str:
    return f"s{meta['set0']}-{meta['set1']}-r{meta['rep0']}-{meta['rep1']}"


def chunk_path(folder: Path, fingerprint: str, meta: dict, ext: str = "parquet") -> Path:
    """Where a chunk's part is kept until the job is merged: named by the job's fingerprint
    and the chunk's (set, replicate) ranges."""
    return Path(folder) / CHUNK_DIR / f"{fingerprint[:16]}-{_ranges(meta)}.{ext}"


def chunk_meta(fingerprint: str, chunk) -> dict:
    """What a chunk file records of its job and place, to be recognised on resume."""
    return {"fingerprint": fingerprint, "set0": chunk.set0, "set1": chunk.set1,
            "rep0": chunk.rep0, "rep1": chunk.rep1}


def _atomic_write(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"{path.parent}: cannot save a finished chunk there "
                          f"({exc.strerror or exc}); the chunks saved so far are kept: free "
                          "some space and continue with --resume") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_chunk(path: Path, part: pd.DataFrame, meta: dict) -> None:
    """Write a finished chunk atomically (temp name, then ``os.replace``); an interruption
    leaves either the whole file or nothing."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(part, preserve_index=False)
    md = dict(table.schema.metadata or {})
    md[b"escalation_chunk"] = json.dumps(meta).encode()
    table = table.replace_schema_metadata(md)
    _atomic_write(path, lambda tmp: pq.write_table(table, tmp))


def read_chunk(path: Path, meta: dict | None = None) -> tuple[dict, pd.DataFrame] | None:
    """``(meta, part)`` of a chunk file, or None when it is damaged, incomplete or (with
    ``meta``) not that chunk."""
    import pyarrow.parquet as pq

    if not path.is_file():
        return None
    try:
        table = pq.read_table(path)
        found = json.loads((table.schema.metadata or {}).get(b"escalation_chunk", b"{}"))
        rows = (found["set1"] - found["set0"]) * (found["rep1"] - found["rep0"])
    except Exception:  # noqa: BLE001 - a damaged file is simply recomputed
        return None
    if (meta is not None and found != meta) or table.num_rows != rows:
        return None
    return found, table.to_pandas()


def saved_chunks(out: str | Path, fingerprint: str, ext: str = "parquet") -> list[Path]:
    """The chunk files of job ``fingerprint`` in ``out``."""
    d = Path(out) / CHUNK_DIR
    return sorted(d.glob(f"{fingerprint[:16]}-*.{ext}")) if d.is_dir() else []


def write_run_chunk(path: Path, part: ChunkResult, meta: dict) -> None:
    """Write a finished chunk of ``escalation run`` (its compact arrays, ``.npz``, never
    pickled) atomically."""
    import numpy as np

    arrays = {k: getattr(part, k) for k in ("replicates", "weekly", "first_day", "rung_days",
                                            "drawdown_day", "totals", "hist", "window_totals",
                                            "window_first_day", "window_rung_days",
                                            "window_days")
              if getattr(part, k) is not None}
    arrays["meta"] = np.array(json.dumps(meta))

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)

    _atomic_write(path, write)


def read_run_chunk(path: Path) -> tuple[dict, ChunkResult] | None:
    """``(meta, part)`` of a chunk file of ``escalation run``, or None when it is damaged."""
    import numpy as np

    from ..engines.outcomes import ChunkResult

    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            get = {k: z[k] for k in z.files if k != "meta"}
        part = ChunkResult(get["replicates"], get.get("weekly"), get["first_day"],
                           get["rung_days"], get["drawdown_day"], totals=get.get("totals"),
                           hist=get.get("hist"), window_totals=get.get("window_totals"),
                           window_first_day=get.get("window_first_day"),
                           window_rung_days=get.get("window_rung_days"),
                           window_days=get.get("window_days"))
        n = meta["rep1"] - meta["rep0"]
        ok = len(part.replicates) == n and all(
            len(a) == n for a in (part.first_day, part.rung_days, part.drawdown_day))
    except Exception:  # noqa: BLE001 - a damaged file is simply recomputed
        return None
    return (meta, part) if ok else None


# --------------------------------------------------------------------------- calibration

CALIBRATION_MANIFEST = "calibration_manifest.json"
CALIBRATION_FILES = ("posterior.parquet", "point_estimate.json", CALIBRATION_MANIFEST,
                     "report.md", "figures")
"""What ``escalation calibrate`` writes into its folder (which holds other files, such as the
documented record: calibrate replaces only these)."""


def check_calibration_folder(out: str | Path, scenario: str, overwrite: bool = False) -> None:
    """The ownership rule for ``escalation calibrate --out``: it replaces its own files only
    (:data:`CALIBRATION_FILES`), only if the folder's ``calibration_manifest.json`` was
    written by this tool (files of those names without it are refused), and only with
    ``overwrite`` when that calibration was of another scenario.  Also checks that the
    folder can be written, before the (long) fit starts."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder; choose another --out")
    present = [n for n in CALIBRATION_FILES if (out / n).exists()]
    if present:
        try:
            m = json.loads((out / CALIBRATION_MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            m = None
        mark = m.get(MARKER) if isinstance(m, dict) else None
        ours = (isinstance(mark, dict) and mark.get("tool") == TOOL) or (
            isinstance(m, dict) and mark is None and "fit_window" in m and "data_sha256" in m)
        if not ours:
            raise OutputError(f"{out}: holds {', '.join(present)} but no calibration manifest "
                              "written by escalation; refusing to replace them: choose "
                              "another --out")
        if m.get("scenario") != scenario and not overwrite:
            raise OutputError(f"{out}: holds the calibration of another scenario "
                              f"({m.get('scenario')!r}, not {scenario!r}); choose another "
                              "--out, or add --overwrite to replace it")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = tempfile.mkdtemp(prefix=".probe-", dir=out)
        os.rmdir(probe)
    except OSError as exc:
        raise _cannot_write(out, exc) from None


# --------------------------------------------------------------------------- reading


def read_manifest(folder: Path) -> dict | None:
    """The folder's manifest, or None when it has none or it cannot be read."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return m if isinstance(m, dict) else None
