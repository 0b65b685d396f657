"""The exploratory-modelling toolkit: a cordon scenario as an EMA Workbench
model (https://emaworkbench.readthedocs.io).

* uncertainties: the scenario's ``[[uncertain]]`` tables (a ``scale = "log"``
  range becomes a uniform parameter on log10 of the value, named
  ``log10_<path>``, so that sampling is log-uniform as in cordon);
* levers: the paths you choose (budgets, allocation shares, sharing, ...),
  ``{path: (low, high)}`` for a real range, ``(int, int)`` for an integer
  range, or a list of values for a categorical lever;
* outcomes: the metrics you choose from summary.csv (``attacks``,
  ``severity``, ``entries``, ``p_any_attack``, ...): the baseline's mean
  over ``trials`` trials.

Every experiment runs the same trial indices with the same ``seed``: policies
and scenarios are compared on common random numbers, so differences between
two policies at one scenario are paired, as in ``cordon run``.

Parameter names are Python identifiers made from the paths (dots and other
characters become ``_``); ``model.cordon_paths`` maps them back.

    import cordon.ema
    from ema_workbench import perform_experiments
    m = cordon.ema.model("csto-southern-frontier",
                         levers={"alliance.intel_sharing": (0.0, 1.0)},
                         outcomes=["attacks", "p_any_attack"], trials=100)
    experiments, outcomes = perform_experiments(m, scenarios=200,
        policies=[cordon.ema.policy(m, "share", {"alliance.intel_sharing": 0.6})])
"""

from __future__ import annotations

import math
import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _api

__all__ = ["model", "policy", "identifier", "uncertainty_columns"]

LeverRange = Union[Tuple[float, float], Tuple[int, int], Sequence[Any]]


def identifier(path: str, log: bool = False) -> str:
    """The EMA parameter name of a cordon path (``log10_`` prefixed for a
    log-scale uncertainty)."""
    name = re.sub(r"\W", "_", path)
    if name and name[0].isdigit():
        name = "_" + name
    return f"log10_{name}" if log else name


