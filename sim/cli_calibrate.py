"""CLI commands for calibration against the documented record (registered on ``escalation``
by sim.cli)."""

commands: list = []
