"""The parameter registry: every tunable number of the model, with its meaning, unit and bounds.

A scenario file may set any of these under its section (``[iran]``, ``[militia]``, ``[us]``,
``[israel]``, ``[iraq]``); anything else is refused.  Per-group traits live under
``[groups.<name>]`` and are described by :data:`GROUP_TRAITS`.

Rates are daily.  "logit" parameters add to a log-odds, "log-rate" parameters add to the
natural log of a daily Poisson rate.  Decay times are e-folding times in days: a state ``x``
with decay time ``tau`` is multiplied by ``exp(-1/tau)`` every day.
"""

from __future__ import annotations

from dataclasses import dataclass, field

THEATRES: tuple[str, ...] = ("iraq", "syria", "embassy", "jordan", "israel")
"""Where a militia attack lands. ``embassy`` is the Baghdad embassy and Green Zone."""
US_THEATRES: tuple[int, ...] = (0, 1, 2, 3)
"""Indices of the theatres where US personnel are exposed (all but ``israel``)."""
WEAPONS: tuple[str, ...] = ("rocket", "drone")
TIERS: tuple[str, ...] = ("none", "facilities", "leaders", "iranian_personnel", "iran_territory")
"""US response tiers, in escalating order; index 0 means no strike."""
TRIGGERS: tuple[str, ...] = ("deaths", "casualties", "streak", "never")
"""What makes the US answer: American deaths only (the documented doctrine), any casualties,
every attack streak, or nothing."""
DRIVERS: dict[str, str] = {
    "max_pressure": "US maximum-pressure sanctions on Iran",
    "iraqi_protests": "Iraqi protest wave against the political class and Iranian influence",
    "iran_unrest": "domestic unrest inside Iran",
    "nuclear_talks": "live US-Iran nuclear negotiations",
    "us_election": "US election campaign season",
    "gaza_war": "an ongoing Israel-Hamas war in Gaza",
    "gaza_truce": "a truce in the Gaza war (suppresses the gaza_war effect while on)",
    "regional_war": "a wider regional war (e.g. Israel-Hezbollah, 2024)",
}
"""Exogenous drivers a scenario timeline can switch on, by name."""
SHOCK_TARGETS: dict[str, str] = {
    "iran.grievance": "added to Iran's grievance (e.g. a killing Iran blames on Israel)",
    "militia.grievance": "added to every militia group's grievance",
    "militia.fear": "added to every militia group's fear",
    "us.pressure": "added to US domestic pressure to respond",
    "iraq.sovereignty_pressure": "added to Iraqi sovereignty pressure",
    "iran.killed_by_israel": "added to Iran's grievance, and Iran weighs a direct attack on "
                             "Israel as after an Israeli strike that killed its personnel",
}
"""State variables a dated timeline shock may bump."""


@dataclass(frozen=True)
class Param:
    """One model parameter: default value, inclusive bounds, unit and meaning."""

    default: float | int | str | bool
    lo: float | None = None
    hi: float | None = None
    unit: str = ""
    doc: str = ""
    choices: tuple[str, ...] = field(default=())
    kind: str = "float"  # float | int | enum | date | bool

    def describe_bounds(self) -> str:
        """Human-readable range, e.g. ``[0, 1]`` or ``one of deaths|streak``."""
        if self.kind == "enum":
            return "one of " + "|".join(self.choices)
        if self.kind == "date":
            return "a date (YYYY-MM-DD) or \"\" for none"
        if self.kind == "bool":
            return "true or false"
        return f"[{_fmt(self.lo)}, {_fmt(self.hi)}]"


def _fmt(x: float | None) -> str:
    return "-inf" if x is None else f"{x:g}"


def P(default, lo=None, hi=None, unit="", doc="", **kw) -> Param:  # noqa: N802 - terse table
    """Shorthand for the tables below."""
    return Param(default, lo, hi, unit, doc, **kw)


