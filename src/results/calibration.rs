//! A calibration folder read back into typed values: `calibration.csv`,
//! `posterior.csv`, `predictive.csv`, `generations.csv` and the manifest.
//!
//! The types are defined here, below the charts and the report, rather
//! than taken from `crate::study::calibrate`: the charts are redrawn from the
//! files alone (an old folder, one copied from a cluster), and lower floors
//! never import higher ones. Every problem names the file that holds it
//! (through the one CSV reader, [`super::csv`], and the one manifest
//! reader, [`super::manifest::read`]).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::csv::CsvTable;
use serde::de::DeserializeOwned;

/// What the manifest of a calibration says, as far as charts and the
/// report need it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Manifest {
    #[serde(default)]
    pub cordon_version: String,
    pub kind: String,
    pub scenario: ScenarioEntry,
    #[serde(default)]
    pub sets: Vec<String>,
    pub seed: u64,
    #[serde(default)]
    pub warmup_weeks: u32,
    pub settings: Settings,
    pub trials_per_particle: u64,
    pub observed: Vec<ObservedSeries>,
    #[serde(default)]
    pub generations: u32,
    #[serde(default)]
    pub final_temperature: f64,
    #[serde(default)]
    pub converged: bool,
    #[serde(default)]
    pub simulations: u64,
    #[serde(default)]
    pub threads: usize,
    #[serde(default)]
    pub command_line: String,
    #[serde(default)]
    pub started_utc: String,
    #[serde(default)]
    pub wall_seconds: f64,
}

/// The scenario a calibration fitted.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ScenarioEntry {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub sha256: String,
}

/// The sampler's settings.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Settings {
    pub particles: usize,
    /// Cap on generations after the first draw from the prior.
    pub generations: u32,
    /// The effective sample size, as a share of the particles, that each
    /// generation's step in likelihood power aims at.
    pub ess_fraction: f64,
    #[serde(default)]
    pub max_moves: u32,
}

/// One observed series, as the scenario gave it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ObservedSeries {
    /// `attacks`, `attacks in TJK`, ...
    pub series: String,
    pub period_weeks: u32,
    pub start_week: u32,
    pub counts: Vec<u64>,
    /// Where the numbers come from.
    pub source: String,
}

/// One row of `calibration.csv`: a parameter's prior and posterior.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub(crate) struct Parameter {
    /// Its dotted path, as for `--set`.
    pub parameter: String,
    pub prior_low: f64,
    pub prior_high: f64,
    /// `linear` or `log` (a log-uniform prior).
    pub scale: String,
    pub mean: f64,
    pub sd: f64,
    pub q05: f64,
    pub median: f64,
    pub q95: f64,
    /// 1 − (posterior 90% interval) / (prior 90% interval), in the prior's
    /// coordinates.
    pub shrinkage: f64,
}

impl Parameter {
    /// Whether the prior is log-uniform.
    pub(crate) fn log(&self) -> bool {
        self.scale == "log"
    }

    /// `value` in the prior's coordinates: ln(value) for a log-uniform
    /// prior (with a positive lower bound), else the value.
    pub(crate) fn coordinate(&self, value: f64) -> f64 {
        if self.log() && self.prior_low > 0.0 {
            value.ln()
        } else {
            value
        }
    }

    /// Where `value` lies in the prior's range, in its coordinates: 0 at
    /// the low bound, 1 at the high one (`None` for an empty range).
    pub(crate) fn position(&self, value: f64) -> Option<f64> {
        let (a, b) = (
            self.coordinate(self.prior_low),
            self.coordinate(self.prior_high),
        );
        (b > a).then(|| (self.coordinate(value) - a) / (b - a))
    }
}

/// One row of `predictive.csv`: an observed count against the posterior
/// predictive draws of its period.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Predictive {
    /// The `[[observed]]` table of the row: its 0-based index in the
    /// scenario file (and in the manifest's `observed` list). Folders
    /// written before the column existed get it from runs of rising periods
    /// (see [`number_series`]).
    #[serde(default = "unnumbered")]
    pub series_id: usize,
    pub series: String,
    pub period: usize,
    pub from_week: u32,
    /// The last week of the period (inclusive).
    pub to_week: u32,
    pub observed: u64,
    pub mean: f64,
    pub q05: f64,
    pub q50: f64,
    pub q95: f64,
    /// Share of predictive draws at or above the observed count.
    pub p_at_or_above: f64,
    pub source: String,
}

