//! `cordon compare`: one variant of one saved run against one variant of
//! another (or the same) run, metric by metric.
//!
//! When the two manifests show the same random streams — the same seed,
//! the same trial indices and the same scenario structure (weeks, states,
//! regions, borders) — trial `i` of A and trial `i` of B drew the same
//! random numbers, whatever parameter values differ, and the comparison is
//! paired: the mean of per-trial differences with Student's t interval.
//! Otherwise the two samples are independent and the difference of means
//! gets Welch's interval. Either way `trials.csv` is streamed, never held:
//! a run can have millions of rows.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::results::Manifest;
use crate::results::csv::CsvStream;
use crate::scenario::diagnostic::closest;
use crate::stats::aggregate::TOTALS;
use crate::stats::interval::t_quantile_975;
use crate::stats::metric::TrialMetric;
use crate::stats::moments::Moments;
use crate::stats::tables::{describe, num};

/// Metrics compared when none is named.
pub const DEFAULT_METRICS: [&str; 4] = ["attacks", "severity", "entries", "spend"];

/// What to compare, resolved from the command line.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// Run folder A (the reference).
    pub a: PathBuf,
    /// Run folder B.
    pub b: PathBuf,
    /// The variant of A to use.
    pub variant_a: String,
    /// The variant of B to use.
    pub variant_b: String,
    /// Metrics (names of `trials.csv` columns); empty: [`DEFAULT_METRICS`].
    pub metrics: Vec<String>,
    /// Use Welch's unpaired interval even when the runs could be paired.
    pub unpaired: bool,
}

/// How the two samples were compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Per-trial differences on the same trial indices.
    Paired,
    /// Difference of two independent means, Welch's interval.
    Welch,
}

impl Method {
    /// The name used in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Paired => "paired",
            Method::Welch => "welch",
        }
    }
}

/// One side of a comparison.
#[derive(Debug, Clone)]
pub struct Side {
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub variant: String,
}

/// One metric of B against A.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CompareRow {
    pub metric: &'static str,
    pub variant_a: String,
    pub variant_b: String,
    pub method: &'static str,
    pub n_a: u64,
    pub n_b: u64,
    #[serde(serialize_with = "num")]
    pub mean_a: Option<f64>,
    #[serde(serialize_with = "num")]
    pub ci95_lo_a: Option<f64>,
    #[serde(serialize_with = "num")]
    pub ci95_hi_a: Option<f64>,
    #[serde(serialize_with = "num")]
    pub mean_b: Option<f64>,
    #[serde(serialize_with = "num")]
    pub ci95_lo_b: Option<f64>,
    #[serde(serialize_with = "num")]
    pub ci95_hi_b: Option<f64>,
    /// Mean of B minus mean of A (paired: mean of per-trial differences).
    #[serde(serialize_with = "num")]
    pub diff_mean: Option<f64>,
    #[serde(serialize_with = "num")]
    pub diff_se: Option<f64>,
    #[serde(serialize_with = "num")]
    pub diff_ci95_lo: Option<f64>,
    #[serde(serialize_with = "num")]
    pub diff_ci95_hi: Option<f64>,
    /// diff_mean / mean_a.
    #[serde(serialize_with = "num")]
    pub relative_change: Option<f64>,
    /// Paired only: share of trials in which B did better than A (empty
    /// where the metric has no better direction).
    #[serde(serialize_with = "num")]
    pub p_better: Option<f64>,
    /// Paired only: share of trials with equal values.
    #[serde(serialize_with = "num")]
    pub p_tie: Option<f64>,
    /// Half-width of Welch's interval on the same data, for reference: how
    /// much pairing narrowed the interval.
    #[serde(serialize_with = "num")]
    pub welch_ci95_half: Option<f64>,
}

/// A finished comparison.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub a: Side,
    pub b: Side,
    pub method: Method,
    /// Why this method: what the manifests share, or where they differ.
    pub reason: String,
    pub rows: Vec<CompareRow>,
}

/// Compares the runs as `opts` says.
pub fn compare(opts: &CompareOptions) -> Result<Comparison> {
    compare_with(opts, &|_| ())
}

/// Rows of `trials.csv` read between two calls of a progress callback.
pub const PROGRESS_ROWS: u64 = 1 << 16;

