//! The `cordon` binary: parse the command line, run, exit with its code.

use clap::Parser;

fn main() {
    let cli = cordon::cli::Cli::parse();
    std::process::exit(cordon::cli::main_with(cli));
}