impl Predictive {
    /// Whether the observed count lies inside the 90% predictive band.
    pub(crate) fn inside(&self) -> bool {
        let y = self.observed as f64;
        !(y < self.q05 || y > self.q95)
    }
}

/// One row of `generations.csv`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub(crate) struct Generation {
    pub generation: u32,
    /// The power of the likelihood in this generation's target (1 is the
    /// posterior).
    pub temperature: f64,
    /// Effective sample size after reweighting, in particles.
    pub ess: f64,
    /// Share of proposals accepted over this generation's moves.
    pub acceptance: f64,
    pub moves: u32,
    pub simulations: u64,
    pub elapsed_s: f64,
}

/// One particle of `posterior.csv`: its values, in the order of
/// [`Calibration::parameters`], and its weight.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Particle {
    pub values: Vec<f64>,
    pub weight: f64,
}

/// Everything in a calibration folder.
#[derive(Debug, Clone)]
pub(crate) struct Calibration {
    pub manifest: Manifest,
    /// At least one, in the order of `calibration.csv`.
    pub parameters: Vec<Parameter>,
    /// At least one particle; weights are finite and not negative.
    pub posterior: Vec<Particle>,
    pub predictive: Vec<Predictive>,
    pub generations: Vec<Generation>,
}

/// The manifest kind `cordon calibrate` writes.
pub(crate) const KIND: &str = "calibration";

/// Whether `dir` holds a calibration: its manifest says so, or (for a
/// folder without a readable manifest) it has a `posterior.csv`.
pub(crate) fn is_calibration(dir: &Path) -> bool {
    #[derive(Deserialize)]
    struct Kind {
        kind: Option<String>,
    }
    match super::manifest::read::<Kind>(dir, FOLDER) {
        Ok(Kind { kind: Some(k) }) => k == KIND,
        _ => dir.join("posterior.csv").is_file(),
    }
}

impl Calibration {
    /// Reads the calibration folder `dir`.
    pub(crate) fn read(dir: &Path) -> Result<Calibration, crate::Error> {
        if !dir.is_dir() {
            return Err(crate::Error::Invalid(format!(
                "{}: no such folder; give a result folder written by `cordon calibrate`",
                dir.display()
            )));
        }
        let manifest = read_manifest(dir)?;
        let parameters: Vec<Parameter> = read_rows(dir, "calibration.csv")?;
        if parameters.is_empty() {
            return Err(crate::Error::Invalid(format!(
                "{}: no parameters; `cordon calibrate` writes one row per [[uncertain]] table",
                dir.join("calibration.csv").display()
            )));
        }
        let posterior = read_posterior(&dir.join("posterior.csv"), &parameters)?;
        Ok(Calibration {
            manifest,
            parameters,
            posterior,
            predictive: number_series(read_rows(dir, "predictive.csv")?),
            generations: read_rows(dir, "generations.csv")?,
        })
    }

    /// The (value, weight) pairs of parameter `k`.
    pub(crate) fn weighted(&self, k: usize) -> Vec<(f64, f64)> {
        self.posterior
            .iter()
            .map(|p| (p.values[k], p.weight))
            .collect()
    }

    /// The weighted correlation of parameters `i` and `j`, each in its
    /// prior's coordinates.
    pub(crate) fn correlation(&self, i: usize, j: usize) -> Option<f64> {
        let (pi, pj) = (&self.parameters[i], &self.parameters[j]);
        let points: Vec<(f64, f64, f64)> = self
            .posterior
            .iter()
            .map(|p| {
                (
                    pj.coordinate(p.values[j]),
                    pi.coordinate(p.values[i]),
                    p.weight,
                )
            })
            .collect();
        correlation(&points)
    }

