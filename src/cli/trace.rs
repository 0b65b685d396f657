//! `cordon trace`: flags become [`crate::study::trace::TraceOptions`]; the folder
//! written is printed.

use std::path::PathBuf;

use crate::error::Result;
use crate::study::trace::{Choice, Pick, TraceOptions};

/// Flags of `cordon trace`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  cordon trace --trial 17\n  cordon trace csto-southern-frontier --trial 17 --variant border_heavy --out results/trial-17\n  cordon trace --from output/csto-southern-frontier/2024-06-21T12-00-00Z --pick worst\n  cordon trace --pick diverge --variant border_heavy\n\nRe-runs exactly trial N of `cordon run` (same seed, same random numbers) for the baseline\nand each --variant, and writes events.csv (every cell event), cells.csv (one row per cell\nand variant), trial.csv (the trial's rows of trials.csv), trace.json, trace.html (an\nanimated map that works offline) and trace.png/.svg (the map at four weeks).\nResults go to FROM/trace with --from (where `cordon report FROM` shows them), else to\noutput/SCENARIO/trace-N/UTC-DATE-TIME/ unless --out is given.\nExit codes: 0 success, 2 invalid input, 1 other failure."
)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["trial", "pick"])))]
#[command(mut_arg("trials", |a| a.help("Trials of the run, as it had them [default: the scenario's]; the trial must be below")))]
#[command(mut_arg("sets", |a| a.help("Override one value of the base scenario, as the run did. Repeatable")))]
#[command(mut_arg("seed", |a| a.help("Random seed, as the run had it [default: the scenario's]")))]
#[command(mut_arg("threads", |a| a.help("Worker threads of the quick run for --pick [default: all cores]")))]
#[command(mut_arg("quiet", |a| a.help("Print nothing but errors")))]
pub struct TraceArgs {
    /// Scenario file (TOML), or the name of a built-in scenario
    /// [default: the built-in csto-southern-frontier].
    pub scenario: Option<PathBuf>,
    /// The trial to trace: its index in `cordon run`'s trials.csv (from 0).
    #[arg(long, value_name = "N")]
    pub trial: Option<u64>,
    /// Choose the trial instead: the baseline's worst (most attacks) or
    /// median, or the one where the (first) --variant differs most from the
    /// baseline.
    #[arg(long, value_enum, value_name = "HOW")]
    pub pick: Option<Pick>,
    /// With --pick: the run folder whose trials.csv to choose from
    /// [default: a quick run of the scenario's trials].
    #[arg(long, value_name = "DIR", requires = "pick")]
    pub from: Option<PathBuf>,
    /// Trace this variant too, beside the baseline. Repeatable
    /// [default: the baseline alone].
    #[arg(long = "variant", value_name = "NAME")]
    pub variants: Vec<String>,
    #[command(flatten)]
    pub scenario_flags: super::common::ScenarioFlags,
    #[command(flatten)]
    pub trials: super::common::TrialsFlag,
    #[command(flatten)]
    pub output: super::common::OutputFlags,
    #[command(flatten)]
    pub quiet: super::common::QuietFlag,
}

/// Traces the trial and prints where it went.
pub(super) fn trace(args: TraceArgs) -> Result<()> {
    let choice = match (args.trial, args.pick) {
        (Some(n), _) => Choice::Trial(n),
        (None, Some(pick)) => Choice::Pick {
            pick,
            from: args.from.clone(),
        },
        (None, None) => unreachable!("clap requires --trial or --pick"),
    };
    let opts = TraceOptions {
        common: args
            .scenario_flags
            .common(args.scenario.as_deref(), args.output)?,
        trials: args.trials.trials,
        choice,
        variants: args.variants,
    };
    let report = crate::study::trace::trace(&opts, &super::terminal::interrupt_flag())?;
    if args.quiet.quiet {
        return Ok(());
    }
    let s = &report.summary;
    let mut o = format!("trial {}: {}\n", s.trial, s.chosen);
    for v in &s.variants {
        o.push_str(&format!(
            "  {:<24} {} cells, {} entries, {} attacks (severity {}){}\n",
            v.name,
            v.cells,
            v.entries,
            v.attacks,
            v.severity,
            if v.diverging_cells > 0 {
                format!(", {} cells part from the baseline", v.diverging_cells)
            } else {
                String::new()
            }
        ));
    }
    o.push_str(&format!(
        "watch it: {}\n",
        report.out.join("trace.html").display()
    ));
    super::emit(o.as_bytes())
}
