//! A run folder read back into typed values for the charts and the report.
//!
//! Charts are drawn from the CSV files and `manifest.json` alone, so that
//! results merged from a cluster, or an old run, can be plotted again. Every
//! problem with the input is reported with the file, and where it applies
//! the row and column, that hold it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::csv::{CsvStream, CsvTable, Row};
use crate::results::Manifest;
use crate::scenario::diagnostic::closest;

/// A variant to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// Its name, as in the manifest.
    pub name: String,
    /// Its place in the manifest (0 is the baseline); it fixes the colour.
    pub index: usize,
}

/// One week of one weekly metric, across trials.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeeklyStat {
    pub week: u32,
    pub mean: Option<f64>,
    pub ci95_lo: Option<f64>,
    pub ci95_hi: Option<f64>,
    pub p05: Option<f64>,
    pub p25: Option<f64>,
    pub p50: Option<f64>,
    pub p75: Option<f64>,
    pub p95: Option<f64>,
}

pub(crate) use crate::stats::interval::Estimate;

/// How one per-trial total spreads over trials, in memory that does not
/// grow with the number of trials: counts in narrow logarithmic bins of
/// `value + 1` (1,024 to a doubling), each remembering the largest value it
/// holds. Integers up to about 1,500 get a bin each, so counts such as
/// attacks are kept exactly; beyond that a bin is 0.07% wide, far finer than
/// a chart can show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spread {
    bins: BTreeMap<i64, (u64, f64)>,
    trials: u64,
}

/// Bins per doubling of `value + 1` in a [`Spread`].
const BINS_PER_OCTAVE: f64 = 1024.0;

impl Spread {
    /// Adds one trial's value (finite: the reader refuses other cells).
    pub fn add(&mut self, value: f64) {
        let magnitude = (value.abs() + 1.0).log2() * BINS_PER_OCTAVE;
        let bin = magnitude.floor() as i64;
        // Negative values (not written by cordon, but readable) mirror
        // below zero, keeping the bins in the order of their values.
        let key = if value < 0.0 { -bin - 1 } else { bin };
        let slot = self.bins.entry(key).or_insert((0, value));
        slot.0 += 1;
        slot.1 = slot.1.max(value);
        self.trials += 1;
    }

    /// Adds the trials of `other`: the same as adding its values one by
    /// one, in any order.
    pub fn merge(&mut self, other: &Spread) {
        for (&key, &(count, top)) in &other.bins {
            let slot = self.bins.entry(key).or_insert((0, top));
            slot.0 += count;
            slot.1 = slot.1.max(top);
        }
        self.trials += other.trials;
    }

    /// The number of trials added.
    pub fn trials(&self) -> u64 {
        self.trials
    }

    /// The distinct (largest value of a bin, trials in it), in value order.
    pub fn counts(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        self.bins.values().map(|&(count, top)| (top, count))
    }
}

/// The spread over trials of the per-trial totals of one variant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrialTotals {
    pub attacks: Spread,
    pub severity: Spread,
}

/// One row of `comparison.csv`: a variant against the baseline on one
/// per-trial total, paired on the trial index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paired {
    pub baseline_mean: Option<f64>,
    pub variant_mean: Option<f64>,
    /// Mean of (variant − baseline) with its 95% interval.
    pub diff: Estimate,
    /// Share of trials in which the variant did better (`None` where the
    /// metric has no better direction).
    pub p_better: Option<f64>,
    /// Spend of the variant minus the baseline's, per trial.
    pub spend_diff: Option<f64>,
    /// (baseline − variant) per 1,000 spend units of extra spend, with its
    /// interval (`None` where spend does not differ).
    pub averted_per_1000: Estimate,
}

/// What a report needs beyond the charts: the tables in full, read by
/// [`RunData::read_details`].
#[derive(Debug, Clone, Default)]
pub struct Details {
    /// `summary.csv`, by (variant, metric).
    pub summary: HashMap<(String, String), Estimate>,
    /// `comparison.csv`, by (variant, metric); empty when only the
    /// baseline ran.
    pub paired: HashMap<(String, String), Paired>,
    /// The (border, direction) pairs of `borders.csv`, in file order.
    pub directions: Vec<(String, String)>,
    /// `borders.csv` per direction, by (variant, direction, metric).
    pub direction_stats: HashMap<(String, String, String), Estimate>,
}

/// A CSV file as text: its header and rows, for tables shown as they are.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawTable {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Everything the charts need from one run folder.
#[derive(Debug, Clone)]
pub struct RunData {
    /// The run folder.
    pub dir: PathBuf,
    /// Its `manifest.json`.
    pub manifest: Manifest,
    /// Variants to draw, baseline first.
    pub variants: Vec<Variant>,
    /// `weekly.csv`, by (variant, metric), in week order.
    pub weekly: WeeklySeries,
    /// `trials.csv`, by variant.
    pub trials: HashMap<String, TrialTotals>,
    /// `states.csv`, by (variant, state, metric).
    pub states: HashMap<(String, String, String), Estimate>,
    /// Means of `borders.csv`, by (variant, border, metric), summed over
    /// both directions where the metric is a count.
    pub borders: HashMap<(String, String, String), f64>,
    /// `comparison.csv` (paired differences from the baseline), by
    /// (variant, metric); empty when only the baseline ran.
    pub comparison: HashMap<(String, String), Estimate>,
}

/// Weekly metrics the charts draw; each variant must have them.
pub(crate) const WEEKLY_METRICS: [&str; 4] = [
    "cells_in_alliance",
    "cumulative_attacks",
    "cumulative_entries",
    "p_any_attack",
];

/// Bytes of `trials.csv` per block parsed by one worker (each block then
/// runs to the end of its line).
const BLOCK: usize = 1 << 20;

