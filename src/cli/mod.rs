//! The command line: flags become [`crate::study::run::RunOptions`] and friends
//! once, then each command calls the library.

mod calibrate;
mod check;
mod common;
mod compare;
mod manual;
mod optimize;
mod plot;
mod report;
mod run;
mod scenarios;
mod sensitivity;
mod sweep;
mod terminal;
mod trace;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::error::Result;

/// Monte Carlo scenario simulation of cross-border threats: which policy mix
/// leaves an alliance safest for the money, with honest uncertainty.
#[derive(Debug, Parser)]
#[command(name = "cordon", version = VERSION, about, long_about = None, propagate_version = true)]
#[command(
    after_help = "Examples:\n  cordon run                      (the built-in default scenario)\n  cordon scenarios                (list the built-in scenarios)\n  cordon new my-region.toml       (a commented starter file)\n  cordon check my-region.toml\n  cordon run my-region.toml --trials 5000 --set alliance.intel_sharing=0.6\n  cordon compare output/run-a output/run-b  (two saved runs, paired when they can be)\n  cordon optimize --budget-of TJK --metric attacks"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

pub use crate::results::manifest::VERSION;
pub use check::check_text;

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the baseline and its variants for many trials and write results.
    #[command(
        after_help = "Examples:\n  cordon run\n  cordon run csto-southern-frontier --trials 10000 --variant border_heavy\n  cordon run my-region.toml --set states.MEM.budget=12 --out results/more-budget --force\n\nResults go to output/SCENARIO/UTC-DATE-TIME/ unless --out is given: manifest.json,\ntrials.csv, weekly.csv, summary.csv, states.csv, borders.csv, comparison.csv (.parquet\nwith --format parquet) and charts/ (PNG and SVG). Exit codes: 0 success, 2 invalid input,\n1 other failure, 130 interrupted (the temporary folder is removed; earlier results are\nuntouched)."
    )]
    Run(RunArgs),
    /// Validate a scenario and show what would run.
    #[command(
        after_help = "Examples:\n  cordon check scenarios/csto-southern-frontier.toml\n  cordon check scenarios/minimal.toml --set alliance.intel_sharing=0.6\n\nExit codes: 0 valid, 2 invalid (every problem is listed with file:line:column)."
    )]
    Check(CheckArgs),
    /// Merge shards run with --shard K/N into one result folder.
    #[command(
        after_help = "Example (a Slurm job array of 8 tasks, then one merge):\n  cordon run frontier.toml --shard $SLURM_ARRAY_TASK_ID/8 --out shards/$SLURM_ARRAY_TASK_ID\n  cordon merge shards/* --out results\n\nThe merged folder has the same bytes as a run of all trials on one machine\n(manifest timing fields aside). Shards must share scenario, seed, trials,\nvariants and shard count, and each must be present once."
    )]
    Merge(MergeArgs),
    /// Compare two saved runs, paired when they share random streams.
    Compare(compare::CompareArgs),
    /// Search member states' allocation shares for the best on a metric.
    Optimize(optimize::OptimizeArgs),
    /// Run the scenario at every point of a parameter design (grid or
    /// Latin hypercube) on the same trials: sweep.csv and charts.
    #[command(
        after_help = "Examples:\n  cordon sweep my-region.toml --vary states.MEM.budget=2:12:6\n  cordon sweep my-region.toml --vary alliance.intel_sharing=0:1:5 \\\n      --vary model.detection_scale=0.5:2:4\n  cordon sweep my-region.toml --vary model.pooling=0:1 \\\n      --vary alliance.intel_sharing=0:1 --design lhs --samples 40 --trials 500\n  cordon sweep my-region.toml            (the [sweep] table of the file)\n\nEvery point is validated before any trial runs (`cordon check` prints the expanded\ndesign). Points run on the same trial indices and seed (common random numbers).\nResults go to output/SCENARIO/sweep-UTC-DATE-TIME/ unless --out is given:\nsweep.csv (one row per point and variant: parameter values, then every summary\nmetric as METRIC_mean, METRIC_ci95_lo, METRIC_ci95_hi), manifest.json and charts/.\nWith --posterior every point integrates over a calibrated posterior: each point's\nrow is what `cordon run --posterior P --set PATH=VALUE --trials N` gives there.\nExit codes: 0 success, 2 invalid input, 1 other failure, 130 interrupted."
    )]
    Sweep(SweepArgs),
    /// Which uncertain parameters (`[[uncertain]]` tables) move an outcome,
    /// and whether the ranking of variants survives them.
    #[command(
        after_help = "Examples:\n  cordon sensitivity my-region.toml --metric attacks\n  cordon sensitivity my-region.toml --metric p_any_attack --samples 128 --trials 400\n\nThe scenario lists its uncertain parameters:\n  [[uncertain]]\n  path = \"model.detection_scale\"\n  low = 0.5\n  high = 2.0\n\nWrites sensitivity.csv (kind = base, oat_low, oat_high, oat_swing, sobol_first,\nsobol_total, sobol_noise, ranking; one row per parameter or variant, with an\nestimate and its 95% interval), manifest.json and charts/ (tornado, Sobol bars).\nCost: (1 + 2k + N(k + 2)) points × --trials trials × variants, for k parameters\nand N = --samples.\nNo --posterior: sensitivity varies the [[uncertain]] box itself (the prior), so a\nposterior would fight it; to see how a posterior moves an outcome, use `cordon run\n--posterior` or `cordon sweep --posterior`.\nExit codes: 0 success, 2 invalid input, 1 other failure, 130 interrupted."
    )]
    Sensitivity(SensitivityArgs),
    /// Fit the `[[uncertain]]` parameters to the `[[observed]]` series:
    /// the posterior, by sequential Monte Carlo on a simulated likelihood.
    #[command(
        after_help = "Examples:\n  cordon calibrate                 (the built-in default scenario)\n  cordon calibrate my-region.toml --particles 1000 --trials-per-particle 60\n  cordon calibrate my-region.toml --out fits/a --resume   (continue after Ctrl-C)\n  cordon run my-region.toml --posterior fits/a            (every summary over the posterior)\n\nThe prior is the [[uncertain]] box (scale = \"log\": log-uniform). Each particle's\nlikelihood is simulated: --trials-per-particle trials give every observed period a\ncount law (negative binomial by moments), which scores the observed count.\nResults go to output/SCENARIO/calibrate-UTC-DATE-TIME/ unless --out is given:\nposterior.csv, calibration.csv, predictive.csv, generations.csv, manifest.json, charts/.\nCost: particles × trials per particle × (1 + moves) trials per generation.\nNo --posterior: calibrate starts from the prior ([[uncertain]]); runs, sweeps and\nsearches over its result take --posterior.\nExit codes: 0 success, 2 invalid input, 1 other failure, 130 interrupted."
    )]
    Calibrate(calibrate::CalibrateArgs),
    /// Redraw a result folder's charts from its CSV files and manifest.
    Plot(plot::PlotArgs),
    /// Write report.html: one self-contained page for decision-makers.
    Report(report::ReportArgs),
    /// Re-run one trial with every cell event recorded: events.csv,
    /// cells.csv and an animated map (trace.html).
    Trace(trace::TraceArgs),
    /// List the built-in scenarios, or print one.
    #[command(
        after_help = "Examples:\n  cordon scenarios\n  cordon scenarios show minimal > my-region.toml"
    )]
    Scenarios(ScenariosArgs),
    /// Write a commented starter scenario file.
    #[command(
        after_help = "Examples:\n  cordon new my-region.toml\n  cordon new frontier.toml --from csto-southern-frontier\n\nThe file is never overwritten; it passes `cordon check` as written."
    )]
    New(NewArgs),
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    #[command(
        after_help = "Examples:\n  cordon completions bash > ~/.local/share/bash-completion/completions/cordon\n  cordon completions zsh > ~/.zfunc/_cordon\n  cordon completions fish > ~/.config/fish/completions/cordon.fish"
    )]
    Completions(CompletionsArgs),
    /// Print the manual page (roff), generated from the same definitions as --help.
    #[command(after_help = "Example:\n  cordon man > cordon.1 && man ./cordon.1")]
    Man,
}

