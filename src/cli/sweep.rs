//! `cordon sweep`: progress over design points on stderr, a short table on
//! stdout.

use super::SweepArgs;
use super::terminal::{interrupt_flag, progress_bar};
use crate::error::Result;
use crate::study::sweep::{SweepOptions, SweepReport, sweep as run_sweep};

/// Runs the sweep as the flags say.
pub(super) fn sweep(args: SweepArgs) -> Result<()> {
    let quiet = args.quiet.quiet;
    let opts = SweepOptions {
        common: args
            .scenario_flags
            .common(args.scenario.as_deref(), args.output)?,
        varies: args.vary,
        design: args.design.map(|d| match d {
            DesignFlag::Grid => crate::scenario::ranges::DesignKind::Grid,
            DesignFlag::Lhs => crate::scenario::ranges::DesignKind::Lhs,
        }),
        samples: args.samples,
        trials: args.trials.trials,
        metrics: args.metrics,
        posterior: args.posterior,
    };
    let cancel = interrupt_flag();
    let bar = progress_bar(quiet, BAR);
    let report = run_sweep(
        &opts,
        &|n| bar.inc(n),
        &|i| bar.set_message(format!("point {}", i + 1)),
        &cancel,
        |plan, target| {
            bar.set_length(plan.design.points.len() as u64 * plan.trials);
            if !quiet {
                eprintln!(
                    "sweeping {} points × {} trials ({} variants each) into {}",
                    plan.design.points.len(),
                    plan.trials,
                    plan.variants(),
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

/// DesignFlag choices of `--design`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum DesignFlag {
    /// Every combination of evenly spaced steps.
    Grid,
    /// A Latin hypercube of --samples points.
    Lhs,
}

/// The progress bar of `sweep` and `sensitivity`: trials over all points,
/// with the current point as its message.
pub(crate) const BAR: &str =
    "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} trials, {msg} ({per_sec}, ETA {eta})";

/// What is printed at the end: the baseline's attacks at every point (up
/// to 20 points), and where the results are.
fn summary(r: &SweepReport) -> String {
    let t = &r.table;
    let mut o = String::from("\n");
    let head: Vec<String> = t.params.iter().map(|p| format!("{:>14}", p.path)).collect();
    o.push_str(&format!(
        "{:>6} {} {:>30} {:>26}\n",
        "point",
        head.join(" "),
        "baseline attacks [95% CI]",
        "P(any attack) [95% CI]"
    ));
    let cell = |e: Option<crate::stats::interval::Estimate>, digits: usize| match e {
        Some(crate::stats::interval::Estimate {
            mean: Some(m),
            ci95_lo: Some(lo),
            ci95_hi: Some(hi),
        }) => format!("{m:.digits$} [{lo:.digits$}, {hi:.digits$}]"),
        Some(crate::stats::interval::Estimate { mean: Some(m), .. }) => format!("{m:.digits$}"),
        _ => "-".into(),
    };
    let rows: Vec<_> = t.rows.iter().filter(|row| row.variant == 0).collect();
    for row in rows.iter().take(20) {
        let values: Vec<String> = row.values.iter().map(|x| format!("{x:>14.4}")).collect();
        o.push_str(&format!(
            "{:>6} {} {:>30} {:>26}\n",
            row.point,
            values.join(" "),
            cell(t.estimate(row, "attacks"), 2),
            cell(t.estimate(row, "p_any_attack"), 3)
        ));
    }
    if rows.len() > 20 {
        o.push_str(&format!(
            "   ... {} more points in sweep.csv\n",
            rows.len() - 20
        ));
    }
    for note in &r.notes {
        o.push_str(&format!("note: {note}\n"));
    }
    o.push_str(&format!("\nresults: {}\n", r.out.display()));
    o
}
