//! Statistics across trials: exact, mergeable accumulators, and the rows of
//! the output tables with their uncertainty.

pub mod aggregate;
pub mod interval;
pub mod metric;
pub mod moments;
pub mod sketch;
pub mod tables;

pub use aggregate::{RunStats, VariantStats};
