//! The integration tests: one binary, one module per area, each test in a
//! fresh temporary folder (see `util`).

mod util;

/// What each fuzz target checks, shared with the fuzzers in `fuzz/`.
#[path = "../fuzz/common.rs"]
mod fuzz_common;

/// The rules written plainly in one file, shared with the benchmarks.
#[path = "../benches/lean/model.rs"]
mod lean_model;

mod architecture;
mod behaviour;
mod builtin;
mod calibrate;
mod calibration_charts;
mod cli;
mod columnar;
mod compare;
mod lean;
mod plot;
mod posterior_studies;
mod properties;
mod report;
mod reproducibility;
mod resume;
mod robustness;
mod shards;
mod snapshots;
mod sweep;
mod timings;
mod trace;
mod validation;
