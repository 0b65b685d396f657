//! `cordon calibrate`: one line per generation and a bar within it on
//! stderr; the posterior table and the predictive check on stdout.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::terminal::{interrupt_flag, progress_bar};
use crate::error::Result;
use crate::study::calibrate::{CalibrateOptions, CalibrationReport, Hooks, calibrate as fit};

/// Flags of `cordon calibrate`.
#[derive(Debug, Args)]
#[command(mut_arg("seed", |a| a.help("Random seed of the sampler and the simulations [default: the scenario's]")))]
#[command(mut_arg("out", |a| a.help("Result folder [default: output/SCENARIO/calibrate-UTC-DATE-TIME/]")))]
#[command(mut_arg("quiet", |a| a.help("No progress and no summary table")))]
pub struct CalibrateArgs {
    /// Scenario file (TOML) with `[[uncertain]]` priors and `[[observed]]`
    /// series, or a built-in name [default: the built-in
    /// csto-southern-frontier].
    pub scenario: Option<PathBuf>,
    /// Particles: points that together stand for the posterior. More give
    /// smoother marginals and a better predictive check, linearly slower.
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(2..=16_777_216))]
    pub particles: u64,
    /// Most generations after the first draw from the prior (the sampler
    /// stops earlier once the likelihood reaches full weight).
    #[arg(long, value_name = "G", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub generations: u32,
    /// Trials simulated at each particle to estimate its likelihood (and
    /// for the predictive check). More make the likelihood less noisy.
    #[arg(long, value_name = "R", default_value_t = 40, value_parser = clap::value_parser!(u64).range(1..=65_536))]
    pub trials_per_particle: u64,
    /// Most Metropolis–Hastings steps per generation (fewer are taken when
    /// proposals are often accepted).
    #[arg(long, value_name = "M", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=255))]
    pub max_moves: u32,
    #[command(flatten)]
    pub scenario_flags: super::common::ScenarioFlags,
    #[command(flatten)]
    pub output: super::common::OutputFlags,
    /// Checkpoint after every generation into .DIR.partial beside --out,
    /// and continue from there if it exists (needs --out).
    #[arg(long)]
    pub resume: bool,
    #[command(flatten)]
    pub quiet: super::common::QuietFlag,
}

const BAR: &str =
    "  {spinner} generation {msg} [{bar:30}] {human_pos}/{human_len} trials  {elapsed_precise}";

/// Runs the calibration as the flags say.
pub(super) fn calibrate(args: CalibrateArgs) -> Result<()> {
    let quiet = args.quiet.quiet;
    let opts = CalibrateOptions {
        common: args
            .scenario_flags
            .common(args.scenario.as_deref(), args.output)?,
        particles: args.particles as usize,
        generations: args.generations,
        trials_per_particle: args.trials_per_particle,
        max_moves: args.max_moves,
        resume: args.resume,
    };
    let cancel = interrupt_flag();
    let bar = progress_bar(quiet, BAR);
    let clock = Instant::now();
    let say = |line: String| {
        if !quiet {
            bar.suspend(|| eprintln!("{line}"));
        }
    };
    let report = fit(
        &opts,
        &Hooks {
            progress: &|n| bar.inc(n),
            on_generation_start: &|g, trials| {
                bar.reset();
                bar.set_length(trials);
                bar.set_message(g.to_string());
            },
            on_generation: &|g| {
                say(format!(
                    "generation {:>3}  power {:.4}  ESS {:>7.1}  acceptance {:>5.1}%  moves {}  points {:>7}  elapsed {:.1} s",
                    g.generation,
                    g.temperature,
                    g.ess,
                    100.0 * g.acceptance,
                    g.moves,
                    g.simulations,
                    clock.elapsed().as_secs_f64()
                ));
            },
            on_start: &|plan, target| {
                let resumed = plan.resumed_at.map_or(String::new(), |g| {
                    format!(", resuming after generation {g}")
                });
                say(format!(
                    "calibrating {} parameters of {} to {} observed series: {} particles × {} trials each, into {}{resumed}",
                    plan.params.len(),
                    plan.scenario,
                    plan.series.len(),
                    plan.particles,
                    plan.trials_per_particle,
                    target.display()
                ));
            },
            cancel: &cancel,
        },
    );
    bar.finish_and_clear();
    let report = report?;
    if quiet {
        return Ok(());
    }
    super::emit(summary(&report).as_bytes())
}

/// The posterior table and the predictive check, for the terminal.
pub(super) fn summary(r: &CalibrationReport) -> String {
    let mut o = String::from("\nposterior (weighted particles)\n");
    o.push_str(&format!(
        "{:<36} {:>12} {:>12} {:>12} {:>12} {:>9}\n",
        "parameter", "prior low", "prior high", "median", "90% interval", "shrinkage"
    ));
    for p in &r.rows {
        o.push_str(&format!(
            "{:<36} {:>12} {:>12} {:>12} {:>12} {:>8.0}%\n",
            p.parameter,
            short(p.prior_low),
            short(p.prior_high),
            short(p.median),
            format!("{}–{}", short(p.q05), short(p.q95)),
            100.0 * p.shrinkage
        ));
    }
    o.push_str("\npredictive check (observed against the posterior predictive 90% band)\n");
    o.push_str(&format!(
        "{:<40} {:>6} {:>8} {:>8} {:>14} {:>8}\n",
        "series", "period", "observed", "mean", "90% band", "inside"
    ));
    let mut outside = 0;
    for p in &r.predictive {
        let inside = (p.observed as f64) >= p.q05 && (p.observed as f64) <= p.q95;
        outside += usize::from(!inside);
        o.push_str(&format!(
            "{:<40} {:>6} {:>8} {:>8.2} {:>14} {:>8}\n",
            p.series,
            p.period + 1,
            p.observed,
            p.mean,
            format!("{}–{}", p.q05, p.q95),
            if inside { "yes" } else { "NO" }
        ));
    }
    o.push_str(&format!(
        "\n{} of {} observed counts inside their 90% band{}\n",
        r.predictive.len() - outside,
        r.predictive.len(),
        if r.converged {
            ""
        } else {
            " (not converged: see the note)"
        }
    ));
    for note in &r.notes {
        o.push_str(&format!("note: {note}\n"));
    }
    o.push_str(&format!("results in {}\n", r.out.display()));
    o
}

/// A number in at most 4 significant digits.
fn short(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (3 - x.abs().log10().floor() as i32).max(0) as usize;
    format!("{x:.digits$}")
}
