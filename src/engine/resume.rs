//! Checkpoints, so that an interrupted run or shard continues where it
//! stopped (`--resume`) instead of starting again.
//!
//! After every window of trials a resumable run records, in its kept
//! `.NAME.partial` folder, how far it got, how long `trials.csv` was then and
//! the exact statistics so far. A resumed run checks that it is the same run
//! (scenario text, `--set` values, seed, trials, variants and shard) and
//! refuses otherwise, naming what changed.

use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::engine::shard::ShardState;
use crate::error::{Error, Result};

/// The checkpoint's file name inside the partial folder.
pub(crate) const FILE: &str = "checkpoint.json";

/// What makes two runs the same run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RunIdentity {
    pub scenario_sha256: String,
    /// `--set` values (including `--trials` and `--seed`), as `PATH=VALUE`.
    pub sets: Vec<String>,
    pub seed: u64,
    pub trials: u64,
    /// Variant names, baseline first.
    pub variants: Vec<String>,
    /// `K/N`, or empty for a whole run.
    pub shard: String,
    /// SHA-256 of the posterior a run is over, or empty.
    #[serde(default)]
    pub posterior: String,
}

impl RunIdentity {
    /// What differs between `self` (the checkpoint's) and `now`, if anything.
    pub(crate) fn difference(&self, now: &RunIdentity) -> Option<String> {
        let pairs = [
            (
                "the scenario text (SHA-256)",
                self.scenario_sha256.clone(),
                now.scenario_sha256.clone(),
            ),
            ("the --set values", self.sets.join(" "), now.sets.join(" ")),
            ("the seed", self.seed.to_string(), now.seed.to_string()),
            (
                "the number of trials",
                self.trials.to_string(),
                now.trials.to_string(),
            ),
            (
                "the variants",
                self.variants.join(", "),
                now.variants.join(", "),
            ),
            ("the shard", self.shard.clone(), now.shard.clone()),
            (
                "the posterior (SHA-256)",
                self.posterior.clone(),
                now.posterior.clone(),
            ),
        ];
        pairs
            .into_iter()
            .find(|(_, a, b)| a != b)
            .map(|(what, a, b)| format!("{what} changed (checkpoint: {a:?}, now: {b:?})"))
    }
}

/// How far a run got.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Checkpoint {
    pub identity: RunIdentity,
    /// The first trial not yet run.
    pub next_trial: u64,
    /// Length of `trials.csv` at the checkpoint.
    pub trials_bytes: u64,
    pub state: ShardState,
}

/// Writes `cp` into `dir` atomically (a crash leaves the previous one).
pub(crate) fn save(dir: &Path, cp: &Checkpoint) -> Result<()> {
    let tmp = dir.join(format!("{FILE}.tmp"));
    let json = serde_json::to_vec(cp).context("cannot encode checkpoint")?;
    std::fs::write(&tmp, json).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, dir.join(FILE))
        .with_context(|| format!("cannot write {}", dir.join(FILE).display()))?;
    Ok(())
}

/// The checkpoint in `dir`, if there is one.
pub(crate) fn load(dir: &Path) -> Result<Option<Checkpoint>> {
    let path = dir.join(FILE);
    if !path.exists() {
        return Ok(None);
    }
    let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_slice(&bytes).map(Some).map_err(|e| {
        Error::Invalid(format!(
            "{} is damaged ({e}); delete {} to start the run afresh",
            path.display(),
            dir.display()
        ))
    })
}

/// Removes the checkpoint once the run is complete.
pub(crate) fn clear(dir: &Path) -> Result<()> {
    let path = dir.join(FILE);
    if path.exists() {
        std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
    }
    Ok(())
}
