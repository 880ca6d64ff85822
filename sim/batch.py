"""The batch engine: R replicates advanced together as numpy arrays.

State lives in arrays of shape ``(R,)`` (Iran, the US, Israel, Iraq) and ``(R, G)`` (militia
groups).  Each day runs the phases of ``docs/model.md`` in order, calling the rule functions of
:mod:`sim.rules` with whole arrays and drawing keyed random numbers from :mod:`sim.random`, so
replicate ``r`` here follows exactly the path the Mesa engine (:mod:`sim.model`) computes for
replicate ``r`` alone.  Rare events (attacks, strikes, direct attacks) are handled on the index
sets where they happen, which keeps a day's cost close to that of the dense rate updates.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable

import numpy as np

from . import random as rnd
from . import rules as R
from .outcomes import DAILY, HIST_BINS, N_RUNGS, RUNG, ChunkResult, M
from .resolved import NO_DAY, ParamTable
from .scenario import Scenario
from .timeline import DRIVER_NAMES, SHOCK_NAMES, Timeline


def _keep_large_arrays_on_the_heap() -> None:
    """Ask glibc to serve large allocations from the heap instead of fresh mmap pages.

    Every numpy temporary of a few hundred kB otherwise costs a round of page faults; with
    10,000 replicates that made some elementwise operations ten times slower (see
    docs/performance.md).  Harmless where it does not apply.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 256 * 1024 * 1024)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 512 * 1024 * 1024)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass


_keep_large_arrays_on_the_heap()

_D = {name: i for i, name in enumerate(DRIVER_NAMES)}
_S = {name: i for i, name in enumerate(SHOCK_NAMES)}


class Drivers:
    """The day's exogenous driver values, as floats."""

    def __init__(self, row: np.ndarray):
        self.max_pressure = float(row[_D["max_pressure"]])
        self.unrest = float(row[_D["iran_unrest"]])
        self.talks = float(row[_D["nuclear_talks"]])
        self.regional = float(row[_D["regional_war"]])
        self.protests = float(row[_D["iraqi_protests"]])
        self.election = float(row[_D["us_election"]])
        self.gaza = float(R.effective_gaza(row[_D["gaza_war"]], row[_D["gaza_truce"]]))
        self.war = self.gaza + self.regional


