"""The functions of `cordon`: each resolves its arguments into the options of
the command of the same name and calls the same library code (through
`cordon._native`), which writes the same result folder; tables are read back
from that folder's CSV files, so they are the CLI's numbers exactly."""

from __future__ import annotations

import json
import math
import numbers
import os
import re
import shutil
import sys
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from . import _native

PathLike = Union[str, "os.PathLike[str]"]
Scenario = Union[str, "os.PathLike[str]", None]

__all__ = [
    "CordonError",
    "InvalidInputError",
    "ScenarioError",
    "Problem",
    "Description",
    "Results",
    "check",
    "run",
    "sweep",
    "sensitivity",
    "calibrate",
    "open",
    "evaluate",
    "scenarios",
    "scenario_text",
    "to_toml",
    "set_args",
]


# ----------------------------------------------------------------- errors


class CordonError(Exception):
    """A cordon command failed for a reason other than its input: a file
    that cannot be written, a chart that cannot be drawn (the CLI's exit
    code 1). ``str()`` is the CLI's message."""


class InvalidInputError(CordonError, ValueError):
    """Invalid input (the CLI's exit code 2): an unknown variant, an existing
    ``out`` folder without ``force=True``, a bad option. ``str()`` is the
    CLI's message."""


@dataclass(frozen=True)
class Problem:
    """One problem of a scenario, where the CLI would print
    ``file:line:column: path: message (did you mean `suggestion`?)``."""

    file: str
    """The scenario file (or ``--set PATH=VALUE`` for a ``set`` value)."""
    line: Optional[int]
    """1-based line, ``None`` when the problem has no position."""
    column: Optional[int]
    """1-based column in characters, ``None`` when the problem has no position."""
    path: str
    """The dotted field path, e.g. ``states.TJK.budget`` (may be empty)."""
    message: str
    """What is wrong and what was expected."""
    suggestion: Optional[str] = None
    """The closest valid name, for an unknown name."""
    variant: Optional[str] = None
    """The variant whose values produced it (``None``: the base scenario)."""

    def __str__(self) -> str:
        place = self.file if self.line is None else f"{self.file}:{self.line}:{self.column}"
        s = f"{place}: "
        if self.variant is not None:
            s += f"variant `{self.variant}`: "
        if self.path:
            s += f"{self.path}: "
        s += self.message
        if self.suggestion is not None:
            s += f" (did you mean `{self.suggestion}`?)"
        return s


class ScenarioError(InvalidInputError):
    """An invalid scenario: every problem the loader found, at once.

    ``.problems`` is a list of :class:`Problem` (file, line, column, path,
    message, suggestion); ``str()`` is the message the CLI prints after
    ``error:`` (``invalid scenario (N problems):`` then one line each)."""

    def __init__(self, message: str, problems: Sequence[Problem]):
        super().__init__(message)
        self.problems: List[Problem] = list(problems)


def _translate(e: BaseException) -> BaseException:
    if not isinstance(e, _native.NativeError) or len(e.args) != 3:
        return e
    kind, message, problems = e.args
    if kind == "interrupted":
        return KeyboardInterrupt(message)
    if kind == "invalid":
        if problems:
            return ScenarioError(message, [Problem(*p) for p in problems])
        return InvalidInputError(message)
    return CordonError(message)


