//! Simulation-based calibration of `cordon calibrate` (Talts, Betancourt,
//! Simpson, Vehtari & Gelman 2018, "Validating Bayesian inference
//! algorithms with simulation-based calibration", arXiv:1804.06788).
//!
//! If a sampler draws from the posterior, then over data simulated from the
//! prior the rank of the true parameter among the posterior draws is
//! uniform, and a 90% posterior interval holds the truth nine times in ten.
//! For each replicate i this program
//!
//! 1. draws a truth θ_i from the prior (a generator seeded from i);
//! 2. simulates the observed yearly counts with cordon itself: one trial of
//!    the scenario with θ_i applied as `--set`, at a seed and trial index of
//!    its own;
//! 3. writes those counts into the scenario's `[[observed]]` series and
//!    runs `cordon calibrate` on it (few particles, few trials per
//!    particle, seed from i, a temporary output folder);
//! 4. records the rank of θ_i among the final particles (how many lie
//!    below it, 0..N) and whether it lies in the posterior 90% interval
//!    (q05..q95 of `calibration.csv`).
//!
//! It then bins the ranks into 10 equal bins, tests them against the
//! uniform with a chi-square test, reports the coverage of the 90%
//! interval with its binomial standard error, and draws the rank
//! histograms with the uniform expectation and its 99% binomial band into
//! `docs/images/sbc_ranks.png` and `.svg`.
//!
//! Two cases, on the known-answer scenario of `src/calibrate/mod.rs` (one
//! source region whose weekly new cells are Poisson(λ), one member state):
//!
//! - `one`: λ = `regions.SRC_N.new_cells` uniform on [0.1, 1.0], observed
//!   yearly `new_cells` over 5 years;
//! - `two`: the same, and `model.attack_hazard` log-uniform on
//!   [0.002, 0.05], with yearly `attacks` observed as well.
//!
//! ```text
//! cargo run --release --example sbc -- [REPLICATES] [CASES] [PARTICLES] [TRIALS] [THREADS]
//! ```
//!
//! With `table` in place of REPLICATES it simulates nothing and prints the
//! table and redraws the chart from the rows an earlier run left.
//!
//! REPLICATES defaults to 100 (per case); CASES is `one`, `two` or
//! `one,two` (the default); PARTICLES defaults to 99 (so that the N + 1
//! possible ranks fill 10 bins equally); TRIALS (per particle) to 10;
//! THREADS to 2. The chart goes to `docs/images/` (run from the
//! repository root), the per-replicate rows to `target/sbc/CASE.csv`.

mod common;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use cordon::chart::style::{INK, MUTED, anchored, axes, bold, grid, register_fonts, text};
use cordon::model::streams::mix;
use cordon::model::{Theatre, TrialRecord, Workspace, run_trial};
use cordon::scenario::builtin::ScenarioSource;
use cordon::scenario::load_str;
use cordon::scenario::observed::Observation;
use cordon::study::Common;
use cordon::study::calibrate::{CalibrateOptions, Hooks, calibrate};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use statrs::distribution::{Binomial, ChiSquared, ContinuousCDF, DiscreteCDF};

/// Years observed (yearly counts).
const YEARS: usize = 5;

/// Bins of the rank histogram.
const BINS: usize = 10;

/// One prior: uniform, or log-uniform when `log`.
#[derive(Clone, Copy)]
struct Param {
    path: &'static str,
    label: &'static str,
    low: f64,
    high: f64,
    log: bool,
}

impl Param {
    fn draw(&self, r: &mut Xoshiro256PlusPlus) -> f64 {
        let u: f64 = r.random();
        if self.log {
            (self.low.ln() + u * (self.high.ln() - self.low.ln())).exp()
        } else {
            self.low + u * (self.high - self.low)
        }
    }
}

/// One SBC case: its priors and the alliance-wide series observed.
struct Case {
    name: &'static str,
    params: Vec<Param>,
    series: Vec<&'static str>,
}

