//! The tables of a run: typed rows in, tidy long-format CSV text out, and
//! (with `--format parquet`) the same tables as Parquet (see
//! [`super::parquet`]).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

use super::csv::{CsvStream, CsvTable};
use super::parquet::ParquetWriter;
use crate::engine::TrialRow;
use crate::stats::RunStats;
use crate::stats::aggregate::N_WEEKLY;
use crate::stats::aggregate::TOTALS;
use crate::stats::tables::{
    Layout, border_rows_of, comparison_rows, format_number, state_rows, summary_rows,
    weekly_rows_in,
};

/// Writes `rows` to `path` with a header row.
pub fn write_csv<T: Serialize>(path: &Path, rows: &[T]) -> Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = csv::Writer::from_writer(BufWriter::new(file));
    for row in rows {
        w.serialize(row)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    w.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The file formats of a run's tables (`--format`): CSV, Parquet or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Formats {
    pub csv: bool,
    pub parquet: bool,
}

impl Default for Formats {
    /// CSV alone, as cordon always wrote.
    fn default() -> Formats {
        Formats {
            csv: true,
            parquet: false,
        }
    }
}

impl std::str::FromStr for Formats {
    type Err = String;

    /// `csv`, `parquet`, or both separated by a comma.
    fn from_str(s: &str) -> std::result::Result<Formats, String> {
        let mut formats = Formats {
            csv: false,
            parquet: false,
        };
        for word in s.split(',').map(str::trim) {
            match word {
                "csv" => formats.csv = true,
                "parquet" => formats.parquet = true,
                _ => {
                    return Err(format!(
                        "unknown format `{word}`; use csv, parquet or csv,parquet"
                    ));
                }
            }
        }
        Ok(formats)
    }
}

impl std::fmt::Display for Formats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.csv, self.parquet) {
            (true, true) => write!(f, "csv,parquet"),
            (false, true) => write!(f, "parquet"),
            _ => write!(f, "csv"),
        }
    }
}

impl Formats {
    /// The formats a run or shard folder was written in, told by its
    /// trials table (`trials.csv`, `trials.parquet`); CSV when neither is
    /// there (the reader then names the missing `trials.csv`).
    pub fn of_folder(dir: &Path) -> Formats {
        let csv = dir.join("trials.csv").exists();
        let parquet = dir.join("trials.parquet").exists();
        Formats {
            csv: csv || !parquet,
            parquet,
        }
    }
}

/// Writes weekly, summary, states, borders and (with variants) comparison
/// tables into `dir`, in `formats`, on `threads` workers. Each table's
/// rows are built and formatted as CSV by tasks run at the same time: the
/// weekly table, by far the largest, in blocks of weeks of one variant
/// (about [`PIECE`] rows each), the borders table a variant per task, the
/// others a task each. Then the files are written at the same time, the
/// weekly table's pieces each at its place in the file. The bytes do not
/// depend on `threads`; a failure names the first table, in the order
/// above, that could not be written.
pub fn write_tables(
    dir: &Path,
    stats: &RunStats,
    layout: &Layout,
    formats: Formats,
    threads: usize,
) -> Result<()> {
    use crate::engine::{Task, in_parallel};
    let block = (PIECE / N_WEEKLY).max(1);
    let mut tasks: Vec<Piece<'_>> = Vec::new();
    for (v, vs) in stats.variants.iter().enumerate() {
        for start in (0..vs.weeks).step_by(block) {
            let header = tasks.is_empty();
            let weeks = start..(start + block).min(vs.weeks);
            tasks.push(Box::new(move || {
                csv_text(&weekly_rows_in(stats, layout, v, weeks), header)
            }));
        }
    }
    if tasks.is_empty() {
        tasks.push(Box::new(|| Ok(Vec::new())));
    }
    let mut counts = vec![tasks.len(), 1, 1];
    tasks.push(Box::new(|| csv_text(&summary_rows(stats, layout), true)));
    tasks.push(Box::new(|| csv_text(&state_rows(stats, layout), true)));
    let borders = tasks.len();
    for v in 0..stats.variants.len() {
        let header = tasks.len() == borders;
        tasks.push(Box::new(move || {
            csv_text(&border_rows_of(stats, layout, v), header)
        }));
    }
    counts.push(tasks.len() - borders);
    let mut names = vec!["weekly.csv", "summary.csv", "states.csv", "borders.csv"];
    if layout.variants.len() > 1 {
        tasks.push(Box::new(|| csv_text(&comparison_rows(stats, layout), true)));
        names.push("comparison.csv");
        counts.push(1);
    }
    let mut formatted = in_parallel(threads, tasks)?.into_iter();
    let mut texts = Vec::with_capacity(names.len());
    for (name, count) in names.into_iter().zip(counts) {
        let path = dir.join(name);
        let pieces = formatted
            .by_ref()
            .take(count)
            .collect::<Result<Vec<_>>>()
            .with_context(|| format!("cannot write {}", path.display()))?;
        texts.push((path, pieces));
    }
    // The weekly table's CSV file is made as long as its pieces, and each
    // piece written at its place by a task of its own; every other file
    // by one task, its pieces one after another. The first failure in
    // table order is the one reported.
    let mut writes: Vec<Task<'_, Result<()>>> = Vec::new();
    let mut weekly_writes = 0;
    if let Some((path, pieces)) = texts.first()
        && formats.csv
    {
        let len: usize = pieces.iter().map(Vec::len).sum();
        File::create(path)
            .and_then(|f| f.set_len(len as u64))
            .with_context(|| format!("cannot write {}", path.display()))?;
        let mut at = 0;
        for piece in pieces {
            writes.push(Box::new(move || write_at(path, at, piece)));
            at += piece.len() as u64;
        }
        weekly_writes = writes.len();
    }
    for (k, (path, pieces)) in texts.iter().enumerate() {
        let formats = match k {
            0 => Formats {
                csv: false,
                ..formats
            },
            _ => formats,
        };
        writes.push(Box::new(move || write_table(path, pieces, formats)));
    }
    let mut written = in_parallel(threads, writes)?.into_iter();
    written
        .by_ref()
        .take(weekly_writes)
        .collect::<Result<()>>()?;
    written.collect()
}