/// The spreads of `trials.csv` at `path` for the `wanted` variants, as the
/// row-at-a-time reader finds them, read a bounded number of blocks of
/// whole lines at a time (at most `threads` blocks of about [`BLOCK`]
/// bytes held), each block parsed on one of `threads` workers. Only plain
/// files (no quotes, every row as wide as the header, every needed cell a
/// finite number) take this way: on anything else it gives `None`, and
/// the row-at-a-time reader reads the file again and names the problem.
fn spreads_in_blocks(
    path: &Path,
    wanted: &[&str],
    threads: usize,
) -> Result<Option<HashMap<String, TrialTotals>>, crate::Error> {
    use std::io::{BufRead, Read};
    let table = CsvStream::open(path, MISSING)?;
    let [variant, attacks, severity] =
        table.header().columns(["variant", "attacks", "severity"])?;
    let width = table.header().names().count();
    drop(table);
    let file = std::fs::File::open(path).map_err(|e| super::csv::open_error(path, e, MISSING))?;
    let mut input = std::io::BufReader::with_capacity(1 << 16, file);
    let io = |source| crate::Error::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    };
    let mut header = Vec::new();
    input.read_until(b'\n', &mut header).map_err(io)?;
    if header.contains(&b'"') {
        return Ok(None);
    }
    let columns = BlockColumns {
        width,
        variant,
        attacks,
        severity,
    };
    let mut found: HashMap<String, TrialTotals> = HashMap::new();
    let read_all = || -> Result<bool, crate::Error> {
        loop {
            let mut blocks = Vec::with_capacity(threads);
            for _ in 0..threads {
                let mut block = Vec::with_capacity(BLOCK + 256);
                (&mut input)
                    .take(BLOCK as u64)
                    .read_to_end(&mut block)
                    .map_err(io)?;
                if block.is_empty() {
                    break;
                }
                if !block.ends_with(b"\n") {
                    input.read_until(b'\n', &mut block).map_err(io)?;
                }
                blocks.push(block);
            }
            if blocks.is_empty() {
                return Ok(true);
            }
            let last = blocks.len() < threads;
            let parts = crate::engine::par_map(&blocks, |b| parse_block(b, wanted, &columns));
            for part in parts {
                let Some(part) = part else {
                    return Ok(false);
                };
                for (name, totals) in part {
                    let kept = found.entry(name).or_default();
                    kept.attacks.merge(&totals.attacks);
                    kept.severity.merge(&totals.severity);
                }
            }
            if last {
                return Ok(true);
            }
        }
    };
    Ok(crate::engine::with_pool(threads, read_all)??.then_some(found))
}

/// Where the cells [`parse_block`] needs are in a row of `trials.csv`.
struct BlockColumns {
    width: usize,
    variant: usize,
    attacks: usize,
    severity: usize,
}

/// The spreads of the wanted variants' rows in `block` (whole lines of
/// `trials.csv`), or `None` at the first thing the fast reader does not
/// take: a quote, bytes that are not UTF-8, a row not as wide as the
/// header, a needed cell that is not a finite number.
fn parse_block(
    block: &[u8],
    wanted: &[&str],
    c: &BlockColumns,
) -> Option<HashMap<String, TrialTotals>> {
    if block.contains(&b'"') {
        return None;
    }
    let text = std::str::from_utf8(block).ok()?;
    let number = |cell: &str| -> Option<f64> {
        let x: f64 = cell.trim().parse().ok()?;
        x.is_finite().then_some(x)
    };
    let mut found: HashMap<String, TrialTotals> = HashMap::new();
    let mut cells: Vec<&str> = Vec::with_capacity(c.width);
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        if line.contains('\r') {
            return None;
        }
        cells.clear();
        cells.extend(line.split(','));
        if cells.len() != c.width {
            return None;
        }
        let v = cells[c.variant];
        if !wanted.contains(&v) {
            continue;
        }
        let (a, s) = (number(cells[c.attacks])?, number(cells[c.severity])?);
        if !found.contains_key(v) {
            found.insert(v.to_string(), TrialTotals::default());
        }
        let totals = found.get_mut(v)?;
        totals.attacks.add(a);
        totals.severity.add(s);
    }
    Some(found)
}

/// Bytes of `weekly.csv` per piece parsed by one worker (about 4,000
/// rows), each piece then running to the end of its line.
const WEEKLY_PIECE_BYTES: usize = 1 << 19;

/// The series of `weekly.csv`, by (variant, metric) in week order, that
/// [`weekly_by_rows`] keeps for the `wanted` variants, parsed in
/// pieces of about [`WEEKLY_PIECE_BYTES`] on `threads` workers (each piece a task
/// of [`crate::engine::in_parallel`], so `CORDON_TIMINGS` shows them).
/// Each worker reads its piece from the file itself, so that reading the
/// file is not left to one thread. Only a plain file takes this way: no
/// quote or carriage return, every row as wide as the header, every
/// number cell empty or a finite number, every wanted series there. On
/// anything else (or a file that cannot be read) it gives `None`, and
/// [`weekly_by_rows`] reads the file again and names the problem.
fn weekly_in_pieces(
    path: &Path,
    wanted: &[&str],
    threads: usize,
) -> Result<Option<WeeklySeries>, crate::Error> {
    const COLUMNS: [&str; 11] = [
        "variant", "week", "metric", "mean", "ci95_lo", "ci95_hi", "p05", "p25", "p50", "p75",
        "p95",
    ];
    let Some(plan) = Pieces::plan(path, &COLUMNS, WEEKLY_PIECE_BYTES as u64) else {
        return Ok(None);
    };
    let columns: [usize; 11] = std::array::from_fn(|k| plan.columns[k]);
    let plan = &plan;
    let tasks: Vec<crate::engine::Task<'_, _>> = (0..plan.count())
        .map(|k| -> crate::engine::Task<'_, _> {
            Box::new(move || plan.parse(k, |text| weekly_piece(text, wanted, plan.width, &columns)))
        })
        .collect();
    let parsed =
        crate::engine::in_parallel(threads, tasks).map_err(|e| crate::Error::Other(e.into()))?;
    let Some(parts) = parsed.into_iter().collect::<Option<Vec<_>>>() else {
        return Ok(None);
    };
    let series = series_of(parts);
    Ok(missing_series(&series, wanted).is_none().then_some(series))
}

