//! The `cordon` binary: parse the command line, run, exit with its code.

use clap::Parser;

fn main() {
    let clock = std::time::Instant::now();
    cordon::engine::keep_freed_memory();
    let cli = cordon::cli::Cli::parse();
    let code = cordon::cli::main_with(cli);
    // From the start of `main` to its end, everything dropped
    // (benches/serial_share_study.sh: what a command spends before its own
    // clock starts and after it reports its total).
    cordon::engine::timing("main", clock);
    std::process::exit(code);
}
