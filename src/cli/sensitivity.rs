//! `cordon sensitivity`: progress over design points on stderr, the
//! swings, indices and ranking on stdout.

use super::SensitivityArgs;
use super::sweep::BAR;
use super::terminal::{interrupt_flag, progress_bar};
use crate::error::Result;
use crate::study::sensitivity::{SensitivityOptions, SensitivityReport, sensitivity as analyse};

/// `--trials` of `cordon sensitivity` unless given.
pub(crate) const TRIALS: &str = "200";

/// Runs the analysis as the flags say.
pub(super) fn sensitivity(args: SensitivityArgs) -> Result<()> {
    let quiet = args.quiet.quiet;
    let opts = SensitivityOptions {
        common: args
            .scenario_flags
            .common(Some(&args.scenario), args.output)?,
        metric: args.metric,
        trials: args.trials.trials.expect("clap gives --trials a default"),
        samples: args.samples as usize,
        bootstrap: args.bootstrap as usize,
    };
    let cancel = interrupt_flag();
    let bar = progress_bar(quiet, BAR);
    let report = analyse(
        &opts,
        &|n| bar.inc(n),
        &|i| bar.set_message(format!("point {}", i + 1)),
        &cancel,
        |plan, target| {
            bar.set_length(plan.points() as u64 * opts.trials);
            if !quiet {
                eprintln!(
                    "analysing {} over {} parameters: {} points × {} trials into {}",
                    plan.outcome.name(),
                    plan.params.len(),
                    plan.points(),
                    opts.trials,
                    target.display()
                );
            }
        },
    );
    bar.finish_and_clear();
    let report = report?;
    if quiet {
        return Ok(());
    }
    super::emit(summary(&report).as_bytes())
}

fn summary(r: &SensitivityReport) -> String {
    let mut o = String::from("\n");
    let fmt = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{x:.3}"));
    o.push_str(&format!(
        "{:<12} {:<36} {:<16} {:>10} {:>22}\n",
        "kind", "parameter", "variant", "estimate", "95% interval"
    ));
    for row in r
        .rows
        .iter()
        .filter(|r| r.kind != "oat_low" && r.kind != "oat_high")
    {
        o.push_str(&format!(
            "{:<12} {:<36} {:<16} {:>10} {:>22}\n",
            row.kind,
            row.parameter,
            row.variant,
            fmt(row.estimate),
            format!("[{}, {}]", fmt(row.ci95_lo), fmt(row.ci95_hi))
        ));
    }
    for note in &r.notes {
        o.push_str(&format!("note: {note}\n"));
    }
    o.push_str(&format!("\nresults: {}\n", r.out.display()));
    o
}
