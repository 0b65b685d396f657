//! Statistics across trials: exact, mergeable accumulators, and the rows of
//! the output tables with their uncertainty.

pub mod aggregate;
pub mod fold;
pub(crate) mod interval;
pub(crate) mod metric;
pub(crate) mod moments;
pub(crate) mod sketch;
pub mod tables;

pub use aggregate::{RunStats, VariantStats};
