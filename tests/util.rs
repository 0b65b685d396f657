//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The CSV files of a result folder.
pub const TABLES: [&str; 6] = [
    "trials.csv",
    "weekly.csv",
    "summary.csv",
    "states.csv",
    "borders.csv",
    "comparison.csv",
];

/// The project root (where `scenarios/` and `tests/data/` live).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file under `tests/data/`.
pub fn data(name: &str) -> PathBuf {
    root().join("tests").join("data").join(name)
}

/// A file under `scenarios/`.
pub fn scenario(name: &str) -> PathBuf {
    root().join("scenarios").join(name)
}

/// The `cordon` binary, run in `dir`.
pub fn cordon(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("cordon").expect("the cordon binary is built");
    cmd.current_dir(dir);
    cmd
}

/// A fresh temporary folder for one test.
pub fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

/// Reads a file to a string, naming it on failure.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A broken scenario under `tests/data/invalid/`.
pub fn invalid(name: &str) -> PathBuf {
    data("invalid").join(name)
}

/// 1-based line and column (in characters, as `cordon` reports them) of
/// the first occurrence of `needle` in `text`.
pub fn position(text: &str, needle: &str) -> (usize, usize) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` does not occur in the fixture"));
    line_col(text, at)
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

/// Everything a finished command printed.
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cordon ARGS` in `dir` and collects its output.
pub fn output(dir: &Path, args: &[&std::ffi::OsStr]) -> Output {
    let out = cordon(dir).args(args).output().expect("cordon runs");
    Output {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `cordon check FILE ARGS`, asserts exit code 2 (invalid input) and
/// returns what it printed on stderr.
pub fn check_fails(file: &Path, args: &[&str]) -> String {
    let mut all = vec![std::ffi::OsStr::new("check"), file.as_os_str()];
    all.extend(args.iter().map(std::ffi::OsStr::new));
    let out = output(&root(), &all);
    assert_eq!(
        out.code,
        Some(2),
        "`cordon check {} {}` should exit with 2\nstdout:\n{}\nstderr:\n{}",
        file.display(),
        args.join(" "),
        out.stdout,
        out.stderr
    );
    assert!(
        out.stderr.starts_with("error: invalid scenario ("),
        "unexpected error summary for {}:\n{}",
        file.display(),
        out.stderr
    );
    out.stderr
}

/// The names of the entries of a folder, sorted.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| {
            e.expect("a folder entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// Runs `cordon ARGS` in `dir`, asserts success and returns its stdout.
pub fn success_stdout(dir: &Path, args: &[&str]) -> String {
    let out = cordon(dir)
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).expect("UTF-8 output")
}
