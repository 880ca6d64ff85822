"""A SolaraViz dashboard of one replicate of the Mesa model (``escalation dashboard``).

:mod:`sim.dashboard.model` is the Mesa model it steps (:class:`DashboardModel`: a scenario, a
policy and the key parameters, as SolaraViz's reset builds it), :mod:`sim.dashboard.app` the
page: the actors' traced state, attacks per week against the documented record and the
ladder rung, redrawn as the model steps.  Imported only by the page and the command, so the
rest of the package never loads Solara.
"""
