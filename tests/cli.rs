//! Command-line behaviour: exit codes, help, output folders.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// One argument, a string or a path.
type Arg<'a> = &'a dyn AsRef<OsStr>;

use insta::assert_snapshot;

use crate::util::{
    cordon_in, data, entries, invalid, output, read, refused, root, run_in, stable, temp,
};

fn example() -> PathBuf {
    data("two_states.toml")
}

/// Every file of a folder with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    entries(dir)
        .into_iter()
        .filter(|name| dir.join(name).is_file())
        .map(|name| {
            let bytes = std::fs::read(dir.join(&name)).expect("a result file");
            (name, bytes)
        })
        .collect()
}

/// The rows of a CSV file (header first), refusing ragged rows.
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_path(path)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    reader
        .records()
        .map(|r| {
            r.unwrap_or_else(|e| panic!("{}: {e}", path.display()))
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

fn header(path: &Path) -> String {
    read(path).lines().next().unwrap_or_default().to_string()
}

const TRIALS_HEADER: &str = "variant,trial,new_cells,attempts,detections,border_interdictions,entries,indirect_entries,newly_established,interior_interdictions,attacks,severity,abandoned,dissolved,alive_end,cells_in_alliance_end,established_end,readiness_mean,intel_effect_mean,first_attack_week,spend,alive_start";
const WEEKLY_HEADER: &str = "variant,week,metric,n,mean,sd,ci95_lo,ci95_hi,p05,p25,p50,p75,p95";
const SUMMARY_HEADER: &str = "variant,metric,n,mean,sd,se,ci95_lo,ci95_hi,p05,p50,p95";
const STATES_HEADER: &str = "variant,state,metric,mean,se,ci95_lo,ci95_hi";
const BORDERS_HEADER: &str = "variant,border,direction,metric,mean,se,ci95_lo,ci95_hi";
const COMPARISON_HEADER: &str = "variant,metric,n,baseline_mean,variant_mean,diff_mean,diff_se,diff_ci95_lo,diff_ci95_hi,relative_change,p_better,p_tie,spend_diff,averted_per_1000,averted_per_1000_ci95_lo,averted_per_1000_ci95_hi";

// --------------------------------------------------------------------- help

#[test]
fn help_shows_examples() {
    let dir = root();
    for args in [
        vec!["--help"],
        vec!["run", "--help"],
        vec!["check", "--help"],
    ] {
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        let o = output(&dir, &args);
        assert_eq!(o.code, Some(0), "{args:?}: {}", o.stderr);
        assert!(o.stdout.contains("Example"), "{args:?}:\n{}", o.stdout);
    }
}

#[test]
fn help_examples_name_scenario_files_that_exist() {
    let dir = root();
    for args in [
        vec!["--help"],
        vec!["run", "--help"],
        vec!["check", "--help"],
    ] {
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        let o = output(&dir, &args);
        for word in o.stdout.split_whitespace() {
            if word.starts_with("scenarios/") && word.ends_with(".toml") {
                assert!(
                    root().join(word).exists(),
                    "`cordon {args:?}` shows an example with {word}, which does not exist"
                );
            }
        }
    }
}

#[test]
fn version_is_printed() {
    let o = cordon_in(&root(), &[&"--version"]);
    assert_eq!(o.code, Some(0));
    // `cordon 0.1.0`, possibly followed by build details.
    let version = format!("cordon {}", env!("CARGO_PKG_VERSION"));
    let first = o.stdout.lines().next().unwrap_or_default();
    assert!(
        first == version || first.starts_with(&format!("{version} ")),
        "{}",
        o.stdout
    );
}

#[test]
fn usage_errors_exit_with_2() {
    let dir = temp();
    for args in [
        vec![],
        vec!["frobnicate"],
        vec!["run", "x.toml", "--trials", "many"],
        vec!["check", "x.toml", "--no-such-flag"],
    ] {
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        let o = output(dir.path(), &args);
        assert_eq!(o.code, Some(2), "{args:?}: {}", o.stderr);
    }
    assert!(entries(dir.path()).is_empty());
}

// -------------------------------------------------------------------- check

/// The line of `text` that starts with `label`.
fn line<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no line starts with `{label}`:\n{text}"))
}

#[test]
fn check_outlines_a_valid_scenario() {
    let o = cordon_in(&root(), &[&"check", &example()]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let s = &o.stdout;
    assert!(line(s, &example().display().to_string()).contains("valid"));
    assert!(line(s, "scenario").contains("two_states"));
    assert!(line(s, "members").contains("MEM"));
    assert!(line(s, "partners").contains('-'));
    assert!(line(s, "other").contains("SRC"));
    let regions = line(s, "regions");
    assert!(
        regions.contains('2') && regions.contains("SRC_N"),
        "{regions}"
    );
    assert!(s.contains("SRC_N-MEM_S"), "{s}");
    assert!(line(s, "borders").contains('1'));
    assert!(line(s, "variants").contains("baseline"));
    let v = line(s, "          intel_heavy:");
    assert!(
        v.contains("states.MEM.allocation = { border = 0.3, intel = 0.6, readiness = 0.1 }")
            && v.contains("alliance.intel_sharing = 0.6"),
        "{v}"
    );
    assert!(line(s, "weeks").contains("104"));
    assert!(line(s, "trials").contains("1000"));
    assert!(line(s, "total").contains("2000"), "{s}");
}

#[test]
fn check_shows_set_values_and_counts_variants() {
    let o = cordon_in(
        &root(),
        &[
            &"check",
            &data("all_features.toml"),
            &"--set",
            &"scenario.trials=7",
        ],
    );
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let s = &o.stdout;
    assert!(line(s, "--set").contains("scenario.trials = 7"), "{s}");
    assert!(line(s, "members").contains("MEM_A") && line(s, "members").contains("MEM_B"));
    assert!(line(s, "partners").contains("PAR"));
    assert!(line(s, "trials").contains('7'));
    // 7 trials × (baseline + 3 variants).
    assert!(line(s, "total").contains("28"), "{s}");
}

#[test]
fn check_of_an_invalid_scenario_exits_with_2() {
    // The message itself: `snapshots::check_of_every_invalid_fixture`.
    refused(
        &root(),
        &[
            &"check" as &dyn AsRef<OsStr>,
            &invalid("allocation_sum.toml"),
        ],
    );
}

#[test]
fn a_missing_scenario_file_exits_with_2_and_names_it() {
    let dir = temp();
    let missing = dir.path().join("no_such_scenario.toml");
    for command in ["check", "run"] {
        let e = refused(dir.path(), &[&command as &dyn AsRef<OsStr>, &missing]);
        assert_snapshot!(
            format!("{command}_of_a_missing_file"),
            stable(&e, &[dir.path()])
        );
    }
    assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));
}

