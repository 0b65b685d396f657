"""cordon.ema: the EMA Workbench model, and the example on a small budget."""

from __future__ import annotations

import csv
import math
import subprocess
import sys
from pathlib import Path

import pytest

import cordon
import cordon.ema

pytest.importorskip("ema_workbench")
REPO = Path(__file__).resolve().parents[2]


def test_model_has_the_scenario_uncertainties_levers_and_outcomes(small_scenario: Path) -> None:
    m = cordon.ema.model(small_scenario, levers={"alliance.intel_sharing": (0.0, 1.0), "states.MEM.budget": (2, 8),
                                                 "alliance.pool_share": [0.0, 0.05]},
                         outcomes={"attacks": "min", "p_any_attack": "info"}, trials=5)
    names = [u.name for u in m.uncertainties]
    assert names == ["regions_SRC_N_new_cells", "log10_model_detection_scale"]
    log = m.uncertainties[1]
    assert math.isclose(log.lower_bound, math.log10(0.5)) and math.isclose(log.upper_bound, math.log10(2.0))
    assert [type(lv).__name__ for lv in m.levers] == ["RealParameter", "IntegerParameter", "CategoricalParameter"]
    assert [o.name for o in m.outcomes] == ["attacks", "p_any_attack"]
    assert m.cordon_paths["log10_model_detection_scale"] == "model.detection_scale"


def test_an_experiment_is_a_run_with_those_values(small_scenario: Path) -> None:
    from ema_workbench import Scenario, perform_experiments

    m = cordon.ema.model(small_scenario, levers={"alliance.intel_sharing": (0.0, 1.0)}, outcomes=["attacks"],
                         trials=30, seed=5)
    scen = Scenario("s", regions_SRC_N_new_cells=0.4, log10_model_detection_scale=math.log10(1.5))
    experiments, outcomes = perform_experiments(m, scenarios=[scen], policies=[cordon.ema.policy(m, "p", {"alliance.intel_sharing": 0.7})])
    r = cordon.run(small_scenario, trials=30, seed=5, variants=[], progress=False,
                   set={"regions.SRC_N.new_cells": 0.4, "model.detection_scale": 1.5, "alliance.intel_sharing": 0.7})
    s = r.summary
    want = s[(s["variant"] == "baseline") & (s["metric"] == "attacks")]["mean"].iloc[0]
    assert math.isclose(outcomes["attacks"][0], want, rel_tol=1e-12)


def test_bad_levers_outcomes_and_policies_are_refused(small_scenario: Path) -> None:
    with pytest.raises(cordon.ScenarioError):
        cordon.ema.model(small_scenario, levers={"alliance.intel_sharingg": (0.0, 1.0)}, trials=2)
    with pytest.raises(cordon.InvalidInputError, match="unknown outcome"):
        cordon.ema.model(small_scenario, outcomes=["atacks"], trials=2)
    with pytest.raises(cordon.InvalidInputError, match="not \\[\\[uncertain\\]\\] paths"):
        cordon.ema.model(small_scenario, uncertain=["model.pooling"], trials=2)
    m = cordon.ema.model(small_scenario, levers={"alliance.intel_sharing": (0.0, 1.0)}, trials=2)
    with pytest.raises(cordon.InvalidInputError, match="not a lever"):
        cordon.ema.policy(m, "p", {"states.MEM.budget": 3})


def test_the_example_finds_a_box_on_a_small_budget(tmp_path: Path) -> None:
    out = tmp_path / "ema"
    r = subprocess.run([sys.executable, str(REPO / "examples" / "python" / "ema_prim.py"), "--scenarios", "24",
                        "--trials", "3", "--out", str(out)], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "best policy:" in (out / "prim_box.txt").read_text()
    with open(out / "prim_box.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 11  # the default scenario's [[uncertain]] parameters
    assert all(float(r["low"]) <= float(r["high"]) for r in rows)
    with open(out / "experiments.csv", newline="") as f:
        assert sum(1 for _ in f) == 1 + 24 * 4
    assert (out / "prim.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
