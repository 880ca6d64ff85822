"""CLI commands for sweeps, comparisons, sensitivity analysis and plots (registered on
``escalation`` by sim.cli)."""

commands: list = []
