//! Command-line behaviour: exit codes, help, output folders.