fn cases() -> Vec<Case> {
    let new_cells = Param {
        path: "regions.SRC_N.new_cells",
        label: "new_cells (uniform)",
        low: 0.1,
        high: 1.0,
        log: false,
    };
    let hazard = Param {
        path: "model.attack_hazard",
        label: "attack_hazard (log-uniform)",
        low: 0.002,
        high: 0.05,
        log: true,
    };
    vec![
        Case {
            name: "one",
            params: vec![new_cells],
            series: vec!["new_cells"],
        },
        Case {
            name: "two",
            params: vec![new_cells, hazard],
            series: vec!["new_cells", "attacks"],
        },
    ]
}

/// The scenario text of `case` with `counts` (one list per series).
fn scenario_text(case: &Case, counts: &[Vec<u64>]) -> String {
    let mut t = common::world("sbc", 260, 3);
    for p in &case.params {
        t.push_str(&format!(
            "[[uncertain]]\npath = \"{}\"\nlow = {}\nhigh = {}\n{}",
            p.path,
            p.low,
            p.high,
            if p.log { "scale = \"log\"\n" } else { "" }
        ));
    }
    for (s, c) in case.series.iter().zip(counts) {
        let list: Vec<String> = c.iter().map(u64::to_string).collect();
        t.push_str(&format!(
            "[[observed]]\nmetric = \"{s}\"\ncounts = [{}]\nsource = \"simulated by cordon (SBC)\"\n",
            list.join(", ")
        ));
    }
    t
}

/// What one replicate found, per parameter.
struct Replicate {
    truth: Vec<f64>,
    ranks: Vec<usize>,
    inside: Vec<bool>,
    q05: Vec<f64>,
    q95: Vec<f64>,
    counts: Vec<Vec<u64>>,
    generations: u32,
    seconds: f64,
}

/// Settings shared by every replicate.
struct Settings {
    particles: usize,
    trials: u64,
    threads: usize,
}

/// The observed counts of `case` at `truth`: one trial, keyed by `i`.
fn simulate_truth(case: &Case, truth: &[f64], i: u64) -> anyhow::Result<Vec<Vec<u64>>> {
    let zeros = vec![vec![0; YEARS]; case.series.len()];
    let text = scenario_text(case, &zeros);
    let sets: Vec<String> = case
        .params
        .iter()
        .zip(truth)
        .map(|(p, x)| format!("{}={x}", p.path))
        .collect();
    let mut set = load_str("sbc", "sbc", &text, &sets).map_err(|d| anyhow::anyhow!("{d}"))?;
    // A seed of the truth's own, unlike any the calibration uses.
    set.base.seed = mix(0x5bc_0000_0000 ^ i);
    let theatre = Theatre::new(&set.base);
    let mut rec = TrialRecord::default();
    rec.weekly_detail = Observation::detail(&set.observed);
    run_trial(&theatre, i, &mut Workspace::default(), &mut rec);
    Ok(set
        .observed
        .iter()
        .map(|o| (0..o.counts.len()).map(|k| o.simulated(&rec, k)).collect())
        .collect())
}

