"""Shared fixtures of the Python tests: the CLI binary to compare with, a
small scenario with uncertain parameters and observations, and the one
comparison of a DataFrame with a CSV file written by the CLI.

Parquet tests (``cordon run --format parquet`` read by pandas and compared
with the CSV) go in ``test_parquet.py`` beside these, using the same
``cli`` fixture and ``assert_same_as_csv``."""

from __future__ import annotations

import csv
import math
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, List, Sequence

import pandas as pd
import pytest

import cordon

REPO = Path(__file__).resolve().parents[2]


def _find_cli() -> Path | None:
    env = os.environ.get("CORDON_BIN")
    if env:
        return Path(env)
    targets = [os.environ.get("CARGO_TARGET_DIR"), str(REPO / "target")]
    for t in targets:
        if not t:
            continue
        for profile in ("debug", "release"):
            p = Path(t) / profile / "cordon"
            if p.is_file():
                return p
    found = shutil.which("cordon")
    return Path(found) if found else None


@pytest.fixture(scope="session")
def cli() -> Path:
    """The cordon binary (CORDON_BIN, else target/{debug,release}/cordon)."""
    p = _find_cli()
    if p is None or not p.is_file():
        if os.environ.get("CORDON_REQUIRE_CLI"):
            pytest.fail("no cordon binary: build it (cargo build) or set CORDON_BIN")
        pytest.skip("no cordon binary: build it (cargo build) or set CORDON_BIN")
    return p


def run_cli(cli: Path, *args: Any, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([str(cli), *map(str, args)], capture_output=True, text=True, cwd=cwd)
    if check and r.returncode != 0:
        raise AssertionError(f"cordon {' '.join(map(str, args))} exited {r.returncode}:\n{r.stderr}")
    return r


# minimal + two uncertain parameters + one observed series: small enough
# for sensitivity and calibrate in seconds.
EXTRA = """
[[uncertain]]
path = "regions.SRC_N.new_cells"
low = 0.1
high = 1.0

[[uncertain]]
path = "model.detection_scale"
low = 0.5
high = 2.0
scale = "log"

[[observed]]
metric = "attacks"
state = "MEM"
counts = [1, 0, 2, 1]
period_weeks = 13
source = "made up for the tests"
"""


@pytest.fixture(scope="session")
def small_scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """minimal.toml with [[uncertain]] and [[observed]] tables, as a file."""
    path = tmp_path_factory.mktemp("scenario") / "small.toml"
    path.write_text(cordon.scenario_text("minimal") + EXTRA, encoding="utf-8")
    return path


def _same(cell: str, value: Any) -> bool:
    if cell == "":
        return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
    if value is None or value is pd.NA:
        return False
    if isinstance(value, bool):
        return cell == ("true" if value else "false")
    if isinstance(value, int):
        return int(cell) == value
    if isinstance(value, float):
        x = float(cell)
        return x == value or (math.isnan(x) and math.isnan(value))
    return cell == str(value)


def assert_same_as_csv(df: pd.DataFrame, path: Path, timing: Sequence[str] = ()) -> None:
    """``df`` holds exactly the values of the CSV file ``path``: the same
    header, the same number of rows, and every cell equal (numbers as
    numbers, empty cells as missing values), except the wall-clock columns
    named in ``timing``."""
    with open(path, newline="", encoding="utf-8") as f:
        rows: List[Sequence[str]] = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    assert list(df.columns) == header, f"{path.name}: columns differ"
    assert len(df) == len(body), f"{path.name}: {len(df)} rows, the CLI's file has {len(body)}"
    columns = [df[c].tolist() for c in header]
    for i, row in enumerate(body):
        for j, cell in enumerate(row):
            if header[j] in timing:
                continue
            value = columns[j][i]
            assert _same(cell, value), f"{path.name} row {i + 2} column {header[j]}: CLI {cell!r}, DataFrame {value!r}"
