//! `sweep.csv` and the manifest of a sweep folder: one row per point and
//! variant, each outcome's mean with its 95% interval.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::engine::points::{Design, PointResult};
use crate::scenario::ranges::DesignKind;
use crate::stats::interval::Estimate;
use crate::stats::tables::{Layout, format_number, summary_rows};

/// The column of mean weekly patrol detection into member territory.
pub const PATROL_IN: &str = "patrol_detection_in";

pub(crate) fn layout(variants: &[String]) -> Layout {
    Layout {
        variants: variants.to_vec(),
        members: vec![],
        segments: vec![],
        patrol: vec![],
    }
}

/// One row of `sweep.csv`: one variant at one point.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRow {
    pub point: usize,
    pub variant: usize,
    pub values: Vec<f64>,
    pub trials: u64,
    pub patrol_in: Option<f64>,
    /// In [`SweepTable::metrics`] order.
    pub metrics: Vec<Estimate>,
}

/// Everything `sweep.csv` holds.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepTable {
    pub params: Vec<crate::scenario::ranges::ParamRange>,
    pub kind: DesignKind,
    pub variants: Vec<String>,
    pub metrics: Vec<&'static str>,
    pub rows: Vec<SweepRow>,
}

/// One point's rows of `sweep.csv`, made as soon as the point is done so
/// that its statistics need not be kept: a sweep's memory does not grow
/// with its number of points.
#[derive(Debug, Clone)]
pub struct PointRows {
    variants: Vec<String>,
    metrics: Vec<&'static str>,
    rows: Vec<SweepRow>,
}

impl PointRows {
    /// The rows of point `point` (at `values`) from its statistics.
    pub fn of(point: usize, values: &[f64], r: &PointResult) -> PointRows {
        let lay = layout(&r.variants);
        let summary = summary_rows(&r.stats, &lay);
        let mut metrics = Vec::new();
        let mut rows = Vec::new();
        for (v, vs) in r.stats.variants.iter().enumerate() {
            let mine: Vec<_> = summary
                .iter()
                .filter(|s| s.variant == r.variants[v])
                .collect();
            if metrics.is_empty() {
                metrics = mine.iter().map(|s| s.metric).collect();
            }
            rows.push(SweepRow {
                point,
                variant: v,
                values: values.to_vec(),
                trials: vs.trials,
                patrol_in: r.patrol_in.get(v).copied().flatten(),
                metrics: mine
                    .iter()
                    .map(|s| Estimate {
                        mean: s.mean,
                        ci95_lo: s.ci95_lo,
                        ci95_hi: s.ci95_hi,
                    })
                    .collect(),
            });
        }
        PointRows {
            variants: r.variants.clone(),
            metrics,
            rows,
        }
    }
}

impl SweepTable {
    /// The table of every point's rows, in point order.
    pub fn new(design: &Design, points: Vec<PointRows>) -> SweepTable {
        let variants = points
            .first()
            .map(|p| p.variants.clone())
            .unwrap_or_default();
        let metrics = points
            .iter()
            .find(|p| !p.metrics.is_empty())
            .map(|p| p.metrics.clone())
            .unwrap_or_default();
        SweepTable {
            params: design.params.clone(),
            kind: design.kind,
            variants,
            metrics,
            rows: points.into_iter().flat_map(|p| p.rows).collect(),
        }
    }

    /// The estimate of `metric` in `row` (patrol detection has no interval:
    /// it is the same in every trial).
    pub fn estimate(&self, row: &SweepRow, metric: &str) -> Option<Estimate> {
        if metric == PATROL_IN {
            return Some(Estimate {
                mean: row.patrol_in,
                ci95_lo: row.patrol_in,
                ci95_hi: row.patrol_in,
            });
        }
        let i = self.metrics.iter().position(|m| *m == metric)?;
        row.metrics.get(i).copied()
    }

    /// The header of `sweep.csv`.
    pub fn header(&self) -> Vec<String> {
        let mut h = vec!["point".to_string(), "variant".to_string()];
        h.extend(self.params.iter().map(|p| p.path.clone()));
        h.push("trials".into());
        h.push(PATROL_IN.into());
        for m in &self.metrics {
            for part in ["mean", "ci95_lo", "ci95_hi"] {
                h.push(format!("{m}_{part}"));
            }
        }
        h
    }

    /// The cells of one row, as written.
    pub fn record(&self, row: &SweepRow) -> Vec<String> {
        let mut r = vec![
            row.point.to_string(),
            self.variants.get(row.variant).cloned().unwrap_or_default(),
        ];
        r.extend(row.values.iter().map(|x| format_number(Some(*x))));
        r.push(row.trials.to_string());
        r.push(format_number(row.patrol_in));
        for e in &row.metrics {
            r.extend([e.mean, e.ci95_lo, e.ci95_hi].map(format_number));
        }
        r
    }

