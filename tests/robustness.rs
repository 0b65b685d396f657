//! Bad input and faults: every bad input is explained with exit code 2 and
//! leaves no output folder; signals, unwritable folders and full disks end
//! a run cleanly; every input the fuzzers found is replayed.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::fuzz_common;
use insta::assert_snapshot;

use crate::util::{cordon_in, data, entries, invalid, read, refused, root, stable, temp};

/// One argument, a string or a path.
type Arg<'a> = &'a dyn AsRef<OsStr>;

/// Asserts that the message `e` of a refused command holds every one of
/// `has` (for messages that depend on the machine or echo huge arguments,
/// which are not snapshotted).
fn says_all(e: &str, what: &str, has: &[&str]) {
    for h in has {
        assert!(e.contains(h), "{what}: no `{h}` in\n{e}");
    }
}

/// `cordon run two_states.toml --out out ARGS` in a fresh folder, which
/// must be refused (see `util::refused`); its message, paths made stable.
fn run_refused(extra: &[&str]) -> String {
    let dir = temp();
    let example = data("two_states.toml");
    let mut args = vec![
        OsStr::new("run"),
        example.as_os_str(),
        OsStr::new("--out"),
        OsStr::new("out"),
    ];
    args.extend(extra.iter().map(OsStr::new));
    stable(&refused(dir.path(), &args), &[dir.path()])
}

// ------------------------------------------------------------ bad inputs

#[test]
fn every_invalid_fixture_is_refused_by_run_without_an_output_folder() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data("invalid"))
        .expect("tests/data/invalid")
        .map(|e| e.expect("an entry").path())
        .collect();
    files.sort();
    assert!(files.len() >= 150, "{} fixtures", files.len());
    let dir = temp();
    for file in &files {
        let e = refused(dir.path(), &[&"run" as Arg, file, &"--out", &"out"]);
        // The messages themselves: `snapshots::check_of_every_invalid_fixture`.
        assert!(
            e.starts_with("error: invalid scenario"),
            "{}: {e}",
            file.display()
        );
    }
}

#[test]
fn huge_values_are_refused_with_the_engine_limits() {
    let cases: [(&str, &[&str]); 8] = [
        ("weeks = 10^12", &["--set", "scenario.weeks=1000000000000"]),
        ("trials = 10^15", &["--trials", "1000000000000000"]),
        ("budget = 1e308", &["--set", "states.MEM.budget=1e308"]),
        ("a budget past f64", &["--set", "states.MEM.budget=1e309"]),
        (
            "seed = 2^64",
            &["--set", "scenario.seed=18446744073709551616"],
        ),
        (
            "new cells per week",
            &["--set", "regions.SRC_N.new_cells=1e6"],
        ),
        ("mean cell size", &["--set", "model.cell_size_mean=1e12"]),
        (
            "severity cap",
            &["--set", "model.severity_cap=1000000000000"],
        ),
    ];
    for (what, args) in cases {
        assert_snapshot!(format!("run_huge_{}", slug(what)), run_refused(args));
    }
}

#[test]
fn nan_and_infinity_in_set_values_are_refused() {
    for value in ["nan", "+nan", "-nan", "inf", "+inf", "-inf"] {
        let arg = format!("alliance.intel_sharing={value}");
        let name = value.replace('+', "plus_").replace('-', "minus_");
        assert_snapshot!(format!("run_set_{name}"), run_refused(&["--set", &arg]));
    }
    // `model.readiness_half_life = inf` is valid: no decay.
    let dir = temp();
    let o = cordon_in(
        dir.path(),
        &[
            &"check",
            &data("two_states.toml"),
            &"--set",
            &"model.readiness_half_life=inf",
            &"--set",
            &"states.MEM.initial={ readiness = 0.5 }",
        ],
    );
    assert_eq!(o.code, Some(0), "{}", o.stderr);
}