/// How a plain CSV file is read in pieces by several workers: where its
/// named columns are, and the byte shares of its body. Piece k holds the
/// lines that start in its share, `share` bytes from `body + k × share`
/// ([`read_piece`]).
struct Pieces<'a> {
    path: &'a Path,
    /// The file's length in bytes.
    len: u64,
    /// Where the first line after the header starts.
    body: u64,
    share: u64,
    /// Cells in a row (the header's).
    width: usize,
    /// The place of each column asked for, in the order asked.
    columns: Vec<usize>,
}

impl<'a> Pieces<'a> {
    /// The plan for the file at `path`, if it can be read and its header
    /// is plain text (see [`plain_text`]) naming every one of `columns`.
    fn plan(path: &'a Path, columns: &[&str], share: u64) -> Option<Pieces<'a>> {
        use std::io::BufRead;
        let file = std::fs::File::open(path).ok()?;
        let len = file.metadata().ok()?.len();
        let mut header = Vec::new();
        std::io::BufReader::new(file)
            .read_until(b'\n', &mut header)
            .ok()?;
        header.pop_if(|b| *b == b'\n')?;
        let names: Vec<&str> = plain_text(&header)?.split(',').collect();
        Some(Pieces {
            path,
            len,
            body: header.len() as u64 + 1,
            share,
            width: names.len(),
            columns: columns
                .iter()
                .map(|c| names.iter().position(|h| h == c))
                .collect::<Option<_>>()?,
        })
    }

    /// How many pieces the body makes.
    fn count(&self) -> usize {
        self.len.saturating_sub(self.body).div_ceil(self.share) as usize
    }

    /// Piece `k` read from the file and handed to `parse` as text, if it
    /// reads and is plain text; a piece whose share lay inside a line of
    /// the piece before is empty, without calling `parse`.
    fn parse<T: Default>(&self, k: usize, parse: impl FnOnce(&str) -> Option<T>) -> Option<T> {
        let from = self.body + k as u64 * self.share;
        let text = read_piece(self.path, from, (from + self.share).min(self.len), k == 0)?;
        match text.is_empty() {
            true => Some(T::default()),
            false => parse(plain_text(&text)?),
        }
    }
}

/// The whole lines of the file at `path` that start in bytes
/// `from..to` (`first`: `from` starts a line), read from the file: from
/// the first line start at or after `from` to the end of the line that
/// holds byte `to − 1`. `None` if the file cannot be read.
fn read_piece(path: &Path, from: u64, to: u64, first: bool) -> Option<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path).ok()?;
    // One byte before the share tells whether a line starts at `from`.
    let before = u64::from(!first);
    file.seek(SeekFrom::Start(from - before)).ok()?;
    let mut text = Vec::with_capacity((to - from + before) as usize + 512);
    file.by_ref()
        .take(to - from + before)
        .read_to_end(&mut text)
        .ok()?;
    // The line holding byte `to − 1` runs on past the share: read to its end.
    let mut chunk = [0u8; 512];
    while text.last().is_some_and(|&b| b != b'\n') {
        match file.read(&mut chunk).ok()? {
            0 => break,
            n => match chunk[..n].iter().position(|&b| b == b'\n') {
                Some(at) => text.extend_from_slice(&chunk[..=at]),
                None => text.extend_from_slice(&chunk[..n]),
            },
        }
    }
    // A line that began before the share belongs to the piece before.
    let start = match first {
        true => 0,
        false => text
            .iter()
            .position(|&b| b == b'\n')
            .map_or(text.len(), |at| at + 1),
    };
    text.drain(..start);
    Some(text)
}

/// `bytes` as text, if it is UTF-8 with no quote and no carriage return:
/// what [`weekly_in_pieces`] takes.
fn plain_text(bytes: &[u8]) -> Option<&str> {
    if bytes.iter().any(|&b| b == b'"' || b == b'\r') {
        return None;
    }
    std::str::from_utf8(bytes).ok()
}

/// The wanted rows of each piece, grouped by (variant, metric) in the
/// piece, put together in piece order: series by (variant, metric), each
/// in week order.
fn series_of(parts: Vec<PieceSeries>) -> WeeklySeries {
    let mut series = WeeklySeries::new();
    for part in parts {
        for (key, stats) in part {
            match series.get_mut(&key) {
                Some(s) => s.extend(stats),
                None => {
                    series.insert(key, stats);
                }
            }
        }
    }
    for s in series.values_mut() {
        s.sort_by_key(|s| s.week);
    }
    series
}

/// One piece's wanted rows by (variant, metric), each in file order, in
/// the order the series first appear in the piece.
type PieceSeries = Vec<((String, String), Vec<WeeklyStat>)>;

/// Adds `stat` to the series (`variant`, `metric`) of `rows` (a new one at
/// the end if absent): a piece holds a few dozen series at most, and rows
/// of one series come every few lines, so the last series found is tried
/// first.
fn group(rows: &mut PieceSeries, (variant, metric): (&str, &str), stat: WeeklyStat) {
    match rows
        .iter_mut()
        .rev()
        .find(|((v, m), _)| v == variant && m == metric)
    {
        Some((_, stats)) => stats.push(stat),
        None => rows.push(((variant.to_string(), metric.to_string()), vec![stat])),
    }
}

/// The first wanted (variant, metric) that `series` lacks.
fn missing_series<'a>(
    series: &WeeklySeries,
    wanted: &[&'a str],
) -> Option<(&'a str, &'static str)> {
    wanted.iter().find_map(|&v| {
        WEEKLY_METRICS
            .into_iter()
            .find(|m| !series.contains_key(&(v.to_string(), m.to_string())))
            .map(|m| (v, m))
    })
}