    /// Writes `sweep.csv`. Its rows are formatted in pieces in parallel
    /// (in the current pool, [`crate::engine::with_pool`]) and written in
    /// order: the same bytes as one writer would give. Each piece's writer
    /// is given the header first, so that it refuses a row of another
    /// length as one writer would, and the header is then cut from the
    /// piece.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let cannot = || format!("cannot write {}", path.display());
        let header = self.header();
        let written = |rows: &[SweepRow]| -> csv::Result<Vec<u8>> {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(&header)?;
            for row in rows {
                w.write_record(self.record(row))?;
            }
            w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
        };
        let head = written(&[]).with_context(cannot)?;
        let pieces: Vec<&[SweepRow]> = self.rows.chunks(ROWS_PER_PIECE).collect();
        let formatted =
            crate::engine::par_map_step("rows formatted", &pieces, |rows| written(rows));
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        let mut file = std::io::BufWriter::new(file);
        file.write_all(&head).with_context(cannot)?;
        for piece in formatted {
            let piece = piece.with_context(cannot)?;
            file.write_all(&piece[head.len()..]).with_context(cannot)?;
        }
        file.flush().with_context(cannot)?;
        Ok(())
    }
}

/// Rows of `sweep.csv` formatted as one task (a sweep of 40 points and
/// 9 variants has 360).
const ROWS_PER_PIECE: usize = 64;

/// `manifest.json` of a sweep folder.
#[derive(Debug, serde::Serialize)]
pub struct SweepManifest {
    pub cordon_version: String,
    pub scenario: crate::results::ScenarioEntry,
    pub seed: u64,
    pub trials_per_point: u64,
    pub weeks: u32,
    /// `--set` values applied to every point.
    pub sets: Vec<String>,
    pub design: DesignKind,
    pub parameters: Vec<crate::scenario::ranges::ParamRange>,
    pub points: usize,
    pub variants: Vec<String>,
    /// Set for a sweep over a posterior (`cordon sweep --posterior`):
    /// every point integrates over it, trial i drawing the same
    /// parameter point at every design point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub posterior: Option<crate::results::manifest::PosteriorEntry>,
    pub threads: usize,
    pub command_line: String,
    pub started_utc: String,
    pub wall_seconds: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table of `points` points × 3 variants, with awkward cells: a
    /// name that needs quoting, missing values, long fractions.
    fn table(points: usize) -> SweepTable {
        let variants = vec!["baseline".to_string(), "a, \"quoted\"".into(), "c".into()];
        let rows = (0..points)
            .flat_map(|p| {
                (0..3).map(move |v| SweepRow {
                    point: p,
                    variant: v,
                    values: vec![0.1 * p as f64 / 3.0],
                    trials: 100,
                    patrol_in: (v != 2).then_some(1.0 / (p + 7) as f64),
                    metrics: vec![Estimate {
                        mean: Some(p as f64 / 7.0),
                        ci95_lo: (p % 5 != 0).then_some(p as f64 / 9.0),
                        ci95_hi: Some(2.0 / 3.0 + p as f64),
                    }],
                })
            })
            .collect();
        SweepTable {
            params: vec![crate::scenario::ranges::ParamRange {
                path: "model.detection_scale".into(),
                low: 0.0,
                high: 1.0,
                steps: points as u32,
                integer: false,
                rescale: None,
                log: false,
            }],
            kind: DesignKind::Grid,
            variants,
            metrics: vec!["attacks"],
            rows,
        }
    }

    /// The rows formatted in pieces in parallel are the bytes one writer
    /// writes, at any thread count and across pieces.
    #[test]
    fn rows_in_pieces_are_what_one_writer_writes() {
        let dir = tempfile::tempdir().unwrap();
        for points in [0, 1, 21, 22, 100] {
            let t = table(points);
            assert_eq!(t.rows.len() > ROWS_PER_PIECE, points > 21);
            let mut one = csv::Writer::from_writer(Vec::new());
            one.write_record(t.header()).unwrap();
            for row in &t.rows {
                one.write_record(t.record(row)).unwrap();
            }
            let one = one.into_inner().unwrap();
            for threads in [1, 3] {
                let path = dir.path().join(format!("sweep-{points}-{threads}.csv"));
                crate::engine::with_pool(threads, || t.write(&path))
                    .unwrap()
                    .unwrap();
                assert_eq!(std::fs::read(&path).unwrap(), one, "{points} points");
            }
        }
        // A row of another length is refused, in any piece, as one writer
        // refuses it.
        for bad in [0, 64, 99] {
            let mut t = table(40);
            let extra = t.rows[bad].metrics[0];
            t.rows[bad].metrics.push(extra);
            let path = dir.path().join("bad.csv");
            let written = crate::engine::with_pool(2, || t.write(&path)).unwrap();
            let e = written.expect_err("a ragged row");
            assert!(format!("{e:#}").contains("found record with"), "{e:#}");
        }
    }
}
