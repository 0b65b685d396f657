//! `cordon run`: progress on stderr, a short table on stdout.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::RunArgs;
use crate::error::Result;
use crate::run::{RunOptions, RunReport, run as run_scenario};
use crate::stats::aggregate::TOTALS;
use crate::stats::tables::{describe, p_any_attack_row};

/// Runs the scenario as the flags say.
pub fn run(args: RunArgs) -> Result<()> {
    let threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        usize::from,
    );
    if args.scenario.is_none() && !args.quiet {
        eprintln!(
            "no scenario given: running the built-in `{}` (list others with `cordon scenarios`)",
            crate::builtin::DEFAULT
        );
    }
    let opts = RunOptions {
        scenario: crate::builtin::resolve(args.scenario.as_deref())?,
        sets: args.sets,
        trials: args.trials,
        seed: args.seed,
        threads,
        out: args.out,
        output_root: PathBuf::from("output"),
        variants: args.variants,
        force: args.force,
        command_line: super::command_line(),
        shard: args.shard,
        resume: args.resume,
    };
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let cancel = cancel.clone();
        // A second signal while stopping falls back to the default action.
        let _ = ctrlc::set_handler(move || {
            if cancel.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
        });
    }
    let bar = if args.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} trials ({per_sec}, ETA {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let report = run_scenario(&opts, &|n| bar.inc(n), &cancel, |start| {
        bar.set_length(start.runs);
        if !args.quiet {
            match start.resumed_at {
                Some(t) => eprintln!(
                    "resuming at trial {t}: {} trials to run into {}",
                    start.runs,
                    start.target.display()
                ),
                None => eprintln!(
                    "running {} trials into {}",
                    start.runs,
                    start.target.display()
                ),
            }
        }
    });
    bar.finish_and_clear();
    let report = report?;
    if args.report {
        let page = super::report::after_run(&report.out)?;
        if !args.quiet {
            eprintln!("report: {}", page.display());
        }
    }
    if args.quiet {
        return Ok(());
    }
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
}

/// The table printed at the end of a run.
pub fn summary_table(r: &RunReport) -> String {
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
    o.push_str(&format!("\nresults: {}\n", r.out.display()));
    o
}