def model(
    scenario: _api.Scenario = None,
    levers: Optional[Mapping[str, LeverRange]] = None,
    outcomes: Union[Iterable[str], Mapping[str, str]] = ("attacks", "p_any_attack"),
    trials: int = 200,
    seed: Optional[int] = None,
    set: Optional[Mapping[str, Any]] = None,
    uncertain: Optional[Iterable[str]] = None,
    threads: Optional[int] = None,
    name: str = "cordon",
) -> Any:
    """An ``ema_workbench.Model`` whose function runs the scenario.

    Parameters
    ----------
    scenario
        A scenario file, built-in name or TOML text with ``[[uncertain]]``
        tables [default: the built-in csto-southern-frontier].
    levers
        ``{path: range}``: ``(low, high)`` floats for a real lever, ints for
        an integer lever, a list for a categorical one (any ``--set`` path:
        ``states.TJK.budget``, ``states.TJK.allocation.border``,
        ``alliance.intel_sharing``, ``alliance.pool_share``, ...).
    outcomes
        Metrics of summary.csv, or ``{metric: "min" | "max" | "info"}`` to
        give their direction (for optimisation); default: minimise.
    trials
        Trials per experiment.
    seed
        The seed of every experiment [default: the scenario's]: common
        random numbers across policies and scenarios.
    set
        ``{path: value}`` fixed for every experiment, before the
        experiment's own values.
    uncertain
        Only these ``[[uncertain]]`` paths [default: all of them].
    threads
        Worker threads per experiment [default: all cores].
    name
        The model's name (an identifier).

    The scenario, levers and outcomes are checked at once (one trial runs);
    a bad path raises :class:`cordon.ScenarioError`.
    """
    from ema_workbench import (
        CategoricalParameter,
        IntegerParameter,
        Model,
        RealParameter,
        ScalarOutcome,
    )

    with _api._ScenarioArg(scenario) as s:
        # TOML text must outlive this call: keep it in memory and let every
        # experiment write it again.
        text = None
        if s._tmp is not None:
            assert isinstance(scenario, str)
            text = scenario
        desc = _api.check(scenario, set=set)
    base_sets = dict(set or {})
    wanted = None if uncertain is None else list(uncertain)
    ranges = [u for u in desc.uncertain if wanted is None or u["path"] in wanted]
    if wanted is not None:
        missing = sorted(p for p in wanted if p not in {u["path"] for u in desc.uncertain})
        if missing:
            raise _api.InvalidInputError(
                f"not [[uncertain]] paths of {desc.name}: {', '.join(missing)}; "
                f"its uncertain paths: {', '.join(u['path'] for u in desc.uncertain)}"
            )

    paths: Dict[str, Tuple[str, bool]] = {}
    uncertainties = []
    for u in ranges:
        ident = identifier(u["path"], u["log"])
        paths[ident] = (u["path"], bool(u["log"]))
        if u["log"]:
            uncertainties.append(RealParameter(ident, math.log10(u["low"]), math.log10(u["high"])))
        else:
            uncertainties.append(RealParameter(ident, u["low"], u["high"]))

    lever_params = []
    for path, r in (levers or {}).items():
        ident = identifier(path)
        if ident in paths:
            raise _api.InvalidInputError(f"{path} is both an uncertainty and a lever")
        paths[ident] = (path, False)
        if isinstance(r, tuple) and len(r) == 2 and all(isinstance(x, int) and not isinstance(x, bool) for x in r):
            lever_params.append(IntegerParameter(ident, r[0], r[1]))
        elif isinstance(r, tuple) and len(r) == 2:
            lever_params.append(RealParameter(ident, float(r[0]), float(r[1])))
        elif isinstance(r, (list, tuple)) and len(r) >= 1:
            lever_params.append(CategoricalParameter(ident, list(r)))
        else:
            raise TypeError(f"lever {path}: give (low, high) or a list of values, not {r!r}")

    kinds = {"min": ScalarOutcome.MINIMIZE, "max": ScalarOutcome.MAXIMIZE, "info": ScalarOutcome.INFO}
    if isinstance(outcomes, Mapping):
        chosen = dict(outcomes)
    else:
        chosen = {m: "min" for m in outcomes}
    for m, k in chosen.items():
        if k not in kinds:
            raise ValueError(f"outcome {m}: kind must be one of {', '.join(kinds)}, not {k!r}")

    def evaluate(sets: Mapping[str, Any], n: int) -> Dict[str, Optional[float]]:
        with _api._ScenarioArg(text if text is not None else scenario) as sc:
            pairs = _api._call(
                _api._native.evaluate, sc.value, _api.set_args(sets), n, seed, threads
            )
        return dict(pairs)

    # One trial at the scenario's own values: the metric names are known
    # and every lever path is checked before any experiment.
    probe_sets = dict(base_sets)
    for p in lever_params:
        path = paths[p.name][0]
        if isinstance(p, CategoricalParameter):
            probe_sets[path] = p.categories[0].value
        elif isinstance(p, IntegerParameter):
            probe_sets[path] = int(p.lower_bound)
        else:
            probe_sets[path] = float(p.lower_bound)
    known = evaluate(probe_sets, 1)
    unknown = [m for m in chosen if m not in known]
    if unknown:
        raise _api.InvalidInputError(
            f"unknown outcome {', '.join(unknown)}; metrics of summary.csv: {', '.join(known)}"
        )

    def function(**experiment: Any) -> Dict[str, Optional[float]]:
        sets = dict(base_sets)
        for ident, value in experiment.items():
            if ident not in paths:
                continue
            path, log = paths[ident]
            sets[path] = 10.0 ** float(value) if log else value
        means = evaluate(sets, trials)
        return {m: (math.nan if means[m] is None else means[m]) for m in chosen}

    m = Model(name, function=function)
    m.uncertainties = uncertainties
    m.levers = lever_params
    m.outcomes = [ScalarOutcome(o, kind=kinds[k]) for o, k in chosen.items()]
    m.cordon_paths = {ident: path for ident, (path, _) in paths.items()}  # type: ignore[attr-defined]
    m.cordon_log = [ident for ident, (_, log) in paths.items() if log]  # type: ignore[attr-defined]
    return m


def policy(m: Any, name: str, values: Mapping[str, Any]) -> Any:
    """An ``ema_workbench.Policy`` called ``name`` that sets the model's
    levers by cordon path: ``policy(m, "sharing", {"alliance.intel_sharing":
    0.6})``. Every lever of the model needs a value."""
    from ema_workbench import Policy

    by_path = {path: ident for ident, path in m.cordon_paths.items()}
    lever_names = [p.name for p in m.levers]
    kwargs: Dict[str, Any] = {}
    for path, v in values.items():
        ident = by_path.get(path)
        if ident is None or ident not in lever_names:
            raise _api.InvalidInputError(
                f"{path} is not a lever of this model; its levers: "
                + ", ".join(m.cordon_paths[n] for n in lever_names)
            )
        kwargs[ident] = v
    missing = [m.cordon_paths[n] for n in lever_names if n not in kwargs]
    if missing:
        raise _api.InvalidInputError(f"policy {name}: no value for the levers {', '.join(missing)}")
    return Policy(name, **kwargs)


def uncertainty_columns(m: Any) -> List[str]:
    """The names of the model's uncertainties (the columns of the
    experiments table that PRIM explains)."""
    return [u.name for u in m.uncertainties]
