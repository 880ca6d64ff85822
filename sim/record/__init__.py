"""The documented 2019-2024 record: loaders and validation (:mod:`sim.record.load`), ACLED
exports (:mod:`sim.record.acled`) and the documented series used by replay and calibration
(:mod:`sim.record.series`)."""

from .load import Record, load_record

__all__ = ["Record", "load_record"]
