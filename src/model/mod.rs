//! The model of `docs/model.md`: pure functions from a validated scenario, a trial
//! index and random streams to numbers. No I/O, no threads, no clock.

pub(crate) mod defences;
pub(crate) mod events;
pub(crate) mod record;
pub mod streams;
pub(crate) mod trial;

pub use crate::scenario::metric::{Counter, DirectionMetric, Level, StateMetric};
pub use defences::Defences;
pub use events::{CellKey, Event, EventKind, EventLog, NoRecorder, Recorder};
pub use record::TrialRecord;
pub use trial::{Theatre, Workspace, run_trial, run_trial_shared, run_trial_with, spawning_groups};
#[cfg(test)]
mod edges;
#[cfg(test)]
mod warmup;