def _call(f: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return f(*args, **kwargs)
    except _native.NativeError as e:
        raise _translate(e) from None


# ------------------------------------------------------- values → --set


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def to_toml(value: Any) -> str:
    """A Python value as the TOML text ``--set PATH=VALUE`` takes: bools,
    integers, floats (``nan``, ``inf`` too), strings, lists and dicts (inline
    tables), and numpy scalars."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes, list, tuple, dict)):
        value = value.item()  # a numpy scalar
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        x = float(value)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return repr(x)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        items = ", ".join(
            f"{k if _BARE_KEY.match(str(k)) else json.dumps(str(k))} = {to_toml(v)}"
            for k, v in value.items()
        )
        return "{ " + items + " }" if items else "{}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(to_toml(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} ({type(value).__name__}) as a TOML value for set=")


def set_args(values: Optional[Mapping[str, Any]]) -> List[str]:
    """``{path: value}`` as the ``--set PATH=VALUE`` strings of the CLI."""
    if values is None:
        return []
    if isinstance(values, (str, bytes)) or not isinstance(values, Mapping):
        raise TypeError("set= takes a dict {path: value}, e.g. {'alliance.intel_sharing': 0.6}")
    return [f"{path}={to_toml(v)}" for path, v in values.items()]


# --------------------------------------------------------------- scenarios


class _ScenarioArg:
    """A scenario argument: a path, a built-in name, TOML text (written to a
    temporary ``scenario.toml`` for the duration of the call), or ``None``
    (the built-in default)."""

    def __init__(self, scenario: Scenario):
        self._tmp: Optional[tempfile.TemporaryDirectory[str]] = None
        self.value: Optional[str]
        if scenario is None:
            self.value = None
        elif isinstance(scenario, os.PathLike):
            self.value = os.fspath(scenario)
        elif isinstance(scenario, str):
            if _looks_like_toml(scenario):
                self._tmp = tempfile.TemporaryDirectory(prefix="cordon-scenario-")
                path = Path(self._tmp.name) / "scenario.toml"
                path.write_text(scenario, encoding="utf-8")
                self.value = str(path)
            else:
                self.value = scenario
        else:
            raise TypeError(
                "scenario must be a path, a built-in scenario's name or TOML text, "
                f"not {type(scenario).__name__}"
            )

    def __enter__(self) -> "_ScenarioArg":
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


def _looks_like_toml(s: str) -> bool:
    if "\n" in s:
        return True
    if os.path.exists(s):
        return False
    return "=" in s or s.lstrip().startswith("[")


def scenarios() -> Dict[str, str]:
    """The built-in scenarios: ``{name: first sentence of its description}``
    (as ``cordon scenarios``)."""
    return dict(_native.builtins())


def scenario_text(name: str) -> str:
    """A built-in scenario's TOML text (as ``cordon scenarios show NAME``)."""
    return str(_call(_native.builtin_text, name))


# ------------------------------------------------------------------- check


class Description:
    """What ``cordon check`` found: a valid scenario's parts.

    Attributes: ``name``, ``description``, ``weeks``, ``start_week``,
    ``warmup_weeks``, ``trials``, ``seed``, ``states``, ``regions``,
    ``borders``, ``variants``, ``uncertain``, ``observed`` (lists of dicts),
    ``set`` (the ``set=`` overrides applied) and ``text``: exactly what
    ``cordon check`` prints (also ``str()``)."""

    name: str
    description: str
    weeks: int
    start_week: int
    warmup_weeks: int
    trials: int
    seed: int
    states: List[Dict[str, Any]]
    regions: List[Dict[str, Any]]
    borders: List[Dict[str, Any]]
    variants: List[Dict[str, Any]]
    uncertain: List[Dict[str, Any]]
    observed: List[Dict[str, Any]]
    set: Dict[str, str]
    text: str

    def __init__(self, text: str, parts: Dict[str, Any]):
        self.text = text
        self._parts = parts
        for k, v in parts.items():
            setattr(self, k, v)

    def to_dict(self) -> Dict[str, Any]:
        """The parts as one dict (JSON-ready)."""
        return dict(self._parts)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return (
            f"<cordon.Description {self.name!r}: {len(self.states)} states, "
            f"{len(self.regions)} regions, {len(self.borders)} borders, "
            f"{len(self.variants)} variants, {len(self.uncertain)} uncertain>"
        )


def check(scenario: Scenario = None, set: Optional[Mapping[str, Any]] = None) -> Description:
    """Validate a scenario and describe what would run (``cordon check``).

    Parameters
    ----------
    scenario
        A scenario file (TOML), the name of a built-in scenario, or TOML text
        [default: the built-in csto-southern-frontier].
    set
        Overrides of the base scenario, ``{path: value}`` with Python values,
        as ``--set PATH=VALUE`` (e.g. ``{"alliance.intel_sharing": 0.6}``).

    Returns
    -------
    Description
        States, regions, borders, variants, uncertain parameters and
        observations; ``str()`` is what ``cordon check`` prints.

    Raises
    ------
    ScenarioError
        Every problem, with file, line, column, path, message, suggestion.

    Example
    -------
    >>> d = cordon.check("minimal", set={"alliance.intel_sharing": 0.6})
    >>> [s["id"] for s in d.states]
    """
    with _ScenarioArg(scenario) as s:
        text, parts = _call(_native.check, s.value, set_args(set))
    return Description(text, json.loads(parts))


# ----------------------------------------------------------------- results


_RUN_TABLES = ("trials", "summary", "comparison", "weekly", "states", "borders")


def _read_table(path: Path) -> "Any":
    """A table file, ``NAME.csv`` or ``NAME.parquet``, as a DataFrame with
    Arrow dtypes."""
    import pandas as pd

    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pandas(types_mapper=pd.ArrowDtype)
    return _read_csv(path)


def _read_csv(path: Path) -> "Any":
    import pandas as pd
    import pyarrow.csv as pacsv

    # An empty cell is a missing value in every column (a number the CLI
    # could not estimate, a parameter a row has not), strings included.
    options = pacsv.ConvertOptions(strings_can_be_null=True)
    return pacsv.read_csv(path, convert_options=options).to_pandas(types_mapper=pd.ArrowDtype)


class Results:
    """A result folder, as written by ``cordon run`` (or ``sweep``,
    ``sensitivity``, ``calibrate``), with its tables as pandas DataFrames
    (Arrow-backed: ``pd.ArrowDtype`` columns) read from its CSV files.

    Tables are read when first asked for and kept. ``.tables`` lists them;
    each is an attribute (``.trials``, ``.summary``, ``.comparison``,
    ``.weekly``, ``.states``, ``.borders`` of a run; ``.sweep``,
    ``.sensitivity``, ``.posterior``, ``.calibration``, ``.predictive``,
    ``.generations`` of the other studies) and ``results["name"]``.
    A result of ``cordon.run`` without ``out=`` lives in a temporary folder
    removed with the object; ``.save(dir)`` keeps it."""

    def __init__(self, path: PathLike, _temporary: Optional[tempfile.TemporaryDirectory[str]] = None):
        self.path = Path(path)
        if not (self.path / "manifest.json").is_file():
            raise InvalidInputError(f"{self.path} is not a cordon result folder (no manifest.json)")
        self._tmp = _temporary
        self._cache: Dict[str, Any] = {}
        if _temporary is not None:
            self._finalizer = weakref.finalize(self, _temporary.cleanup)

    @property
    def tables(self) -> List[str]:
        """The names of the folder's tables (its CSV and Parquet files)."""
        return sorted({p.stem for p in self.path.glob("*.csv")} | {p.stem for p in self.path.glob("*.parquet")})

    def _file(self, name: str) -> Optional[Path]:
        """``NAME.csv``, else ``NAME.parquet`` (a run with ``--format
        parquet``), else None."""
        for ext in (".csv", ".parquet"):
            file = self.path / f"{name}{ext}"
            if file.is_file():
                return file
        return None

    def table(self, name: str) -> "Any":
        """The table ``name`` (``NAME.csv``, or ``NAME.parquet`` where the
        run wrote Parquet only) as a pandas DataFrame with Arrow dtypes."""
        if name not in self._cache:
            file = self._file(name)
            if file is None:
                raise KeyError(f"{self.path} has no table {name!r}; it has {', '.join(self.tables)}")
            self._cache[name] = _read_table(file)
        return self._cache[name]

    def __getitem__(self, name: str) -> "Any":
        return self.table(name)

    def __getattr__(self, name: str) -> "Any":
        if name.startswith("_"):
            raise AttributeError(name)
        if "path" in self.__dict__ and self._file(name) is not None:
            return self.table(name)
        raise AttributeError(f"{type(self).__name__} has no attribute or table {name!r}")

    # The run tables, spelled out for help() and type checkers.
    @property
    def trials(self) -> "Any":
        """trials.csv: one row per trial and variant (per-trial totals)."""
        return self.table("trials")

    @property
    def summary(self) -> "Any":
        """summary.csv: every metric's mean, sd, se, 95% interval and quantiles per variant."""
        return self.table("summary")

    @property
    def comparison(self) -> "Any":
        """comparison.csv: each variant against the baseline, paired on the same trials."""
        return self.table("comparison")

    @property
    def weekly(self) -> "Any":
        """weekly.csv: every weekly metric per variant and week."""
        return self.table("weekly")

    @property
    def states(self) -> "Any":
        """states.csv: member states' metrics per variant."""
        return self.table("states")

    @property
    def borders(self) -> "Any":
        """borders.csv: border segments' metrics per variant and direction."""
        return self.table("borders")

    @property
    def manifest(self) -> Dict[str, Any]:
        """manifest.json as a dict: scenario, seed, trials, variants, versions, timing."""
        with (self.path / "manifest.json").open(encoding="utf-8") as f:
            return dict(json.load(f))

    def to_polars(self, name: Optional[str] = None) -> "Any":
        """The table ``name`` as a polars DataFrame (zero-copy from Arrow),
        or every table as ``{name: DataFrame}`` when ``name`` is None."""
        import polars as pl

        if name is None:
            return {n: self.to_polars(n) for n in self.tables}
        return pl.from_pandas(self.table(name))

    def save(self, dir: PathLike, force: bool = False) -> "Results":
        """Copy the whole folder (tables, manifest, charts) to ``dir``; an
        existing non-empty ``dir`` is refused unless ``force``. Returns the
        saved folder's results."""
        target = Path(dir)
        if target.exists() and any(target.iterdir()):
            if not force:
                raise InvalidInputError(
                    f"{target} exists and is not empty; pass force=True to replace it"
                )
            shutil.rmtree(target)
        elif target.exists():
            target.rmdir()
        shutil.copytree(self.path, target)
        return Results(target)

    def __repr__(self) -> str:
        tmp = " (temporary)" if self._tmp is not None else ""
        return f"<cordon.Results {str(self.path)!r}{tmp}: {', '.join(self.tables)}>"


def open(dir: PathLike) -> Results:
    """Read a result folder (of ``cordon run``, ``sweep``, ``sensitivity``,
    ``calibrate`` or ``merge``) into a :class:`Results`."""
    return Results(dir)


# ---------------------------------------------------------------- progress


def _in_notebook() -> bool:
    ip = sys.modules.get("IPython")
    if ip is None:
        return False
    try:
        shell = ip.get_ipython()  # type: ignore[attr-defined]
    except Exception:
        return False
    return shell is not None and "ZMQInteractiveShell" in type(shell).__name__


class _Progress:
    """A progress bar: tqdm.auto (a widget in Jupyter) when installed, else
    one line on stderr redrawn in place."""

    def __init__(self, desc: str):
        self.desc = desc
        self.bar: Any = None
        self.last = ""
        try:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=None, desc=desc, unit=" trials", dynamic_ncols=True, leave=False)
        except ImportError:
            self.bar = None

    def __call__(self, done: int, total: int, label: str) -> None:
        if self.bar is not None:
            if total and self.bar.total != total:
                self.bar.reset(total=total)
            self.bar.n = done
            if label:
                self.bar.set_postfix_str(label, refresh=False)
            self.bar.refresh()
            return
        line = f"\r{self.desc}: {done}/{total} trials" + (f", {label}" if label else "")
        if total:
            line += f" ({100.0 * done / total:.0f}%)"
        if line != self.last:
            sys.stderr.write(line)
            sys.stderr.flush()
            self.last = line

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.last:
            sys.stderr.write("\r" + " " * len(self.last) + "\r")
            sys.stderr.flush()


