//! Parameter recovery by `cordon calibrate` as the record grows.
//!
//! A small world (one source region, one border, one member state) with
//! three uncertain parameters:
//!
//! - `regions.SRC_N.new_cells`, uniform on [0.1, 1.0] (truth 0.5);
//! - `model.attack_hazard`, log-uniform on [0.002, 0.05] (truth 0.015);
//! - `model.detection_scale`, log-uniform on [0.3, 3.0] (truth 1.0).
//!
//! The truth is fixed; cordon simulates one trial of it for 5, 10 and 20
//! years (`scenario.weeks` 260, 520, 1040, same seed and trial index, so
//! the shorter records are the first years of the longer ones), and the
//! yearly alliance-wide counts of the SERIES (default `attacks`,
//! `border_interdictions` and `entries`) become the `[[observed]]` record.
//! Each horizon is calibrated and the program prints, per parameter, the
//! truth, the posterior median, the 90% interval and its width: as the
//! record grows the intervals should narrow and still hold the truth.
//!
//! ```text
//! cargo run --release --example recovery -- [PARTICLES] [TRIALS] [SERIES] [THREADS]
//! ```
//!
//! PARTICLES defaults to 300, TRIALS (per particle) to 20, SERIES to
//! `attacks,border_interdictions,entries` (comma-separated alliance-wide
//! counters), THREADS to 2.

mod common;

use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use cordon::model::{Theatre, TrialRecord, Workspace, run_trial};
use cordon::scenario::builtin::ScenarioSource;
use cordon::scenario::load_str;
use cordon::scenario::observed::Observation;
use cordon::study::Common;
use cordon::study::calibrate::{CalibrateOptions, Hooks, calibrate};

/// What the recovery world adds to the shared one (`examples/common`).
const TAIL: &str = r#"[model]
attack_hazard = 0.015
detection_scale = 1.0
[[uncertain]]
path = "regions.SRC_N.new_cells"
low = 0.1
high = 1.0
[[uncertain]]
path = "model.attack_hazard"
low = 0.002
high = 0.05
scale = "log"
[[uncertain]]
path = "model.detection_scale"
low = 0.3
high = 3.0
scale = "log"
"#;

/// The truth, in the order of the `[[uncertain]]` tables.
const TRUTH: [(&str, f64); 3] = [
    ("regions.SRC_N.new_cells", 0.5),
    ("model.attack_hazard", 0.015),
    ("model.detection_scale", 1.0),
];

/// Horizons in years.
const HORIZONS: [usize; 3] = [5, 10, 20];

/// The scenario text at `years` with the observed `counts` per series.
fn text(years: usize, series: &[String], counts: &[Vec<u64>]) -> String {
    let mut t = common::world("recovery", 52 * years, 7) + TAIL;
    for (s, c) in series.iter().zip(counts) {
        let list: Vec<String> = c.iter().map(u64::to_string).collect();
        t.push_str(&format!(
            "[[observed]]\nmetric = \"{s}\"\ncounts = [{}]\nsource = \"one trial of the truth, simulated by cordon\"\n",
            list.join(", ")
        ));
    }
    t
}

/// The yearly counts of one trial of the truth over `years`.
fn observe(years: usize, series: &[String]) -> anyhow::Result<Vec<Vec<u64>>> {
    let zeros = vec![vec![0; years]; series.len()];
    let set = load_str("recovery", "recovery", &text(years, series, &zeros), &[])
        .map_err(|d| anyhow::anyhow!("{d}"))?;
    let theatre = Theatre::new(&set.base);
    let mut rec = TrialRecord::default();
    rec.weekly_detail = Observation::detail(&set.observed);
    run_trial(&theatre, 0, &mut Workspace::default(), &mut rec);
    Ok(set
        .observed
        .iter()
        .map(|o| (0..o.counts.len()).map(|k| o.simulated(&rec, k)).collect())
        .collect())
}

fn arg<T: std::str::FromStr>(args: &[String], i: usize, default: T) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    match args.get(i) {
        None => Ok(default),
        Some(a) => a
            .parse()
            .map_err(|e| anyhow::anyhow!("argument {} ({a}): {e}", i + 1)),
    }
}

fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let particles: usize = arg(&args, 0, 300)?;
    let trials: u64 = arg(&args, 1, 20)?;
    let series: String = arg(&args, 2, "attacks,border_interdictions,entries".to_string())?;
    let threads: usize = arg(&args, 3, 2)?;
    let series: Vec<String> = series.split(',').map(str::to_string).collect();
    let scratch = tempfile::tempdir()?;
    let clock = Instant::now();
    let mut table = Vec::new();
    for years in HORIZONS {
        let started = Instant::now();
        let counts = observe(years, &series)?;
        println!("== {years} years ==");
        for (s, c) in series.iter().zip(&counts) {
            println!("  observed {s:<22} {c:?}");
        }
        let file = scratch.path().join(format!("recovery-{years}.toml"));
        std::fs::write(&file, text(years, &series, &counts))?;
        let opts = CalibrateOptions {
            common: Common {
                scenario: ScenarioSource::File(file),
                sets: vec![],
                seed: Some(2024),
                threads,
                out: Some(scratch.path().join(format!("out-{years}"))),
                output_root: scratch.path().to_path_buf(),
                force: true,
                command_line: "examples/recovery".into(),
            },
            particles,
            generations: 40,
            trials_per_particle: trials,
            max_moves: 8,
            resume: false,
        };
        let cancel = AtomicBool::new(false);
        let hooks = Hooks {
            progress: &|_| {},
            on_generation_start: &|_, _| {},
            on_generation: &|_| {},
            on_start: &|_, _| {},
            cancel: &cancel,
        };
        let report = calibrate(&opts, &hooks)?;
        for note in &report.notes {
            println!("  note: {note}");
        }
        let g = report.history.last().map_or(0, |g| g.generation);
        let sims: u64 = report.history.iter().map(|g| g.simulations).sum();
        println!(
            "  {g} generations, {sims} particle evaluations, {:.0} s",
            started.elapsed().as_secs_f64()
        );
        for (row, (path, truth)) in report.rows.iter().zip(TRUTH) {
            assert_eq!(row.parameter, path);
            table.push((years, row.clone(), truth));
        }
    }
    println!(
        "\n{:<26} {:>5} {:>8} {:>9} {:>21} {:>9} {:>7} {:>8}",
        "parameter", "years", "truth", "median", "90% interval", "width", "covers", "shrink"
    );
    for (path, _) in TRUTH {
        for (years, row, truth) in table.iter().filter(|(_, r, _)| r.parameter == path) {
            println!(
                "{:<26} {:>5} {:>8.4} {:>9.4} {:>21} {:>9.4} {:>7} {:>8.2}",
                path,
                years,
                truth,
                row.median,
                format!("[{:.4}, {:.4}]", row.q05, row.q95),
                row.q95 - row.q05,
                if row.q05 <= *truth && *truth <= row.q95 {
                    "yes"
                } else {
                    "NO"
                },
                row.shrinkage
            );
        }
    }
    println!(
        "\n{particles} particles x {trials} trials per particle, {threads} threads; total {:.0} s",
        clock.elapsed().as_secs_f64()
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
