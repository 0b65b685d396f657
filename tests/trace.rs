//! `cordon trace`: the traced trial is `cordon run`'s trial (its events add
//! up to the trial's row of trials.csv, for every counter, in the baseline
//! and every variant), a cell keeps its id across policies, and bad input
//! exits 2 with a message that says what would be right.

use std::collections::HashMap;
use std::path::Path;

use insta::assert_snapshot;

use crate::util::{cordon, data, read, refused, run_in, stable, study_in, temp};

/// Rows of a CSV file as maps from column to value.
fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = r.headers().expect("a header").clone();
    r.records()
        .map(|rec| {
            let rec = rec.expect("a row");
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// The counters of `trials.csv` as the events and cells of a trace give
/// them, for one variant.
fn totals_from_trace(dir: &Path, variant: &str) -> HashMap<&'static str, u64> {
    let mut t: HashMap<&'static str, u64> = HashMap::new();
    let kinds: [(&str, &[&'static str]); 11] = [
        ("spawned", &["new_cells"]),
        ("attempted", &["attempts"]),
        ("detected", &["detections"]),
        ("interdicted_at_border", &["border_interdictions"]),
        ("entered", &["entries"]),
        ("entered_indirect", &["entries", "indirect_entries"]),
        ("established", &["newly_established"]),
        ("interdicted_inside", &["interior_interdictions"]),
        ("attacked", &["attacks"]),
        ("abandoned", &["abandoned"]),
        ("dissolved", &["dissolved"]),
    ];
    for name in kinds
        .iter()
        .flat_map(|(_, c)| c.iter())
        .chain(&["severity"])
    {
        t.insert(name, 0);
    }
    for e in rows(&dir.join("events.csv")) {
        if e["variant"] != variant || e["week"].parse::<i64>().unwrap() < 0 {
            continue; // warm-up weeks are not in trials.csv
        }
        if let Some((_, counters)) = kinds.iter().find(|(k, _)| *k == e["event"]) {
            for c in *counters {
                *t.get_mut(c).unwrap() += 1;
            }
        }
        if e["event"] == "attacked" {
            *t.get_mut("severity").unwrap() += e["severity"].parse::<u64>().unwrap();
        }
    }
    let cells: Vec<_> = rows(&dir.join("cells.csv"))
        .into_iter()
        .filter(|c| c["variant"] == variant)
        .collect();
    t.insert(
        "alive_end",
        cells.iter().filter(|c| c["fate"] == "alive").count() as u64,
    );
    let alive_at_0 = cells.iter().filter(|c| {
        c["spawn_week"].parse::<i64>().unwrap() < 0
            && c["fate_week"].parse::<i64>().map_or(true, |w| w >= 0)
    });
    t.insert("alive_start", alive_at_0.count() as u64);
    t
}

/// Runs `scenario` for `trials` trials, traces each of `traced` with every
/// variant, and checks every counter against trials.csv.
fn check_totals(scenario: &std::ffi::OsStr, sets: &[&str], trials: u64, traced: &[u64]) {
    let dir = temp();
    let trials_arg = trials.to_string();
    let set_args: Vec<&str> = sets.iter().flat_map(|s| ["--set", *s]).collect();
    let args = [&["--quiet", "--trials", &trials_arg][..], &set_args[..]].concat();
    let run = run_in(dir.path(), "run", scenario, &args).out;
    let trials_csv = rows(&run.join("trials.csv"));
    let variants: Vec<String> = trials_csv
        .iter()
        .map(|r| r["variant"].clone())
        .filter(|v| v != "baseline")
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    for &trial in traced {
        let trial_arg = trial.to_string();
        let mut args = vec!["--quiet", "--trial", &trial_arg, "--trials", &trials_arg];
        for v in &variants {
            args.extend(["--variant", v]);
        }
        args.extend(&set_args);
        let out = study_in(
            dir.path(),
            "trace",
            scenario,
            &format!("trace-{trial}"),
            &args,
        )
        .out;
        for v in std::iter::once("baseline").chain(variants.iter().map(String::as_str)) {
            let want = trials_csv
                .iter()
                .find(|r| r["variant"] == v && r["trial"] == trial.to_string())
                .expect("the trial's row");
            let got = totals_from_trace(&out, v);
            for (name, n) in &got {
                assert_eq!(
                    want[*name],
                    n.to_string(),
                    "{} trial {trial} {v}: {name} from the trace",
                    scenario.to_string_lossy()
                );
            }
        }
        // trial.csv is the trial's rows of trials.csv, byte for byte.
        let all = read(&run.join("trials.csv"));
        let traced_rows = read(&out.join("trial.csv"));
        for line in traced_rows.lines().skip(1) {
            assert!(
                all.lines().any(|l| l == line),
                "{line} is not in trials.csv"
            );
        }
    }
}

#[test]
fn traced_totals_equal_trials_csv_in_the_default_scenario() {
    check_totals("csto-southern-frontier".as_ref(), &[], 6, &[0, 3, 5]);
}

#[test]
fn traced_totals_equal_trials_csv_in_minimal_and_all_features() {
    let minimal = crate::util::scenario("minimal.toml");
    check_totals(minimal.as_os_str(), &[], 8, &[0, 4, 7]);
    check_totals(data("all_features.toml").as_os_str(), &[], 5, &[1, 2]);
}

#[test]
fn with_a_warm_up_cells_alive_at_week_0_are_traced_and_counted_once() {
    let minimal = crate::util::scenario("minimal.toml");
    check_totals(
        minimal.as_os_str(),
        &["scenario.warmup_weeks=40"],
        5,
        &[0, 2],
    );
    let dir = temp();
    let out = study_in(
        dir.path(),
        "trace",
        &minimal,
        "t",
        &[
            "--quiet",
            "--trial",
            "2",
            "--set",
            "scenario.warmup_weeks=40",
        ],
    )
    .out;
    let events = rows(&out.join("events.csv"));
    assert!(
        events.iter().any(|e| e["week"].starts_with('-')),
        "warm-up events have negative weeks"
    );
}

#[test]
fn a_cell_keeps_its_id_in_both_policies_until_their_paths_part() {
    let dir = temp();
    // The default scenario, by name.
    let out = study_in(
        dir.path(),
        "trace",
        "csto-southern-frontier",
        "t",
        &["--quiet", "--trial", "0", "--variant", "border_heavy"],
    )
    .out;
    let events = rows(&out.join("events.csv"));
    let story = |v: &str| {
        let mut by_cell: HashMap<String, Vec<String>> = HashMap::new();
        for e in events.iter().filter(|e| e["variant"] == v) {
            by_cell.entry(e["cell"].clone()).or_default().push(format!(
                "{} {} {} {} {} {}",
                e["week"], e["event"], e["region"], e["to_region"], e["border"], e["size"]
            ));
        }
        by_cell
    };
    let (base, heavy) = (story("baseline"), story("border_heavy"));
    assert!(!base.is_empty());
    let ids = |m: &HashMap<String, Vec<String>>| {
        let mut k: Vec<String> = m.keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        ids(&base),
        ids(&heavy),
        "the same cells spawn in both policies"
    );
    let mut shared_steps = 0;
    let cells = rows(&out.join("cells.csv"));
    for (id, a) in &base {
        let b = &heavy[id];
        assert_eq!(a[0], b[0], "{id} spawns alike (week, place, size, target)");
        let same = a.iter().zip(b).take_while(|(x, y)| x == y).count();
        shared_steps += same;
        let row = cells
            .iter()
            .find(|c| c["variant"] == "border_heavy" && &c["cell"] == id)
            .expect("a cells.csv row");
        if a == b {
            assert_eq!(row["diverges_week"], "", "{id} never parts");
        } else {
            let week = |s: &str| s.split(' ').next().unwrap().parse::<i64>().unwrap();
            let parted = a
                .get(same)
                .map(|s| week(s))
                .into_iter()
                .chain(b.get(same).map(|s| week(s)))
                .min();
            assert_eq!(row["diverges_week"], parted.unwrap().to_string(), "{id}");
        }
    }
    assert!(
        shared_steps > base.len(),
        "cells share steps before they part"
    );
}

#[test]
fn picks_read_the_run_and_land_in_its_trace_folder() {
    let dir = temp();
    // The default scenario, by name.
    let run = run_in(
        dir.path(),
        "run",
        "csto-southern-frontier",
        &["--quiet", "--trials", "12", "--variant", "border_heavy"],
    )
    .out;
    let trials = rows(&run.join("trials.csv"));
    let attacks = |v: &str, t: &str| -> f64 {
        trials
            .iter()
            .find(|r| r["variant"] == v && r["trial"] == t)
            .unwrap()["attacks"]
            .parse()
            .unwrap()
    };
    let out = crate::util::success_stdout(
        dir.path(),
        &["trace", "--from", run.to_str().unwrap(), "--pick", "worst"],
    );
    assert!(out.contains("worst trial of 12"), "{out}");
    let summary: serde_json::Value =
        serde_json::from_str(&read(&run.join("trace").join("trace.json"))).unwrap();
    let picked = summary["trial"].as_u64().unwrap().to_string();
    let most = trials
        .iter()
        .filter(|r| r["variant"] == "baseline")
        .map(|r| attacks("baseline", &r["trial"]))
        .fold(0.0, f64::max);
    assert_eq!(attacks("baseline", &picked), most);
    // Again: refused without --force, replaced with it.
    let e = refused(
        dir.path(),
        &[
            "trace".as_ref(),
            "--from".as_ref(),
            run.as_os_str(),
            "--pick".as_ref(),
            "median".as_ref(),
        ],
    );
    assert_snapshot!("trace_into_a_full_folder", stable(&e, &[dir.path()]));
    crate::util::success_stdout(
        dir.path(),
        &[
            "trace",
            "--from",
            run.to_str().unwrap(),
            "--pick",
            "diverge",
            "--variant",
            "border_heavy",
            "--force",
            "--quiet",
        ],
    );
    let summary: serde_json::Value =
        serde_json::from_str(&read(&run.join("trace").join("trace.json"))).unwrap();
    let picked = summary["trial"].as_u64().unwrap().to_string();
    let gap = |t: &str| (attacks("border_heavy", t) - attacks("baseline", t)).abs();
    let widest = trials
        .iter()
        .filter(|r| r["variant"] == "baseline")
        .map(|r| gap(&r["trial"]))
        .fold(0.0, f64::max);
    assert_eq!(gap(&picked), widest);
    // The report of the run shows the trace.
    cordon(dir.path())
        .arg("report")
        .arg(&run)
        .assert()
        .success();
    let page = read(&run.join("report.html"));
    assert!(
        page.contains("One trial"),
        "the report has a one-trial section"
    );
    assert!(page.contains("trace/trace.html"));
}

#[test]
fn bad_choices_exit_2_and_say_what_would_be_right() {
    let dir = temp();
    let cases: [(&[&str], &str); 4] = [
        (&["trace", "--trial", "1000"], "trial_out_of_range"),
        (
            &["trace", "--trial", "0", "--variant", "border_hevy"],
            "misspelt_variant",
        ),
        (&["trace", "--pick", "diverge"], "diverge_without_variant"),
        (
            &["trace", "--pick", "worst", "--from", "no-such-run"],
            "from_a_missing_run",
        ),
    ];
    for (args, name) in cases {
        let e = refused(dir.path(), args);
        assert_snapshot!(format!("trace_{name}"), stable(&e, &[dir.path()]));
    }
    // Neither --trial nor --pick.
    refused(dir.path(), &["trace"]);
    assert!(
        crate::util::entries(dir.path()).is_empty(),
        "nothing written"
    );
}

#[test]
fn the_page_is_self_contained_and_the_still_is_drawn() {
    let dir = temp();
    // The default scenario, by name.
    let out = study_in(
        dir.path(),
        "trace",
        "csto-southern-frontier",
        "t",
        &["--quiet", "--trial", "1", "--variant", "border_heavy"],
    )
    .out;
    let page = read(&out.join("trace.html"));
    assert!(page.contains("Content-Security-Policy"));
    for needle in ["http://", "https://", "src=", "<link", "@import", "url("] {
        let text = page.replace("\"http://www.w3.org/2000/svg\"", "");
        assert!(!text.contains(needle), "trace.html holds `{needle}`");
    }
    let png = image::open(out.join("trace.png")).expect("a PNG");
    assert!(png.width() >= 1200);
    assert!(read(&out.join("trace.svg")).starts_with("<svg"));
}
