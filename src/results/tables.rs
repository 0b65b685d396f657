//! CSV files: typed rows in, tidy long-format text out.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::engine::TrialRow;
use crate::stats::RunStats;
use crate::stats::aggregate::TOTALS;
use crate::stats::tables::{
    Layout, border_rows, comparison_rows, format_number, state_rows, summary_rows, weekly_rows,
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

/// Writes weekly, summary, states, borders and (with variants) comparison
/// tables into `dir`.
pub fn write_tables(dir: &Path, stats: &RunStats, layout: &Layout) -> Result<()> {
    write_tables_on(dir, stats, layout, 1)
}

/// Like [`write_tables`], on `threads` workers: the tables' rows are built
/// at the same time, then formatted as CSV in pieces of [`PIECE`] rows at
/// the same time (so the largest table, `weekly.csv`, is not left to one
/// worker), then each file is written. The bytes do not depend on
/// `threads`; a failure names the first table, in the order above, that
/// could not be written.
pub fn write_tables_on(
    dir: &Path,
    stats: &RunStats,
    layout: &Layout,
    threads: usize,
) -> Result<()> {
    use crate::engine::{Task, in_parallel};
    let variants = layout.variants.len() > 1;
    let (weekly, summary, states, borders, comparison) = {
        let tasks: Vec<Task<'_, Rows<'_>>> = vec![
            Box::new(|| Rows::Weekly(weekly_rows(stats, layout))),
            Box::new(|| Rows::Summary(summary_rows(stats, layout))),
            Box::new(|| Rows::States(state_rows(stats, layout))),
            Box::new(|| Rows::Borders(border_rows(stats, layout))),
            Box::new(move || match variants {
                true => Rows::Comparison(comparison_rows(stats, layout)),
                false => Rows::Comparison(Vec::new()),
            }),
        ];
        let mut built = in_parallel(threads, tasks)?.into_iter();
        match (
            built.next(),
            built.next(),
            built.next(),
            built.next(),
            built.next(),
        ) {
            (
                Some(Rows::Weekly(w)),
                Some(Rows::Summary(s)),
                Some(Rows::States(st)),
                Some(Rows::Borders(b)),
                Some(Rows::Comparison(c)),
            ) => (w, s, st, b, c),
            _ => anyhow::bail!("the tables were not built in order"),
        }
    };
    let mut files: Vec<(&str, Vec<Piece<'_>>)> = vec![
        ("weekly.csv", pieces(&weekly)),
        ("summary.csv", pieces(&summary)),
        ("states.csv", pieces(&states)),
        ("borders.csv", pieces(&borders)),
    ];
    if variants {
        files.push(("comparison.csv", pieces(&comparison)));
    }
    let counts: Vec<usize> = files.iter().map(|(_, t)| t.len()).collect();
    let tasks: Vec<_> = files.iter_mut().flat_map(|(_, t)| t.drain(..)).collect();
    let mut formatted = in_parallel(threads, tasks)?.into_iter();
    for ((name, _), count) in files.iter().zip(counts) {
        let path = dir.join(name);
        let mut text = Vec::new();
        for piece in formatted.by_ref().take(count) {
            text.extend(piece.with_context(|| format!("cannot write {}", path.display()))?);
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// The rows of each run table, as [`write_tables_on`] builds them.
enum Rows<'a> {
    Weekly(Vec<crate::stats::tables::WeeklyRow<'a>>),
    Summary(Vec<crate::stats::tables::SummaryRow<'a>>),
    States(Vec<crate::stats::tables::StateRow<'a>>),
    Borders(Vec<crate::stats::tables::BorderRow<'a>>),
    Comparison(Vec<crate::stats::tables::ComparisonRow<'a>>),
}

/// Formats one piece of a table: its CSV text.
type Piece<'a> = crate::engine::Task<'a, Result<Vec<u8>>>;

/// Rows per piece of a table formatted by one worker.
const PIECE: usize = 8192;

/// Tasks that format `rows` as CSV, [`PIECE`] rows each, the header only
/// in the first: their texts one after another are what [`write_csv`]
/// writes (also for no rows: then one empty piece).
fn pieces<T: Serialize + Sync>(rows: &[T]) -> Vec<Piece<'_>> {
    let chunks: Vec<&[T]> = if rows.is_empty() {
        vec![rows]
    } else {
        rows.chunks(PIECE).collect()
    };
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| -> Piece<'_> {
            Box::new(move || {
                let mut w = csv::WriterBuilder::new()
                    .has_headers(i == 0)
                    .from_writer(Vec::new());
                for row in chunk {
                    w.serialize(row)?;
                }
                w.into_inner().map_err(|e| anyhow::anyhow!("{}", e.error()))
            })
        })
        .collect()
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
