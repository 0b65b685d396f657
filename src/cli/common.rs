//! The flags several commands share, defined once and flattened into each
//! command's arguments (`#[command(flatten)]`). A command whose flag means
//! something more specific overrides the help sentence (and, for `--trials`,
//! the default) with `#[command(mut_arg(...))]`; the name, value name and
//! validated range stay the same everywhere.

use std::path::PathBuf;

use clap::Args;

/// Largest `--trials`: the engine limit of scenario files.
pub(crate) const MAX_TRIALS: u64 = crate::scenario::read::limits::MAX_TRIALS as u64;

/// `--trials N`: at least 1, at most the engine limit.
#[derive(Debug, Clone, Args)]
pub struct TrialsFlag {
    /// Trials per variant [default: the scenario's `trials`].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_TRIALS))]
    pub trials: Option<u64>,
}

/// `--seed S` and `--set PATH=VALUE`: which scenario, exactly, is run.
#[derive(Debug, Clone, Args)]
pub struct ScenarioFlags {
    /// Random seed [default: the scenario's `seed`].
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Override one value of the base scenario first. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
}

/// `--threads T`, `--out DIR` and `--force`: how the work runs and where
/// its result folder goes.
#[derive(Debug, Clone, Args)]
pub struct OutputFlags {
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_name = "T", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Result folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace an existing, non-empty --out folder.
    #[arg(long)]
    pub force: bool,
}

/// `-q, --quiet`.
#[derive(Debug, Clone, Args)]
pub struct QuietFlag {
    /// No progress bar and no summary table.
    #[arg(long, short)]
    pub quiet: bool,
}

impl ScenarioFlags {
    /// The study options these flags and `scenario` fill in, with the
    /// thread count, result folder and command line of `output`.
    pub(crate) fn common(
        self,
        scenario: Option<&std::path::Path>,
        output: OutputFlags,
    ) -> crate::error::Result<crate::study::Common> {
        Ok(crate::study::Common {
            scenario: crate::scenario::builtin::resolve(scenario)?,
            sets: self.sets,
            seed: self.seed,
            threads: super::terminal::threads(output.threads),
            out: output.out,
            output_root: PathBuf::from("output"),
            force: output.force,
            command_line: super::command_line(),
        })
    }
}
