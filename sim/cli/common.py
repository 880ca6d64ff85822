"""What every command shares: bad input as one line and exit code 2, never a traceback."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from ..errors import InputError

EXIT_BAD_INPUT = 2


def fail(message: str) -> None:
    """Print ``error: message`` on stderr and exit with code 2."""
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def friendly_errors(fn):
    """Turn bad-input errors into one line on stderr and exit code 2 (never a traceback)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            click.echo("interrupted: nothing was written", err=True)
            sys.exit(130)

    return wrapper


def scenario_argument(f):
    """The optional SCENARIO argument: a bundled name, a path, or nothing (the baseline)."""
    return click.argument("scenario", required=False, metavar="[SCENARIO]")(f)


def default_out(name: str, suffix: str = "") -> Path:
    """``results/<name>[-suffix]``: where a command writes when ``--out`` is not given."""
    return Path("results") / (f"{name}-{suffix}" if suffix else name)