fn replicate(case: &Case, i: u64, s: &Settings, dir: &Path) -> anyhow::Result<Replicate> {
    let clock = Instant::now();
    let mut r = Xoshiro256PlusPlus::seed_from_u64(mix(0x5bc ^ mix(i)));
    let truth: Vec<f64> = case.params.iter().map(|p| p.draw(&mut r)).collect();
    let counts = simulate_truth(case, &truth, i)?;
    let file = dir.join(format!("{}-{i}.toml", case.name));
    std::fs::write(&file, scenario_text(case, &counts))?;
    let out = dir.join(format!("{}-{i}", case.name));
    let opts = CalibrateOptions {
        common: Common {
            scenario: ScenarioSource::File(file),
            sets: vec![],
            seed: Some(1_000 + i),
            threads: s.threads,
            out: Some(out.clone()),
            output_root: dir.to_path_buf(),
            force: true,
            command_line: "examples/sbc".into(),
        },
        particles: s.particles,
        generations: 30,
        trials_per_particle: s.trials,
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
    if !report.converged {
        eprintln!("replicate {i}: not converged ({:?})", report.notes);
    }
    // posterior.csv: one column per parameter, then the weight (equal
    // after the final resampling).
    let mut rd = csv::Reader::from_path(report.out.join("posterior.csv"))?;
    let mut ranks = vec![0usize; truth.len()];
    for row in rd.records() {
        let row = row?;
        for (k, t) in truth.iter().enumerate() {
            let x: f64 = row[k].parse()?;
            if x < *t {
                ranks[k] += 1;
            }
        }
    }
    let inside = report
        .rows
        .iter()
        .zip(&truth)
        .map(|(row, &t)| row.q05 <= t && t <= row.q95)
        .collect();
    let generations = report.history.last().map_or(0, |g| g.generation);
    std::fs::remove_dir_all(&report.out)?;
    Ok(Replicate {
        truth,
        ranks,
        inside,
        q05: report.rows.iter().map(|r| r.q05).collect(),
        q95: report.rows.iter().map(|r| r.q95).collect(),
        counts,
        generations,
        seconds: clock.elapsed().as_secs_f64(),
    })
}

/// The summary of one parameter over all replicates.
struct Summary {
    label: String,
    bins: Vec<u64>,
    chi2: f64,
    p: f64,
    coverage: f64,
    se: f64,
}

fn summarise(label: &str, ranks: &[usize], inside: &[bool], particles: usize) -> Summary {
    let m = ranks.len() as f64;
    let mut bins = vec![0u64; BINS];
    for &r in ranks {
        bins[(r * BINS / (particles + 1)).min(BINS - 1)] += 1;
    }
    let e = m / BINS as f64;
    let chi2: f64 = bins.iter().map(|&o| (o as f64 - e).powi(2) / e).sum();
    let p = ChiSquared::new((BINS - 1) as f64).map_or(f64::NAN, |d| 1.0 - d.cdf(chi2));
    let coverage = inside.iter().filter(|&&x| x).count() as f64 / m;
    Summary {
        label: label.to_string(),
        bins,
        chi2,
        p,
        coverage,
        se: (coverage * (1.0 - coverage) / m).sqrt(),
    }
}

/// The 99% band of a bin's count under uniform ranks: the 0.5% and 99.5%
/// quantiles of Binomial(M, 1/BINS).
fn band(m: u64) -> (f64, f64) {
    match Binomial::new(1.0 / BINS as f64, m) {
        Ok(b) => (b.inverse_cdf(0.005) as f64, b.inverse_cdf(0.995) as f64),
        Err(_) => (0.0, m as f64),
    }
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    panels: &[Summary],
    caption: &str,
) -> anyhow::Result<()> {
    let err = |e: &dyn std::fmt::Display| anyhow::anyhow!("cannot draw: {e}");
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let (_, height) = root.dim_in_pixel();
    root.draw_text(
        "Simulation-based calibration: rank of the truth among the posterior particles",
        &bold(24.0, &INK),
        (24, 16),
    )
    .map_err(|e| err(&e))?;
    let bottom = (height - 15) as i32;
    root.draw_text(
        caption,
        &anchored(text(15.0, &MUTED), HPos::Left, VPos::Center),
        (24, bottom),
    )
    .map_err(|e| err(&e))?;
    let body = root.margin(56, 36, 0, 0);
    let (rows, columns) = layout(panels.len());
    let areas = body.split_evenly((rows, columns));
    let blue = RGBColor(0, 114, 178);
    for (area, s) in areas.iter().zip(panels) {
        let m: u64 = s.bins.iter().sum();
        let e = m as f64 / BINS as f64;
        let (lo, hi) = band(m);
        let top = (s.bins.iter().copied().max().unwrap_or(0) as f64).max(hi) * 1.15 + 1.0;
        let (head, plot) = area.split_vertically(54);
        head.draw_text(&s.label, &bold(16.0, &INK), (20, 6))
            .map_err(|e| err(&e))?;
        let stats = format!(
            "χ² = {:.1} (9 df), p = {:.2} · 90% interval covers {:.0}% (± {:.0})",
            s.chi2,
            s.p,
            100.0 * s.coverage,
            100.0 * s.se
        );
        head.draw_text(&stats, &text(15.0, &INK), (20, 30))
            .map_err(|e| err(&e))?;
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(16)
            .margin_right(32)
            .margin_top(12)
            .x_label_area_size(56)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..1f64, 0f64..top)
            .map_err(|e| err(&e))?;
        axes(
            &mut chart.configure_mesh(),
            "rank of the truth / (particles + 1)",
            "replicates",
            15.0,
        )
        .draw()
        .map_err(|e| err(&e))?;
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(0.0, lo), (1.0, hi)],
                RGBAColor(110, 110, 110, 0.18).filled(),
            )))
            .map_err(|e| err(&e))?;
        let w = 1.0 / BINS as f64;
        chart
            .draw_series(s.bins.iter().enumerate().map(|(b, &c)| {
                let x = b as f64 * w;
                Rectangle::new(
                    [(x + 0.06 * w, 0.0), (x + 0.94 * w, c as f64)],
                    blue.mix(0.85).filled(),
                )
            }))
            .map_err(|e| err(&e))?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, e), (1.0, e)],
                INK.stroke_width(2),
            )))
            .map_err(|e| err(&e))?;
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// Panels in one row up to three, else the shared near-square grid.
fn layout(n: usize) -> (usize, usize) {
    if n <= 3 { (1, n.max(1)) } else { grid(n) }
}

