//! `cordon run`: progress on stderr, a short table on stdout.

use super::RunArgs;
use super::terminal::{interrupt_flag, progress_bar};
use crate::error::Result;
use crate::stats::aggregate::TOTALS;
use crate::stats::tables::{ComparisonRow, comparison_rows, describe, p_any_attack_row};
use crate::study::run::{RunOptions, RunReport, run as run_scenario};

/// Runs the scenario as the flags say.
pub(super) fn run(args: RunArgs) -> Result<()> {
    let quiet = args.quiet.quiet;
    if args.scenario.is_none() && !quiet {
        eprintln!(
            "no scenario given: running the built-in `{}` (list others with `cordon scenarios`)",
            crate::scenario::builtin::DEFAULT
        );
    }
    let opts = RunOptions {
        common: args
            .scenario_flags
            .common(args.scenario.as_deref(), args.output)?,
        trials: args.trials.trials,
        variants: args.variants,
        shard: args.shard,
        resume: args.resume,
        posterior: args.posterior,
        formats: args.format,
    };
    let cancel = interrupt_flag();
    let bar = progress_bar(
        quiet,
        "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} trials ({per_sec}, ETA {eta})",
    );
    let report = run_scenario(&opts, &|n| bar.inc(n), &cancel, |start| {
        bar.set_length(start.trials);
        if !quiet {
            match start.resumed_at {
                Some(t) => eprintln!(
                    "resuming at trial {t}: {} trials of {} to run into {}",
                    start.trials,
                    variants(start.variants),
                    start.target.display()
                ),
                None => eprintln!(
                    "running {} trials of {} into {}",
                    start.trials,
                    variants(start.variants),
                    start.target.display()
                ),
            }
        }
    });
    bar.finish_and_clear();
    let report = report?;
    if args.report {
        let page = super::report::after_run(&report.out)?;
        if !quiet {
            eprintln!("report: {}", page.display());
        }
    }
    let shown = if quiet {
        Ok(())
    } else {
        match &report.manifest.shard {
            Some(s) => super::emit(
                format!(
                    "shard {}/{}: trials {}..{} written to {}; merge all shards with `cordon merge`\n",
                    s.index,
                    s.count,
                    s.first_trial,
                    s.end_trial,
                    report.out.display()
                )
                .as_bytes(),
            ),
            None => super::emit(summary_table(&report).as_bytes()),
        }
    };
    // The command ends here and the process with it: freeing every
    // variant's statistics (their weekly sketches) took about 4 ms, one
    // thread's work after everything else, for memory the system takes
    // back at exit anyway (benches/serial_share.sh counts it).
    std::mem::forget(report);
    shown
}

/// The table printed at the end of a run.
pub(super) fn summary_table(r: &RunReport) -> String {
    let idx = |name: &str| TOTALS.iter().position(|t| t.name == name).unwrap_or(0);
    let (attacks, severity, entries) = (idx("attacks"), idx("severity"), idx("entries"));
    let mut o = format!(
        "\n{} — {} trials × {} weeks, seed {}; means per trial with 95% intervals\n\n{:<22} {:>22} {:>26} {:>22} {:>24}\n",
        r.manifest.scenario.name,
        r.manifest.trials,
        r.manifest.weeks,
        r.manifest.seed,
        "variant",
        "attacks",
        "severity",
        "entries",
        "P(any attack)"
    );
    if let Some(p) = &r.manifest.posterior {
        o.insert_str(
            o.find("\n\n").map_or(0, |i| i + 1),
            &format!(
                "over the posterior {} ({} points, {} distinct; {}): every mean integrates over it\n",
                p.path,
                p.points,
                p.distinct_points,
                p.paths.join(", ")
            ),
        );
        for note in &p.notes {
            o.push_str(&format!("note: {note}\n"));
        }
    }
    for (v, vs) in r.stats.variants.iter().enumerate() {
        let cell = |i: usize| {
            let (mean, _, ci) = describe(&vs.totals[i].moments);
            match (mean, ci) {
                (Some(m), Some((lo, hi))) => format!("{m:.2} [{lo:.2}, {hi:.2}]"),
                (Some(m), None) => format!("{m:.2}"),
                _ => "-".into(),
            }
        };
        let p = p_any_attack_row(&r.layout.variants[v], vs);
        let pcell = match (p.mean, p.ci95_lo, p.ci95_hi) {
            (Some(m), Some(lo), Some(hi)) => format!("{m:.3} [{lo:.3}, {hi:.3}]"),
            _ => "-".into(),
        };
        o.push_str(&format!(
            "{:<22} {:>22} {:>26} {:>22} {:>24}\n",
            r.layout.variants[v],
            cell(attacks),
            cell(severity),
            cell(entries),
            pcell
        ));
    }
    o.push_str(&ranked_comparison(r));
    o.push_str(&format!("\nresults: {}\n", r.out.display()));
    o
}

