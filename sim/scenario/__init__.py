"""Scenarios: TOML files and their validation, the resolved :class:`Scenario`, policies, the
replay schedule, the posterior, and the one function that builds each replicate's parameters
(:func:`build_params`)."""

from ..errors import ScenarioError
from .describe import describe
from .parameters import build_params
from .scenario import Scenario, load_scenario

__all__ = ["Scenario", "ScenarioError", "build_params", "describe", "load_scenario"]