// ---------------------------------------------------------------------- run

#[test]
fn run_writes_every_result_file() {
    let dir = temp();
    let out = dir.path().join("out");
    run_in(
        dir.path(),
        "out",
        example(),
        &["--trials", "50", "--threads", "2", "--quiet"],
    );
    let files = entries(&out);
    for f in [
        "manifest.json",
        "trials.csv",
        "weekly.csv",
        "summary.csv",
        "states.csv",
        "borders.csv",
    ] {
        assert!(files.iter().any(|x| x == f), "{f} is missing: {files:?}");
    }
    assert_eq!(header(&out.join("trials.csv")), TRIALS_HEADER);
    assert_eq!(header(&out.join("weekly.csv")), WEEKLY_HEADER);
    assert_eq!(header(&out.join("summary.csv")), SUMMARY_HEADER);
    assert_eq!(header(&out.join("states.csv")), STATES_HEADER);
    assert_eq!(header(&out.join("borders.csv")), BORDERS_HEADER);
    if out.join("comparison.csv").exists() {
        assert_eq!(header(&out.join("comparison.csv")), COMPARISON_HEADER);
    }

    // trials.csv: 50 trials × (baseline + 1 variant), each pair once.
    let rows = csv_rows(&out.join("trials.csv"));
    assert_eq!(rows.len() - 1, 50 * 2);
    let mut seen: Vec<(String, u64)> = rows[1..]
        .iter()
        .map(|r| (r[0].clone(), r[1].parse().expect("a trial index")))
        .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 100);
    for v in ["baseline", "intel_heavy"] {
        let trials: Vec<u64> = seen
            .iter()
            .filter(|(n, _)| n == v)
            .map(|(_, t)| *t)
            .collect();
        assert_eq!(trials, (0..50).collect::<Vec<_>>(), "{v}");
    }

    // weekly.csv: every variant, every week 0..103, the same metrics.
    let rows = csv_rows(&out.join("weekly.csv"));
    for v in ["baseline", "intel_heavy"] {
        let weeks: std::collections::BTreeSet<usize> = rows[1..]
            .iter()
            .filter(|r| r[0] == v)
            .map(|r| r[1].parse().unwrap())
            .collect();
        assert_eq!(weeks, (0..104).collect(), "{v}");
    }
    assert_eq!((rows.len() - 1) % (2 * 104), 0);
    assert!(rows.iter().any(|r| r[2] == "p_any_attack"));

    // summary.csv: every total, p_any_attack and the conditional mean.
    let rows = csv_rows(&out.join("summary.csv"));
    for v in ["baseline", "intel_heavy"] {
        for m in [
            "attacks",
            "entries",
            "spend",
            "p_any_attack",
            "first_attack_week_given_attack",
        ] {
            assert!(
                rows.iter().any(|r| r[0] == v && r[1] == m),
                "summary.csv has no {v} {m}"
            );
        }
    }
    // states.csv: member states only; borders.csv: segments both ways.
    let rows = csv_rows(&out.join("states.csv"));
    assert!(rows[1..].iter().all(|r| r[1] == "MEM"));
    let rows = csv_rows(&out.join("borders.csv"));
    for d in ["SRC_N>MEM_S", "MEM_S>SRC_N"] {
        assert!(
            rows[1..].iter().any(|r| r[1] == "SRC_N-MEM_S" && r[2] == d),
            "{d}"
        );
    }
}

