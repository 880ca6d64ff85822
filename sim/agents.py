"""The five kinds of actor as Mesa agents.

Each agent keeps its own state (numpy arrays of shape ``(1,)``, one replicate) and decides by
calling the rule functions of :mod:`sim.rules`, the same ones the batch engine calls on whole
populations.  Random numbers come from :mod:`sim.random`, keyed by the model's replicate, the
day, the agent's actor code and the purpose, never from Mesa's own generator.
"""

from __future__ import annotations

import mesa
import numpy as np

from . import random as rnd
from . import rules as R


class _Actor(mesa.Agent):
    """Shared helpers: parameters, keyed draws."""

    actor_code: int = 0

    def par(self, key: str) -> np.ndarray:
        """This replicate's value of parameter ``key`` (shape ``(1,)``)."""
        return self.model.params[key]

    def draw(self, purpose: int) -> np.ndarray:
        """A keyed uniform for today, this actor and ``purpose`` (shape ``(1,)``)."""
        return rnd.uniform(self.model.rep_key, self.model.day, self.actor_code, purpose)


class Iran(_Actor):
    """The IRGC Quds Force's proxy policy: greenlight, grievance, resupply, direct attacks."""

    actor_code = rnd.IRAN

    def __init__(self, model):
        super().__init__(model)
        self.greenlight = np.zeros(1)
        self.grievance = np.zeros(1)
        self.direct_due = np.full(1, R.NEVER, dtype=np.int64)
        self.direct_target = np.zeros(1, dtype=np.int64)
        self.hold_until = np.full(1, R.NEVER, dtype=np.int64)

    def set_greenlight(self, drv, credibility) -> None:
        """Move greenlight toward today's target (phase 1)."""
        day = self.model.day
        holding = (day <= self.hold_until).astype(np.float64)
        target = R.iran_target_greenlight(
            self.par("iran.greenlight_base"), self.par("iran.w_max_pressure"),
            self.par("iran.w_unrest"), self.par("iran.w_gaza_war"),
            self.par("iran.w_regional_war"), self.par("iran.w_talks"),
            self.par("iran.w_grievance"), self.par("iran.w_fear"), drv.max_pressure,
            drv.unrest, drv.gaza, drv.regional, drv.talks, self.grievance, credibility, holding,
            self.par("iran.deescalation_strength"))
        self.greenlight = R.approach(self.greenlight, target, self.par("iran.inertia"))

    def resupply(self, militias) -> None:
        """Weapons flow to each group in proportion to greenlight and alignment."""
        for m in militias:
            m.capability = R.resupply(m.capability, self.greenlight, m.alignment,
                                      self.par("iran.resupply_rate"),
                                      self.par("militia.capability_cap"))

    def fire_due_attack(self) -> tuple[int, int, bool, bool]:
        """Fire a scheduled direct attack if it is due today.

        Returns:
            (US wounded, US killed, fired on US forces, fired on Israel).
        """
        day = self.model.day
        if self.direct_due[0] != day:
            return 0, 0, False, False
        on_us = self.direct_target[0] == R.TARGET_US
        wounded = killed = 0
        if on_us:
            wounded = int(rnd.poisson(self.par("iran.direct_wounded_mean"),
                                      self.draw(rnd.Purpose.DIRECT_WOUNDED))[0])
            lethal = self.draw(rnd.Purpose.DIRECT_LETHAL) < self.par("iran.direct_lethal_prob")
            killed = int((lethal * (1 + rnd.poisson(self.par("us.killed_extra_mean"),
                                                    self.draw(rnd.Purpose.DIRECT_KILLED))))[0])
        self.grievance[:] = 0.0
        self.hold_until[:] = day + self.par("iran.deescalation_days").astype(np.int64)
        self.direct_due[:] = R.NEVER
        return wounded, killed, bool(on_us), not on_us

    def fire_recorded_attack(self, target: int, wounded: int, killed: int):
        """Replay: fire the direct attack the record shows today (scheduled ones are dropped).

        Returns:
            (US wounded, US killed, fired on US forces, fired on Israel).
        """
        day = self.model.day
        self.direct_due[:] = R.NEVER
        self.direct_target[:] = target
        self.grievance[:] = 0.0
        self.hold_until[:] = day + self.par("iran.deescalation_days").astype(np.int64)
        on_us = target == R.TARGET_US
        return (int(wounded), int(killed), True, False) if on_us else (0, 0, False, True)

    def personnel_killed(self, probability, target: int) -> None:
        """Iranian personnel were killed: grievance jumps, and Iran may schedule a direct
        attack on ``target`` (US forces or Israel) after a lag."""
        self.grievance = self.grievance + self.par("iran.grievance_personnel_killed")
        self.consider_direct_attack(probability, target)

    def consider_direct_attack(self, probability, target: int) -> None:
        """Schedule a direct attack on ``target`` with the given probability, unless one is
        already scheduled."""
        if self.direct_due[0] != R.NEVER:
            return
        u = self.draw(rnd.Purpose.DIRECT_DECIDE + 100 * target)
        if (u < probability)[0]:
            lag = R.lag_days(self.draw(rnd.Purpose.DIRECT_LAG + 100 * target),
                             self.par("iran.direct_lag_min_days").astype(np.int64),
                             self.par("iran.direct_lag_max_days").astype(np.int64))
            self.direct_due[:] = self.model.day + lag
            self.direct_target[:] = target


