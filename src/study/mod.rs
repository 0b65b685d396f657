//! Studies: what a command computes, from a scenario to a result folder.
//! Each study loads its scenario, runs trials through [`crate::engine`],
//! turns them into tables ([`crate::stats`]), commits the folder
//! ([`crate::results`]) and then draws its charts ([`crate::chart`]).

pub mod calibrate;
pub mod compare;
pub mod merge;
pub mod optimize;
pub mod run;
pub mod sensitivity;
pub mod sweep;
pub mod trace;

use std::path::PathBuf;

use crate::scenario::builtin::ScenarioSource;

/// What every study that runs a scenario into a result folder is told,
/// already resolved from flags: which scenario, exactly, and where its
/// folder goes. Each study's options embed it as `common`.
#[derive(Debug, Clone)]
pub struct Common {
    /// The scenario: a file or a built-in.
    pub scenario: ScenarioSource,
    /// `--set PATH=VALUE` overrides of the base scenario.
    pub sets: Vec<String>,
    /// Seed (default: the scenario's).
    pub seed: Option<u64>,
    /// Worker threads (at least 1). Results do not depend on it.
    pub threads: usize,
    /// The result folder (default: a new folder under `output_root`).
    pub out: Option<PathBuf>,
    /// Where default result folders go.
    pub output_root: PathBuf,
    /// Replace an existing result folder.
    pub force: bool,
    /// The command line, for the manifest.
    pub command_line: String,
}
