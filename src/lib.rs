//! cordon: Monte Carlo scenario simulation of cross-border threats and the
//! policies that counter them.
//!
//! Data flows one way: TOML text → validated [`scenario::ScenarioSet`] →
//! trials ([`model`]) → statistics ([`stats`]) → files ([`output`]).
//! [`engine`] is the one place where trials run in parallel; [`run`] strings
//! the steps together for `cordon run`; [`cli`] is the command line.

pub mod builtin;
pub mod calibrate;
pub mod cli;
pub mod compare;
pub mod design;
pub mod engine;
pub mod error;
pub mod merge;
pub mod model;
pub mod optimize;
pub mod output;
pub mod plot;
pub mod report;
pub mod resources;
pub mod resume;
pub mod run;
pub mod scenario;
pub mod sensitivity;
pub mod shard;
pub mod stats;
pub mod sweep;
pub mod trace;

pub use error::{Error, Result};
