//! `cordon optimize`: a progress bar on stderr, the best allocation on stdout.

use std::path::PathBuf;

use clap::Args;

use super::terminal::{interrupt_flag, progress_bar};

use crate::error::Result;
use crate::study::optimize::{OptimizeOptions, SearchResult, optimize as search, total_trials};

/// `--trials` of `cordon optimize` unless given.
const TRIALS: &str = "500";

/// Flags of `cordon optimize`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  cordon optimize --budget-of TJK --metric attacks\n  cordon optimize my-region.toml --budget-of MEM --metric entries --trials 300 --iterations 6\n  cordon optimize --budget-of TJK --budget-of KGZ --metric severity --out tjk-kgz\n\nThe search is the cross-entropy method over each named state's allocation shares\n(border, intel, readiness; the budget stays fixed): every iteration evaluates\n--candidates allocations, the current best guess among them, on the same trial indices\n0..--trials (common random numbers), keeps the best quarter and samples around it. The\nbest candidate of the search is then run against the baseline, paired, on fresh trial\nindices the search never saw (--confirm-trials of them), because the winner of a search\nlooks better on its own trials than it is. Results in OUT: optimize.csv (every candidate),\nsummary.csv and comparison.csv (the confirmation), best.toml (a [[variants]] entry to paste\ninto the scenario), optimize.json and search.png/.svg (a chart of the search). The same\nscenario and seed give the same search.\n\nMetrics: attacks, severity, entries, indirect_entries, newly_established, new_cells,\nalive_end, cells_in_alliance_end, established_end (lower is better), readiness_mean,\nintel_effect_mean (higher is better)."
)]
#[command(mut_arg("trials", |a| a.help("Trials per candidate during the search").default_value(TRIALS)))]
#[command(mut_arg("sets", |a| a.help("Override one value of the base scenario first, as in `cordon run`. Repeatable")))]
#[command(mut_arg("out", |a| a.help("Result folder [default: output/SCENARIO-optimize/UTC-DATE-TIME/]")))]
#[command(mut_arg("quiet", |a| a.help("No progress bar and no table")))]
pub struct OptimizeArgs {
    /// Scenario file (TOML), or the name of a built-in scenario
    /// [default: the built-in csto-southern-frontier].
    pub scenario: Option<PathBuf>,
    /// A member state whose allocation shares to search (its budget stays
    /// fixed). Repeatable.
    #[arg(long = "budget-of", value_name = "STATE", required = true)]
    pub states: Vec<String>,
    /// The metric to optimise (a column of trials.csv).
    #[arg(long, value_name = "M", default_value = "attacks")]
    pub metric: String,
    #[command(flatten)]
    pub trials: super::common::TrialsFlag,
    /// Iterations of the search.
    #[arg(long, value_name = "K", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub iterations: u32,
    /// Candidates per iteration (at least 4).
    #[arg(long, value_name = "C", default_value_t = 20, value_parser = clap::value_parser!(u32).range(4..=1000))]
    pub candidates: u32,
    /// Trials of the final, paired check of the best against the baseline
    /// on fresh trial indices.
    #[arg(long, value_name = "N", default_value_t = 2000, value_parser = clap::value_parser!(u64).range(2..=10_000_000))]
    pub confirm_trials: u64,
    /// Evaluate every candidate, and the confirmation, over a posterior: a
    /// `cordon calibrate` folder, its posterior.csv, or a built-in scenario
    /// that ships one. Trial i draws the same parameter point for every
    /// candidate, so they stay paired.
    #[arg(long, value_name = "DIR|FILE")]
    pub posterior: Option<PathBuf>,
    #[command(flatten)]
    pub scenario_flags: super::common::ScenarioFlags,
    #[command(flatten)]
    pub output: super::common::OutputFlags,
    #[command(flatten)]
    pub quiet: super::common::QuietFlag,
}

