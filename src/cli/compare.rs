//! `cordon compare`: two saved runs, one table on stdout.

use std::path::PathBuf;

use clap::Args;

use crate::error::{Error, Result};
use crate::scenario::BASELINE;
use crate::study::compare::{CompareOptions, Comparison, Method, compare_with, write_rows};

/// Flags of `cordon compare`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  cordon compare output/frontier/run-a output/frontier/run-b\n  cordon compare before after --variant border_heavy --metric attacks --metric entries\n  cordon compare out out --variant B:border_heavy   (against the same run's baseline)\n  cordon compare out out --variant B:border_heavy --unpaired   (the interval unpaired)\n  cordon compare before after --csv diff.csv\n\nPaired when the two manifests show the same seed, the same trial indices, the same\nscenario structure (weeks, states and roles, regions and their states, source regions,\nborders) and the same posterior or none (--posterior: the same file, by SHA-256): trial i\nthen drew the same random numbers and parameter point in both runs, whatever parameter\nvalues differ, and the difference is the mean of per-trial differences. Otherwise the\nruns are independent samples and the difference gets Welch's interval. The output says\nwhich, and why.\n\nMetrics (columns of trials.csv): new_cells, attempts, detections, border_interdictions,\nentries, indirect_entries, newly_established, interior_interdictions, attacks, severity,\nabandoned, dissolved, alive_end, cells_in_alliance_end, established_end, readiness_mean,\nintel_effect_mean, spend [default: attacks, severity, entries, spend].\n\nExit codes: 0 success, 2 invalid input (a folder that is not a result folder, a malformed\ntrials.csv, an unknown variant or metric), 1 other failure."
)]
pub struct CompareArgs {
    /// Result folder A, the reference (written by `cordon run` or `cordon merge`).
    pub a: PathBuf,
    /// Result folder B, compared with A (may be the same folder as A).
    pub b: PathBuf,
    /// The variant to compare: NAME for both runs, or A:NAME / B:NAME for
    /// one side. Repeatable [default: baseline of each].
    #[arg(long = "variant", value_name = "[A:|B:]NAME")]
    pub variants: Vec<String>,
    /// A metric to compare (a column of trials.csv; see below). Repeatable.
    #[arg(long = "metric", value_name = "M")]
    pub metrics: Vec<String>,
    /// Use Welch's unpaired interval even when the runs could be paired.
    #[arg(long)]
    pub unpaired: bool,
    /// Also write the comparison as CSV to FILE.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Replace an existing --csv file.
    #[arg(long)]
    pub force: bool,
}

/// Runs `cordon compare`.
pub(super) fn compare(args: CompareArgs) -> Result<()> {
    let (variant_a, variant_b) = variants(&args.variants)?;
    let opts = CompareOptions {
        a: args.a,
        b: args.b,
        variant_a,
        variant_b,
        metrics: args.metrics,
        unpaired: args.unpaired,
    };
    // Reading a few million rows takes seconds: a spinner on a terminal.
    let bar = super::terminal::progress_bar(
        false,
        "{spinner} [{elapsed_precise}] {pos} rows of trials.csv read ({per_sec})",
    );
    let c = compare_with(&opts, &|n| bar.inc(n));
    bar.finish_and_clear();
    let c = c?;
    if let Some(path) = &args.csv {
        write_rows(path, &c.rows, args.force)?;
    }
    super::emit(table(&c).as_bytes())
}

/// The variants of A and B from `--variant` values.
fn variants(values: &[String]) -> Result<(String, String)> {
    let (mut a, mut b) = (None, None);
    for v in values {
        let (slots, name): (&[u8], &str) = match v.split_once(':') {
            Some(("A" | "a", n)) => (b"A", n),
            Some(("B" | "b", n)) => (b"B", n),
            Some((side, _)) => {
                return Err(Error::Invalid(format!(
                    "--variant {v}: `{side}` is not a side; write NAME, A:NAME or B:NAME"
                )));
            }
            None => (b"AB", v.as_str()),
        };
        if name.is_empty() {
            return Err(Error::Invalid(format!("--variant {v}: the name is empty")));
        }
        for slot in slots {
            let target = if *slot == b'A' { &mut a } else { &mut b };
            if target
                .replace(name.to_string())
                .is_some_and(|old| old != name)
            {
                return Err(Error::Invalid(format!(
                    "--variant: two variants given for side {}; give one per side",
                    *slot as char
                )));
            }
        }
    }
    let or_base = |x: Option<String>| x.unwrap_or_else(|| BASELINE.to_string());
    Ok((or_base(a), or_base(b)))
}

