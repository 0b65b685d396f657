//! Checks a scenario's calibration targets (docs/calibration.md):
//!
//! - (a) patrol detection on every border direction from the source state
//!   into a member (Massey & Singer 1995: about 0.35 on the main border);
//! - (b) the mean time from a cell's establishment to its first attack or
//!   interdiction (Kaplan 2012: about 39 weeks), by the closed form at mean
//!   conditions and by a Monte Carlo of one established cell that follows
//!   MODEL.md §3.6–3.7 (growth, attrition, signature exposure);
//! - and, for the base scenario and each variant, the means over trials of
//!   the headline counters, so that the baseline stays plausible (a handful
//!   of attacks over the horizon, not thousands).
//!
//! It uses the library directly and needs no command-line interface:
//!
//! ```text
//! cargo run --release --example calibrate -- [SCENARIO] [TRIALS] [PATH=VALUE ...]
//! ```
//!
//! SCENARIO defaults to `scenarios/csto-southern-frontier.toml`, TRIALS to
//! 400; each PATH=VALUE is applied like `--set` (e.g.
//! `'states.TKM.capability={ border = 300.0 }'`).

use std::path::PathBuf;
use std::process::ExitCode;

use cordon::model::streams::{StreamRng, binomial, poisson, unit};
use cordon::model::{
    Counter, Defences, DirectionMetric, Level, StateMetric, Theatre, TrialRecord, Workspace,
    run_trial,
};
use cordon::scenario::{LinkKind, Role, Scenario, load_file};
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

/// Established cells simulated per member state for target (b).
const CELLS: u64 = 200_000;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "scenarios/csto-southern-frontier.toml".into()),
    );
    let trials: u64 = match args.next().map(|t| t.parse()) {
        None => 400,
        Some(Ok(t)) => t,
        Some(Err(e)) => {
            eprintln!("TRIALS must be a whole number: {e}");
            return ExitCode::FAILURE;
        }
    };
    let sets: Vec<String> = args.collect();
    let set = match load_file(&path, &sets) {
        Ok(set) => set,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let base = &set.base;
    let defences = Defences::compute(base);
    print_states(base, &defences);
    print_source_borders(base, &defences);
    let baseline = run(base, trials);
    print_time_to_event(base, &defences, &baseline);
    print_routes(base, &baseline, trials);
    println!("\n== Means over {trials} trials ==");
    println!(
        "{:<22} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8} {:>9}",
        "variant",
        "new",
        "entries",
        "estab",
        "attacks",
        "b_intd",
        "i_intd",
        "abandon",
        "P(att)",
        "spend"
    );
    print_totals("baseline", base, &baseline, trials);
    for v in &set.variants {
        print_totals(&v.name, &v.scenario, &run(&v.scenario, trials), trials);
    }
    ExitCode::SUCCESS
}

/// Mean over the recorded weeks of `f(week run)`.
fn weekly_mean(s: &Scenario, f: impl Fn(u32) -> f64) -> f64 {
    let w = s.warmup_weeks;
    (w..w + s.weeks).map(f).sum::<f64>() / f64::from(s.weeks)
}

/// Stocks, intelligence effect, readiness and interdiction per state,
/// averaged over the horizon.
fn print_states(s: &Scenario, d: &Defences) {
    println!("== States (means over {} weeks) ==", s.weeks);
    println!(
        "{:<5} {:>8} {:>9} {:>9} {:>6} {:>6} {:>6}",
        "state", "budget", "S", "I", "e", "R", "q"
    );
    for (i, st) in s.states.iter().enumerate() {
        let border = weekly_mean(s, |t| d.stock(t, i).border);
        let intel = weekly_mean(s, |t| d.stock(t, i).intel);
        let e = weekly_mean(s, |t| d.effect(t, i));
        let r = weekly_mean(s, |t| d.stock(t, i).readiness);
        let q = weekly_mean(s, |t| d.interdict(t, i));
        println!(
            "{:<5} {:>8.2} {:>9.1} {:>9.1} {:>6.3} {:>6.3} {:>6.3}",
            st.id,
            st.budget(),
            border,
            intel,
            e,
            r,
            q
        );
    }
}

