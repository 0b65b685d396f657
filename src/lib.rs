//! cordon: Monte Carlo scenario simulation of cross-border threats and the
//! policies that counter them.
//!
//! Data flows one way: TOML text → validated [`scenario::ScenarioSet`] →
//! trials ([`model`]) → statistics ([`stats`]) → files ([`output`]).
//! [`engine`] is the one place where trials run in parallel.

pub mod model;
pub mod scenario;
