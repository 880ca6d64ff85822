"""Escalation simulator.

The Python API (:mod:`sim.api`)::

    from sim import load_scenario, run, evaluate, compare, sweep, sensitivity, parameters

    res = run(None, runs=1000, weekly=True)    # the baseline; .runs, .bands, .plot_*(), .save()
    ev = evaluate(None, [{"us.trigger": "deaths"}, {"us.trigger": "streak"}], runs=100)
    cmp = compare(None, ["answer_deaths", "answer_every_streak"], runs=1000)
    sw = sweep(None, ["militia.w_fear=0.5:2.5"], samples=16, runs=100)

The names are loaded on first use, so that worker processes which import the batch engine
only do not pay for pandas and matplotlib.
"""

from __future__ import annotations

__all__ = ["load_scenario", "run", "evaluate", "compare", "sweep", "sensitivity", "mesa_model",
           "parameters", "RunResult", "EvaluateResult", "CompareResult", "SweepResult",
           "SensitivityResult"]


def __getattr__(name: str):
    if name in __all__:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
