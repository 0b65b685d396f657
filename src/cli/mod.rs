//! The command line: flags become [`crate::run::RunOptions`] and friends
//! once, then each command calls the library.

mod check;
mod run;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::error::Result;

/// Monte Carlo scenario simulation of cross-border threats: which policy mix
/// leaves an alliance safest for the money, with honest uncertainty.
#[derive(Debug, Parser)]
#[command(name = "cordon", version, about, long_about = None, propagate_version = true)]
#[command(
    after_help = "Examples:\n  cordon check scenarios/csto-southern-frontier.toml\n  cordon run scenarios/csto-southern-frontier.toml\n  cordon run scenarios/minimal.toml --trials 5000 --set alliance.intel_sharing=0.6"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the baseline and its variants for many trials and write results.
    #[command(
        after_help = "Examples:\n  cordon run scenarios/csto-southern-frontier.toml\n  cordon run scenarios/csto-southern-frontier.toml --trials 10000 --variant border_heavy --variant intel_heavy\n  cordon run scenarios/minimal.toml --set states.MEM.budget=12 --out results/more-budget --force\n\nResults go to output/<scenario>/<UTC date-time>/ unless --out is given:\nmanifest.json, trials.csv, weekly.csv, summary.csv, states.csv, borders.csv.\nExit codes: 0 success, 2 invalid input, 1 other failure, 130 interrupted."
    )]
    Run(RunArgs),
    /// Validate a scenario and show what would run.
    #[command(
        after_help = "Examples:\n  cordon check scenarios/csto-southern-frontier.toml\n  cordon check scenarios/minimal.toml --set alliance.intel_sharing=0.6\n\nExit codes: 0 valid, 2 invalid (every problem is listed with file:line:column)."
    )]
    Check(CheckArgs),
}

/// Flags of `cordon run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Trials per variant [default: the scenario's `trials`].
    #[arg(long, value_name = "N")]
    pub trials: Option<u64>,
    /// Random seed [default: the scenario's `seed`].
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_name = "T", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Result folder [default: output/SCENARIO/UTC-DATE-TIME/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Override one value of the base scenario; VALUE is TOML
    /// (e.g. --set alliance.intel_sharing=0.6). Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// Run only this variant (besides the baseline, which always runs).
    /// Repeatable [default: all variants].
    #[arg(long = "variant", value_name = "NAME")]
    pub variants: Vec<String>,
    /// Replace an existing, non-empty --out folder (the old results stay
    /// until the new run is complete).
    #[arg(long)]
    pub force: bool,
    /// No progress bar and no summary table.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Flags of `cordon check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Override one value first, as in `cordon run`. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
}

/// Runs a parsed command line; returns the process exit code.
pub fn main_with(cli: Cli) -> i32 {
    let result: Result<()> = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Check(args) => check::check(args),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}
