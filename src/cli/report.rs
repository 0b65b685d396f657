//! `cordon report`: write a result folder's `report.html`, one
//! self-contained page for decision-makers, and optionally open it.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::report::write_report;

/// Flags of `cordon report`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  cordon report output/csto-southern-frontier/2024-06-21T12-00-00Z\n  cordon report results/run1 --open\n\nWrites RUN_DIR/report.html: one file that opens offline in any browser and can be\nmailed as is (charts inline as SVG, no network requests). Charts missing from\nRUN_DIR/charts/ are drawn first. For a folder written by `cordon calibrate`, the\npage shows the observations and their sources, the predictive check, the\nposterior of each parameter and the sampler's progress.\nExit codes: 0 success, 2 invalid input (a missing folder, file or column, or a\ncell that is not a number: the message names file, row and column), 1 other failure."
)]
pub struct ReportArgs {
    /// Result folder written by `cordon run` or `cordon calibrate` (it
    /// holds manifest.json and the CSV files).
    #[arg(value_name = "RUN_DIR")]
    pub run_dir: PathBuf,
    /// Open the report in the default browser once written.
    #[arg(long)]
    pub open: bool,
}

/// Writes the report, prints its path and opens it if asked.
pub(super) fn report(args: ReportArgs) -> Result<()> {
    let path = write(&args.run_dir)?;
    super::emit(format!("{}\n", path.display()).as_bytes())?;
    if args.open {
        open(&path);
    }
    Ok(())
}

/// Writes `run_dir/report.html`; invalid input is exit code 2, the file
/// system and drawing 1.
pub(super) fn write(run_dir: &Path) -> Result<PathBuf> {
    write_report(run_dir)
}

/// Writes the report of a run that just finished (`cordon run --report`);
/// its results are kept whatever happens here.
pub(super) fn after_run(out: &Path) -> Result<PathBuf> {
    write_report(out).map_err(|e| {
        Error::Other(anyhow::anyhow!(
            "results are in {}, but their report could not be written: {e}",
            out.display()
        ))
    })
}

/// Opens `path` with the system's handler for HTML files; a failure is a
/// warning, since the report itself is written.
fn open(path: &Path) {
    let (program, args): (&str, &[&str]) = if cfg!(target_os = "macos") {
        ("open", &[])
    } else if cfg!(windows) {
        ("cmd", &["/C", "start", ""])
    } else {
        ("xdg-open", &[])
    };
    let status = std::process::Command::new(program)
        .args(args)
        .arg(path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => eprintln!(
            "warning: `{program}` could not open {} ({s}); open it in a browser yourself",
            path.display()
        ),
        Err(e) => eprintln!(
            "warning: cannot run `{program}` to open {} ({e}); open it in a browser yourself",
            path.display()
        ),
    }
}
