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
        cordon::study::stage(&target, false),
        cordon::study::stage(&target, true),
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
    assert!(
        !lock.exists(),
        "the lock file is removed when the staging ends"
    );
    let again = cordon::study::stage(&target, false).expect("free again");
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
    assert!(
        d.join(".out.lock").exists(),
        "the killed run left its lock file"
    );
    short_run(d, &[]).success();
    assert!(d.join("out").join("trials.csv").exists());
    assert!(!d.join(".out.lock").exists(), "the next run removed it");
}

// ------------------------------------------- one share of an allocation

/// The allocation of member `MEM` in a scenario.
fn allocation_of(s: &cordon::scenario::Scenario) -> [f64; 3] {
    let state = s.states.iter().find(|s| s.id == "MEM").expect("MEM");
    match &state.posture {
        cordon::scenario::Posture::Member { allocation, .. } => {
            [allocation.border, allocation.intel, allocation.readiness]
        }
        cordon::scenario::Posture::Fixed { .. } => panic!("MEM is a member"),
    }
}

const SHARE: &str = "states.MEM.allocation.border";

#[test]
fn set_of_one_share_is_the_one_point_vary_of_that_share() {
    use cordon::engine::points::{BaseText, overrides};
    let file = data("two_states.toml");
    let text = std::fs::read_to_string(&file).expect("the fixture");
    let name = file.display().to_string();
    let set = cordon::scenario::load_file(&file, &[format!("{SHARE}=0.2")])
        .unwrap_or_else(|e| panic!("{e}"));
    // The written allocation is 0.6 / 0.3 / 0.1: intel and readiness keep
    // their 3 : 1 proportion in the remaining 0.8.
    let by_set = allocation_of(&set.base);
    assert_eq!(by_set[0], 0.2);
    assert!((by_set[1] - 0.6).abs() < 1e-12 && (by_set[2] - 0.2).abs() < 1e-12);
    // The sweep's point for the same share at the same value.
    let base = BaseText {
        name: name.clone(),
        stem: "two_states".into(),
        text: text.clone(),
        sets: vec![],
        parsed: Default::default(),
    };
    let swept = base
        .load(&[format!("{SHARE}=0.2:0.8:2")], 1)
        .expect("the sweep");
    let params = swept.sweep.expect("a sweep").vary;
    let point = base.at(&params, &[0.2]).expect("the point");
    assert_eq!(allocation_of(&point.base), by_set);
    assert_eq!(point.base, set.base, "the same scenario");
    // A variant's `set` with the same path means the same.
    let with_variant =
        format!("{text}\n[[variants]]\nname = \"share\"\nset = {{ \"{SHARE}\" = 0.2 }}\n");
    let loaded = cordon::scenario::load_str(&name, "two_states", &with_variant, &[])
        .unwrap_or_else(|e| panic!("{e}"));
    let variant = loaded
        .variants
        .iter()
        .find(|v| v.name == "share")
        .expect("it");
    assert_eq!(allocation_of(&variant.scenario), by_set);

    // The same trials: `--set` of the share and the sweep point's override.
    let dir = temp();
    let d = dir.path();
    let point_set = overrides(&params, &[0.2]).remove(0);
    for (out, set) in [("by_set", format!("{SHARE}=0.2")), ("by_vary", point_set)] {
        cordon(d)
            .args(["run".as_ref(), file.as_os_str()])
            .args(["--trials", "40", "--variant", "baseline", "--quiet"])
            .args(["--set", &set, "--out", out])
            .assert()
            .success();
    }
    let trials = |out: &str| std::fs::read(d.join(out).join("trials.csv")).expect("trials.csv");
    assert_eq!(trials("by_set"), trials("by_vary"));
}

#[test]
fn a_bad_share_in_set_is_a_clear_error() {
    let file = data("two_states.toml");
    for (set, want) in [
        (
            format!("{SHARE}=1.2"),
            format!("--set {SHARE}=1.2: {SHARE}: expected a number in [0, 1], found 1.2"),
        ),
        (
            format!("{SHARE}=\"x\""),
            format!("--set {SHARE}=\"x\": {SHARE}: expected a number in [0, 1], found a string \"x\""),
        ),
        (
            "states.MEM.allocation.bordr=0.2".to_string(),
            "--set states.MEM.allocation.bordr=0.2: states.MEM.allocation.bordr: unknown share `bordr` of an allocation; expected one of: border, intel, readiness (or set `states.MEM.allocation` = { ... } whole) (did you mean `states.MEM.allocation.border`?)".to_string(),
        ),
    ] {
        let out = cordon(&crate::util::root())
            .args(["check".as_ref(), file.as_os_str()])
            .args(["--set", &set])
            .assert()
            .code(2)
            .get_output()
            .clone();
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("error: invalid scenario (1 problem):\n{want}\n"),
            "{set}"
        );
    }
}