    /// The name of series `id` as pages and charts show it: its `series`
    /// name, with "(series ID)" after it when another series shares the
    /// name.
    pub(crate) fn series_label(&self, id: usize, name: &str) -> String {
        let shared = self
            .predictive
            .iter()
            .any(|r| r.series == name && r.series_id != id)
            || self
                .manifest
                .observed
                .iter()
                .enumerate()
                .any(|(i, o)| o.series == name && i != id);
        if shared {
            format!("{name} (series {id})")
        } else {
            name.to_string()
        }
    }

    /// The rows of `predictive.csv` series by series, in file order: a
    /// series is the rows of one `series_id` (two `[[observed]]` tables
    /// may share a name, alliance-wide attacks by year and by quarter, so
    /// the name alone does not tell them apart).
    pub(crate) fn series(&self) -> Vec<Vec<&Predictive>> {
        let mut out: Vec<Vec<&Predictive>> = Vec::new();
        for r in &self.predictive {
            match out.last_mut() {
                Some(run) if run.last().is_some_and(|p| p.series_id == r.series_id) => run.push(r),
                _ => out.push(vec![r]),
            }
        }
        out
    }
}

fn read_manifest(dir: &Path) -> Result<Manifest, crate::Error> {
    let m: Manifest = super::manifest::read(dir, FOLDER)?;
    if m.kind != KIND {
        return Err(crate::Error::Invalid(format!(
            "{}: kind is `{}`, but a calibration's is `{KIND}`",
            dir.join(super::manifest::MANIFEST).display(),
            m.kind
        )));
    }
    Ok(m)
}

/// The `series_id` of a row from a folder written before the column.
fn unnumbered() -> usize {
    usize::MAX
}

/// Gives rows without a `series_id` (folders written before the column)
/// one from their order: a series is a run of rows of one name whose
/// periods rise. Rows that have one keep it.
fn number_series(mut rows: Vec<Predictive>) -> Vec<Predictive> {
    if rows.iter().all(|r| r.series_id != usize::MAX) {
        return rows;
    }
    let mut id = 0;
    for k in 0..rows.len() {
        if k > 0 {
            let (prev, this) = (&rows[k - 1], &rows[k]);
            if this.series != prev.series || this.period <= prev.period {
                id += 1;
            }
        }
        rows[k].series_id = id;
    }
    rows
}

/// What a calibration folder holds, for the message about a missing file.
const FOLDER: &str = "a folder written by `cordon calibrate` holds manifest.json, calibration.csv, posterior.csv, predictive.csv and generations.csv";

/// Every row of `dir/file` as a `T` (the header names the fields).
fn read_rows<T: DeserializeOwned>(dir: &Path, file: &str) -> Result<Vec<T>, crate::Error> {
    CsvTable::read(&dir.join(file), FOLDER)?.deserialize()
}

/// `posterior.csv`: one column per parameter (by its path), then `weight`.
fn read_posterior(path: &Path, parameters: &[Parameter]) -> Result<Vec<Particle>, crate::Error> {
    let table = CsvTable::read(path, FOLDER)?;
    let header = table.header();
    let columns = parameters
        .iter()
        .map(|p| header.column(&p.parameter))
        .collect::<Result<Vec<_>, _>>()?;
    let weight_at = header.column("weight")?;
    let mut particles = Vec::new();
    for row in table.rows() {
        let values = columns
            .iter()
            .map(|&c| row.required(c))
            .collect::<Result<_, _>>()?;
        let weight = row.required(weight_at)?;
        if weight < 0.0 {
            return Err(row.bad(weight_at, "the weight is negative"));
        }
        particles.push(Particle { values, weight });
    }
    if particles.is_empty() {
        return Err(header.invalid("no particles"));
    }
    Ok(particles)
}

