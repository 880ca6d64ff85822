"""The input errors: one message naming what is wrong and where.

The command line turns every :class:`InputError` into one line on stderr and exit code 2;
the API raises it as is.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class InputError(ValueError):
    """Bad input (a file, a key, a value, an argument, a folder); the message says what and
    where."""


class ScenarioError(InputError):
    """A scenario file, override or argument cannot be used; the message names the file and
    the key."""


class RecordError(ScenarioError):
    """A row of the documented record cannot be read; the message names the file, the line
    and the column."""


class OutputError(InputError):
    """An output folder cannot be written or read (the message says why)."""


def suggest(word: str, options: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``options``, or ``""``.

    >>> suggest("trigerr", ["trigger", "tier"])
    " (did you mean 'trigger'?)"
    """
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else ""


class InputWarning(UserWarning):
    """Something about the input the user should know although the work can go on (a
    posterior fitted on another record, a scheduler still waiting for workers); the command
    line prints it as one ``warning:`` line on stderr (``note:`` for a subclass whose
    ``label`` says so)."""

    label = "warning"
