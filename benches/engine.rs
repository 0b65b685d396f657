//! Speed of the engine.
//!
//! `cargo bench --bench engine` measures, on the default scenario, one trial
//! (all variants and the baseline alone), 1,000 trials of the baseline on one
//! and two threads, and the statistics step on its own (the engine's fold,
//! the plain one-value-at-a-time fold it replaced, and settling); and, on
//! `scenarios/stress.toml`, agent-weeks per second at the scenario's load and
//! with twice and four times as many new cells (time per agent-week should
//! stay flat: cost linear in the number of cells); calibration's batches
//! and whole studies (sweep, sensitivity, optimize) against runs of the
//! same scenario (`calibrate_vs_run`, `studies_vs_run`); and every chart
//! of a run folder drawn again (`charts`). Figures are in
//! docs/performance.md.

use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

use cordon::engine::{empty_stats, run_trials};
use cordon::model::{Level, Theatre, TrialRecord, Workspace, run_trial};
use cordon::scenario::{ScenarioSet, load_file};
use cordon::stats::aggregate::{WeeklyConstants, trial_totals};
use cordon::stats::fold::VariantFold;

/// The rules written plainly in one file: the yardstick of issue 16.
#[path = "lean/model.rs"]
mod lean;

/// A scenario under `scenarios/`, with `--set` overrides.
fn shipped(file: &str, sets: &[String]) -> ScenarioSet {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    load_file(&path, sets).unwrap_or_else(|e| panic!("{e}"))
}

fn default_scenario() -> ScenarioSet {
    shipped("csto-southern-frontier.toml", &[])
}

fn one_trial(c: &mut Criterion) {
    let set = default_scenario();
    let base = Theatre::new(&set.base);
    let all: Vec<Theatre<'_>> = std::iter::once(&set.base)
        .chain(set.variants.iter().map(|v| &v.scenario))
        .map(Theatre::new)
        .collect();
    let mut work = Workspace::default();
    let mut rec = TrialRecord::default();
    let mut g = c.benchmark_group("one_trial");
    let mut i = 0u64;
    g.bench_function("baseline", |b| {
        b.iter(|| {
            i += 1;
            run_trial(&base, i, &mut work, &mut rec);
            black_box(rec.first_attack_week)
        })
    });
    g.bench_function("all_variants", |b| {
        b.iter(|| {
            i += 1;
            for th in &all {
                run_trial(th, i, &mut work, &mut rec);
            }
            black_box(rec.first_attack_week)
        })
    });
    g.finish();
}

fn thousand_trials(c: &mut Criterion) {
    let set = default_scenario();
    let theatres = vec![Theatre::new(&set.base)];
    let cancel = AtomicBool::new(false);
    let mut g = c.benchmark_group("1000_trials_baseline");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1000));
    for threads in [1usize, 2] {
        g.bench_function(format!("{threads}_threads"), |b| {
            b.iter(|| {
                run_trials(&theatres, 0..1000, threads, &cancel, &|_| {}, |rows| {
                    black_box(rows);
                    Ok(())
                })
                .map(|s| s.variants.len())
            })
        });
    }
    g.finish();
}

