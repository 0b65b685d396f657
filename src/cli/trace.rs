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
    /// Override one value of the base scenario, as the run did. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// Random seed, as the run had it [default: the scenario's].
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Trials of the run, as it had them [default: the scenario's]; the
    /// trial must be below.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=super::MAX_TRIALS))]
    pub trials: Option<u64>,
    /// Result folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace an existing, non-empty --out folder.
    #[arg(long)]
    pub force: bool,
    /// Worker threads of the quick run for --pick [default: all cores].
    #[arg(long, value_name = "T", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Traces the trial and prints where it went.
pub fn trace(args: TraceArgs) -> Result<()> {
    let choice = match (args.trial, args.pick) {
        (Some(n), _) => Choice::Trial(n),
        (None, Some(pick)) => Choice::Pick {
            pick,
            from: args.from.clone(),
        },
        (None, None) => unreachable!("clap requires --trial or --pick"),
    };
    let opts = TraceOptions {
        scenario: crate::scenario::builtin::resolve(args.scenario.as_deref())?,
        sets: args.sets,
        seed: args.seed,
        trials: args.trials,
        choice,
        variants: args.variants,
        out: args.out,
        output_root: PathBuf::from("output"),
        force: args.force,
        threads: super::terminal::threads(args.threads),
        command_line: super::command_line(),
    };
    let report = crate::study::trace::trace(&opts, &super::terminal::interrupt_flag())?;
    if args.quiet {
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
