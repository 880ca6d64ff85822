"""The dashboard page (``escalation dashboard``, or ``solara run sim.dashboard.app``).

SolaraViz (Mesa's browser front end) with: the scenario, the policy, the seed, the replicate
and the key parameters in the sidebar (applied on *Reset*); *Step* (a week by default: the
render interval), *Play* and *Reset*; and four panels redrawn as the model steps: the status
(day, date, today's rung, this week's attacks, every traced state variable's value), the
actors' traced state over time (every entry of :data:`sim.model.day.TRACES`, per group for
the militias), attacks on US forces per week against the documented record, and the ladder
rung day by day.
"""

from __future__ import annotations

import datetime as dt
from html import escape

import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from ..model.day import TRACES
from ..model.ladder import LADDER
from ..model.measures import DAILY, RUNG
from ..model.registry import parameter
from .model import (
    OWN_POLICY,
    SLIDERS,
    DashboardModel,
    policy_choices,
    scenario_choices,
    slider_start,
)

RENDER_DAYS = 7
"""Days per *Step* click and per redraw while playing (the render interval; adjustable)."""


def model_params() -> dict:
    """SolaraViz's parameter controls: the scenario and policy menus, seed, replicate and a
    slider per key parameter (:data:`sim.dashboard.model.SLIDERS`)."""
    params: dict = {
        "scenario_name": {"type": "Select", "value": "baseline", "values": scenario_choices(),
                          "label": "Scenario"},
        "policy": {"type": "Select", "value": OWN_POLICY, "values": policy_choices(),
                   "label": "Policy"},
        "seed": {"type": "SliderInt", "value": 0, "min": 0, "max": 99, "step": 1,
                 "label": "Seed"},
        "replicate": {"type": "SliderInt", "value": 0, "min": 0, "max": 99, "step": 1,
                      "label": "Replicate"},
    }
    for key, (lo, hi, step) in SLIDERS.items():
        p = parameter(key)
        params[key] = {"type": "SliderFloat", "value": slider_start(key), "min": lo,
                       "max": hi, "step": step, "label": f"{key} ({p.unit})"}
    return params


def _date_axis(ax, ticks: int = 6) -> None:
    """Few, short date labels (months, the year where it changes)."""
    import matplotlib.dates as mdates

    loc = mdates.AutoDateLocator(minticks=2, maxticks=ticks)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))


def _dates(model: DashboardModel, n: int) -> np.ndarray:
    return np.datetime64(model.setup.start, "D") + np.arange(n)


def _window(model: DashboardModel) -> tuple[np.datetime64, np.datetime64]:
    """The shown dates: from the start to a little past today (at least a year)."""
    start = np.datetime64(model.setup.start, "D")
    end = np.datetime64(model.setup.start + dt.timedelta(days=model.days - 1), "D")
    right = max(start + 365, start + model.day + 30)
    return start, min(right, end)


@solara.component
def Status(model: DashboardModel):
    """Where the model is: day, date, today's rung, this week's attacks, the state."""
    update_counter.get()
    day = model.day
    rung = LADDER[int(model.today[RUNG])] if day else "-"
    week = model.weekly_attacks()
    this_week = int(week[-1]) if len(week) else 0
    total = int(model.counts[:, DAILY.index("attacks")].sum())
    when = model.date.isoformat() if day else "not started"
    rows = []
    for t, values in model.history.items():
        if values:
            v = values[-1]
            text = (", ".join(f"{x:.2f}" for x in np.atleast_1d(v)) if np.ndim(v)
                    else f"{float(v):.3f}")
        else:
            text = "-"
        rows.append(f"<tr><td>{escape(t)}</td><td>{escape(TRACES[t][0])}</td>"
                    f"<td style='text-align:right'>{text}</td></tr>")
    moved = ""
    if model.moved:
        moved = "<p>set by sliders: " + escape(", ".join(
            f"{k} = {v:g}" for k, v in model.moved.items())) + "</p>"
    html = (f"<div class='escalation-status'><p><b>{escape(model.label)}</b> (seed "
            f"{model.seed}, replicate {model.replicate})</p>"
            f"<p id='escalation-day'>Day <b>{day}</b> of {model.days} ({when}) &middot; "
            f"rung today: <b>{escape(rung)}</b> &middot; attacks this week: "
            f"<b>{this_week}</b> &middot; total attacks: <b>{total}</b></p>{moved}"
            "<table><tr><th>state</th><th>actor</th><th>value</th></tr>"
            + "".join(rows) + "</table></div>")
    solara.HTML(tag="div", unsafe_innerHTML=html)