def _progress(progress: Optional[bool], desc: str) -> Optional[_Progress]:
    if progress is None:
        progress = _in_notebook() or (hasattr(sys.stderr, "isatty") and sys.stderr.isatty())
    return _Progress(desc) if progress else None


# ----------------------------------------------------------------- studies


def _command_line(name: str, args: Dict[str, Any]) -> str:
    shown = ", ".join(f"{k}={v!r}" for k, v in args.items() if v is not None and v != [] and v is not False)
    return f"python: cordon.{name}({shown})"


def _study(
    name: str,
    scenario: Scenario,
    out: Optional[PathLike],
    progress: Optional[bool],
    shown: Dict[str, Any],
    options: Dict[str, Any],
) -> Results:
    tmp: Optional[tempfile.TemporaryDirectory[str]] = None
    if options.get("resume") and out is None:
        raise InvalidInputError(
            "resume=True needs out=DIR: the folder to continue (an interrupted run keeps .DIR.partial beside it)"
        )
    with _ScenarioArg(scenario) as s:
        if out is None:
            tmp = tempfile.TemporaryDirectory(prefix=f"cordon-{name}-")
            target = str(Path(tmp.name) / "results")
        else:
            target = os.fspath(out)
        opts = dict(options)
        opts["scenario"] = s.value
        opts["out"] = target
        shown_scenario = "<TOML text>" if isinstance(scenario, str) and "\n" in scenario else scenario
        opts["command_line"] = _command_line(name, {"scenario": shown_scenario, **shown})
        bar = _progress(progress, name)
        try:
            path = _call(_native.study, name, json.dumps(opts), bar)
        except BaseException:
            if tmp is not None:
                tmp.cleanup()
            raise
        finally:
            if bar is not None:
                bar.close()
    return Results(path, tmp)


