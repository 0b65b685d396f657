"""Type stubs of the extension module ``cordon._native`` (Rust, PyO3)."""

from typing import Callable, List, Optional, Tuple

VERSION: str

class NativeError(Exception):
    """args: (kind, message, problems); kind is "invalid", "interrupted" or
    "failed"; problems are (file, line, column, path, message, suggestion,
    variant) tuples."""

def study(
    study: str,
    options: str,
    progress: Optional[Callable[[int, int, str], object]] = None,
) -> str:
    """Runs "run", "sweep", "sensitivity" or "calibrate" with JSON options;
    returns the result folder."""

def check(scenario: Optional[str], sets: List[str]) -> Tuple[str, str]:
    """(what `cordon check` prints, the scenario's parts as JSON)."""

def evaluate(
    scenario: Optional[str],
    sets: List[str],
    trials: Optional[int] = None,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
) -> List[Tuple[str, Optional[float]]]:
    """The base scenario's mean of every summary.csv metric."""

def builtins() -> List[Tuple[str, str]]: ...
def builtin_text(name: str) -> str: ...