/// Like [`compare`], telling `progress` of every [`PROGRESS_ROWS`] rows
/// read (of both files together).
pub fn compare_with(opts: &CompareOptions, progress: &dyn Fn(u64)) -> Result<Comparison> {
    let metrics = resolve_metrics(&opts.metrics)?;
    let a = side(&opts.a, &opts.variant_a, "A")?;
    let b = side(&opts.b, &opts.variant_b, "B")?;
    let (method, reason) = match pairing(&a.manifest, &b.manifest) {
        Ok(why) if !opts.unpaired => (Method::Paired, why),
        Ok(why) => (
            Method::Welch,
            format!("--unpaired was given (the runs could be paired: {why})"),
        ),
        Err(why) => (Method::Welch, why),
    };
    let mut acc = Accumulator::new(&metrics, method);
    let mut sa = TrialStream::open(&a, &metrics, progress)?;
    let mut sb = TrialStream::open(&b, &metrics, progress)?;
    match method {
        Method::Paired => loop {
            match (sa.next()?, sb.next()?) {
                (Some((ta, xa)), Some((tb, xb))) => {
                    if ta != tb {
                        return Err(Error::Invalid(format!(
                            "{}: row {} (line {}): trial {tb} of variant `{}` where trial {ta} was expected (A's {}); the files are not in the same trial order",
                            sb.path().display(),
                            sb.csv.rows_read(),
                            sb.csv.rows_read() + 1,
                            b.variant,
                            sa.path().display()
                        )));
                    }
                    acc.add_pair(&xa, &xb);
                }
                (None, None) => break,
                (Some(_), None) | (None, Some(_)) => {
                    return Err(Error::Invalid(format!(
                        "{} and {} hold different numbers of trials of `{}` and `{}` although their manifests list the same trials; is one of them truncated?",
                        sa.path().display(),
                        sb.path().display(),
                        a.variant,
                        b.variant
                    )));
                }
            }
        },
        Method::Welch => {
            while let Some((_, x)) = sa.next()? {
                acc.add_a(&x);
            }
            while let Some((_, x)) = sb.next()? {
                acc.add_b(&x);
            }
        }
    }
    sa.finish(&a)?;
    sb.finish(&b)?;
    let rows = acc.rows(&a.variant, &b.variant);
    Ok(Comparison {
        a,
        b,
        method,
        reason,
        rows,
    })
}

/// Indices into [`TOTALS`] of the named metrics (defaults when empty); an
/// unknown name is invalid input with the closest valid one.
pub fn resolve_metrics(names: &[String]) -> Result<Vec<usize>> {
    let names: Vec<&str> = if names.is_empty() {
        DEFAULT_METRICS.to_vec()
    } else {
        names.iter().map(String::as_str).collect()
    };
    let mut out: Vec<usize> = Vec::new();
    for name in names {
        let i = TrialMetric::total(name)?;
        if !out.contains(&i) {
            out.push(i);
        }
    }
    Ok(out)
}

/// Reads a run folder's manifest and checks that it ran `variant`.
fn side(dir: &Path, variant: &str, label: &str) -> Result<Side> {
    if !dir.is_dir() {
        return Err(Error::Invalid(format!(
            "{label}: {}: no such folder; give a result folder written by `cordon run` or `cordon merge`",
            dir.display()
        )));
    }
    let path = dir.join("manifest.json");
    let manifest: Manifest = crate::results::manifest::read(
        dir,
        &format!(
            "{label} is not a result folder of `cordon run` (it holds manifest.json and trials.csv)"
        ),
    )?;
    let names: Vec<&str> = manifest.variants.iter().map(|v| v.name.as_str()).collect();
    if !names.contains(&variant) {
        let hint = closest(variant, names.iter().copied())
            .map_or(String::new(), |c| format!(" (did you mean `{c}`?)"));
        return Err(Error::Invalid(format!(
            "{label}: unknown variant `{variant}`{hint}; {} lists: {}",
            path.display(),
            names.join(", ")
        )));
    }
    Ok(Side {
        dir: dir.to_path_buf(),
        variant: variant.to_string(),
        manifest,
    })
}

/// The trial indices a run holds.
fn trial_range(m: &Manifest) -> std::ops::Range<u64> {
    m.shard
        .as_ref()
        .map_or(0..m.trials, |s| s.first_trial..s.end_trial)
}

