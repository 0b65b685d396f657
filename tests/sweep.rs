//! `cordon sweep` and `cordon sensitivity`: a sweep whose effect is known in
//! closed form, the design printed by `cordon check`, bad input, and the
//! same bytes at any thread count.

use std::collections::HashMap;
use std::ffi::OsStr;

use insta::assert_snapshot;

use crate::util::{csv_rows, data, read, refused, root, stable, study_in, success_stdout, temp};

fn one_border() -> std::path::PathBuf {
    data("one_border.toml")
}

fn number(row: &HashMap<String, String>, key: &str) -> f64 {
    row.get(key)
        .unwrap_or_else(|| panic!("no column {key}"))
        .parse()
        .unwrap_or_else(|_| panic!("{key} = {:?} is not a number", row[key]))
}

#[test]
fn patrol_detection_follows_its_closed_form_across_a_budget_sweep() {
    let dir = temp();
    let out = study_in(dir.path(), "sweep", one_border(), "sweep", &["--quiet"]).out;
    let rows = csv_rows(&out.join("sweep.csv"));
    let baseline: Vec<_> = rows.iter().filter(|r| r["variant"] == "baseline").collect();
    assert_eq!(baseline.len(), 5, "five budgets from the [sweep] table");
    assert_eq!(rows.len(), 10, "baseline and one variant at each point");
    for row in baseline {
        let budget = number(row, "states.MEM.budget");
        // S* = budget / 0.01; p = 1 - exp(-S* / 500) (see the fixture).
        let want = 1.0 - (-budget / 5.0).exp();
        let got = number(row, "patrol_detection_in");
        assert!(
            (got - want).abs() < 1e-9,
            "budget {budget}: {got} vs {want}"
        );
        // Each attempt is detected with probability p, independently of the
        // past, so detections / attempts estimates p with binomial error.
        let trials = number(row, "trials");
        let attempts = number(row, "attempts_mean") * trials;
        let detections = number(row, "detections_mean") * trials;
        let share = detections / attempts;
        let se = (want * (1.0 - want) / attempts).sqrt();
        assert!(
            (share - want).abs() < 4.0 * se,
            "budget {budget}: detected {share} of {attempts} attempts, expected {want} ± {se}"
        );
    }
    // The variant fixes the budget at 6 at every point.
    for row in rows.iter().filter(|r| r["variant"] == "more_money") {
        let got = number(row, "patrol_detection_in");
        assert!((got - (1.0 - (-6.0f64 / 5.0).exp())).abs() < 1e-9);
    }
    let manifest = read(&out.join("manifest.json"));
    assert!(manifest.contains("\"trials_per_point\": 100"), "{manifest}");
    for chart in [
        "sweep_attacks.png",
        "sweep_entries.svg",
        "sweep_p_any_attack.png",
    ] {
        assert!(out.join("charts").join(chart).exists(), "{chart}");
    }
}

#[test]
fn a_two_parameter_sweep_draws_heatmaps_and_is_the_same_at_any_thread_count() {
    let dir = temp();
    let run = |threads: &str, name: &str| {
        study_in(
            dir.path(),
            "sweep",
            one_border(),
            name,
            &[
                "--vary",
                "states.MEM.budget=1:5:2",
                "--vary",
                "model.interdict_min=0.1:0.5:3",
                "--trials",
                "60",
                "--threads",
                threads,
                "--metric",
                "border_interdictions",
                "--quiet",
            ],
        )
        .out
    };
    let (a, b) = (run("1", "one"), run("2", "two"));
    let (ta, tb) = (read(&a.join("sweep.csv")), read(&b.join("sweep.csv")));
    assert_eq!(ta, tb, "sweep.csv differs between 1 and 2 threads");
    assert_eq!(csv_rows(&a.join("sweep.csv")).len(), 12);
    assert!(a.join("charts/heatmap_border_interdictions.png").exists());
    assert!(a.join("charts/heatmap_border_interdictions.svg").exists());
}

#[test]
fn a_latin_hypercube_sweep_runs_its_samples() {
    let dir = temp();
    let out = study_in(
        dir.path(),
        "sweep",
        one_border(),
        "lhs",
        &[
            "--vary",
            "states.MEM.budget=1:9",
            "--design",
            "lhs",
            "--samples",
            "6",
            "--trials",
            "20",
            "--quiet",
        ],
    )
    .out;
    let rows = csv_rows(&out.join("sweep.csv"));
    let mut budgets: Vec<f64> = rows
        .iter()
        .filter(|r| r["variant"] == "baseline")
        .map(|r| number(r, "states.MEM.budget"))
        .collect();
    budgets.sort_by(f64::total_cmp);
    assert_eq!(budgets.len(), 6);
    for (k, b) in budgets.iter().enumerate() {
        let stratum = ((b - 1.0) / 8.0 * 6.0).floor() as usize;
        assert_eq!(stratum, k, "one point per stratum: {budgets:?}");
    }
}