class BatchEngine:
    """Runs blocks of replicates of one scenario.

    Example:
        >>> from sim.scenario import load_scenario
        >>> from sim.resolved import build_param_table
        >>> sc = load_scenario()
        >>> eng = BatchEngine(sc)
        >>> res = eng.run(seed=1, replicates=np.arange(100), params=build_param_table(sc, 100))
        >>> res.weekly.shape[0]
        100
    """

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.timeline: Timeline = scenario.timeline()
        self.days = self.timeline.days
        self.weeks = self.timeline.weeks
        self.n_groups = len(scenario.groups)
        self.drivers = [Drivers(self.timeline.drivers[d]) for d in range(self.days)]
        from .replay import build_schedule
        self.replay = build_schedule(scenario, scenario.replay_until,
                                     scenario.replay_record or None)

    def run(self, seed: int, replicates: np.ndarray, params: ParamTable,
            record_daily: bool = False, keep_weekly: bool = True,
            progress: Callable[[int], None] | None = None) -> ChunkResult:
        """Simulate the given replicates over the whole scenario.

        Args:
            seed: the run's seed.
            replicates: replicate indices (their keys fix the random numbers).
            params: per-replicate parameters, one row per entry of ``replicates``.
            record_daily: keep daily measures and state traces (memory ``R x days``).
            keep_weekly: keep the per-replicate weekly counts (about 26 kB per replicate);
                without it, weeks stream into histograms and totals and memory stays flat.
            progress: called with the number of replicate-days done since the last call.
        """
        replicates = np.asarray(replicates, dtype=np.int64)
        n = len(replicates)
        assert params.size == n, "one parameter row per replicate"
        st = _State(self, seed, replicates, params)
        m = len(DAILY)
        weekly = np.zeros((self.weeks, m, n), dtype=np.int32) if keep_weekly else None
        hist = np.zeros((m, self.weeks, HIST_BINS), dtype=np.int64)
        totals = np.zeros((m, n), dtype=np.int64)
        daily = np.zeros((n, self.days, m), dtype=np.int32) if record_daily else None
        traces = _Traces(n, self.days, self.n_groups) if record_daily else None
        step = max(1, self.days // 50)
        week = np.zeros((m, n), dtype=np.int64)
        offsets = (np.arange(m) * HIST_BINS)[:, None]
        for day in range(self.days):
            counts = st.step(day)
            wk = day // 7
            if day % 7 == 0:
                week.fill(0)
            week += counts  # the rung row is fixed below: weekly maximum, not sum
            week[RUNG] = np.maximum(week[RUNG] - counts[RUNG], counts[RUNG])
            if day % 7 == 6 or day == self.days - 1:
                # stream the week into exact histograms and totals; keep it only if asked
                totals += week
                binned = np.minimum(week, HIST_BINS - 1) + offsets
                hist[:, wk, :] = np.bincount(binned.ravel(),
                                             minlength=m * HIST_BINS).reshape(m, HIST_BINS)
                if weekly is not None:
                    weekly[wk] = week
            if daily is not None:
                daily[:, day] = counts.T
                traces.record(day, st)
            if progress is not None and (day % step == step - 1 or day == self.days - 1):
                progress(n * (step if day % step == step - 1 else day % step + 1))
        totals[RUNG] = st.first_day_max()
        rung_days = st.rung_days
        rung_days[:, 0] = self.days - rung_days[:, 1:].sum(axis=1)  # calm days
        return ChunkResult(replicates,
                           None if weekly is None else weekly.transpose(2, 0, 1),
                           st.first_day, rung_days, st.drawdown_day, daily,
                           traces.arrays if traces else None, totals=totals.T, hist=hist)


class _Traces:
    def __init__(self, n, days, g):
        from .outcomes import STATE_TRACES
        self.arrays = {k: np.zeros((n, days, g) if k.startswith("militia_") else (n, days))
                       for k in STATE_TRACES}

    def record(self, day, st):
        a = self.arrays
        a["greenlight"][:, day] = st.greenlight
        a["iran_grievance"][:, day] = st.iran_grievance
        a["us_pressure"][:, day] = st.pressure
        a["us_credibility"][:, day] = st.credibility
        a["sovereignty_pressure"][:, day] = st.sovereignty
        a["containment"][:, day] = st.containment
        a["presence_iraq"][:, day] = st.presence_iraq
        a["militia_fear"][:, day] = st.fear
        a["militia_grievance"][:, day] = st.grievance
        a["militia_capability"][:, day] = st.capability


class _State:
    """All state of R replicates, and the daily step."""

    def __init__(self, eng: BatchEngine, seed: int, replicates: np.ndarray, p: ParamTable):
        n, g = len(replicates), eng.n_groups
        self.eng, self.p, self.n, self.g = eng, p, n, g
        self.keys = rnd.replicate_keys(seed, replicates)
        self.keys_col = self.keys[:, None]
        self._pg: dict[str, np.ndarray] = {}
        self.ones_g = np.ones(g)
        self.militia_actor = rnd.MILITIA + np.arange(g)
        self.militia_codes = [int(a) for a in self.militia_actor]
        P = rnd.Purpose
        self._attack_purposes = [P.THEATRE, P.WEAPON, P.HITS, P.WOUNDED, P.LETHAL,
                                 P.KILLED_EXTRA]
        self._israel_purposes = [P.ISRAEL_TARGET, P.ISRAEL_COUNTRY, P.ISRAEL_FIGHTERS,
                                 P.ISRAEL_IRANIAN]
        self._us_purposes = [P.US_RESPOND, P.US_LAG]
        self.rows = np.arange(n)
        self.counts = np.zeros((len(DAILY), n), dtype=np.int64)
        self.static_rate = R.militia_static_log_rate(
            self.pg("militia.attack_log_rate_base"), p.traits["rate_offset"],
            self.pg("militia.w_boldness"), p.traits["boldness"])
        self.greenlight_gain = self.pg("militia.w_greenlight") * p.traits["alignment"]
        # decay factors (per replicate)
        self.k_iran_griev = R.decay_factor(p["iran.grievance_decay_days"])
        self.k_mil_griev = R.decay_factor(self.pg("militia.grievance_decay_days"))
        self.k_fear = R.decay_factor(self.pg("militia.fear_decay_days"))
        self.k_pressure = R.decay_factor(p["us.pressure_decay_days"])
        self.k_cred = R.decay_factor(p["us.credibility_decay_days"])
        self.k_sov = R.decay_factor(p["iraq.sovereignty_decay_days"])
        self.k_emb = R.decay_factor(p["iraq.embarrassment_memory_days"])
        self.k_isr = R.decay_factor(p["israel.attack_memory_days"])
        # Iran
        self.greenlight = np.zeros(n)
        self.iran_grievance = np.zeros(n)
        self.direct_due = np.full(n, R.NEVER, dtype=np.int64)
        self.direct_target = np.zeros(n, dtype=np.int64)
        self.hold_until = np.full(n, R.NEVER, dtype=np.int64)
        # militias (R, G)
        self.capability = (p.traits["initial_capability"]
                           * self.pg("militia.initial_capability_scale"))
        self.grievance = np.zeros((n, g))
        self.fear = np.zeros((n, g))
        self.leaderless_until = np.full((n, g), R.NEVER, dtype=np.int64)
        self.suspended_until = np.full((n, g), R.NEVER, dtype=np.int64)
        self.recent_attacks = np.zeros((n, g))
        # US
        self.pressure = np.zeros(n)
        self.credibility = np.zeros(n)
        self.due = np.full(n, R.NEVER, dtype=np.int64)
        self.due_tier = np.zeros(n, dtype=np.int64)
        self.high_sov_days = np.zeros(n, dtype=np.int64)
        self.drawdown_day = np.full(n, -1, dtype=np.int64)
        self.presence_iraq = p["us.troops_iraq"].copy()
        self.direct_fire_days = np.full((n, 3), -NO_DAY, dtype=np.int64)
        # Israel, Iraq
        self.attack_memory = np.zeros(n)
        self.sovereignty = np.zeros(n)
        self.containment = np.zeros(n)
        self.embarrassment = np.zeros(n)
        # ladder bookkeeping
        self.first_day = np.full((n, N_RUNGS), -1, dtype=np.int32)
        # rung k's first day is set when the day's level reaches k (never for k = 0, calm)
        self.rung_index = np.concatenate([[N_RUNGS + 1], np.arange(1, N_RUNGS)])[None, :]
        self.rung_days = np.zeros((n, N_RUNGS), dtype=np.int32)
        # enum codes as ints
        self.trigger = p["us.trigger"].astype(np.int64)
        self.first_tier = p["us.first_tier"].astype(np.int64)
        self.max_tier = p["us.max_tier"].astype(np.int64)
        self.drawdown_date = p["us.drawdown_date"].astype(np.int64)

    def first_day_max(self) -> np.ndarray:
        """Peak rung of each replicate: the highest rung with a first day."""
        return (self.first_day >= 0).sum(axis=1)

    # -- helpers --------------------------------------------------------------------------------
    def pg(self, key: str) -> np.ndarray:
        """Per-replicate parameter ``key`` repeated over groups, ``(R, G)`` contiguous (numpy
        is several times faster on same-shape operands than on broadcast ones)."""
        arr = self._pg.get(key)
        if arr is None:
            arr = self._pg[key] = np.repeat(self.p[key][:, None], self.g, axis=1)
        return arr

    def _u_groups(self, day, purpose, idx=None):
        """Uniforms per (replicate, group): full ``(R, G)`` or at flat indices ``idx``."""
        if idx is None:
            return rnd.uniform(self.keys_col, day, self.militia_actor, purpose)
        keys = np.array([rnd._event_key(day, a, purpose) for a in self.militia_codes],
                        dtype=np.uint64)
        r, g = np.divmod(idx, self.g)
        with np.errstate(over="ignore"):
            z = rnd._mix(self.keys[r] ^ keys[g])
        return (z >> np.uint64(11)).astype(np.float64) * rnd._TO_UNIT

    def _u(self, day, actor, purpose, rows=None):
        keys = self.keys if rows is None else self.keys[rows]
        return rnd.uniform(keys, day, actor, purpose)

    # -- the day --------------------------------------------------------------------------------
    def step(self, day: int) -> np.ndarray:
        p, n, g = self.p, self.n, self.g
        drv = self.eng.drivers[day]
        counts = self.counts  # (measures, R): measure-major, so each column write is contiguous
        counts.fill(0)
        self._shocks(day, drv)

        # 1. Iran: greenlight, resupply, any due direct attack
        holding = (day <= self.hold_until).astype(np.float64)
        target = R.iran_target_greenlight(
            p["iran.greenlight_base"], p["iran.w_max_pressure"], p["iran.w_unrest"],
            p["iran.w_gaza_war"], p["iran.w_regional_war"], p["iran.w_talks"],
            p["iran.w_grievance"], p["iran.w_fear"], drv.max_pressure, drv.unrest, drv.gaza,
            drv.regional, drv.talks, self.iran_grievance, self.credibility, holding,
            p["iran.deescalation_strength"])
        self.greenlight = R.approach(self.greenlight, target, p["iran.inertia"])
        gl = np.repeat(self.greenlight[:, None], g, axis=1)  # (R, G), same-shape ops are fast
        self.capability = R.resupply(self.capability, gl, p.traits["alignment"],
                                     self.pg("iran.resupply_rate"),
                                     self.pg("militia.capability_cap"))
        direct_wounded = np.zeros(n, dtype=np.int64)
        direct_killed = np.zeros(n, dtype=np.int64)
        rp = self.eng.replay
        replaying = day <= rp.until
        fire = np.nonzero(self.direct_due == day)[0]
        if replaying:  # the record says what Iran fired; scheduled attacks are dropped
            self.direct_due[fire] = R.NEVER
            fire = self.rows[:0]
            if rp.direct[day] >= 0:
                self.direct_due[:] = R.NEVER
                fire = self.rows
                self.direct_target[:] = rp.direct[day]
                if rp.direct[day] == R.TARGET_US:
                    counts[M["iran_direct_attacks_us"]] = 1
                    direct_wounded[:] = rp.direct_wounded[day]
                    direct_killed[:] = rp.direct_killed[day]
                else:
                    counts[M["iran_direct_attacks_israel"]] = 1
                self.iran_grievance[:] = 0.0
                self.hold_until[:] = day + p["iran.deescalation_days"].astype(np.int64)
        elif fire.size:
            on_us = self.direct_target[fire] == R.TARGET_US
            us_rows = fire[on_us]
            if us_rows.size:
                counts[M["iran_direct_attacks_us"], us_rows] = 1
                wounded = rnd.poisson(p["iran.direct_wounded_mean"][us_rows],
                                      self._u(day, rnd.IRAN, rnd.Purpose.DIRECT_WOUNDED, us_rows))
                lethal = (self._u(day, rnd.IRAN, rnd.Purpose.DIRECT_LETHAL, us_rows)
                          < p["iran.direct_lethal_prob"][us_rows])
                killed = lethal * (1 + rnd.poisson(
                    p["us.killed_extra_mean"][us_rows],
                    self._u(day, rnd.IRAN, rnd.Purpose.DIRECT_KILLED, us_rows)))
                direct_wounded[us_rows] = wounded
                direct_killed[us_rows] = killed
            counts[M["iran_direct_attacks_israel"], fire[~on_us]] = 1
            self.iran_grievance[fire] = 0.0
            self.hold_until[fire] = day + p["iran.deescalation_days"][fire].astype(np.int64)
            self.direct_due[fire] = R.NEVER

        # 2. militias choose attacks (simultaneously, on start-of-phase state)
        wounded_r = direct_wounded
        killed_r = direct_killed
        if replaying:  # the recorded attacks, the same in every replicate
            idx = self.rows[:0]
            rec = rp.attacks[day]  # (G, 5)
            if rec.any():
                by_theatre = rec.sum(axis=0)
                for th in range(5):
                    counts[M["attacks_iraq"] + th] = by_theatre[th]
                wounded_r = wounded_r + rp.wounded[day]
                killed_r = killed_r + rp.killed[day]
                on_us = rec[:, :R.ISRAEL_THEATRE].sum(axis=1)
                for gi in np.flatnonzero(rec.sum(axis=1)):
                    self.recent_attacks[:, gi] = self.recent_attacks[:, gi] + on_us[gi]
                    self.capability[:, gi] = R.spend(self.capability[:, gi], rec[gi].sum(),
                                                     p["militia.attack_cost"])
        else:
            mult = R.availability(self.suspended_until >= day, self.leaderless_until >= day,
                                  self.pg("militia.leaderless_rate_factor"))
            lam = R.militia_attack_rate(
                self.static_rate, self.greenlight_gain, gl, self.pg("militia.w_grievance"),
                self.grievance, self.pg("militia.w_fear"), self.fear,
                self.pg("militia.w_containment"),
                np.repeat(self.containment[:, None], g, axis=1), self.capability,
                self.pg("militia.capability_half"), mult)
            u_att, u_susp = rnd.uniform_pair(self.keys_col, day, self.militia_actor,
                                             rnd.Purpose.ATTACKS)
            attacks = rnd.poisson(lam, u_att)
            idx = np.flatnonzero(attacks)
        if idx.size:
            r, gi = np.divmod(idx, g)
            cap_flat = self.capability.reshape(-1)
            n_att = R.attacks_within_stock(attacks.reshape(-1)[idx], cap_flat[idx],
                                           p["militia.attack_cost"][r],
                                           p["militia.max_daily_attacks"][r].astype(np.int64))
            weights = R.theatre_weights(
                p.theatre_mask[gi],
                self.presence_iraq[r], p["us.troops_syria"][r], self.sovereignty[r],
                p["militia.syria_shift"][r], self.grievance.reshape(-1)[idx],
                p["militia.embassy_pull"][r], drv.gaza, p["militia.jordan_pull"][r],
                drv.regional, p["militia.israel_pull"][r])
            # one hash pass for the six draws of every attacking group-day
            ek = rnd.event_keys(day, self.militia_codes, self._attack_purposes)
            u6 = rnd.uniform_keyed(self.keys[r][:, None], ek[gi])
            theatre = R.categorical(weights, u6[:, 0])
            n_att = np.where(theatre >= 0, n_att, 0)
            is_drone = (u6[:, 1]
                        < R.drone_share(p["militia.drone_share_start"][r],
                                        p["militia.drone_share_end"][r], day, self.eng.days))
            expo = R.exposure(theatre, self.presence_iraq[r], p["us.troops_syria"][r],
                              p["us.exposure_embassy"][r], p["us.exposure_jordan"][r])
            wounded, killed = R.attack_casualties(
                n_att, is_drone, expo, p["us.force_protection"][r], p["us.hit_prob_rocket"][r],
                p["us.hit_prob_drone"][r], p["us.lethal_prob_rocket"][r],
                p["us.lethal_prob_drone"][r], p["us.wounded_per_hit"][r],
                p["us.killed_extra_mean"][r],
                u6[:, 2], u6[:, 3], u6[:, 4], u6[:, 5])
            wounded_r = wounded_r + np.bincount(r, wounded, minlength=n).astype(np.int64)
            killed_r = killed_r + np.bincount(r, killed, minlength=n).astype(np.int64)
            by_theatre = np.bincount(np.maximum(theatre, 0) * n + r, n_att, minlength=5 * n)
            counts[M["attacks_iraq"]:M["attacks_israel"] + 1] = by_theatre.reshape(5, n)
            on_us = (theatre >= 0) & (theatre != R.ISRAEL_THEATRE)
            ra = self.recent_attacks.reshape(-1)
            ra[idx] = ra[idx] + np.where(on_us, n_att, 0)
            cap_flat[idx] = R.spend(cap_flat[idx], n_att, p["militia.attack_cost"][r])
        counts[M["attacks"]] = (counts[M["attacks_iraq"]] + counts[M["attacks_syria"]]
                                   + counts[M["attacks_embassy"]]
                                   + counts[M["attacks_jordan"]])
        counts[M["us_wounded"]] = wounded_r
        counts[M["us_killed"]] = killed_r
        total_attacks = counts[M["attacks"]] + counts[M["attacks_israel"]]
        hit = np.flatnonzero(total_attacks)
        if hit.size:
            self.grievance[hit] = (self.grievance[hit] + p["militia.contagion"][hit, None]
                                   * total_attacks[hit, None])

        # 3. Iraqi government: containment; militias weigh suspension under it
        self.embarrassment = (self.embarrassment + counts[M["attacks_iraq"]]
                              + 3.0 * counts[M["attacks_embassy"]])
        ctarget = R.containment_target(p["iraq.containment_base"],
                                       p["iraq.containment_w_embarrassment"], self.embarrassment,
                                       p["iraq.containment_w_looming"], self.pressure,
                                       p["iraq.w_protests"], drv.protests,
                                       p["iraq.containment_cap"])
        self.containment = R.approach(self.containment, ctarget, p["iraq.containment_rate"])
        if replaying:  # declared suspensions from the record only
            susp = rp.suspend[day][None, :] & (self.suspended_until < day)
        else:
            p_susp = R.suspension_probability(
                self.pg("militia.suspend_logit_base"), self.pg("militia.suspend_w_fear"),
                self.fear, self.pg("militia.suspend_w_containment"),
                np.repeat(self.containment[:, None], g, axis=1),
                self.pg("militia.suspend_w_greenlight"), p.traits["alignment"], gl)
            susp = (u_susp < p_susp) & (self.suspended_until < day)
        sidx = np.nonzero(susp.ravel())[0]
        if sidx.size:
            r = sidx // g
            dur = R.suspension_days(p["militia.suspension_days_mean"][r],
                                    self._u_groups(day, rnd.Purpose.SUSPEND_DAYS, sidx))
            self.suspended_until.ravel()[sidx] = day + dur
            counts[M["militia_suspensions"]] = np.bincount(r, minlength=n)

        # 4. Israel: interdiction strikes
        self.attack_memory = self.attack_memory + counts[M["attacks_israel"]]
        stock_share = (self.capability @ self.ones_g) / (p["militia.capability_cap"] * g)
        lam_i = R.israel_strike_rate(p["israel.strike_log_rate_base"],
                                     p["israel.w_capability"], stock_share,
                                     p["israel.w_attacks_on_israel"], self.attack_memory,
                                     p["israel.w_war"], drv.war)
        if replaying:
            n_isr = np.full(n, rp.israeli[day], dtype=np.int64)
        else:
            n_isr = rnd.poisson(lam_i, self._u(day, rnd.ISRAEL, rnd.Purpose.ISRAEL_STRIKES))
        rows = np.nonzero(n_isr)[0]
        if rows.size:
            k = n_isr[rows]
            u4 = rnd.uniform_keyed(self.keys[rows][:, None],
                                   rnd.event_keys(day, [rnd.ISRAEL], self._israel_purposes)[0])
            tgt = np.minimum((u4[:, 0] * g).astype(np.int64), g - 1)
            if replaying:
                k_iraq = np.full(rows.size, rp.israeli_iraq[day], dtype=np.int64)
            else:
                k_iraq = np.where(u4[:, 1] < p["israel.iraq_share"][rows], k, 0)
            self.capability[rows, tgt] *= R.repeated_cut(p["israel.capability_cut"][rows], k)
            fighters = rnd.poisson(k * p["israel.fighters_killed_mean"][rows],
                                   u4[:, 2])
            self.grievance[rows, tgt] += p["militia.grievance_per_fighter_killed"][rows] * fighters
            self.fear[rows] += (p["militia.fear_israeli_strike"][rows] * k)[:, None]
            self.sovereignty[rows] += p["iraq.sovereignty_per_israeli_strike"][rows] * k_iraq
            counts[M["israeli_strikes"], rows] = k
            counts[M["israeli_strikes_iraq"], rows] = k_iraq
            # replayed strikes kill no Iranian personnel: the killings Iran answered are dated
            # shocks of the scenario's timeline
            iranian = (u4[:, 3] < 1.0 - (1.0 - p["israel.iranian_personnel_prob"][rows]) ** k)
            if replaying:
                iranian[:] = False
            ir_rows = rows[iranian]
            if ir_rows.size:
                self.iran_grievance[ir_rows] += p["iran.grievance_personnel_killed"][ir_rows]
                prob = R.sigmoid(p["iran.direct_attack_logit_israel"][ir_rows]
                                 + p["iran.direct_attack_w_war_israel"][ir_rows] * drv.war)
                self._schedule_direct(day, ir_rows, prob, R.TARGET_ISRAEL)

        # 5. United States: pressure, decide, execute (only attack days change anything;
        #    on other days the pressure update adds exactly zero)
        direct_on_us = counts[M["iran_direct_attacks_us"]] > 0
        attack_day = (counts[M["attacks"]] > 0) | direct_on_us
        if replaying:  # responses the model scheduled for a replayed day are dropped before
            self.due[self.due == day] = R.NEVER  # deciding, so today's events are answered
        ad = np.flatnonzero(attack_day)
        if ad.size:
            att, emb = counts[M["attacks"], ad], counts[M["attacks_embassy"], ad]
            k_ad, w_ad, d_ad = killed_r[ad], wounded_r[ad], direct_on_us[ad]
            self.pressure[ad] = R.us_pressure(
                self.pressure[ad], p["us.pressure_per_killed"][ad], k_ad,
                p["us.pressure_per_wounded"][ad], w_ad, p["us.pressure_per_attack"][ad], att,
                p["us.pressure_per_embassy_attack"][ad], emb,
                p["us.election_pressure_gain"][ad], drv.election)
            trig = self.trigger[ad]
            met = R.trigger_met(trig, k_ad, w_ad, att)
            met = met | (d_ad & (trig != R.TRIGGER_NEVER))
            tier_now = R.response_tier(self.pressure[ad], self.first_tier[ad], self.max_tier[ad],
                                       p["us.leaders_pressure"][ad],
                                       p["us.iranian_personnel_pressure"][ad],
                                       d_ad & (k_ad > 0))
            pending = self.due[ad] != R.NEVER
            # a pending response grows with pressure (the embassy siege after 29 Dec 2019)
            self.due_tier[ad] = np.where(pending, np.maximum(self.due_tier[ad], tier_now),
                                         self.due_tier[ad])
            free = ~pending & (tier_now > R.NONE)
            c = ad[free]
            if c.size:
                prob = R.response_probability(trig[free], met[free], True,
                                              p["us.respond_prob_trigger"][c],
                                              p["us.respond_prob_other"][c])
                u2 = rnd.uniform_keyed(self.keys[c][:, None],
                                       rnd.event_keys(day, [rnd.US], self._us_purposes)[0])
                decide = u2[:, 0] < prob
                if decide.any():
                    cd = c[decide]
                    lag = R.lag_days(u2[decide, 1],
                                     p["us.lag_min_days"][cd].astype(np.int64),
                                     p["us.lag_max_days"][cd].astype(np.int64))
                    self.due[cd] = day + lag
                    self.due_tier[cd] = tier_now[free][decide]
        strike_tier = np.zeros(n, dtype=np.int64)
        go = np.nonzero(self.due == day)[0]
        if replaying:  # the record says when and how hard the US struck
            self.due[go] = R.NEVER  # (only a zero-day lag can still be due here)
            if rp.us_tier[day] > 0:
                self.due[:] = R.NEVER  # a recorded strike answers what was pending
                self.due_tier[:] = rp.us_tier[day]
                self._execute(day, self.rows, counts, strike_tier,
                              country=np.full(n, rp.us_country[day]))
        elif go.size:
            self._execute(day, go, counts, strike_tier)

        # drawdown from Iraq
        high = self.sovereignty > p["us.drawdown_pressure_threshold"]
        self.high_sov_days = np.where(high, self.high_sov_days + 1, 0)
        draw = (self.drawdown_day < 0) & (self.high_sov_days >= p["us.drawdown_pressure_days"])
        if draw.any():
            self.drawdown_day[draw] = day
            self.presence_iraq[draw] = (p["us.troops_iraq"][draw]
                                        * p["us.drawdown_presence"][draw])
        sched = np.flatnonzero(day == self.drawdown_date)  # a scheduled drawdown applies
        if sched.size:  # whatever happened before
            self.drawdown_day[sched] = np.where(self.drawdown_day[sched] < 0, day,
                                                self.drawdown_day[sched])
            self.presence_iraq[sched] = R.scheduled_presence(
                self.presence_iraq[sched], p["us.troops_iraq"][sched],
                p["us.scheduled_presence"][sched])

        # 6. decay, ladder
        self.iran_grievance *= self.k_iran_griev
        self.grievance *= self.k_mil_griev
        self.fear *= self.k_fear
        self.recent_attacks *= self.k_mil_griev
        self.pressure *= self.k_pressure
        self.credibility *= self.k_cred
        self.sovereignty *= self.k_sov
        self.embarrassment *= self.k_emb
        self.attack_memory *= self.k_isr
        fire_today = direct_on_us | (strike_tier == R.IRAN_TERRITORY)
        if fire_today.any():
            f = np.nonzero(fire_today)[0]
            self.direct_fire_days[f, :2] = self.direct_fire_days[f, 1:]
            self.direct_fire_days[f, 2] = day
        sustained = (day - self.direct_fire_days[:, 0]) < R.SUSTAINED_WINDOW_DAYS
        up = np.flatnonzero(attack_day | (strike_tier > 0) | sustained | (wounded_r > 0))
        if up.size:
            level = R.ladder_level(counts[M["attacks"], up], wounded_r[up], killed_r[up],
                                   strike_tier[up], direct_on_us[up], sustained[up])
            counts[RUNG, up] = level
            self.rung_days[up, level] += 1
            fd = self.first_day[up]
            fd[(fd < 0) & (self.rung_index <= level[:, None])] = day
            self.first_day[up] = fd
        return counts

    def _shocks(self, day, drv):
        s = self.eng.timeline.shocks[day]
        if not s.any():
            return
        killed = s[_S["iran.killed_by_israel"]]
        if killed:
            p = self.p
            self.iran_grievance = self.iran_grievance + killed
            prob = R.sigmoid(p["iran.direct_attack_logit_israel"]
                             + p["iran.direct_attack_w_war_israel"] * drv.war)
            self._schedule_direct(day, self.rows, prob, R.TARGET_ISRAEL)
        self.iran_grievance = self.iran_grievance + s[_S["iran.grievance"]]
        self.grievance = self.grievance + s[_S["militia.grievance"]]
        self.fear = self.fear + s[_S["militia.fear"]]
        self.pressure = self.pressure + s[_S["us.pressure"]]
        self.sovereignty = self.sovereignty + s[_S["iraq.sovereignty_pressure"]]

    def _schedule_direct(self, day, rows, prob, target):
        """Iran decides whether to fire directly after its personnel were killed."""
        p = self.p
        free = self.direct_due[rows] == R.NEVER
        u = self._u(day, rnd.IRAN, rnd.Purpose.DIRECT_DECIDE + 100 * target, rows)
        go = free & (u < prob)
        rows = rows[go]
        if rows.size:
            lag = R.lag_days(self._u(day, rnd.IRAN, rnd.Purpose.DIRECT_LAG + 100 * target, rows),
                             p["iran.direct_lag_min_days"][rows].astype(np.int64),
                             p["iran.direct_lag_max_days"][rows].astype(np.int64))
            self.direct_due[rows] = day + lag
            self.direct_target[rows] = target

    def _execute(self, day, go, counts, strike_tier, country=None):
        """Carry out the US responses due today in replicates ``go`` (in the country given,
        when replaying the record; by the rule otherwise)."""
        p = self.p
        tier = self.due_tier[go]
        self.due[go] = R.NEVER
        strike_tier[go] = tier
        if country is None:
            country = R.strike_country(tier, self.sovereignty[go], p["us.syria_threshold"][go])
        counts[M["us_strikes"], go] = 1
        # the four tier columns follow each other in DAILY: facilities (tier 1) .. territory (4)
        counts[M["us_strikes_facilities"] - R.FACILITIES + tier, go] = 1
        counts[M["us_strikes_iraq"], go] = country == R.STRIKE_IRAQ
        counts[M["us_strikes_syria"], go] = country == R.STRIKE_SYRIA
        on_proxies = tier < R.IRAN_TERRITORY
        # the group blamed: most recent attacks on US forces (first group on ties)
        tgt = np.argmax(self.recent_attacks[go], axis=1)
        fighters = rnd.poisson(p["us.fighters_killed_mean"][go],
                               self._u(day, rnd.US, rnd.Purpose.US_FIGHTERS, go))
        cut = np.where(tier == R.FACILITIES, p["us.capability_cut_facilities"][go],
                       p["us.capability_cut_leaders"][go])
        pr, pt = go[on_proxies], tgt[on_proxies]
        self.capability[pr, pt] *= 1.0 - cut[on_proxies]
        leader = (tier == R.LEADERS) | (tier == R.IRANIAN_PERSONNEL)
        any_leader = leader.any()
        griev = p["militia.grievance_per_fighter_killed"][go] * fighters
        if any_leader:  # (adding 0.0 elsewhere changes nothing, so it is skipped)
            griev = griev + np.where(leader, p["militia.grievance_leader_killed"][go], 0.0)
            lr, lt = go[leader], tgt[leader]
            self.leaderless_until[lr, lt] = (day + p["militia.leader_replacement_days"][lr]
                                             .astype(np.int64))
        self.grievance[pr, pt] += griev[on_proxies]
        fear = R.strike_fear(tier, p["militia.fear_facilities"][go], p["militia.fear_leaders"][go])
        spill = p["militia.fear_spillover"][go]
        self.fear[go] += (fear * spill)[:, None]
        self.fear[pr, pt] += (fear * (1.0 - spill))[on_proxies]
        iran_hit = tier >= R.IRANIAN_PERSONNEL
        if iran_hit.any():
            self.fear[go] += np.where(iran_hit, p["militia.fear_iranian_personnel"][go],
                                      0.0)[:, None]
        self.credibility[go] += R.strike_credibility(tier, p["us.credibility_facilities"][go],
                                                     p["us.credibility_leaders"][go],
                                                     p["us.credibility_iranian"][go])
        in_iraq = country == R.STRIKE_IRAQ
        sov = p["iraq.sovereignty_per_us_strike"][go]
        if any_leader:
            sov = sov + np.where(leader, p["iraq.sovereignty_per_decapitation"][go], 0.0)
        self.sovereignty[go] += np.where(in_iraq, sov, 0.0)
        self.pressure[go] *= 1.0 - p["us.pressure_relief"][go]
        ir = go[iran_hit]
        if ir.size:
            self.iran_grievance[ir] += p["iran.grievance_personnel_killed"][ir]
            self._schedule_direct(day, ir, p["iran.direct_attack_prob_us"][ir], R.TARGET_US)
