//! The model of `docs/model.md`: pure functions from a validated scenario, a trial
//! index and random streams to numbers. No I/O, no threads, no clock.

pub mod defences;
pub mod events;
pub mod record;
pub mod streams;
pub mod trial;

pub use defences::Defences;
pub use events::{CellKey, Event, EventKind, EventLog, NoRecorder, Recorder};
pub use record::{Counter, DirectionMetric, Level, StateMetric, TrialRecord};
pub use trial::{Theatre, Workspace, run_trial, run_trial_with};
#[cfg(test)]
mod edges;
#[cfg(test)]
mod warmup;
