//! Studies over a posterior besides `cordon run`: a sweep whose every
//! point is what `cordon run --posterior --set` gives there, a search over
//! a posterior, and `cordon compare` refusing to pair runs over different
//! posteriors.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use insta::assert_snapshot;

use crate::util::{csv_rows, data, read, refused, run_in, stable, study_in, temp};

/// A posterior of the two-state fixture: three rows, two of them the same
/// point (so duplicates add up, as in a calibrate folder).
const POSTERIOR: &str =
    "model.attack_hazard,model.detection_scale,weight\n0.01,1.0,1\n0.03,2.0,2\n0.01,1.0,1\n";

fn posterior(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

fn manifest(path: &Path) -> serde_json::Value {
    serde_json::from_str(&read(path)).expect("json")
}

/// The check: at every design point, for every variant and every summary
/// metric sweep.csv has, the cells METRIC_mean, METRIC_ci95_lo and
/// METRIC_ci95_hi are byte-identical to the mean, ci95_lo and ci95_hi
/// cells of that variant and metric in summary.csv of `cordon run
/// --posterior P --set PATH=VALUE --trials N` (and `trials` is the `n` of
/// `attacks`).
#[test]
fn a_sweep_over_a_posterior_is_a_run_over_it_at_every_point() {
    let dir = temp();
    let d = dir.path();
    let p = posterior(d, "posterior.csv", POSTERIOR);
    let p = p.to_str().expect("utf-8");
    let scenario = data("two_states.toml");
    let swept = "states.MEM.budget";
    let sweep = study_in(
        d,
        "sweep",
        &scenario,
        "sweep",
        &[
            "--vary",
            // Nine points: more than a batch of design points holds
            // (eight at two threads), so the last runs in a batch of its own.
            "states.MEM.budget=4:12:9",
            "--trials",
            "300",
            "--posterior",
            p,
            "--quiet",
        ],
    )
    .out;
    let table = csv_rows(&sweep.join("sweep.csv"));
    assert_eq!(table.len(), 18, "nine points, two variants each");
    let m = manifest(&sweep.join("manifest.json"));
    assert_eq!(m["posterior"]["points"], 3);
    assert_eq!(m["posterior"]["distinct_points"], 2);
    assert_eq!(m["posterior"]["path"], p);
    let mut compared = 0;
    for value in ["4", "8", "12"] {
        let run = run_in(
            d,
            &format!("run-{value}"),
            &scenario,
            &[
                "--trials",
                "300",
                "--posterior",
                p,
                "--set",
                &format!("{swept}={value}"),
                "--quiet",
            ],
        )
        .out;
        let summary = csv_rows(&run.join("summary.csv"));
        let at: Vec<&HashMap<String, String>> =
            table.iter().filter(|r| r[swept] == value).collect();
        assert_eq!(at.len(), 2, "{value}");
        for row in at {
            for s in summary.iter().filter(|s| s["variant"] == row["variant"]) {
                let metric = &s["metric"];
                let Some(mean) = row.get(&format!("{metric}_mean")) else {
                    continue;
                };
                if metric == "attacks" {
                    assert_eq!(row["trials"], s["n"], "{value} {metric}");
                }
                assert_eq!(mean, &s["mean"], "{value} {} {metric}", s["variant"]);
                for part in ["ci95_lo", "ci95_hi"] {
                    assert_eq!(
                        row[&format!("{metric}_{part}")],
                        s[part],
                        "{value} {} {metric} {part}",
                        s["variant"]
                    );
                }
                compared += 1;
            }
        }
    }
    assert!(compared >= 3 * 2 * 10, "only {compared} metrics compared");
}

#[test]
fn a_sweep_refuses_a_swept_path_the_posterior_sets_and_a_posterior_that_does_not_fit() {
    let dir = temp();
    let d = dir.path();
    let scenario = data("two_states.toml");
    let scenario = scenario.to_str().expect("utf-8");
    let good = posterior(d, "good.csv", POSTERIOR);
    let bad = posterior(d, "bad.csv", "model.attack_hazrd,weight\n0.01,1\n");
    let e = refused(
        d,
        &[
            "sweep",
            scenario,
            "--vary",
            "model.detection_scale=0.5:2:3",
            "--posterior",
            good.to_str().expect("utf-8"),
        ],
    );
    assert_snapshot!("sweep_posterior_a_swept_path", stable(&e, &[d]));
    let e = refused(
        d,
        &[
            "sweep",
            scenario,
            "--vary",
            // Nine points: more than a batch of design points holds
            // (eight at two threads), so the last runs in a batch of its own.
            "states.MEM.budget=4:12:9",
            "--posterior",
            bad.to_str().expect("utf-8"),
        ],
    );
    assert_snapshot!(
        "sweep_posterior_a_path_not_in_the_scenario",
        stable(&e, &[d])
    );
}

#[test]
fn a_search_over_a_posterior_runs_and_records_it() {
    let dir = temp();
    let d = dir.path();
    let p = posterior(d, "posterior.csv", POSTERIOR);
    let p = p.to_str().expect("utf-8");
    let args = [
        "--budget-of",
        "MEM",
        "--metric",
        "entries",
        "--trials",
        "60",
        "--iterations",
        "2",
        "--candidates",
        "4",
        "--confirm-trials",
        "60",
        "--posterior",
        p,
        "--quiet",
    ];
    let out = study_in(d, "optimize", data("two_states.toml"), "opt", &args).out;
    let record = manifest(&out.join("optimize.json"));
    assert_eq!(record["posterior"]["points"], 3, "{record}");
    assert_eq!(record["posterior"]["distinct_points"], 2);
    assert_eq!(
        record["posterior"]["paths"],
        serde_json::json!(["model.attack_hazard", "model.detection_scale"])
    );
    // The same search again gives the same bytes (the draws are keyed by
    // seed and trial alone).
    let again = study_in(d, "optimize", data("two_states.toml"), "again", &args).out;
    assert_eq!(
        read(&out.join("optimize.csv")),
        read(&again.join("optimize.csv"))
    );
    // Without the posterior the search differs (the posterior moves the
    // detection scale and the attack hazard).
    let plain = study_in(
        d,
        "optimize",
        data("two_states.toml"),
        "plain",
        &args[..args.len() - 3],
    )
    .out;
    assert!(
        manifest(&plain.join("optimize.json"))
            .get("posterior")
            .is_none(),
        "no posterior entry without --posterior"
    );
    assert_ne!(
        read(&out.join("summary.csv")),
        read(&plain.join("summary.csv"))
    );
    // A searched allocation is a path the posterior may not set.
    let alloc = posterior(
        d,
        "alloc.csv",
        "states.MEM.allocation.intel,weight\n0.2,1\n0.4,1\n",
    );
    let scenario = data("two_states.toml");
    let mut refused_args = vec![OsStr::new("optimize"), scenario.as_os_str()];
    refused_args.extend(args[..args.len() - 3].iter().map(OsStr::new));
    refused_args.extend([OsStr::new("--posterior"), alloc.as_os_str()]);
    let e = refused(d, &refused_args);
    assert_snapshot!("optimize_posterior_a_searched_path", stable(&e, &[d]));
}

#[test]
fn compare_pairs_runs_over_one_posterior_and_not_over_two() {
    let dir = temp();
    let d = dir.path();
    let one = posterior(d, "one.csv", POSTERIOR);
    let two = posterior(
        d,
        "two.csv",
        "model.attack_hazard,model.detection_scale,weight\n0.02,1.5,1\n",
    );
    let scenario = data("two_states.toml");
    let run = |name: &str, p: Option<&Path>| {
        let mut args = vec!["--trials", "100", "--quiet"];
        if let Some(p) = p {
            args.extend(["--posterior", p.to_str().expect("utf-8")]);
        }
        run_in(d, name, &scenario, &args).out
    };
    let a = run("a", Some(&one));
    let b = run("b", Some(&one));
    let c = run("c", Some(&two));
    let plain = run("plain", None);
    let compare = |x: &Path, y: &Path| -> String {
        let o = crate::util::cordon(d)
            .args([OsStr::new("compare"), x.as_os_str(), y.as_os_str()])
            .output()
            .expect("cordon runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let same = compare(&a, &b);
    assert!(same.contains("over the same posterior"), "{same}");
    assert!(same.contains("method: paired on trial index"), "{same}");
    let different = compare(&a, &c);
    assert!(
        different.contains("method: unpaired (Welch): the runs are over different posteriors"),
        "{different}"
    );
    let one_sided = compare(&a, &plain);
    assert!(
        one_sided.contains("A ran over the posterior") && one_sided.contains("B did not"),
        "{one_sided}"
    );
}
