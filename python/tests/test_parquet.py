"""Parquet tables (``cordon run --format``): pandas, polars and the Python
package read them as the same values as the CSV files beside them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import cordon
from conftest import assert_same_as_csv, run_cli

RUN_TABLES = ["trials", "summary", "comparison", "weekly", "states", "borders"]


@pytest.fixture(scope="module")
def both(cli: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CLI run that wrote every table as CSV and as Parquet."""
    out = tmp_path_factory.mktemp("pq") / "both"
    run_cli(cli, "run", "minimal", "--trials", 50, "--seed", 11, "--format", "csv,parquet", "--out", out, "--quiet")
    return out


@pytest.mark.parametrize("table", RUN_TABLES)
def test_pandas_reads_each_parquet_table_as_its_csv_twin(both: Path, table: str) -> None:
    df = pd.read_parquet(both / f"{table}.parquet", engine="pyarrow")
    assert_same_as_csv(df, both / f"{table}.csv")


def test_polars_reads_counts_as_integers_and_reals_as_floats(both: Path) -> None:
    pl = pytest.importorskip("polars")
    trials = pl.read_parquet(both / "trials.parquet")
    assert trials.schema["trial"] == pl.Int64
    assert trials.schema["attacks"] == pl.Int64
    assert trials.schema["spend"] == pl.Float64
    assert trials.schema["variant"] == pl.Utf8
    assert trials.shape[0] == len(pd.read_csv(both / "trials.csv"))


def test_a_parquet_only_run_opens_with_the_same_values(cli: Path, both: Path, tmp_path: Path) -> None:
    out = tmp_path / "pq"
    r = cordon.run("minimal", trials=50, seed=11, format="parquet", out=out, progress=False)
    assert not list(out.glob("*.csv")), "a Parquet-only run wrote CSV tables"
    assert set(RUN_TABLES) <= set(r.tables)
    for table in RUN_TABLES:
        assert_same_as_csv(getattr(r, table), both / f"{table}.csv")
    again = cordon.open(out)
    pd.testing.assert_frame_equal(again.summary, r.summary)


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(cordon.InvalidInputError, match="format"):
        cordon.run("minimal", trials=2, format="xlsx", progress=False)