/// "m [lo, hi]", or what is there.
fn estimate(m: Option<f64>, lo: Option<f64>, hi: Option<f64>, signed: bool) -> String {
    let f = |x: f64| {
        // Three decimals for small values, fewer as they grow, so that
        // columns stay readable for spend as for attacks.
        let digits = match x.abs() {
            a if a >= 1000.0 => 0,
            a if a >= 100.0 => 1,
            _ => 3,
        };
        if signed {
            format!("{x:+.digits$}")
        } else {
            format!("{x:.digits$}")
        }
    };
    match (m, lo, hi) {
        (Some(m), Some(lo), Some(hi)) => format!("{} [{}, {}]", f(m), f(lo), f(hi)),
        (Some(m), _, _) => f(m),
        _ => "-".into(),
    }
}

/// The comparison as a table for a terminal.
pub(super) fn table(c: &Comparison) -> String {
    let side = |label: &str, s: &crate::study::compare::Side| {
        format!(
            "{label}: {} — {}, variant `{}`, {} trials, seed {}\n",
            s.dir.display(),
            s.manifest.scenario.name,
            s.variant,
            s.manifest
                .shard
                .as_ref()
                .map_or(s.manifest.trials, |x| x.end_trial - x.first_trial),
            s.manifest.seed
        )
    };
    let method = match c.method {
        Method::Paired => "paired on trial index",
        Method::Welch => "unpaired (Welch)",
    };
    let mut o = side("A", &c.a);
    o.push_str(&side("B", &c.b));
    o.push_str(&format!("method: {method}: {}\n\n", c.reason));
    o.push_str(&format!(
        "{:<24} {:>28} {:>28} {:>30} {:>9} {:>12}  {}\n",
        "metric", "mean A", "mean B", "B - A", "change", "P(B better)", "difference"
    ));
    for r in &c.rows {
        let change = r
            .relative_change
            .map_or("-".into(), |x| format!("{:+.1}%", 100.0 * x));
        let better = r
            .p_better
            .map_or("-".into(), |p| format!("{:.1}%", 100.0 * p));
        let verdict = match (r.diff_ci95_lo, r.diff_ci95_hi) {
            (Some(_), Some(hi)) if hi < 0.0 => "B lower (interval below 0)",
            (Some(lo), Some(_)) if lo > 0.0 => "B higher (interval above 0)",
            (Some(lo), Some(hi)) if lo == 0.0 && hi == 0.0 => "none (equal in every trial)",
            (Some(_), Some(_)) => "unclear (interval spans 0)",
            _ => "too few trials to tell",
        };
        o.push_str(&format!(
            "{:<24} {:>28} {:>28} {:>30} {:>9} {:>12}  {}\n",
            r.metric,
            estimate(r.mean_a, r.ci95_lo_a, r.ci95_hi_a, false),
            estimate(r.mean_b, r.ci95_lo_b, r.ci95_hi_b, false),
            estimate(r.diff_mean, r.diff_ci95_lo, r.diff_ci95_hi, true),
            change,
            better,
            verdict
        ));
    }
    o.push_str("\nMeans per trial with 95% intervals; B - A ");
    o.push_str(match c.method {
        Method::Paired => {
            "is the mean of per-trial differences; P(B better): share of trials in which B did better.\n"
        }
        Method::Welch => "is the difference of means (Welch); P(B better) needs paired trials.\n",
    });
    if c.method == Method::Paired {
        let narrowing: Vec<String> = c
            .rows
            .iter()
            .filter_map(|r| {
                let half = (r.diff_ci95_hi? - r.diff_ci95_lo?) / 2.0;
                let welch = r.welch_ci95_half.filter(|w| *w > 0.0)?;
                Some(format!("{} {:.2}", r.metric, half / welch))
            })
            .collect();
        if !narrowing.is_empty() {
            o.push_str(&format!(
                "Paired interval width as a share of the unpaired (Welch) one: {}.\n",
                narrowing.join(", ")
            ));
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(list: &[&str]) -> Result<(String, String)> {
        variants(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn variants_per_side() {
        assert_eq!(
            v(&[]).ok(),
            Some(("baseline".to_string(), "baseline".to_string()))
        );
        assert_eq!(v(&["x"]).ok(), Some(("x".to_string(), "x".to_string())));
        assert_eq!(
            v(&["B:x"]).ok(),
            Some(("baseline".to_string(), "x".to_string()))
        );
        assert_eq!(
            v(&["A:y", "B:x"]).ok(),
            Some(("y".to_string(), "x".to_string()))
        );
        assert!(v(&["C:x"]).is_err());
        assert!(v(&["A:x", "A:y"]).is_err());
    }
}