#[test]
fn malformed_set_arguments_are_explained() {
    let long_value = format!("alliance.intel_sharing={}", "9".repeat(100_000));
    let cases: Vec<(&str, String, &str)> = vec![
        ("empty", String::new(), "expected PATH=VALUE"),
        ("only =", "=".into(), "expected a dotted path"),
        ("blank path", "  =1".into(), "expected a dotted path"),
        (
            "leading dot",
            ".alliance.intel_sharing=1".into(),
            "dotted path",
        ),
        ("trailing dot", "alliance.=1".into(), "dotted path"),
        (
            "two =",
            "alliance.intel_sharing=0.1=0.2".into(),
            "not valid TOML",
        ),
        (
            "open array",
            "alliance.intel_sharing=[1,".into(),
            "not valid TOML",
        ),
        (
            "open string",
            "alliance.pool_recipient=\"MEM".into(),
            "not valid TOML",
        ),
        (
            "bare word",
            "alliance.pool_recipient=MEM".into(),
            "strings need quotes",
        ),
        ("a section", "alliance=1".into(), "alliance"),
        ("unknown section", "nowhere.x=1".into(), "unknown path"),
        (
            "control characters",
            "alliance.\u{1}\u{7f}=1".into(),
            "unknown path",
        ),
        (
            "newline in value",
            "alliance.intel_sharing=0.1\n0.2".into(),
            "not valid TOML",
        ),
        ("a huge number", long_value, "alliance.intel_sharing"),
    ];
    for (what, arg, has) in &cases {
        let e = run_refused(&["--set", arg]);
        if ["a huge number", "control characters"].contains(what) {
            // Not snapshotted: 100,000 digits, and control characters.
            says_all(&e, what, &[has]);
        } else {
            assert_snapshot!(format!("run_malformed_set_{}", slug(what)), e);
        }
    }
}

