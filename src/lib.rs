//! cordon: Monte Carlo scenario simulation of cross-border threats and the
//! policies that counter them.
//!
//! The source tree is the dependency order. Each folder is a floor; a floor
//! imports only from the floors below it, never from one above, and no two
//! folders import each other (`tests/architecture.rs` checks this):
//!
//! | floor | folder | what lives there |
//! |---|---|---|
//! | 7 | [`cli`] | the command line: arguments, help, progress bars, exit codes |
//! | 6 | [`study`] | what each command computes: run, merge, compare, sweep, sensitivity, optimize, calibrate, trace |
//! | 5 | [`report`], [`chart`] | report pages (HTML) and charts (PNG + SVG) drawn from result folders |
//! | 4 | [`results`] | result folders: staging and commit, the manifest, tables written and read, posteriors |
//! | 3 | [`engine`], [`stats`] | trials in parallel (the one place rayon lives), shards, resume, resource estimates; statistics across trials |
//! | 2 | [`model`] | the rules of one trial: pure functions of a scenario, a trial index and random streams |
//! | 1 | [`scenario`] | scenario files: TOML → validated [`scenario::Scenario`], built-in scenarios, overrides by path |
//! | 0 | [`error`] | the one error type of the library, with its exit codes |
//!
//! Data flows one way: TOML text → validated scenario → trials → statistics
//! → files → charts and pages. The model's rules are written up in
//! `docs/model.md`.

#![warn(unreachable_pub)]
// Internal docs link to internal items; `cargo doc --document-private-items`
// renders them for the developers who read them.
#![allow(rustdoc::private_intra_doc_links)]

pub mod chart;
pub mod cli;
pub mod engine;
pub mod error;
pub mod model;
pub mod report;
pub mod results;
pub mod scenario;
pub mod stats;
pub mod study;

pub use error::{Error, Result};
