"""Calibration against the documented record: statistics, patterns, the fit, the report and
the branching validation."""
