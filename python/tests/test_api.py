"""Every function of `cordon`, its errors, and the same numbers as the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

import cordon
from conftest import assert_same_as_csv, run_cli

RUN_TABLES = ["trials", "summary", "comparison", "weekly", "states", "borders"]


# ------------------------------------------------------------------ check


def test_check_describes_the_scenario_and_prints_what_the_cli_prints(cli: Path) -> None:
    d = cordon.check("minimal", set={"alliance.intel_sharing": 0.6})
    assert d.name == "minimal"
    assert [s["id"] for s in d.states] == ["SRC", "MEM"]
    assert [s["role"] for s in d.states] == ["other", "member"]
    assert d.states[1]["budget"] == 5.0
    assert [r["id"] for r in d.regions] == ["SRC_N", "MEM_S"]
    assert [r["source"] for r in d.regions] == [True, False]
    assert d.borders[0]["kind"] == "segment" and d.borders[0]["length_km"] == 500
    assert [v["name"] for v in d.variants] == ["intel_heavy"]
    assert d.set == {"alliance.intel_sharing": "0.6"}
    assert d.weeks == 52 and d.trials == 200 and d.seed == 1
    assert d.uncertain == [] and d.observed == []
    cli_out = run_cli(cli, "check", "minimal", "--set", "alliance.intel_sharing=0.6").stdout
    assert str(d) == cli_out
    assert "minimal" in repr(d)
    assert json.loads(json.dumps(d.to_dict()))["name"] == "minimal"


def test_check_lists_uncertain_parameters_and_observations(small_scenario: Path) -> None:
    d = cordon.check(small_scenario)
    assert [u["path"] for u in d.uncertain] == ["regions.SRC_N.new_cells", "model.detection_scale"]
    assert [u["log"] for u in d.uncertain] == [False, True]
    assert d.observed[0]["counts"] == [1, 0, 2, 1]
    assert d.name == "small"


def test_check_takes_toml_text() -> None:
    d = cordon.check(cordon.scenario_text("minimal"))
    assert d.name == "scenario"  # the stem of the text's file, as for any file without a name
    assert len(d.states) == 2


BAD = """[scenario]
weeks = 52
trials = 10
seed = 1

[[states]]
id = "SRC"
role = "other"