@solara.component
def ActorState(model: DashboardModel):
    """Every traced state variable over time (militia traces: one line per group)."""
    update_counter.get()
    traces = model.traces()
    n = len(traces)
    cols = 4
    rows = -(-n // cols)
    fig = Figure(figsize=(11, 1.9 * rows + 0.4), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    x = _dates(model, model.day)
    lo, hi = _window(model)
    for ax, (name, arr) in zip(axes, traces.items()):
        space = TRACES[name][0]
        if model.day:
            if arr.ndim == 2:
                for g, group in enumerate(model.setup.group_names):
                    ax.plot(x, arr[:, g], lw=1, label=group)
            else:
                ax.plot(x, arr, lw=1.5, color="C3")
        ax.set_title(f"{name} ({space})", fontsize=9)
        ax.set_xlim(lo, hi)
        _date_axis(ax, ticks=3)
        ax.tick_params(labelsize=7)
    for ax in axes[n:]:
        ax.set_visible(False)
    if model.day and any(a.ndim == 2 for a in traces.values()):
        first = next(ax for ax, a in zip(axes, traces.values()) if a.ndim == 2)
        first.legend(fontsize=6, loc="upper left")
    fig.suptitle(f"Actors' state, day {model.day}", fontsize=10)
    solara.FigureMatplotlib(fig, format="png")


@solara.component
def Attacks(model: DashboardModel):
    """Attacks on US forces per week: this replicate against the documented record."""
    update_counter.get()
    doc = model.documented()
    weeks = np.datetime64(model.setup.start, "D") + 7 * np.arange(len(doc))
    sim_weeks = model.weekly_attacks()
    fig = Figure(figsize=(10, 3.2), layout="constrained")
    ax = fig.subplots()
    if np.isfinite(doc).any():
        ax.plot(weeks, doc, color="0.45", lw=1.2, drawstyle="steps-post",
                label="documented record")
    ax.plot(weeks[:len(sim_weeks)], sim_weeks, color="C3", lw=1.6, drawstyle="steps-post",
            label="this replicate")
    ax.set_xlim(*_window(model))
    _date_axis(ax)
    ax.set_ylabel("attacks per week")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(f"Attacks on US forces per week, {len(sim_weeks)} weeks simulated",
                 fontsize=10)
    solara.FigureMatplotlib(fig, format="png")


@solara.component
def Ladder(model: DashboardModel):
    """The escalation ladder's rung, day by day."""
    update_counter.get()
    fig = Figure(figsize=(10, 3.0), layout="constrained")
    ax = fig.subplots()
    if model.day:
        ax.plot(_dates(model, model.day), model.counts[:, RUNG], color="C0", lw=1.2,
                drawstyle="steps-post")
    ax.set_yticks(range(len(LADDER)), [f"{k} {name}" for k, name in enumerate(LADDER)],
                  fontsize=7)
    ax.set_ylim(-0.3, len(LADDER) - 0.7)
    ax.set_xlim(*_window(model))
    _date_axis(ax)
    ax.set_title(f"Ladder rung, day {model.day}", fontsize=10)
    solara.FigureMatplotlib(fig, format="png")


COMPONENTS = [(Status, 0), (Attacks, 0), (ActorState, 0), (Ladder, 0)]


def make_page(model: DashboardModel | None = None):
    """The SolaraViz page over ``model`` (default: the baseline, its own policy)."""
    return SolaraViz(model if model is not None else DashboardModel(), components=COMPONENTS,
                     model_params=model_params(), name="Escalation simulator: one replicate",
                     play_interval=150, render_interval=RENDER_DAYS)


page = make_page()