fn write_chart(panels: &[Summary], caption: &str, stem: &Path) -> anyhow::Result<()> {
    register_fonts().map_err(|e| anyhow::anyhow!("{e}"))?;
    let (rows, columns) = layout(panels.len());
    let size = ((560 * columns as u32).max(1000), 110 + 460 * rows as u32);
    let png = stem.with_extension("png");
    let svg = stem.with_extension("svg");
    draw(
        &BitMapBackend::new(&png, size).into_drawing_area(),
        panels,
        caption,
    )?;
    draw(
        &SVGBackend::new(&svg, size).into_drawing_area(),
        panels,
        caption,
    )?;
    println!("\nwrote {} and {}", png.display(), svg.display());
    Ok(())
}

/// The summaries of `case`'s parameters from the rows in `dir`.
fn read_back(case: &Case, dir: &Path, particles: usize) -> anyhow::Result<Vec<Summary>> {
    let path = dir.join(format!("{}.csv", case.name));
    let mut rd = csv::Reader::from_path(&path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let header = rd.headers()?.clone();
    let col = |name: String| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| anyhow::anyhow!("{} has no column {name}", path.display()))
    };
    let rows: Vec<csv::StringRecord> = rd.records().collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for p in &case.params {
        let (r, i) = (
            col(format!("{}_rank", p.path))?,
            col(format!("{}_inside", p.path))?,
        );
        let ranks: Vec<usize> = rows
            .iter()
            .map(|x| x[r].parse())
            .collect::<Result<_, _>>()?;
        let inside: Vec<bool> = rows
            .iter()
            .map(|x| x[i].parse())
            .collect::<Result<_, _>>()?;
        let label = format!("case {}: {}", case.name, p.label);
        out.push(summarise(&label, &ranks, &inside, particles));
    }
    Ok(out)
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
    // `table`: no simulation, only the summaries and the chart of the rows
    // that an earlier run left in target/sbc/.
    let table_only = args.first().is_some_and(|a| a == "table");
    let replicates: u64 = if table_only { 0 } else { arg(&args, 0, 100)? };
    let wanted: String = arg(&args, 1, "one,two".to_string())?;
    let settings = Settings {
        particles: arg(&args, 2, 99)?,
        trials: arg(&args, 3, 10)?,
        threads: arg(&args, 4, 2)?,
    };
    let chosen: Vec<Case> = cases()
        .into_iter()
        .filter(|c| wanted.split(',').any(|w| w == c.name))
        .collect();
    if chosen.is_empty() {
        anyhow::bail!("CASES must be one, two or one,two; found {wanted}");
    }
    let scratch = tempfile::tempdir()?;
    let rows_dir = PathBuf::from("target/sbc");
    std::fs::create_dir_all(&rows_dir)?;
    let mut panels = Vec::new();
    let clock = Instant::now();
    for case in chosen.iter().filter(|_| !table_only) {
        println!(
            "== case {}: {} replicates, {} particles x {} trials, {} threads ==",
            case.name, replicates, settings.particles, settings.trials, settings.threads
        );
        let started = Instant::now();
        let mut csv = csv::Writer::from_path(rows_dir.join(format!("{}.csv", case.name)))?;
        let mut header = vec!["replicate".to_string()];
        for p in &case.params {
            for col in ["truth", "rank", "q05", "q95", "inside"] {
                header.push(format!("{}_{col}", p.path));
            }
        }
        for s in &case.series {
            header.push(format!("{s}_counts"));
        }
        header.extend(["generations".into(), "seconds".into()]);
        csv.write_record(&header)?;
        for i in 0..replicates {
            let rep = replicate(case, i, &settings, scratch.path())?;
            let mut row = vec![i.to_string()];
            for k in 0..case.params.len() {
                row.extend([
                    format!("{}", rep.truth[k]),
                    rep.ranks[k].to_string(),
                    format!("{}", rep.q05[k]),
                    format!("{}", rep.q95[k]),
                    rep.inside[k].to_string(),
                ]);
            }
            for c in &rep.counts {
                let list: Vec<String> = c.iter().map(u64::to_string).collect();
                row.push(list.join(" "));
            }
            row.extend([rep.generations.to_string(), format!("{:.2}", rep.seconds)]);
            csv.write_record(&row)?;
            csv.flush()?;
            if i < 3 || (i + 1) % 10 == 0 {
                let truths: Vec<String> = rep.truth.iter().map(|t| format!("{t:.4}")).collect();
                println!(
                    "  replicate {:>3}: truth {:<18} ranks {:?} inside {:?} ({} generations, {:.1} s)",
                    i,
                    truths.join(", "),
                    rep.ranks,
                    rep.inside,
                    rep.generations,
                    rep.seconds
                );
            }
        }
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "  case {} took {seconds:.0} s ({:.2} s per replicate)\n",
            case.name,
            seconds / replicates as f64
        );
    }
    for case in &chosen {
        panels.extend(read_back(case, &rows_dir, settings.particles)?);
    }
    println!(
        "{:<40} {:>5} {:>42} {:>7} {:>6} {:>16}",
        "parameter", "M", "rank bins (10 equal)", "chi2", "p", "90% coverage"
    );
    for s in &panels {
        let m: u64 = s.bins.iter().sum();
        let bins: Vec<String> = s.bins.iter().map(u64::to_string).collect();
        println!(
            "{:<40} {:>5} {:>42} {:>7.2} {:>6.3} {:>9.3} ± {:.3}",
            s.label,
            m,
            bins.join(" "),
            s.chi2,
            s.p,
            s.coverage,
            s.se
        );
    }
    let m: u64 = panels.first().map_or(0, |s| s.bins.iter().sum());
    let (lo, hi) = band(m);
    println!(
        "\nuniform: {:.1} per bin, 99% band {lo}..{hi}; 90% coverage SE at M = {m}: {:.3}",
        m as f64 / BINS as f64,
        (0.09 / m as f64).sqrt()
    );
    println!("total {:.0} s", clock.elapsed().as_secs_f64());
    let caption = format!(
        "{m} replicates per case · {} particles × {} trials per particle · bars: replicates per rank bin; line: uniform expectation; band: its 99% binomial range",
        settings.particles, settings.trials
    );
    write_chart(&panels, &caption, Path::new("docs/images/sbc_ranks"))?;
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
