"""What a run read besides its scenario files, with checksums: the documented record it
replayed and the posterior its replicates drew from.

Every output's manifest records them (``inputs``), and they are part of a job's
fingerprint, so a resumed job never mixes chunks computed from different data.  A posterior
written by ``escalation calibrate`` has a ``calibration_manifest.json`` beside it naming the
checksums of the record it was fitted on; a run that replays a different record is warned.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from ..errors import InputWarning
from ..paths import CALIBRATION_DIR
from ..record.load import sha256
from .scenario import Scenario

CALIBRATION_MANIFEST = "calibration_manifest.json"
RECORD_FILES = ("events.csv", "tallies.csv")


def record_checksums(folder: str | Path) -> dict[str, str]:
    """sha256 of ``events.csv`` and ``tallies.csv`` in ``folder`` (files that are missing are
    left out: loading the record reports them)."""
    folder = Path(folder)
    return {name: sha256(folder / name) for name in RECORD_FILES if (folder / name).is_file()}


def posterior_info(path: str | Path) -> dict:
    """The posterior file, its sha256, and the checksums of the record it was fitted on
    (``fitted_on``: from the ``calibration_manifest.json`` beside it; ``None`` when there is
    none, or when that manifest names another posterior)."""
    path = Path(path)
    info: dict = {"path": str(path), "sha256": sha256(path) if path.is_file() else None,
                  "fitted_on": None}
    cal = path.parent / CALIBRATION_MANIFEST
    try:
        m = json.loads(cal.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return info
    fitted = m.get("data_sha256") if isinstance(m, dict) else None
    own = m.get("posterior_sha256") if isinstance(m, dict) else None
    if isinstance(fitted, dict) and (own is None or own == info["sha256"]):
        info["fitted_on"] = {str(k): str(v) for k, v in fitted.items()}
    return info


def run_inputs(sc: Scenario, posterior: bool) -> dict:
    """``{"record": {...} | None, "posterior": {...} | None}`` of a run of ``sc`` (the
    posterior only when replicates draw from it)."""
    record = None
    if sc.replay_until is not None:
        folder = Path(sc.replay_record) if sc.replay_record else CALIBRATION_DIR
        record = {"folder": str(folder), "sha256": record_checksums(folder)}
    post = posterior_info(sc.posterior) if posterior and sc.posterior else None
    return {"record": record, "posterior": post}


def warn_if_fitted_elsewhere(sc: Scenario, inputs: dict) -> None:
    """Warn (:class:`InputWarning`) when the replayed record differs from the one the
    posterior was fitted on (call it once the record has been loaded and validated)."""
    record, post = inputs.get("record"), inputs.get("posterior")
    if record is not None and post is not None and post["fitted_on"]:
        changed = [name for name, digest in record["sha256"].items()
                   if post["fitted_on"].get(name) not in (None, digest)]
        if changed:
            warnings.warn(InputWarning(
                f"{sc.posterior}: the posterior was fitted on another record than the one "
                f"replayed ({', '.join(changed)} in {record['folder']} differ from the fit's "
                "checksums); recalibrate with `escalation calibrate --record FOLDER` or "
                "replay the record it was fitted on"), stacklevel=3)
