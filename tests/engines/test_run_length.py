"""A replicate's days do not depend on where its run ends (a file of its own, so the suite's
workers can run it beside the engine-agreement tests)."""

import dataclasses
import datetime as dt

import numpy as np

from sim.engines.batch import BatchEngine
from sim.model.measures import DAILY
from sim.scenario import build_params


def test_a_replicate_does_not_depend_on_where_the_run_ends(baseline):
    """The same replicates run to 2024 and to mid-2025 (posterior draws and all) make the same
    days to 2024: nothing in the model reads the run's length (the drone share once did: it
    was linear over the run, so a longer run had fewer drones in 2023, and on that law this
    test fails in 2024)."""
    longer = dataclasses.replace(baseline, end=dt.date(2025, 6, 30))
    reps = np.arange(10)
    a = BatchEngine(baseline.setup()).run(0, reps, build_params(baseline, reps, 0),
                                          record_daily=True, keep_weekly=False)
    b = BatchEngine(longer.setup()).run(0, reps, build_params(longer, reps, 0),
                                        record_daily=True, keep_weekly=False)
    days = a.daily.shape[1]
    assert b.daily.shape[1] == days + 181
    assert a.daily[:, :, DAILY.index("attacks_drone")].sum() > 0  # the weapon mix is drawn
    np.testing.assert_array_equal(a.daily, b.daily[:, :days])
