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

/// Like [`write_tables`], the tables built and written at the same time on
/// `threads` workers (the bytes do not depend on it). A failure names the
/// first table, in the order above, that could not be written.
pub fn write_tables_on(
    dir: &Path,
    stats: &RunStats,
    layout: &Layout,
    threads: usize,
) -> Result<()> {
    let file = |name: &str| dir.join(name);
    let mut tasks: Vec<crate::engine::Task<'_, Result<()>>> = vec![
        Box::new(|| write_csv(&file("weekly.csv"), &weekly_rows(stats, layout))),
        Box::new(|| write_csv(&file("summary.csv"), &summary_rows(stats, layout))),
        Box::new(|| write_csv(&file("states.csv"), &state_rows(stats, layout))),
        Box::new(|| write_csv(&file("borders.csv"), &border_rows(stats, layout))),
    ];
    if layout.variants.len() > 1 {
        tasks.push(Box::new(|| {
            write_csv(&file("comparison.csv"), &comparison_rows(stats, layout))
        }));
    }
    crate::engine::in_parallel(threads, tasks)?
        .into_iter()
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
