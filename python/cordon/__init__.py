"""cordon from Python: Monte Carlo scenario simulation of cross-border
threats and the policies that counter them.

The same library as the ``cordon`` command line, called in-process::

    import cordon
    r = cordon.run("csto-southern-frontier", trials=2000, set={"alliance.intel_sharing": 0.6})
    r.summary            # pandas DataFrame (Arrow dtypes), = summary.csv
    r.comparison         # each variant against the baseline, paired
    r.save("results/sharing-0.6")

Functions mirror the commands: :func:`check`, :func:`run`, :func:`sweep`,
:func:`sensitivity`, :func:`calibrate`; :func:`open` reads a result folder.
``cordon.ema`` builds an EMA Workbench model from a scenario. Errors:
:class:`ScenarioError` (``.problems``), :class:`InvalidInputError`,
:class:`CordonError`; Ctrl-C raises ``KeyboardInterrupt`` within a second.
"""

from ._api import (
    CordonError,
    Description,
    InvalidInputError,
    Problem,
    Results,
    ScenarioError,
    calibrate,
    check,
    evaluate,
    open,
    run,
    scenario_text,
    scenarios,
    sensitivity,
    set_args,
    sweep,
    to_toml,
)
from ._native import VERSION as __version__  # noqa: F401

# Shown as cordon.X in help() and tracebacks.
for _obj in (CordonError, Description, InvalidInputError, Problem, Results, ScenarioError,
             calibrate, check, evaluate, open, run, scenario_text, scenarios, sensitivity,
             set_args, sweep, to_toml):
    _obj.__module__ = "cordon"
del _obj

__all__ = [
    "CordonError",
    "Description",
    "InvalidInputError",
    "Problem",
    "Results",
    "ScenarioError",
    "calibrate",
    "check",
    "evaluate",
    "open",
    "run",
    "scenario_text",
    "scenarios",
    "sensitivity",
    "set_args",
    "sweep",
    "to_toml",
]
