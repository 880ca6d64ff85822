"""The Mesa model the dashboard steps: one replicate of a scenario under a policy, with the
key parameters set by sliders, recording every traced state variable as it goes.

The traced state is read generically from :data:`sim.model.day.TRACES` (a trace an actor
module adds shows up on the dashboard by itself); per-group (militia) traces keep one value
per group.  Parameters are the scenario's own values (no posterior draw), so that what the
sliders show is what runs; a slider left at its starting value leaves the scenario's (and the
policy's) value alone.

Example:
    >>> m = DashboardModel(scenario_name="baseline", policy="answer_every_streak")
    >>> for _ in range(14):
    ...     m.step()
    >>> m.day, len(m.history["campaign"]), float(m.params["us.trigger"][0])
    (14, 14, 2.0)
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np

from ..api import _scenario
from ..engines.mesa import EscalationModel
from ..errors import ScenarioError
from ..model.day import TRACES, trace_values
from ..model.measures import DAILY
from ..scenario import build_params
from ..scenario.policies import bundled_policies, resolve_policy
from ..scenario.scenario import bundled_scenarios

OWN_POLICY = "(the scenario's own)"
"""The policy choice that applies no policy file."""

SLIDERS: dict[str, tuple[float, float, float]] = {
    "militia.w_fear": (0.0, 5.0, 0.1),
    "iran.w_grievance": (0.0, 3.0, 0.1),
    "iran.campaign_on_base": (-15.0, -5.0, 0.1),
    "us.force_protection": (0.0, 0.99, 0.01),
    "us.respond_prob_trigger": (0.0, 1.0, 0.01),
    "us.iranian_personnel_pressure": (0.0, 60.0, 1.0),
}
"""The key parameters on sliders: (min, max, step), inside the registry's bounds."""


def scenario_choices() -> list[str]:
    """The bundled scenarios a dashboard can start from (not the policy files)."""
    from ..paths import POLICY_DIR

    return [name for name, path in bundled_scenarios().items()
            if path.parent != POLICY_DIR]


def slider_start(key: str) -> float:
    """A slider's starting value: the bundled baseline's value of the key."""
    sec, _, name = key.partition(".")
    return float(_scenario(None).params[sec][name])


@lru_cache(maxsize=16)
def documented_weeks(start: dt.date, days: int, groups: tuple[str, ...]) -> np.ndarray:
    """Documented attacks on US forces per week over the scenario's weeks (NaN where the
    record does not reach; :func:`sim.record.series.documented_weekly_attacks`)."""
    from ..record.series import documented_weekly_attacks

    return documented_weekly_attacks(start, days, list(groups))


class DashboardModel(EscalationModel):
    """One replicate of ``scenario_name`` under ``policy``, stepped a day at a time.

    Args:
        scenario_name: a bundled scenario name or a scenario file.
        policy: a bundled policy name, a policy file, or :data:`OWN_POLICY`.
        seed, replicate: which replicate (as in :func:`sim.api.mesa_model`).
        scenario: ignored: the Mesa scenario object SolaraViz's reset passes (this model is
            configured by ``scenario_name``, ``policy`` and the sliders).
        **overrides: slider values by dotted key; one equal to its start
            (:func:`slider_start`) is not applied.

    Attributes:
        history: per trace of :data:`sim.model.day.TRACES`, one value (or one per group) per
            simulated day.
        counts: the daily measures so far, ``(days, len(DAILY))``.
        label: what runs, in words.
    """

    def __init__(self, scenario_name: str = "baseline", policy: str = OWN_POLICY,
                 seed: int = 0, replicate: int = 0, scenario=None, **overrides: float):
        sc = _scenario(scenario_name)
        label = sc.name
        if policy and policy != OWN_POLICY:
            pol, sc, _ = resolve_policy(str(policy), sc)
            label = f"{label} under {pol}"
        moved = {}
        for key, value in overrides.items():
            if key not in SLIDERS:
                raise ScenarioError(f"dashboard: '{key}' has no slider; sliders: "
                                    f"{', '.join(SLIDERS)}")
            if float(value) != slider_start(key):
                moved[key] = float(value)
        if moved:
            sc = sc.with_overrides(moved)
        self.sim_scenario = sc  # (not `scenario`: Mesa reads that name as its own kind)
        self.label = label
        self.moved = moved
        super().__init__(sc.setup(), build_params(sc, [int(replicate)], int(seed),
                                                  posterior=False),
                         seed=int(seed), replicate=int(replicate))
        self.history: dict[str, list[np.ndarray]] = {t: [] for t in TRACES}
        self._counts: list[np.ndarray] = []

    @property
    def counts(self) -> np.ndarray:
        """The daily measures so far, ``(days simulated, len(DAILY))``."""
        if not self._counts:
            return np.zeros((0, len(DAILY)), dtype=np.int64)
        return np.array(self._counts)

    @property
    def date(self) -> dt.date:
        """The last simulated day (the day before the start when nothing ran yet)."""
        return self.setup.start + dt.timedelta(days=self.day - 1)

    def step(self) -> None:
        """One day (nothing once the horizon is reached; then ``running`` is False)."""
        if self.day >= self.days:
            self.running = False
            return
        super().step()
        self._counts.append(self.today.copy())
        for t in TRACES:
            self.history[t].append(np.array(trace_values(self.state, t)[0], dtype=float))
        if self.day >= self.days:
            self.running = False

    def traces(self) -> dict[str, np.ndarray]:
        """Every trace so far: ``(days,)`` or, per group, ``(days, G)``."""
        return {t: np.array(v) for t, v in self.history.items()}

    def weekly_attacks(self) -> np.ndarray:
        """Simulated attacks on US forces per week so far (the current week partial)."""
        att = self.counts[:, DAILY.index("attacks")] if self.day else np.zeros(0)
        weeks = -(-len(att) // 7)
        pad = np.zeros(weeks * 7)
        pad[:len(att)] = att
        return pad.reshape(weeks, 7).sum(axis=1)

    def documented(self) -> np.ndarray:
        """Documented attacks on US forces per week over the whole horizon."""
        return documented_weeks(self.setup.start, self.days, tuple(self.setup.group_names))


def policy_choices() -> list[str]:
    """The policy menu: :data:`OWN_POLICY` and the bundled policies."""
    return [OWN_POLICY, *bundled_policies()]