#[test]
fn the_manifest_says_what_was_run() {
    let dir = temp();
    let out = dir.path().join("out");
    run_in(
        dir.path(),
        "out",
        example(),
        &[
            "--trials",
            "50",
            "--threads",
            "2",
            "--seed",
            "99",
            "--quiet",
        ],
    );
    let text = read(&out.join("manifest.json"));
    let m: serde_json::Value = serde_json::from_str(&text).expect("manifest.json is JSON");
    assert_eq!(m["cordon_version"], env!("CARGO_PKG_VERSION"));
    let sha = m["scenario"]["sha256"].as_str().expect("scenario.sha256");
    assert_eq!(sha.len(), 64);
    assert!(
        sha.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    let want: String = Sha256::digest(std::fs::read(example()).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(sha, want, "sha256 of the scenario file");
    assert_eq!(m["scenario"]["name"], "two_states");
    assert_eq!(m["seed"], 99);
    assert_eq!(m["trials"], 50);
    assert_eq!(m["weeks"], 104);
    assert_eq!(m["threads"], 2);
    let variants: Vec<&str> = m["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .map(|v| v["name"].as_str().expect("a variant name"))
        .collect();
    assert_eq!(variants, ["baseline", "intel_heavy"]);
    let command = m["command_line"].as_str().expect("command_line");
    assert!(
        command.contains("run") && command.contains("--trials 50"),
        "{command}"
    );
    let started = m["started_utc"].as_str().expect("started_utc");
    assert!(
        chrono::DateTime::parse_from_rfc3339(started).is_ok() && started.ends_with('Z'),
        "{started}"
    );
    let wall = m["wall_seconds"].as_f64().expect("wall_seconds");
    assert!(wall >= 0.0 && wall.is_finite());
}

#[test]
fn an_existing_result_folder_is_kept_unless_forced() {
    let dir = temp();
    let out = dir.path().join("out");
    run_in(dir.path(), "out", example(), &["--trials", "50", "--quiet"]);
    let before = snapshot(&out);

    // Without --force: refused, old files untouched, nothing left behind.
    let e = refused(
        dir.path(),
        &[
            &"run" as &dyn AsRef<OsStr>,
            &example(),
            &"--trials",
            &"50",
            &"--seed",
            &"8",
            &"--out",
            &out,
        ],
    );
    assert_snapshot!("run_into_a_full_folder", stable(&e, &[dir.path()]));
    assert_eq!(snapshot(&out), before, "the old results changed");
    assert_eq!(entries(dir.path()), ["out"]);

    // With --force: replaced, and no temporary folders left in the parent.
    run_in(
        dir.path(),
        "out",
        example(),
        &["--trials", "50", "--seed", "8", "--force", "--quiet"],
    );
    let after = snapshot(&out);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    assert_ne!(after["trials.csv"], before["trials.csv"], "not replaced");
    let m: serde_json::Value = serde_json::from_slice(&after["manifest.json"]).unwrap();
    assert_eq!(m["seed"], 8);
    assert_eq!(
        entries(dir.path()),
        ["out"],
        "temporary folders (.out.partial-*, .out.old-*) were left behind"
    );
}

#[test]
fn an_empty_existing_out_folder_is_used_without_force() {
    let dir = temp();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    run_in(dir.path(), "out", example(), &["--trials", "50", "--quiet"]);
    assert!(out.join("manifest.json").exists());
    assert_eq!(entries(dir.path()), ["out"]);
}

#[test]
fn without_out_each_run_gets_its_own_folder() {
    let dir = temp();
    for _ in 0..2 {
        let o = cordon_in(
            dir.path(),
            &[&"run", &example(), &"--trials", &"5", &"--quiet"],
        );
        assert_eq!(o.code, Some(0), "{}", o.stderr);
    }
    assert_eq!(entries(dir.path()), ["output"]);
    let runs = dir.path().join("output").join("two_states");
    let folders = entries(&runs);
    assert_eq!(folders.len(), 2, "{folders:?}");
    assert_ne!(folders[0], folders[1]);
    for f in &folders {
        assert!(!f.starts_with('.'), "a temporary folder was left: {f}");
        assert!(runs.join(f).join("manifest.json").exists(), "{f}");
    }
}

#[test]
fn the_summary_table_names_variants_and_the_results_folder() {
    let dir = temp();
    let out = dir.path().join("out");
    let o = run_in(dir.path(), "out", example(), &["--trials", "50"]);
    assert!(o.stdout.contains("baseline"), "{}", o.stdout);
    assert!(o.stdout.contains("intel_heavy"), "{}", o.stdout);
    assert!(o.stdout.contains("P(any attack)"), "{}", o.stdout);
    assert!(
        o.stdout.contains(&format!("results: {}", out.display())),
        "{}",
        o.stdout
    );
}

#[test]
fn quiet_prints_nothing_on_stdout() {
    let dir = temp();
    let o = run_in(dir.path(), "out", example(), &["--trials", "50", "--quiet"]);
    assert!(o.stdout.is_empty(), "{}", o.stdout);
    assert!(o.stderr.is_empty(), "{}", o.stderr);
}

#[test]
fn variant_selects_the_baseline_and_the_named_variants_only() {
    let dir = temp();
    let out = run_in(
        dir.path(),
        "out",
        data("all_features.toml"),
        &["--variant", "nested", "--quiet"],
    )
    .out;
    let rows = csv_rows(&out.join("trials.csv"));
    let names: std::collections::BTreeSet<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, ["baseline", "nested"].into());
    assert_eq!(rows.len() - 1, 2 * 20);
    let m: serde_json::Value = serde_json::from_str(&read(&out.join("manifest.json"))).unwrap();
    let variants: Vec<&str> = m["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(variants, ["baseline", "nested"]);

    // The example's one variant: baseline + intel_heavy.
    let out = dir.path().join("out2");
    run_in(
        dir.path(),
        "out2",
        example(),
        &["--trials", "50", "--variant", "intel_heavy", "--quiet"],
    );
    let rows = csv_rows(&out.join("trials.csv"));
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[0] == "baseline" || r[0] == "intel_heavy")
    );
    assert_eq!(rows.len() - 1, 100);
}

#[test]
fn an_unknown_variant_is_refused_with_the_list_and_the_closest_name() {
    let dir = temp();
    let example = example();
    let e = refused(
        dir.path(),
        &[&"run" as Arg, &example, &"--variant", &"nope"],
    );
    assert_snapshot!("run_unknown_variant", stable(&e, &[dir.path()]));
    let e = refused(
        dir.path(),
        &[&"run" as Arg, &example, &"--variant", &"intel_hevy"],
    );
    assert_snapshot!("run_misspelt_variant", stable(&e, &[dir.path()]));
    assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));
}