/// Writes `piece` into the file at `path` from byte `at` on.
fn write_at(path: &Path, at: u64, piece: &[u8]) -> Result<()> {
    use std::io::{Seek, SeekFrom};
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
        file.seek(SeekFrom::Start(at))?;
        file.write_all(piece)
    };
    write().with_context(|| format!("cannot write {}", path.display()))
}

/// Writes one table's CSV text, in pieces, as `NAME.csv` and/or `NAME.parquet`. The
/// Parquet table is made from the CSV text, so its values are the CSV's,
/// value for value.
fn write_table(csv_path: &Path, pieces: &[Vec<u8>], formats: Formats) -> Result<()> {
    if formats.csv {
        let write = || -> std::io::Result<()> {
            let mut file = File::create(csv_path)?;
            pieces.iter().try_for_each(|p| file.write_all(p))
        };
        write().with_context(|| format!("cannot write {}", csv_path.display()))?;
    }
    if formats.parquet {
        let text = pieces.concat();
        let table = CsvTable::parse(csv_path, &text)?;
        let mut out = ParquetWriter::create(&csv_path.with_extension("parquet"), table.header())?;
        for row in table.rows() {
            out.push(&row)?;
        }
        out.finish()?;
    }
    Ok(())
}

/// Gives the finished `trials.csv` of `dir` the run's `formats`: adds
/// `trials.parquet` (streamed from the CSV file, a row group at a time)
/// and removes `trials.csv` when CSV was not asked for. The run writes
/// `trials.csv` as trials finish, so that `--resume` can cut it back to a
/// checkpoint; a Parquet file cannot be continued, so it is made once the
/// run is complete.
pub fn finish_trials(dir: &Path, formats: Formats) -> Result<()> {
    let csv_path = dir.join("trials.csv");
    if formats.parquet {
        let mut rows = CsvStream::open(&csv_path, "the run writes it")?;
        let mut out = ParquetWriter::create(&dir.join("trials.parquet"), rows.header())?;
        while let Some(row) = rows.next_row()? {
            out.push(&row)?;
        }
        out.finish()?;
    }
    if !formats.csv {
        std::fs::remove_file(&csv_path)
            .with_context(|| format!("cannot remove {}", csv_path.display()))?;
    }
    Ok(())
}

/// One piece of a table's CSV text, built and formatted by one worker.
type Piece<'a> = crate::engine::Task<'a, Result<Vec<u8>>>;

/// Rows of the weekly table per piece built and formatted by one worker.
const PIECE: usize = 1024;

