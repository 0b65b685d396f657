//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

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
pub fn temp() -> TempDir {
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
pub fn output<S: AsRef<OsStr>>(dir: &Path, args: &[S]) -> Output {
    let out = cordon(dir).args(args).output().expect("cordon runs");
    Output {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `cordon ARGS` in `dir`, arguments given as strings or paths.
pub fn cordon_in(dir: &Path, args: &[&dyn AsRef<OsStr>]) -> Output {
    output(dir, args)
}

/// Runs `cordon check FILE ARGS`, asserts exit code 2 (invalid input) and
/// returns what it printed on stderr.
pub fn check_fails(file: &Path, args: &[&str]) -> String {
    let mut all = vec![OsStr::new("check"), file.as_os_str()];
    all.extend(args.iter().map(OsStr::new));
    let stderr = refused(&root(), &all);
    assert!(
        stderr.starts_with("error: invalid scenario ("),
        "unexpected error summary for {}:\n{}",
        file.display(),
        stderr
    );
    stderr
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
pub fn success_stdout<S: AsRef<OsStr>>(dir: &Path, args: &[S]) -> String {
    let out = cordon(dir)
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).expect("UTF-8 output")
}

/// What a successful command wrote and printed.
pub struct Done {
    /// The output folder given with `--out`.
    pub out: PathBuf,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cordon COMMAND SCENARIO ARGS --out NAME` in `dir` (a study:
/// `run`, `sweep`, `sensitivity`, `calibrate`, `trace`, `optimize`), asserts
/// success and says where it wrote.
pub fn study_in(
    dir: &Path,
    command: &str,
    scenario: impl AsRef<OsStr>,
    name: &str,
    args: &[&str],
) -> Done {
    let out = dir.join(name);
    let o = cordon(dir)
        .arg(command)
        .arg(scenario.as_ref())
        .args(args)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("cordon runs");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    assert!(
        o.status.success(),
        "`cordon {command} {} {} --out {name}` failed with {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        scenario.as_ref().to_string_lossy(),
        args.join(" "),
        o.status,
    );
    Done {
        out,
        stdout,
        stderr,
    }
}

/// `cordon run SCENARIO ARGS --out NAME` in `dir`, which must succeed.
pub fn run_in(dir: &Path, name: &str, scenario: impl AsRef<OsStr>, args: &[&str]) -> Done {
    study_in(dir, "run", scenario, name, args)
}

/// A run in a temporary folder of its own (removed when this is dropped).
pub struct RunDir {
    /// The temporary folder, the working folder of the run.
    pub dir: TempDir,
    /// The result folder, `run` inside `dir`.
    pub out: PathBuf,
    pub stdout: String,
    pub stderr: String,
}

impl RunDir {
    /// The temporary folder the run was started in.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A file of the result folder.
    pub fn join(&self, file: impl AsRef<Path>) -> PathBuf {
        self.out.join(file)
    }
}

/// `cordon run SCENARIO ARGS --out run` in a fresh temporary folder, which
/// must succeed.
pub fn run(scenario: impl AsRef<OsStr>, args: &[&str]) -> RunDir {
    let dir = temp();
    let Done {
        out,
        stdout,
        stderr,
    } = run_in(dir.path(), "run", scenario, args);
    RunDir {
        dir,
        out,
        stdout,
        stderr,
    }
}

/// Runs `cordon ARGS` in `dir` and asserts that it is refused as invalid
/// input: exit code 2, a message starting with `error: ` on stderr, nothing
/// on stdout, no panic, and (unless `dir` is the project root, which other
/// tests share) nothing created or removed in `dir`. Returns the stderr.
pub fn refused<S: AsRef<OsStr>>(dir: &Path, args: &[S]) -> String {
    let shared = dir == root();
    let before = (!shared).then(|| entries(dir));
    let o = output(dir, args);
    let shown: Vec<_> = args
        .iter()
        .map(|a| a.as_ref().to_string_lossy().into_owned())
        .collect();
    let shown = shown.join(" ");
    assert_eq!(
        o.code,
        Some(2),
        "`cordon {shown}` should exit with 2\nstdout:\n{}\nstderr:\n{}",
        o.stdout,
        o.stderr
    );
    assert!(
        o.stderr.starts_with("error: ") && !o.stderr.contains("panicked"),
        "`cordon {shown}`: {}",
        o.stderr
    );
    assert!(o.stdout.is_empty(), "`cordon {shown}`: {}", o.stdout);
    if let Some(before) = before {
        assert_eq!(entries(dir), before, "`cordon {shown}` changed its folder");
    }
    o.stderr
}

/// `text` with the paths of this machine made stable for a snapshot: the
/// project root (`ROOT/`) dropped, so that fixture paths read as relative
/// ones, and each of `temps` replaced by `[TMP]`.
pub fn stable(text: &str, temps: &[&Path]) -> String {
    let mut text = text.to_string();
    for t in temps {
        text = text.replace(&t.display().to_string(), "[TMP]");
    }
    let root = root().display().to_string();
    text.replace(&format!("{root}/"), "")
        .replace(&root, "[ROOT]")
}

/// The rows of a CSV file, each keyed by column name.
pub fn csv_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).expect("a readable CSV");
    let header: Vec<String> = r
        .headers()
        .expect("a header")
        .iter()
        .map(String::from)
        .collect();
    r.records()
        .map(|rec| {
            let rec = rec.expect("a record");
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}
