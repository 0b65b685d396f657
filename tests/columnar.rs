//! `--format parquet`: the tables as Parquet, byte-identical at any thread
//! count and shard layout, equal to the CSV files cell for cell, and read
//! by every command that reads a result folder.

use std::collections::HashMap;
use std::path::Path;

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

use crate::util::{cordon, data, entries, output, read, refused, run_in, temp};

/// The tables of a run with variants, by name.
const NAMES: [&str; 6] = [
    "trials",
    "weekly",
    "summary",
    "states",
    "borders",
    "comparison",
];

/// `cordon run` of the example with its variants into `dir/out`.
fn run(dir: &Path, out: &str, extra: &[&str]) {
    let args = [&["--trials", "1500", "--quiet"][..], extra].concat();
    run_in(dir, out, data("two_states.toml"), &args);
}

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn parquet_files_are_byte_identical_at_any_thread_count_and_shard_layout() {
    let dir = temp();
    let d = dir.path();
    run(d, "one", &["--threads", "1", "--format", "csv,parquet"]);
    run(d, "two", &["--threads", "2", "--format", "parquet"]);
    // Parquet-only shards, unevenly threaded, merged out of order: the
    // merged folder has the shards' format.
    for (k, threads) in [(0, "2"), (1, "1"), (2, "2")] {
        run(
            d,
            &format!("shard{k}"),
            &[
                "--shard",
                &format!("{k}/3"),
                "--threads",
                threads,
                "--format",
                "parquet",
            ],
        );
        assert!(!d.join(format!("shard{k}/trials.csv")).exists());
    }
    cordon(d)
        .args(["merge", "shard2", "shard0", "shard1", "--out", "merged"])
        .assert()
        .success();
    for name in NAMES {
        let file = format!("{name}.parquet");
        let one = bytes(&d.join("one").join(&file));
        assert!(one.starts_with(b"PAR1") && one.ends_with(b"PAR1"), "{file}");
        for other in ["two", "merged"] {
            assert!(
                one == bytes(&d.join(other).join(&file)),
                "{file} of `{other}` differs from the single run at 1 thread"
            );
        }
        assert!(!d.join("two").join(format!("{name}.csv")).exists());
        assert!(!d.join("merged").join(format!("{name}.csv")).exists());
    }
    // The CSV files beside them are those of a CSV-only run.
    run(d, "csv", &["--threads", "2"]);
    for name in NAMES {
        let file = format!("{name}.csv");
        assert!(read(&d.join("one").join(&file)) == read(&d.join("csv").join(&file)));
    }
}

/// A Parquet cell and its CSV twin hold the same value, of the column's
/// type: text as UTF-8, counts as 64-bit integers, reals as doubles, an
/// empty cell as a null.
fn same_value(field: &Field, cell: &str, column: &str) -> bool {
    const TEXT: [&str; 5] = ["variant", "metric", "state", "border", "direction"];
    match field {
        Field::Null => cell.is_empty(),
        Field::Str(s) => TEXT.contains(&column) && s == cell,
        Field::Long(i) => !TEXT.contains(&column) && cell.parse::<i64>() == Ok(*i),
        Field::Double(x) => {
            !TEXT.contains(&column)
                && cell
                    .parse::<f64>()
                    .is_ok_and(|c| c.to_bits() == x.to_bits())
        }
        _ => false,
    }
}

#[test]
fn every_parquet_cell_equals_its_csv_cell() {
    let dir = temp();
    let d = dir.path();
    run(d, "out", &["--format", "csv,parquet"]);
    for name in NAMES {
        let csv_path = d.join("out").join(format!("{name}.csv"));
        let mut csv = csv::Reader::from_path(&csv_path).expect("a CSV file");
        let header: Vec<String> = csv
            .headers()
            .expect("a header")
            .iter()
            .map(str::to_string)
            .collect();
        let records: Vec<csv::StringRecord> = csv.records().map(|r| r.expect("a row")).collect();
        let file = std::fs::File::open(d.join("out").join(format!("{name}.parquet")))
            .expect("the Parquet file");
        let reader = SerializedFileReader::new(file).expect("a Parquet file");
        let names: Vec<String> = reader
            .metadata()
            .file_metadata()
            .schema_descr()
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        assert_eq!(names, header, "{name}: the columns");
        let rows: Vec<_> = reader
            .get_row_iter(None)
            .expect("rows")
            .map(|r| r.expect("a row"))
            .collect();
        assert_eq!(rows.len(), records.len(), "{name}: the rows");
        assert!(!rows.is_empty(), "{name}: no rows");
        let mut kinds: HashMap<String, &'static str> = HashMap::new();
        for (i, (row, record)) in rows.iter().zip(&records).enumerate() {
            for (c, (column, field)) in row.get_column_iter().enumerate() {
                let cell = record.get(c).expect("a cell");
                assert!(
                    same_value(field, cell, column),
                    "{name}.parquet row {}, column `{column}`: {field:?} but the CSV has `{cell}`",
                    i + 1
                );
                let kind = match field {
                    Field::Long(_) => "int64",
                    Field::Double(_) => "double",
                    _ => continue,
                };
                assert_eq!(
                    *kinds.entry(column.clone()).or_insert(kind),
                    kind,
                    "{name}: `{column}` holds one type"
                );
            }
        }
        if name == "trials" {
            assert_eq!(kinds["trial"], "int64");
            assert_eq!(kinds["attacks"], "int64");
            assert_eq!(kinds["spend"], "double");
        }
    }
}

