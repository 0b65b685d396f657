//! A posterior: weighted parameter points over dotted paths, as
//! `posterior.csv` holds them (docs/model.md §4a; `cordon calibrate` writes
//! it), and the weighted draw that gives each trial of a posterior run its
//! point.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::csv::CsvTable;
use crate::error::{Error, Result};
use crate::model::streams::mix;
use crate::scenario::ranges::ParamRange;

/// Weighted points over paths.
#[derive(Debug, Clone, PartialEq)]
pub struct Posterior {
    /// The dotted path of each column.
    pub paths: Vec<String>,
    /// One row of values per point, in the order of `paths`.
    pub points: Vec<Vec<f64>>,
    /// Normalised weights, one per point.
    pub weights: Vec<f64>,
    /// Where it was read from, and the SHA-256 of the file.
    pub file: PathBuf,
    pub sha256: String,
}

/// Most points a posterior file may hold.
pub(crate) const MAX_POINTS: usize = 1_000_000;

impl Posterior {
    /// Reads `posterior.csv`, the one inside a calibrate folder, or the
    /// posterior shipped with a built-in scenario (by its name).
    pub fn read(path: &Path) -> Result<Posterior> {
        let file = if path.is_dir() {
            path.join("posterior.csv")
        } else {
            path.to_path_buf()
        };
        if !file.exists()
            && let Some(text) = crate::scenario::builtin::posterior(&path.to_string_lossy())
        {
            let name = format!("builtin:{}", path.display());
            return Posterior::parse(text.as_bytes(), PathBuf::from(name));
        }
        let bytes = std::fs::read(&file).map_err(|e| {
            Error::Invalid(format!(
                "cannot read posterior {}: {e} (expected a cordon calibrate folder, its posterior.csv, or the name of a built-in scenario that ships one)",
                file.display()
            ))
        })?;
        Posterior::parse(&bytes, file)
    }

    /// Parses the bytes of a `posterior.csv`; `file` names it in messages.
    pub fn parse(bytes: &[u8], file: PathBuf) -> Result<Posterior> {
        let sha256 = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let table = CsvTable::parse(&file, bytes)?;
        let header = table.header();
        let cols: Vec<&str> = header.names().collect();
        if cols.last() != Some(&"weight") || cols.len() < 2 {
            return Err(header.invalid(&format!(
                "expected columns PATH,...,weight (one per calibrated path, then weight), found {}",
                cols.join(",")
            )));
        }
        let paths: Vec<String> = cols[..cols.len() - 1]
            .iter()
            .map(|s| s.to_string())
            .collect();
        if table.len() > MAX_POINTS {
            return Err(header.invalid(&format!("more than {MAX_POINTS} points")));
        }
        let (mut points, mut weights) = (Vec::new(), Vec::new());
        for row in table.rows() {
            let mut values = (0..cols.len())
                .map(|c| row.required(c))
                .collect::<Result<Vec<f64>>>()?;
            let w = values.pop().unwrap_or(0.0);
            if w < 0.0 {
                return Err(row.bad(
                    cols.len() - 1,
                    &format!("weight {w} is negative; expected a weight >= 0"),
                ));
            }
            points.push(values);
            weights.push(w);
        }
        let total: f64 = weights.iter().sum();
        if points.is_empty() || total <= 0.0 {
            return Err(table
                .header()
                .invalid("no points with positive weight; expected one row per point"));
        }
        for w in &mut weights {
            *w /= total;
        }
        Ok(Posterior {
            paths,
            points,
            weights,
            file,
            sha256,
        })
    }

    /// Cumulative weights, for [`Posterior::pick`].
    pub fn cumulative(&self) -> Vec<f64> {
        let mut acc = 0.0;
        self.weights
            .iter()
            .map(|w| {
                acc += w;
                acc
            })
            .collect()
    }

    /// The point of trial `trial`: a weighted draw from a stream keyed by
    /// (seed, trial) alone, so that every variant of the trial gets it.
    pub fn pick(cumulative: &[f64], seed: u64, trial: u64) -> usize {
        let h = mix(mix(mix(seed) ^ trial) ^ 0x0b5e_7ae5_0000_0004);
        let u = (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64) * cumulative.last().unwrap_or(&1.0);
        cumulative
            .partition_point(|&c| c <= u)
            .min(cumulative.len().saturating_sub(1))
    }

    /// The ranges to build points with: one per path, linear, with the
    /// allocation-share rescaling of `known` where a path is one.
    pub fn ranges(&self, known: &[ParamRange]) -> Vec<ParamRange> {
        self.paths
            .iter()
            .map(|p| {
                known
                    .iter()
                    .find(|k| &k.path == p)
                    .cloned()
                    .unwrap_or(ParamRange {
                        path: p.clone(),
                        low: 0.0,
                        high: 0.0,
                        steps: 2,
                        integer: false,
                        rescale: None,
                        log: false,
                    })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("temp");
        let path = dir.path().join("posterior.csv");
        std::fs::write(&path, text).expect("write");
        (dir, path)
    }

    #[test]
    fn a_posterior_reads_and_normalises_its_weights() {
        let (_d, p) = write("model.attack_hazard,weight\n0.01,1\n0.02,3\n");
        let post = Posterior::read(&p).expect("reads");
        assert_eq!(post.paths, vec!["model.attack_hazard"]);
        assert_eq!(post.points, vec![vec![0.01], vec![0.02]]);
        assert_eq!(post.weights, vec![0.25, 0.75]);
        // The draws follow the weights.
        let cum = post.cumulative();
        let n = 20_000;
        let ones = (0..n).filter(|&t| Posterior::pick(&cum, 7, t) == 1).count() as f64;
        let se = (0.75 * 0.25 / n as f64).sqrt();
        assert!((ones / n as f64 - 0.75).abs() < 4.0 * se, "{ones}");
    }

    #[test]
    fn files_that_are_not_posteriors_are_refused_with_the_reason() {
        for (text, want) in [
            ("a,b\n1,2\n", "expected columns PATH,...,weight"),
            ("model.x,weight\n1,-1\n", "weight -1 is negative"),
            ("model.x,weight\n", "no points with positive weight"),
            (
                "model.x,weight\nabc,1\n",
                "row 1 (line 2), column `model.x`: `abc` is not a number",
            ),
        ] {
            let (_d, p) = write(text);
            let e = Posterior::read(&p).expect_err(text).to_string();
            assert!(e.contains(want), "{text}: {e}");
        }
    }
}