class Militia(_Actor):
    """One Iran-backed group: stock, grievance, fear, leadership, suspension."""

    def __init__(self, model, index: int, name: str, traits: dict):
        super().__init__(model)
        self.index, self.name = index, name
        self.actor_code = rnd.MILITIA + index
        self.alignment = traits["alignment"]
        self.boldness = traits["boldness"]
        self.rate_offset = traits["rate_offset"]
        self.theatre_mask = traits["theatre_mask"]
        self.capability = traits["initial_capability"] * self.par(
            "militia.initial_capability_scale")
        self.static_rate = R.militia_static_log_rate(
            self.par("militia.attack_log_rate_base"), self.rate_offset,
            self.par("militia.w_boldness"), self.boldness)
        self.greenlight_gain = self.par("militia.w_greenlight") * self.alignment
        self.grievance = np.zeros(1)
        self.fear = np.zeros(1)
        self.leaderless_until = np.full(1, R.NEVER, dtype=np.int64)
        self.suspended_until = np.full(1, R.NEVER, dtype=np.int64)
        self.recent_attacks = np.zeros(1)
        self.attacks_today = 0
        self.theatre_today = -1

    def choose_attacks(self, greenlight, containment) -> int:
        """How many attacks today (phase 2), before theatre and weapon."""
        day = self.model.day
        mult = R.availability(self.suspended_until >= day, self.leaderless_until >= day,
                              self.par("militia.leaderless_rate_factor"))
        lam = R.militia_attack_rate(
            self.static_rate, self.greenlight_gain, greenlight, self.par("militia.w_grievance"),
            self.grievance, self.par("militia.w_fear"), self.fear,
            self.par("militia.w_containment"), containment, self.capability,
            self.par("militia.capability_half"), mult)
        u_attacks, _ = self.draw_pair()
        n = rnd.poisson(lam, u_attacks)
        if n[0] == 0:
            return 0
        n = R.attacks_within_stock(n, self.capability, self.par("militia.attack_cost"),
                                   self.par("militia.max_daily_attacks").astype(np.int64))
        return int(n[0])

    def draw_pair(self):
        """Today's (attack, suspension) uniforms of this group."""
        return rnd.uniform_pair(self.model.rep_key, self.model.day, self.actor_code,
                                rnd.Purpose.ATTACKS)

    def aim(self, n: int, presence_iraq, sovereignty, drv):
        """Theatre, weapon and US casualties of today's ``n`` attacks.

        Returns:
            (attacks launched, theatre code or -1, US wounded, US killed).
        """
        m = self.model
        weights = R.theatre_weights(
            self.theatre_mask, presence_iraq, self.par("us.troops_syria"), sovereignty,
            self.par("militia.syria_shift"), self.grievance, self.par("militia.embassy_pull"),
            drv.gaza, self.par("militia.jordan_pull"), drv.regional,
            self.par("militia.israel_pull"))
        theatre = R.categorical(weights, self.draw(rnd.Purpose.THEATRE))
        n_arr = np.where(theatre >= 0, np.array([n]), 0)
        is_drone = (self.draw(rnd.Purpose.WEAPON)
                    < R.drone_share(self.par("militia.drone_share_start"),
                                    self.par("militia.drone_share_end"), m.day, m.days))
        expo = R.exposure(theatre, presence_iraq, self.par("us.troops_syria"),
                          self.par("us.exposure_embassy"), self.par("us.exposure_jordan"))
        wounded, killed = R.attack_casualties(
            n_arr, is_drone, expo, self.par("us.force_protection"),
            self.par("us.hit_prob_rocket"), self.par("us.hit_prob_drone"),
            self.par("us.lethal_prob_rocket"), self.par("us.lethal_prob_drone"),
            self.par("us.wounded_per_hit"), self.par("us.killed_extra_mean"),
            self.draw(rnd.Purpose.HITS), self.draw(rnd.Purpose.WOUNDED),
            self.draw(rnd.Purpose.LETHAL), self.draw(rnd.Purpose.KILLED_EXTRA))
        n_launched = int(n_arr[0])
        th = int(theatre[0])
        if n_launched and th != R.ISRAEL_THEATRE:
            self.recent_attacks = self.recent_attacks + n_launched
        self.capability = R.spend(self.capability, n_launched, self.par("militia.attack_cost"))
        return n_launched, th, int(wounded[0]), int(killed[0])

    def launch_recorded(self, by_theatre: np.ndarray) -> None:
        """Replay: today's recorded attacks of this group (``by_theatre``, 5 counts)."""
        total = int(by_theatre.sum())
        on_us = int(by_theatre[:R.ISRAEL_THEATRE].sum())
        self.attacks_today = total
        self.recent_attacks = self.recent_attacks + on_us
        self.capability = R.spend(self.capability, total, self.par("militia.attack_cost"))

    def declare_recorded_suspension(self) -> bool:
        """Replay: the record shows this group declaring a suspension today."""
        day = self.model.day
        if self.suspended_until[0] >= day:
            return False
        dur = R.suspension_days(self.par("militia.suspension_days_mean"),
                                self.draw(rnd.Purpose.SUSPEND_DAYS))
        self.suspended_until = day + dur
        return True

    def consider_suspension(self, containment, greenlight) -> bool:
        """Declare a suspension under fear and Iraqi mediation (phase 3)."""
        day = self.model.day
        p = R.suspension_probability(
            self.par("militia.suspend_logit_base"), self.par("militia.suspend_w_fear"),
            self.fear, self.par("militia.suspend_w_containment"), containment,
            self.par("militia.suspend_w_greenlight"), self.alignment, greenlight)
        _, u_suspend = self.draw_pair()
        if not ((u_suspend < p) & (self.suspended_until < day))[0]:
            return False
        dur = R.suspension_days(self.par("militia.suspension_days_mean"),
                                self.draw(rnd.Purpose.SUSPEND_DAYS))
        self.suspended_until = day + dur
        return True

    @property
    def suspended(self) -> bool:
        return bool(self.suspended_until[0] >= self.model.day)

    @property
    def leader_alive(self) -> bool:
        return bool(self.leaderless_until[0] < self.model.day)


