"""The documented 2019-2024 record: loaders and validation for calibration/events.csv and
calibration/tallies.csv, and a reader for ACLED-format exports.

Every loader validates each row and raises :class:`RecordError` (a
:class:`sim.scenario.ScenarioError`, so the CLI turns it into one line and exit code 2) naming
the file, the line number (the header is line 1) and the column.

Counts in events.csv are an integer, a range ``LO-HI`` (sources disagree) or empty (unknown);
they load as two nullable integer columns ``<col>_lo`` and ``<col>_hi``.

Each tally in tallies.csv carries its bound type (``bound``: exact, range, lower, approx), its
scope (``theatre``: iraq, syria, jordan, iraq_syria, all; ``counts``: what kind of attack it
counts) and who counted (``counter``); calibration/RECORD.md explains each value.

ACLED exports load through :mod:`sim.record.acled`.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import RecordError
from ..paths import CALIBRATION_DIR, EVENTS_CSV, TALLIES_CSV

ACTORS = ("us", "iran", "israel", "iraq_government", "kataib_hezbollah", "harakat_al_nujaba",
          "asaib_ahl_al_haq", "kataib_sayyid_al_shuhada", "islamic_resistance_in_iraq",
          "militia_unknown", "hamas", "hezbollah", "houthis", "other")
MILITIA_ACTORS = ("kataib_hezbollah", "harakat_al_nujaba", "asaib_ahl_al_haq",
                  "kataib_sayyid_al_shuhada", "islamic_resistance_in_iraq", "militia_unknown")
TARGETS = ("us_forces", "us_embassy", "militia", "iranian_personnel", "israel", "iran",
           "iraq_government", "iraqi_territory", "other")
COUNTRIES = ("iraq", "syria", "jordan", "israel", "iran", "lebanon", "yemen", "other")
EVENT_TYPES = ("militia_attack", "militia_attack_israel", "militia_attack_other", "us_strike",
               "israeli_strike", "iran_direct_attack", "militia_suspension", "iraqi_action",
               "protest_or_siege", "exogenous")
STRIKE_TIERS = ("facilities", "leaders", "iranian_personnel")
MEASURES = ("attacks_on_us_forces", "us_strike_events", "us_killed", "us_wounded",
            "attacks_claimed_on_israel")
THEATRES = ("iraq", "syria", "jordan", "iraq_syria", "all")
"""Scope of a tally: one country, Iraq and Syria together (the source names both), or all
theatres (the source says 'the region', names all three, or does not say)."""
BOUNDS = ("exact", "range", "lower", "approx")
"""exact and approx: low == high; range: low < high; lower ('at least', 'more than', 'over'):
high empty."""
COUNTS = ("all", "indirect_fire", "incl_convoys", "convoys_only", "unknown", "claimed",
          "broader")
"""What a tally of attacks counts: every attack on US forces and facilities (the Pentagon's
definition), rockets and mortars only, attacks including convoy IEDs, convoy attacks only,
not stated, attacks claimed by the militias, or a wider set than the US military's series
(``broader``: an independent monitor's or an "all US interests" count that the record shows
running above the Pentagon's figures for the same days)."""

EVENT_COLUMNS = ("date", "actor", "target", "country", "event_type", "tier", "us_killed",
                 "us_wounded", "militia_killed", "description", "source_url")
COUNT_COLUMNS = ("us_killed", "us_wounded", "militia_killed")
TALLY_COLUMNS = ("period_start", "period_end", "measure", "theatre", "bound", "low", "high",
                 "counts", "counter", "source_url", "note")
RECORD_START = dt.date(2019, 1, 1)
RECORD_END = dt.date(2024, 12, 31)

_RANGE = re.compile(r"^(\d+)\s*-\s*(\d+)$")
_INT = re.compile(r"^\d+$")
_URL = re.compile(r"^https?://\S+$")
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def _err(path: Path, line: int, column: str, message: str) -> RecordError:
    return RecordError(f"{path.name}: line {line}, column '{column}': {message}")


def _date(path, line, column, value, lo=RECORD_START, hi=RECORD_END) -> dt.date:
    try:
        d = dt.date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise _err(path, line, column, f"'{value}' is not a date (YYYY-MM-DD)") from None
    if not lo <= d <= hi:
        raise _err(path, line, column, f"{d} is outside the record ({lo} to {hi})")
    return d


def _choice(path, line, column, value, options, allow_empty=False) -> str:
    v = (value or "").strip()
    if allow_empty and v == "":
        return ""
    if v not in options:
        import difflib
        near = difflib.get_close_matches(v, options, n=1)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        raise _err(path, line, column, f"unknown value '{v}'{hint}; expected one of "
                   + ", ".join(options))
    return v


def parse_count(value: str, path: Path = Path("?"), line: int = 0,
                column: str = "?") -> tuple[int | None, int | None]:
    """``""`` -> (None, None); ``"3"`` -> (3, 3); ``"25-47"`` -> (25, 47).  Anything else
    (negative, ``LO > HI``, malformed) raises :class:`RecordError`."""
    v = (value or "").strip()
    if v == "":
        return None, None
    if _INT.match(v):
        return int(v), int(v)
    m = _RANGE.match(v)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        if lo > hi:
            raise _err(path, line, column, f"range '{v}' has low > high")
        return lo, hi
    if v.startswith("-") and _INT.match(v[1:]):
        raise _err(path, line, column, f"negative count '{v}'")
    raise _err(path, line, column, f"'{v}' is not a count: use an integer, a range LO-HI, "
               "or leave it empty")


def _urls(path, line, column, value) -> str:
    v = (value or "").strip()
    if not v:
        raise _err(path, line, column, "missing source URL")
    parts = [p.strip() for p in v.split("|")]
    for p in parts:
        if not _URL.match(p):
            raise _err(path, line, column, f"'{p}' is not a URL (http:// or https://; "
                       "separate two URLs with ' | ')")
    return " | ".join(parts)


def _rows(path: Path, columns: tuple[str, ...]):
    """Yield (line number, row dict) and check the header.

    The file is read as UTF-8 text (a byte-order mark is allowed) with strict CSV quoting.  A
    quoted field left open at the end of the file, a row with the wrong number of fields, and
    a last row without a line break (a file cut mid-row: its last field may be cut short yet
    look valid) are errors naming the line.
    """
    path = Path(path)
    if not path.is_file():
        raise RecordError(f"{path}: file not found")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise RecordError(f"{path.name}: line {line}: not UTF-8 text (byte {exc.start})"
                          ) from None
    cut = text != "" and not text.endswith(("\n", "\r"))  # the last row has no line break
    n_lines = len(io.StringIO(text, newline="").readlines())
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise RecordError(f"{path.name}: empty file") from None
        missing = [c for c in columns if c not in header]
        if missing:
            raise _err(path, 1, missing[0], "column missing from the header")
        start = reader.line_num + 1
        for row in reader:
            line = start
            start = reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if cut and reader.line_num >= n_lines:
                raise RecordError(f"{path.name}: line {line}: the last row does not end with a "
                                  "line break: the file looks cut short mid-row (truncated); "
                                  "restore it, or end the file with a line break if the row "
                                  "is complete")
            if len(row) != len(header):
                raise _err(path, line, header[min(len(row), len(header)) - 1],
                           f"{len(row)} fields, the header has {len(header)} (unquoted comma?)")
            yield line, dict(zip(header, row))
    except csv.Error as exc:
        raise RecordError(f"{path.name}: line {reader.line_num}: malformed CSV ({exc}); the "
                          "file may be truncated or a quote left open") from None


def load_events(path: str | Path | None = None) -> pd.DataFrame:
    """Load and validate events.csv.

    Returns one row per event: ``date`` (datetime64), the vocabulary columns, ``tier``,
    ``<count>_lo`` / ``<count>_hi`` (nullable Int64) for us_killed, us_wounded,
    militia_killed, ``description``, ``source_url`` and ``line`` (line in the file).
    """
    path = Path(path) if path is not None else EVENTS_CSV
    out = []
    for line, r in _rows(path, EVENT_COLUMNS):
        rec = {"line": line, "date": _date(path, line, "date", r["date"])}
        rec["actor"] = _choice(path, line, "actor", r["actor"], ACTORS)
        rec["target"] = _choice(path, line, "target", r["target"], TARGETS)
        rec["country"] = _choice(path, line, "country", r["country"], COUNTRIES)
        et = rec["event_type"] = _choice(path, line, "event_type", r["event_type"], EVENT_TYPES)
        tier = _choice(path, line, "tier", r["tier"], STRIKE_TIERS, allow_empty=True)
        if et == "us_strike" and not tier:
            raise _err(path, line, "tier", "a us_strike row needs a tier: "
                       + ", ".join(STRIKE_TIERS))
        if et != "us_strike" and tier:
            raise _err(path, line, "tier", f"tier is for us_strike rows only (this is {et})")
        rec["tier"] = tier
        for c in COUNT_COLUMNS:
            rec[f"{c}_lo"], rec[f"{c}_hi"] = parse_count(r[c], path, line, c)
        desc = (r["description"] or "").strip()
        if not desc:
            raise _err(path, line, "description", "empty description")
        rec["description"] = desc
        rec["source_url"] = _urls(path, line, "source_url", r["source_url"])
        out.append(rec)
    return _events_frame(out)


def _events_frame(rows: list[dict]) -> pd.DataFrame:
    cols = ["line", "date", "actor", "target", "country", "event_type", "tier",
            *[f"{c}_{s}" for c in COUNT_COLUMNS for s in ("lo", "hi")], "description",
            "source_url"]
    df = pd.DataFrame(rows, columns=cols)
    df["date"] = pd.to_datetime(df["date"])
    for c in COUNT_COLUMNS:
        for s in ("lo", "hi"):
            df[f"{c}_{s}"] = df[f"{c}_{s}"].astype("Int64")
    return df.sort_values(["date", "line"], kind="stable").reset_index(drop=True)


def _count(path, line, column, value) -> int:
    v = (value or "").strip()
    if v.startswith("-") and _INT.match(v[1:]):
        raise _err(path, line, column, f"negative count '{v}'")
    if not _INT.match(v):
        raise _err(path, line, column, f"'{v}' is not a non-negative integer")
    return int(v)


TALLY_FRAME_COLUMNS = ["line", "period_start", "period_end", "measure", "theatre", "bound",
                       "low", "high", "counts", "counter", "source_url", "note"]


def load_tallies(path: str | Path | None = None) -> pd.DataFrame:
    """Load and validate tallies.csv.

    Each row: period_start <= period_end; a known measure, theatre, bound and counts; low a
    non-negative integer; high equal to low for ``exact`` and ``approx``, above low for
    ``range``, empty for ``lower``; counter in lower_snake_case; a source URL; a note.

    Returns columns line, period_start, period_end (Timestamps), measure, theatre, bound,
    low (int), high (float: NaN for a lower bound), counts, counter, source_url, note.
    """
    path = Path(path) if path is not None else TALLIES_CSV
    out = []
    for line, r in _tally_rows(path):
        a = _date(path, line, "period_start", r["period_start"])
        b = _date(path, line, "period_end", r["period_end"])
        if b < a:
            raise _err(path, line, "period_end", f"{b} is before period_start {a}")
        rec = {"line": line, "period_start": a, "period_end": b,
               "measure": _choice(path, line, "measure", r["measure"], MEASURES),
               "theatre": _choice(path, line, "theatre", r["theatre"], THEATRES)}
        bound = rec["bound"] = _choice(path, line, "bound", r["bound"], BOUNDS)
        low = rec["low"] = _count(path, line, "low", r["low"])
        h = (r["high"] or "").strip()
        if bound == "lower":
            if h:
                raise _err(path, line, "high", f"a lower bound has no high (found '{h}'): "
                           "leave it empty, or use bound 'range'")
            rec["high"] = float("nan")
        else:
            if not h:
                raise _err(path, line, "high", f"a{'n' if bound[0] in 'ae' else ''} {bound} "
                           "row needs a high (empty only for bound 'lower')")
            high = _count(path, line, "high", h)
            if bound in ("exact", "approx") and high != low:
                raise _err(path, line, "high", f"an {bound} row has high == low (found low "
                           f"{low}, high {high}); use bound 'range' for two figures")
            if bound == "range" and not low < high:
                raise _err(path, line, "high", f"a range needs low < high (found low {low}, "
                           f"high {high})")
            rec["high"] = float(high)
        rec["counts"] = _choice(path, line, "counts", r["counts"], COUNTS)
        counter = (r["counter"] or "").strip()
        if not _SNAKE.match(counter):
            raise _err(path, line, "counter", f"'{counter}' is not a counter name in "
                       "lower_snake_case (e.g. pentagon, media_tally)")
        rec["counter"] = counter
        rec["source_url"] = _urls(path, line, "source_url", r["source_url"])
        note = (r["note"] or "").strip()
        if not note:
            raise _err(path, line, "note", "empty note: say what the figure is and how it "
                       "was coded")
        rec["note"] = note
        out.append(rec)
    df = pd.DataFrame(out, columns=TALLY_FRAME_COLUMNS)
    df["period_start"] = pd.to_datetime(df["period_start"])
    df["period_end"] = pd.to_datetime(df["period_end"])
    df["low"] = df["low"].astype("int64")
    df["high"] = df["high"].astype("float64")
    return df


def _tally_rows(path: Path):
    """:func:`_rows` for tallies.csv, with a pointed message for a file in the old format
    (a ``country`` column and no ``theatre``, ``bound``, ``counts``, ``counter``)."""
    path = Path(path)
    if path.is_file():
        try:
            first = path.read_bytes().decode("utf-8-sig").splitlines()[:1]
        except UnicodeDecodeError:
            first = []
        header = [h.strip() for h in next(csv.reader(first), [])] if first else []
        if "country" in header and "theatre" not in header:
            raise _err(path, 1, "theatre", "column missing from the header: this is the old "
                       "tallies.csv format (country, low, high); the new header is "
                       + ",".join(TALLY_COLUMNS) + " (see calibration/RECORD.md)")
    yield from _rows(path, TALLY_COLUMNS)


@dataclass
class Record:
    """The documented record: events and tallies, and where they came from."""

    events: pd.DataFrame
    tallies: pd.DataFrame
    events_path: Path
    tallies_path: Path

    def checksums(self) -> dict[str, str]:
        """sha256 of each source file."""
        return {p.name: sha256(p) for p in (self.events_path, self.tallies_path)}


def load_record(folder: str | Path | None = None) -> Record:
    """Load and validate ``events.csv`` and ``tallies.csv`` from ``folder`` (default:
    the project's calibration/)."""
    folder = Path(folder) if folder is not None else CALIBRATION_DIR
    ev, ta = folder / "events.csv", folder / "tallies.csv"
    return Record(load_events(ev), load_tallies(ta), ev, ta)


def sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def count_mid(lo, hi) -> float:
    """Midpoint of a (lo, hi) count; NaN when unknown."""
    if pd.isna(lo):
        return float("nan")
    return (float(lo) + float(hi)) / 2.0
