//! The timing lines (`CORDON_TIMINGS=1`) that the serial-share scripts of
//! `benches/` read (docs/performance.md, "Serial share"): each script,
//! run on this build's binary at a small size, must find every phase or
//! step it counts. A phase or step renamed in the code but not in the
//! scripts would otherwise pass silently, its time counted as serial.

use std::collections::HashMap;
use std::process::Command;

/// The CSV lines a script prints, as name → numbers.
fn script(name: &str, args: &[&str]) -> HashMap<String, Vec<f64>> {
    let bin = assert_cmd::cargo::cargo_bin("cordon");
    let path = format!("{}/benches/{name}", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("bash")
        .arg(&path)
        .arg(&bin)
        .args(args)
        .output()
        .expect("bash runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{name} {args:?}: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .filter_map(|line| {
            let mut cells = line.split(',');
            let key = cells.next()?.to_string();
            let numbers: Vec<f64> = cells.filter_map(|c| c.parse().ok()).collect();
            Some((key, numbers))
        })
        .collect()
}

fn value(figures: &HashMap<String, Vec<f64>>, key: &str) -> f64 {
    match figures.get(key).and_then(|v| v.first()) {
        Some(x) => *x,
        None => panic!("no {key} in {figures:?}"),
    }
}

/// A study's steps: those named are all there, they hold most of the
/// command's time, and the serial share is a share.
fn study(args: &[&str], steps: &[&str]) {
    let f = script("serial_share_study.sh", args);
    let (total, in_steps) = (value(&f, "total_s"), value(&f, "steps_s"));
    assert!(total > 0.0 && in_steps <= total, "{f:?}");
    // Reading the scenario, the table and the manifest are all that lies
    // outside the steps.
    assert!(
        in_steps > 0.6 * total,
        "{args:?}: steps {in_steps} of {total}"
    );
    // Found: a step of a few rows may round to 0 on a fast machine.
    for step in steps {
        let key = format!("step {step}: s");
        assert!(value(&f, &key) >= 0.0, "{args:?}: {key} {f:?}");
    }
    assert!(value(&f, "step trials: s") > 0.0, "{args:?}: {f:?}");
    let share = value(&f, "serial_share");
    assert!(share > 0.0 && share < 1.0, "{args:?}: {share}");
    assert!(value(&f, "amdahl_16_threads") >= 1.0);
}

#[test]
fn the_sweep_script_finds_its_steps() {
    study(
        &["sweep", "5", "1", "3"],
        &[
            "scenario pieces checked",
            "points checked",
            "first prepared",
            "built",
            "prepared",
            "trials",
            "points",
            "freed",
            "rows formatted",
            "charts",
        ],
    );
}

#[test]
fn the_sensitivity_script_finds_its_steps() {
    study(
        &["sensitivity", "2", "1"],
        &["points checked", "prepared", "trials", "points", "charts"],
    );
}

#[test]
fn the_optimize_script_finds_its_steps() {
    study(
        &["optimize", "10", "1"],
        &[
            "scenario pieces checked",
            "candidates built",
            "candidates prepared",
            "trials",
            "workers",
            "merged",
        ],
    );
}

#[test]
fn the_calibrate_script_finds_its_steps() {
    study(
        &["calibrate", "2", "1"],
        &[
            "particles built",
            "points prepared",
            "trials",
            "points read",
            "likelihoods",
            "charts",
        ],
    );
}

/// A run's phases: each one the script counts is found, and together
/// with the trials they account for the run.
#[test]
fn the_run_script_finds_its_phases() {
    let f = script("serial_share.sh", &["300", "1"]);
    let total = value(&f, "total_s");
    // Found (a short phase may round to 0 on a fast machine), and the
    // trials and the charts, the largest, measured.
    for phase in [
        "trials_s",
        "setup_s",
        "tables_s",
        "read_weekly_s",
        "charts_s",
        "charts_critical_path_s",
    ] {
        assert!(value(&f, phase) >= 0.0, "{phase}: {f:?}");
    }
    assert!(
        value(&f, "trials_s") > 0.0 && value(&f, "charts_s") > 0.0,
        "{f:?}"
    );
    let parts = value(&f, "setup_s")
        + value(&f, "trials_s")
        + value(&f, "tables_s")
        + value(&f, "read_weekly_s")
        + value(&f, "charts_s");
    assert!(
        parts <= total * 1.01 && parts > 0.5 * total,
        "{parts} of {total}"
    );
    let (serial, share) = (value(&f, "serial_s"), value(&f, "serial_share"));
    assert!(serial > 0.0 && serial < total, "{f:?}");
    assert!(share > 0.0 && share < 1.0);
}