/// The wanted rows of one piece of `weekly.csv` (whole lines), or `None`
/// at the first thing [`weekly_in_pieces`] does not take.
fn weekly_piece(
    piece: &str,
    wanted: &[&str],
    width: usize,
    c: &[usize; 11],
) -> Option<PieceSeries> {
    let number = |cell: &str| -> Option<Option<f64>> {
        let cell = cell.trim();
        if cell.is_empty() {
            return Some(None);
        }
        let x: f64 = cell.parse().ok()?;
        x.is_finite().then_some(Some(x))
    };
    let mut found = Vec::new();
    let mut cells: Vec<&str> = Vec::with_capacity(width);
    for line in piece.strip_suffix('\n').unwrap_or(piece).split('\n') {
        cells.clear();
        cells.extend(line.split(','));
        if cells.len() != width {
            return None;
        }
        let stat = WeeklyStat {
            week: number(cells[c[1]])?? as u32,
            mean: number(cells[c[3]])?,
            ci95_lo: number(cells[c[4]])?,
            ci95_hi: number(cells[c[5]])?,
            p05: number(cells[c[6]])?,
            p25: number(cells[c[7]])?,
            p50: number(cells[c[8]])?,
            p75: number(cells[c[9]])?,
            p95: number(cells[c[10]])?,
        };
        let (v, m) = (cells[c[0]], cells[c[2]]);
        if wanted.contains(&v) && WEEKLY_METRICS.contains(&m) {
            group(&mut found, (v, m), stat);
        }
    }
    Some(found)
}

/// One of the small tables of a run folder, read by a worker of
/// [`RunData::read_on`].
enum Small {
    States(HashMap<(String, String, String), Estimate>),
    /// A piece of `borders.csv` ([`RunData::border_piece`]), `None` where
    /// the file must go back to the table reader.
    Borders(Option<BorderPiece>),
    Comparison(HashMap<(String, String), Estimate>),
}

/// The wanted rows of a piece of `borders.csv`: (variant, border, metric)
/// and the mean, in file order.
type BorderPiece = Vec<((String, String, String), f64)>;

/// `borders.csv` at `path` read by the table reader: the means of border
/// counts of the `wanted` variants, every row checked.
fn borders_by_rows(path: &Path, wanted: &[&str]) -> Result<BorderMeans, crate::Error> {
    let mut rows = Vec::new();
    let table = CsvTable::read(path, MISSING)?;
    let [variant, border, metric, mean] = table
        .header()
        .columns(["variant", "border", "metric", "mean"])?;
    for row in table.rows() {
        let value = row.number_at(mean)?.unwrap_or(0.0);
        let (v, m) = (row.text(variant), row.text(metric));
        if !wanted.contains(&v) || !BORDER_COUNTS.contains(&m) {
            continue;
        }
        let key = (v.to_string(), row.text(border).to_string(), m.to_string());
        rows.push((key, value));
    }
    Ok(sum_borders(rows.into_iter()))
}

/// Means of border counts by (variant, border, metric).
type BorderMeans = HashMap<(String, String, String), f64>;

/// The means of border counts, by (variant, border, metric), summed over
/// both directions in file order, as [`borders_by_rows`] sums them.
fn sum_borders(rows: impl Iterator<Item = ((String, String, String), f64)>) -> BorderMeans {
    let mut borders = BorderMeans::new();
    for (key, value) in rows {
        *borders.entry(key).or_default() += value;
    }
    borders
}

/// `weekly.csv`'s series, by (variant, metric), in week order.
pub(crate) type WeeklySeries = HashMap<(String, String), Vec<WeeklyStat>>;

/// `weekly.csv` at `path` read by the table reader: the series of the
/// `wanted` variants, every row checked, drawn or not (a bad cell means a
/// bad file), every wanted series there.
fn weekly_by_rows(path: &Path, wanted: &[&str]) -> Result<WeeklySeries, crate::Error> {
    let table = CsvTable::read(path, MISSING)?;
    let [variant, week, metric, mean, lo, hi, p05, p25, p50, p75, p95] =
        table.header().columns([
            "variant", "week", "metric", "mean", "ci95_lo", "ci95_hi", "p05", "p25", "p50", "p75",
            "p95",
        ])?;
    let mut rows = Vec::new();
    for row in table.rows() {
        let stat = WeeklyStat {
            week: row.required(week)? as u32,
            mean: row.number_at(mean)?,
            ci95_lo: row.number_at(lo)?,
            ci95_hi: row.number_at(hi)?,
            p05: row.number_at(p05)?,
            p25: row.number_at(p25)?,
            p50: row.number_at(p50)?,
            p75: row.number_at(p75)?,
            p95: row.number_at(p95)?,
        };
        let (v, m) = (row.text(variant), row.text(metric));
        if wanted.contains(&v) && WEEKLY_METRICS.contains(&m) {
            group(&mut rows, (v, m), stat);
        }
    }
    let series = series_of(vec![rows]);
    match missing_series(&series, wanted) {
        Some((v, m)) => Err(table
            .header()
            .invalid(&format!("no rows for variant `{v}` and metric `{m}`"))),
        None => Ok(series),
    }
}

/// Border metrics that are counts, so the two directions add up.
const BORDER_COUNTS: [&str; 3] = ["attempts", "interdictions", "crossings"];

impl RunData {
    /// Reads the run folder `dir`, keeping the baseline and `wanted`
    /// variants (all when `wanted` is empty).
    pub fn read(dir: &Path, wanted: &[String]) -> Result<RunData, crate::Error> {
        RunData::read_on(dir, wanted, 1)
    }

