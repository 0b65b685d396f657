//! What every long-running command does on the terminal: pick the number of
//! worker threads, turn Ctrl-C into a stop flag, and show a progress bar.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// `--threads`, or every core when it is not given.
pub(crate) fn threads(arg: Option<u16>) -> usize {
    arg.map_or_else(default_threads, usize::from)
}

/// The number of cores (1 when it cannot be told).
pub(crate) fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A flag set by SIGINT or SIGTERM; a second signal while stopping exits at
/// once with 130.
pub(crate) fn interrupt_flag() -> Arc<AtomicBool> {
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
    cancel
}

/// A progress bar on stderr drawn with `template` (hidden when `quiet` or
/// when stderr is not a terminal); its length is set once it is known.
pub(crate) fn progress_bar(quiet: bool, template: &str) -> ProgressBar {
    let bar = if quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
    };
    bar.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}