/// Flags of `cordon scenarios`.
#[derive(Debug, Args)]
pub struct ScenariosArgs {
    #[command(subcommand)]
    pub action: Option<ScenariosAction>,
}

/// What `cordon scenarios` does besides listing.
#[derive(Debug, Subcommand)]
pub enum ScenariosAction {
    /// Print a built-in scenario's file.
    Show {
        /// The built-in scenario's name (see `cordon scenarios`).
        name: String,
    },
}

/// Flags of `cordon new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The file to write (refused if it exists).
    pub file: PathBuf,
    /// The built-in scenario to start from.
    #[arg(long, value_name = "NAME", default_value = crate::scenario::builtin::STARTER)]
    pub from: String,
}

/// Flags of `cordon completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: clap_complete::Shell,
}

/// Flags of `cordon run`.
#[derive(Debug, Args)]
#[command(mut_arg("sets", |a| a.help("Override one value of the base scenario; VALUE is TOML (e.g. --set alliance.intel_sharing=0.6). Repeatable")))]
#[command(mut_arg("out", |a| a.help("Result folder [default: output/SCENARIO/UTC-DATE-TIME/]")))]
#[command(mut_arg("force", |a| a.help("Replace an existing, non-empty --out folder (the old results stay until the new run is complete)")))]
pub struct RunArgs {
    /// Scenario file (TOML), or the name of a built-in scenario
    /// [default: the built-in csto-southern-frontier].
    pub scenario: Option<PathBuf>,
    #[command(flatten)]
    pub trials: common::TrialsFlag,
    #[command(flatten)]
    pub scenario_flags: common::ScenarioFlags,
    #[command(flatten)]
    pub output: common::OutputFlags,
    /// Run only this variant (besides the baseline, which always runs).
    /// Repeatable [default: all variants].
    #[arg(long = "variant", value_name = "NAME")]
    pub variants: Vec<String>,
    /// Run only shard K of N (contiguous blocks of trials), for
    /// `cordon merge`; K from 0, e.g. --shard $SLURM_ARRAY_TASK_ID/8.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::engine::shard::Shard>,
    /// Keep checkpoints in .DIR.partial beside --out DIR, and continue an
    /// interrupted run from its last checkpoint instead of starting again
    /// (refused if the scenario, --set values, seed, trials, variants or
    /// shard changed).
    #[arg(long)]
    pub resume: bool,
    /// Run over a posterior: a `cordon calibrate` folder or its
    /// posterior.csv. Trial i of every variant uses the same parameter
    /// point, drawn by weight, so comparisons stay paired and every summary
    /// integrates over what the observations leave uncertain.
    #[arg(long, value_name = "DIR|FILE")]
    pub posterior: Option<PathBuf>,
    /// The file format of the tables: csv, parquet (columnar: a large
    /// trials table in a few percent of the space, opened directly by
    /// pandas, polars, R arrow and DuckDB) or csv,parquet for both. Every
    /// command that reads a result folder reads either.
    #[arg(long, value_name = "FORMAT", default_value = "csv")]
    pub format: crate::results::Formats,
    /// Also write report.html, one self-contained page for
    /// decision-makers (as `cordon report` does).
    #[arg(long, conflicts_with = "shard")]
    pub report: bool,
    #[command(flatten)]
    pub quiet: common::QuietFlag,
}

