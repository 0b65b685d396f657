//! Same scenario and seed, same bytes: at any thread count.

use std::path::{Path, PathBuf};

use crate::util::{TABLES, data, read, run_in, scenario, temp};

/// `cordon run FILE` with `trials` trials on `threads` threads into
/// `dir/name`, which must succeed; the result folder.
fn run(dir: &Path, name: &str, file: &Path, threads: u32, trials: u32) -> PathBuf {
    let (trials, threads) = (trials.to_string(), threads.to_string());
    let args = ["--trials", &trials, "--threads", &threads, "--quiet"];
    run_in(dir, name, file, &args).out
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
        let one = run(dir.path(), &format!("one{k}"), file, 1, trials);
        let two = run(dir.path(), &format!("two{k}"), file, 2, trials);
        assert_same_tables(&one, &two);
    }
}

#[test]
fn every_trial_in_the_file_conserves_cells() {
    let dir = temp();
    let out = run(dir.path(), "out", &data("two_states.toml"), 2, 400);
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

/// Charts drawn in parallel at the end of a run (with `trials.csv` read
/// back in blocks on several threads) are the bytes `cordon plot` draws
/// one at a time from the same folder.
#[test]
fn charts_drawn_in_parallel_equal_those_drawn_one_at_a_time() {
    let dir = temp();
    let out = run(dir.path(), "par", &data("two_states.toml"), 3, 2500);
    let charts = out.join("charts");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&charts)
        .expect("charts/")
        .map(|e| e.expect("an entry").path())
        .collect();
    names.sort();
    assert!(names.len() > 4, "{names:?}");
    let drawn: Vec<Vec<u8>> = names.iter().map(|p| std::fs::read(p).unwrap()).collect();
    std::fs::remove_dir_all(&charts).unwrap();
    crate::util::cordon(dir.path())
        .arg("plot")
        .arg(&out)
        .arg("--quiet")
        .assert()
        .success();
    for (path, bytes) in names.iter().zip(&drawn) {
        let again = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(&again == bytes, "{} differs", path.display());
    }
}
