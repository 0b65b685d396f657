//! `cordon calibrate` from the command line: its folder, an interrupted
//! calibration that resumes to the same posterior, the refusals; and
//! `cordon run --posterior`.

use std::path::Path;
use std::time::{Duration, Instant};

use std::ffi::OsStr;

use insta::assert_snapshot;

use crate::util::{data, read, refused, run_in, stable, study_in, temp};

/// The known-answer scenario (one Poisson rate, yearly counts).
fn known_answer() -> std::path::PathBuf {
    data("calibration").join("known_answer.toml")
}

/// The flags of every calibration here.
const FLAGS: [&str; 7] = [
    "--particles",
    "300",
    "--trials-per-particle",
    "10",
    "--threads",
    "2",
    "--quiet",
];

/// `cordon calibrate` of the known answer into `dir/out` (with `extra`
/// flags), which must succeed.
fn calibrate(dir: &Path, out: &str, extra: &[&str]) {
    let args = [&FLAGS[..], extra].concat();
    study_in(dir, "calibrate", known_answer(), out, &args);
}

#[test]
fn calibrate_writes_its_folder_with_a_posterior_whose_weights_sum_to_one() {
    let dir = temp();
    let d = dir.path();
    calibrate(d, "fit", &[]);
    let fit = d.join("fit");
    for f in [
        "posterior.csv",
        "calibration.csv",
        "predictive.csv",
        "generations.csv",
        "manifest.json",
    ] {
        assert!(fit.join(f).exists(), "{f} is missing");
    }
    assert!(!fit.join("checkpoint.json").exists());
    let post = read(&fit.join("posterior.csv"));
    let mut lines = post.lines();
    assert_eq!(lines.next(), Some("regions.SRC_N.new_cells,weight"));
    let total: f64 = lines
        .map(|l| {
            l.rsplit(',')
                .next()
                .expect("weight")
                .parse::<f64>()
                .expect("a number")
        })
        .sum();
    assert!((total - 1.0).abs() < 1e-9, "weights sum to {total}");
    assert_eq!(
        read(&fit.join("calibration.csv")).lines().next(),
        Some("parameter,prior_low,prior_high,scale,mean,sd,q05,median,q95,shrinkage")
    );
    assert_eq!(
        read(&fit.join("predictive.csv")).lines().next(),
        Some(
            "series_id,series,period,from_week,to_week,observed,mean,q05,q50,q95,p_at_or_above,source"
        )
    );
    // An existing folder is refused without --force.
    let known = known_answer();
    let mut args = vec![OsStr::new("calibrate"), known.as_os_str()];
    args.extend(FLAGS.map(OsStr::new));
    args.extend([OsStr::new("--out"), OsStr::new("fit")]);
    let e = refused(d, &args);
    assert_snapshot!("calibrate_into_a_full_folder", stable(&e, &[d]));
}