/// Flags of `cordon merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard folders (each written by `cordon run --shard K/N`).
    #[arg(required = true, num_args = 1..)]
    pub shards: Vec<PathBuf>,
    /// The merged result folder.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace an existing, non-empty --out folder.
    #[arg(long)]
    pub force: bool,
}

/// Flags of `cordon sweep`.
#[derive(Debug, Args)]
#[command(mut_arg("trials", |a| a.help("Trials per point and variant [default: `[sweep]` trials, else the scenario's `trials`]")))]
#[command(mut_arg("seed", |a| a.help("Random seed, shared by every point [default: the scenario's]")))]
#[command(mut_arg("out", |a| a.help("Result folder [default: output/SCENARIO/sweep-UTC-DATE-TIME/]")))]
pub struct SweepArgs {
    /// Scenario file (TOML), or the name of a built-in scenario
    /// [default: the built-in csto-southern-frontier].
    pub scenario: Option<PathBuf>,
    /// A parameter to vary: its dotted path (as for --set), the lowest and
    /// highest value, and the number of evenly spaced values of a grid
    /// (e.g. --vary states.MEM.budget=2:12:6). Repeatable; replaces the
    /// file's `[[sweep.vary]]` list [default: the file's].
    #[arg(long, value_name = "PATH=LO:HI:STEPS")]
    pub vary: Vec<String>,
    /// How points are chosen: every combination of the steps, or a Latin
    /// hypercube of --samples points [default: the file's, else grid].
    #[arg(long, value_enum)]
    pub design: Option<sweep::DesignFlag>,
    /// Points of a Latin hypercube.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..=100_000))]
    pub samples: Option<u32>,
    #[command(flatten)]
    pub trials: common::TrialsFlag,
    #[command(flatten)]
    pub scenario_flags: common::ScenarioFlags,
    /// A metric to chart against the parameters (any column stem of
    /// sweep.csv, e.g. entries, severity, patrol_detection_in). Repeatable
    /// [default: attacks, entries, p_any_attack].
    #[arg(long = "metric", value_name = "M")]
    pub metrics: Vec<String>,
    /// Run every point over a posterior: a `cordon calibrate` folder, its
    /// posterior.csv, or a built-in scenario that ships one. The
    /// posterior's paths are drawn per trial (trial i draws the same
    /// point at every design point), the swept paths are set per point; a
    /// path cannot be both.
    #[arg(long, value_name = "DIR|FILE")]
    pub posterior: Option<PathBuf>,
    #[command(flatten)]
    pub output: common::OutputFlags,
    #[command(flatten)]
    pub quiet: common::QuietFlag,
}

