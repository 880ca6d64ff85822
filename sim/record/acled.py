"""Reading ACLED-format exports as event rows of the documented record.

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

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from .load import MILITIA_ACTORS, RECORD_END, RECORD_START, _err, _events_frame, _rows

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
        try:  # a whole number (ACLED writes "3" or "3.0"), never NaN, infinite or fractional
            value = float((r.get("fatalities") or "0").strip() or 0)
            if not value.is_integer():
                raise ValueError(value)
            fat = int(value)
        except (ValueError, OverflowError):
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


