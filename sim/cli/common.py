"""What every command shares: bad input as one line and exit code 2, never a traceback."""

from __future__ import annotations

import functools
import re
import sys
import warnings
from pathlib import Path

import click

from ..errors import InputError, InputWarning

EXIT_BAD_INPUT = 2


def one_line(message: str) -> str:
    r"""``message`` on one line: line breaks and other control characters (which a bad
    value quoted in a message may hold) are shown as escapes.

    >>> one_line("unknown value 'a\nb'")
    "unknown value 'a\\nb'"
    """
    return re.sub(r"[\x00-\x1f\x7f]", lambda m: repr(m.group())[1:-1], str(message))


def fail(message: str) -> None:
    """Print ``error: message`` on stderr, on one line, and exit with code 2."""
    click.echo(f"error: {one_line(message)}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def friendly_errors(fn):
    """Turn bad-input errors into one line on stderr and exit code 2 (never a traceback);
    print each :class:`~sim.errors.InputWarning` as one ``warning:`` line on stderr."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("always", InputWarning)
            shown = warnings.showwarning

            def show(message, category, filename, lineno, file=None, line=None):
                if issubclass(category, InputWarning):
                    click.echo(f"{getattr(category, 'label', 'warning')}: "
                               f"{one_line(str(message))}", err=True)
                else:
                    shown(message, category, filename, lineno, file, line)

            warnings.showwarning = show
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
    """``results/<name>[-suffix]``: where a command writes when ``--out`` is not given (the
    scenario's name made a safe folder name: it cannot leave ``results/``)."""
    from ..experiments.store import safe_name

    name = safe_name(name)
    return Path("results") / (f"{name}-{suffix}" if suffix else name)