[[states]]
id = "MEM"
role = "member"
budgett = 5.0
allocation = { border = 0.5, intel = 0.3, readiness = 0.2 }
"""


def test_scenario_error_has_problems_and_the_cli_message(cli: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(cordon.ScenarioError) as info:
        cordon.check(path)
    e = info.value
    assert isinstance(e, ValueError) and isinstance(e, cordon.InvalidInputError)
    assert e.problems, "the loader's problems come as objects"
    typo = [p for p in e.problems if p.suggestion == "budget"]
    assert typo, [str(p) for p in e.problems]
    p = typo[0]
    assert p.file == str(path)
    assert (p.line, p.column) == (13, 1)
    assert p.path.startswith("states")
    assert p.message
    r = run_cli(cli, "check", path, check=False)
    assert r.returncode == 2
    assert r.stderr == f"error: {e}\n"
    assert str(e).splitlines()[1:] == [str(q) for q in e.problems]


def test_a_bad_set_value_names_its_origin(cli: Path) -> None:
    with pytest.raises(cordon.ScenarioError) as info:
        cordon.check("minimal", set={"alliance.intel_sharing": "lots"})
    r = run_cli(cli, "check", "minimal", "--set", 'alliance.intel_sharing="lots"', check=False)
    assert r.stderr == f"error: {info.value}\n"
    assert info.value.problems[0].path == "alliance.intel_sharing"


def test_unknown_scenario_and_unknown_variant_are_invalid_input() -> None:
    with pytest.raises(cordon.InvalidInputError) as info:
        cordon.check("no-such-scenario")
    assert not isinstance(info.value, cordon.ScenarioError)
    with pytest.raises(cordon.InvalidInputError, match="unknown variant `intel_heavyy`.*did you mean `intel_heavy`"):
        cordon.run("minimal", trials=2, variants=["intel_heavyy"], progress=False)


def test_set_values_become_toml() -> None:
    assert cordon.to_toml(True) == "true"
    assert cordon.to_toml(3) == "3"
    assert cordon.to_toml(0.1) == "0.1"
    assert cordon.to_toml(1e-5) == "1e-05"
    assert cordon.to_toml(float("inf")) == "inf"
    assert cordon.to_toml("TJK") == '"TJK"'
    assert cordon.to_toml({"border": 0.5, "intel": 0.3}) == "{ border = 0.5, intel = 0.3 }"
    assert cordon.to_toml([1, 2]) == "[1, 2]"
    assert cordon.set_args({"a.b": 1, "c": "x"}) == ["a.b=1", 'c="x"']
    np = pytest.importorskip("numpy")
    assert cordon.to_toml(np.float64(0.25)) == "0.25"
    assert cordon.to_toml(np.int64(7)) == "7"
    with pytest.raises(TypeError):
        cordon.set_args(["alliance.intel_sharing=0.6"])  # type: ignore[arg-type]


def test_scenarios_lists_the_builtins(cli: Path) -> None:
    names = cordon.scenarios()
    assert {"minimal", "csto-southern-frontier"} <= set(names)
    assert cordon.scenario_text("minimal") == run_cli(cli, "scenarios", "show", "minimal").stdout
    with pytest.raises(cordon.InvalidInputError):
        cordon.scenario_text("nope")


# -------------------------------------------------------------------- run


@pytest.fixture(scope="module")
def cli_run(cli: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "run"
    run_cli(cli, "run", "minimal", "--trials", 60, "--seed", 7, "--set", "alliance.intel_sharing=0.45",
            "--out", out, "--quiet", "--threads", 2)
    return out


@pytest.fixture(scope="module")
def py_run() -> cordon.Results:
    return cordon.run("minimal", trials=60, seed=7, set={"alliance.intel_sharing": 0.45}, threads=1, progress=False)


@pytest.mark.parametrize("table", RUN_TABLES)
def test_run_tables_equal_the_cli_csv_files(py_run: cordon.Results, cli_run: Path, table: str) -> None:
    df = getattr(py_run, table)
    assert isinstance(df, pd.DataFrame)
    assert all(isinstance(t, pd.ArrowDtype) for t in df.dtypes), df.dtypes
    assert_same_as_csv(df, cli_run / f"{table}.csv")
    # and the files themselves are byte for byte the CLI's
    assert (py_run.path / f"{table}.csv").read_bytes() == (cli_run / f"{table}.csv").read_bytes()


def test_results_manifest_polars_save_and_open(py_run: cordon.Results, tmp_path: Path) -> None:
    m = py_run.manifest
    assert m["seed"] == 7 and m["trials"] == 60
    assert m["command_line"].startswith("python: cordon.run(")
    assert py_run.tables == sorted(RUN_TABLES + []) or set(RUN_TABLES) <= set(py_run.tables)
    assert py_run["summary"] is py_run.summary
    pl = pytest.importorskip("polars")
    s = py_run.to_polars("summary")
    assert isinstance(s, pl.DataFrame) and s.shape == py_run.summary.shape
    assert set(py_run.to_polars()) == set(py_run.tables)
    saved = py_run.save(tmp_path / "kept")
    assert (tmp_path / "kept" / "manifest.json").is_file()
    assert (tmp_path / "kept" / "charts").is_dir()
    again = cordon.open(tmp_path / "kept")
    pd.testing.assert_frame_equal(again.comparison, py_run.comparison)
    assert saved.path == tmp_path / "kept"
    with pytest.raises(cordon.InvalidInputError, match="not empty"):
        py_run.save(tmp_path / "kept")
    py_run.save(tmp_path / "kept", force=True)
    with pytest.raises(cordon.InvalidInputError):
        cordon.open(tmp_path)
    with pytest.raises(AttributeError):
        _ = py_run.no_such_table


def test_a_temporary_result_folder_goes_with_its_object() -> None:
    r = cordon.run("minimal", trials=3, variants=[], progress=False)
    path = r.path
    assert path.is_dir()
    del r
    import gc

    gc.collect()
    assert not path.exists()


def test_run_with_out_writes_the_folder_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "r"
    r = cordon.run("minimal", trials=5, out=out, progress=False)
    assert r.path == out and (out / "trials.csv").is_file()
    with pytest.raises(cordon.InvalidInputError):
        cordon.run("minimal", trials=5, out=out, progress=False)
    cordon.run("minimal", trials=5, out=out, force=True, progress=False)


def test_resume_continues_into_out_and_needs_it(tmp_path: Path) -> None:
    with pytest.raises(cordon.InvalidInputError, match="resume=True needs out="):
        cordon.run("minimal", trials=5, resume=True, progress=False)
    a = cordon.run("minimal", trials=40, out=tmp_path / "a", resume=True, progress=False)
    b = cordon.run("minimal", trials=40, progress=False)
    pd.testing.assert_frame_equal(a.summary, b.summary)


def test_run_of_toml_text_and_one_variant() -> None:
    r = cordon.run(cordon.scenario_text("minimal"), trials=4, variants=["intel_heavy"], progress=False)
    assert r.summary["variant"].unique().tolist() == ["baseline", "intel_heavy"]
    assert r.trials.shape[0] == 8


def test_threads_do_not_change_results() -> None:
    a = cordon.run("minimal", trials=30, threads=1, progress=False)
    b = cordon.run("minimal", trials=30, threads=3, progress=False)
    pd.testing.assert_frame_equal(a.trials, b.trials)


def test_progress_reports_to_the_callback_line(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_tqdm(name: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name.startswith("tqdm"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    cordon.run("minimal", trials=2000, variants=[], threads=1, progress=True)
    err = capsys.readouterr().err
    assert "run: " in err and "/2000 trials" in err
    cordon.run("minimal", trials=5, progress=False)
    assert capsys.readouterr().err == ""


def test_evaluate_gives_the_baseline_means_of_summary_csv() -> None:
    means = cordon.evaluate("minimal", set={"alliance.intel_sharing": 0.45}, trials=60, seed=7)
    r = cordon.run("minimal", trials=60, seed=7, set={"alliance.intel_sharing": 0.45}, variants=[], progress=False)
    s = r.summary
    base = s[s["variant"] == "baseline"]
    for metric, mean in zip(base["metric"].tolist(), base["mean"].tolist()):
        got = means[metric]
        if mean is pd.NA or mean is None:
            assert got is None
        else:
            assert got == mean, metric


# ----------------------------------------------- sweep, sensitivity, calibrate


def test_sweep_equals_the_cli(cli: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli-sweep"
    run_cli(cli, "sweep", "minimal", "--vary", "states.MEM.budget=2:8:3", "--vary", "alliance.intel_sharing=0:1:2",
            "--trials", 20, "--out", out, "--quiet")
    r = cordon.sweep("minimal", vary={"states.MEM.budget": (2, 8, 3), "alliance.intel_sharing": (0, 1, 2)},
                     trials=20, progress=False)
    assert r.tables == ["sweep"]
    assert_same_as_csv(r.sweep, out / "sweep.csv")
    lhs = cordon.sweep("minimal", vary=["states.MEM.budget=2:8"], design="lhs", samples=3, trials=5, progress=False)
    assert len(lhs.sweep) == 3 * 2
    with pytest.raises(cordon.InvalidInputError):
        cordon.sweep("minimal", vary={"states.MEM.budget": (2, 8, 3)}, design="random", trials=5, progress=False)


def test_sensitivity_equals_the_cli(cli: Path, small_scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli-sens"
    run_cli(cli, "sensitivity", small_scenario, "--metric", "attacks", "--trials", 10, "--samples", 4,
            "--bootstrap", 20, "--out", out, "--quiet")
    r = cordon.sensitivity(small_scenario, "attacks", trials=10, samples=4, bootstrap=20, progress=False)
    assert_same_as_csv(r.sensitivity, out / "sensitivity.csv")
    with pytest.raises(cordon.InvalidInputError):
        cordon.sensitivity(small_scenario, "no_such_metric", trials=2, samples=4, bootstrap=10, progress=False)


@pytest.fixture(scope="module")
def calibrated(small_scenario: Path, tmp_path_factory: pytest.TempPathFactory) -> cordon.Results:
    out = tmp_path_factory.mktemp("py") / "fit"
    return cordon.calibrate(small_scenario, particles=16, generations=2, trials_per_particle=4, max_moves=1,
                            out=out, progress=False)


def test_calibrate_equals_the_cli(cli: Path, small_scenario: Path, calibrated: cordon.Results, tmp_path: Path) -> None:
    out = tmp_path / "cli-fit"
    run_cli(cli, "calibrate", small_scenario, "--particles", 16, "--generations", 2, "--trials-per-particle", 4,
            "--max-moves", 1, "--out", out, "--quiet")
    assert {"posterior", "calibration", "predictive", "generations"} <= set(calibrated.tables)
    for t in ("posterior", "calibration", "predictive", "generations"):
        assert_same_as_csv(calibrated[t], out / f"{t}.csv", timing=["elapsed_s"])


def test_run_over_a_posterior_equals_the_cli(cli: Path, small_scenario: Path, calibrated: cordon.Results,
                                              tmp_path: Path) -> None:
    out = tmp_path / "cli-post"
    run_cli(cli, "run", small_scenario, "--posterior", calibrated.path, "--trials", 20, "--out", out, "--quiet")
    r = cordon.run(small_scenario, posterior=calibrated.path, trials=20, progress=False)
    assert r.manifest["posterior"]["points"] > 0
    for t in ("summary", "comparison"):
        assert_same_as_csv(r[t], out / f"{t}.csv")


def test_arrow_dtypes_keep_missing_values_missing(py_run: cordon.Results) -> None:
    s = py_run.summary
    # p_any_attack has no quantiles: empty cells in the CSV, NA here
    row = s[(s["metric"] == "p_any_attack") & (s["variant"] == "baseline")]
    assert row["p50"].isna().all()
    assert pa.types.is_floating(s["mean"].dtype.pyarrow_dtype)
    assert not math.isnan(float(row["mean"].iloc[0]))
