"""``escalation dashboard``: the SolaraViz dashboard of the Mesa model in a browser."""

from __future__ import annotations

import os
import subprocess
import sys

import click

from .common import friendly_errors


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to serve on (127.0.0.1: this machine only).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="Port to serve on (0: any free port).")
@click.option("--open/--no-open", "open_browser", default=False, show_default=True,
              help="Open the page in the default browser.")
@friendly_errors
def dashboard(host, port, open_browser):
    """Serve the dashboard: pick a scenario and a policy, set the key parameters with
    sliders, step, play and reset one replicate of the Mesa model, and watch the actors'
    state, attacks per week against the documented record and the ladder rung.  Open
    http://HOST:PORT in a browser; Ctrl-C stops the server.

    \b
    Example:
      escalation dashboard --port 8765
    """
    from ..errors import InputError

    try:
        import solara  # noqa: F401
        from mesa.visualization import SolaraViz  # noqa: F401
    except ImportError:
        raise InputError("the dashboard needs Mesa's visualization extra: pip install "
                         "'mesa[viz]' (installed with this project)") from None
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
           "MPLBACKEND": "Agg"}
    cmd = [sys.executable, "-m", "solara", "run", "sim.dashboard.app", "--host", host,
           "--port", str(port), "--production",
           "--open" if open_browser else "--no-open"]
    click.echo(f"serving the dashboard on http://{host}:{port} (Ctrl-C stops it)")
    sys.stdout.flush()
    if os.name == "posix":  # the server replaces this process: one process to stop
        os.execve(sys.executable, cmd, env)
    try:  # pragma: no cover - elsewhere
        sys.exit(subprocess.call(cmd, env=env))
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(0)


commands: list = [dashboard]