/// Runs `cordon optimize`.
pub(super) fn optimize(args: OptimizeArgs) -> Result<()> {
    let quiet = args.quiet.quiet;
    let opts = OptimizeOptions {
        common: args
            .scenario_flags
            .common(args.scenario.as_deref(), args.output)?,
        states: args.states,
        metric: args.metric,
        trials: args.trials.trials.expect("clap gives --trials a default"),
        iterations: args.iterations,
        candidates: args.candidates,
        confirm_trials: args.confirm_trials,
        posterior: args.posterior,
    };
    let cancel = interrupt_flag();
    let bar = progress_bar(
        quiet,
        "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} trials of all candidates ({per_sec}, ETA {eta})",
    );
    bar.set_length(total_trials(&opts));
    let outcome = search(&opts, &|n| bar.inc(n), &cancel, |target| {
        if !quiet {
            eprintln!(
                "searching {} iterations × {} candidates × {} trials, then confirming on {} fresh trials, into {}",
                opts.iterations,
                opts.candidates,
                opts.trials,
                opts.confirm_trials,
                target.display()
            );
        }
    });
    bar.finish_and_clear();
    let outcome = outcome?;
    if quiet {
        return Ok(());
    }
    super::emit(table(&outcome).as_bytes())
}

fn interval(m: Option<f64>, ci: Option<(f64, f64)>, signed: bool) -> String {
    let f = |x: f64| {
        if signed {
            format!("{x:+.3}")
        } else {
            format!("{x:.3}")
        }
    };
    match (m, ci) {
        (Some(m), Some((lo, hi))) => format!("{} [{}, {}]", f(m), f(lo), f(hi)),
        (Some(m), None) => f(m),
        _ => "-".into(),
    }
}

/// What the search found, for a terminal.
pub(super) fn table(o: &SearchResult) -> String {
    let c = &o.confirmation;
    let mut s = format!(
        "\n{} — {} per trial, {} is better; seed {}\n\n{:<12} {:>26} {:>26}\n",
        o.scenario_name,
        o.metric,
        if o.lower_is_better { "lower" } else { "higher" },
        o.seed,
        "state",
        "baseline allocation",
        "best allocation"
    );
    let show = |x: &crate::study::optimize::Shares| {
        format!("{:.3} / {:.3} / {:.3}", x.border, x.intel, x.readiness)
    };
    for ((id, b), x) in o.states.iter().zip(&o.baseline).zip(&o.best.shares) {
        s.push_str(&format!("{id:<12} {:>26} {:>26}\n", show(b), show(x)));
    }
    s.push_str("(shares border / intel / readiness of the state's fixed budget)\n\n");
    let verdict = match (c.diff_ci95, o.lower_is_better) {
        (Some((_, hi)), true) if hi < 0.0 => "clearly better than the baseline (interval below 0)",
        (Some((lo, _)), false) if lo > 0.0 => "clearly better than the baseline (interval above 0)",
        (Some((lo, _)), true) if lo > 0.0 => "clearly worse than the baseline",
        (Some((_, hi)), false) if hi < 0.0 => "clearly worse than the baseline",
        (Some(_), _) => "not clearly different from the baseline (interval spans 0)",
        _ => "too few trials to tell",
    };
    s.push_str(&format!(
        "Confirmed on fresh trials {}..{} (the search used 0..{}), paired:\n  baseline  {}\n  best      {}\n  best - baseline {}, better in {} of trials: {verdict}\n",
        c.first_trial,
        c.end_trial,
        c.first_trial,
        interval(c.baseline_mean, c.baseline_ci95, false),
        interval(c.best_mean, c.best_ci95, false),
        interval(c.diff_mean, c.diff_ci95, true),
        c.p_better.map_or("-".into(), |p| format!("{:.1}%", 100.0 * p)),
    ));
    s.push_str(&format!(
        "\nresults: {} (optimize.csv: every candidate; best.toml: the best as a variant)\n",
        o.out.display()
    ));
    s
}
