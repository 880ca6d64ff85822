"""Experiments: the outcome registry, runs, designs, tasks and backends, the output store,
resumable execution, sweeps, comparisons and sensitivity analysis."""
