//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

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
