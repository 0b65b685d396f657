//! Behaviour at the edges: two processes writing one result folder.

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::util::{cordon, data, temp};

/// What a second writer of `out` is told, `out` and its lock as given.
fn held_message(out: &str, lock: &str) -> String {
    format!(
        "another cordon process is writing {out} (it holds {lock}); wait for it to finish, or choose another --out"
    )
}

#[test]
fn staging_a_folder_that_another_staging_holds_is_invalid_input() {
    let dir = temp();
    let target = dir.path().join("out");
    let lock = dir.path().join(".out.lock");
    let want = held_message(&target.display().to_string(), &lock.display().to_string());
    let held = cordon::results::Staging::new(&target, false).expect("the first staging");
    assert!(lock.exists(), "the lock file is beside the folder");
    for second in [
        cordon::study::run::stage(&target, false),
        cordon::study::run::stage(&target, true),
    ] {
        let err = second.expect_err("a second staging of the same folder");
        assert_eq!(err.exit_code(), 2);
        assert!(matches!(err, cordon::Error::Invalid(_)), "{err:?}");
        assert_eq!(err.to_string(), want);
    }
    // A resumable run (`.out.partial`) is refused too.
    let err = cordon::results::Staging::resumable(&target, false).expect_err("refused");
    assert_eq!(err.to_string(), want);
    drop(held);
    assert!(!lock.exists(), "the lock file is removed when the staging ends");
    let again = cordon::study::run::stage(&target, false).expect("free again");
    again.commit().expect("committed");
    assert!(!lock.exists(), "and when it is committed");
}

/// `cordon run` writing `out` in `dir` for long enough to be caught at it.
fn long_run(dir: &Path, out: &str) -> Child {
    let bin = assert_cmd::cargo::cargo_bin("cordon");
    std::process::Command::new(bin)
        .current_dir(dir)
        .args(["run".as_ref(), data("two_states.toml").as_os_str()])
        .args(["--trials", "2000000", "--variant", "baseline", "--quiet"])
        .args(["--threads", "1", "--out", out])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cordon starts")
}

/// Waits until `child` holds the lock on `dir/out` (its lock file and its
/// staging folder exist).
fn wait_for_lock(dir: &Path, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let staging = std::fs::read_dir(dir)
            .expect("the folder")
            .filter_map(|e| e.ok())
            .any(|e| e.file_name().to_string_lossy().starts_with(".out.partial-"));
        if staging && dir.join(".out.lock").exists() {
            return;
        }
        assert!(Instant::now() < deadline, "no lock after 60 s");
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the run ended before it took the lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A short run into `dir/out`.
fn short_run(dir: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    cordon(dir)
        .args(["run".as_ref(), data("two_states.toml").as_os_str()])
        .args(["--trials", "20", "--variant", "baseline", "--quiet"])
        .args(["--out", "out"])
        .args(extra)
        .assert()
}

#[test]
fn a_second_process_writing_the_same_out_is_refused_at_once() {
    let dir = temp();
    let d = dir.path();
    let mut first = long_run(d, "out");
    wait_for_lock(d, &mut first);
    let started = Instant::now();
    let out = short_run(d, &["--force"]).code(2).get_output().clone();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "refused at once, not after {:?}",
        started.elapsed()
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim_end(),
        format!("error: {}", held_message("out", ".out.lock"))
    );
    assert!(
        first.try_wait().expect("wait").is_none(),
        "the first run goes on"
    );
    first.kill().expect("stopped");
    first.wait().expect("ended");
}

#[test]
fn a_lock_left_by_a_killed_process_does_not_block_the_next_run() {
    let dir = temp();
    let d = dir.path();
    let mut first = long_run(d, "out");
    wait_for_lock(d, &mut first);
    first.kill().expect("SIGKILL");
    first.wait().expect("ended");
    assert!(d.join(".out.lock").exists(), "the killed run left its lock file");
    short_run(d, &[]).success();
    assert!(d.join("out").join("trials.csv").exists());
    assert!(!d.join(".out.lock").exists(), "the next run removed it");
}
