//! Snapshots of what `cordon` prints and writes, so that a changed help
//! text, message, table or CSV header shows up as a failing test with a
//! diff. The snapshots live in `tests/snapshots/`; to accept a deliberate
//! change, run the tests with `INSTA_UPDATE=always`, read the changed
//! `.snap` files and commit them. Paths are made stable first (see
//! [`stable`]): fixture paths are relative to the project root and
//! temporary folders read `[TMP]`.

use std::path::Path;

use insta::assert_snapshot;

use crate::util::{data, output, root, run, stable, study_in, temp};

/// Runs `cordon ARGS` in the project root with a fixed terminal width
/// (clap wraps help to `COLUMNS` when no terminal is attached, at most 100).
fn help(args: &[&str]) -> String {
    let out = crate::util::cordon(&root())
        .args(args)
        .env("COLUMNS", "100")
        .env_remove("LINES")
        .output()
        .expect("cordon runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cordon {args:?}: {stderr}");
    assert!(stderr.is_empty(), "cordon {args:?}: {stderr}");
    String::from_utf8(out.stdout).expect("UTF-8 help")
}

/// The subcommands a help text lists under `Commands:`.
fn commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.strip_prefix("  "))
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[test]
fn help_of_every_command() {
    let top = help(&["--help"]);
    assert_snapshot!("help", top);
    let listed = commands(&top);
    assert!(listed.len() >= 10, "{listed:?}");
    // `help` is clap's own: `cordon help CMD` prints `cordon CMD --help`.
    for cmd in listed.iter().filter(|c| *c != "help") {
        let text = help(&[cmd, "--help"]);
        assert_snapshot!(format!("help_{cmd}"), text);
        // Commands of commands (`cordon scenarios show`).
        for sub in commands(&text).iter().filter(|c| *c != "help") {
            let text = help(&[cmd, sub, "--help"]);
            assert_snapshot!(format!("help_{cmd}_{sub}"), text);
        }
    }
}

#[test]
fn check_of_every_builtin_scenario() {
    let names: Vec<&str> = cordon::scenario::builtin::all().map(|b| b.name).collect();
    assert!(!names.is_empty());
    for name in names {
        let o = output(&root(), &["check", name]);
        assert_eq!(o.code, Some(0), "{name}: {}", o.stderr);
        assert!(o.stderr.is_empty(), "{name}: {}", o.stderr);
        assert_snapshot!(format!("check_{name}"), stable(&o.stdout, &[]));
    }
}

/// Every fixture under `tests/data/invalid/`: the whole of what `cordon
/// check` prints, the position of each problem included. (Which fixture
/// breaks which rule at which place is checked in `validation`.)
#[test]
fn check_of_every_invalid_fixture() {
    let mut files: Vec<String> = std::fs::read_dir(root().join("tests/data/invalid"))
        .expect("tests/data/invalid")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|f| f.ends_with(".toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 150, "{} fixtures", files.len());
    // Checked four at a time: one process each.
    let outputs: Vec<crate::util::Output> = std::thread::scope(|s| {
        let chunks: Vec<_> = files
            .chunks(files.len().div_ceil(4))
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|f| {
                            let path = format!("tests/data/invalid/{f}");
                            output(&root(), &["check", &path])
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        chunks
            .into_iter()
            .flat_map(|h| h.join().expect("a checking thread"))
            .collect()
    });
    for (file, o) in files.iter().zip(outputs) {
        assert_eq!(o.code, Some(2), "{file}: {}", o.stderr);
        assert!(o.stdout.is_empty(), "{file}: {}", o.stdout);
        let stem = file.trim_end_matches(".toml");
        assert_snapshot!(format!("invalid_{stem}"), stable(&o.stderr, &[]));
    }
}

/// The header and first three data rows of every CSV file of `folder`
/// (and of its subfolders), one snapshot each, named `PREFIX_FILE`.
fn csv_heads(folder: &Path, prefix: &str) {
    let mut files = Vec::new();
    let mut stack = vec![folder.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("a result folder") {
            let path = e.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "csv") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(!files.is_empty(), "no CSV in {}", folder.display());
    for file in files {
        let rel = file
            .strip_prefix(folder)
            .expect("inside the folder")
            .to_string_lossy()
            .replace(['/', '\\'], "_");
        let text = crate::util::read(&file);
        let head: Vec<&str> = text.lines().take(4).collect();
        assert_snapshot!(
            format!("{prefix}_{}", rel.trim_end_matches(".csv")),
            head.join("\n")
        );
    }
}

/// A small fixed run: its summary table on stdout and the head of each CSV.
#[test]
fn a_small_run_prints_its_table_and_writes_its_csv() {
    let done = run(
        data("two_states.toml"),
        &["--trials", "20", "--seed", "1", "--threads", "2"],
    );
    // Without a terminal there is no progress bar: one line on stderr.
    assert_snapshot!("run_stderr", stable(&done.stderr, &[done.path()]));
    assert_snapshot!("run_table", stable(&done.stdout, &[done.path()]));
    csv_heads(&done.out, "run_csv");
}

#[test]
fn a_small_sweep_and_sensitivity_write_their_csv() {
    let dir = temp();
    let sweep = study_in(
        dir.path(),
        "sweep",
        data("one_border.toml"),
        "sweep",
        &[
            "--vary",
            "states.MEM.budget=1:5:3",
            "--trials",
            "20",
            "--quiet",
        ],
    );
    csv_heads(&sweep.out, "sweep_csv");
    let sensitivity = study_in(
        dir.path(),
        "sensitivity",
        data("one_border.toml"),
        "sensitivity",
        &[
            "--metric",
            "attacks",
            "--samples",
            "4",
            "--trials",
            "20",
            "--bootstrap",
            "20",
            "--quiet",
        ],
    );
    csv_heads(&sensitivity.out, "sensitivity_csv");
}