def _opt_path(p: Optional[PathLike]) -> Optional[str]:
    return None if p is None else os.fspath(p)


def run(
    scenario: Scenario = None,
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    set: Optional[Mapping[str, Any]] = None,
    variants: Optional[Iterable[str]] = None,
    threads: Optional[int] = None,
    posterior: Optional[PathLike] = None,
    out: Optional[PathLike] = None,
    progress: Optional[bool] = None,
    force: bool = False,
    resume: bool = False,
    format: str = "csv",
) -> Results:
    """Run the baseline and its variants for many trials (``cordon run``).

    Parameters
    ----------
    scenario
        Scenario file (TOML), the name of a built-in scenario, or TOML text
        [default: the built-in csto-southern-frontier].
    trials
        Trials per variant [default: the scenario's ``trials``].
    seed
        Random seed [default: the scenario's ``seed``]. The same scenario and
        seed give the same numbers at any thread count.
    set
        Override values of the base scenario, ``{path: value}`` with Python
        values (``--set PATH=VALUE``), e.g. ``{"states.MEM.budget": 12}``.
    variants
        Run only these variants (besides the baseline, which always runs;
        ``[]``: the baseline alone) [default: all variants].
    threads
        Worker threads [default: all cores]. Results do not depend on it.
    posterior
        Run over a posterior: a ``cordon calibrate`` folder or its
        posterior.csv. Trial i of every variant uses the same parameter point,
        so comparisons stay paired.
    out
        Also keep the result folder here [default: a temporary folder, removed
        with the returned object; ``.save(dir)`` keeps it].
    progress
        Show a progress bar (a widget in Jupyter) [default: when stderr is a
        terminal or in a notebook].
    force
        Replace an existing, non-empty ``out`` folder (the old results stay
        until the new run is complete).
    resume
        Keep checkpoints in .DIR.partial beside ``out`` and continue an
        interrupted run (needs ``out``).
    format
        The tables' file formats: ``"csv"``, ``"parquet"`` or
        ``"csv,parquet"`` (``--format``) [default: ``"csv"``]. The
        DataFrames are the same either way.

    Returns
    -------
    Results
        ``.trials``, ``.summary``, ``.comparison``, ``.weekly``, ``.states``,
        ``.borders`` (pandas DataFrames, Arrow-backed; ``.to_polars()``),
        ``.manifest`` (dict), ``.save(dir)``. The tables are the folder's CSV
        files: the same numbers as ``cordon run`` with the same scenario,
        seed and settings.

    Raises
    ------
    ScenarioError
        An invalid scenario or ``set`` value (``.problems``).
    InvalidInputError
        Other invalid input (unknown variant, existing ``out``).
    KeyboardInterrupt
        Ctrl-C: the run stops within a second; its temporary folder is
        removed and earlier results are untouched.

    Examples
    --------
    >>> r = cordon.run()                      # the built-in default scenario
    >>> r = cordon.run("my-region.toml", trials=5000, set={"alliance.intel_sharing": 0.6})
    >>> r.comparison.query("metric == 'attacks'")
    """
    vs = [variants] if isinstance(variants, str) else list(variants) if variants is not None else []
    if variants is not None and not vs:
        vs = ["baseline"]  # the baseline alone (an empty list means all to the engine)
    shown = {"trials": trials, "seed": seed, "set": set, "variants": vs, "threads": threads,
             "posterior": posterior, "out": out}
    return _study(
        "run", scenario, out, progress, shown,
        {"trials": trials, "seed": seed, "sets": set_args(set), "variants": vs,
         "threads": threads, "posterior": _opt_path(posterior), "force": force, "resume": resume,
         "format": format},
    )