    /// Like [`RunData::read`], `trials.csv` (the file that grows with the
    /// trials) parsed in blocks and `weekly.csv` in pieces on `threads`
    /// workers; the values, and the words of any problem, are the same.
    pub fn read_on(dir: &Path, wanted: &[String], threads: usize) -> Result<RunData, crate::Error> {
        if !dir.is_dir() {
            return Err(crate::Error::Invalid(format!(
                "{}: no such folder; give a result folder written by `cordon run` (it holds manifest.json and the CSV files)",
                dir.display()
            )));
        }
        let manifest = Manifest::read(dir)?;
        let variants = select(&manifest, wanted, &dir.join("manifest.json"))?;
        let mut run = RunData {
            dir: dir.to_path_buf(),
            manifest,
            variants,
            weekly: HashMap::new(),
            trials: HashMap::new(),
            states: HashMap::new(),
            borders: HashMap::new(),
            comparison: HashMap::new(),
        };
        let clock = std::time::Instant::now();
        let wanted: Vec<&str> = run.variants.iter().map(|v| v.name.as_str()).collect();
        let path = dir.join("weekly.csv");
        run.weekly = match weekly_in_pieces(&path, &wanted, threads)? {
            Some(series) => series,
            None => weekly_by_rows(&path, &wanted)?,
        };
        crate::engine::timing("read weekly.csv", clock);
        let clock = std::time::Instant::now();
        if threads <= 1 || !run.read_trials_in_blocks(threads)? {
            run.read_trials()?;
        }
        crate::engine::timing("read trials.csv", clock);
        // The small tables read at the same time, borders.csv in pieces.
        let path = dir.join("borders.csv");
        let plan = Pieces::plan(&path, &["variant", "border", "metric", "mean"], 1 << 16);
        let (states, pieces, comparison) = {
            let run = &run;
            let mut tasks: Vec<crate::engine::Task<'_, Result<Small, crate::Error>>> = vec![
                Box::new(move || run.read_states().map(Small::States)),
                Box::new(move || match run.manifest.variants.len() > 1 {
                    true => run.read_comparison().map(Small::Comparison),
                    false => Ok(Small::Comparison(HashMap::new())),
                }),
            ];
            if let Some(plan) = &plan {
                tasks.extend((0..plan.count()).map(|k| -> crate::engine::Task<'_, _> {
                    Box::new(move || {
                        let wanted: Vec<&str> =
                            run.variants.iter().map(|v| v.name.as_str()).collect();
                        Ok(Small::Borders(
                            plan.parse(k, |t| RunData::border_piece(t, &wanted, plan)),
                        ))
                    })
                }));
            }
            let out_of_order = || crate::Error::Other(anyhow::anyhow!("tables read out of order"));
            let mut read = crate::engine::in_parallel(threads, tasks)
                .map_err(|e| crate::Error::Other(e.into()))?
                .into_iter();
            let (Some(Small::States(s)), Some(Small::Comparison(c))) =
                (read.next().transpose()?, read.next().transpose()?)
            else {
                return Err(out_of_order());
            };
            let mut pieces = plan.as_ref().map(|_| Vec::new());
            for piece in read {
                match (piece?, pieces.as_mut()) {
                    (Small::Borders(Some(piece)), Some(all)) => all.push(piece),
                    (Small::Borders(None), _) => pieces = None,
                    _ => return Err(out_of_order()),
                }
            }
            (s, pieces, c)
        };
        run.states = states;
        run.borders = match pieces {
            Some(pieces) => sum_borders(pieces.into_iter().flatten()),
            None => {
                let wanted: Vec<&str> = run.variants.iter().map(|v| v.name.as_str()).collect();
                borders_by_rows(&path, &wanted)?
            }
        };
        run.comparison = comparison;
        Ok(run)
    }

    /// Whether `name` is one of the variants to draw.
    pub fn wants(&self, name: &str) -> bool {
        self.variants.iter().any(|v| v.name == name)
    }

    /// The weeks of `metric` for `variant` (empty if absent).
    pub fn weekly(&self, variant: &str, metric: &str) -> &[WeeklyStat] {
        self.weekly
            .get(&(variant.to_string(), metric.to_string()))
            .map_or(&[], Vec::as_slice)
    }

    /// The last week of weekly `metric` for the baseline (at least 1, so
    /// an axis from week 0 is never empty).
    pub fn last_week(&self, metric: &str) -> u32 {
        self.weekly(&self.variants[0].name, metric)
            .iter()
            .map(|s| s.week)
            .max()
            .unwrap_or(1)
            .max(1)
    }

    /// The estimate of `metric` for member `state` under `variant`.
    pub fn state(&self, variant: &str, state: &str, metric: &str) -> Option<Estimate> {
        self.states
            .get(&(variant.to_string(), state.to_string(), metric.to_string()))
            .copied()
    }

    /// The mean of border `metric` on `border` under `variant`, both
    /// directions together.
    pub fn border(&self, variant: &str, border: &str, metric: &str) -> Option<f64> {
        self.borders
            .get(&(variant.to_string(), border.to_string(), metric.to_string()))
            .copied()
    }

    /// The paired difference from the baseline of `metric` for `variant`.
    pub fn difference(&self, variant: &str, metric: &str) -> Option<Estimate> {
        self.comparison
            .get(&(variant.to_string(), metric.to_string()))
            .copied()
    }

    /// Reads `trials.csv` a row at a time: it grows with the number of
    /// trials, and only its spread is kept.
    fn read_trials(&mut self) -> Result<(), crate::Error> {
        let mut table = CsvStream::open(&self.dir.join("trials.csv"), MISSING)?;
        let [variant, attacks, severity] =
            table.header().columns(["variant", "attacks", "severity"])?;
        while let Some(row) = table.next_row()? {
            let v = row.text(variant);
            if !self.wants(v) {
                continue;
            }
            let (a, s) = (row.required(attacks)?, row.required(severity)?);
            let totals = self.trials.entry(v.to_string()).or_default();
            totals.attacks.add(a);
            totals.severity.add(s);
        }
        match self
            .variants
            .iter()
            .find(|v| !self.trials.contains_key(&v.name))
        {
            Some(v) => Err(table
                .header()
                .invalid(&format!("no trials of variant `{}`", v.name))),
            None => Ok(()),
        }
    }

    /// Reads `trials.csv` as [`RunData::read_trials`] does, in blocks on
    /// `threads` workers (see [`spreads_in_blocks`]); `false`, having kept
    /// nothing, where that reader does not take the file (or there is no
    /// `trials.csv`: a Parquet-only run's `trials.parquet` is read by the
    /// one table reader).
    fn read_trials_in_blocks(&mut self, threads: usize) -> Result<bool, crate::Error> {
        let wanted: Vec<&str> = self.variants.iter().map(|v| v.name.as_str()).collect();
        let path = self.dir.join("trials.csv");
        if !path.is_file() {
            return Ok(false);
        }
        match spreads_in_blocks(&path, &wanted, threads)? {
            Some(found) if wanted.iter().all(|v| found.contains_key(*v)) => {
                self.trials = found;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn read_states(&self) -> Result<HashMap<(String, String, String), Estimate>, crate::Error> {
        let mut states = HashMap::new();
        let table = CsvTable::read(&self.dir.join("states.csv"), MISSING)?;
        let [variant, state, metric, mean, lo, hi] = table
            .header()
            .columns(["variant", "state", "metric", "mean", "ci95_lo", "ci95_hi"])?;
        for row in table.rows() {
            let estimate = estimate(&row, mean, lo, hi)?;
            if !self.wants(row.text(variant)) {
                continue;
            }
            let key = (
                row.text(variant).to_string(),
                row.text(state).to_string(),
                row.text(metric).to_string(),
            );
            states.insert(key, estimate);
        }
        Ok(states)
    }

    /// The wanted rows of one piece of `borders.csv` (whole lines), as
    /// [`borders_by_rows`] reads them, or `None` at the first thing
    /// it would not take as it is: a row of another width, or a mean that
    /// is neither empty nor a finite number.
    fn border_piece(piece: &str, wanted: &[&str], plan: &Pieces<'_>) -> Option<BorderPiece> {
        let c = &plan.columns;
        let mut found = Vec::new();
        let mut cells: Vec<&str> = Vec::with_capacity(plan.width);
        for line in piece.strip_suffix('\n').unwrap_or(piece).split('\n') {
            cells.clear();
            cells.extend(line.split(','));
            if cells.len() != plan.width {
                return None;
            }
            let mean = cells[c[3]].trim();
            let value = match mean.is_empty() {
                true => 0.0,
                false => mean.parse::<f64>().ok().filter(|x| x.is_finite())?,
            };
            let (v, b, m) = (cells[c[0]], cells[c[1]], cells[c[2]]);
            if wanted.contains(&v) && BORDER_COUNTS.contains(&m) {
                found.push(((v.to_string(), b.to_string(), m.to_string()), value));
            }
        }
        Some(found)
    }

    fn read_comparison(&self) -> Result<HashMap<(String, String), Estimate>, crate::Error> {
        let mut comparison = HashMap::new();
        let table = CsvTable::read(&self.dir.join("comparison.csv"), MISSING)?;
        let [variant, metric, mean, lo, hi] = table.header().columns([
            "variant",
            "metric",
            "diff_mean",
            "diff_ci95_lo",
            "diff_ci95_hi",
        ])?;
        for row in table.rows() {
            let estimate = estimate(&row, mean, lo, hi)?;
            if !self.wants(row.text(variant)) {
                continue;
            }
            let key = (row.text(variant).to_string(), row.text(metric).to_string());
            comparison.insert(key, estimate);
        }
        Ok(comparison)
    }

    /// Reads what a report needs beyond the charts: `summary.csv`,
    /// `comparison.csv` in full (when variants ran) and `borders.csv` by
    /// direction, for the variants to draw.
    pub fn read_details(&self) -> Result<Details, crate::Error> {
        let mut details = Details::default();
        self.read_summary(&mut details)?;
        self.read_directions(&mut details)?;
        if self.manifest.variants.len() > 1 {
            self.read_paired(&mut details)?;
        }
        Ok(details)
    }

    fn read_summary(&self, details: &mut Details) -> Result<(), crate::Error> {
        let table = CsvTable::read(&self.dir.join("summary.csv"), MISSING)?;
        let [variant, metric, mean, lo, hi] = table
            .header()
            .columns(["variant", "metric", "mean", "ci95_lo", "ci95_hi"])?;
        for row in table.rows() {
            let estimate = estimate(&row, mean, lo, hi)?;
            if self.wants(row.text(variant)) {
                let key = (row.text(variant).to_string(), row.text(metric).to_string());
                details.summary.insert(key, estimate);
            }
        }
        Ok(())
    }

    fn read_directions(&self, details: &mut Details) -> Result<(), crate::Error> {
        let table = CsvTable::read(&self.dir.join("borders.csv"), MISSING)?;
        let [variant, border, direction, metric, mean, lo, hi] = table.header().columns([
            "variant",
            "border",
            "direction",
            "metric",
            "mean",
            "ci95_lo",
            "ci95_hi",
        ])?;
        for row in table.rows() {
            let estimate = estimate(&row, mean, lo, hi)?;
            if !self.wants(row.text(variant)) {
                continue;
            }
            let pair = (
                row.text(border).to_string(),
                row.text(direction).to_string(),
            );
            if !details.directions.contains(&pair) {
                details.directions.push(pair);
            }
            let key = (
                row.text(variant).to_string(),
                row.text(direction).to_string(),
                row.text(metric).to_string(),
            );
            details.direction_stats.insert(key, estimate);
        }
        Ok(())
    }

    fn read_paired(&self, details: &mut Details) -> Result<(), crate::Error> {
        let table = CsvTable::read(&self.dir.join("comparison.csv"), MISSING)?;
        let [
            variant,
            metric,
            base,
            var,
            mean,
            lo,
            hi,
            better,
            spend,
            averted,
            a_lo,
            a_hi,
        ] = table.header().columns([
            "variant",
            "metric",
            "baseline_mean",
            "variant_mean",
            "diff_mean",
            "diff_ci95_lo",
            "diff_ci95_hi",
            "p_better",
            "spend_diff",
            "averted_per_1000",
            "averted_per_1000_ci95_lo",
            "averted_per_1000_ci95_hi",
        ])?;
        for row in table.rows() {
            let paired = Paired {
                baseline_mean: row.number_at(base)?,
                variant_mean: row.number_at(var)?,
                diff: estimate(&row, mean, lo, hi)?,
                p_better: row.number_at(better)?,
                spend_diff: row.number_at(spend)?,
                averted_per_1000: estimate(&row, averted, a_lo, a_hi)?,
            };
            if self.wants(row.text(variant)) {
                let key = (row.text(variant).to_string(), row.text(metric).to_string());
                details.paired.insert(key, paired);
            }
        }
        Ok(())
    }
}

/// Reads `file` of the run folder `dir` as text, for a table shown as it
/// is (a missing file or a malformed row is invalid input).
pub(crate) fn read_raw(dir: &Path, file: &str) -> Result<RawTable, crate::Error> {
    let (headers, rows) = CsvTable::read(&dir.join(file), MISSING)?.into_text();
    Ok(RawTable { headers, rows })
}

use crate::results::manifest::RUN_FOLDER as MISSING;

/// A mean and its interval from three columns of a row.
fn estimate(row: &Row<'_>, mean: usize, lo: usize, hi: usize) -> Result<Estimate, crate::Error> {
    Ok(Estimate {
        mean: row.number_at(mean)?,
        ci95_lo: row.number_at(lo)?,
        ci95_hi: row.number_at(hi)?,
    })
}

/// The baseline and the `wanted` variants (all when empty), in manifest
/// order; an unknown name is invalid input.
fn select(
    manifest: &Manifest,
    wanted: &[String],
    path: &Path,
) -> Result<Vec<Variant>, crate::Error> {
    let names: Vec<&str> = manifest.variants.iter().map(|v| v.name.as_str()).collect();
    if names.is_empty() {
        return Err(crate::Error::Invalid(format!(
            "{}: lists no variants; at least the baseline must be there",
            path.display()
        )));
    }
    if let Some(unknown) = wanted.iter().find(|w| !names.contains(&w.as_str())) {
        let hint = closest(unknown, names.iter().copied())
            .map_or(String::new(), |c| format!(" (did you mean `{c}`?)"));
        return Err(crate::Error::Invalid(format!(
            "unknown variant `{unknown}`{hint}; {} lists: {}",
            path.display(),
            names.join(", ")
        )));
    }
    Ok(names
        .iter()
        .enumerate()
        .filter(|(i, n)| *i == 0 || wanted.is_empty() || wanted.iter().any(|w| w == *n))
        .map(|(index, name)| Variant {
            name: name.to_string(),
            index,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "variant,trial,x,attacks,severity\n";

    /// The spreads of `text` (a `trials.csv`) as the row-at-a-time reader
    /// keeps them, for the `wanted` variants.
    fn by_rows(text: &str, wanted: &[&str]) -> HashMap<String, TrialTotals> {
        let mut found: HashMap<String, TrialTotals> = HashMap::new();
        let table = CsvTable::parse(Path::new("trials.csv"), text.as_bytes()).unwrap();
        for row in table.rows() {
            if wanted.contains(&row.text(0)) {
                let t = found.entry(row.text(0).to_string()).or_default();
                t.attacks.add(row.required(3).unwrap());
                t.severity.add(row.required(4).unwrap());
            }
        }
        found
    }

    fn in_blocks(
        text: &str,
        wanted: &[&str],
        threads: usize,
    ) -> Option<HashMap<String, TrialTotals>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trials.csv");
        std::fs::write(&path, text).unwrap();
        spreads_in_blocks(&path, wanted, threads).unwrap()
    }

    /// More than a few blocks of rows, values spread over many bins.
    fn big() -> String {
        let mut text = HEADER.to_string();
        for trial in 0..60_000u64 {
            for v in ["baseline", "b", "c"] {
                let a = (trial * 7919 + v.len() as u64) % 3001;
                let s = (trial as f64).sqrt() * 1.7 + a as f64 / 3.0;
                text.push_str(&format!("{v},{trial},1,{a},{s}\n"));
            }
        }
        text
    }

    #[test]
    fn blocks_on_any_thread_count_keep_what_rows_keep() {
        let text = big();
        assert!(text.len() > 3 * BLOCK, "{} bytes", text.len());
        let wanted = ["baseline", "c"];
        let expected = by_rows(&text, &wanted);
        assert_eq!(expected.len(), 2);
        for threads in [1, 2, 3, 8] {
            assert_eq!(in_blocks(&text, &wanted, threads), Some(expected.clone()));
        }
        // Windows line ends and a missing last line end read the same.
        let crlf = text.replace('\n', "\r\n");
        assert_eq!(in_blocks(crlf.trim_end(), &wanted, 3), Some(expected));
    }

    #[test]
    fn spreads_merge_as_if_added_one_by_one() {
        let values: Vec<f64> = (0..5000).map(|i| ((i * 37) % 997) as f64 * 1.37).collect();
        let mut all = Spread::default();
        values.iter().for_each(|&x| all.add(x));
        let (mut a, mut b) = (Spread::default(), Spread::default());
        values[..1234].iter().for_each(|&x| a.add(x));
        values[1234..].iter().for_each(|&x| b.add(x));
        b.merge(&a);
        assert_eq!(b, all);
    }

    #[test]
    fn anything_unusual_goes_back_to_the_row_reader() {
        let ok = format!("{HEADER}baseline,0,1,2,3.5\n");
        assert!(in_blocks(&ok, &["baseline"], 2).is_some());
        for bad in [
            format!("{HEADER}\"baseline\",0,1,2,3.5\n"),
            format!("{HEADER}baseline,0,1,2\n"),
            format!("{HEADER}baseline,0,1,2,3.5,9\n"),
            format!("{HEADER}baseline,0,1,two,3.5\n"),
            format!("{HEADER}baseline,0,1,,3.5\n"),
            format!("{HEADER}baseline,0,1,2,inf\n"),
            format!("{HEADER}baseline,0,1,2,3.5\rbaseline,1,1,2,3.5\n"),
        ] {
            assert_eq!(in_blocks(&bad, &["baseline"], 2), None, "{bad:?}");
        }
        // A bad cell of a variant not drawn is not read, as by rows.
        let other = format!("{HEADER}baseline,0,1,2,3.5\nb,0,1,two,3.5\n");
        assert!(in_blocks(&other, &["baseline"], 2).is_some());
    }

    /// A `weekly.csv` of three variants, 20,000 rows (four pieces), the
    /// weeks of each series out of order, some cells empty, a column the
    /// readers do not use, and a metric the charts do not draw.
    fn weekly_text() -> String {
        let mut text =
            String::from("variant,week,metric,n,mean,sd,ci95_lo,ci95_hi,p05,p25,p50,p75,p95\n");
        let metrics = [
            "cells_in_alliance",
            "cumulative_attacks",
            "other",
            "cumulative_entries",
            "p_any_attack",
        ];
        for i in 0..20_000u32 {
            let v = ["baseline", "a", "b"][(i % 3) as usize];
            let m = metrics[(i / 3 % 5) as usize];
            let week = (i * 7919) % 1_000;
            let x = f64::from(i) / 8.0;
            let p = if m == "p_any_attack" {
                String::new()
            } else {
                format!("{}", x - 1.0)
            };
            text += &format!(
                "{v},{week},{m},{i},{x},1.5,{},{},{p},{p},{x},{p},{}\n",
                x - 0.5,
                x + 0.5,
                x + 2.0
            );
        }
        text
    }

    /// The pieces give what the table reader gives, at any thread count,
    /// and anything unusual goes back to the table reader.
    #[test]
    fn pieces_read_from_the_file_are_its_lines_each_once() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("lines.csv");
        let body = "a,1\nbb,22\n\nccc,333\nd,4\n".repeat(5) + "a-very-long-line-indeed,0\nlast";
        let text = format!("h,k\n{body}");
        std::fs::write(&path, &text).unwrap();
        let (start, len) = (4u64, text.len() as u64);
        for share in [1u64, 2, 3, 7, 10, 50, 1000] {
            let mut joined = Vec::new();
            let mut from = start;
            while from < len {
                let piece = read_piece(&path, from, (from + share).min(len), from == start)
                    .expect("the file reads");
                // Whole lines only: a piece ends a line, or ends the file.
                if piece.last().is_some_and(|&b| b != b'\n') {
                    assert_eq!(
                        joined.len() + piece.len(),
                        body.len(),
                        "share {share} from {from}"
                    );
                }
                joined.extend(piece);
                from += share;
            }
            assert_eq!(String::from_utf8(joined).unwrap(), body, "share {share}");
        }
        assert_eq!(read_piece(&dir.path().join("none.csv"), 0, 1, true), None);
    }

    #[test]
    fn border_pieces_keep_what_the_table_reader_keeps() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("borders.csv");
        let mut text = String::from("variant,border,direction,metric,mean,se\n");
        let mut x = 0.1f64;
        for v in ["baseline", "b", "c"] {
            for border in ["A-B", "B-C", "C-D"] {
                for direction in ["out", "in"] {
                    for metric in ["attempts", "detections", "interdictions", "crossings"] {
                        // Means with many digits: summed in another order,
                        // the two directions would differ in the last bit.
                        x = (x * 7.31 + 0.137).fract() * 40.0;
                        let mean = if x > 38.0 {
                            String::new()
                        } else {
                            x.to_string()
                        };
                        text += &format!("{v},{border},{direction},{metric},{mean},0.5\n");
                    }
                }
            }
        }
        std::fs::write(&path, &text).unwrap();
        let wanted = ["baseline", "c"];
        let rows = borders_by_rows(&path, &wanted).unwrap();
        assert_eq!(rows.len(), 2 * 3 * BORDER_COUNTS.len());
        let pieces = |share: u64| {
            let plan = Pieces::plan(&path, &["variant", "border", "metric", "mean"], share)?;
            let all = (0..plan.count())
                .map(|k| plan.parse(k, |t| RunData::border_piece(t, &wanted, &plan)))
                .collect::<Option<Vec<_>>>()?;
            Some(sum_borders(all.into_iter().flatten()))
        };
        for share in [1, 40, 97, 1 << 16] {
            let summed = pieces(share).expect("a plain file");
            assert_eq!(summed.len(), rows.len(), "share {share}");
            for (key, mean) in &rows {
                assert_eq!(
                    summed[key].to_bits(),
                    mean.to_bits(),
                    "{key:?}, share {share}"
                );
            }
        }
        for (k, bad) in [
            text.replacen(",0.5", ",\"0.5\"", 1),
            text.replacen(",0.5\n", ",0.5,\n", 1),
            text.replacen("attempts,1", "attempts,x1", 1),
            text.replace("mean", "average"),
        ]
        .iter()
        .enumerate()
        {
            std::fs::write(&path, bad).unwrap();
            assert_eq!(pieces(97), None, "case {k}");
        }
    }

    #[test]
    fn weekly_pieces_keep_what_the_table_reader_keeps() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("weekly.csv");
        let text = weekly_text();
        std::fs::write(&path, &text).unwrap();
        let wanted = ["baseline", "b"];
        let rows = weekly_by_rows(&path, &wanted).unwrap();
        assert_eq!(rows.len(), 2 * WEEKLY_METRICS.len());
        assert!(
            rows.values()
                .all(|s| s.windows(2).all(|w| w[0].week <= w[1].week))
        );
        for threads in [1, 2, 3] {
            let pieces = weekly_in_pieces(&path, &wanted, threads).unwrap();
            assert_eq!(pieces.as_ref(), Some(&rows), "{threads} threads");
        }
        let unusual = [
            text.replacen("1.5", "\"1.5\"", 1),
            text.replace('\n', "\r\n"),
            text.replacen(",1.5,", ",1.5,,", 1),
            text.replacen(",1.5,", ",1.5,x", 9_000),
            text.replacen(",1.5,", ",1.5,inf", 1),
            text.replace("cumulative_entries", "entries"),
            text.replace("ci95_lo", "lo"),
            String::new(),
        ];
        for (k, bad) in unusual.iter().enumerate() {
            std::fs::write(&path, bad).unwrap();
            assert_eq!(
                weekly_in_pieces(&path, &wanted, 2).unwrap(),
                None,
                "case {k}"
            );
        }
        assert_eq!(
            weekly_in_pieces(&dir.path().join("none.csv"), &wanted, 2).unwrap(),
            None
        );
    }
}