PARAMETERS: dict[str, dict[str, Param]] = {
    "iran": {
        "greenlight_base": P(-2.6, -8, 4, "logit", "baseline propensity to encourage proxy attacks"),
        "w_max_pressure": P(1.0, 0, 6, "logit per driver unit", "sanctions push toward attacks"),
        "w_unrest": P(0.8, 0, 6, "logit per driver unit", "domestic unrest to distract from"),
        "w_gaza_war": P(3.2, 0, 8, "logit per driver unit", "solidarity with a Gaza war"),
        "w_regional_war": P(0.5, 0, 6, "logit per driver unit", "a wider regional war"),
        "w_talks": P(1.8, 0, 6, "logit per driver unit", "restraint while nuclear talks are live"),
        "w_grievance": P(0.6, 0, 4, "logit per grievance unit", "revenge motive"),
        "w_fear": P(2.5, 0, 6, "logit per credibility unit", "fear of US escalation on Iran"),
        "inertia": P(0.04, 0.001, 1, "1/day", "share of the gap to the target greenlight closed daily"),
        "grievance_decay_days": P(90.0, 1, 1000, "days", "e-folding time of Iran's grievance"),
        "grievance_personnel_killed": P(3.0, 0, 20, "grievance units",
                                        "grievance added when the US kills Iranian personnel"),
        "direct_attack_prob_us": P(0.85, 0, 1, "probability",
                                   "chance Iran fires directly at US forces after the US kills "
                                   "Iranian personnel"),
        "direct_attack_logit_israel": P(-3.0, -10, 10, "logit",
                                        "log-odds Iran fires directly at Israel after Israel "
                                        "kills Iranian personnel, in peacetime"),
        "direct_attack_w_war_israel": P(3.5, 0, 10, "logit per driver unit",
                                        "how much a Gaza or regional war raises that log-odds"),
        "direct_lag_min_days": P(3, 1, 60, "days", "earliest day of a direct attack after the "
                                 "killing", kind="int"),
        "direct_lag_max_days": P(12, 1, 90, "days", "latest day of a direct attack after the "
                                 "killing", kind="int"),
        "direct_wounded_mean": P(60.0, 0, 500, "people", "mean US wounded (mostly brain "
                                 "injuries) of a direct attack on US forces"),
        "direct_lethal_prob": P(0.1, 0, 1, "probability", "chance a telegraphed direct attack on "
                                "US forces kills Americans anyway"),
        "deescalation_days": P(90, 0, 720, "days", "how long Iran holds back after firing "
                               "directly", kind="int"),
        "deescalation_strength": P(2.0, 0, 10, "logit", "greenlight log-odds removed while "
                                   "holding back"),
        "resupply_rate": P(0.6, 0, 20, "capability units/day", "weapons flow to a fully aligned "
                           "group at greenlight 1"),
    },
    "militia": {
        "attack_log_rate_base": P(-5.6, -12, 3, "log attacks/day", "log attack rate of an "
                                  "average group at greenlight 0, no grievance, fear or "
                                  "containment"),
        "w_greenlight": P(6.5, 0, 12, "log-rate per greenlight unit", "following Tehran's lead"),
        "w_grievance": P(1.5, 0, 6, "log-rate at saturation of g/(1+g)", "revenge and contagion"),
        "w_boldness": P(1.0, 0, 6, "log-rate per boldness unit", "the adventurous second "
                        "generation"),
        "w_fear": P(1.1, 0, 8, "log-rate per fear unit", "deterrence by expected US punishment"),
        "w_containment": P(2.0, 0, 8, "log-rate per containment unit", "restraint by the Iraqi "
                           "state"),
        "capability_half": P(15.0, 0.1, 500, "capability units", "stock at which capability "
                             "halves the attack rate"),
        "capability_cap": P(150.0, 1, 5000, "capability units", "storage ceiling of a group"),
        "initial_capability_scale": P(1.0, 0, 10, "multiplier", "scales every group's starting "
                                      "stock"),
        "max_daily_attacks": P(2, 1, 50, "attacks/day", "a group's daily launch capacity "
                               "(crews and launchers): no more attacks than this in a day",
                               kind="int"),
        "attack_cost": P(1.0, 0.01, 50, "capability units/attack", "stock spent per attack"),
        "grievance_decay_days": P(30.0, 1, 1000, "days", "e-folding time of grievance (Hawkes "
                                  "memory, 2-6 weeks)"),
        "fear_decay_days": P(100.0, 1, 1000, "days", "e-folding time of fear"),
        "contagion": P(0.12, 0, 5, "grievance units per attack", "excitation from any group's "
                       "attack that day"),
        "grievance_per_fighter_killed": P(0.08, 0, 5, "grievance units per fighter",
                                          "excitation from fighters lost"),
        "grievance_leader_killed": P(1.5, 0, 20, "grievance units", "excitation from a leader "
                                     "lost"),
        "fear_facilities": P(0.4, 0, 20, "fear units", "fear added to the struck group by a US "
                             "strike on facilities"),
        "fear_leaders": P(2.5, 0, 30, "fear units", "fear added to the struck group by a US "
                          "leadership strike"),
        "fear_iranian_personnel": P(3.5, 0, 30, "fear units", "fear added to every group when "
                                    "the US kills Iranian personnel"),
        "fear_spillover": P(0.5, 0, 1, "fraction", "share of a strike's fear felt by groups not "
                            "struck"),
        "fear_israeli_strike": P(0.05, 0, 5, "fear units", "fear added by an Israeli strike"),
        "drone_share_start": P(0.15, 0, 1, "fraction", "share of attacks by drone at the "
                               "scenario start"),
        "drone_share_end": P(0.8, 0, 1, "fraction", "share of attacks by drone at the scenario "
                             "end"),
        "embassy_pull": P(0.15, 0, 5, "weight per grievance unit", "how grievance draws attacks "
                          "to the Baghdad embassy"),
        "israel_pull": P(1.2, 0, 10, "weight per driver unit", "how a Gaza or regional war draws "
                         "attacks to Israel"),
        "jordan_pull": P(0.15, 0, 5, "weight per driver unit", "how a Gaza war opens Jordan as a "
                         "theatre"),
        "syria_shift": P(1.5, 0, 10, "weight per pressure unit", "how Iraqi sovereignty pressure "
                         "moves attacks from Iraq to Syria"),
        "suspend_logit_base": P(-9.0, -20, 5, "logit", "daily log-odds a group declares a "
                                "suspension with no fear or containment"),
        "suspend_w_fear": P(0.9, 0, 10, "logit per fear unit", "fear pushes toward suspension"),
        "suspend_w_containment": P(5.0, 0, 20, "logit per containment unit", "Iraqi mediation "
                                   "pushes toward suspension"),
        "suspend_w_greenlight": P(2.0, 0, 20, "logit per greenlight unit", "a greenlight keeps "
                                  "aligned groups fighting"),
        "suspension_days_mean": P(120.0, 1, 720, "days", "mean length of a suspension (uniform "
                                  "on half to 1.5 times this)"),
        "leader_replacement_days": P(60, 1, 720, "days", "how long a group runs leaderless",
                                     kind="int"),
        "leaderless_rate_factor": P(0.5, 0, 1, "multiplier", "attack-rate multiplier while "
                                    "leaderless"),
    },
    "us": {
        "trigger": P("deaths", unit="policy", doc="what the US answers: deaths (documented), "
                     "casualties, streak (every attack streak), never",
                     choices=TRIGGERS, kind="enum"),
        "first_tier": P("facilities", unit="policy", doc="tier of an ordinary response",
                        choices=TIERS[1:4], kind="enum"),
        "max_tier": P("iranian_personnel", unit="policy", doc="highest tier the US will use",
                      choices=TIERS, kind="enum"),
        "respond_prob_trigger": P(0.92, 0, 1, "probability", "chance the US answers a day that "
                                  "meets its trigger"),
        "respond_prob_other": P(0.05, 0, 1, "probability", "chance the US answers an attack day "
                                "that does not meet its trigger"),
        "lag_min_days": P(1, 0, 30, "days", "shortest delay from decision to strike", kind="int"),
        "lag_max_days": P(5, 0, 60, "days", "longest delay from decision to strike", kind="int"),
        "pressure_decay_days": P(20.0, 1, 365, "days", "e-folding time of domestic pressure"),
        "pressure_per_killed": P(4.0, 0, 50, "pressure units per American killed", ""),
        "pressure_per_wounded": P(0.1, 0, 10, "pressure units per American wounded", ""),
        "pressure_per_attack": P(0.08, 0, 5, "pressure units per attack", ""),
        "pressure_per_embassy_attack": P(2.0, 0, 20, "pressure units per attack on the embassy",
                                         ""),
        "election_pressure_gain": P(0.5, 0, 5, "multiplier per driver unit", "how much more "
                                    "each casualty weighs during a US election campaign"),
        "pressure_relief": P(0.6, 0, 1, "fraction", "share of pressure released by a strike"),
        "leaders_pressure": P(11.0, 0, 200, "pressure units", "pressure above which the US "
                              "strikes militia leaders"),
        "iranian_personnel_pressure": P(20.0, 0, 200, "pressure units", "pressure above which "
                                        "the US strikes Iranian personnel"),
        "syria_threshold": P(1.0, 0, 20, "sovereignty units", "Iraqi sovereignty pressure above "
                             "which US responses move to Syria"),
        "force_protection": P(0.5, 0, 0.99, "fraction", "share of attacks defeated by air "
                              "defence and hardening"),
        "troops_iraq": P(1.0, 0, 1, "fraction of 2019 level", "US presence in Iraq"),
        "troops_syria": P(1.0, 0, 1, "fraction of 2019 level", "US presence in Syria"),
        "drawdown_date": P("", unit="date", doc="a scheduled US drawdown from Iraq (\"\" for "
                           "none)", kind="date"),
        "drawdown_presence": P(0.25, 0, 1, "fraction", "presence in Iraq left after a drawdown "
                               "forced by sustained sovereignty pressure"),
        "scheduled_presence": P(0.25, 0, 1, "fraction", "presence in Iraq left after the "
                                "scheduled drawdown on drawdown_date (never raises it)"),
        "drawdown_pressure_threshold": P(3.0, 0, 50, "sovereignty units", "sovereignty pressure "
                                         "that, sustained, forces a drawdown"),
        "drawdown_pressure_days": P(150, 1, 2000, "days", "how long it must be sustained",
                                    kind="int"),
        "credibility_decay_days": P(180.0, 1, 2000, "days", "e-folding time of US credibility"),
        "credibility_facilities": P(0.15, 0, 10, "credibility units", "added by a strike on "
                                    "facilities"),
        "credibility_leaders": P(1.0, 0, 10, "credibility units", "added by a leadership "
                                 "strike"),
        "credibility_iranian": P(2.0, 0, 10, "credibility units", "added by killing Iranian "
                                 "personnel or striking Iran"),
        "hit_prob_rocket": P(0.08, 0, 1, "probability", "chance an undefeated rocket attack "
                             "wounds anyone"),
        "hit_prob_drone": P(0.15, 0, 1, "probability", "chance an undefeated drone attack "
                            "wounds anyone"),
        "wounded_per_hit": P(5.0, 0, 100, "people", "mean wounded of a wounding attack"),
        "lethal_prob_rocket": P(0.012, 0, 1, "probability", "chance an undefeated rocket "
                                "attack kills an American"),
        "lethal_prob_drone": P(0.02, 0, 1, "probability", "chance an undefeated drone attack "
                               "kills an American"),
        "killed_extra_mean": P(0.6, 0, 20, "people", "mean further deaths in a lethal attack"),
        "exposure_embassy": P(0.5, 0, 5, "multiplier", "exposure of embassy staff relative to "
                              "a base"),
        "exposure_jordan": P(2.5, 0, 10, "multiplier", "exposure at small outposts in Jordan"),
        "capability_cut_facilities": P(0.15, 0, 1, "fraction", "share of the struck group's "
                                       "stock destroyed by a strike on facilities"),
        "capability_cut_leaders": P(0.25, 0, 1, "fraction", "share destroyed by a leadership "
                                    "strike"),
        "fighters_killed_mean": P(4.0, 0, 100, "people", "mean militia fighters killed per US "
                                  "strike"),
    },
    "israel": {
        "strike_log_rate_base": P(-4.3, -12, 2, "log strikes/day", "log rate of interdiction "
                                  "strikes in Syria and Iraq at mean capability 0"),
        "w_capability": P(1.2, 0, 10, "log-rate per capability fraction", "tempo rises with "
                          "militia build-up (mean stock / cap)"),
        "w_attacks_on_israel": P(0.5, 0, 5, "log-rate per log(1 + recent attacks)", "tempo rises with "
                                 "militia attacks on Israel"),
        "w_war": P(1.0, 0, 6, "log-rate per driver unit", "tempo rises during a Gaza or "
                   "regional war"),
        "attack_memory_days": P(14.0, 1, 365, "days", "e-folding time of Israel's memory of "
                                "attacks"),
        "iraq_share": P(0.15, 0, 1, "fraction", "share of strikes in Iraq rather than Syria"),
        "capability_cut": P(0.12, 0, 1, "fraction", "share of the struck group's stock "
                            "destroyed"),
        "fighters_killed_mean": P(3.0, 0, 100, "people", "mean militia fighters killed per "
                                  "strike"),
        "iranian_personnel_prob": P(0.03, 0, 1, "probability", "chance a strike kills senior "
                                    "Iranian personnel"),
    },
    "iraq": {
        "sovereignty_decay_days": P(120.0, 1, 2000, "days", "e-folding time of sovereignty "
                                    "pressure"),
        "sovereignty_per_us_strike": P(0.4, 0, 20, "sovereignty units", "added by a US strike "
                                       "on Iraqi soil"),
        "sovereignty_per_decapitation": P(3.0, 0, 50, "sovereignty units", "added by a US "
                                          "leadership or Iranian-personnel strike on Iraqi "
                                          "soil"),
        "sovereignty_per_israeli_strike": P(0.3, 0, 20, "sovereignty units", "added by an "
                                            "Israeli strike on Iraqi soil"),
        "containment_base": P(0.05, 0, 1, "containment units", "restraint in quiet times"),
        "containment_w_embarrassment": P(0.02, 0, 1, "per attack-memory unit", "attacks, "
                                         "above all on the embassy, embarrass the state"),
        "containment_w_looming": P(0.02, 0, 1, "per US pressure unit", "a looming US "
                                   "escalation pushes the state to restrain"),
        "w_protests": P(0.1, 0, 1, "containment units per driver unit", "a protest wave "
                        "weakens the state's hold on the militias"),
        "containment_cap": P(0.5, 0, 1, "containment units", "ceiling set by the militias' "
                             "political weight"),
        "containment_rate": P(0.05, 0.001, 1, "1/day", "how fast containment moves toward its "
                              "target"),
        "embarrassment_memory_days": P(21.0, 1, 365, "days", "e-folding time of the attack "
                                       "memory that embarrasses the state"),
    },
}

