//! The `cordon` binary: parse the command line, run, exit with its code.

use clap::Parser;

fn main() {
    cordon::engine::keep_freed_memory();
    let cli = cordon::cli::Cli::parse();
    std::process::exit(cordon::cli::main_with(cli));
}