/// Whether trial `i` of run A and trial `i` of run B drew the same random
/// streams: `Ok` with what they share, or `Err` with the first difference.
///
/// Random streams are keyed by (seed, trial index, stream), and cells'
/// streams by (source region, week of spawn, index), so the seed, the
/// trial indices, the weeks and the geography (states and their roles,
/// regions with their states and which are sources, borders and their
/// ends) must agree, and so must the posterior a run drew its parameter
/// points from (the same file, by SHA-256, or none in either: trial i of
/// a run over a posterior draws its point from (seed, i)). Parameter
/// values — budgets, allocations, priorities, model constants — may
/// differ: that is what a comparison is for.
pub fn pairing(a: &Manifest, b: &Manifest) -> std::result::Result<String, String> {
    if a.seed != b.seed {
        return Err(format!(
            "the seeds differ ({} in A, {} in B), so their trials drew different random numbers",
            a.seed, b.seed
        ));
    }
    let (ra, rb) = (trial_range(a), trial_range(b));
    if ra != rb {
        let hint = if a.shard.is_some() || b.shard.is_some() {
            "; merge the shards first (`cordon merge`) to compare whole runs paired"
        } else {
            ""
        };
        return Err(format!(
            "the trial indices differ ({}..{} in A, {}..{} in B){hint}",
            ra.start, ra.end, rb.start, rb.end
        ));
    }
    let over = match (&a.posterior, &b.posterior) {
        (None, None) => String::new(),
        (Some(pa), Some(pb)) if pa.sha256 == pb.sha256 => format!(
            ", over the same posterior ({} points, sha256 {}…), so trial i drew the same parameter point in both",
            pa.points,
            &pa.sha256[..pa.sha256.len().min(12)]
        ),
        (Some(pa), Some(pb)) => {
            return Err(format!(
                "the runs are over different posteriors ({} with sha256 {}… in A, {} with sha256 {}… in B), so trial i drew different parameter points",
                pa.path,
                &pa.sha256[..pa.sha256.len().min(12)],
                pb.path,
                &pb.sha256[..pb.sha256.len().min(12)]
            ));
        }
        (Some(p), None) | (None, Some(p)) => {
            let (with, without) = if a.posterior.is_some() {
                ("A", "B")
            } else {
                ("B", "A")
            };
            return Err(format!(
                "{with} ran over the posterior {} and {without} did not, so their trials drew different parameter values",
                p.path
            ));
        }
    };
    if (a.weeks, a.start_week) != (b.weeks, b.start_week) {
        return Err(format!(
            "the horizons differ ({} weeks from week {} in A, {} weeks from week {} in B)",
            a.weeks, a.start_week, b.weeks, b.start_week
        ));
    }
    let states = |m: &Manifest| -> Vec<(String, String)> {
        m.states
            .iter()
            .map(|s| (s.id.clone(), s.role.clone()))
            .collect()
    };
    if states(a) != states(b) {
        return Err("the states or their roles differ".into());
    }
    let regions = |m: &Manifest| -> Vec<(String, String, bool)> {
        m.regions
            .iter()
            .map(|r| (r.id.clone(), r.state.clone(), r.source))
            .collect()
    };
    if regions(a) != regions(b) {
        return Err("the regions (or their states, or which are source regions) differ".into());
    }
    let borders = |m: &Manifest| -> Vec<(String, String, String, bool)> {
        m.borders
            .iter()
            .map(|x| (x.id.clone(), x.a.clone(), x.b.clone(), x.segment))
            .collect()
    };
    if borders(a) != borders(b) {
        return Err("the borders differ".into());
    }
    Ok(format!(
        "both runs have seed {}, trials {}..{}, {} weeks and the same {}, {} and {}, so trial i drew the same random streams in A and B (common random numbers){over}",
        a.seed,
        ra.start,
        ra.end,
        a.weeks,
        plural(a.states.len(), "state"),
        plural(a.regions.len(), "region"),
        plural(a.borders.len(), "border")
    ))
}

/// "1 border", "2 borders".
fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The rows of one variant in a `trials.csv`, read one at a time.
struct TrialStream<'p> {
    progress: &'p dyn Fn(u64),
    csv: CsvStream,
    variant: String,
    variant_col: usize,
    trial_col: usize,
    /// (index into TOTALS, column).
    columns: Vec<(usize, usize)>,
    last: Option<u64>,
    count: u64,
}