def _vary_args(vary: Union[None, Mapping[str, Any], Sequence[str]]) -> List[str]:
    if vary is None:
        return []
    if isinstance(vary, str):
        return [vary]
    if isinstance(vary, Mapping):
        out = []
        for path, r in vary.items():
            if isinstance(r, str):
                out.append(f"{path}={r}")
            else:
                out.append(f"{path}=" + ":".join(to_toml(x) for x in r))
        return out
    return [str(v) for v in vary]


def sweep(
    scenario: Scenario = None,
    vary: Union[None, Mapping[str, Any], Sequence[str]] = None,
    design: Optional[str] = None,
    samples: Optional[int] = None,
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    set: Optional[Mapping[str, Any]] = None,
    metrics: Optional[Iterable[str]] = None,
    posterior: Optional[PathLike] = None,
    threads: Optional[int] = None,
    out: Optional[PathLike] = None,
    progress: Optional[bool] = None,
    force: bool = False,
) -> Results:
    """Run the scenario at every point of a parameter design on the same
    trials (``cordon sweep``).

    Parameters
    ----------
    scenario
        Scenario file, built-in name or TOML text [default: the built-in
        csto-southern-frontier].
    vary
        Parameters to vary, ``{path: (low, high, steps)}`` (``steps`` may be
        left out for a Latin hypercube), or ``["PATH=LO:HI:STEPS", ...]``;
        replaces the file's ``[[sweep.vary]]`` list [default: the file's].
    design
        ``"grid"`` (every combination of the steps) or ``"lhs"`` (a Latin
        hypercube of ``samples`` points) [default: the file's, else grid].
    samples
        Points of a Latin hypercube.
    trials
        Trials per point and variant [default: ``[sweep]`` trials, else the
        scenario's].
    seed
        Random seed, shared by every point [default: the scenario's].
    set
        ``{path: value}`` overrides of the base scenario.
    metrics
        Metrics to chart against the parameters (all are in sweep.csv).
    posterior
        Run every point over a posterior (a calibrate folder or posterior.csv).
    threads, out, progress, force
        As for :func:`run`.

    Returns
    -------
    Results
        ``.sweep``: one row per point and variant (parameter values, then
        every summary metric as METRIC_mean, METRIC_ci95_lo, METRIC_ci95_hi).
    """
    ms = list(metrics) if metrics is not None else []
    shown = {"vary": vary, "design": design, "samples": samples, "trials": trials, "seed": seed,
             "set": set, "metrics": ms, "posterior": posterior, "out": out}
    return _study(
        "sweep", scenario, out, progress, shown,
        {"vary": _vary_args(vary), "design": design, "samples": samples, "trials": trials,
         "seed": seed, "sets": set_args(set), "metrics": ms, "posterior": _opt_path(posterior),
         "threads": threads, "force": force},
    )


