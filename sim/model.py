"""The Mesa engine: one replicate as a Mesa model with one agent per actor.

This is the readable, inspectable form of the model: step it a day at a time, look at the
agents, read the :class:`mesa.DataCollector` table.  It calls the same rules and draws the same
keyed random numbers as the batch engine, so replicate ``r`` here is replicate ``r`` there
(``tests/test_agreement.py``).

Example:
    >>> from sim.model import EscalationModel
    >>> m = EscalationModel(seed=7, replicate=0)       # the bundled baseline
    >>> m.run()
    >>> df = m.datacollector.get_model_vars_dataframe()
    >>> int(df["attacks"].sum()) >= 0
    True
"""

from __future__ import annotations

import mesa
import numpy as np

from . import random as rnd
from . import rules as R
from .agents import Iran, IraqiGovernment, Israel, Militia, UnitedStates
from .batch import Drivers
from .outcomes import DAILY, N_RUNGS, RUNG, ChunkResult
from .resolved import NO_DAY, ParamTable, build_param_table
from .scenario import Scenario, load_scenario
from .timeline import SHOCK_NAMES

_S = {name: i for i, name in enumerate(SHOCK_NAMES)}


class EscalationModel(mesa.Model):
    """One replicate of a scenario, stepped one calendar day at a time.

    Args:
        scenario: a resolved scenario (the bundled baseline when ``None``).
        seed: the run's seed.
        replicate: the replicate index (fixes its random numbers together with the seed).
        params: a one-row :class:`ParamTable` (default: the scenario's values).
    """

    def __init__(self, scenario: Scenario | None = None, seed: int = 0, replicate: int = 0,
                 params: ParamTable | None = None):
        super().__init__(rng=np.random.default_rng(seed))  # Mesa's own generator is unused
        self.sc = scenario if scenario is not None else load_scenario()
        self.timeline = self.sc.timeline()
        self.days = self.timeline.days
        self.seed, self.replicate = seed, replicate
        self.params = params if params is not None else build_param_table(self.sc, 1)
        assert self.params.size == 1, "the Mesa engine runs one replicate"
        self.rep_key = rnd.replicate_keys(seed, np.array([replicate]))
        self.day = 0
        self.today = np.zeros(len(DAILY), dtype=np.int64)
        self.iran = Iran(self)
        self.militias: list[Militia] = []
        for g, (name, traits) in enumerate(self.sc.groups.items()):
            t = {k: self.params.traits[k][:, g] for k in
                 ("alignment", "boldness", "rate_offset", "initial_capability")}
            t["theatre_mask"] = self.params.theatre_mask[g][None, :]
            self.militias.append(Militia(self, g, name, t))
        self.us = UnitedStates(self)
        self.israel = Israel(self)
        self.iraq = IraqiGovernment(self)
        self.direct_fire_days = np.full(3, -NO_DAY, dtype=np.int64)
        from .replay import build_schedule
        self.replay = build_schedule(self.sc, self.sc.replay_until, self.sc.replay_record or None)
        self.first_day = np.full(N_RUNGS, -1, dtype=np.int32)
        self.rung_days = np.zeros(N_RUNGS, dtype=np.int32)
        reporters = {name: (lambda m, j=j: int(m.today[j])) for j, name in enumerate(DAILY)}
        reporters.update({
            "date": lambda m: m.timeline.date(m.day - 1),
            "greenlight": lambda m: float(m.iran.greenlight[0]),
            "iran_grievance": lambda m: float(m.iran.grievance[0]),
            "us_pressure": lambda m: float(m.us.pressure[0]),
            "us_credibility": lambda m: float(m.us.credibility[0]),
            "sovereignty_pressure": lambda m: float(m.iraq.sovereignty[0]),
            "containment": lambda m: float(m.iraq.containment[0]),
            "presence_iraq": lambda m: float(m.us.presence_iraq[0]),
        })
        self.datacollector = mesa.DataCollector(
            model_reporters=reporters,
            agent_reporters={"capability": lambda a: _first(a, "capability"),
                             "fear": lambda a: _first(a, "fear"),
                             "grievance": lambda a: _first(a, "grievance")})
        self._decay = {
            "iran": R.decay_factor(self.params["iran.grievance_decay_days"]),
            "militia": R.decay_factor(self.params["militia.grievance_decay_days"]),
            "fear": R.decay_factor(self.params["militia.fear_decay_days"]),
            "pressure": R.decay_factor(self.params["us.pressure_decay_days"]),
            "cred": R.decay_factor(self.params["us.credibility_decay_days"]),
            "sov": R.decay_factor(self.params["iraq.sovereignty_decay_days"]),
            "emb": R.decay_factor(self.params["iraq.embarrassment_memory_days"]),
            "isr": R.decay_factor(self.params["israel.attack_memory_days"]),
        }

    # ------------------------------------------------------------------------------------------
    def step(self) -> None:
        """One day: drivers, Iran, militias, outcomes, Iraq, Israel, the US, decay and ladder."""
        day, c = self.day, np.zeros(len(DAILY), dtype=np.int64)
        ix = {name: j for j, name in enumerate(DAILY)}
        drv = Drivers(self.timeline.drivers[day])
        self._shocks(day, drv)

        # 1. Iran
        self.iran.set_greenlight(drv, self.us.credibility)
        self.iran.resupply(self.militias)
        rp = self.replay
        replaying = day <= rp.until
        if replaying:
            self.iran.direct_due[:] = np.where(self.iran.direct_due == day, R.NEVER,
                                               self.iran.direct_due)
            if rp.direct[day] >= 0:
                wounded, killed, on_us, on_israel = self.iran.fire_recorded_attack(
                    int(rp.direct[day]), rp.direct_wounded[day], rp.direct_killed[day])
            else:
                wounded, killed, on_us, on_israel = 0, 0, False, False
        else:
            wounded, killed, on_us, on_israel = self.iran.fire_due_attack()
        c[ix["iran_direct_attacks_us"]] = on_us
        c[ix["iran_direct_attacks_israel"]] = on_israel

        # 2. militias decide simultaneously, then aim; 3. outcomes for US forces
        counts = [0 if replaying else m.choose_attacks(self.iran.greenlight, self.iraq.containment)
                  for m in self.militias]
        names = {R.IRAQ: "attacks_iraq", R.SYRIA: "attacks_syria", R.EMBASSY: "attacks_embassy",
                 R.JORDAN: "attacks_jordan", R.ISRAEL_THEATRE: "attacks_israel"}
        if replaying:
            rec = rp.attacks[day]
            for m in self.militias:
                m.attacks_today = 0
                if rec[m.index].any():
                    m.launch_recorded(rec[m.index])
            for th, name in names.items():
                c[ix[name]] += int(rec[:, th].sum())
            if rec.any():
                wounded += int(rp.wounded[day])
                killed += int(rp.killed[day])
        for m, n in zip(self.militias, counts, strict=True):
            m.attacks_today = 0
            if n == 0:
                continue
            launched, theatre, w, k = m.aim(n, self.us.presence_iraq, self.iraq.sovereignty, drv)
            m.attacks_today = launched
            wounded += w
            killed += k
            if theatre >= 0:
                c[ix[names[theatre]]] += launched
        c[ix["attacks"]] = (c[ix["attacks_iraq"]] + c[ix["attacks_syria"]]
                            + c[ix["attacks_embassy"]] + c[ix["attacks_jordan"]])
        c[ix["us_wounded"]], c[ix["us_killed"]] = wounded, killed
        total = c[ix["attacks"]] + c[ix["attacks_israel"]]
        for m in self.militias:
            m.grievance = m.grievance + self.params["militia.contagion"] * total

        # 4. Iraqi government; militias weigh suspension under containment
        self.iraq.update_containment(c[ix["attacks_iraq"]], c[ix["attacks_embassy"]],
                                     self.us.pressure, drv.protests)
        if replaying:
            c[ix["militia_suspensions"]] = sum(
                m.declare_recorded_suspension() for m in self.militias if rp.suspend[day, m.index])
        else:
            c[ix["militia_suspensions"]] = sum(
                m.consider_suspension(self.iraq.containment, self.iran.greenlight)
                for m in self.militias)

        # 5. Israel
        k, k_iraq = self.israel.interdict(
            c[ix["attacks_israel"]], self.militias, self.iran, self.iraq, drv,
            (int(rp.israeli[day]), int(rp.israeli_iraq[day])) if replaying else None)
        c[ix["israeli_strikes"]], c[ix["israeli_strikes_iraq"]] = k, k_iraq

        # 6. United States
        direct_on_us = np.array([on_us])
        if replaying and self.us.due[0] == day:  # dropped before deciding (see sim.batch)
            self.us.due = np.full(1, R.NEVER, dtype=np.int64)
        self.us.decide(np.array([killed]), np.array([wounded]), np.array([c[ix["attacks"]]]),
                       np.array([c[ix["attacks_embassy"]]]), direct_on_us, drv.election)
        recorded = ((int(rp.us_tier[day]), int(rp.us_country[day]))
                    if replaying and rp.us_tier[day] > 0 else None)
        tier, country = self.us.execute_due(self.militias, self.iran, self.iraq, recorded,
                                            replaying)
        if tier:
            c[ix["us_strikes"]] = 1
            c[ix[f"us_strikes_{('facilities', 'leaders', 'iranian_personnel', 'iran_territory')[tier - 1]}"]] = 1
            c[ix["us_strikes_iraq"]] = country == R.STRIKE_IRAQ
            c[ix["us_strikes_syria"]] = country == R.STRIKE_SYRIA
        self.us.review_posture(self.iraq.sovereignty)

        # 7. decay, ladder
        d = self._decay
        self.iran.grievance = self.iran.grievance * d["iran"]
        for m in self.militias:
            m.grievance = m.grievance * d["militia"]
            m.fear = m.fear * d["fear"]
            m.recent_attacks = m.recent_attacks * d["militia"]
        self.us.pressure = self.us.pressure * d["pressure"]
        self.us.credibility = self.us.credibility * d["cred"]
        self.iraq.sovereignty = self.iraq.sovereignty * d["sov"]
        self.iraq.embarrassment = self.iraq.embarrassment * d["emb"]
        self.israel.attack_memory = self.israel.attack_memory * d["isr"]
        if on_us or tier == R.IRAN_TERRITORY:
            self.direct_fire_days[:2] = self.direct_fire_days[1:]
            self.direct_fire_days[2] = day
        sustained = (day - self.direct_fire_days[0]) < R.SUSTAINED_WINDOW_DAYS
        level = int(R.ladder_level(c[ix["attacks"]], wounded, killed, tier, on_us, sustained))
        c[RUNG] = level
        self.rung_days[level] += 1
        for k_ in range(1, level + 1):
            if self.first_day[k_] < 0:
                self.first_day[k_] = day
        self.today = c
        self.day += 1
        self.datacollector.collect(self)

    def _shocks(self, day: int, drv) -> None:
        s = self.timeline.shocks[day]
        if not s.any():
            return
        killed = s[_S["iran.killed_by_israel"]]
        if killed:
            self.iran.grievance = self.iran.grievance + killed
            prob = R.sigmoid(self.params["iran.direct_attack_logit_israel"]
                             + self.params["iran.direct_attack_w_war_israel"] * drv.war)
            self.iran.consider_direct_attack(prob, R.TARGET_ISRAEL)
        self.iran.grievance = self.iran.grievance + s[_S["iran.grievance"]]
        for m in self.militias:
            m.grievance = m.grievance + s[_S["militia.grievance"]]
            m.fear = m.fear + s[_S["militia.fear"]]
        self.us.pressure = self.us.pressure + s[_S["us.pressure"]]
        self.iraq.sovereignty = self.iraq.sovereignty + s[_S["iraq.sovereignty_pressure"]]

    def run(self, days: int | None = None) -> None:
        """Step to the end of the scenario (or ``days`` more days)."""
        stop = self.days if days is None else min(self.days, self.day + days)
        while self.day < stop:
            self.step()

    def daily_counts(self) -> np.ndarray:
        """``(days run, len(DAILY))`` int array of the daily measures."""
        df = self.datacollector.get_model_vars_dataframe()
        return df[list(DAILY)].to_numpy(dtype=np.int64)

    def result(self) -> ChunkResult:
        """This replicate's outcome in the batch engine's result form."""
        daily = self.daily_counts()
        weeks = self.timeline.weeks
        weekly = np.zeros((1, weeks, len(DAILY)), dtype=np.int32)
        for day in range(len(daily)):
            w = weekly[0, day // 7]
            w[:RUNG] += daily[day, :RUNG]
            w[RUNG] = max(w[RUNG], daily[day, RUNG])
        return ChunkResult(np.array([self.replicate]), weekly, self.first_day[None, :].copy(),
                           self.rung_days[None, :].copy(),
                           np.array([self.us.drawdown_day[0]], dtype=np.int64),
                           daily[None].astype(np.int32), None)


def _first(agent, attr):
    v = getattr(agent, attr, None)
    return None if v is None else float(v[0])