#[test]
fn every_reading_command_reads_a_parquet_only_folder() {
    let dir = temp();
    let d = dir.path();
    run(d, "pq", &["--format", "parquet"]);
    run(d, "csv", &[]);
    let files = entries(&d.join("pq"));
    assert!(
        files.iter().all(|f| !f.ends_with(".csv")),
        "a CSV file in a parquet-only folder: {files:?}"
    );
    // The charts drawn at the end of the run come from the Parquet files,
    // and show the same numbers as those drawn from the CSV files.
    for chart in entries(&d.join("csv").join("charts")) {
        assert!(
            bytes(&d.join("csv/charts").join(&chart)) == bytes(&d.join("pq/charts").join(&chart)),
            "charts/{chart} differs"
        );
    }
    cordon(d).args(["plot", "pq"]).assert().success();
    cordon(d).args(["report", "pq"]).assert().success();
    // The report names the files the folder has.
    let html = std::fs::read_to_string(d.join("pq/report.html")).expect("a report");
    for table in ["summary", "comparison", "states", "borders"] {
        assert!(
            html.contains(&format!("<code>{table}.parquet</code>"))
                && !html.contains(&format!("{table}.csv")),
            "the report of a parquet-only folder names {table}.csv"
        );
    }
    let compared = |a: &str, b: &str| {
        let o = output(d, &["compare", a, b, "--variant", "B:intel_heavy"]);
        assert_eq!(o.code, Some(0), "compare {a} {b}: {}", o.stderr);
        o.stdout.replace(a, "A").replace(b, "B")
    };
    assert_eq!(compared("pq", "pq"), compared("csv", "csv"));
    cordon(d)
        .arg("trace")
        .arg(data("two_states.toml"))
        .args(["--from", "pq", "--pick", "worst", "--quiet"])
        .assert()
        .success();
}

#[test]
fn a_damaged_parquet_file_is_invalid_input_naming_it() {
    let dir = temp();
    let d = dir.path();
    run(d, "out", &["--format", "parquet", "--variant", "baseline"]);
    let weekly = d.join("out/weekly.parquet");
    let whole = bytes(&weekly);
    let cases: [(&str, Vec<u8>); 3] = [
        ("truncated", whole[..whole.len() / 2].to_vec()),
        ("not parquet", b"variant,week\nbaseline,1\n".to_vec()),
        ("empty", Vec::new()),
    ];
    for (what, content) in cases {
        std::fs::write(&weekly, &content).expect("written");
        let e = refused(d, &["plot", "out"]);
        assert!(
            e.contains("weekly.parquet: not a readable Parquet file"),
            "{what}: {e}"
        );
        assert!(!e.contains("panicked"), "{what}: {e}");
    }
    // Bytes changed inside the data pages: an error or other numbers, never
    // a panic.
    std::fs::write(&weekly, &whole).expect("written");
    let trials = d.join("out/trials.parquet");
    let whole = bytes(&trials);
    for at in [8, whole.len() / 3, whole.len() / 2] {
        let mut damaged = whole.clone();
        for b in &mut damaged[at..(at + 64).min(whole.len() - 8)] {
            *b ^= 0x5a;
        }
        std::fs::write(&trials, &damaged).expect("written");
        let o = output(d, &["compare", "out", "out"]);
        assert!(!o.stderr.contains("panicked"), "at {at}: {}", o.stderr);
        if o.code != Some(0) {
            assert!(o.stderr.contains("trials.parquet"), "at {at}: {}", o.stderr);
        }
    }
}

#[test]
fn an_unknown_format_is_refused() {
    let dir = temp();
    let e = refused(
        dir.path(),
        &[
            "run",
            data("two_states.toml").to_str().expect("UTF-8"),
            "--format",
            "xlsx",
        ],
    );
    assert!(
        e.contains("unknown format `xlsx`; use csv, parquet or csv,parquet"),
        "{e}"
    );
}
