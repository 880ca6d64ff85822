"""The simulator as an EMA Workbench model (``pip install .[ema]``).

:func:`build_model` makes an ``ema_workbench.Model`` whose uncertainties, levers and outcomes
are named as in the project (dotted parameter keys, outcome names of
:data:`sim.experiments.outcomes.OUTCOMES`), with bounds and categories from the parameter
registry; :class:`Evaluator` is an EMA evaluator that hands every batch of experiments to
:func:`sim.api.evaluate` in **one** call (one vectorized engine call over experiments x
replicates, common random numbers across experiments), where EMA's own evaluators call the
model once per experiment::

    from ema_workbench import perform_experiments
    import sim.ema

    model = sim.ema.build_model(None, uncertainties={"militia.w_fear": (0.5, 3.0),
                                                     "iran.w_grievance": (0.2, 1.5)},
                                runs=20, seed=1)
    policies = sim.ema.policies(model, ["answer_deaths", "answer_every_streak"])
    with sim.ema.Evaluator(model) as ev:
        experiments, outcomes = ev.perform_experiments(scenarios=64, policies=policies)

An experiment's outcomes are the means over ``runs`` replicates (for a 0/1 outcome such as
``direct_us_iran_fire`` the probability), exactly ``sim.evaluate(scenario, rows, runs=runs,
seed=seed).table``.  The model's ``function`` (what EMA's ``SequentialEvaluator`` and
``MultiprocessingEvaluator`` call) evaluates one experiment the same way, one engine call per
experiment.  EMA's LHS sampler takes ``uncertainty_sampling_kwargs={"rng": SEED}``.

Parameters with dotted names make EMA Workbench 3 warn that names should be Python
identifiers; the warning is silenced here, since the names are the project's.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

try:
    with warnings.catch_warnings():  # "ipyparallel not installed": not needed here
        warnings.filterwarnings("ignore", message="ipyparallel", category=UserWarning)
        import ema_workbench as ema
        from ema_workbench.em_framework.evaluators import BaseEvaluator
except ImportError as exc:  # pragma: no cover - the optional extra is missing
    raise ImportError("sim.ema needs EMA Workbench: pip install 'escalation-sim[ema]' (or "
                      "pip install -e '.[ema]' in the project folder)") from exc

from .api import ScenarioLike, _scenario, _with_posterior, evaluate
from .errors import ScenarioError
from .errors import suggest as _suggest
from .experiments.outcomes import OUTCOMES, numeric_outcomes
from .model.registry import PARAMETERS, all_parameter_keys
from .scenario.parameters import ENUM_LABELS

__all__ = ["build_model", "Evaluator", "EscalationEMAModel", "policies", "ema_parameter",
           "DEFAULT_LEVERS", "DEFAULT_OUTCOMES"]

DEFAULT_LEVERS: tuple[str, ...] = ("us.trigger", "us.first_tier", "us.max_tier",
                                   "us.respond_prob_trigger")
"""The US policy parameters the bundled policies set (the levers of :func:`build_model`)."""
DEFAULT_OUTCOMES: tuple[str, ...] = ("direct_us_iran_fire", "us_fatality", "us_killed",
                                     "attacks", "us_strikes", "escalation_score")
"""The outcomes of :func:`build_model` unless others are named."""


@contextmanager
def _dotted_names_ok():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*valid Python identifier",
                                category=DeprecationWarning)
        yield


def _registry_param(key: str):
    sec, _, name = key.partition(".")
    if sec not in PARAMETERS or name not in PARAMETERS[sec]:
        raise ScenarioError(f"ema: unknown parameter '{key}'"
                            f"{_suggest(key, all_parameter_keys())}; `escalation show` lists "
                            "every parameter")
    return PARAMETERS[sec][name]


def ema_parameter(key: str, spec: Any = None):
    """An EMA parameter for a registry key: ``RealParameter`` (float), ``IntegerParameter``
    (int), ``CategoricalParameter`` (enum: its labels) or ``BooleanParameter``.

    Args:
        key: the dotted key (the parameter's EMA name).
        spec: ``None`` (the registry's bounds, or every label of an enum), ``(lo, hi)``
            inside the registry's bounds, or a list of labels of an enum.
    """
    p = _registry_param(key)
    with _dotted_names_ok():
        if p.kind == "enum":
            labels = list(ENUM_LABELS[key]) if spec is None else list(spec)
            bad = [v for v in labels if v not in ENUM_LABELS[key]]
            if bad:
                raise ScenarioError(f"ema: '{key}' has no label {bad[0]!r}; labels: "
                                    f"{'|'.join(ENUM_LABELS[key])}")
            return ema.CategoricalParameter(key, labels)
        if p.kind == "bool":
            return ema.BooleanParameter(key)
        if not p.numeric:
            raise ScenarioError(f"ema: '{key}' is a {p.kind}; only numeric, enum and boolean "
                                "parameters can be uncertainties or levers")
        lo, hi = (p.lo, p.hi) if spec is None else tuple(spec)
        if lo is None or hi is None:
            raise ScenarioError(f"ema: '{key}' is unbounded in the registry "
                                f"({p.describe_bounds()}); give its range, e.g. "
                                f"{{'{key}': (lo, hi)}}")
        if not lo < hi:
            raise ScenarioError(f"ema: '{key}': lo ({lo:g}) must be below hi ({hi:g})")
        if (p.lo is not None and lo < p.lo) or (p.hi is not None and hi > p.hi):
            raise ScenarioError(f"ema: '{key}' range ({lo:g}, {hi:g}) is outside its bounds "
                                f"{p.describe_bounds()}")
        if p.kind == "int":
            return ema.IntegerParameter(key, int(np.ceil(lo)), int(np.floor(hi)))
        return ema.RealParameter(key, float(lo), float(hi))


def _params(spec) -> list:
    if spec is None:
        return []
    if isinstance(spec, str):
        spec = [spec]
    if isinstance(spec, Mapping):
        return [ema_parameter(k, v) for k, v in spec.items()]
    return [s if isinstance(s, ema.em_framework.parameters.Parameter) else ema_parameter(s)
            for s in spec]


class EscalationEMAModel(ema.Model):
    """An EMA Workbench model of a scenario; see :func:`build_model`.

    Attributes:
        scenario: the resolved scenario the experiments modify.
        runs, seed, posterior: replicates per experiment, their seed, the posterior.
        workers, scheduler, chunk_size: where :meth:`evaluate_rows` runs (the numbers never
            depend on it).
    """

    def __init__(self, name: str, scenario, *, runs: int, seed: int,
                 posterior: bool | str | Path, workers: int | None = 1,
                 scheduler: str | None = None, chunk_size: int | None = None):
        super().__init__(name, function=self._one_experiment)
        self.scenario, self.runs, self.seed, self.posterior = scenario, runs, seed, posterior
        self.workers, self.scheduler, self.chunk_size = workers, scheduler, chunk_size

    def _variables(self, names: Iterable[str]) -> list[str]:
        return [v for o in self.outcomes if o.name in names for v in o.variable_name]

    def evaluate_rows(self, rows: pd.DataFrame) -> dict[str, np.ndarray]:
        """Every row (dotted keys as columns) in one :func:`sim.api.evaluate` call; the
        outcomes' variables as arrays, one value per row."""
        variables = list(dict.fromkeys(v for o in self.outcomes for v in o.variable_name))
        res = evaluate(self.scenario, rows, runs=self.runs, seed=self.seed,
                       posterior=self.posterior, workers=self.workers,
                       scheduler=self.scheduler, chunk_size=self.chunk_size,
                       outcomes=[v.removesuffix("_lo").removesuffix("_hi")
                                 for v in variables])
        return {v: res.table[v].to_numpy(dtype=np.float64) for v in variables}

    def outcomes_of(self, values: Mapping[str, np.ndarray], i: int) -> dict[str, Any]:
        """The EMA outcomes of row ``i`` (each outcome's ``process`` applied)."""
        return {o.name: o.process([float(values[v][i]) for v in o.variable_name])
                for o in self.outcomes}

    def _one_experiment(self, **row) -> dict[str, float]:
        """EMA's per-experiment call: one experiment, one :func:`sim.api.evaluate` call."""
        values = self.evaluate_rows(pd.DataFrame([row]))
        return {k: float(v[0]) for k, v in values.items()}

    def rows_of(self, experiments: Sequence) -> pd.DataFrame:
        """The design of EMA experiments: their scenario's and policy's values (and the
        model's constants) under the project's dotted keys."""
        const = {c.name: c.value for c in self.constants}
        params = [*self.uncertainties, *self.levers]
        rows = []
        for exp in experiments:
            sample = {**exp.scenario, **exp.policy}
            row = dict(const)
            for par in params:
                if par.name in sample:
                    for var in par.variable_name:
                        row[var] = sample[par.name]
            rows.append(row)
        return pd.DataFrame(rows)


def build_model(scenario: ScenarioLike = None, uncertainties=None, levers=DEFAULT_LEVERS,
                outcomes: Iterable[str] | None = None, *, runs: int = 100, seed: int = 0,
                posterior: bool | str | Path = True, workers: int | None = 1,
                scheduler: str | None = None, chunk_size: int | None = None,
                intervals: bool = False, name: str = "escalation") -> EscalationEMAModel:
    """An EMA Workbench model of a scenario, named as in the project.

    Args:
        scenario: the scenario the experiments modify (``None``: the baseline; a bundled
            name, a path or a :class:`~sim.scenario.Scenario`).
        uncertainties: dotted keys (bounds or labels from the registry), a dict
            ``{key: (lo, hi)}`` / ``{key: [labels]}``, or EMA parameters.
        levers: the same, for the levers (default :data:`DEFAULT_LEVERS`; ``None``: none).
        outcomes: outcome names of the registry (default :data:`DEFAULT_OUTCOMES`); each an
            ``ScalarOutcome`` of the mean over the replicates (a probability for 0/1
            outcomes).
        runs, seed, posterior: replicates per experiment (the same indices for every
            experiment: common random numbers), the seed, the posterior (as in
            :func:`sim.api.evaluate`: calibrated parameters not varied are drawn per
            replicate).
        workers, scheduler, chunk_size: where the batches run.
        intervals: also the Monte Carlo interval of each outcome, as outcomes
            ``<name>_lo`` and ``<name>_hi``.
        name: the EMA model's name (a Python identifier).
    """
    sc, _ = _with_posterior(_scenario(scenario), posterior)
    model = EscalationEMAModel(name, sc, runs=runs, seed=seed, posterior=posterior,
                               workers=workers, scheduler=scheduler, chunk_size=chunk_size)
    unc, lev = _params(uncertainties), _params(levers)
    both = {p.name for p in unc} & {p.name for p in lev}
    if both:
        raise ScenarioError(f"ema: '{sorted(both)[0]}' is both an uncertainty and a lever")
    outs = list(DEFAULT_OUTCOMES if outcomes is None else outcomes)
    known = numeric_outcomes()
    for o in outs:
        if o not in known:
            raise ScenarioError(f"ema: unknown outcome '{o}'{_suggest(o, known)}; known: "
                                f"{', '.join(known)}")
    model.uncertainties = unc
    model.levers = lev
    scalar = []
    for o in outs:
        scalar.append(ema.ScalarOutcome(o))
        if intervals:
            scalar += [ema.ScalarOutcome(f"{o}_lo"), ema.ScalarOutcome(f"{o}_hi")]
    model.outcomes = scalar
    return model


def policies(model: EscalationEMAModel, names: Iterable[str | Path]) -> list:
    """Bundled policies (or policy files) as EMA policies: a ``Sample`` named after the
    policy with a value for every lever of ``model`` (the policy's setting, or the model's
    scenario's value where the policy sets none).  A policy setting a parameter that is not
    a lever is refused (it would be lost)."""
    from .scenario.policies import policy_path, policy_settings

    out = []
    levers = [p.name for p in model.levers]
    for text in names:
        label, settings = policy_settings(policy_path(str(text)))
        lost = [k for k in settings if k not in levers]
        if lost:
            raise ScenarioError(f"ema: policy '{label}' sets '{lost[0]}', which is not a lever "
                                f"of the model (levers: {', '.join(levers) or 'none'})")
        values = {}
        for key in levers:
            sec, _, name = key.partition(".")
            values[key] = settings.get(key, model.scenario.params[sec][name])
        with _dotted_names_ok():
            out.append(ema.Sample(label, **values))
    return out


class Evaluator(BaseEvaluator):
    """An EMA evaluator that runs each batch of experiments as one :func:`sim.api.evaluate`
    call (per model): ``with Evaluator(model) as ev: ev.perform_experiments(...)``, or
    ``perform_experiments(model, ..., evaluator=Evaluator(model))``."""

    def initialize(self) -> None:
        """Nothing to start: :func:`sim.api.evaluate` starts its backend per batch."""

    def finalize(self) -> None:
        """Nothing to stop."""

    def evaluate_experiments(self, experiments, callback, **kwargs) -> None:
        """Evaluate every experiment of the batch; report each to EMA's ``callback``."""
        exps = list(experiments)
        models = {m.name: m for m in self._msis}
        for name in dict.fromkeys(e.model_name for e in exps):
            model = models[name]
            if not isinstance(model, EscalationEMAModel):
                raise TypeError(f"sim.ema.Evaluator runs models made by sim.ema.build_model, "
                                f"not {type(model).__name__}")
            mine = [e for e in exps if e.model_name == name]
            values = model.evaluate_rows(model.rows_of(mine))
            for i, exp in enumerate(mine):
                callback(exp, model.outcomes_of(values, i))


def outcome_label(name: str) -> str:
    """The registry's label of an outcome (``P(direct US-Iran fire)``), for figures."""
    o = OUTCOMES.get(name.removesuffix("_lo").removesuffix("_hi"))
    if o is None:
        return name
    return f"P({o.label})" if o.is_probability else o.label