def sensitivity(
    scenario: Scenario,
    metric: str,
    trials: int = 200,
    samples: int = 64,
    bootstrap: int = 500,
    seed: Optional[int] = None,
    set: Optional[Mapping[str, Any]] = None,
    threads: Optional[int] = None,
    out: Optional[PathLike] = None,
    progress: Optional[bool] = None,
    force: bool = False,
) -> Results:
    """Which uncertain parameters (``[[uncertain]]`` tables) move an
    outcome, and whether the ranking of variants survives them
    (``cordon sensitivity``).

    Parameters
    ----------
    scenario
        Scenario with ``[[uncertain]]`` tables (file, built-in name or TOML).
    metric
        The outcome: a per-trial total of summary.csv (attacks, entries,
        severity, ...) or p_any_attack.
    trials
        Trials per design point and variant.
    samples
        Base samples N of the Sobol design (N (k + 2) points).
    bootstrap
        Bootstrap resamples for the intervals of the Sobol indices.
    seed, set, threads, out, progress, force
        As for :func:`run`.

    Returns
    -------
    Results
        ``.sensitivity``: kind (base, oat_low, oat_high, oat_swing,
        sobol_first, sobol_total, sobol_noise, ranking), parameter, variant,
        estimate and its 95% interval.
    """
    shown = {"metric": metric, "trials": trials, "samples": samples, "bootstrap": bootstrap,
             "seed": seed, "set": set, "out": out}
    return _study(
        "sensitivity", scenario, out, progress, shown,
        {"metric": metric, "trials": trials, "samples": samples, "bootstrap": bootstrap,
         "seed": seed, "sets": set_args(set), "threads": threads, "force": force},
    )