/// `rows` as CSV text, with the header row first when `header` (the csv
/// writer writes it with the first row: no rows give no text).
fn csv_text<T: Serialize>(rows: &[T], header: bool) -> Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(header)
        .from_writer(Vec::new());
    for row in rows {
        w.serialize(row)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{}", e.error()))
}

/// `trials.csv` being flushed and synced ([`TrialsWriter::finish_meanwhile`]).
pub struct Syncing(std::thread::JoinHandle<Result<()>>);

impl Syncing {
    /// Waits until the file is on disk, or for why it could not be.
    pub fn wait(self) -> Result<()> {
        self.0
            .join()
            .map_err(|_| anyhow::anyhow!("the thread writing trials.csv stopped"))?
    }
}

/// `trials.csv`, written window by window as trials finish.
pub struct TrialsWriter {
    out: BufWriter<File>,
    path: PathBuf,
    variants: Vec<String>,
}

impl TrialsWriter {
    /// Creates the file and writes its header.
    pub fn create(path: &Path, variants: &[String]) -> Result<TrialsWriter> {
        let file =
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut w = TrialsWriter {
            out: BufWriter::with_capacity(1 << 16, file),
            path: path.to_path_buf(),
            variants: variants.to_vec(),
        };
        let header: Vec<&str> = ["variant", "trial"]
            .into_iter()
            .chain(TOTALS.iter().map(|t| t.name))
            .collect();
        writeln!(w.out, "{}", header.join(","))
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(w)
    }