/// Target (a): p_patrol on each direction from a source state's region into
/// a member region, in week 0 and averaged over the weeks it is open.
fn print_source_borders(s: &Scenario, d: &Defences) {
    println!("\n== Patrol detection from source states into members ==");
    let source_states: Vec<usize> = s
        .network
        .sources
        .iter()
        .map(|&r| s.regions[r].state)
        .collect();
    let (mut weighted, mut length) = (0.0, 0.0);
    for (b, border) in s.borders.iter().enumerate() {
        let LinkKind::Segment {
            length_km, terrain, ..
        } = &border.kind
        else {
            continue;
        };
        for dir in [2 * b, 2 * b + 1] {
            let (from, to) = if dir % 2 == 0 {
                (border.a, border.b)
            } else {
                (border.b, border.a)
            };
            if !source_states.contains(&s.regions[from].state) || !s.is_member_region(to) {
                continue;
            }
            let w = s.warmup_weeks;
            let open: Vec<u32> = (w..w + s.weeks).filter(|&t| d.is_open(t, b)).collect();
            let mean =
                open.iter().map(|&t| d.patrol(t, dir)).sum::<f64>() / open.len().max(1) as f64;
            println!(
                "{:<22} {:>6.0} km {:<15} p_patrol week 0 = {:.4}, mean over {} open weeks = {:.4}",
                s.direction_label(dir),
                length_km,
                terrain.name,
                d.patrol(w, dir),
                open.len(),
                mean
            );
            weighted += length_km * mean;
            length += length_km;
        }
    }
    if length > 0.0 {
        println!("length-weighted mean: {:.4}", weighted / length);
    }
}

/// Target (b): the mean time from establishment to the first event, per
/// member state at the state's mean e and R; then averaged with weights
/// equal to the baseline's attacks plus interior interdictions in each state
/// (where cells' lives end), and the closed form at that typical member.
fn print_time_to_event(s: &Scenario, d: &Defences, baseline: &Totals) {
    let m = &s.model;
    println!("\n== Time from establishment to first attack or interdiction ==");
    println!(
        "closed form 1/(1-exp(-(a+mu))) with n = m = {}, k = 0, sigma = {}; Monte Carlo with growth, attrition and exposure",
        m.cell_size_mean, m.signature_start
    );
    println!(
        "{:<5} {:>6} {:>6} {:>6} {:>8} {:>9} {:>8} {:>8} {:>9} {:>9} {:>9}",
        "state",
        "weight",
        "e",
        "R",
        "a",
        "mu(s=.05)",
        "mu(s=1)",
        "closed",
        "MC mean",
        "MC P(att)",
        "MC dissol"
    );
    let a = m.attack_hazard * m.cell_size_mean.powf(m.attack_size_exponent);
    let mu = |e: f64, r: f64, sigma: f64| {
        m.interdiction_hazard * e * (0.5 + 0.5 * sigma) * (1.0 + m.interdiction_readiness_gain * r)
    };
    let closed = |e: f64, r: f64, sigma: f64| 1.0 / (1.0 - (-(a + mu(e, r, sigma))).exp());
    let events = |i: usize| (baseline.by_state_attacks[i] + baseline.by_state_interior[i]) as f64;
    let total: f64 = s.members().map(events).sum();
    let (mut typical_e, mut typical_r, mut mc_weeks, mut mc_attack) = (0.0, 0.0, 0.0, 0.0);
    for i in s.members() {
        let e = weekly_mean(s, |t| d.effect(t, i));
        let r = weekly_mean(s, |t| d.stock(t, i).readiness);
        let mc = established_cell(s, i, e, r);
        let w = if total > 0.0 { events(i) / total } else { 0.0 };
        typical_e += w * e;
        typical_r += w * r;
        mc_weeks += w * mc.mean_weeks;
        mc_attack += w * mc.attack_share;
        println!(
            "{:<5} {:>6.3} {:>6.3} {:>6.3} {:>8.5} {:>9.5} {:>8.5} {:>8.1} {:>9.1} {:>9.3} {:>9.3}",
            s.states[i].id,
            w,
            e,
            r,
            a,
            mu(e, r, m.signature_start),
            mu(e, r, 1.0),
            closed(e, r, m.signature_start),
            mc.mean_weeks,
            mc.attack_share,
            mc.dissolved_share
        );
    }
    println!("typical member (event-weighted): e = {typical_e:.3}, R = {typical_r:.3}, a = {a:.5}");
    for sigma in [m.signature_start, 0.5, 1.0] {
        let h = a + mu(typical_e, typical_r, sigma);
        println!(
            "  closed form at sigma = {sigma:.2}: mu = {:.5}, a + mu = {h:.5}, mean = {:.1} weeks, P(attack first) = {:.3}",
            h - a,
            closed(typical_e, typical_r, sigma),
            a / h
        );
    }
    println!(
        "event-weighted Monte Carlo: mean = {mc_weeks:.1} weeks, P(attack first) = {mc_attack:.3}"
    );
}

