"""The two engines agree exactly; results do not depend on chunking or neighbours."""

import numpy as np
import pytest

from sim.engines.batch import BatchEngine
from sim.engines.mesa import EscalationModel
from sim.experiments.runner import run_scenario
from sim.model.measures import DAILY
from sim.scenario import build_params, load_scenario
from tests.conftest import POLICY_FILES

SCENARIOS = [None, *POLICY_FILES]
TRACES = ("campaign", "iran_risk", "iran_halt", "iran_grievance", "us_pressure",
          "sovereignty_pressure", "containment", "iraq_bargaining", "presence_iraq")


def _assert_same(batch, r, model):
    daily = model.daily_counts()
    mismatch = np.nonzero((daily != batch.daily[r]).any(axis=1))[0]
    if mismatch.size:
        d = mismatch[0]
        cols = [DAILY[j] for j in np.nonzero(daily[d] != batch.daily[r, d])[0]]
        pytest.fail(f"replicate {r}: first difference on day {d} in {cols}")
    df = model.datacollector.get_model_vars_dataframe()
    for name in TRACES:
        np.testing.assert_allclose(df[name].to_numpy(), batch.traces[name][r], rtol=1e-9,
                                   atol=1e-12, err_msg=name)
    agents = model.datacollector.get_agent_vars_dataframe().reset_index()
    for g, m in enumerate(model.militias):
        rows = agents[agents["AgentID"] == m.unique_id].sort_values("Step")
        for var, trace in (("capability", "militia_capability"), ("fear", "militia_fear"),
                           ("grievance", "militia_grievance"),
                           ("excitation", "militia_excitation")):
            np.testing.assert_allclose(rows[var].to_numpy(), batch.traces[trace][r, :, g],
                                       rtol=1e-9, atol=1e-12, err_msg=f"{m.name} {var}")
    np.testing.assert_array_equal(model.first_day, batch.first_day[r])
    np.testing.assert_array_equal(model.rung_days, batch.rung_days[r])


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: "baseline" if p is None else p.stem)
@pytest.mark.parametrize("seed,replicate", [(1, 3), (20261121, 11)])
def test_mesa_and_batch_agree_over_the_full_horizon(path, seed, replicate):
    sc = load_scenario(path)
    n = 16
    params = build_params(sc, n, posterior=False)
    batch = BatchEngine(sc.setup()).run(seed, np.arange(n), params, record_daily=True)
    model = EscalationModel(sc.setup(), params.row(replicate), seed=seed, replicate=replicate)
    model.run()
    assert model.day == sc.days == 2192
    assert batch.daily[replicate, :, DAILY.index("attacks")].sum() > 0
    _assert_same(batch, replicate, model)


def test_agreement_with_per_replicate_parameters(baseline):
    n = 8
    rng = np.random.default_rng(0)
    params = build_params(baseline, n, posterior=False, overrides={
        "militia.w_fear": rng.uniform(0.5, 3, n),
        "us.force_protection": rng.uniform(0.2, 0.8, n),
        "us.iranian_personnel_pressure": rng.uniform(3, 25, n),
        "iran.w_gaza_war": rng.uniform(1, 5, n),
        "iran.gaza_onset_days": rng.uniform(0, 20, n),
        "militia.w_political_crisis": rng.uniform(0, 3, n)})
    batch = BatchEngine(baseline.setup()).run(5, np.arange(n), params, record_daily=True)
    for r in (2, 6):
        model = EscalationModel(baseline.setup(), params.row(r), seed=5, replicate=r)
        model.run()
        _assert_same(batch, r, model)


def test_a_replicate_does_not_depend_on_chunking(baseline):
    n = 400
    params = build_params(baseline, n, posterior=False)
    eng = BatchEngine(baseline.setup())
    whole = eng.run(77, np.arange(n), params)
    cuts = [0, 1, 133, 134, n]  # four uneven chunks, two of one replicate
    parts = [eng.run(77, np.arange(a, b), params.take(np.arange(a, b)))
             for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
    for field in ("weekly", "first_day", "rung_days", "drawdown_day"):
        joined = np.concatenate([getattr(p, field) for p in parts])
        np.testing.assert_array_equal(getattr(whole, field), joined, err_msg=field)
    assert whole.weekly[:, :, DAILY.index("attacks")].sum() > 1000


def test_a_replicate_does_not_depend_on_its_neighbours(baseline):
    n = 50
    params = build_params(baseline, n, posterior=False)
    eng = BatchEngine(baseline.setup())
    many = eng.run(3, np.arange(n), params)
    alone = eng.run(3, np.array([31]), params.row(31))
    np.testing.assert_array_equal(many.weekly[31], alone.weekly[0])


def test_same_seed_same_numbers_other_seed_other_numbers(baseline):
    a = run_scenario(baseline, runs=120, seed=4, progress=False)
    b = run_scenario(baseline, runs=120, seed=4, progress=False, chunk_size=47)  # 3 chunks
    c = run_scenario(baseline, runs=120, seed=5, progress=False).runs
    assert a.runs.equals(b.runs)
    assert a.bands.equals(b.bands)
    assert not a.runs["attacks"].equals(c["attacks"])


def test_worker_processes_give_the_same_numbers(baseline):
    one = run_scenario(baseline, runs=200, seed=8, progress=False, chunk_size=100).runs
    two = run_scenario(baseline, runs=200, seed=8, progress=False, chunk_size=100,
                       workers=2).runs  # one chunk on each worker
    assert one.equals(two)


def test_mesa_engine_through_the_runner_matches_batch(baseline):
    mesa = run_scenario(baseline, runs=3, seed=12, engine="mesa", progress=False).runs
    batch = run_scenario(baseline, runs=3, seed=12, engine="batch", progress=False).runs
    assert mesa.equals(batch)


def test_streamed_summaries_equal_those_from_kept_weekly_counts(baseline):
    from sim.experiments.outcomes import Summary, weekly_histograms

    n = 120
    params = build_params(baseline, n, posterior=False)
    eng = BatchEngine(baseline.setup())
    kept = eng.run(6, np.arange(n), params, keep_weekly=True)
    streamed = eng.run(6, np.arange(n), params, keep_weekly=False)
    assert streamed.weekly is None
    np.testing.assert_array_equal(streamed.hist, weekly_histograms(kept.weekly))
    a, b = Summary(baseline.start, eng.weeks), Summary(baseline.start, eng.weeks)
    a.add(kept)
    kept.totals = kept.hist = None  # force the path that derives everything from weekly
    b.add(kept)
    assert a.runs().equals(b.runs())
    assert a.bands().equals(b.bands())


def test_bands_are_exact_quantiles_of_the_weekly_counts(baseline):
    res = run_scenario(baseline, runs=200, seed=2, keep_weekly=True, progress=False)
    weekly = res.weekly
    bands = res.bands
    for measure in ("attacks", "us_wounded", "israeli_strikes"):
        w = weekly.pivot(index="replicate", columns="week", values=measure).to_numpy()
        b = bands[bands["measure"] == measure].sort_values("week")
        for q in (0.05, 0.5, 0.95):
            expect = np.quantile(w, q, axis=0, method="inverted_cdf")
            np.testing.assert_array_equal(b[f"q{int(q * 100):02d}"].to_numpy(), expect)
        np.testing.assert_allclose(b["mean"].to_numpy(), w.mean(axis=0))
    r = bands[bands["measure"] == "rung"].sort_values("week")
    wr = weekly.pivot(index="replicate", columns="week", values="max_rung").to_numpy()
    np.testing.assert_allclose(r["p_rung_ge_4"].to_numpy(), (wr >= 4).mean(axis=0))