/// Shares of the total weight of `values` (value, weight) in `bins` equal
/// bins over `lo..hi`; values outside the range count in the end bins.
/// The shares sum to 1 (all 0 when there is no weight).
pub(crate) fn histogram(values: &[(f64, f64)], (lo, hi): (f64, f64), bins: usize) -> Vec<f64> {
    let bins = bins.max(1);
    let mut shares = vec![0.0; bins];
    let width = hi - lo;
    for &(x, w) in values {
        let at = if width > 0.0 {
            ((x - lo) / width * bins as f64).floor()
        } else {
            0.0
        };
        let i = if at.is_nan() {
            0
        } else {
            at.clamp(0.0, (bins - 1) as f64) as usize
        };
        shares[i] += w;
    }
    let total: f64 = shares.iter().sum();
    if total > 0.0 {
        for s in &mut shares {
            *s /= total;
        }
    }
    shares
}

/// The weighted correlation of the pairs `(x, y)` with weights `w`
/// (`None` when either varies not at all).
pub(crate) fn correlation(points: &[(f64, f64, f64)]) -> Option<f64> {
    let total: f64 = points.iter().map(|p| p.2).sum();
    if total <= 0.0 {
        return None;
    }
    let mx = points.iter().map(|p| p.0 * p.2).sum::<f64>() / total;
    let my = points.iter().map(|p| p.1 * p.2).sum::<f64>() / total;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for &(x, y, w) in points {
        sxy += w * (x - mx) * (y - my);
        sxx += w * (x - mx).powi(2);
        syy += w * (y - my).powi(2);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_without_series_ids_get_them_from_rising_periods() {
        let row = |series: &str, period: usize, id: usize| Predictive {
            series_id: id,
            series: series.into(),
            period,
            from_week: 0,
            to_week: 0,
            observed: 0,
            mean: 0.0,
            q05: 0.0,
            q50: 0.0,
            q95: 0.0,
            p_at_or_above: 0.0,
            source: String::new(),
        };
        let old = vec![
            row("attacks", 0, usize::MAX),
            row("attacks", 1, usize::MAX),
            row("attacks", 0, usize::MAX),
            row("entries", 0, usize::MAX),
        ];
        let ids: Vec<usize> = number_series(old).iter().map(|r| r.series_id).collect();
        assert_eq!(ids, vec![0, 0, 1, 2]);
        let new = vec![row("attacks", 0, 3), row("attacks", 0, 5)];
        let ids: Vec<usize> = number_series(new).iter().map(|r| r.series_id).collect();
        assert_eq!(ids, vec![3, 5], "ids written by cordon are kept");
    }

    #[test]
    fn a_weighted_histogram_counts_weight_not_particles() {
        let values = [(0.05, 1.0), (0.15, 1.0), (0.16, 2.0), (0.95, 4.0)];
        let shares = histogram(&values, (0.0, 1.0), 10);
        assert_eq!(shares.len(), 10);
        let expect = [0.125, 0.375, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5];
        for (got, want) in shares.iter().zip(expect) {
            assert!((got - want).abs() < 1e-12, "{shares:?}");
        }
    }

    #[test]
    fn edges_and_strays_fall_in_the_end_bins() {
        // The upper edge belongs to the last bin; values beyond the range
        // (rounding at the prior's bounds) to the nearest end.
        let values = [(1.0, 1.0), (-0.1, 1.0), (2.0, 1.0), (0.0, 1.0)];
        let shares = histogram(&values, (0.0, 1.0), 4);
        assert_eq!(shares, vec![0.5, 0.0, 0.0, 0.5]);
        assert_eq!(histogram(&[], (0.0, 1.0), 3), vec![0.0; 3]);
        assert_eq!(histogram(&[(0.5, 1.0)], (1.0, 1.0), 0), vec![1.0]);
    }

    #[test]
    fn weighted_correlation_has_the_sign_of_the_relation() {
        let up = [(1.0, 2.0, 1.0), (2.0, 4.0, 1.0), (3.0, 6.5, 2.0)];
        let down = [(1.0, 3.0, 1.0), (2.0, 2.0, 1.0), (3.0, 1.0, 1.0)];
        assert!(correlation(&up).is_some_and(|r| r > 0.99));
        assert!(correlation(&down).is_some_and(|r| (r + 1.0).abs() < 1e-12));
        assert_eq!(correlation(&[(1.0, 1.0, 1.0), (1.0, 2.0, 1.0)]), None);
    }
}