#[test]
fn every_variant_is_validated_even_when_not_selected() {
    let dir = temp();
    let e = refused(
        dir.path(),
        &[
            &"run" as Arg,
            &invalid("variant_invalid_unselected.toml"),
            &"--variant",
            &"intel_heavy",
            &"--trials",
            &"5",
        ],
    );
    assert_snapshot!("run_invalid_unselected_variant", stable(&e, &[dir.path()]));
    assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));
}

#[test]
fn invalid_arguments_exit_with_2_and_create_nothing() {
    let dir = temp();
    let out = dir.path().join("results").join("out");
    let cases: [(&str, Vec<&dyn AsRef<OsStr>>); 7] = [
        ("bad --set", vec![&"--set", &"alliance.intel_sharing=2"]),
        ("--set without =", vec![&"--set", &"alliance.intel_sharing"]),
        ("--threads 0", vec![&"--threads", &"0"]),
        ("--trials 0", vec![&"--trials", &"0"]),
        ("--trials -1", vec![&"--trials", &"-1"]),
        ("--seed x", vec![&"--seed", &"x"]),
        ("--variant nope", vec![&"--variant", &"nope"]),
    ];
    let example = example();
    for (what, extra) in cases {
        // With --out ...
        let mut args: Vec<&dyn AsRef<OsStr>> = vec![&"run", &example, &"--out", &out];
        args.extend(extra.iter().copied());
        refused(dir.path(), &args);
        assert!(
            entries(dir.path()).is_empty(),
            "{what}: {:?}",
            entries(dir.path())
        );
        // ... and without.
        let mut args: Vec<&dyn AsRef<OsStr>> = vec![&"run", &example];
        args.extend(extra.iter().copied());
        refused(dir.path(), &args);
        assert!(
            entries(dir.path()).is_empty(),
            "{what}: {:?}",
            entries(dir.path())
        );
    }
}

