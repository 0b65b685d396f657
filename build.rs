//! Embeds every scenario under `scenarios/` in the binary, and records the
//! commit the binary was built from for `cordon --version`.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let dir = manifest_dir().join("scenarios");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut code = String::from(
        "/// Scenarios under `scenarios/`, embedded at build time: (name, text).\npub static EMBEDDED: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let _ = writeln!(
            code,
            "    ({name:?}, include_str!({:?})),",
            f.display().to_string()
        );
    }
    code.push_str("];\n");
    // Posteriors shipped beside a scenario (`NAME.posterior.csv`), for
    // `cordon run NAME --posterior NAME`.
    let mut posteriors: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.to_string_lossy().ends_with(".posterior.csv"))
                .collect()
        })
        .unwrap_or_default();
    posteriors.sort();
    code.push_str(
        "/// Posteriors under `scenarios/` (`NAME.posterior.csv`): (name, text).\npub static EMBEDDED_POSTERIORS: &[(&str, &str)] = &[\n",
    );
    for f in &posteriors {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f
            .file_name()
            .map(|s| {
                s.to_string_lossy()
                    .trim_end_matches(".posterior.csv")
                    .to_string()
            })
            .unwrap_or_default();
        let _ = writeln!(
            code,
            "    ({name:?}, include_str!({:?})),",
            f.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into()))
        .join("embedded_scenarios.rs");
    if let Err(e) = std::fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }

    let commit = std::env::var("CORDON_COMMIT")
        .ok()
        .or_else(git_commit)
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=CORDON_COMMIT={commit}");
    println!("cargo:rerun-if-env-changed=CORDON_COMMIT");
    for git in [".git/HEAD", ".git/index"] {
        let p = manifest_dir().join(git);
        if p.exists() {
            println!("cargo:rerun-if-changed={}", p.display());
        }
    }
}

/// The package's folder, read when the script runs: `env!` would bake in
/// the folder the script was compiled in, and cargo reuses a compiled build
/// script for a copy of the package elsewhere that shares the target
/// folder (cargo-mutants' copies with `CARGO_TARGET_DIR` set, another
/// worktree), which then embedded no scenario or another tree's.
fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// The short hash of HEAD, with `-dirty` when the tree has changes.
fn git_commit() -> Option<String> {
    let run = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(manifest_dir())
            .output()
            .ok()
            .filter(|o| o.status.success())
    };
    let hash = String::from_utf8(run(&["rev-parse", "--short=12", "HEAD"])?.stdout)
        .ok()?
        .trim()
        .to_string();
    let dirty = run(&["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|o| !o.stdout.is_empty());
    Some(if dirty { format!("{hash}-dirty") } else { hash })
}