/// How sure a paired difference is: where its 95% interval lies.
pub(super) fn verdict(lo: Option<f64>, hi: Option<f64>) -> &'static str {
    match (lo, hi) {
        (Some(_), Some(hi)) if hi < 0.0 => "clearly fewer attacks (interval below 0)",
        (Some(lo), Some(_)) if lo > 0.0 => "clearly more attacks (interval above 0)",
        (Some(_), Some(_)) => "unclear (interval spans 0)",
        _ => "too few trials to tell",
    }
}

/// The variants against the baseline, paired on the same trials, ranked
/// by the mean difference in attacks (fewest first); empty when only the
/// baseline ran. The same numbers as `comparison.csv`.
pub(super) fn ranked_comparison(r: &RunReport) -> String {
    let mut rows: Vec<ComparisonRow<'_>> = comparison_rows(&r.stats, &r.layout)
        .into_iter()
        .filter(|c| c.metric == "attacks")
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    rows.sort_by(|a, b| {
        let key = |c: &ComparisonRow<'_>| c.diff_mean.unwrap_or(f64::INFINITY);
        key(a).total_cmp(&key(b))
    });
    let mut o = format!(
        "\nAgainst the baseline, paired on the same trials, fewest attacks first (95% intervals):\n\n{:>2}  {:<22} {:>26} {:>11} {:>11} {:>30}  {}\n",
        "#",
        "variant",
        "attacks vs baseline",
        "P(fewer)",
        "spend diff",
        "averted per 1,000 spend",
        "how sure"
    );
    for (i, c) in rows.iter().enumerate() {
        let diff = match (c.diff_mean, c.diff_ci95_lo, c.diff_ci95_hi) {
            (Some(m), Some(lo), Some(hi)) => format!("{m:+.3} [{lo:+.3}, {hi:+.3}]"),
            (Some(m), _, _) => format!("{m:+.3}"),
            _ => "-".into(),
        };
        let p = c
            .p_better
            .map_or("-".into(), |p| format!("{:.1}%", 100.0 * p));
        let spend = match c.spend_diff {
            Some(d) if d.abs() > 1e-9 => format!("{d:+.1}"),
            _ => "same".into(),
        };
        let averted = match (
            c.averted_per_1000,
            c.averted_per_1000_ci95_lo,
            c.averted_per_1000_ci95_hi,
        ) {
            (Some(m), Some(lo), Some(hi)) => format!("{m:+.3} [{lo:+.3}, {hi:+.3}]"),
            (Some(m), _, _) => format!("{m:+.3}"),
            _ if spend == "same" => "same spend".into(),
            _ => "-".into(),
        };
        o.push_str(&format!(
            "{:>2}  {:<22} {:>26} {:>11} {:>11} {:>30}  {}\n",
            i + 1,
            c.variant,
            diff,
            p,
            spend,
            averted,
            verdict(c.diff_ci95_lo, c.diff_ci95_hi)
        ));
    }
    o.push_str(
        "P(fewer): share of trials with fewer attacks than the baseline. Averted per 1,000 spend:\n(baseline - variant) attacks per 1,000 units of extra spend per trial. All metrics in comparison.csv.\n",
    );
    o
}

/// "1 variant", "9 variants".
fn variants(n: usize) -> String {
    if n == 1 {
        "1 variant".into()
    } else {
        format!("{n} variants")
    }
}