fn aggregation(c: &mut Criterion) {
    let set = default_scenario();
    let th = Theatre::new(&set.base);
    let mut work = Workspace::default();
    let recs: Vec<TrialRecord> = (0..64)
        .map(|i| {
            let mut rec = TrialRecord::default();
            run_trial(&th, i, &mut work, &mut rec);
            rec
        })
        .collect();
    let constants = WeeklyConstants::new(&th.defences);
    let empty = empty_stats(std::slice::from_ref(&th)).variants.remove(0);
    let mut g = c.benchmark_group("aggregation");
    g.throughput(Throughput::Elements(64));
    // What the engine does per trial: the fold, which also gives the
    // trial's totals (and settles on its own now and then; settling at the
    // end is measured below).
    let mut fold = VariantFold::new(empty.clone());
    g.bench_function("fold_64_trials", |b| {
        b.iter(|| {
            for rec in &recs {
                black_box(fold.add(rec, &constants, None));
            }
        })
    });
    // The same statistics one value at a time (the engine's way before
    // the fold): the definition the fold is tested against.
    let mut plain = empty.clone();
    g.bench_function("plain_add_64_trials", |b| {
        b.iter(|| {
            for rec in &recs {
                let totals = trial_totals(rec, &th.defences);
                plain.add(rec, &constants, &totals, &totals);
            }
        })
    });
    // Settling a fold that has taken 64 trials (once per worker and run).
    let mut full = VariantFold::new(empty);
    for rec in &recs {
        full.add(rec, &constants, None);
    }
    g.bench_function("settle_after_64_trials", |b| {
        b.iter_batched(
            || full.clone(),
            |mut f| {
                f.settle();
                f
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

/// Trials of the stress scenario per measured iteration (the same ones each
/// time, so that the agent-weeks are known in advance).
const STRESS_TRIALS: u64 = 2;

/// The stress scenario with every source region's `new_cells` times `scale`.
fn stress_scenario(scale: f64) -> ScenarioSet {
    let plain = shipped("stress.toml", &[]);
    let s = &plain.base;
    let sets: Vec<String> = s
        .network
        .sources
        .iter()
        .map(|&r| {
            let region = &s.regions[r];
            format!(
                "regions.{}.new_cells={}",
                region.id,
                region.new_cells * scale
            )
        })
        .collect();
    shipped("stress.toml", &sets)
}

/// Cells alive at the end of each week, summed over the weeks of a trial.
fn agent_weeks(rec: &TrialRecord) -> u64 {
    rec.levels.iter().map(|l| l[Level::Alive as usize]).sum()
}

/// Agent-weeks per second of the baseline's trials, at the stress
/// scenario's load and with twice and four times the new cells.
fn stress(c: &mut Criterion) {
    let mut g = c.benchmark_group("stress_agent_weeks");
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    for scale in [1u32, 2, 4] {
        let set = stress_scenario(f64::from(scale));
        let th = Theatre::new(&set.base);
        let mut work = Workspace::default();
        let mut rec = TrialRecord::default();
        let load: u64 = (0..STRESS_TRIALS)
            .map(|i| {
                run_trial(&th, i, &mut work, &mut rec);
                agent_weeks(&rec)
            })
            .sum();
        g.throughput(Throughput::Elements(load));
        g.bench_function(format!("new_cells_x{scale}"), |b| {
            b.iter(|| {
                for i in 0..STRESS_TRIALS {
                    run_trial(&th, i, &mut work, &mut rec);
                }
                black_box(rec.first_attack_week)
            })
        });
    }
    g.finish();
}

/// Calibration's throughput against a run's: 1,000 trials of the default
/// scenario's baseline as 100 particles × 10, 40 or 100 trials (each particle's
/// scenario built from the text and prepared, every (particle, trial) item
/// in one pool, the likelihood scored), against 1,000 trials of one run, on
/// two threads, and against one run over the same 100 particles (what
/// calibrate is held to, docs/performance.md). Target: calibrate at 0.9×
/// run's trials per second or better.
fn calibrate_batch(c: &mut Criterion) {
    use cordon::study::calibrate::{Model, smc};
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join("csto-southern-frontier.toml");
    let text = std::fs::read_to_string(&path).expect("the default scenario");
    let set = default_scenario();
    let model = Model {
        name: path.display().to_string(),
        stem: "csto-southern-frontier".into(),
        text,
        sets: vec![],
        params: set.uncertain.clone(),
        observed: &set.observed,
        seed: set.base.seed,
        template: None,
    }
    .prepare();
    let prior = smc::Prior {
        params: set.uncertain.clone(),
    };
    // The particles: the prior box's centre, nudged per particle.
    let jobs: Vec<smc::Job> = (0..100)
        .map(|i| smc::Job {
            z: (0..prior.dim())
                .map(|k| {
                    let (lo, hi) = prior.bounds(k);
                    lo + (hi - lo) * (0.3 + 0.004 * f64::from(i))
                })
                .collect(),
            key: i as u64,
        })
        .collect();
    let theatres = vec![Theatre::new(&set.base)];
    // A run at the middle particle's values: its trials simulate as many
    // cells as the particles' do on average (the prior's box centre has
    // more cells than the fitted scenario, so its trials cost more).
    let middle = model
        .scenario(&prior.values(&jobs[50].z))
        .expect("the middle particle is a scenario");
    let at_particle = vec![Theatre::new(&middle)];
    let cancel = AtomicBool::new(false);
    let mut g = c.benchmark_group("calibrate_vs_run");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1000));
    g.bench_function("run_1000_trials_2_threads", |b| {
        b.iter(|| {
            run_trials(&theatres, 0..1000, 2, &cancel, &|_| {}, |rows| {
                black_box(rows);
                Ok(())
            })
            .map(|s| s.variants.len())
        })
    });
    g.bench_function("run_1000_trials_at_middle_particle_2_threads", |b| {
        b.iter(|| {
            run_trials(&at_particle, 0..1000, 2, &cancel, &|_| {}, |rows| {
                black_box(rows);
                Ok(())
            })
            .map(|s| s.variants.len())
        })
    });
    // The same particles' trials as one run over them (as `cordon run
    // --posterior` runs them, weekly statistics and all): the run on the
    // same scenarios that calibrate's simulations per second are held to.
    let particles: Vec<_> = jobs
        .iter()
        .map(|j| {
            model
                .scenario(&prior.values(&j.z))
                .expect("a particle is a scenario")
        })
        .collect();
    let points: Vec<Vec<&_>> = particles.iter().map(|s| vec![s]).collect();
    for trials in [10u64, 40, 100] {
        g.throughput(Throughput::Elements(100 * trials));
        g.bench_function(
            format!("run_over_the_100_particles_x{trials}_2_threads"),
            |b| {
                let pick = move |t: u64| (t / trials) as usize;
                b.iter(|| {
                    let base = cordon::engine::empty_stats(&[Theatre::new(points[0][0])]);
                    cordon::engine::run_posterior_trials_from(
                        &points,
                        &pick,
                        0..100 * trials,
                        2,
                        &cancel,
                        &|_| {},
                        base,
                        false,
                        |w| {
                            black_box(w.rows.len());
                            Ok(())
                        },
                    )
                    .map(|s| s.variants.len())
                })
            },
        );
        g.bench_function(format!("calibrate_100x{trials}_2_threads"), |b| {
            b.iter(|| {
                cordon::engine::with_pool(2, || {
                    model.log_likelihoods(&prior, &jobs, trials, &cancel, &|_| {})
                })
                .map(|r| r.map(|l| black_box(l.len())))
            })
        });
    }
    g.finish();
}

/// The options every study bench shares: `scenario`, seed 7, 2 threads,
/// its folder `dir/name` replaced on each run.
fn common_in(dir: &Path, scenario: &Path, name: &str) -> cordon::study::Common {
    cordon::study::Common {
        scenario: cordon::scenario::builtin::ScenarioSource::File(scenario.to_path_buf()),
        sets: vec![],
        seed: Some(7),
        threads: 2,
        out: Some(dir.join(name)),
        output_root: dir.to_path_buf(),
        force: true,
        command_line: String::new(),
    }
}

/// Whole commands on the default scenario (every output written, into a
/// temporary folder), two threads, in variant-trials (trials of one
/// scenario) per second: `cordon run` of 400 trials × 9 variants against a
/// sweep of 4 points × 100 trials × 9 variants, a sensitivity analysis of
/// one uncertain parameter (15 points × 100 trials × 9 variants) and an
/// optimization (2 iterations × 9 allocations × 100 trials, and 2 × 100
/// confirmation trials). Target (issue 16): every study at 0.9× run's
/// variant-trials per second or better. `benches/scaling.sh` times the same
/// comparison at any thread count with the binary.
fn studies_vs_run(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("cordon-bench-studies-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join("csto-southern-frontier.toml");
    // The default scenario with its first `[[uncertain]]` table alone, for
    // a sensitivity analysis of a bearable size.
    let text = std::fs::read_to_string(&path).expect("the default scenario");
    let mut parts = text.split("\n[[uncertain]]");
    let mut one = parts.next().expect("text").to_string();
    if let Some(first) = parts.next() {
        one.push_str("\n[[uncertain]]");
        // Up to the next table header.
        let end = first.find("\n[").unwrap_or(first.len());
        one.push_str(&first[..end]);
        one.push('\n');
        for rest in parts {
            if let Some(at) = rest.find("\n[") {
                one.push_str(&rest[at..]);
            }
        }
    }
    let one_path = dir.join("one-uncertain.toml");
    std::fs::write(&one_path, one).expect("written");
    let common = |scenario: &Path, name: &str| common_in(&dir, scenario, name);
    let cancel = AtomicBool::new(false);
    let mut g = c.benchmark_group("studies_vs_run");
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(400 * 9));
    g.bench_function("run_400x9_2_threads", |b| {
        let opts = cordon::study::run::RunOptions {
            common: common(&path, "run"),
            trials: Some(400),
            variants: vec![],
            shard: None,
            resume: false,
            posterior: None,
            formats: Default::default(),
        };
        b.iter(|| {
            cordon::study::run::run(&opts, &|_| {}, &cancel, |_| {}).map(|r| black_box(r.out))
        })
    });
    g.bench_function("sweep_4x100x9_2_threads", |b| {
        let opts = cordon::study::sweep::SweepOptions {
            common: common(&path, "sweep"),
            varies: vec!["model.detection_scale=0.5:1.5:4".into()],
            design: None,
            samples: None,
            trials: Some(100),
            metrics: vec![],
            posterior: None,
        };
        b.iter(|| {
            cordon::study::sweep::sweep(&opts, &|_| {}, &|_| {}, &cancel, |_, _| {})
                .map(|r| black_box(r.out))
        })
    });
    g.throughput(Throughput::Elements(15 * 100 * 9));
    g.bench_function("sensitivity_15x100x9_2_threads", |b| {
        let opts = cordon::study::sensitivity::SensitivityOptions {
            common: common(&one_path, "sens"),
            metric: "attacks".into(),
            trials: 100,
            samples: 4,
            bootstrap: 50,
        };
        b.iter(|| {
            cordon::study::sensitivity::sensitivity(&opts, &|_| {}, &|_| {}, &cancel, |_, _| {})
                .map(|r| black_box(r.out))
        })
    });
    g.throughput(Throughput::Elements(2 * 9 * 100 + 2 * 100));
    g.bench_function("optimize_2x9x100_2_threads", |b| {
        let opts = cordon::study::optimize::OptimizeOptions {
            common: common(&path, "opt"),
            states: vec!["TJK".into()],
            metric: "attacks".into(),
            trials: 100,
            iterations: 2,
            candidates: 8,
            confirm_trials: 100,
            posterior: None,
        };
        b.iter(|| {
            cordon::study::optimize::optimize(&opts, &|_| {}, &cancel, |_| {})
                .map(|r| black_box(r.out))
        })
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Against a lean implementation of the same model (`benches/lean/model.rs`:
/// one file, one stream per trial, every cell drawn every week, totals
/// only), on one thread: the default scenario's 9 variants and the stress
/// scenario's baseline, each as the lean trials, the engine's trials alone
/// (`run_trial`), and the engine's trials with the statistics a run keeps
/// (`run_trials`, its fold and the rows of `trials.csv`). Throughput in
/// variant-trials; docs/performance.md, "Against a lean implementation".
fn lean_vs_engine(c: &mut Criterion) {
    let cancel = AtomicBool::new(false);
    let mut g = c.benchmark_group("lean_vs_engine");
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    let default = default_scenario();
    let stress = shipped("stress.toml", &[]);
    let cases: [(&str, Vec<&cordon::scenario::Scenario>, u64); 2] = [
        (
            "default_9_variants",
            std::iter::once(&default.base)
                .chain(default.variants.iter().map(|v| &v.scenario))
                .collect(),
            200,
        ),
        ("stress_baseline", vec![&stress.base], 4),
    ];
    for (name, scenarios, trials) in cases {
        let leans: Vec<lean::Lean<'_>> = scenarios.iter().map(|s| lean::Lean::new(s)).collect();
        let theatres: Vec<Theatre<'_>> = scenarios.iter().map(|s| Theatre::new(s)).collect();
        g.throughput(Throughput::Elements(trials * scenarios.len() as u64));
        g.bench_function(format!("{name}/lean"), |b| {
            b.iter(|| {
                let mut attacks = 0;
                for i in 0..trials {
                    for l in &leans {
                        attacks += l.trial(i).attacks;
                    }
                }
                black_box(attacks)
            })
        });
        let mut work = Workspace::default();
        let mut rec = TrialRecord::default();
        g.bench_function(format!("{name}/engine_trials"), |b| {
            b.iter(|| {
                for i in 0..trials {
                    for th in &theatres {
                        run_trial(th, i, &mut work, &mut rec);
                    }
                }
                black_box(rec.first_attack_week)
            })
        });
        g.bench_function(format!("{name}/engine_with_statistics"), |b| {
            b.iter(|| {
                run_trials(&theatres, 0..trials, 1, &cancel, &|_| {}, |rows| {
                    black_box(rows);
                    Ok(())
                })
                .map(|s| s.variants.len())
            })
        });
    }
    g.finish();
}

/// Every chart of a run folder (the default scenario, 9 variants, 500
/// trials), drawn again on one thread from its files: the last part of a
/// run, where time is serial (docs/performance.md, "Eighth pass").
fn charts(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("cordon-bench-charts-{}", std::process::id()));
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join("csto-southern-frontier.toml");
    let opts = cordon::study::run::RunOptions {
        common: common_in(&dir, &path, "run"),
        trials: Some(500),
        variants: vec![],
        shard: None,
        resume: false,
        posterior: None,
        formats: Default::default(),
    };
    let cancel = AtomicBool::new(false);
    let run = cordon::study::run::run(&opts, &|_| {}, &cancel, |_| {})
        .unwrap_or_else(|e| panic!("{e}"))
        .out;
    let mut g = c.benchmark_group("charts");
    g.sample_size(20);
    g.bench_function("run_folder_9_variants_1_thread", |b| {
        b.iter(|| black_box(cordon::chart::draw_all(&run, &[]).map(|files| files.len())))
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(
    benches,
    one_trial,
    thousand_trials,
    aggregation,
    stress,
    calibrate_batch,
    studies_vs_run,
    lean_vs_engine,
    charts
);
criterion_main!(benches);
