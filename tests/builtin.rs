//! Zero set-up: built-in scenarios, starter files, completions, man page.

use std::ffi::OsStr;

use insta::assert_snapshot;

use crate::util::{cordon, read, refused, root, run_in, stable, success_stdout, temp};

/// Every `scenarios/*.toml` file, as (stem, text).
fn shipped() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                read(&p),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn embedded_copies_equal_the_files_in_scenarios() {
    let files = shipped();
    let embedded: Vec<(String, String)> = cordon::scenario::builtin::all()
        .map(|b| (b.name.to_string(), b.text.to_string()))
        .collect();
    assert_eq!(
        files.len(),
        embedded.len(),
        "a scenario was added or removed without rebuilding"
    );
    for ((fname, ftext), (ename, etext)) in files.iter().zip(&embedded) {
        assert_eq!(fname, ename);
        assert!(
            ftext == etext,
            "the embedded copy of {fname} differs from scenarios/{fname}.toml: rebuild"
        );
    }
    assert!(cordon::scenario::builtin::find(cordon::scenario::builtin::DEFAULT).is_some());
    assert!(cordon::scenario::builtin::find(cordon::scenario::builtin::STARTER).is_some());
}

#[test]
fn every_builtin_scenario_passes_check() {
    let dir = temp();
    for b in cordon::scenario::builtin::all() {
        cordon(dir.path())
            .args(["check", b.name])
            .assert()
            .success();
    }
}

#[test]
fn scenarios_lists_and_shows_the_builtins() {
    let dir = temp();
    let out = success_stdout(dir.path(), &["scenarios"]);
    for b in cordon::scenario::builtin::all() {
        assert!(out.contains(b.name), "{out}");
        let d = cordon::scenario::builtin::description(b);
        assert!(!d.is_empty(), "{} has no one-line description", b.name);
        assert!(out.contains(&d[..d.len().min(30)]), "{out}");
    }
    let shown = success_stdout(dir.path(), &["scenarios", "show", "minimal"]);
    assert_eq!(
        shown,
        cordon::scenario::builtin::find("minimal").unwrap().text
    );
    let e = refused(
        dir.path(),
        &[
            OsStr::new("scenarios"),
            OsStr::new("show"),
            OsStr::new("minimall"),
        ],
    );
    assert_snapshot!("scenarios_show_misspelt", stable(&e, &[dir.path()]));
}

#[test]
fn new_writes_a_starter_that_checks_and_never_overwrites() {
    let dir = temp();
    cordon(dir.path())
        .args(["new", "mine.toml"])
        .assert()
        .success();
    let written = read(&dir.path().join("mine.toml"));
    assert_eq!(
        written,
        cordon::scenario::builtin::find("minimal").unwrap().text
    );
    cordon(dir.path())
        .args(["check", "mine.toml"])
        .assert()
        .success();
    std::fs::write(dir.path().join("keep.toml"), "precious").unwrap();
    let e = refused(dir.path(), &[OsStr::new("new"), OsStr::new("keep.toml")]);
    assert_snapshot!("new_over_an_existing_file", stable(&e, &[dir.path()]));
    assert_eq!(read(&dir.path().join("keep.toml")), "precious");
    cordon(dir.path())
        .args(["new", "frontier.toml", "--from", "csto-southern-frontier"])
        .assert()
        .success();
    cordon(dir.path())
        .args(["check", "frontier.toml"])
        .assert()
        .success();
    refused(
        dir.path(),
        &[
            OsStr::new("new"),
            OsStr::new("x.toml"),
            OsStr::new("--from"),
            OsStr::new("nope"),
        ],
    );
    assert!(!dir.path().join("x.toml").exists());
}

#[test]
fn run_without_a_scenario_runs_the_default_and_says_so() {
    let dir = temp();
    cordon(dir.path())
        .args(["run", "--trials", "20", "--variant", "balanced"])
        .assert()
        .success()
        .stderr(predicates::str::contains("csto-southern-frontier"));
    let runs: Vec<_> = std::fs::read_dir(dir.path().join("output").join("csto-southern-frontier"))
        .expect("a default output folder")
        .collect();
    assert_eq!(runs.len(), 1);
    let run = runs[0].as_ref().unwrap().path();
    assert!(run.join("summary.csv").exists() && run.join("manifest.json").exists());
    assert!(read(&run.join("manifest.json")).contains("builtin:csto-southern-frontier"));
}

#[test]
fn a_name_that_is_not_a_file_runs_the_builtin_or_gets_the_list() {
    let dir = temp();
    run_in(dir.path(), "r", "minimal", &["--trials", "10", "--quiet"]);
    assert!(dir.path().join("r").join("trials.csv").exists());
    let e = refused(
        dir.path(),
        &[
            OsStr::new("run"),
            OsStr::new("csto-southern-fronteir"),
            OsStr::new("--trials"),
            OsStr::new("10"),
        ],
    );
    assert_snapshot!("run_a_misspelt_builtin", stable(&e, &[dir.path()]));
}

#[test]
fn completions_man_page_and_version_come_from_the_same_definitions() {
    let dir = temp();
    for shell in ["bash", "zsh", "fish"] {
        let out = success_stdout(dir.path(), &["completions", shell]);
        assert!(
            out.contains("cordon") && out.contains("scenarios") && out.contains("trials"),
            "{shell}"
        );
    }
    let man = success_stdout(dir.path(), &["man"]);
    assert!(man.contains(".TH") && man.contains("cordon"));
    let v = success_stdout(dir.path(), &["--version"]);
    assert!(
        v.starts_with(&format!("cordon {}", env!("CARGO_PKG_VERSION"))) && v.contains("commit "),
        "{v}"
    );
}
