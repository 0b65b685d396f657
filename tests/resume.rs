//! An interrupted run continues from its last checkpoint with --resume, and
//! gives the same bytes as a run that was never interrupted.

use std::path::Path;
use std::time::{Duration, Instant};

use std::ffi::OsStr;

use insta::assert_snapshot;

use crate::util::{data, read, refused, run_in, stable, temp};

const TRIALS: &str = "16000";

/// The flags of every run here.
const FLAGS: [&str; 7] = [
    "--trials",
    TRIALS,
    "--variant",
    "baseline",
    "--quiet",
    "--threads",
    "2",
];

/// `cordon run` of the example into `dir/out` (with `extra` flags), which
/// must succeed.
fn run(dir: &Path, out: &str, extra: &[&str]) {
    let args = [&FLAGS[..], extra].concat();
    run_in(dir, out, data("two_states.toml"), &args);
}

/// Starts a resumable run and stops it with SIGINT after its first checkpoint.
fn interrupt_after_first_checkpoint(dir: &Path) {
    let bin = assert_cmd::cargo::cargo_bin("cordon");
    let mut child = std::process::Command::new(bin)
        .current_dir(dir)
        .arg("run")
        .arg(data("two_states.toml"))
        .args(FLAGS)
        .args(["--out", "out", "--resume"])
        .spawn()
        .expect("cordon starts");
    let checkpoint = dir.join(".out.partial").join("checkpoint.json");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !checkpoint.exists() {
        assert!(Instant::now() < deadline, "no checkpoint after 60 s");
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the run ended before it could be interrupted"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = child.id().to_string();
    std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    let stopped = Instant::now();
    let status = child.wait().expect("wait");
    assert!(
        stopped.elapsed() < Duration::from_secs(5),
        "took {:?} to stop",
        stopped.elapsed()
    );
    assert_eq!(status.code(), Some(130));
}

#[test]
fn a_resumed_run_equals_an_uninterrupted_one() {
    let dir = temp();
    let d = dir.path();
    interrupt_after_first_checkpoint(d);
    assert!(
        !d.join("out").exists(),
        "no result folder before the run completes"
    );
    assert!(d.join(".out.partial").join("trials.csv").exists());
    // A changed run is refused and the checkpoint kept.
    let file = data("two_states.toml");
    let mut args = vec![OsStr::new("run"), file.as_os_str()];
    args.extend(FLAGS.map(OsStr::new));
    args.extend(["--out", "out", "--resume", "--seed", "8"].map(OsStr::new));
    let e = refused(d, &args);
    assert_snapshot!("resume_with_another_seed", stable(&e, &[d]));
    // The format is no part of the run's identity: the checkpointed
    // trials.csv becomes trials.parquet once the run is complete.
    run(d, "out", &["--resume", "--format", "csv,parquet"]);
    assert!(!d.join(".out.partial").exists());
    assert!(!d.join("out").join("checkpoint.json").exists());
    run(d, "single", &["--format", "csv,parquet"]);
    for t in ["trials.parquet", "weekly.parquet", "summary.parquet"] {
        assert!(
            std::fs::read(d.join("out").join(t)).expect("written")
                == std::fs::read(d.join("single").join(t)).expect("written"),
            "{t} differs"
        );
    }
    for t in [
        "trials.csv",
        "weekly.csv",
        "summary.csv",
        "states.csv",
        "borders.csv",
    ] {
        assert!(
            read(&d.join("out").join(t)) == read(&d.join("single").join(t)),
            "{t} differs"
        );
    }
}

#[test]
fn resume_needs_an_explicit_folder() {
    let dir = temp();
    let e = refused(
        dir.path(),
        &[
            OsStr::new("run"),
            OsStr::new(&data("two_states.toml")),
            OsStr::new("--trials"),
            OsStr::new("10"),
            OsStr::new("--resume"),
        ],
    );
    assert_snapshot!("resume_without_out", stable(&e, &[dir.path()]));
}
