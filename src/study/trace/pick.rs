//! Choosing the trial to trace: the baseline's worst (most attacks), its
//! median, or the trial where a variant and the baseline differ most, read
//! from a run folder's `trials.csv` or from a quick run of every trial.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use crate::engine::run_trials;
use crate::error::{Error, Result};
use crate::model::Theatre;
use crate::results::csv::CsvStream;
use crate::scenario::Scenario;
use crate::stats::aggregate::TOTALS;

/// How to choose the trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Pick {
    /// The baseline trial with the most attacks.
    Worst,
    /// The baseline trial at the median of attacks.
    Median,
    /// The trial where the variant's attacks differ most from the baseline's.
    Diverge,
}

impl Pick {
    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Pick::Worst => "worst",
            Pick::Median => "median",
            Pick::Diverge => "diverge",
        }
    }
}

/// Attacks in one trial: the baseline's, and the compared variant's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Attacks {
    pub trial: u64,
    pub baseline: f64,
    pub variant: Option<f64>,
}

/// The trial `pick` chooses from `rows` (ties go to the lowest index), with
/// a sentence saying why.
pub(crate) fn choose(pick: Pick, rows: &[Attacks]) -> Option<(u64, String)> {
    let mut sorted = rows.to_vec();
    sorted.sort_by(|a, b| {
        a.baseline
            .total_cmp(&b.baseline)
            .then(a.trial.cmp(&b.trial))
    });
    match pick {
        Pick::Worst => {
            let most = sorted.iter().map(|r| r.baseline).fold(f64::MIN, f64::max);
            let r = rows.iter().find(|r| r.baseline == most)?;
            Some((
                r.trial,
                format!(
                    "the baseline's worst trial of {}: {} attacks",
                    rows.len(),
                    r.baseline
                ),
            ))
        }
        Pick::Median => {
            let r = sorted.get(sorted.len().checked_sub(1)? / 2)?;
            Some((
                r.trial,
                format!(
                    "the baseline's median trial of {}: {} attacks",
                    rows.len(),
                    r.baseline
                ),
            ))
        }
        Pick::Diverge => {
            let gap = |r: &Attacks| r.variant.map(|v| (v - r.baseline).abs());
            let widest = rows.iter().filter_map(gap).fold(f64::MIN, f64::max);
            let r = rows.iter().find(|r| gap(r) == Some(widest))?;
            Some((
                r.trial,
                format!(
                    "the trial of {} where the variant and the baseline differ most: {} attacks against {}",
                    rows.len(),
                    r.variant.unwrap_or(0.0),
                    r.baseline
                ),
            ))
        }
    }
}

/// Attacks per trial of the baseline and `variant`, from the run folder
/// `dir` (its `trials.csv`).
pub(crate) fn read_run(dir: &Path, variant: Option<&str>) -> Result<Vec<Attacks>> {
    if !dir.is_dir() {
        return Err(Error::Invalid(format!(
            "--from {}: no such folder; give a result folder written by `cordon run`",
            dir.display()
        )));
    }
    let path = dir.join("trials.csv");
    let mut csv = CsvStream::open(&path, "give --from a result folder written by `cordon run`")?;
    let [v_col, t_col, a_col] = csv.header().columns(["variant", "trial", "attacks"])?;
    let mut rows: Vec<Attacks> = Vec::new();
    let mut seen_variant = false;
    while let Some(row) = csv.next_row()? {
        let trial = row.index(t_col)?;
        let name = row.text(v_col);
        if name == crate::scenario::BASELINE {
            rows.push(Attacks {
                trial,
                baseline: row.required(a_col)?,
                variant: None,
            });
        } else if Some(name) == variant {
            seen_variant = true;
            let attacks = row.required(a_col)?;
            if let Some(r) = rows.iter_mut().rev().find(|r| r.trial == trial) {
                r.variant = Some(attacks);
            }
        }
    }
    let invalid = |why: String| Error::Invalid(format!("--from {}: {why}", dir.display()));
    if let (Some(v), false) = (variant, seen_variant) {
        return Err(invalid(format!(
            "{} has no rows of variant `{v}`; run it with `cordon run --variant {v}`, or pick another variant",
            path.display()
        )));
    }
    if rows.is_empty() {
        return Err(invalid(format!("{} has no baseline rows", path.display())));
    }
    Ok(rows)
}

/// Attacks per trial of the baseline and `variant`, from a quick run of
/// every trial of the scenario on `threads` threads.
pub(crate) fn quick_run(
    base: &Scenario,
    variant: Option<&Scenario>,
    threads: usize,
    cancel: &AtomicBool,
) -> Result<Vec<Attacks>> {
    let theatres: Vec<Theatre<'_>> = std::iter::once(base)
        .chain(variant)
        .map(Theatre::new)
        .collect();
    let attacks = TOTALS.iter().position(|t| t.name == "attacks").unwrap_or(8);
    let mut rows = Vec::new();
    run_trials(
        &theatres,
        0..base.trials,
        threads,
        cancel,
        &|_| {},
        |window| {
            rows.extend(window.iter().map(|r| Attacks {
                trial: r.trial,
                baseline: r.totals[0][attacks].unwrap_or(0.0),
                variant: r.totals.get(1).map(|t| t[attacks].unwrap_or(0.0)),
            }));
            Ok(())
        },
    )?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<Attacks> {
        [
            (0, 3.0, 3.0),
            (1, 9.0, 2.0),
            (2, 1.0, 1.0),
            (3, 9.0, 9.0),
            (4, 4.0, 10.0),
        ]
        .into_iter()
        .map(|(trial, baseline, v)| Attacks {
            trial,
            baseline,
            variant: Some(v),
        })
        .collect()
    }

    #[test]
    fn picks_the_worst_the_median_and_the_widest_gap() {
        assert_eq!(choose(Pick::Worst, &rows()).map(|p| p.0), Some(1));
        assert_eq!(choose(Pick::Median, &rows()).map(|p| p.0), Some(4));
        assert_eq!(choose(Pick::Diverge, &rows()).map(|p| p.0), Some(1));
        assert_eq!(choose(Pick::Worst, &[]), None);
    }
}