#[test]
fn an_interrupted_calibration_resumes_to_the_same_posterior() {
    let dir = temp();
    let d = dir.path();
    let bin = assert_cmd::cargo::cargo_bin("cordon");
    let mut child = std::process::Command::new(bin)
        .current_dir(d)
        .arg("calibrate")
        .arg(known_answer())
        .args(FLAGS)
        .args(["--out", "out", "--resume"])
        .spawn()
        .expect("cordon starts");
    let checkpoint = d.join(".out.partial").join("checkpoint.json");
    let deadline = Instant::now() + Duration::from_secs(120);
    while !checkpoint.exists() {
        assert!(Instant::now() < deadline, "no checkpoint after 120 s");
        if child.try_wait().expect("wait").is_some() {
            // Finished before it could be stopped: nothing to test here on
            // a very fast machine.
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    let status = child.wait().expect("wait");
    if status.success() {
        return; // it finished in the meantime
    }
    assert_eq!(status.code(), Some(130));
    assert!(
        checkpoint.exists(),
        "the last generation's checkpoint is kept"
    );
    assert!(!d.join("out").exists());
    calibrate(d, "out", &["--resume"]);
    assert!(!d.join(".out.partial").exists());
    calibrate(d, "single", &[]);
    assert_eq!(
        read(&d.join("out").join("posterior.csv")),
        read(&d.join("single").join("posterior.csv"))
    );
}

#[test]
fn calibrate_refuses_a_scenario_with_nothing_to_fit() {
    let dir = temp();
    let d = dir.path();
    let e = refused(
        d,
        &[
            OsStr::new("calibrate"),
            OsStr::new(&data("two_states.toml").to_str().expect("utf-8")),
        ],
    );
    assert_snapshot!("calibrate_without_uncertain", stable(&e, &[d]));
    let text = read(&known_answer());
    let cut = text.find("[[observed]]").expect("observed");
    std::fs::write(d.join("no_obs.toml"), &text[..cut]).expect("write");
    let e = refused(d, &[OsStr::new("calibrate"), OsStr::new("no_obs.toml")]);
    assert_snapshot!("calibrate_without_observed", stable(&e, &[d]));
    refused(
        d,
        &[
            OsStr::new("calibrate"),
            OsStr::new("no_obs.toml"),
            OsStr::new("--resume"),
        ],
    );
}

fn posterior(dir: &Path, text: &str) -> std::path::PathBuf {
    let p = dir.join("posterior.csv");
    std::fs::write(&p, text).expect("write");
    p
}

#[test]
fn a_run_over_a_posterior_records_it_and_stays_paired() {
    let dir = temp();
    let d = dir.path();
    let p = posterior(
        d,
        "model.attack_hazard,model.detection_scale,weight\n0.01,1.0,1\n0.03,2.0,3\n",
    );
    let p = p.to_str().expect("utf-8");
    let run = run_in(
        d,
        "run",
        data("two_states.toml"),
        &["--trials", "200", "--posterior", p],
    );
    let (stdout, out) = (run.stdout, run.out);
    assert!(stdout.contains("over the posterior"), "{stdout}");
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&out.join("manifest.json"))).expect("json");
    let post = &manifest["posterior"];
    assert_eq!(post["points"], 2);
    assert_eq!(post["distinct_points"], 2);
    assert_eq!(
        post["paths"],
        serde_json::json!(["model.attack_hazard", "model.detection_scale"])
    );
    // Paired: the variant differs from the baseline only in its own values,
    // so in every trial both drew the same point and spawned the same cells.
    let trials = read(&out.join("trials.csv"));
    let mut new_cells: std::collections::HashMap<String, Vec<String>> = Default::default();
    for line in trials.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        new_cells
            .entry(f[0].to_string())
            .or_default()
            .push(f[2].to_string());
    }
    assert_eq!(new_cells["baseline"], new_cells["intel_heavy"]);
    // Same seed, same bytes.
    let again = run_in(
        d,
        "again",
        data("two_states.toml"),
        &[
            "--trials",
            "200",
            "--threads",
            "1",
            "--quiet",
            "--posterior",
            p,
        ],
    )
    .out;
    assert_eq!(
        read(&out.join("summary.csv")),
        read(&again.join("summary.csv"))
    );
    assert_eq!(trials, read(&again.join("trials.csv")));
}

#[test]
fn a_posterior_that_does_not_fit_the_scenario_is_refused() {
    let dir = temp();
    let d = dir.path();
    let scenario = data("two_states.toml");
    for (text, want) in [
        (
            "model.attack_hazrd,weight\n0.01,1\n",
            "a_path_not_in_the_scenario",
        ),
        ("model.attack_hazard,weight\n0.01,-1\n", "a_negative_weight"),
        ("model.attack_hazard\n0.01\n", "no_weight_column"),
        ("model.attack_hazard,weight\n", "no_points"),
    ] {
        let p = posterior(d, text);
        let e = refused(
            d,
            &[
                OsStr::new("run"),
                OsStr::new(&scenario.to_str().expect("utf-8")),
                OsStr::new("--trials"),
                OsStr::new("10"),
                OsStr::new("--posterior"),
                OsStr::new(&p.to_str().expect("utf-8")),
            ],
        );
        assert_snapshot!(format!("run_posterior_{want}"), stable(&e, &[d]));
    }
    let e = refused(
        d,
        &[
            OsStr::new("run"),
            OsStr::new(&scenario.to_str().expect("utf-8")),
            OsStr::new("--posterior"),
            OsStr::new("no-such-folder"),
        ],
    );
    assert_snapshot!("run_posterior_a_missing_folder", stable(&e, &[d]));
}
