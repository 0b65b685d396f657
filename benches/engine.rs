//! Placeholder replaced below once the default scenario exists.
fn main() {}