def calibrate(
    scenario: Scenario = None,
    particles: int = 1000,
    generations: int = 30,
    trials_per_particle: int = 40,
    max_moves: int = 8,
    seed: Optional[int] = None,
    set: Optional[Mapping[str, Any]] = None,
    threads: Optional[int] = None,
    out: Optional[PathLike] = None,
    progress: Optional[bool] = None,
    force: bool = False,
    resume: bool = False,
) -> Results:
    """Fit the ``[[uncertain]]`` parameters to the ``[[observed]]`` series:
    the posterior, by sequential Monte Carlo on a simulated likelihood
    (``cordon calibrate``).

    Parameters
    ----------
    scenario
        Scenario with ``[[uncertain]]`` priors and ``[[observed]]`` series
        [default: the built-in csto-southern-frontier].
    particles
        Points that together stand for the posterior.
    generations
        Most generations after the first draw from the prior.
    trials_per_particle
        Trials simulated at each particle to estimate its likelihood.
    max_moves
        Most Metropolis-Hastings steps per generation.
    seed, set, threads, out, progress, force, resume
        As for :func:`run`.

    Returns
    -------
    Results
        ``.posterior``, ``.calibration``, ``.predictive``, ``.generations``;
        the folder (``.path``, or ``out``) is what ``run(posterior=...)``
        takes.
    """
    shown = {"particles": particles, "generations": generations,
             "trials_per_particle": trials_per_particle, "max_moves": max_moves,
             "seed": seed, "set": set, "out": out}
    return _study(
        "calibrate", scenario, out, progress, shown,
        {"particles": particles, "generations": generations,
         "trials_per_particle": trials_per_particle, "max_moves": max_moves, "seed": seed,
         "sets": set_args(set), "threads": threads, "force": force, "resume": resume},
    )


def evaluate(
    scenario: Scenario = None,
    set: Optional[Mapping[str, Any]] = None,
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
) -> Dict[str, Optional[float]]:
    """Run the base scenario alone (no variants, no folder) and return the
    mean of every metric of summary.csv (``{"attacks": ..., "p_any_attack":
    ..., ...}``): the baseline means ``cordon run`` would report with the
    same ``set``, ``trials`` and ``seed``. What ``cordon.ema`` calls once per
    experiment."""
    with _ScenarioArg(scenario) as s:
        pairs = _call(_native.evaluate, s.value, set_args(set), trials, seed, threads)
    return dict(pairs)

