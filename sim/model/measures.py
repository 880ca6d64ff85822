"""The daily measures: what each simulated day counts, per replicate.

Every phase adds to the day's count vector ``State.counts[M[name]]``; the engines stream the
vectors into weekly totals and histograms.  Each measure carries its label, unit and meaning
here, once; the outcome registry (:mod:`sim.experiments.outcomes`) builds the per-run
totals from them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    """One daily count: its label (for tables and figures), unit and meaning."""

    label: str
    unit: str
    doc: str


MEASURES: dict[str, Measure] = {
    "attacks": Measure("attacks on US forces", "attacks",
                       "militia attacks on US forces (Iraq, Syria, the embassy, Jordan)"),
    "attacks_iraq": Measure("attacks on US forces in Iraq", "attacks",
                            "militia attacks on US bases in Iraq"),
    "attacks_syria": Measure("attacks on US forces in Syria", "attacks",
                             "militia attacks on US bases in Syria"),
    "attacks_embassy": Measure("attacks on the Baghdad embassy", "attacks",
                               "militia attacks on the embassy and Green Zone"),
    "attacks_jordan": Measure("attacks on US forces in Jordan", "attacks",
                              "militia attacks on US outposts in Jordan"),
    "attacks_israel": Measure("attacks on Israel", "attacks",
                              "militia attacks launched at Israel"),
    "attacks_drone": Measure("drone attacks on US forces", "attacks",
                             "militia attacks on US forces (all theatres but Israel) made by "
                             "drone; the rest are rockets, mortars and missiles"),
    "us_wounded": Measure("US wounded", "people",
                          "Americans wounded (brain injuries included) by militia and Iranian "
                          "attacks"),
    "us_killed": Measure("US killed", "people",
                         "Americans killed by militia and Iranian attacks"),
    "us_strikes": Measure("US strikes", "strike days", "days with a US retaliatory strike"),
    "us_strikes_facilities": Measure("US strikes on militia facilities", "strike days",
                                     "US strikes of the facilities tier"),
    "us_strikes_leaders": Measure("US strikes on militia leaders", "strike days",
                                  "US strikes of the leaders tier"),
    "us_strikes_iranian_personnel": Measure("US strikes on Iranian personnel", "strike days",
                                            "US strikes that kill Iranian personnel"),
    "us_strikes_iran_territory": Measure("US strikes on Iran", "strike days",
                                         "US strikes on Iranian territory"),
    "us_strikes_iraq": Measure("US strikes in Iraq", "strike days",
                               "US strikes on Iraqi soil"),
    "us_strikes_syria": Measure("US strikes in Syria", "strike days",
                                "US strikes on Syrian soil"),
    "us_strike_targets": Measure("targets hit by US strikes", "targets",
                                 "targets (sites, vehicles, people) US strikes hit"),
    "israeli_strikes": Measure("Israeli strikes", "strikes",
                               "Israeli interdiction strikes on militias in Syria and Iraq"),
    "israeli_strikes_iraq": Measure("Israeli strikes in Iraq", "strikes",
                                    "Israeli interdiction strikes on Iraqi soil"),
    "iran_direct_attacks_us": Measure("Iranian direct attacks on US forces", "attacks",
                                      "days Iran fires directly at US forces"),
    "iran_direct_attacks_israel": Measure("Iranian direct attacks on Israel", "attacks",
                                          "days Iran fires directly at Israel"),
    "militia_suspensions": Measure("militia suspensions", "declarations",
                                   "militia groups declaring a suspension of attacks"),
    "campaign_us": Measure("days of a campaign on US forces", "days",
                           "days Iran runs a proxy campaign on US forces"),
    "campaign_israel": Measure("days of a campaign on Israel", "days",
                               "days Iran runs a proxy campaign on Israel only"),
    "rung": Measure("ladder rung", "rung (0-7)",
                    "the day's escalation-ladder rung (weekly: the week's highest)"),
}
"""Every daily measure, in the order of the count vector."""

DAILY: tuple[str, ...] = tuple(MEASURES)
"""The names of the daily measures, in count-vector order."""
M: dict[str, int] = {name: i for i, name in enumerate(DAILY)}
"""Row of each measure in the count vector."""
RUNG: int = M["rung"]
TIER_MEASURES: tuple[str, ...] = ("us_strikes_facilities", "us_strikes_leaders",
                                  "us_strikes_iranian_personnel", "us_strikes_iran_territory")
"""The strike-tier measures, in tier order (facilities = tier 1 .. Iranian territory = 4)."""
ATTACK_MEASURES: tuple[str, ...] = ("attacks_iraq", "attacks_syria", "attacks_embassy",
                                    "attacks_jordan", "attacks_israel")
"""The attack measures by theatre, in theatre-code order (they follow each other in
:data:`DAILY`)."""
