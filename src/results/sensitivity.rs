//! `sensitivity.csv`: one row per estimate (base means, one-at-a-time
//! swings, Sobol indices, ranking stability), written and read back.

use std::path::Path;

use anyhow::Context;

use crate::stats::tables::num;

/// One row of `sensitivity.csv`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Row {
    /// `base`, `oat_low`, `oat_high`, `oat_swing`, `sobol_first`,
    /// `sobol_total`, `sobol_noise` or `ranking`.
    pub kind: &'static str,
    /// The parameter's path (empty for `base` and `ranking`).
    pub parameter: String,
    pub variant: String,
    pub metric: &'static str,
    /// The parameter's value (for `oat_low`/`oat_high`).
    #[serde(serialize_with = "num")]
    pub value: Option<f64>,
    #[serde(serialize_with = "num")]
    pub estimate: Option<f64>,
    #[serde(serialize_with = "num")]
    pub ci95_lo: Option<f64>,
    #[serde(serialize_with = "num")]
    pub ci95_hi: Option<f64>,
    /// Trials (means and swings) or parameter sets (Sobol, ranking).
    pub n: u64,
}

/// A row of `sensitivity.csv` as read back: kind, parameter, variant and
/// estimate.
pub type Entry = (String, String, String, Option<f64>);

/// Reads `sensitivity.csv` rows back (for tests and tools).
pub fn read_rows(path: &Path) -> anyhow::Result<Vec<Entry>> {
    let mut r =
        csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.with_context(|| format!("cannot read {}", path.display()))?;
        let get = |i: usize| rec.get(i).unwrap_or("").to_string();
        out.push((get(0), get(1), get(2), get(5).parse().ok()));
    }
    Ok(out)
}
