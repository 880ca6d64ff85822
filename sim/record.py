"""The documented 2019-2024 record: loaders and validation for calibration/events.csv and
calibration/tallies.csv, and a reader for ACLED-format exports.

Every loader validates each row and raises :class:`RecordError` (a
:class:`sim.scenario.ScenarioError`, so the CLI turns it into one line and exit code 2) naming
the file, the line number (the header is line 1) and the column.

Counts in events.csv are an integer, a range ``LO-HI`` (sources disagree) or empty (unknown);
they load as two nullable integer columns ``<col>_lo`` and ``<col>_hi``.

ACLED exports
-------------
:func:`load_acled` maps ACLED's standard columns (``event_date, event_type, sub_event_type,
actor1, assoc_actor_1, actor2, assoc_actor_2, country, fatalities, notes, source, ...``) onto
our event rows.  The mapping (documented also in docs/calibration.md):

* ``actor``: the first of actor1 / assoc_actor_1 that names a known group
  (Kata'ib Hezbollah, Harakat al-Nujaba, Asa'ib Ahl al-Haq, Kata'ib Sayyid al-Shuhada,
  Islamic Resistance in Iraq); other Iran-aligned militias (PMF, "Iran-backed", "Shiite
  militia", Hezbollah Brigades ...) -> ``militia_unknown``; "Military Forces of the United
  States" -> ``us``; "... of Israel" -> ``israel``; "... of Iran" / IRGC -> ``iran``;
  "... of Iraq" / "Government of Iraq" -> ``iraq_government``.  An "Unidentified Armed Group"
  counts as ``militia_unknown`` only when the notes say it attacked US forces or the coalition
  (ACLED codes most rocket attacks on US bases that way).
* ``event_type``: a militia actor whose actor2 is US forces or whose notes mention US forces,
  Americans, the coalition or a US base (Ain al-Asad, al-Tanf, Tower 22, Conoco, Green
  Village, Harir, Victory, Erbil air base ...) -> ``militia_attack`` (target ``us_embassy``
  when the notes mention the embassy); a militia actor whose event is in Israel or whose notes
  mention Israel -> ``militia_attack_israel``; the US actor in "Explosions/Remote violence" or
  "Battles" -> ``us_strike`` (tier ``leaders`` when the notes mention a commander or leader,
  ``iranian_personnel`` when they mention IRGC / Quds Force personnel killed, else
  ``facilities``); Israel's forces striking in Iraq or Syria -> ``israeli_strike``; Iran's
  forces firing -> ``iran_direct_attack``; a militia "Strategic developments" row whose notes
  mention a suspension, truce or halt -> ``militia_suspension``; "Protests"/"Riots" at the US
  embassy -> ``protest_or_siege``.  Anything else is dropped (the count is in
  ``frame.attrs["dropped"]``).
* counts: ``fatalities`` -> ``militia_killed`` for strikes; for attacks on US forces,
  ``us_killed`` is the fatalities when the notes say Americans (soldiers, troops, service
  members, contractors) were killed, 0 when fatalities is 0, else unknown; ``us_wounded`` is
  left unknown (ACLED does not code injuries).
* ``source_url``: ``ACLED <event_id_cnty>: <source>`` (ACLED gives source names, not URLs).
* ``event_date``: ISO (``2024-01-28``) or ACLED's ``28 January 2024``.

Never commit ACLED data: its licence forbids redistribution.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .scenario import PACKAGE_ROOT, ScenarioError

CALIBRATION_DIR = PACKAGE_ROOT / "calibration"
EVENTS_CSV = CALIBRATION_DIR / "events.csv"
TALLIES_CSV = CALIBRATION_DIR / "tallies.csv"

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
TALLY_COUNTRIES = ("all", "iraq", "syria", "jordan")

EVENT_COLUMNS = ("date", "actor", "target", "country", "event_type", "tier", "us_killed",
                 "us_wounded", "militia_killed", "description", "source_url")
COUNT_COLUMNS = ("us_killed", "us_wounded", "militia_killed")
TALLY_COLUMNS = ("period_start", "period_end", "measure", "country", "low", "high",
                 "source_url", "note")
RECORD_START = dt.date(2019, 1, 1)
RECORD_END = dt.date(2024, 12, 31)

_RANGE = re.compile(r"^(\d+)\s*-\s*(\d+)$")
_INT = re.compile(r"^\d+$")
_URL = re.compile(r"^https?://\S+$")


class RecordError(ScenarioError):
    """A record file cannot be used; the message names the file, the line and the column."""


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
    """Yield (line number, row dict) and check the header."""
    path = Path(path)
    if not path.exists():
        raise RecordError(f"{path}: file not found")
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
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
            if len(row) != len(header):
                raise _err(path, line, header[min(len(row), len(header)) - 1],
                           f"{len(row)} fields, the header has {len(header)} (unquoted comma?)")
            yield line, dict(zip(header, row))


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


def load_tallies(path: str | Path | None = None) -> pd.DataFrame:
    """Load and validate tallies.csv (period_start <= period_end, known measure and country,
    0 <= low <= high, a source URL)."""
    path = Path(path) if path is not None else TALLIES_CSV
    out = []
    for line, r in _rows(path, TALLY_COLUMNS):
        a = _date(path, line, "period_start", r["period_start"])
        b = _date(path, line, "period_end", r["period_end"])
        if b < a:
            raise _err(path, line, "period_end", f"{b} is before period_start {a}")
        rec = {"line": line, "period_start": a, "period_end": b,
               "measure": _choice(path, line, "measure", r["measure"], MEASURES),
               "country": _choice(path, line, "country", r["country"], TALLY_COUNTRIES)}
        for c in ("low", "high"):
            v = (r[c] or "").strip()
            if v.startswith("-") and _INT.match(v[1:]):
                raise _err(path, line, c, f"negative count '{v}'")
            if not _INT.match(v):
                raise _err(path, line, c, f"'{v}' is not a non-negative integer")
            rec[c] = int(v)
        if rec["low"] > rec["high"]:
            raise _err(path, line, "low", f"low {rec['low']} > high {rec['high']}")
        rec["source_url"] = _urls(path, line, "source_url", r["source_url"])
        rec["note"] = (r["note"] or "").strip()
        out.append(rec)
    df = pd.DataFrame(out, columns=["line", "period_start", "period_end", "measure", "country",
                                    "low", "high", "source_url", "note"])
    df["period_start"] = pd.to_datetime(df["period_start"])
    df["period_end"] = pd.to_datetime(df["period_end"])
    return df


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


# ---- ACLED -----------------------------------------------------------------------------------

ACLED_COLUMNS = ("event_date", "event_type", "sub_event_type", "actor1", "actor2", "country",
                 "fatalities", "notes", "source")

_GROUP_PATTERNS = (
    ("kataib_hezbollah", r"kata'?i?b\s+hizb?[ao]llah|kataib\s+hezbollah|hezbollah\s+brigades"),
    ("harakat_al_nujaba", r"nujaba"),
    ("asaib_ahl_al_haq", r"asa'?ib\s+ahl\s+al[- ]haq"),
    ("kataib_sayyid_al_shuhada", r"sayyid\s+al[- ]shuhada"),
    ("islamic_resistance_in_iraq", r"islamic\s+resistance\s+in\s+iraq"),
    ("militia_unknown", r"popular\s+mobili[sz]ation|\bpmf\b|\bpmu\b|hashd|iran[- ]backed|"
                        r"iran[- ]aligned|shi'?ite\s+militia|shia\s+militia|"
                        r"saraya\s+awliya|ashab\s+al[- ]kahf|qasim\s+al[- ]jabbarin"),
)
_STATE_PATTERNS = (
    ("us", r"military\s+forces\s+of\s+the\s+united\s+states|\bus\s+forces\b"),
    ("israel", r"military\s+forces\s+of\s+israel"),
    ("iran", r"military\s+forces\s+of\s+iran|islamic\s+revolutionary\s+guard|\birgc\b"),
    ("iraq_government", r"military\s+forces\s+of\s+iraq|government\s+of\s+iraq|"
                        r"police\s+forces\s+of\s+iraq"),
)
_UNIDENTIFIED = re.compile(r"unidentified\s+armed\s+group", re.I)
_US_TARGET = re.compile(
    r"\bU\.?S\.?\b(?!\s*dollar)|\bUS-led\b|american|coalition|ain\s+al[- ]asad|al[- ]asad\s+air|"
    r"al[- ]tanf|tower\s+22|conoco|green\s+village|rumalyn|harir|camp\s+victory|victory\s+base|"
    r"\bk-1\b|camp\s+taji|al[- ]omar|mission\s+support\s+site|erbil\s+(air|airport)|"
    r"us\s+embassy", re.I)
_EMBASSY = re.compile(r"embassy|green\s+zone", re.I)
_ISRAEL = re.compile(r"israel|eilat|golan|haifa|tel\s+aviv", re.I)
_US_DEAD = re.compile(r"(american|\bU\.?S\.?\b)[^.;]{0,40}(soldier|troop|service\s?member|"
                      r"contractor|personnel)s?[^.;]{0,30}(killed|died|dead)|"
                      r"killed[^.;]{0,40}(american|\bU\.?S\.?\b)[^.;]{0,20}(soldier|troop|"
                      r"service\s?member|contractor)", re.I)
_LEADER = re.compile(r"commander|leader|senior\s+(member|official)", re.I)
_IRANIAN = re.compile(r"\birgc\b|quds\s+force|iranian\s+(personnel|adviser|advisor|officer|"
                      r"general)", re.I)
_SUSPEND = re.compile(r"suspen|truce|halt|cease", re.I)
_ACLED_COUNTRY = {"iraq": "iraq", "syria": "syria", "jordan": "jordan", "israel": "israel",
                  "iran": "iran", "lebanon": "lebanon", "yemen": "yemen",
                  "palestine": "israel"}


def _classify_actor(*names: str, notes: str = "") -> str | None:
    text = " ; ".join(n for n in names if n)
    for actor, pat in _GROUP_PATTERNS:
        if re.search(pat, text, re.I):
            return actor
    for actor, pat in _STATE_PATTERNS:
        if re.search(pat, names[0] if names else "", re.I):
            return actor
    if _UNIDENTIFIED.search(names[0] if names else "") and _US_TARGET.search(notes):
        return "militia_unknown"
    return None


def _acled_date(path, line, value) -> dt.date:
    v = (value or "").strip()
    for fmt in ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(v, fmt).date()
        except ValueError:
            continue
    raise _err(path, line, "event_date", f"'{v}' is not a date (2024-01-28 or 28 January 2024)")


def load_acled(path: str | Path) -> pd.DataFrame:
    """Read an ACLED export and map it onto event rows (same frame as :func:`load_events`).

    Rows outside 2019-2024 or that do not map to one of our event types are dropped;
    ``frame.attrs["dropped"]`` counts them.  See the module docstring for the mapping.
    """
    path = Path(path)
    out, dropped = [], 0
    for line, r in _rows(path, ACLED_COLUMNS):
        d = _acled_date(path, line, r["event_date"])
        try:
            fat = int(float((r.get("fatalities") or "0").strip() or 0))
        except ValueError:
            raise _err(path, line, "fatalities", f"'{r['fatalities']}' is not a count") from None
        if fat < 0:
            raise _err(path, line, "fatalities", f"negative count '{fat}'")
        if not RECORD_START <= d <= RECORD_END:
            dropped += 1
            continue
        notes = r.get("notes") or ""
        etype, sub = (r.get("event_type") or "").strip(), (r.get("sub_event_type") or "").strip()
        actor = _classify_actor(r.get("actor1", ""), r.get("assoc_actor_1", ""), notes=notes)
        actor2 = r.get("actor2", "") + " ; " + r.get("assoc_actor_2", "")
        country = _ACLED_COUNTRY.get((r.get("country") or "").strip().lower(), "other")
        violent = etype in ("Explosions/Remote violence", "Battles")
        ev = None
        target, tier, us_killed, mil_killed = "other", "", (None, None), (None, None)
        if actor in MILITIA_ACTORS:
            if violent and (re.search(r"united\s+states", actor2, re.I)
                            or _US_TARGET.search(notes)):
                ev = "militia_attack"
                target = "us_embassy" if _EMBASSY.search(notes) else "us_forces"
                if fat == 0:
                    us_killed = (0, 0)
                elif _US_DEAD.search(notes):
                    us_killed = (fat, fat)
            elif violent and (country == "israel" or _ISRAEL.search(notes)):
                ev, target = "militia_attack_israel", "israel"
            elif etype == "Strategic developments" and _SUSPEND.search(notes):
                ev, target = "militia_suspension", "us_forces"
        elif actor == "us" and violent:
            ev, target = "us_strike", "militia"
            tier = ("iranian_personnel" if _IRANIAN.search(notes)
                    else "leaders" if _LEADER.search(notes) else "facilities")
            if tier == "iranian_personnel":
                target = "iranian_personnel"
            mil_killed = (fat, fat)
        elif actor == "israel" and violent and country in ("iraq", "syria"):
            ev, target, mil_killed = "israeli_strike", "militia", (fat, fat)
            if _IRANIAN.search(notes):
                target = "iranian_personnel"
        elif actor == "iran" and violent:
            ev = "iran_direct_attack"
            target = ("us_forces" if _US_TARGET.search(notes)
                      else "israel" if _ISRAEL.search(notes) else "other")
        elif etype in ("Protests", "Riots") and re.search(r"\bU\.?S\.?\s+embassy|american\s+"
                                                          r"embassy", notes, re.I):
            ev, target = "protest_or_siege", "us_embassy"
            actor = actor or "other"
        if ev is None:
            dropped += 1
            continue
        desc = re.sub(r"\s+", " ", notes).strip()[:160] or f"{etype}: {sub}"
        out.append({"line": line, "date": d, "actor": actor, "target": target,
                    "country": country, "event_type": ev, "tier": tier,
                    "us_killed_lo": us_killed[0], "us_killed_hi": us_killed[1],
                    "us_wounded_lo": None, "us_wounded_hi": None,
                    "militia_killed_lo": mil_killed[0], "militia_killed_hi": mil_killed[1],
                    "description": desc,
                    "source_url": f"ACLED {r.get('event_id_cnty', '?')}: "
                                  f"{(r.get('source') or '').strip()}"})
    df = _events_frame(out)
    df.attrs["dropped"] = dropped
    return df


def count_mid(lo, hi) -> float:
    """Midpoint of a (lo, hi) count; NaN when unknown."""
    if pd.isna(lo):
        return float("nan")
    return (float(lo) + float(hi)) / 2.0
