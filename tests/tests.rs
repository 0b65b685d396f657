//! The integration tests: one binary, one module per area, each test in a
//! fresh temporary folder (see `util`).

mod util;

mod builtin;
mod cli;
mod compare;
mod plot;
mod report;
mod reproducibility;
mod resume;
mod shards;
mod sweep;
mod validation;