GROUP_TRAITS: dict[str, Param] = {
    "alignment": P(0.8, 0, 1, "fraction", "how closely the group follows Tehran's greenlight"),
    "boldness": P(0.5, 0, 1, "fraction", "appetite for risk, beyond Tehran's line"),
    "rate_offset": P(0.0, -5, 5, "log-rate", "group-specific shift of the attack rate"),
    "initial_capability": P(30.0, 0, 5000, "capability units", "stock on the first day"),
    "theatres": P("iraq,syria", unit="list", doc="theatres the group operates in, from "
                  + ", ".join(THEATRES), kind="theatres"),
}
"""Traits of one militia group, set under ``[groups.<name>]``."""

SCENARIO_KEYS: dict[str, Param] = {
    "name": P("", unit="text", doc="short name of the scenario", kind="str"),
    "description": P("", unit="text", doc="what question the scenario asks", kind="str"),
    "start": P("2019-01-01", unit="date", doc="first simulated day", kind="date"),
    "end": P("2024-12-31", unit="date", doc="last simulated day", kind="date"),
    "posterior": P("", unit="path", doc="calibrated posterior (Parquet) from which each "
                   "replicate draws its parameter set; relative to the file; \"\" for none",
                   kind="str"),
}
"""Keys of the ``[scenario]`` table."""

DEFAULT_GROUPS: dict[str, dict] = {
    "kataib_hezbollah": {"alignment": 0.9, "boldness": 0.7, "rate_offset": 0.4,
                         "initial_capability": 40.0, "theatres": "iraq,syria,embassy,jordan"},
    "harakat_al_nujaba": {"alignment": 0.95, "boldness": 0.9, "rate_offset": 0.1,
                          "initial_capability": 30.0, "theatres": "iraq,syria,embassy,israel"},
    "asaib_ahl_al_haq": {"alignment": 0.55, "boldness": 0.3, "rate_offset": -0.6,
                         "initial_capability": 30.0, "theatres": "iraq,embassy"},
    "kataib_sayyid_al_shuhada": {"alignment": 0.85, "boldness": 0.6, "rate_offset": -0.3,
                                 "initial_capability": 20.0, "theatres": "iraq,syria,israel"},
}
"""The four default groups and their traits (front names such as "Islamic Resistance in Iraq"
are labels for deniability, not separate actors)."""


def defaults() -> dict[str, dict[str, object]]:
    """All section parameters at their defaults, as ``{section: {name: value}}``."""
    return {sec: {k: p.default for k, p in table.items()} for sec, table in PARAMETERS.items()}
