"""The ``escalation`` command line: a click group over the API.

    escalation run [SCENARIO] --runs N --seed S --out DIR [--engine batch|mesa] [--weekly]
    escalation show [SCENARIO]; escalation list
    escalation compare | sweep | sensitivity | plot ...   (docs/sweeps.md)
    escalation calibrate | validate | recover ...         (docs/calibration.md)
    escalation dashboard [--port P]                       the SolaraViz dashboard
"""

from __future__ import annotations

import click

from . import calibrate, dashboard, experiments, recovery, run


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="escalation-sim")
def main():
    """Agent-based simulator of escalation between the United States, Iran, Iran-backed
    militias in Iraq and Syria, Israel and the Iraqi government (2019 onward).

    Start with `escalation run` (the bundled baseline), then `escalation show SCENARIO` to see
    every parameter a scenario file can set.
    """


for _cmd in (*run.commands, *experiments.commands, *calibrate.commands, *recovery.commands,
             *dashboard.commands):
    main.add_command(_cmd)