impl<'p> TrialStream<'p> {
    fn open(side: &Side, metrics: &[usize], progress: &'p dyn Fn(u64)) -> Result<TrialStream<'p>> {
        let csv = CsvStream::open(
            &side.dir.join("trials.csv"),
            "the per-trial values are needed to compare runs",
        )?;
        let header = csv.header();
        let columns = metrics
            .iter()
            .map(|&i| Ok((i, header.column(TOTALS[i].name)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(TrialStream {
            progress,
            variant_col: header.column("variant")?,
            trial_col: header.column("trial")?,
            csv,
            variant: side.variant.clone(),
            columns,
            last: None,
            count: 0,
        })
    }

    /// The next trial of the variant: its index and the metrics' values.
    fn next(&mut self) -> Result<Option<(u64, Vec<f64>)>> {
        loop {
            let Some(row) = self.csv.next_row()? else {
                return Ok(None);
            };
            if (row.number() as u64 + 1).is_multiple_of(PROGRESS_ROWS) {
                (self.progress)(PROGRESS_ROWS);
            }
            if row.text(self.variant_col) != self.variant.as_str() {
                continue;
            }
            let trial = row.index(self.trial_col)?;
            if let Some(last) = self.last.filter(|&l| trial <= l) {
                return Err(row.bad(
                    self.trial_col,
                    &format!("trial {trial} after trial {last}: rows are not in trial order"),
                ));
            }
            let values = self
                .columns
                .iter()
                .map(|&(_, c)| row.required(c))
                .collect::<Result<Vec<f64>>>()?;
            self.last = Some(trial);
            self.count += 1;
            return Ok(Some((trial, values)));
        }
    }

    fn path(&self) -> &Path {
        self.csv.header().path()
    }

    /// Checks that every trial the manifest lists was read.
    fn finish(&self, side: &Side) -> Result<()> {
        let range = trial_range(&side.manifest);
        let expected = range.end - range.start;
        if self.count != expected {
            return Err(Error::Invalid(format!(
                "{}: {} trials of variant `{}`, but manifest.json lists {expected} (trials {}..{}); is the file truncated?",
                self.path().display(),
                self.count,
                self.variant,
                range.start,
                range.end
            )));
        }
        Ok(())
    }
}

/// Exact running sums for every metric of both sides.
struct Accumulator {
    metrics: Vec<usize>,
    method: Method,
    a: Vec<Moments>,
    b: Vec<Moments>,
    diff: Vec<Moments>,
    better: Vec<u64>,
    ties: Vec<u64>,
}

impl Accumulator {
    fn new(metrics: &[usize], method: Method) -> Accumulator {
        let grids = || {
            metrics
                .iter()
                .map(|&i| Moments::new(TOTALS[i].grid))
                .collect()
        };
        Accumulator {
            metrics: metrics.to_vec(),
            method,
            a: grids(),
            b: grids(),
            diff: grids(),
            better: vec![0; metrics.len()],
            ties: vec![0; metrics.len()],
        }
    }

    fn add_a(&mut self, x: &[f64]) {
        for (m, &v) in self.a.iter_mut().zip(x) {
            m.add(v);
        }
    }

    fn add_b(&mut self, x: &[f64]) {
        for (m, &v) in self.b.iter_mut().zip(x) {
            m.add(v);
        }
    }

    fn add_pair(&mut self, xa: &[f64], xb: &[f64]) {
        self.add_a(xa);
        self.add_b(xb);
        for (k, (&va, &vb)) in xa.iter().zip(xb).enumerate() {
            let def = TOTALS[self.metrics[k]];
            self.diff[k].add_grid(def.grid.quantize(vb) - def.grid.quantize(va));
            if va == vb {
                self.ties[k] += 1;
            } else if let Some(lower) = def.lower_is_better {
                self.better[k] += u64::from((vb < va) == lower);
            }
        }
    }

    fn rows(&self, variant_a: &str, variant_b: &str) -> Vec<CompareRow> {
        (0..self.metrics.len())
            .map(|k| self.row(k, variant_a, variant_b))
            .collect()
    }

    fn row(&self, k: usize, variant_a: &str, variant_b: &str) -> CompareRow {
        let def = TOTALS[self.metrics[k]];
        let (ma, _, ca) = describe(&self.a[k]);
        let (mb, _, cb) = describe(&self.b[k]);
        let welch = welch(&self.a[k], &self.b[k]);
        let (diff, se, ci) = match self.method {
            Method::Paired => describe(&self.diff[k]),
            Method::Welch => welch.map_or((None, None, None), |(d, se, half)| {
                (Some(d), Some(se), Some((d - half, d + half)))
            }),
        };
        let n = self.diff[k].n;
        let share = |c: u64| (self.method == Method::Paired && n > 0).then(|| c as f64 / n as f64);
        CompareRow {
            metric: def.name,
            variant_a: variant_a.to_string(),
            variant_b: variant_b.to_string(),
            method: self.method.as_str(),
            n_a: self.a[k].n,
            n_b: self.b[k].n,
            mean_a: ma,
            ci95_lo_a: ca.map(|c| c.0),
            ci95_hi_a: ca.map(|c| c.1),
            mean_b: mb,
            ci95_lo_b: cb.map(|c| c.0),
            ci95_hi_b: cb.map(|c| c.1),
            diff_mean: diff,
            diff_se: se,
            diff_ci95_lo: ci.map(|c| c.0),
            diff_ci95_hi: ci.map(|c| c.1),
            relative_change: diff.zip(ma).filter(|(_, a)| *a != 0.0).map(|(d, a)| d / a),
            p_better: def.lower_is_better.and(share(self.better[k])),
            p_tie: share(self.ties[k]),
            welch_ci95_half: welch.map(|w| w.2),
        }
    }
}

/// Welch's difference of means (B − A): the difference, its standard
/// error and the half-width of its 95% interval, with the
/// Welch–Satterthwaite degrees of freedom (`None` below 2 values a side).
pub fn welch(a: &Moments, b: &Moments) -> Option<(f64, f64, f64)> {
    let (ma, mb) = (a.mean()?, b.mean()?);
    let (va, vb) = (a.variance()? / a.n as f64, b.variance()? / b.n as f64);
    let se = (va + vb).sqrt();
    if se == 0.0 {
        return Some((mb - ma, 0.0, 0.0));
    }
    let df = (va + vb).powi(2) / (va * va / (a.n - 1) as f64 + vb * vb / (b.n - 1) as f64);
    let t = t_quantile_975((df.floor() as u64).max(1));
    Some((mb - ma, se, t * se))
}

/// Writes the rows as a CSV file, atomically (a temporary file in the same
/// folder, renamed into place); an existing file is refused unless `force`.
pub fn write_rows(path: &Path, rows: &[CompareRow], force: bool) -> Result<()> {
    if path.exists() && !force {
        return Err(Error::Invalid(format!(
            "{}: already exists; choose another --csv file or add --force to replace it",
            path.display()
        )));
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let temp = tempfile::NamedTempFile::new_in(&parent)
        .with_context(|| format!("cannot create a temporary file in {}", parent.display()))?;
    crate::results::tables::write_csv(temp.path(), rows)?;
    temp.persist(path)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::moments::Grid;

    #[test]
    fn unknown_metrics_get_the_closest_name() {
        let e = resolve_metrics(&["atacks".to_string()])
            .err()
            .map(|e| e.to_string());
        assert!(
            e.as_deref()
                .is_some_and(|m| m.contains("did you mean `attacks`?")),
            "{e:?}"
        );
        assert!(resolve_metrics(&["first_attack_week".to_string()]).is_err());
        assert_eq!(resolve_metrics(&[]).ok().map(|m| m.len()), Some(4));
    }

    #[test]
    fn welch_matches_a_hand_computed_case() {
        let mut a = Moments::new(Grid::Count);
        let mut b = Moments::new(Grid::Count);
        for x in [1.0, 2.0, 3.0, 4.0] {
            a.add(x);
        }
        for x in [2.0, 4.0, 6.0, 8.0, 10.0] {
            b.add(x);
        }
        // var a = 5/3, var b = 10; se² = 5/12 + 2 = 29/12.
        let (d, se, half) = welch(&a, &b).unwrap_or_default();
        assert!((d - 3.5).abs() < 1e-12);
        assert!((se - (29.0f64 / 12.0).sqrt()).abs() < 1e-12);
        // df = (29/12)² / ((5/12)²/3 + 2²/4) = 5.43…, floor 5: t = 2.5706.
        assert!((half / se - 2.570_582).abs() < 1e-5, "{}", half / se);
    }
}
