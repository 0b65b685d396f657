//! Same scenario and seed, same bytes: at any thread count.

use std::path::Path;

use crate::util::{TABLES, cordon, data, read, scenario, temp};

fn run(file: &Path, threads: u32, trials: u32, out: &Path) {
    cordon(out.parent().unwrap_or(Path::new(".")))
        .arg("run")
        .arg(file)
        .args([
            "--trials",
            &trials.to_string(),
            "--threads",
            &threads.to_string(),
            "--quiet",
            "--out",
        ])
        .arg(out)
        .assert()
        .success();
}

fn assert_same_tables(a: &Path, b: &Path) {
    for t in TABLES {
        let (x, y) = (a.join(t), b.join(t));
        if !x.exists() && !y.exists() {
            continue;
        }
        assert!(
            read(&x) == read(&y),
            "{t} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

#[test]
fn one_and_two_threads_give_byte_identical_tables() {
    let dir = temp();
    let files = [
        data("two_states.toml"),
        scenario("csto-southern-frontier.toml"),
    ];
    for (k, file) in files.iter().enumerate() {
        if !file.exists() {
            continue;
        }
        // More trials than one window (2048), so windows and threads both vary.
        let trials = if k == 0 { 2500 } else { 60 };
        let (one, two) = (
            dir.path().join(format!("one{k}")),
            dir.path().join(format!("two{k}")),
        );
        run(file, 1, trials, &one);
        run(file, 2, trials, &two);
        assert_same_tables(&one, &two);
    }
}

#[test]
fn every_trial_in_the_file_conserves_cells() {
    let dir = temp();
    let out = dir.path().join("out");
    run(&data("two_states.toml"), 2, 400, &out);
    let mut rdr = csv::Reader::from_path(out.join("trials.csv")).expect("trials.csv");
    let headers = rdr.headers().expect("header").clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let (start, new, alive, bi, ii, ab, dis) = (
        col("alive_start"),
        col("new_cells"),
        col("alive_end"),
        col("border_interdictions"),
        col("interior_interdictions"),
        col("abandoned"),
        col("dissolved"),
    );
    let mut rows = 0;
    for rec in rdr.records() {
        let rec = rec.expect("a row");
        let v = |i: usize| rec[i].parse::<u64>().expect("an integer");
        assert_eq!(
            v(start) + v(new),
            v(alive) + v(bi) + v(ii) + v(ab) + v(dis),
            "row {rows}: {rec:?}"
        );
        rows += 1;
    }
    assert_eq!(rows, 800);
}