/// What became of simulated established cells.
struct Outcome {
    /// Mean weeks to the first event (dissolution counts as an end too).
    mean_weeks: f64,
    /// Share whose first event was an attack.
    attack_share: f64,
    /// Share that dissolved before any event.
    dissolved_share: f64,
}

/// Follows `CELLS` established cells in one member state with fixed e and R
/// (and the mean legitimacy of its regions) until their first event, by the
/// rules of MODEL.md §3.6–3.7.
fn established_cell(s: &Scenario, state: usize, e: f64, r: f64) -> Outcome {
    let m = &s.model;
    let regions: Vec<f64> = s
        .regions
        .iter()
        .filter(|reg| reg.state == state)
        .map(|reg| reg.legitimacy)
        .collect();
    let legitimacy = regions.iter().sum::<f64>() / regions.len().max(1) as f64;
    let growth = m.growth_rate * (1.0 - legitimacy);
    let mut rng = StreamRng::seed_from_u64(0xCA11_B8A7E ^ state as u64);
    let (mut weeks, mut attacks, mut dissolved) = (0u64, 0u64, 0u64);
    for _ in 0..CELLS {
        let mut n = 1 + poisson(rng.next_u64(), m.cell_size_mean - 1.0);
        let mut sigma = m.signature_start;
        for week in 1..=10_000u64 {
            let births = binomial(rng.next_u64(), n, growth);
            let deaths = binomial(rng.next_u64(), n, m.attrition_rate);
            n = (n + births).saturating_sub(deaths);
            if n == 0 {
                dissolved += 1;
                weeks += week;
                break;
            }
            let a = m.attack_hazard * (n as f64).powf(m.attack_size_exponent);
            let mu = m.interdiction_hazard
                * e
                * (0.5 + 0.5 * sigma)
                * (1.0 + m.interdiction_readiness_gain * r);
            if unit(rng.next_u64()) < 1.0 - (-(a + mu)).exp() {
                attacks += u64::from(unit(rng.next_u64()) >= mu / (a + mu));
                weeks += week;
                break;
            }
            sigma = 1.0 - (1.0 - sigma) * (-m.signature_rate * e).exp();
        }
    }
    let total = CELLS as f64;
    Outcome {
        mean_weeks: weeks as f64 / total,
        attack_share: attacks as f64 / total,
        dissolved_share: dissolved as f64 / total,
    }
}

/// Sums of per-trial totals.
#[derive(Default)]
struct Totals {
    counters: [u64; Counter::ALL.len()],
    established_end: u64,
    with_attack: u64,
    /// Attacks and interior interdictions by state: where cells' lives end.
    by_state_attacks: Vec<u64>,
    by_state_interior: Vec<u64>,
    /// Attempts and crossings by direction.
    attempts: Vec<u64>,
    crossings: Vec<u64>,
}

