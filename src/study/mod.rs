//! Studies: what a command computes, from a scenario to a result folder.
//! Each study loads its scenario, runs trials through [`crate::engine`],
//! turns them into tables ([`crate::stats`]), commits the folder
//! ([`crate::results`]) and then draws its charts ([`crate::chart`]).

pub mod calibrate;
pub mod compare;
pub mod merge;
pub mod optimize;
pub mod run;
pub mod sensitivity;
pub mod sweep;
pub mod trace;
