//! `cordon plot`: redraw a result folder's charts from its CSV files and
//! manifest alone, so merged or older results can be plotted and charts
//! restyled without running again. A calibration folder (its manifest's
//! kind says so) gets the calibration charts.

use std::path::PathBuf;

use crate::chart::{calibration, draw_all};
use crate::error::{Error, Result};

/// Flags of `cordon plot`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  cordon plot output/csto-southern-frontier/2024-06-21T12-00-00Z\n  cordon plot results/merged --variant border_heavy --variant intel_heavy\n\nCharts go to RUN_DIR/charts/ as PNG and SVG (1200×800): fan charts, the probability\nof an attack by week, the policy comparison (forest plot), outcome distributions,\none frontier map per variant and per-state bars. For a folder written by `cordon\ncalibrate`: prior and posterior per parameter, pairs, the predictive check and the\ntempering schedule.\nExit codes: 0 success, 2 invalid input (a missing folder, file or column, or a\ncell that is not a number: the message names file, row and column), 1 other failure."
)]
pub struct PlotArgs {
    /// Result folder written by `cordon run` or `cordon calibrate` (it
    /// holds manifest.json and the CSV files).
    #[arg(value_name = "RUN_DIR")]
    pub run_dir: PathBuf,
    /// Draw only this variant (besides the baseline, which is always
    /// drawn). Repeatable [default: every variant in the folder].
    #[arg(long = "variant", value_name = "NAME")]
    pub variants: Vec<String>,
    /// Do not list the files written.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Draws the charts as the flags say and lists the files written.
pub(super) fn plot(args: PlotArgs) -> Result<()> {
    let written = if calibration::is_calibration(&args.run_dir) {
        if let Some(v) = args.variants.first() {
            return Err(Error::Invalid(format!(
                "--variant {v}: {} is a calibration, which has no variants; leave --variant out",
                args.run_dir.display()
            )));
        }
        calibration::draw_all(&args.run_dir)
    } else {
        draw_all(&args.run_dir, &args.variants)
    }?;
    if !args.quiet {
        println!(
            "{} charts (PNG and SVG) in {}",
            written.len() / 2,
            args.run_dir.join(crate::chart::CHARTS).display()
        );
    }
    Ok(())
}
