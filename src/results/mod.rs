//! Output: results into files, and nothing else.

pub mod calibration;
pub mod csv;
pub mod folder;
pub mod manifest;
pub mod posterior;
pub mod read;
pub mod sensitivity;
pub mod sweep;
pub mod tables;
pub mod trace;

pub use folder::{Staging, default_out};
pub use manifest::{Manifest, ScenarioEntry};
pub use posterior::Posterior;
pub use tables::{TrialsWriter, write_csv, write_tables};
