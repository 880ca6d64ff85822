"""The Python API: one shape for every kind of experiment.

Every function takes the scenario first (a :class:`~sim.scenario.Scenario`, a bundled name,
a path to a scenario file, or ``None`` for the bundled baseline), then what varies, then the
same keywords: ``runs``, ``seed``, ``posterior``, ``workers``/``scheduler``, ``progress``::

    from sim import run, compare, sweep, sensitivity

    res = run(None, runs=1000, weekly=True)             # the baseline, 2019-2024
    res.runs["direct_us_iran_fire"].mean()              # P(direct US-Iran fire)
    res.plot_escalation_curves()                        # a matplotlib Figure
    res.save("results/baseline")                        # the folder `escalation run` writes
    cmp = compare(None, ["answer_deaths", "answer_every_streak"], runs=500)
    sw = sweep(None, ["militia.w_fear=0.5:2.5"], samples=16, runs=100)
    si = sensitivity(None, ["militia.w_fear=0.5:2.5", "us.force_protection=0.3:0.8"],
                     samples=16, runs=20)

Each result (:mod:`sim.results`) holds its tables as pandas DataFrames, draws its figures
with :mod:`sim.plots` and writes its output folder with ``.save(folder)``; the command line
calls these very functions and that very ``save``, so both write the same folder.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from .errors import ScenarioError
from .results import (
    CompareResult,
    EvaluateResult,
    RunResult,
    SensitivityResult,
    SweepResult,
    _date,
    _Folder,
)
from .scenario import Scenario
from .scenario import load_scenario as _load_scenario

__all__ = ["load_scenario", "run", "evaluate", "compare", "sweep", "sensitivity", "mesa_model",
           "parameters", "RunResult", "EvaluateResult", "CompareResult", "SweepResult",
           "SensitivityResult"]

ScenarioLike = Scenario | str | Path | dict | None
"""A scenario as every function takes it: a ``Scenario``, a bundled name (``"forecast_2027"``),
a path, a dict of overrides of the baseline (``{"us.trigger": "streak"}``, with ``"from":
"2022-01-01"`` for a dated policy) or ``None`` (the baseline)."""


def load_scenario(path: str | Path | None = None) -> Scenario:
    """Read and validate a scenario file (a bundled name such as ``"forecast_2027"``, a path,
    or ``None``: the bundled baseline).

    Example:
        >>> from sim import load_scenario
        >>> load_scenario("scenarios/policies/answer_every_streak.toml").params["us"]["trigger"]
        'streak'
    """
    return _scenario(path)


def parameters(scenario: ScenarioLike = None):
    """Every model parameter as a DataFrame, one row per dotted key: ``name``, ``section``,
    ``kind``, ``default`` (the model's), ``value`` (the scenario's; ``None``: the baseline),
    ``lo``, ``hi`` (bounds of numeric parameters), ``choices`` (enums), ``unit``,
    ``meaning``, ``calibrated`` (a column of the calibrated posterior,
    ``calibration/posterior.parquet``) and ``drawn`` (the scenario's runs draw it from its
    posterior, per replicate).

    Example:
        >>> from sim import parameters
        >>> p = parameters()
        >>> row = p.set_index("name").loc["militia.w_campaign"]
        >>> float(row["lo"]), float(row["hi"]), bool(row["calibrated"])
        (0.0, 12.0, True)
    """
    import pandas as pd

    from .scenario.describe import parameter_rows

    return pd.DataFrame(parameter_rows(_scenario(scenario)))


def _scenario(scenario: ScenarioLike) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    if scenario is None or isinstance(scenario, str | Path):
        from .scenario.scenario import resolve_scenario_path

        return _load_scenario(resolve_scenario_path(scenario))
    if isinstance(scenario, dict):  # overrides of the baseline (``from``: a dated policy)
        over = dict(scenario)
        start = over.pop("from", None)
        return _load_scenario(None).with_overrides(over, from_date=start)
    raise TypeError(f"scenario must be a Scenario, a name, a path, a dict of overrides or "
                    f"None, not {type(scenario).__name__}")


def _window(sc: Scenario, window) -> Scenario:
    """The scenario with its outcome window set (``None``: the default window)."""
    return sc if window is None else sc.with_window(window)


def _with_posterior(sc: Scenario, posterior: bool | str | Path) -> tuple[Scenario, bool]:
    """The scenario with the posterior its replicates draw from, and whether they draw."""
    if posterior is True:
        return sc, bool(sc.posterior)
    if posterior is False or posterior is None:
        return dataclasses.replace(sc, posterior=""), False
    path = Path(posterior).resolve()
    if not path.is_file():
        raise ScenarioError(f"posterior: file not found: {path}")
    return dataclasses.replace(sc, posterior=str(path)), True


def _call(name: str, **kw) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    return f"sim.api.{name}({args})"


def _describe(scenario: ScenarioLike) -> str:
    return scenario.name if isinstance(scenario, Scenario) else str(scenario)


def _backend(workers: int | None, scheduler: str | None, connect_timeout: float = 10.0):
    from .experiments.backends import Backend

    if workers and workers > 1 and scheduler:
        raise ScenarioError("give workers or a scheduler, not both")
    return Backend(workers=workers or 1, scheduler=scheduler, connect_timeout=connect_timeout)


# --------------------------------------------------------------------------- run


def run(scenario: ScenarioLike = None, *, runs: int = 1000, seed: int = 0,
        posterior: bool | str | Path = True, workers: int | None = 1,
        progress: bool | None = False, engine: str = "batch", weekly: bool = False,
        replay_until: str | dt.date | None = None, chunk_size: int | None = None,
        out: str | Path | None = None, overwrite: bool = False, resume: bool = False,
        draw: bool = True, window: str | tuple | None = None) -> RunResult:
    """Run replicates of a scenario.

    Before anything runs, the request's memory, disk and time are estimated (days x
    replicates x what is kept) and a request the machine cannot hold is refused
    (:class:`sim.experiments.budget.TooLarge`).

    Args:
        scenario: a :class:`~sim.scenario.Scenario`, a bundled name, a path to a scenario
            file, or ``None`` (the bundled baseline).
        runs: replicates (indices ``0 .. runs-1``).
        seed: with the replicate index it fixes every random number.
        posterior: ``True``: draw each replicate's calibrated parameters from the scenario's
            posterior when it names one; ``False``: the scenario's values for every
            replicate; a path: draw from that posterior file.
        workers: worker processes (``None``: one per core for large runs).
        progress: show a progress bar.
        engine: ``"batch"`` (vectorized) or ``"mesa"`` (slow, the same numbers).
        weekly: keep per-replicate weekly counts (``.weekly``; needed by
            :meth:`RunResult.plot_casualties`, :meth:`RunResult.monthly`).
        replay_until: a branch date (``datetime.date`` or ``"YYYY-MM-DD"``): the documented
            record is replayed up to it, then the model runs free.
        chunk_size: replicates per chunk (the numbers do not depend on it).
        out: write the ``escalation run`` folder there (:meth:`RunResult.save`), keeping
            each finished chunk in ``out/.chunks`` as it goes (at least every 30 s of
            simulation), so that an interrupted run can be resumed.
        overwrite: replace a folder holding another kind of output or another scenario.
        resume: continue an interrupted run in ``out`` from its saved chunks (the numbers
            are those of an uninterrupted run, byte for byte).
        draw: draw the figures into ``out``.
        window: the outcome window: ``"START:END"`` (dates; either side may be empty),
            ``"all"`` (the whole run) or ``None``: from the branch for a replay or forecast
            (the free period), else the whole run.  ``.outcomes``, the summary and the
            figures count it; ``.runs`` holds both (``attacks`` over the run,
            ``window_attacks`` over the window).

    Example:
        >>> from sim import run
        >>> res = run("scenarios/policies/answer_every_streak.toml", runs=200, seed=1)
        >>> p = res.runs["direct_us_iran_fire"].mean()
    """
    from .experiments import budget
    from .experiments.runner import (
        Checkpoint,
        auto_chunk,
        auto_workers,
        run_fingerprint,
        run_scenario,
    )
    from .scenario import build_params
    from .scenario.provenance import run_inputs, warn_if_fitted_elsewhere

    call = _call("run", scenario=_describe(scenario), runs=runs, seed=seed, engine=engine,
                 weekly=weekly, replay_until=str(replay_until) if replay_until else None,
                 posterior=str(posterior) if not isinstance(posterior, bool) else posterior)
    sc = _scenario(scenario)
    if replay_until is not None:
        sc = sc.with_replay(_date(replay_until, "replay_until"))
    sc = _window(sc, window)
    sc, drawn = _with_posterior(sc, posterior)
    n_workers = auto_workers(runs, sc.days, engine) if workers is None else workers

    def check_budget() -> None:
        budget.check(budget.estimate_run(
            sc.days, runs, engine, weekly,
            chunk_size if chunk_size is not None else auto_chunk(runs, n_workers, engine),
            n_workers), out)

    inputs = run_inputs(sc, drawn)
    source = "posterior" if drawn else "defaults"
    fp = run_fingerprint(sc, runs, seed, engine, weekly, source, inputs)
    fields = {"kind": "run", "scenario": sc.to_dict(), "fingerprint": fp, "runs": runs,
              "seed": seed, "engine": engine}

    def simulate(checkpoint: Checkpoint | None = None) -> RunResult:
        setup = sc.setup()  # checks a branch date and the record before anything runs
        warn_if_fitted_elsewhere(sc, inputs)
        params = build_params(sc, runs, seed)
        if checkpoint is not None:  # everything is checked: the folder may be written
            from .experiments.store import begin_job

            begin_job(checkpoint.folder, fields, "resume" if checkpoint.resume else "fresh")
        res = run_scenario(sc, runs=runs, seed=seed, engine=engine, workers=workers,
                           chunk_size=chunk_size, keep_weekly=weekly, params=params,
                           progress=progress, setup=setup, checkpoint=checkpoint)
        return RunResult(sc, seed, engine, runs, source, sc.replay_until, res, call, inputs,
                         fp)

    if out is None:
        check_budget()
        return simulate()
    from .errors import OutputError
    from .experiments.store import check_target, check_writable, folder_lock

    folder = Path(out).resolve()
    check_target(folder, fields, overwrite, resume)  # refuse before touching anything
    with folder_lock(folder):
        status = check_target(folder, fields, overwrite, resume)
        if status == "done":
            raise OutputError(f"{folder}: this run is already complete; nothing to resume "
                              f"(`escalation plot {folder}` redraws its figures)")
        check_writable(folder)
        check_budget()
        result = simulate(Checkpoint(folder, fp, status == "resume"))
        result.save(folder, plot=draw, overwrite=overwrite)
    return result


def mesa_model(scenario: ScenarioLike = None, *, seed: int = 0, replicate: int = 0,
               posterior: bool | str | Path = True):
    """One replicate of a scenario as a Mesa model, to step through and inspect (the
    replicate draws its parameters exactly as in :func:`run`).

    Example:
        >>> m = mesa_model(seed=1, replicate=0)
        >>> m.run(days=10)
        >>> m.day
        10
    """
    from .engines.mesa import EscalationModel
    from .scenario import build_params

    sc, _ = _with_posterior(_scenario(scenario), posterior)
    return EscalationModel(sc.setup(), build_params(sc, [replicate], seed), seed=seed,
                           replicate=replicate)


# --------------------------------------------------------------------------- evaluate


def _is_design(x) -> bool:
    import pandas as pd

    return isinstance(x, pd.DataFrame | list | tuple | dict)


def evaluate(scenario: ScenarioLike = None, design=None, *, runs: int = 100, seed: int = 0,
             posterior: bool | str | Path = True, workers: int | None = 1,
             scheduler: str | None = None, progress: bool | None = False,
             replicates: bool = False, outcomes: list[str] | None = None,
             level: float = 0.95, chunk_size: int | None = None,
             connect_timeout: float = 10.0,
             window: str | tuple | None = None) -> EvaluateResult:
    """Evaluate a table of parameter sets: every row on the same replicates (common random
    numbers), all rows x replicates in one vectorized engine call (cut into chunks of at most
    10,000 rows, run on the backend), per-row outcomes with Monte Carlo intervals.  Nothing is
    written to disk (:meth:`EvaluateResult.save` writes a folder).

    Args:
        scenario: the scenario the rows modify (``None``: the baseline; as in :func:`run`).
            ``evaluate(design, runs=...)`` (a design first) evaluates it on the baseline.
        design: the parameter sets: a DataFrame, a list of dicts or a dict of columns, with
            dotted registry keys as columns (``escalation show`` lists them): numbers (numpy
            scalars too), enum labels (``"us.trigger": "streak"``), dates.  Values are
            checked against the registry's bounds before anything runs.
        runs: replicates per row (indices ``0 .. runs-1``, the same for every row).
        seed: the seed of every row.
        posterior: as in :func:`run`; a replicate's calibrated parameters are drawn once, the
            same in every row, and a design column overrides them.
        workers, scheduler, progress, chunk_size, connect_timeout: as in :func:`sweep` (the
            numbers never depend on them).
        replicates: also keep the per-replicate outcomes (``.replicates``).
        outcomes: the outcomes summarised per row (default: every numeric outcome).
        level: the confidence level of the intervals.

    Example:
        >>> import pandas as pd
        >>> from sim import evaluate
        >>> d = pd.DataFrame({"us.trigger": ["deaths", "streak"],
        ...                   "militia.w_fear": [1.0, 2.0]})
        >>> r = evaluate("scenarios/policies/answer_deaths.toml", d, runs=10, seed=1)
        >>> bool(r.table["direct_us_iran_fire"].between(0, 1).all())
        True
    """
    from .experiments.evaluate import evaluate_design, replicate_frame

    if design is None and _is_design(scenario):
        scenario, design = None, scenario
    if design is None:
        raise ScenarioError("evaluate: give a design (a DataFrame, a list of dicts or a dict "
                            "of columns of dotted parameter keys)")
    call = _call("evaluate", scenario=_describe(scenario), runs=runs, seed=seed,
                 posterior=str(posterior) if not isinstance(posterior, bool) else posterior)
    sc, drawn = _with_posterior(_window(_scenario(scenario), window), posterior)
    ev = evaluate_design(sc, design, runs, seed,
                         backend=_backend(workers, scheduler, connect_timeout),
                         outcomes=outcomes, level=level, chunk_rows=chunk_size,
                         progress=progress)
    reps = replicate_frame(ev.parts, ev.design) if replicates else None
    return EvaluateResult(ev.design, ev.table, reps, sc, seed, runs, level,
                          "posterior" if drawn else "defaults", ev.outcomes, ev.execution, call)


# --------------------------------------------------------------------------- compare


def compare(scenario: ScenarioLike, policies: list, *, runs: int = 1000,
            seed: int = 0, posterior: bool | str | Path = True, workers: int | None = 1,
            scheduler: str | None = None, progress: bool | None = False,
            out: str | Path | None = None, overwrite: bool = False, resume: bool = False,
            chunk_size: int | None = None, connect_timeout: float = 10.0,
            draw: bool = True, window: str | tuple | None = None) -> CompareResult:
    """Run a scenario under each variant with the same seed and replicates (common random
    numbers) and estimate the paired differences from the first.

    Args:
        scenario: the scenario the variants are applied to (``None``: the baseline).
        policies: the variants, the first the reference: bundled policy names
            (``answer_deaths``, ``answer_every_streak``, ``decapitation_first``,
            ``drawdown_iraq``, ``no_retaliation``) or policy files (applied on top of
            ``scenario``, dated with ``[policy] from`` or not); bundled scenario names or
            scenario files that change more (a timeline, shocks: run as written, on the same
            dates); ``Scenario`` objects; dicts of overrides (``{"us.trigger": "streak",
            "from": "2025-07-01", "name": "streak from mid-2025"}``).
        window: the outcome window (``"START:END"``, ``"all"``; default: from the branch of
            a replay or forecast, else the whole run): every estimate counts these days.
        runs, seed, posterior: replicates per policy, the seed, the posterior (as in
            :func:`run`).
        workers, scheduler: local worker processes, or a Dask scheduler
            (``tcp://HOST:PORT`` / ``local:N``).
        out: write the ``escalation compare`` folder there (with figures); ``None``: a
            temporary folder (no figures; :meth:`CompareResult.save` writes them).
        overwrite: replace a folder holding another output.
        resume, chunk_size, connect_timeout: continue an interrupted run in ``out`` from its
            saved chunks; (set, replicate) rows per chunk (the numbers do not depend on it);
            seconds to wait for a scheduler.
        draw: draw the figures into ``out`` (they are never drawn in a temporary folder).

    Example:
        >>> from sim import compare
        >>> c = compare(None, ["answer_deaths", "decapitation_first"], runs=100, seed=0)
        >>> c.table.query("outcome == 'direct_us_iran_fire'")[["policy", "estimate", "diff"]]
        ...                                               # doctest: +SKIP
    """
    import pandas as pd

    from .experiments.compare import run_compare
    from .plots import draw_folder

    sc, _ = _with_posterior(_window(_scenario(scenario), window), posterior)
    variants = []
    for p in policies:
        if isinstance(p, Scenario):
            p, _ = _with_posterior(p, posterior)
        elif not isinstance(p, str | Path | dict):
            raise ScenarioError(f"compare: a variant is a policy or scenario name, a path, a "
                                f"Scenario or a dict of overrides, not a {type(p).__name__}")
        variants.append(str(p) if isinstance(p, Path) else p)
    folder = _Folder(out, "compare")
    res = run_compare(sc, variants, folder.path, runs=runs, seed=seed,
                      backend=_backend(workers, scheduler, connect_timeout),
                      overwrite=overwrite, resume=resume, chunk_rows=chunk_size,
                      progress=progress,
                      draw=draw_folder if draw and not folder.temporary else None)
    weekly = pd.read_parquet(folder.path / "weekly.parquet")
    return CompareResult(list(res.manifest["policies"]), res.runs, res.table, weekly, sc,
                         res.manifest, folder, res.figures, res.execution)


# --------------------------------------------------------------------------- sweep


def _varies(vary) -> list:
    from .experiments.designs import Vary, parse_vary

    if isinstance(vary, str | Vary):
        vary = [vary]
    if isinstance(vary, dict):
        vary = [f"{k}={':'.join(str(x) for x in tuple(v))}" for k, v in vary.items()]
    return [v if isinstance(v, Vary) else parse_vary(str(v)) for v in vary]


def sweep(scenario: ScenarioLike, vary, *, runs: int = 100, seed: int = 0,
          posterior: bool | str | Path = True, workers: int | None = 1,
          scheduler: str | None = None, progress: bool | None = False,
          design: str = "lhs", samples: int | None = 64, out: str | Path | None = None,
          overwrite: bool = False, resume: bool = False, chunk_size: int | None = None,
          connect_timeout: float = 10.0, draw: bool = True,
          window: str | tuple | None = None) -> SweepResult:
    """Run every parameter set of a design on the same replicates.

    Args:
        scenario: the scenario (``None``: the baseline).
        vary: what to vary: ``"KEY=LO:HI[:N]"`` strings (as ``--vary``), a dict
            ``{key: (lo, hi)}`` or ``{key: (lo, hi, n)}`` (``n``: grid points), or
            :class:`sim.experiments.designs.Vary` objects.
        runs, seed, posterior, workers, scheduler, progress: as in :func:`compare`.
        design: ``"grid"``, ``"lhs"`` or ``"sobol"``; samples: sets for lhs/sobol.
        out: write the ``escalation sweep`` folder there (with its figure); ``None``: a
            temporary folder.
        resume, chunk_size, connect_timeout: continue an interrupted run in ``out`` from its
            saved chunks; (set, replicate) rows per chunk (the numbers do not depend on it);
            seconds to wait for a scheduler.
        draw: draw the figures into ``out`` (they are never drawn in a temporary folder).

    Example:
        >>> from sim import sweep
        >>> s = sweep(None, ["militia.w_fear=0.5:2.5"], samples=4, runs=20, seed=1)
        >>> s.sets[["militia.w_fear", "p_us_fatality"]].head()   # doctest: +SKIP
    """
    from .experiments.sweep import run_sweep
    from .plots import draw_folder

    sc, _ = _with_posterior(_window(_scenario(scenario), window), posterior)
    varies = _varies(vary)
    folder = _Folder(out, "sweep")
    res = run_sweep(sc, varies, folder.path, design=design,
                    samples=samples if design != "grid" else None, runs=runs, seed=seed,
                    backend=_backend(workers, scheduler, connect_timeout),
                    overwrite=overwrite, resume=resume, chunk_rows=chunk_size,
                    progress=progress,
                    draw=draw_folder if draw and not folder.temporary else None)
    return SweepResult([v.key for v in varies], res.runs, res.sets, res.design, sc,
                       res.manifest, folder, res.figures, res.execution)


def _problem_varies(vary, sample):
    """(varies, sample) of a sensitivity request: ranges, or a SALib problem / ProblemSpec
    (whose own sample is taken when it has one and none is given)."""
    from .experiments.sensitivity import varies_of_problem

    is_problem = hasattr(vary, "get") and "names" in vary and "bounds" in vary
    if not is_problem:
        return _varies(vary), sample
    if sample is None and getattr(vary, "samples", None) is not None:
        sample = vary.samples
    return varies_of_problem(vary), sample


def sensitivity(scenario: ScenarioLike, vary, *, runs: int = 50, seed: int = 0,
                posterior: bool | str | Path = True, workers: int | None = 1,
                scheduler: str | None = None, progress: bool | None = False,
                outcomes: list[str] | None = None, samples: int = 64, sample=None,
                calc_second_order: bool | None = None,
                out: str | Path | None = None, overwrite: bool = False, resume: bool = False,
                chunk_size: int | None = None,
                connect_timeout: float = 10.0, draw: bool = True,
                window: str | tuple | None = None) -> SensitivityResult:
    """Sobol' indices (SALib) of outcomes over the varied parameters: a Saltelli design of
    ``samples x (D + 2)`` sets (or the caller's SALib sample), each run on the same
    replicates, evaluated in as few engine calls as the chunking allows.

    Args:
        scenario, runs, posterior, workers, scheduler, progress, out, overwrite:
            as in :func:`sweep`.
        vary: ranges (as in :func:`sweep`), or a SALib problem: a dict with ``names`` (dotted
            keys) and ``bounds``, or a ``SALib.ProblemSpec``; after
            ``ProblemSpec.sample_sobol(...)`` its sample is the design.
        seed: the seed of the replicates, of the Saltelli sample made here and of the
            bootstrap intervals; always honoured, 0 included (SALib's ``seed=0`` means no
            seed).
        outcomes: the outcomes analysed (default: escalation score, P(direct US-Iran fire),
            US killed).
        samples: base samples of the Saltelli design made here.
        sample: a sample matrix (``N x D``, columns in the problem's order), e.g. from
            ``SALib.sample.sobol.sample``; it replaces the design made here.
        calc_second_order: whether ``sample`` has SALib's second-order rows (default:
            inferred from its layout).

    Example:
        >>> from sim import sensitivity
        >>> s = sensitivity(None, ["militia.w_fear=0.5:2.5", "us.force_protection=0.3:0.8"],
        ...                 samples=8, runs=10)                     # doctest: +SKIP
        >>> s.indices[["outcome", "parameter", "S1", "ST"]]         # doctest: +SKIP
        >>> from SALib import ProblemSpec                            # doctest: +SKIP
        >>> sp = ProblemSpec({"names": ["militia.w_fear", "us.force_protection"],
        ...                   "bounds": [[0.5, 2.5], [0.3, 0.8]]})   # doctest: +SKIP
        >>> sp.sample_sobol(8, calc_second_order=False, seed=1)      # doctest: +SKIP
        >>> s = sensitivity(None, sp, runs=10, seed=1)               # doctest: +SKIP
        >>> sp.set_results(s.model_output("escalation_score")).analyze_sobol(
        ...     calc_second_order=False, seed=1)                     # doctest: +SKIP
    """
    from .experiments.sensitivity import run_sensitivity
    from .plots import draw_folder

    sc, _ = _with_posterior(_window(_scenario(scenario), window), posterior)
    varies, sample = _problem_varies(vary, sample)
    folder = _Folder(out, "sensitivity")
    res, idx = run_sensitivity(sc, varies, folder.path, list(outcomes or []), samples=samples,
                               runs=runs, seed=seed,
                               backend=_backend(workers, scheduler, connect_timeout),
                               overwrite=overwrite, resume=resume, chunk_rows=chunk_size,
                               progress=progress,
                               draw=draw_folder if draw and not folder.temporary else None,
                               sample=sample, calc_second_order=calc_second_order)
    return SensitivityResult([v.key for v in varies], res.runs, res.sets, res.design, sc,
                             res.manifest, folder, res.figures, res.execution, idx)