class UnitedStates(_Actor):
    """Domestic pressure, credibility, posture, and scheduled responses."""

    actor_code = rnd.US

    def __init__(self, model):
        super().__init__(model)
        self.pressure = np.zeros(1)
        self.credibility = np.zeros(1)
        self.due = np.full(1, R.NEVER, dtype=np.int64)
        self.due_tier = np.zeros(1, dtype=np.int64)
        self.high_sov_days = np.zeros(1, dtype=np.int64)
        self.drawdown_day = np.full(1, -1, dtype=np.int64)
        self.presence_iraq = self.par("us.troops_iraq").copy()
        self.trigger = self.par("us.trigger").astype(np.int64)
        self.first_tier = self.par("us.first_tier").astype(np.int64)
        self.max_tier = self.par("us.max_tier").astype(np.int64)

    def decide(self, killed, wounded, attacks, embassy_attacks, direct_on_us, election) -> None:
        """Update pressure; schedule a response or grow a pending one (phase 5)."""
        self.pressure = R.us_pressure(self.pressure, self.par("us.pressure_per_killed"), killed,
                                      self.par("us.pressure_per_wounded"), wounded,
                                      self.par("us.pressure_per_attack"), attacks,
                                      self.par("us.pressure_per_embassy_attack"),
                                      embassy_attacks, self.par("us.election_pressure_gain"),
                                      election)
        attack_day = (attacks > 0) | direct_on_us
        met = R.trigger_met(self.trigger, killed, wounded, attacks)
        met = met | (direct_on_us & (self.trigger != R.TRIGGER_NEVER))
        tier_now = R.response_tier(self.pressure, self.first_tier, self.max_tier,
                                   self.par("us.leaders_pressure"),
                                   self.par("us.iranian_personnel_pressure"),
                                   direct_on_us & (killed > 0))
        pending = self.due != R.NEVER
        self.due_tier = np.where(pending & attack_day, np.maximum(self.due_tier, tier_now),
                                 self.due_tier)
        if (~pending & attack_day & (tier_now > R.NONE))[0]:
            prob = R.response_probability(self.trigger, met, attack_day,
                                          self.par("us.respond_prob_trigger"),
                                          self.par("us.respond_prob_other"))
            if (self.draw(rnd.Purpose.US_RESPOND) < prob)[0]:
                lag = R.lag_days(self.draw(rnd.Purpose.US_LAG),
                                 self.par("us.lag_min_days").astype(np.int64),
                                 self.par("us.lag_max_days").astype(np.int64))
                self.due = self.model.day + lag
                self.due_tier = tier_now

    def execute_due(self, militias, iran, iraq, recorded: tuple[int, int] | None = None,
                    replaying: bool = False) -> tuple[int, int]:
        """Carry out a response due today, or, when replaying the record, the recorded strike
        (``recorded`` = (tier, country); scheduled responses are then dropped).

        Returns:
            (tier, country) or (0, -1).
        """
        m = self.model
        country = None
        if replaying:
            if self.due[0] == m.day:
                self.due = np.full(1, R.NEVER, dtype=np.int64)
            if recorded is None:
                return R.NONE, -1
            self.due = np.full(1, m.day, dtype=np.int64)
            self.due_tier = np.full(1, recorded[0], dtype=np.int64)
            country = np.full(1, recorded[1])
        if self.due[0] != m.day:
            return R.NONE, -1
        tier = self.due_tier.copy()
        self.due = np.full(1, R.NEVER, dtype=np.int64)
        if country is None:
            country = R.strike_country(tier, iraq.sovereignty, self.par("us.syria_threshold"))
        recent = np.array([[mm.recent_attacks[0] for mm in militias]])
        target = militias[int(np.argmax(recent, axis=1)[0])]
        fighters = rnd.poisson(self.par("us.fighters_killed_mean"),
                               self.draw(rnd.Purpose.US_FIGHTERS))
        cut = np.where(tier == R.FACILITIES, self.par("us.capability_cut_facilities"),
                       self.par("us.capability_cut_leaders"))
        on_proxies = bool((tier < R.IRAN_TERRITORY)[0])
        leader = (tier == R.LEADERS) | (tier == R.IRANIAN_PERSONNEL)
        if on_proxies:
            target.capability = target.capability * (1.0 - cut)
        griev = (self.par("militia.grievance_per_fighter_killed") * fighters
                 + np.where(leader, self.par("militia.grievance_leader_killed"), 0.0))
        if on_proxies:
            target.grievance = target.grievance + griev
        if leader[0]:
            target.leaderless_until = m.day + self.par(
                "militia.leader_replacement_days").astype(np.int64)
        fear = R.strike_fear(tier, self.par("militia.fear_facilities"),
                             self.par("militia.fear_leaders"))
        spill = self.par("militia.fear_spillover")
        for mm in militias:
            mm.fear = mm.fear + fear * spill
        if on_proxies:
            target.fear = target.fear + fear * (1.0 - spill)
        iran_hit = tier >= R.IRANIAN_PERSONNEL
        extra = np.where(iran_hit, self.par("militia.fear_iranian_personnel"), 0.0)
        for mm in militias:
            mm.fear = mm.fear + extra
        self.credibility = self.credibility + R.strike_credibility(
            tier, self.par("us.credibility_facilities"), self.par("us.credibility_leaders"),
            self.par("us.credibility_iranian"))
        in_iraq = country == R.STRIKE_IRAQ
        iraq.sovereignty = iraq.sovereignty + np.where(
            in_iraq, self.par("iraq.sovereignty_per_us_strike")
            + np.where(leader, self.par("iraq.sovereignty_per_decapitation"), 0.0), 0.0)
        self.pressure = self.pressure * (1.0 - self.par("us.pressure_relief"))
        if iran_hit[0]:
            iran.personnel_killed(self.par("iran.direct_attack_prob_us"), R.TARGET_US)
        return int(tier[0]), int(country[0])

    def review_posture(self, sovereignty) -> None:
        """Draw down from Iraq when sovereignty pressure stays high, or on a scheduled date."""
        day = self.model.day
        high = sovereignty > self.par("us.drawdown_pressure_threshold")
        self.high_sov_days = np.where(high, self.high_sov_days + 1, 0)
        draw = (self.drawdown_day < 0) & (self.high_sov_days
                                          >= self.par("us.drawdown_pressure_days"))
        if draw[0]:
            self.drawdown_day[:] = day
            self.presence_iraq = self.par("us.troops_iraq") * self.par("us.drawdown_presence")
        if day == int(self.par("us.drawdown_date")[0]):
            if self.drawdown_day[0] < 0:
                self.drawdown_day[:] = day
            self.presence_iraq = R.scheduled_presence(self.presence_iraq,
                                                      self.par("us.troops_iraq"),
                                                      self.par("us.scheduled_presence"))