/// Adds `b` into `a` element by element, growing `a` as needed.
fn add_into(a: &mut Vec<u64>, b: impl ExactSizeIterator<Item = u64>) {
    a.resize(a.len().max(b.len()), 0);
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

impl Totals {
    fn add(mut self, rec: &TrialRecord) -> Totals {
        for c in Counter::ALL {
            self.counters[c as usize] += rec.total(c);
        }
        self.established_end += rec.end(Level::Established);
        self.with_attack += u64::from(rec.first_attack_week.is_some());
        add_into(
            &mut self.by_state_attacks,
            rec.by_state
                .iter()
                .map(|m| m[StateMetric::Attacks as usize]),
        );
        add_into(
            &mut self.by_state_interior,
            rec.by_state
                .iter()
                .map(|m| m[StateMetric::InteriorInterdictions as usize]),
        );
        add_into(
            &mut self.attempts,
            rec.by_direction
                .iter()
                .map(|m| m[DirectionMetric::Attempts as usize]),
        );
        add_into(
            &mut self.crossings,
            rec.by_direction
                .iter()
                .map(|m| m[DirectionMetric::Crossings as usize]),
        );
        self
    }

    fn merge(mut self, other: Totals) -> Totals {
        for (a, b) in self.counters.iter_mut().zip(other.counters) {
            *a += b;
        }
        self.established_end += other.established_end;
        self.with_attack += other.with_attack;
        add_into(
            &mut self.by_state_attacks,
            other.by_state_attacks.into_iter(),
        );
        add_into(
            &mut self.by_state_interior,
            other.by_state_interior.into_iter(),
        );
        add_into(&mut self.attempts, other.attempts.into_iter());
        add_into(&mut self.crossings, other.crossings.into_iter());
        self
    }
}

/// Runs `trials` trials of one variant and sums their totals.
fn run(s: &Scenario, trials: u64) -> Totals {
    let theatre = Theatre::new(s);
    (0..trials)
        .into_par_iter()
        .fold(
            || {
                (
                    Workspace::default(),
                    TrialRecord::default(),
                    Totals::default(),
                )
            },
            |(mut work, mut rec, totals), i| {
                run_trial(&theatre, i, &mut work, &mut rec);
                let totals = totals.add(&rec);
                (work, rec, totals)
            },
        )
        .map(|(_, _, totals)| totals)
        .reduce(Totals::default, Totals::merge)
}

/// The directions cells attempt most, with their share of crossings.
fn print_routes(s: &Scenario, totals: &Totals, trials: u64) {
    println!("\n== Baseline: busiest border directions (mean per trial) ==");
    let mut dirs: Vec<usize> = (0..totals.attempts.len())
        .filter(|&d| totals.attempts[d] > 0)
        .collect();
    dirs.sort_by_key(|&d| std::cmp::Reverse(totals.attempts[d]));
    for d in dirs.into_iter().take(15) {
        let (a, c) = (totals.attempts[d] as f64, totals.crossings[d] as f64);
        println!(
            "{:<22} attempts {:>7.2}  crossings {:>7.2}  ({:.0}%)",
            s.direction_label(d),
            a / trials as f64,
            c / trials as f64,
            100.0 * c / a
        );
    }
}

/// Prints the means of one variant's totals.
fn print_totals(name: &str, s: &Scenario, totals: &Totals, trials: u64) {
    let n = trials as f64;
    let mean = |c: Counter| totals.counters[c as usize] as f64 / n;
    println!(
        "{:<22} {:>9.1} {:>9.1} {:>9.2} {:>9.2} {:>9.1} {:>9.2} {:>9.1} {:>8.3} {:>9.1}",
        name,
        mean(Counter::NewCells),
        mean(Counter::Entries),
        mean(Counter::NewlyEstablished),
        mean(Counter::Attacks),
        mean(Counter::BorderInterdictions),
        mean(Counter::InteriorInterdictions),
        mean(Counter::Abandoned),
        totals.with_attack as f64 / n,
        cordon::scenario::total_spend(s)
    );
    let by_state: Vec<String> = s
        .states
        .iter()
        .zip(&totals.by_state_attacks)
        .filter(|(st, _)| st.role == Role::Member)
        .map(|(st, &a)| format!("{} {:.2}", st.id, a as f64 / n))
        .collect();
    println!("{:<22} attacks by state: {}", "", by_state.join(", "));
}
