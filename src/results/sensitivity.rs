//! `sensitivity.csv`: one row per estimate (base means, one-at-a-time
//! swings, Sobol indices, ranking stability), written and read back.

use std::path::Path;

use super::csv::CsvTable;
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
pub fn read_rows(path: &Path) -> crate::Result<Vec<Entry>> {
    let table = CsvTable::read(path, "a folder written by `cordon sensitivity` holds it")?;
    table
        .rows()
        .map(|row| {
            let get = |i: usize| row.text(i).to_string();
            Ok((get(0), get(1), get(2), row.number_at(5)?))
        })
        .collect()
}