class Israel(_Actor):
    """"War between the wars": interdiction strikes on militia stocks in Syria and Iraq."""

    actor_code = rnd.ISRAEL

    def __init__(self, model):
        super().__init__(model)
        self.attack_memory = np.zeros(1)

    def interdict(self, attacks_on_israel, militias, iran, iraq, drv,
                  recorded: tuple[int, int] | None = None) -> tuple[int, int]:
        """Decide and carry out today's strikes (phase 4), or, when replaying, the recorded
        ones (``recorded`` = (strikes, of which in Iraq)).  Returns (strikes, in Iraq)."""
        self.attack_memory = self.attack_memory + attacks_on_israel
        cap = self.par("militia.capability_cap")
        stock = np.array([[mm.capability[0] for mm in militias]])
        share = (stock / cap[:, None]).mean(axis=1)
        lam = R.israel_strike_rate(self.par("israel.strike_log_rate_base"),
                                   self.par("israel.w_capability"), share,
                                   self.par("israel.w_attacks_on_israel"), self.attack_memory,
                                   self.par("israel.w_war"), drv.war)
        if recorded is not None:
            k = np.array([recorded[0]], dtype=np.int64)
        else:
            k = rnd.poisson(lam, self.draw(rnd.Purpose.ISRAEL_STRIKES))
        if k[0] == 0:
            return 0, 0
        g = len(militias)
        tgt = militias[min(int((self.draw(rnd.Purpose.ISRAEL_TARGET) * g).astype(np.int64)[0]),
                           g - 1)]
        if recorded is not None:
            k_iraq = np.array([recorded[1]], dtype=np.int64)
        else:
            k_iraq = np.where(self.draw(rnd.Purpose.ISRAEL_COUNTRY)
                              < self.par("israel.iraq_share"), k, 0)
        tgt.capability = tgt.capability * R.repeated_cut(self.par("israel.capability_cut"), k)
        fighters = rnd.poisson(k * self.par("israel.fighters_killed_mean"),
                               self.draw(rnd.Purpose.ISRAEL_FIGHTERS))
        tgt.grievance = tgt.grievance + self.par("militia.grievance_per_fighter_killed") * fighters
        for mm in militias:
            mm.fear = mm.fear + self.par("militia.fear_israeli_strike") * k
        iraq.sovereignty = iraq.sovereignty + self.par("iraq.sovereignty_per_israeli_strike") * k_iraq
        iranian = (self.draw(rnd.Purpose.ISRAEL_IRANIAN)
                   < 1.0 - (1.0 - self.par("israel.iranian_personnel_prob")) ** k)
        if iranian[0] and recorded is None:
            prob = R.sigmoid(self.par("iran.direct_attack_logit_israel")
                             + self.par("iran.direct_attack_w_war_israel") * drv.war)
            iran.personnel_killed(prob, R.TARGET_ISRAEL)
        return int(k[0]), int(k_iraq[0])


class IraqiGovernment(_Actor):
    """Sovereignty pressure and containment of the militias."""

    actor_code = rnd.IRAQ

    def __init__(self, model):
        super().__init__(model)
        self.sovereignty = np.zeros(1)
        self.containment = np.zeros(1)
        self.embarrassment = np.zeros(1)

    def update_containment(self, attacks_iraq, attacks_embassy, us_pressure, protests) -> None:
        """Restrain the militias more after embarrassing attacks or when the US looms."""
        self.embarrassment = self.embarrassment + attacks_iraq + 3.0 * attacks_embassy
        target = R.containment_target(self.par("iraq.containment_base"),
                                      self.par("iraq.containment_w_embarrassment"),
                                      self.embarrassment, self.par("iraq.containment_w_looming"),
                                      us_pressure, self.par("iraq.w_protests"), protests,
                                      self.par("iraq.containment_cap"))
        self.containment = R.approach(self.containment, target, self.par("iraq.containment_rate"))