#[test]
fn check_prints_the_expanded_design_and_total_trials() {
    let stdout = success_stdout(&root(), &[OsStr::new("check"), one_border().as_os_str()]);
    assert!(
        stdout.contains("sweep     grid design, 1 parameter, 5 points"),
        "{stdout}"
    );
    assert!(
        stdout.contains("states.MEM.budget from 1 to 9 in 5 steps"),
        "{stdout}"
    );
    // 5 points × 100 trials × 2 variants.
    assert!(stdout.contains("sweep total 1000 trials"), "{stdout}");
    assert!(
        stdout.contains("uncertain model.detection_scale in [0.5, 2]"),
        "{stdout}"
    );
}

#[test]
fn a_misspelt_vary_path_names_the_closest_and_writes_nothing() {
    let dir = temp();
    let out = dir.path().join("never");
    let e = refused(
        dir.path(),
        &[
            "sweep".as_ref(),
            one_border().as_os_str(),
            "--vary".as_ref(),
            "states.MEM.budgt=1:5:3".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
    );
    assert_snapshot!("vary_misspelt_path", stable(&e, &[dir.path()]));
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(dir.path())
            .map(|d| d.count())
            .unwrap_or(0),
        0
    );
}

#[test]
fn bad_vary_arguments_are_invalid_input() {
    for (arg, name) in [
        ("states.MEM.budget=5:1:3", "low_not_below_high"),
        ("states.MEM.budget=1:5:1", "one_step"),
        ("states.MEM.budget", "no_range"),
        ("model.interdict_min=0:2:3", "end_out_of_range"),
        ("borders.SRC_N-MEM_S.terrain=0:1:2", "not_a_number"),
        ("scenario.weeks=1:5:2", "not_variable"),
    ] {
        let e = refused(
            &root(),
            &[
                "sweep".as_ref(),
                one_border().as_os_str(),
                "--vary".as_ref(),
                arg.as_ref(),
            ],
        );
        assert_snapshot!(format!("vary_{name}"), stable(&e, &[]));
    }
}

#[test]
fn a_point_that_is_invalid_as_a_whole_is_named() {
    // Each end is valid alone, but interdict_min = 0.8 with
    // interdict_max = 0.5 is not.
    let e = refused(
        &root(),
        &[
            "sweep".as_ref(),
            one_border().as_os_str(),
            "--vary".as_ref(),
            "model.interdict_min=0.1:0.8:2".as_ref(),
            "--vary".as_ref(),
            "model.interdict_max=0.5:1:2".as_ref(),
        ],
    );
    assert_snapshot!("vary_invalid_point", stable(&e, &[]));
    // An end that is invalid with the scenario's other values is reported
    // at once, at the argument.
    let e = refused(
        &root(),
        &[
            "sweep".as_ref(),
            one_border().as_os_str(),
            "--vary".as_ref(),
            "model.interdict_min=0.5:1:3".as_ref(),
        ],
    );
    assert_snapshot!("vary_invalid_end", stable(&e, &[]));
}

#[test]
fn help_of_the_new_commands_shows_examples() {
    for cmd in ["sweep", "sensitivity"] {
        let stdout = success_stdout(&root(), &[cmd, "--help"]);
        assert!(stdout.contains("Examples:"), "{cmd}:\n{stdout}");
    }
}

#[test]
fn sensitivity_writes_swings_indices_and_ranking() {
    let dir = temp();
    let out = study_in(
        dir.path(),
        "sensitivity",
        one_border(),
        "sens",
        &[
            "--metric",
            "border_interdictions",
            "--samples",
            "8",
            "--trials",
            "30",
            "--bootstrap",
            "50",
            "--quiet",
        ],
    )
    .out;
    let rows =
        cordon::study::sensitivity::read_rows(&out.join("sensitivity.csv")).expect("readable");
    let find = |kind: &str, parameter: &str, variant: &str| {
        rows.iter()
            .find(|r| r.0 == kind && r.1 == parameter && r.2 == variant)
            .and_then(|r| r.3)
            .unwrap_or_else(|| panic!("no {kind} row for {parameter} / {variant}"))
    };
    // More detection, more interdictions; a higher interdiction floor too.
    assert!(find("oat_swing", "model.detection_scale", "baseline") > 0.0);
    assert!(find("oat_swing", "model.interdict_min", "baseline") > 0.0);
    let first = find("sobol_first", "model.detection_scale", "baseline");
    assert!(first.is_finite());
    let noise = find("sobol_noise", "", "baseline");
    assert!((0.0..1.0).contains(&noise), "noise share {noise}");
    // The variant spends more on the border: it interdicts more everywhere
    // (higher is not "better" for interdictions, so no ranking is made).
    let shares: f64 = rows
        .iter()
        .filter(|r| r.0 == "ranking")
        .filter_map(|r| r.3)
        .sum();
    assert!(shares == 0.0 || (shares - 1.0).abs() < 1e-9, "{shares}");
    for chart in [
        "tornado_border_interdictions.png",
        "sobol_border_interdictions.svg",
    ] {
        assert!(out.join("charts").join(chart).exists(), "{chart}");
    }
}