    /// Reopens a `trials.csv` written up to a checkpoint: anything after
    /// its first `bytes` bytes (rows of an unfinished window) is cut off.
    pub fn resume(path: &Path, variants: &[String], bytes: u64) -> Result<TrialsWriter> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .with_context(|| format!("cannot reopen {}", path.display()))?;
        file.set_len(bytes)
            .and_then(|()| std::io::Seek::seek(&mut file, std::io::SeekFrom::End(0)))
            .with_context(|| format!("cannot rewind {} to its checkpoint", path.display()))?;
        Ok(TrialsWriter {
            out: BufWriter::with_capacity(1 << 16, file),
            path: path.to_path_buf(),
            variants: variants.to_vec(),
        })
    }

    /// Flushes and returns the file's length, for a checkpoint.
    pub fn checkpoint(&mut self) -> Result<u64> {
        self.out
            .flush()
            .and_then(|()| std::io::Seek::stream_position(self.out.get_mut()))
            .with_context(|| format!("cannot write {}", self.path.display()))
    }

    /// Appends rows: for each trial, one line per variant.
    pub fn append(&mut self, rows: &[TrialRow]) -> Result<()> {
        let mut line = String::with_capacity(256);
        for row in rows {
            for (v, totals) in row.totals.iter().enumerate() {
                line.clear();
                line.push_str(&self.variants[v]);
                line.push(',');
                line.push_str(&row.trial.to_string());
                for x in totals {
                    line.push(',');
                    line.push_str(&format_number(*x));
                }
                line.push('\n');
                self.out
                    .write_all(line.as_bytes())
                    .with_context(|| format!("cannot write {}", self.path.display()))?;
            }
        }
        Ok(())
    }

    /// Flushes and syncs the file on a thread of its own, so that the
    /// tables can be built meanwhile (the sync waits on the disk, not on
    /// a core); [`Syncing::wait`] for it before the file is read or the
    /// folder committed.
    pub fn finish_meanwhile(self) -> Syncing {
        Syncing(std::thread::spawn(move || self.finish()))
    }

    /// Flushes everything to disk.
    pub fn finish(mut self) -> Result<()> {
        self.out
            .flush()
            .with_context(|| format!("cannot write {}", self.path.display()))?;
        self.out
            .get_ref()
            .sync_all()
            .with_context(|| format!("cannot write {}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `/dev/full` accepts an open and fails every write with ENOSPC, as a
    /// full disk does.
    const FULL: &str = "/dev/full";

    fn message(e: anyhow::Error) -> String {
        format!("{e:#}")
    }

    #[test]
    fn formats_are_csv_parquet_or_both() {
        let f = |s: &str| s.parse::<Formats>();
        assert_eq!(f("csv"), Ok(Formats::default()));
        let both = Formats {
            csv: true,
            parquet: true,
        };
        assert_eq!(f("csv,parquet"), Ok(both));
        assert_eq!(f("parquet, csv"), Ok(both));
        assert_eq!(f("parquet").map(|x| (x.csv, x.parquet)), Ok((false, true)));
        assert_eq!(
            f("csv,xlsx"),
            Err("unknown format `xlsx`; use csv, parquet or csv,parquet".into())
        );
        assert!(f("").is_err());
        for s in ["csv", "parquet", "csv,parquet"] {
            assert_eq!(f(s).map(|x| x.to_string()), Ok(s.to_string()));
        }
    }

    #[test]
    fn a_parquet_table_reads_back_as_its_csv_text() {
        let dir = tempfile::tempdir().unwrap();
        let csv_path = dir.path().join("t.csv");
        let text =
            "variant,week,n,mean,attacks,readiness_mean\nbaseline,0,3,0.1,,\nb,1,4,,7,1e-300\n";
        let table = CsvTable::parse(&csv_path, text.as_bytes()).unwrap();
        let path = dir.path().join("t.parquet");
        let mut w = ParquetWriter::create(&path, table.header()).unwrap();
        for row in table.rows() {
            w.push(&row).unwrap();
        }
        w.finish().unwrap();
        // Asked for as t.csv, which is absent: read from t.parquet.
        let back = CsvTable::read(&csv_path, "hint").unwrap();
        assert_eq!(back.header().path(), path.as_path());
        let (h, rows) = back.into_text();
        assert_eq!(h.join(","), "variant,week,n,mean,attacks,readiness_mean");
        let rows: Vec<String> = rows.iter().map(|r| r.join(",")).collect();
        // 1e-300 comes back in cordon's CSV form of the same number.
        let tiny = crate::stats::tables::format_number(Some(1e-300));
        assert_eq!(
            rows,
            ["baseline,0,3,0.1,,".to_string(), format!("b,1,4,,7,{tiny}")]
        );
        // A bad count is named as the CSV reader names a bad cell.
        let bad = CsvTable::parse(&csv_path, b"variant,n\nbaseline,2.5\n").unwrap();
        let mut w = ParquetWriter::create(&dir.path().join("u.parquet"), bad.header()).unwrap();
        let e = w.push(&bad.rows().next().unwrap()).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{}: row 1 (line 2), column `n`: `2.5` is not a whole number",
                csv_path.display()
            )
        );
    }

    #[test]
    fn trials_past_one_row_group_stream_back_in_order() {
        use crate::results::parquet::ROW_GROUP_ROWS;
        let dir = tempfile::tempdir().unwrap();
        let rows = 2 * ROW_GROUP_ROWS + 5;
        let mut text = String::from("variant,trial,attacks,spend\n");
        for i in 0..rows {
            let attacks = if i % 7 == 0 {
                String::new()
            } else {
                (i % 13).to_string()
            };
            text.push_str(&format!("v{},{i},{attacks},{}\n", i % 3, i as f64 / 8.0));
        }
        std::fs::write(dir.path().join("trials.csv"), &text).unwrap();
        finish_trials(
            dir.path(),
            Formats {
                csv: false,
                parquet: true,
            },
        )
        .unwrap();
        assert!(!dir.path().join("trials.csv").exists());
        let mut s = CsvStream::open(&dir.path().join("trials.csv"), "hint").unwrap();
        let mut back = String::from("variant,trial,attacks,spend\n");
        while let Some(row) = s.next_row().unwrap() {
            let cells: Vec<&str> = (0..4).map(|c| row.text(c)).collect();
            back.push_str(&cells.join(","));
            back.push('\n');
        }
        assert_eq!(s.rows_read(), rows);
        assert!(back == text, "the rows differ");
    }

    #[test]
    fn a_full_disk_is_an_error_naming_the_file() {
        if !Path::new(FULL).exists() {
            return; // not Linux
        }
        let rows = vec![("a", 1); 10_000];
        let e = message(write_csv(Path::new(FULL), &rows).unwrap_err());
        assert!(e.contains("cannot write /dev/full"), "{e}");
        assert!(e.contains("No space left on device"), "{e}");
        let names = vec!["baseline".to_string()];
        let mut w = TrialsWriter::create(Path::new(FULL), &names).unwrap();
        let row = TrialRow {
            trial: 0,
            totals: vec![[Some(1.0); crate::stats::aggregate::N_TOTALS]],
        };
        // Rows fill the buffer, and the first write to the device fails.
        let e = (0..10_000)
            .map(|_| w.append(std::slice::from_ref(&row)))
            .find_map(Result::err)
            .map_or_else(|| message(w.finish().unwrap_err()), message);
        assert!(e.contains("cannot write /dev/full: No space left"), "{e}");
    }
}
