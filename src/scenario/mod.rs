//! Scenario files: TOML text → document tree → raw sections → validated
//! [`Scenario`]s, with overrides by dotted path in between.
//!
//! Everything a run needs is decided here, before any trial starts; an
//! invalid value cannot reach the model.

pub mod builtin;
pub(crate) mod diagnostic;
pub(crate) mod doc;
pub(crate) mod fields;
pub(crate) mod load;
pub mod metric;
pub mod observed;
pub(crate) mod paths;
pub mod ranges;
pub(crate) mod read;
pub(crate) mod schema;
pub(crate) mod types;
pub(crate) mod validate;

pub use diagnostic::{Diagnostic, Diagnostics};
pub use load::{
    BaseTemplate, Each, LoadError, OneByOne, Parsed, load_base_point, load_bytes, load_file,
    load_file_on, load_point, load_str, load_str_on, load_with_vary, load_with_vary_on,
};
pub use types::*;
