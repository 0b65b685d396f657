//! Studies: what a command computes, from a scenario to a result folder.
//!
//! Every study follows one skeleton: load and validate the scenario (and
//! refuse bad input before anything is written), stage the folder
//! ([`stage`]), run trials through [`crate::engine`], write the tables
//! ([`crate::stats`] rows into [`crate::results`] files) and the manifest,
//! then [`commit_then_draw`]: the results move into place first and the
//! charts ([`crate::chart`]) are drawn into the committed folder, so a
//! drawing failure never loses results.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::results::Staging;
use crate::scenario::builtin::ScenarioSource;

pub mod calibrate;
pub mod compare;
pub mod merge;
pub mod optimize;
pub(crate) mod posterior;
pub mod run;
pub mod sensitivity;
pub mod sweep;
pub mod trace;

/// A staging folder for `target`, with a refusal (an existing folder
/// without `--force`) as invalid input.
pub fn stage(target: &Path, force: bool) -> Result<Staging> {
    Staging::new(target, force).map_err(refused)
}

/// A refused output folder is invalid input; anything else is a failure.
pub(crate) fn refused(e: anyhow::Error) -> Error {
    match e.downcast::<crate::results::folder::Refused>() {
        Ok(r) => Error::Invalid(r.0),
        Err(e) => Error::Other(e),
    }
}

/// Moves the finished results of `staging` into place, then draws their
/// charts into the committed folder with `draw`. The results are kept
/// whatever happens to the charts: a drawing failure comes back as an
/// error that names the folder the results are in.
pub fn commit_then_draw<T>(
    staging: Staging,
    draw: impl FnOnce(&Path) -> Result<T>,
) -> Result<(PathBuf, T)> {
    let out = staging.commit()?;
    match draw(&out) {
        Ok(drawn) => Ok((out, drawn)),
        Err(e) => Err(Error::Other(anyhow::anyhow!(
            "results are in {}, but their charts could not be drawn: {e}",
            out.display()
        ))),
    }
}

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
