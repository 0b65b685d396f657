//! Output: results into files, and nothing else.

pub(crate) mod calibration;
pub(crate) mod csv;
pub(crate) mod folder;
pub(crate) mod manifest;
pub(crate) mod parquet;
pub(crate) mod posterior;
pub(crate) mod read;
pub(crate) mod sensitivity;
pub(crate) mod sweep;
pub(crate) mod tables;
pub(crate) mod trace;

pub use folder::{Staging, default_out};
pub use manifest::{Manifest, ScenarioEntry};
pub use posterior::Posterior;
pub use tables::{Formats, Syncing, TrialsWriter, finish_trials, write_csv, write_tables};
