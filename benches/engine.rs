//! Speed of the engine on the default scenario.
//!
//! `cargo bench --bench engine` measures one trial (all variants and the
//! baseline alone), 1,000 trials of the baseline on one and two threads,
//! and the statistics step on its own. Figures are in docs/performance.md.

use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use cordon::engine::{empty_stats, run_trials};
use cordon::model::{Theatre, TrialRecord, Workspace, run_trial};
use cordon::scenario::{ScenarioSet, load_file};
use cordon::stats::aggregate::trial_totals;

fn default_scenario() -> ScenarioSet {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/csto-southern-frontier.toml");
    load_file(&path, &[]).unwrap_or_else(|e| panic!("{e}"))
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
    let mut stats = empty_stats(std::slice::from_ref(&th));
    let mut g = c.benchmark_group("aggregation");
    g.throughput(Throughput::Elements(64));
    g.bench_function("fold_64_trials", |b| {
        b.iter(|| {
            for rec in &recs {
                let totals = trial_totals(rec, &th.defences);
                stats.variants[0].add(rec, &th.defences, &totals, &totals);
            }
        })
    });
    g.finish();
}

criterion_group!(benches, one_trial, thousand_trials, aggregation);
criterion_main!(benches);