#[test]
fn sensitivity_ranks_variants_on_a_metric_with_a_direction() {
    let dir = temp();
    let out = study_in(
        dir.path(),
        "sensitivity",
        one_border(),
        "rank",
        &[
            "--metric",
            "entries",
            "--samples",
            "6",
            "--trials",
            "40",
            "--bootstrap",
            "20",
            "--quiet",
        ],
    )
    .out;
    let rows =
        cordon::study::sensitivity::read_rows(&out.join("sensitivity.csv")).expect("readable");
    let ranking: Vec<_> = rows.iter().filter(|r| r.0 == "ranking").collect();
    assert_eq!(ranking.len(), 2);
    let total: f64 = ranking.iter().filter_map(|r| r.3).sum();
    assert!((total - 1.0).abs() < 1e-9);
    // A budget of 6 instead of 4 detects more at every parameter set.
    let more = ranking
        .iter()
        .find(|r| r.2 == "more_money")
        .and_then(|r| r.3);
    assert!(more.is_some_and(|s| s > 0.8), "{ranking:?}");
}

#[test]
fn sensitivity_needs_uncertain_parameters_and_a_known_metric() {
    let e = refused(
        &root(),
        &[
            "sensitivity".as_ref(),
            data("two_states.toml").as_os_str(),
            "--metric".as_ref(),
            "attacks".as_ref(),
        ],
    );
    assert_snapshot!("sensitivity_without_uncertain", stable(&e, &[]));
    let e = refused(
        &root(),
        &[
            "sensitivity".as_ref(),
            one_border().as_os_str(),
            "--metric".as_ref(),
            "atacks".as_ref(),
        ],
    );
    assert_snapshot!("sensitivity_misspelt_metric", stable(&e, &[]));
}

#[test]
fn one_share_of_an_allocation_can_be_swept_and_the_others_take_up_the_rest() {
    let dir = temp();
    let out = study_in(
        dir.path(),
        "sweep",
        data("two_states.toml"),
        "alloc",
        &[
            "--vary",
            "states.MEM.allocation.border=0.2:0.8:4",
            "--trials",
            "10",
            "--quiet",
        ],
    )
    .out;
    let rows = csv_rows(&out.join("sweep.csv"));
    let patrol: Vec<f64> = rows
        .iter()
        .filter(|r| r["variant"] == "baseline")
        .map(|r| number(r, "patrol_detection_in"))
        .collect();
    assert_eq!(patrol.len(), 4);
    // More of the same budget on the border: more patrol detection.
    assert!(patrol.windows(2).all(|w| w[0] < w[1]), "{patrol:?}");
    // The intel-heavy variant writes its own allocation: it does not move.
    let fixed: Vec<f64> = rows
        .iter()
        .filter(|r| r["variant"] == "intel_heavy")
        .map(|r| number(r, "patrol_detection_in"))
        .collect();
    assert!(fixed.windows(2).all(|w| w[0] == w[1]), "{fixed:?}");
    let e = refused(
        &root(),
        &[
            "sweep".as_ref(),
            data("two_states.toml").as_os_str(),
            "--vary".as_ref(),
            "states.MEM.allocation.border=0.2:0.8:4".as_ref(),
            "--vary".as_ref(),
            "states.MEM.allocation.intel=0:0.2:2".as_ref(),
        ],
    );
    assert_snapshot!("vary_two_shares_of_an_allocation", stable(&e, &[]));
    let e = refused(
        &root(),
        &[
            "sweep".as_ref(),
            data("two_states.toml").as_os_str(),
            "--vary".as_ref(),
            "states.MEM.allocation.bordr=0.2:0.8:4".as_ref(),
        ],
    );
    assert_snapshot!("vary_misspelt_share", stable(&e, &[]));
}

#[test]
fn sensitivity_is_the_same_at_any_thread_count() {
    let dir = temp();
    let run = |threads: &str| {
        let out = study_in(
            dir.path(),
            "sensitivity",
            one_border(),
            &format!("t{threads}"),
            &[
                "--metric",
                "attacks",
                "--samples",
                "6",
                "--trials",
                "30",
                "--bootstrap",
                "20",
                "--threads",
                threads,
                "--quiet",
            ],
        )
        .out;
        read(&out.join("sensitivity.csv"))
    };
    assert_eq!(run("1"), run("2"));
}