/// Flags of `cordon sensitivity`.
#[derive(Debug, Args)]
#[command(mut_arg("trials", |a| a.help("Trials per design point and variant").default_value(sensitivity::TRIALS)))]
#[command(mut_arg("seed", |a| a.help("Random seed, shared by every point [default: the scenario's]")))]
#[command(mut_arg("out", |a| a.help("Result folder [default: output/SCENARIO/sensitivity-UTC-DATE-TIME/]")))]
pub struct SensitivityArgs {
    /// Scenario file (TOML) with `[[uncertain]]` tables, or a built-in name.
    pub scenario: PathBuf,
    /// The outcome to analyse: a per-trial total of summary.csv (attacks,
    /// entries, severity, ...) or p_any_attack.
    #[arg(long, value_name = "M")]
    pub metric: String,
    #[command(flatten)]
    pub trials: common::TrialsFlag,
    /// Base samples N of the Sobol design (N (k + 2) points).
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u32).range(4..=100_000))]
    pub samples: u32,
    /// Bootstrap resamples for the intervals of the Sobol indices.
    #[arg(long, value_name = "B", default_value_t = 500, value_parser = clap::value_parser!(u32).range(10..=100_000))]
    pub bootstrap: u32,
    #[command(flatten)]
    pub scenario_flags: common::ScenarioFlags,
    #[command(flatten)]
    pub output: common::OutputFlags,
    #[command(flatten)]
    pub quiet: common::QuietFlag,
}

/// Flags of `cordon check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario file (TOML), or the name of a built-in scenario.
    pub scenario: PathBuf,
    /// Override one value first, as in `cordon run`. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
}

/// Writes to standard output; a closed pipe (`cordon man | head`) is not an
/// an error: the reader has what it wanted.
pub(crate) fn emit(bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(crate::error::Error::Other(
            anyhow::anyhow!("cannot write to standard output: {e}"),
        )),
        _ => Ok(()),
    }
}

/// The command line as typed, for manifests.
pub fn command_line() -> String {
    std::env::args().collect::<Vec<_>>().join(" ")
}

/// Runs a parsed command line; returns the process exit code.
pub fn main_with(cli: Cli) -> i32 {
    let result: Result<()> = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Check(args) => check::check(args),
        Command::Compare(args) => compare::compare(args),
        Command::Optimize(args) => optimize::optimize(args),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Sensitivity(args) => sensitivity::sensitivity(args),
        Command::Calibrate(args) => calibrate::calibrate(args),
        Command::Plot(args) => plot::plot(args),
        Command::Report(args) => report::report(args),
        Command::Trace(args) => trace::trace(args),
        Command::Merge(args) => {
            crate::study::merge::merge(&args.shards, &args.out, args.force, &command_line())
                .and_then(|out| {
                    emit(
                        format!(
                            "merged {} shards into {}\n",
                            args.shards.len(),
                            out.display()
                        )
                        .as_bytes(),
                    )
                })
        }
        Command::Scenarios(args) => scenarios::scenarios(args),
        Command::New(args) => scenarios::new(args),
        Command::Completions(args) => manual::completions(args),
        Command::Man => manual::man(),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}