#[test]
fn an_invalid_scenario_creates_no_output_folder() {
    let dir = temp();
    for file in [
        "allocation_sum.toml",
        "syntax_error.toml",
        "invalid_utf8.toml",
    ] {
        let e = refused(
            dir.path(),
            &[&"run" as Arg, &invalid(file), &"--trials", &"5"],
        );
        let stem = file.trim_end_matches(".toml");
        assert_snapshot!(format!("run_invalid_{stem}"), stable(&e, &[dir.path()]));
        refused(
            dir.path(),
            &[
                &"run" as Arg,
                &invalid(file),
                &"--out",
                &dir.path().join("out"),
            ],
        );
    }
    assert!(entries(dir.path()).is_empty(), "{:?}", entries(dir.path()));
}

// ---------------------------------------------------------------------- CSV

/// Whether a cell of `table` may be empty, given its column and its row.
fn may_be_empty(table: &str, column: &str, row: &BTreeMap<&str, &str>) -> bool {
    let metric = row.get("metric").copied().unwrap_or_default();
    match table {
        // No attack in the trial.
        "trials.csv" => column == "first_attack_week",
        // A proportion has no quantiles.
        "weekly.csv" => {
            metric == "p_any_attack" && ["p05", "p25", "p50", "p75", "p95"].contains(&column)
        }
        "summary.csv" => {
            (metric == "p_any_attack" && ["p05", "p50", "p95"].contains(&column))
                // A mean over trials with an attack, when no trial had one.
                || (metric == "first_attack_week_given_attack"
                    && !["variant", "metric", "n"].contains(&column))
        }
        "states.csv" => false,
        // No attempt ever ended on this segment in this direction.
        "borders.csv" => {
            metric == "interdiction_effectiveness"
                && ["mean", "se", "ci95_lo", "ci95_hi"].contains(&column)
        }
        // No baseline to divide by, no better direction, no extra spend.
        "comparison.csv" => [
            "relative_change",
            "p_better",
            "averted_per_1000",
            "averted_per_1000_ci95_lo",
            "averted_per_1000_ci95_hi",
        ]
        .contains(&column),
        _ => false,
    }
}

/// Columns that hold names rather than numbers.
const NAME_COLUMNS: [&str; 5] = ["variant", "metric", "state", "border", "direction"];