#[test]
fn very_deep_and_very_long_paths_are_refused() {
    let deep = format!("{}=1", vec!["a"; 20_000].join("."));
    // One argument may hold at most 128 KiB (Linux's MAX_ARG_STRLEN).
    let deep_valid_start = format!("states.MEM.{}=1", vec!["budget"; 15_000].join("."));
    let long = format!("alliance.{}=1", "x".repeat(120_000));
    let nested_value = format!(
        "alliance.intel_sharing={}1{}",
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    let nested_table = format!(
        "states.MEM.allocation={}",
        "{ a = ".repeat(5_000) + "1" + &" }".repeat(5_000)
    );
    for (what, arg) in [
        ("20,000 segments", &deep),
        ("15,000 segments after a valid start", &deep_valid_start),
        ("a 120,000-character key", &long),
        ("20,000 nested arrays", &nested_value),
        ("5,000 nested tables", &nested_table),
    ] {
        // Not snapshotted: the messages echo arguments of up to 128 KiB.
        says_all(&run_refused(&["--set", arg]), what, &["--set"]);
    }
}

#[test]
fn a_deeply_nested_variant_set_is_refused() {
    let dir = temp();
    let text = read(&data("two_states.toml"));
    let deep = format!(
        "{text}\n[[variants]]\nname = \"deep\"\nset = {}1{}\n",
        "{ a = ".repeat(5_000),
        " }".repeat(5_000)
    );
    let long = format!(
        "{text}\n[[variants]]\nname = \"long\"\nset = {{ \"{}\" = 1 }}\n",
        vec!["states"; 20_000].join(".")
    );
    for (name, body) in [("deep.toml", deep), ("long.toml", long)] {
        let file = dir.path().join(name);
        std::fs::write(&file, body).expect("write");
        let e = refused(dir.path(), &[&"run" as Arg, &file, &"--out", &"out"]);
        // Not snapshotted: the messages echo paths of 5,000 keys.
        says_all(&e, name, &["invalid scenario"]);
        assert!(!dir.path().join("out").exists(), "{name}");
    }
}

#[test]
fn unknown_variant_names_are_refused_with_the_list() {
    for (variant, name) in [
        ("nope", "unknown"),
        ("intel_hevy", "misspelt"),
        ("", "empty"),
        ("Intel_Heavy", "capitalised"),
    ] {
        let e = run_refused(&["--variant", variant]);
        assert_snapshot!(format!("run_variant_{name}"), e);
    }
}

/// A copy of the example with `n` variants more.
fn with_variants(dir: &Path, n: usize, sets: &str) -> PathBuf {
    let mut text = read(&data("two_states.toml"));
    for k in 0..n {
        text.push_str(&format!(
            "\n[[variants]]\nname = \"v{k}\"\nset = {{ {sets} }}\n"
        ));
    }
    let file = dir.join("many.toml");
    std::fs::write(&file, text).expect("write");
    file
}

#[test]
fn a_run_larger_than_the_disk_is_refused_with_the_numbers() {
    let scratch = temp();
    // 10^9 trials × 22 variants × ~70 bytes: over a terabyte of trials.csv.
    let file = with_variants(scratch.path(), 20, "\"alliance.intel_sharing\" = 0.5");
    let dir = temp();
    let e = refused(
        dir.path(),
        &[
            &"run" as Arg,
            &file,
            &"--trials",
            &"1000000000",
            &"--out",
            &"out",
        ],
    );
    // Not snapshotted: the free space is this machine's.
    says_all(
        &e,
        "10^9 trials",
        &[
            "of disk in out",
            "1000000000 trials × 22 variant(s)",
            "TB",
            "is free",
            "--shard",
        ],
    );
}

#[test]
fn a_run_larger_than_memory_is_refused_with_the_numbers() {
    let scratch = temp();
    // 5,200 weeks × 52 variants, one copy of the statistics per thread.
    let file = with_variants(scratch.path(), 50, "\"alliance.intel_sharing\" = 0.5");
    let dir = temp();
    let e = refused(
        dir.path(),
        &[
            &"run" as Arg,
            &file,
            &"--set",
            &"scenario.weeks=5200",
            &"--trials",
            &"1",
            &"--threads",
            &"255",
            &"--out",
            &"out",
        ],
    );
    // Not snapshotted: the available memory is this machine's.
    says_all(
        &e,
        "5200 weeks × 52 variants × 255 threads",
        &[
            "of memory",
            "52 variant(s) × 5200 weeks",
            "255 thread(s)",
            "is available",
        ],
    );
}

#[test]
fn check_shows_what_a_run_would_need() {
    let dir = temp();
    let o = cordon_in(dir.path(), &[&"check", &data("two_states.toml")]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let line = o
        .stdout
        .lines()
        .find(|l| l.starts_with("needs"))
        .unwrap_or("");
    assert!(
        line.contains("kB of disk and") && line.contains("MB of memory"),
        "{}",
        o.stdout
    );
}

// ---------------------------------------------------------------- faults

/// Starts `cordon run` of the example with many trials into `out` (with
/// `--force`), and waits until its temporary folder holds trial rows.
fn start_long_run(dir: &Path) -> Child {
    let bin = assert_cmd::cargo::cargo_bin("cordon");
    let mut child = Command::new(bin)
        .current_dir(dir)
        .args(["run"])
        .arg(data("two_states.toml"))
        .args([
            "--trials",
            "5000000",
            "--threads",
            "1",
            "--quiet",
            "--force",
        ])
        .args(["--out", "out"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("cordon starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let written = temporary_folders(dir)
            .iter()
            .any(|t| std::fs::metadata(t.join("trials.csv")).is_ok_and(|m| m.len() > 10_000));
        if written {
            return child;
        }
        assert!(Instant::now() < deadline, "no trial rows after 60 s");
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the run ended before it could be stopped"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The run's temporary folders in `dir`.
fn temporary_folders(dir: &Path) -> Vec<PathBuf> {
    entries(dir)
        .into_iter()
        .filter(|n| n.starts_with(".out.partial-"))
        .map(|n| dir.join(n))
        .collect()
}

#[test]
fn a_signal_stops_a_run_within_a_second_and_keeps_earlier_results() {
    for signal in ["-TERM", "-INT"] {
        let dir = temp();
        let d = dir.path();
        crate::util::run_in(
            d,
            "out",
            data("two_states.toml"),
            &["--trials", "20", "--quiet"],
        );
        let before = crate::util::entries(&d.join("out"));
        let before_bytes = read(&d.join("out").join("trials.csv"));
        let child = start_long_run(d);
        let sent = Instant::now();
        let pid = child.id().to_string();
        Command::new("kill")
            .args([signal, &pid])
            .status()
            .expect("kill");
        let out = child.wait_with_output().expect("wait");
        let took = sent.elapsed();
        assert!(took < Duration::from_secs(1), "{signal}: took {took:?}");
        assert_eq!(out.status.code(), Some(130), "{signal}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("interrupted") && stderr.contains("earlier results are untouched"),
            "{signal}: {stderr}"
        );
        assert!(
            temporary_folders(d).is_empty(),
            "{signal}: {:?}",
            entries(d)
        );
        assert_eq!(entries(d), ["out"], "{signal}");
        assert_eq!(crate::util::entries(&d.join("out")), before, "{signal}");
        assert_eq!(read(&d.join("out").join("trials.csv")), before_bytes);
    }
}

#[test]
fn an_output_folder_under_a_file_is_an_error_naming_the_path() {
    let dir = temp();
    std::fs::write(dir.path().join("file"), "keep").expect("write");
    for out in ["file/out", "file/a/b/out"] {
        let o = cordon_in(
            dir.path(),
            &[
                &"run",
                &data("two_states.toml"),
                &"--trials",
                &"3",
                &"--out",
                &out,
            ],
        );
        assert_eq!(o.code, Some(1), "{out}: {}", o.stderr);
        assert!(
            o.stderr.contains("cannot create folder file"),
            "{}",
            o.stderr
        );
        assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
        assert_eq!(entries(dir.path()), ["file"]);
        assert_eq!(read(&dir.path().join("file")), "keep");
    }
}

#[test]
fn a_read_only_output_folder_is_an_error_naming_the_path() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).expect("mkdir");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    // Root ignores permissions; then there is nothing to test here (the
    // folder-under-a-file test above covers the message).
    if std::fs::write(locked.join("probe"), "").is_ok() {
        eprintln!("skipped: this user can write into a read-only folder (root)");
        return;
    }
    let o = cordon_in(
        dir.path(),
        &[
            &"run",
            &data("two_states.toml"),
            &"--trials",
            &"3",
            &"--out",
            &"locked/out",
        ],
    );
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    assert!(o.stderr.contains("locked"), "{}", o.stderr);
    assert!(std::fs::read_dir(&locked).expect("read").next().is_none());
}

/// Runs `script` (with `$0` = the cordon binary, `$1` = `dir`) in a private
/// mount namespace where `dir` is a tmpfs of `size`; `None` where that
/// cannot be done (not root, no `unshare`).
fn on_tiny_disk(dir: &Path, size: &str, script: &str) -> Option<std::process::Output> {
    let probe = Command::new("unshare")
        .args(["-m", "sh", "-c", "mount -t tmpfs -o size=4k tmpfs \"$0\""])
        .arg(dir)
        .output()
        .ok()?;
    if !probe.status.success() {
        return None;
    }
    let bin = assert_cmd::cargo::cargo_bin("cordon");
    let full = format!("mount -t tmpfs -o size={size} tmpfs \"$1\" && cd \"$1\" && {script}");
    Command::new("unshare")
        .args(["-m", "sh", "-c", &full])
        .arg(bin)
        .arg(dir)
        .output()
        .ok()
}

#[test]
fn a_full_disk_is_an_error_naming_the_file_and_leaves_nothing() {
    let dir = temp();
    let example = data("two_states.toml");
    // 40,000 rows of about 80 bytes: 3.2 MB of trials.csv on a 3 MB disk,
    // which the estimate (at 65 bytes a row) lets start.
    let script = format!(
        "\"$0\" run '{}' --variant baseline --trials 40000 --quiet --out out; code=$?; echo \"left: $(ls -A)\"; exit $code",
        example.display()
    );
    let Some(o) = on_tiny_disk(dir.path(), "3m", &script) else {
        eprintln!("skipped: cannot mount a small file system here (needs root and unshare)");
        return;
    };
    let stderr = String::from_utf8_lossy(&o.stderr);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(stderr.contains("trials.csv"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        stdout.trim(),
        "left:",
        "the temporary folder was left behind"
    );
}

#[test]
fn a_run_larger_than_a_small_disk_is_refused_before_it_starts() {
    let dir = temp();
    let example = data("two_states.toml");
    let script = format!(
        "\"$0\" run '{}' --trials 100000 --quiet --out out; code=$?; echo \"left: $(ls -A)\"; exit $code",
        example.display()
    );
    let Some(o) = on_tiny_disk(dir.path(), "1m", &script) else {
        eprintln!("skipped: cannot mount a small file system here (needs root and unshare)");
        return;
    };
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("of disk in out"), "{stderr}");
    assert!(stderr.contains("100000 trials × 2 variant(s)"), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "left:");
}

// ------------------------------------------------------ fuzz regressions

/// What a fuzz target does with one input.
type Target = fn(&[u8]);

/// Every saved input of each fuzz target, replayed as the target does.
#[test]
fn every_input_the_fuzzers_saved_is_handled() {
    let targets: [(&str, Target); 3] = [
        ("scenario", fuzz_common::scenario),
        ("overrides", fuzz_common::overrides),
        ("variant_set", fuzz_common::variant_set),
    ];
    let mut replayed = 0;
    for (target, check) in targets {
        for folder in [
            root().join("fuzz").join("seeds").join(target),
            data("fuzz").join(target),
        ] {
            let Ok(dir) = std::fs::read_dir(&folder) else {
                continue;
            };
            for entry in dir {
                let path = entry.expect("an entry").path();
                let bytes = std::fs::read(&path).expect("read");
                let outcome = std::panic::catch_unwind(|| check(&bytes));
                assert!(outcome.is_ok(), "{target}: {} panicked", path.display());
                replayed += 1;
            }
        }
    }
    // The scenario target's seeds are the shipped scenarios and fixtures.
    let mut seeds: Vec<PathBuf> = vec![data("two_states.toml"), data("all_features.toml")];
    seeds.extend(
        std::fs::read_dir(root().join("scenarios"))
            .expect("scenarios/")
            .map(|e| e.expect("an entry").path()),
    );
    seeds.extend(
        std::fs::read_dir(invalid(""))
            .expect("invalid/")
            .map(|e| e.expect("an entry").path()),
    );
    for path in seeds {
        fuzz_common::scenario(&std::fs::read(&path).expect("read"));
        replayed += 1;
    }
    assert!(replayed > 150, "{replayed}");
}

/// `what` as a snapshot name: lower case letters, digits and `_`.
fn slug(what: &str) -> String {
    let mut out = String::new();
    for c in what.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}