fn check_csv(path: &Path) -> Vec<String> {
    let table = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut problems = Vec::new();
    let rows = csv_rows(path);
    let Some((head, body)) = rows.split_first() else {
        return vec![format!("{table}: empty, without a header")];
    };
    if head
        .iter()
        .any(|h| h.is_empty() || h.parse::<f64>().is_ok())
    {
        problems.push(format!("{table}: the first row is not a header: {head:?}"));
    }
    if body.is_empty() {
        problems.push(format!("{table}: no data rows"));
    }
    for (i, r) in body.iter().enumerate() {
        let row: BTreeMap<&str, &str> = head
            .iter()
            .map(String::as_str)
            .zip(r.iter().map(String::as_str))
            .collect();
        for (column, cell) in &row {
            let lower = cell.to_ascii_lowercase();
            if lower.contains("nan") || lower.contains("inf") {
                problems.push(format!("{table} row {}: `{column}` = `{cell}`", i + 2));
            }
            if cell.is_empty() {
                if !may_be_empty(&table, column, &row) {
                    problems.push(format!("{table} row {}: `{column}` is empty: {r:?}", i + 2));
                }
            } else if !NAME_COLUMNS.contains(column) {
                let decimal = cell
                    .strip_prefix('-')
                    .unwrap_or(cell)
                    .split_once('.')
                    .map_or(
                        cell.trim_start_matches('-')
                            .chars()
                            .all(|c| c.is_ascii_digit()),
                        |(a, b)| {
                            !a.is_empty()
                                && !b.is_empty()
                                && a.chars().all(|c| c.is_ascii_digit())
                                && b.chars().all(|c| c.is_ascii_digit())
                        },
                    );
                if !decimal || cell.parse::<f64>().is_err() {
                    problems.push(format!(
                        "{table} row {}: `{column}` = `{cell}` is not a plain decimal number",
                        i + 2
                    ));
                }
            }
        }
        if problems.len() > 20 {
            break;
        }
    }
    problems
}

#[test]
fn result_tables_are_tidy_csv() {
    let dir = temp();
    let mut problems = Vec::new();
    for (file, trials) in [(example(), "50"), (data("all_features.toml"), "30")] {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let out = run_in(dir.path(), &name, &file, &["--trials", trials, "--quiet"]).out;
        let tables: Vec<String> = entries(&out)
            .into_iter()
            .filter(|f| f.ends_with(".csv"))
            .collect();
        assert!(tables.len() >= 6, "{tables:?}");
        for t in tables {
            problems.extend(check_csv(&out.join(t)));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_bad_trials_flag_is_reported_as_that_flag() {
    // `--trials 0` is applied as an override of scenario.trials; the message
    // should name the flag the user gave, not a `--set` they never wrote.
    let dir = temp();
    let e = refused(dir.path(), &[&"run" as Arg, &example(), &"--trials", &"0"]);
    assert_snapshot!("run_trials_zero", stable(&e, &[dir.path()]));
    assert!(!e.contains("--set"), "{e}");
    assert!(entries(dir.path()).is_empty());
}

#[test]
fn an_out_path_that_is_a_file_is_refused_and_kept() {
    let dir = temp();
    let file = dir.path().join("out");
    std::fs::write(&file, "keep me").unwrap();
    refused(
        dir.path(),
        &[
            &"run" as Arg,
            &example(),
            &"--trials",
            &"5",
            &"--out",
            &file,
            &"--force",
        ],
    );
    assert_eq!(read(&file), "keep me");
    assert_eq!(entries(dir.path()), ["out"]);
}

#[test]
fn a_closed_stdout_pipe_is_not_an_error() {
    let dir = crate::util::temp();
    let bin = assert_cmd::cargo::cargo_bin("cordon");
    let file = crate::util::data("two_states.toml");
    // `true` exits at once, so cordon's table meets a closed pipe; with
    // pipefail the pipeline's status is cordon's.
    for args in [
        format!("run '{}' --trials 20 --out r", file.display()),
        "man".into(),
        "scenarios".into(),
    ] {
        let script = format!("set -o pipefail; '{}' {args} | true", bin.display());
        let status = std::process::Command::new("bash")
            .arg("-c")
            .arg(&script)
            .current_dir(dir.path())
            .status()
            .expect("bash");
        assert!(status.success(), "{args}: {status}");
    }
}
