//! Capabilities, intelligence and border detection, week by week
//! (docs/model.md §3.1, §3.2 and the effort terms of §3.5).
//!
//! None of this depends on the trial: it is a function of the variant and
//! the week. It is computed once per variant into [`Defences`], and every
//! trial of that variant reads it.

use crate::scenario::total_spend;
use crate::scenario::validate::readiness_retention;
use crate::scenario::{LinkKind, Posture, Role, Scenario, Stocks};

/// What cells read of one state in one week.
#[derive(Debug, Clone, Copy)]
struct StateWeek {
    /// e_s.
    intel_effect: f64,
    /// q (interdiction probability once detected).
    interdict: f64,
    /// μ0 · e_s · (1 + φ R_s) (the part of the interior hazard that does
    /// not depend on the cell).
    interior_hazard: f64,
    /// exp(-ν e_s): the factor by which exposure (§3.7) shrinks 1 - σ of
    /// every cell standing in the state. Tabulated because it is the same
    /// for every cell and was one `exp` per cell-week.
    exposure: f64,
}

/// What [`Defences::build`] takes from defences computed before.
#[derive(Clone, Copy)]
enum Reuse<'a> {
    /// Nothing: every table worked out.
    Nothing,
    /// The stocks and state tables ([`Defences::compute_like`]).
    Stocks(&'a Defences),
    /// The patrol law of the directions whose inputs are the same, from
    /// defences computed for the scenario given ([`Defences::compute_near`]).
    Patrol(&'a Scenario, &'a Defences),
}

/// Per-week tables that every trial of one variant shares.
#[derive(Debug, Clone)]
pub struct Defences {
    /// Warm-up weeks: the tables' week index is the week run, so recorded
    /// week t is at `t + warmup`.
    pub warmup: u32,
    states: usize,
    directions: usize,
    borders: usize,
    /// S, I, R per week and state, after exercises and relaxation (shared
    /// with defences computed like these: [`Defences::compute_like`]).
    pub stocks: std::sync::Arc<Vec<Stocks>>,
    /// What a cell reads of a state in a week, per week and state, side by
    /// side: a cell's week reads several of them at once, and the tables
    /// of a scenario's variants do not all fit in cache. Shared as the
    /// stocks are.
    state_weeks: std::sync::Arc<Vec<StateWeek>>,
    /// Patrol detection per week and direction (0 on internal links).
    pub patrol: Vec<f64>,
    /// Whether each border is open, per week.
    pub open: Vec<bool>,
    /// Unweighted mean readiness of members, per week.
    pub readiness_mean: Vec<f64>,
    /// Unweighted mean intelligence effect of members, per week.
    pub intel_effect_mean: Vec<f64>,
    /// Spend of the whole horizon (budgets plus exercise costs).
    pub spend: f64,
}

impl Defences {
    /// Computes every week's tables for `s`: the tables are indexed by
    /// the week run, warm-up first (see [`Scenario::run_weeks`]); the
    /// members' means cover the recorded weeks only.
    pub fn compute(s: &Scenario) -> Defences {
        Defences::build(s, Reuse::Nothing)
    }

    /// [`Defences::compute`] for `s`, taking the stocks and the state
    /// tables from `like`, computed for a scenario that has the same ones
    /// (see [`Defences::stocks_shared_by`]): only the patrol law and the
    /// closures are worked out. The points of a sweep over the detection
    /// scale or a border's terrain prepare their defences this way.
    pub fn compute_like(s: &Scenario, like: &Defences) -> Defences {
        Defences::build(s, Reuse::Stocks(like))
    }

    /// [`Defences::compute`] for `s`, taking from `like` (computed for
    /// `near`) the patrol law of every direction whose inputs are the same
    /// to the bit in both: the two states' border stocks and readiness in
    /// every week, their effort shares and cooperation, the segment's
    /// terrain and the detection scale. The candidates of an optimization
    /// change one state's budget, so only the directions along that
    /// state's borders are worked out; the numbers are those
    /// [`Defences::compute`] gives.
    pub fn compute_near(s: &Scenario, near: &Scenario, like: &Defences) -> Defences {
        Defences::build(s, Reuse::Patrol(near, like))
    }

    fn build(s: &Scenario, reuse: Reuse<'_>) -> Defences {
        let (n, w) = (s.states.len(), s.run_weeks() as usize);
        let mut d = Defences {
            warmup: s.warmup_weeks,
            states: n,
            directions: 2 * s.borders.len(),
            borders: s.borders.len(),
            stocks: Default::default(),
            state_weeks: Default::default(),
            patrol: Vec::with_capacity(w * 2 * s.borders.len()),
            open: Vec::with_capacity(w * s.borders.len()),
            readiness_mean: Vec::with_capacity(s.weeks as usize),
            intel_effect_mean: Vec::with_capacity(s.weeks as usize),
            spend: total_spend(s),
        };
        match reuse {
            Reuse::Stocks(like) => {
                d.stocks = like.stocks.clone();
                d.state_weeks = like.state_weeks.clone();
                d.readiness_mean.clone_from(&like.readiness_mean);
                d.intel_effect_mean.clone_from(&like.intel_effect_mean);
            }
            Reuse::Nothing | Reuse::Patrol(..) => d.fill_state_tables(s),
        }
        // The patrol law and the closures, week by week, from the stocks.
        // Most weeks repeat last week's stocks exactly, so each `exp` is
        // remembered with its argument (see `Exp`).
        let shares = effort_shares(s);
        let patrol_dirs: Vec<Option<PatrolDir>> = (0..2 * s.borders.len())
            .map(|dir| PatrolDir::new(s, &shares, dir))
            .collect();
        // A direction whose every input is `near`'s to the bit takes its
        // column from `like` (see `Defences::compute_near`).
        let reused: Vec<bool> = match reuse {
            Reuse::Patrol(near, like) => d.patrol_alike(s, &patrol_dirs, near, like),
            Reuse::Nothing | Reuse::Stocks(_) => vec![false; patrol_dirs.len()],
        };
        let mut patrol_exp = Exp::default();
        let mut law = |dir: usize, p: &Option<PatrolDir>, stocks: &[Stocks]| match p {
            Some(p) => 1.0 - patrol_exp.of(dir, p.exponent(stocks)),
            None => 0.0,
        };
        match reuse {
            // `like`'s table, and the other directions worked out over it.
            Reuse::Patrol(_, like) if reused.contains(&true) => {
                d.patrol.clone_from(&like.patrol);
                let worked: Vec<(usize, &Option<PatrolDir>)> = patrol_dirs
                    .iter()
                    .enumerate()
                    .filter(|&(dir, _)| !reused[dir])
                    .collect();
                for (tau, row) in d.patrol.chunks_exact_mut(patrol_dirs.len()).enumerate() {
                    let stocks = &d.stocks[tau * n..][..n];
                    for &(dir, p) in &worked {
                        row[dir] = law(dir, p, stocks);
                    }
                }
            }
            _ => {
                for tau in 0..s.run_weeks() {
                    let stocks = &d.stocks[tau as usize * n..][..n];
                    d.patrol.extend(
                        patrol_dirs
                            .iter()
                            .enumerate()
                            .map(|(dir, p)| law(dir, p, stocks)),
                    );
                }
            }
        }
        for tau in 0..s.run_weeks() {
            d.open.extend(open_borders(s, tau));
        }
        d
    }

    /// Which directions of `s` (with these patrol laws, and the stocks
    /// already in `self`) have the very patrol law of `like`, computed for
    /// `near`: the same horizon and directions, the same law (the same
    /// states, shares, cooperation and segment, to the bit), and the two
    /// states' border stocks and readiness, all that
    /// [`PatrolDir::exponent`] reads of a week, the same in every week.
    fn patrol_alike(
        &self,
        s: &Scenario,
        patrol_dirs: &[Option<PatrolDir>],
        near: &Scenario,
        like: &Defences,
    ) -> Vec<bool> {
        let n = s.states.len();
        let shaped = near.run_weeks() == s.run_weeks()
            && like.states == n
            && like.directions == patrol_dirs.len()
            && like.stocks.len() == self.stocks.len();
        if !shaped {
            return vec![false; patrol_dirs.len()];
        }
        let read = |k: &Stocks| (k.border.to_bits(), k.readiness.to_bits());
        let state_alike: Vec<bool> = (0..n)
            .map(|i| {
                self.stocks
                    .iter()
                    .skip(i)
                    .step_by(n)
                    .zip(like.stocks.iter().skip(i).step_by(n))
                    .all(|(a, b)| read(a) == read(b))
            })
            .collect();
        let shares = effort_shares(near);
        patrol_dirs
            .iter()
            .enumerate()
            .map(|(dir, p)| match (p, PatrolDir::new(near, &shares, dir)) {
                (Some(p), Some(q)) => {
                    p.bits() == q.bits() && state_alike[p.su] && state_alike[p.sv]
                }
                _ => false,
            })
            .collect()
    }

    /// The stocks, the state tables and the members' means of every week
    /// run (§3.1–§3.2, the cells' view of §3.6–§3.7).
    fn fill_state_tables(&mut self, s: &Scenario) {
        let n = s.states.len();
        let m = &s.model;
        let mut stocks = initial_stocks(s);
        let members: Vec<usize> = s.members().collect();
        // Most weeks repeat last week's inputs exactly (stocks start at
        // their steady state, partners' are fixed), so each `exp` is
        // remembered with its argument and reused when the argument is the
        // same to the bit: the same numbers, without most of the `exp`s
        // that made preparing a scenario cost more than a trial.
        let mut exposure_exp = Exp::default();
        let mut effect_exp = Exp::default();
        let inflows = Inflows::of(s);
        let mut next = Vec::with_capacity(n);
        let (mut own, mut effect) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let weeks = s.run_weeks() as usize;
        let (mut all_stocks, mut state_weeks) =
            (Vec::with_capacity(weeks * n), Vec::with_capacity(weeks * n));
        for tau in 0..s.run_weeks() {
            next_stocks_into(s, &inflows, &stocks, tau, &mut next);
            std::mem::swap(&mut stocks, &mut next);
            intel_effects_into(s, &stocks, &mut effect_exp, &mut own, &mut effect);
            for (i, st) in stocks.iter().enumerate() {
                all_stocks.push(*st);
                let is_member = s.states[i].role == Role::Member;
                let hazard = m.interdiction_hazard
                    * effect[i]
                    * (1.0 + m.interdiction_readiness_gain * st.readiness);
                state_weeks.push(StateWeek {
                    intel_effect: effect[i],
                    interdict: m.interdict_min + (m.interdict_max - m.interdict_min) * st.readiness,
                    interior_hazard: if is_member { hazard } else { 0.0 },
                    exposure: exposure_exp.of(i, -m.signature_rate * effect[i]),
                });
            }
            if tau < s.warmup_weeks {
                continue;
            }
            let k = members.len().max(1) as f64;
            self.readiness_mean
                .push(members.iter().map(|&i| stocks[i].readiness).sum::<f64>() / k);
            self.intel_effect_mean
                .push(members.iter().map(|&i| effect[i]).sum::<f64>() / k);
        }
        self.stocks = std::sync::Arc::new(all_stocks);
        self.state_weeks = std::sync::Arc::new(state_weeks);
    }

    /// Whether two scenarios have the same stocks and state tables (all of
    /// [`Defences`] but the patrol law and the closures): they agree on
    /// everything those read (the horizon, states, alliance, exercises and
    /// the model's defence parameters other than the detection scale and
    /// pooling, which only the patrol law reads), whatever their borders.
    pub fn stocks_shared_by(a: &Scenario, b: &Scenario) -> bool {
        let stock_side = |m: &crate::scenario::ModelParams| {
            let mut p = defence_parameters(m);
            // detection_scale and pooling: the patrol law's alone.
            p[0] = 0;
            p[6] = 0;
            p
        };
        a.weeks == b.weeks
            && a.warmup_weeks == b.warmup_weeks
            && a.start_week == b.start_week
            && stock_side(&a.model) == stock_side(&b.model)
            && a.states == b.states
            && a.alliance == b.alliance
            && a.exercises == b.exercises
    }

    /// Whether two scenarios have the same defences: they agree on
    /// everything [`Defences::compute`] reads (the horizon, the model's
    /// parameters, states, alliance, exercises, borders and which state
    /// each region belongs to), whatever their sources, targets or
    /// populations. Calibration and runs over a posterior use it to prepare
    /// the defences once for many parameter points.
    pub fn shared_by(a: &Scenario, b: &Scenario) -> bool {
        // The stocks and state tables, then what the patrol law and the
        // closures read besides.
        Defences::stocks_shared_by(a, b)
            && defence_parameters(&a.model) == defence_parameters(&b.model)
            && a.borders == b.borders
            && a.regions.len() == b.regions.len()
            && a.regions
                .iter()
                .zip(&b.regions)
                .all(|(x, y)| x.state == y.state)
    }

    /// Stocks of state `i` in week `t`.
    #[inline]
    pub fn stock(&self, t: u32, i: usize) -> &Stocks {
        &self.stocks[t as usize * self.states + i]
    }

    /// e of state `i` in week `t`.
    #[inline]
    pub fn effect(&self, t: u32, i: usize) -> f64 {
        self.state_weeks[t as usize * self.states + i].intel_effect
    }

    /// q of state `i` in week `t`.
    #[inline]
    pub fn interdict(&self, t: u32, i: usize) -> f64 {
        self.state_weeks[t as usize * self.states + i].interdict
    }

    /// μ0 · e · (1 + φR) of state `i` in week `t` (0 for non-members).
    #[inline]
    pub fn interior_hazard(&self, t: u32, i: usize) -> f64 {
        self.state_weeks[t as usize * self.states + i].interior_hazard
    }

    /// exp(-ν e) of state `i` in week `t`.
    #[inline]
    pub fn exposure(&self, t: u32, i: usize) -> f64 {
        self.state_weeks[t as usize * self.states + i].exposure
    }

    /// Patrol detection on direction `dir` in week `t`.
    #[inline]
    pub fn patrol(&self, t: u32, dir: usize) -> f64 {
        self.patrol[t as usize * self.directions + dir]
    }

    /// Patrol detection on direction `dir` summed over the first `weeks`
    /// recorded weeks (week `t` is run week `t + warmup`).
    pub fn recorded_patrol(&self, dir: usize, weeks: u32) -> f64 {
        (0..weeks).map(|t| self.patrol(t + self.warmup, dir)).sum()
    }

    /// Whether border `b` is open in week `t`.
    #[inline]
    pub fn is_open(&self, t: u32, b: usize) -> bool {
        self.open[t as usize * self.borders + b]
    }
}

/// Whether each border is open in the `tau`-th week run.
fn open_borders(s: &Scenario, tau: u32) -> impl Iterator<Item = bool> + '_ {
    let woy = s.week_of_year_run(tau);
    s.borders.iter().map(move |b| match &b.kind {
        LinkKind::Internal => true,
        LinkKind::Segment { terrain, .. } => !terrain.is_closed(woy),
    })
}

/// Stocks before week 0: members' initial values, others' capabilities.
fn initial_stocks(s: &Scenario) -> Vec<Stocks> {
    s.states
        .iter()
        .map(|st| match &st.posture {
            Posture::Member { initial, .. } => *initial,
            Posture::Fixed { capability } => *capability,
        })
        .collect()
}

/// One week of §3.1 (the `tau`-th week run, warm-up included): flows and
/// decay, then exercises, then partners relax.
#[cfg(test)]
fn next_stocks(s: &Scenario, last: &[Stocks], tau: u32) -> Vec<Stocks> {
    let mut next = Vec::new();
    next_stocks_into(s, &Inflows::of(s), last, tau, &mut next);
    next
}

/// What one state adds to its stocks every week.
enum Inflow {
    /// A member: ρ_B (b B' + pool in), ρ_I i B' and 1 − exp(−ρ_X x B').
    Member { border: f64, intel: f64, gain: f64 },
    /// A state whose border and intelligence are its capability.
    Fixed(Stocks),
}

/// What each state adds to its stocks every week (§3.1), the same in every
/// week: worked out once rather than in each of a scenario's weeks.
struct Inflows {
    /// Each state's.
    states: Vec<Inflow>,
    /// 2^(−1/h).
    keep: f64,
}

impl Inflows {
    fn of(s: &Scenario) -> Inflows {
        let m = &s.model;
        let pool_share = s.alliance.pool.map_or(0.0, |p| p.share);
        let pool_total: f64 = s.states.iter().map(|st| pool_share * st.budget()).sum();
        let states = s
            .states
            .iter()
            .enumerate()
            .map(|(i, st)| match &st.posture {
                Posture::Member {
                    budget, allocation, ..
                } => {
                    let own = (1.0 - pool_share) * budget;
                    let pool_in = match s.alliance.pool {
                        Some(p) if p.recipient == i => pool_total,
                        _ => 0.0,
                    };
                    Inflow::Member {
                        border: m.budget_to_border * (allocation.border * own + pool_in),
                        intel: m.budget_to_intel * allocation.intel * own,
                        gain: 1.0 - (-m.budget_to_readiness * allocation.readiness * own).exp(),
                    }
                }
                Posture::Fixed { capability } => Inflow::Fixed(*capability),
            })
            .collect();
        Inflows {
            states,
            keep: readiness_retention(m.readiness_half_life),
        }
    }
}

/// The stocks of the `tau`-th week run from last week's, into `next`.
fn next_stocks_into(
    s: &Scenario,
    inflows: &Inflows,
    last: &[Stocks],
    tau: u32,
    next: &mut Vec<Stocks>,
) {
    let m = &s.model;
    let keep = inflows.keep;
    next.clear();
    next.extend(
        inflows
            .states
            .iter()
            .zip(last)
            .map(|(inflow, last)| match *inflow {
                Inflow::Member {
                    border,
                    intel,
                    gain,
                } => {
                    let r = last.readiness;
                    Stocks {
                        border: (1.0 - m.border_decay) * last.border + border,
                        intel: (1.0 - m.intel_decay) * last.intel + intel,
                        readiness: r * keep + gain * (1.0 - r),
                    }
                }
                Inflow::Fixed(capability) => Stocks {
                    readiness: last.readiness,
                    ..capability
                },
            }),
    );
    for e in s
        .exercises
        .iter()
        .filter(|e| e.held_in_run(tau, s.warmup_weeks))
    {
        for &i in &e.participants {
            let p = s.states[i].participation;
            next[i].readiness += e.boost * p * (1.0 - next[i].readiness);
        }
    }
    for (i, st) in s.states.iter().enumerate() {
        if let (Role::Partner, Posture::Fixed { capability }) = (st.role, &st.posture) {
            let r0 = capability.readiness;
            next[i].readiness = r0 + (next[i].readiness - r0) * keep;
        }
    }
}

/// The model parameters that [`Defences::compute`] reads, as bits (the
/// others move cells, not defences).
fn defence_parameters(m: &crate::scenario::ModelParams) -> [u64; 14] {
    [
        m.detection_scale,
        m.interdict_min,
        m.interdict_max,
        m.signature_rate,
        m.intel_saturation,
        m.readiness_half_life,
        m.pooling,
        m.interdiction_hazard,
        m.interdiction_readiness_gain,
        m.border_decay,
        m.intel_decay,
        m.budget_to_border,
        m.budget_to_intel,
        m.budget_to_readiness,
    ]
    .map(f64::to_bits)
}

/// `exp(x)` per slot, remembering the last argument and result of each
/// slot: an argument equal to the bit gives the remembered result.
#[derive(Debug, Default)]
struct Exp {
    last: Vec<Option<(u64, f64)>>,
}

impl Exp {
    fn of(&mut self, slot: usize, x: f64) -> f64 {
        if self.last.len() <= slot {
            self.last.resize(slot + 1, None);
        }
        match self.last[slot] {
            Some((bits, y)) if bits == x.to_bits() => y,
            _ => {
                let y = x.exp();
                self.last[slot] = Some((x.to_bits(), y));
                y
            }
        }
    }
}

/// The intelligence effect of every state into `effects`, with its
/// `exp`s remembered week to week and `own` as scratch (the weekly loop of
/// [`Defences::compute`] allocates nothing).
fn intel_effects_into(
    s: &Scenario,
    stocks: &[Stocks],
    exp: &mut Exp,
    own: &mut Vec<f64>,
    effects: &mut Vec<f64>,
) {
    own.clear();
    own.extend(s.states.iter().zip(stocks).map(|(st, k)| {
        if st.role == Role::Member {
            st.participation * k.intel
        } else {
            k.intel
        }
    }));
    let sum_role = |role: Role| -> f64 {
        s.states
            .iter()
            .zip(own.iter())
            .filter(|(st, _)| st.role == role)
            .map(|(_, o)| o)
            .sum()
    };
    let (members, partners) = (sum_role(Role::Member), sum_role(Role::Partner));
    let (sigma, sigma_p) = (s.alliance.intel_sharing, s.alliance.partner_cooperation);
    effects.clear();
    effects.extend(s.states.iter().enumerate().map(|(i, st)| {
        let shared = match st.role {
            Role::Member => st.participation * (sigma * (members - own[i]) + sigma_p * partners),
            Role::Partner => sigma_p * members,
            Role::Other => 0.0,
        };
        1.0 - exp.of(i, -s.model.intel_saturation * (stocks[i].intel + shared))
    }));
}

/// Share of each end's state's border stock that goes to each border
/// (0 for internal links): `shares[b] = (share of a's state, share of b's)`.
pub(crate) fn effort_shares(s: &Scenario) -> Vec<(f64, f64)> {
    let weight = |b: &crate::scenario::Border| match &b.kind {
        LinkKind::Segment {
            length_km,
            priority,
            ..
        } => priority * length_km,
        LinkKind::Internal => 0.0,
    };
    let mut total = vec![0.0; s.states.len()];
    for b in s.borders.iter().filter(|b| b.is_segment()) {
        total[s.regions[b.a].state] += weight(b);
        total[s.regions[b.b].state] += weight(b);
    }
    let share = |state: usize, w: f64| {
        if total[state] > 0.0 {
            w / total[state]
        } else {
            0.0
        }
    };
    s.borders
        .iter()
        .map(|b| {
            let w = weight(b);
            (
                share(s.regions[b.a].state, w),
                share(s.regions[b.b].state, w),
            )
        })
        .collect()
}

/// p_patrol on direction `dir` (§3.5.4), given this week's stocks.
/// What patrol detection on one direction needs that does not change from
/// week to week: worked out once per scenario, so the weekly tables cost a
/// few multiplications per direction (it was the bulk of preparing a
/// scenario). The arithmetic is that of `patrol_exponent` (the reference implementation the tests compare with), in the same
/// order, so the numbers are the same to the bit.
#[derive(Debug, Clone, Copy)]
struct PatrolDir {
    /// States on the `from` and `to` sides.
    su: usize,
    sv: usize,
    share_from: f64,
    share_to: f64,
    coop: Coop,
    /// −κ ω, and π L.
    num: f64,
    den: f64,
}

/// How the two sides of a segment cooperate (§3.5.4), less the readiness.
#[derive(Debug, Clone, Copy)]
enum Coop {
    None,
    /// ψ · r · min(p_u, p_v).
    Members {
        psi: f64,
        p: f64,
    },
    /// (ψ σ_p) · r · p_member.
    Partner {
        a: f64,
        p: f64,
    },
}

impl PatrolDir {
    /// `None` for an internal link.
    fn new(s: &Scenario, shares: &[(f64, f64)], dir: usize) -> Option<PatrolDir> {
        let b = &s.borders[dir / 2];
        let LinkKind::Segment {
            length_km, terrain, ..
        } = &b.kind
        else {
            return None;
        };
        let forward = dir.is_multiple_of(2);
        let (from, to) = if forward { (b.a, b.b) } else { (b.b, b.a) };
        let (share_from, share_to) = if forward {
            shares[dir / 2]
        } else {
            (shares[dir / 2].1, shares[dir / 2].0)
        };
        let (su, sv) = (s.regions[from].state, s.regions[to].state);
        let (u, v) = (&s.states[su], &s.states[sv]);
        let psi = s.model.pooling;
        let coop = match (u.role, v.role) {
            (Role::Member, Role::Member) => Coop::Members {
                psi,
                p: u.participation.min(v.participation),
            },
            (Role::Member, Role::Partner) => Coop::Partner {
                a: psi * s.alliance.partner_cooperation,
                p: u.participation,
            },
            (Role::Partner, Role::Member) => Coop::Partner {
                a: psi * s.alliance.partner_cooperation,
                p: v.participation,
            },
            _ => Coop::None,
        };
        Some(PatrolDir {
            su,
            sv,
            share_from,
            share_to,
            coop,
            num: -s.model.detection_scale * terrain.sweep,
            den: terrain.passable * length_km,
        })
    }

    /// Everything the law is made of, as bits (equal bits, equal law).
    fn bits(&self) -> [u64; 9] {
        let (kind, a, p) = match self.coop {
            Coop::None => (0, 0.0, 0.0),
            Coop::Members { psi, p } => (1, psi, p),
            Coop::Partner { a, p } => (2, a, p),
        };
        [
            self.su as u64,
            self.sv as u64,
            self.share_from.to_bits(),
            self.share_to.to_bits(),
            kind,
            a.to_bits(),
            p.to_bits(),
            self.num.to_bits(),
            self.den.to_bits(),
        ]
    }

    /// The exponent x of p_patrol = 1 − exp(x) given this week's stocks.
    #[inline]
    fn exponent(&self, stocks: &[Stocks]) -> f64 {
        let (u, v) = (&stocks[self.su], &stocks[self.sv]);
        let (e_from, e_to) = (u.border * self.share_from, v.border * self.share_to);
        let r = u.readiness.min(v.readiness);
        let c = match self.coop {
            Coop::None => 0.0,
            Coop::Members { psi, p } => psi * r * p,
            Coop::Partner { a, p } => a * r * p,
        };
        let effort = e_to + c * e_from;
        self.num * effort / self.den
    }
}

/// The exponent of patrol detection on direction `dir`,
/// p_patrol = 1 - exp(x) with x = -κ ω E / (π L) (`None` on an internal
/// link, where p_patrol is 0): the textbook form of [`PatrolDir`], which
/// the tests hold it to.
#[cfg(test)]
fn patrol_exponent(
    s: &Scenario,
    stocks: &[Stocks],
    shares: &[(f64, f64)],
    dir: usize,
) -> Option<f64> {
    let b = &s.borders[dir / 2];
    let LinkKind::Segment {
        length_km, terrain, ..
    } = &b.kind
    else {
        return None;
    };
    let forward = dir.is_multiple_of(2);
    let (from, to) = if forward { (b.a, b.b) } else { (b.b, b.a) };
    let (share_from, share_to) = if forward {
        shares[dir / 2]
    } else {
        (shares[dir / 2].1, shares[dir / 2].0)
    };
    let (su, sv) = (s.regions[from].state, s.regions[to].state);
    let (e_from, e_to) = (stocks[su].border * share_from, stocks[sv].border * share_to);
    let c = cooperation(s, stocks, su, sv);
    let effort = e_to + c * e_from;
    Some(-s.model.detection_scale * terrain.sweep * effort / (terrain.passable * length_km))
}

#[cfg(test)]
fn cooperation(s: &Scenario, stocks: &[Stocks], u: usize, v: usize) -> f64 {
    let (su, sv) = (&s.states[u], &s.states[v]);
    let r = stocks[u].readiness.min(stocks[v].readiness);
    let psi = s.model.pooling;
    match (su.role, sv.role) {
        (Role::Member, Role::Member) => psi * r * su.participation.min(sv.participation),
        (Role::Member, Role::Partner) => {
            psi * s.alliance.partner_cooperation * r * su.participation
        }
        (Role::Partner, Role::Member) => {
            psi * s.alliance.partner_cooperation * r * sv.participation
        }
        _ => 0.0,
    }
}

#[cfg(test)]
#[path = "defences_rules.rs"]
mod rules;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Scenario, load_str};

    /// A scenario from TOML text (panics with the problems if invalid).
    pub(crate) fn scenario(text: &str) -> Scenario {
        match load_str("test.toml", "test", text, &[]) {
            Ok(set) => set.base,
            Err(d) => panic!("invalid test scenario:\n{d}"),
        }
    }

    const HEAD: &str = r#"
[scenario]
weeks = 60
trials = 10
seed = 1
"#;

    /// Source SRC_N borders MEM_A (two segments' worth of weights via two
    /// member regions) and a partner region.
    pub(super) fn three_states(extra: &str) -> Scenario {
        scenario(&format!(
            r#"{HEAD}
{extra}
[[states]]
id = "SRC"
role = "other"
capability = {{ border = 10.0 }}
[[states]]
id = "MEM"
role = "member"
budget = 10.0
participation = 0.8
allocation = {{ border = 0.5, intel = 0.3, readiness = 0.2 }}
[[states]]
id = "ALLY"
role = "member"
budget = 4.0
allocation = {{ border = 0.6, intel = 0.4, readiness = 0.0 }}
initial = {{ readiness = 0.5 }}
[[states]]
id = "PAR"
role = "partner"
capability = {{ border = 5.0, intel = 100.0, readiness = 0.2 }}
[[regions]]
id = "SRC_N"
state = "SRC"
population = 1.0
new_cells = 0.5
[[regions]]
id = "MEM_A"
state = "MEM"
population = 1.0
[[regions]]
id = "ALLY_A"
state = "ALLY"
population = 1.0
[[regions]]
id = "PAR_A"
state = "PAR"
population = 1.0
[[borders]]
a = "SRC_N"
b = "MEM_A"
length_km = 100
terrain = "river"
[[borders]]
a = "MEM_A"
b = "ALLY_A"
length_km = 300
terrain = "plain"
priority = 2
[[borders]]
a = "MEM_A"
b = "PAR_A"
length_km = 200
terrain = "desert"
"#
        ))
    }

    pub(super) fn close(a: f64, b: f64) -> bool {
        // A relative tolerance scaled by the values would let an infinity
        // pass for anything: infinities and NaN must match exactly.
        if !(a.is_finite() && b.is_finite()) {
            return a == b;
        }
        (a - b).abs() <= 1e-12 * (1.0 + a.abs().max(b.abs()))
    }

    #[test]
    fn members_without_initial_stocks_start_and_stay_at_steady_state() {
        let s = three_states("");
        let d = Defences::compute(&s);
        let m = &s.model;
        // MEM: S* = ρ_B b B / δ_S, I* = ρ_I i B / δ_I, R* = c / (c + 1 - 2^(-1/h)).
        let s_star = m.budget_to_border * 0.5 * 10.0 / m.border_decay;
        let i_star = m.budget_to_intel * 0.3 * 10.0 / m.intel_decay;
        let c = 1.0 - (-m.budget_to_readiness * 0.2 * 10.0_f64).exp();
        let r_star = c / (c + 1.0 - (-1.0 / m.readiness_half_life).exp2());
        for t in [0, 30, 59] {
            let st = d.stock(t, 1);
            assert!(
                close(st.border, s_star) && close(st.intel, i_star) && close(st.readiness, r_star),
                "week {t}: {st:?}"
            );
        }
    }

    #[test]
    fn readiness_decays_by_its_half_life_and_exercises_boost_it() {
        // ALLY has no readiness spending and starts at 0.5: R(t) = 0.5 · 2^(-(t+1)/h).
        let s = three_states("[model]\nreadiness_half_life = 10\n");
        let d = Defences::compute(&s);
        for t in [0u32, 9, 19] {
            let want = 0.5 * (-(f64::from(t) + 1.0) / 10.0).exp2();
            assert!(close(d.stock(t, 2).readiness, want), "week {t}");
        }
        let s = three_states(
            "[model]\nreadiness_half_life = 10\n[[exercises]]\nname = \"drill\"\nfirst_week = 5\nparticipants = [\"ALLY\", \"PAR\"]\nboost = 0.3\n",
        );
        let d = Defences::compute(&s);
        let before = d.stock(4, 2).readiness * (-0.1f64).exp2();
        assert!(close(
            d.stock(5, 2).readiness,
            before + 0.3 * (1.0 - before)
        ));
        // The partner is boosted, then relaxes towards its capability (0.2) the same week.
        let boosted = 0.2 + 0.3 * (1.0 - 0.2);
        let relaxed = 0.2 + (boosted - 0.2) * (-0.1f64).exp2();
        assert!(close(d.stock(5, 3).readiness, relaxed));
        assert!(close(
            d.stock(6, 3).readiness,
            0.2 + (relaxed - 0.2) * (-0.1f64).exp2()
        ));
        assert!(close(d.stock(4, 3).readiness, 0.2));
    }

    #[test]
    fn participation_scales_exercise_boosts() {
        let s = three_states(
            "[[exercises]]\nname = \"drill\"\nfirst_week = 0\nparticipants = \"members\"\nboost = 0.5\n",
        );
        let plain = Defences::compute(&three_states(""));
        let d = Defences::compute(&s);
        let r0 = plain.stock(0, 1).readiness; // MEM, participation 0.8
        assert!(close(d.stock(0, 1).readiness, r0 + 0.5 * 0.8 * (1.0 - r0)));
    }

    #[test]
    fn border_stock_is_spread_by_priority_times_length() {
        let s = three_states("");
        let shares = effort_shares(&s);
        // MEM touches 100 km (p 1), 300 km (p 2) and 200 km (p 1): weights 100, 600, 200.
        assert!(close(shares[0].1, 100.0 / 900.0));
        assert!(close(shares[1].0, 600.0 / 900.0));
        assert!(close(shares[2].0, 200.0 / 900.0));
        // ALLY's only segment and SRC's only segment take everything.
        assert!(close(shares[1].1, 1.0) && close(shares[0].0, 1.0));
    }

    #[test]
    fn patrol_detection_follows_the_random_search_law_with_cooperation() {
        let s = three_states("[alliance]\npartner_cooperation = 0.5\n");
        let d = Defences::compute(&s);
        let m = &s.model;
        let t = 10;
        let (src, mem, ally, par) = (
            *d.stock(t, 0),
            *d.stock(t, 1),
            *d.stock(t, 2),
            *d.stock(t, 3),
        );
        let law = |effort: f64, sweep: f64, passable: f64, length: f64| {
            1.0 - (-m.detection_scale * sweep * effort / (passable * length)).exp()
        };
        // SRC_N>MEM_A: a non-member origin adds nothing (c = 0).
        let e = mem.border * 100.0 / 900.0;
        assert!(close(d.patrol(t, 0), law(e, 1.0, 0.3, 100.0)));
        // MEM_A>SRC_N: into the source state, its own capability only.
        assert!(close(d.patrol(t, 1), law(src.border, 1.0, 0.3, 100.0)));
        // MEM_A>ALLY_A: members cooperate, c = ψ min(R) min(p).
        let c = m.pooling * mem.readiness.min(ally.readiness) * 0.8f64.min(1.0);
        let e = ally.border * 1.0 + c * mem.border * 600.0 / 900.0;
        assert!(close(d.patrol(t, 2), law(e, 1.0, 1.0, 300.0)));
        // MEM_A>PAR_A: member to partner, c = ψ σ_p min(R) p_member.
        let c = m.pooling * 0.5 * mem.readiness.min(par.readiness) * 0.8;
        let e = par.border + c * mem.border * 200.0 / 900.0;
        assert!(close(d.patrol(t, 4), law(e, 1.2, 0.8, 200.0)));
    }

    #[test]
    fn intelligence_is_shared_as_the_contract_says() {
        let s = three_states("[alliance]\nintel_sharing = 0.4\npartner_cooperation = 0.25\n");
        let d = Defences::compute(&s);
        let t = 3;
        let i: Vec<f64> = (0..4).map(|k| d.stock(t, k).intel).collect();
        let own = [i[0], 0.8 * i[1], i[2], i[3]];
        let alpha = s.model.intel_saturation;
        let e = |x: f64| 1.0 - (-alpha * x).exp();
        assert!(close(d.effect(t, 0), e(i[0])));
        assert!(close(
            d.effect(t, 1),
            e(i[1] + 0.8 * (0.4 * own[2] + 0.25 * own[3]))
        ));
        assert!(close(
            d.effect(t, 2),
            e(i[2] + 1.0 * (0.4 * own[1] + 0.25 * own[3]))
        ));
        assert!(close(d.effect(t, 3), e(i[3] + 0.25 * (own[1] + own[2]))));
    }

    #[test]
    fn the_pool_moves_border_budget_to_its_recipient() {
        let s = three_states("[alliance]\npool_share = 0.25\npool_recipient = \"ALLY\"\n");
        let d = Defences::compute(&s);
        let m = &s.model;
        let pool = 0.25 * (10.0 + 4.0);
        let ally = m.budget_to_border * (0.6 * 0.75 * 4.0 + pool) / m.border_decay;
        let mem = m.budget_to_border * 0.5 * 0.75 * 10.0 / m.border_decay;
        assert!(close(d.stock(7, 2).border, ally) && close(d.stock(7, 1).border, mem));
        assert!(close(d.spend, 14.0 * 60.0));
    }

    #[test]
    fn seasonal_closures_follow_the_week_of_year() {
        let text = "[terrain.river]\nclosed_from = 45\nclosed_to = 2\n";
        let s = three_states(text);
        assert!(s.week_of_year(0) == 1);
        let s = Scenario {
            start_week: 40,
            ..s
        };
        let d = Defences::compute(&s);
        // t = 4 is week of year 44, t = 5 is 45, t = 14 is 2 (wrapped), t = 15 is 3.
        assert!(d.is_open(4, 0) && !d.is_open(5, 0) && !d.is_open(14, 0) && d.is_open(15, 0));
        assert!(d.is_open(5, 1), "other terrains stay open");
    }

    #[test]
    fn spend_counts_budgets_and_exercise_costs_per_participant() {
        let s = three_states(
            "[[exercises]]\nname = \"drill\"\nfirst_week = 0\nevery = 26\nparticipants = \"members+partners\"\nboost = 0.1\ncost = 2.5\n",
        );
        // Weeks 0, 26, 52 with 3 participants each.
        assert!(close(total_spend(&s), 14.0 * 60.0 + 3.0 * 3.0 * 2.5));
    }

    /// A state whose segments all have priority 0 puts no effort on any
    /// of them: shares of 0, not 0/0, and a patrol law of 0 there.
    #[test]
    fn a_state_with_no_weighted_segment_puts_no_effort_on_them() {
        let mut s = scenario(include_str!("../../scenarios/csto-southern-frontier.toml"));
        let state = s.regions[s.network.sources[0]].state;
        let mut touched = 0;
        let regions = s.regions.clone();
        for b in std::sync::Arc::make_mut(&mut s.borders) {
            let ends = [regions[b.a].state, regions[b.b].state];
            if let LinkKind::Segment { priority, .. } = &mut b.kind
                && ends.contains(&state)
            {
                *priority = 0.0;
                touched += 1;
            }
        }
        assert!(touched > 0);
        let shares = effort_shares(&s);
        let d = Defences::compute(&s);
        assert_eq!(shares.len(), s.borders.len());
        for (i, &(a, z)) in shares.iter().enumerate() {
            assert!(a.is_finite() && z.is_finite(), "border {i}: {a} {z}");
            for dir in [2 * i, 2 * i + 1] {
                let p = d.patrol(0, dir);
                assert!((0.0..=1.0).contains(&p), "direction {dir}: {p}");
            }
        }
    }

    /// Scenarios share defences when they differ only in what
    /// [`Defences::compute`] does not read (sources, targets, populations),
    /// and never when they differ in one thing it reads.
    #[test]
    fn defences_are_shared_exactly_when_what_they_read_agrees() {
        let a = scenario(include_str!("../../scenarios/csto-southern-frontier.toml"));
        assert!(Defences::shared_by(&a, &a.clone()));
        let mut b = a.clone();
        b.regions[0].population *= 2.0;
        b.regions[1].target_weight += 1.0;
        b.regions[2].legitimacy /= 2.0;
        assert!(
            Defences::shared_by(&a, &b),
            "populations, targets, legitimacy"
        );
        type Change = (&'static str, fn(&mut Scenario));
        let changes: [Change; 11] = [
            ("weeks", |s| s.weeks += 1),
            ("warm-up", |s| s.warmup_weeks += 1),
            ("start week", |s| s.start_week += 1),
            ("a defence parameter", |s| {
                s.model.readiness_half_life *= 2.0
            }),
            ("a state", |s| {
                std::sync::Arc::make_mut(&mut s.states)[0].participation /= 2.0
            }),
            ("the alliance", |s| s.alliance.intel_sharing /= 2.0),
            ("an exercise", |s| {
                std::sync::Arc::make_mut(&mut s.exercises)[0].boost *= 2.0
            }),
            ("a border", |s| {
                let border = &mut std::sync::Arc::make_mut(&mut s.borders)[0];
                (border.a, border.b) = (border.b, border.a);
            }),
            ("the count of regions", |s| {
                let r = s.regions[0].clone();
                s.regions.push(r);
            }),
            ("a region's state", |s| {
                let other = s
                    .regions
                    .iter()
                    .map(|r| r.state)
                    .find(|&x| x != s.regions[0].state);
                s.regions[0].state = other.expect("two states");
            }),
            ("a member's region, last", |s| {
                let last = s.regions.len() - 1;
                s.regions[last].state = (s.regions[last].state + 1) % s.states.len();
            }),
        ];
        for (what, change) in changes {
            let mut b = a.clone();
            change(&mut b);
            assert!(!Defences::shared_by(&a, &b), "{what} differs");
            assert!(
                !Defences::shared_by(&b, &a),
                "{what} differs, the other way"
            );
        }
    }
}

#[cfg(test)]
mod like_another {
    use super::tests::scenario;
    use super::*;

    /// Defences prepared like another's take its stocks and state tables
    /// and compute the patrol law and closures: every table the same to
    /// the bit as computing them whole, for a scenario whose detection
    /// scale, pooling and borders differ. Stocks are shared exactly when
    /// what they read agrees (each of weeks, warm-up, start week, a stock
    /// parameter, a state, the alliance and an exercise breaks it).
    #[test]
    fn defences_like_another_are_the_ones_computed_whole() {
        let a = scenario(include_str!("../../scenarios/csto-southern-frontier.toml"));
        let mut b = a.clone();
        b.model.detection_scale *= 1.7;
        b.model.pooling /= 2.0;
        let border = &mut std::sync::Arc::make_mut(&mut b.borders)[0];
        (border.a, border.b) = (border.b, border.a);
        assert!(Defences::stocks_shared_by(&a, &b) && !Defences::shared_by(&a, &b));
        let like = Defences::compute_like(&b, &Defences::compute(&a));
        assert_eq!(format!("{like:?}"), format!("{:?}", Defences::compute(&b)));
        type Change = (&'static str, fn(&mut Scenario));
        let changes: [Change; 8] = [
            ("weeks", |s| s.weeks += 1),
            ("warm-up", |s| s.warmup_weeks += 1),
            ("start week", |s| s.start_week += 1),
            ("a stock parameter", |s| s.model.intel_decay *= 2.0),
            ("another stock parameter", |s| s.model.interdict_max /= 2.0),
            ("a state", |s| {
                std::sync::Arc::make_mut(&mut s.states)[0].participation /= 2.0
            }),
            ("the alliance", |s| s.alliance.intel_sharing /= 2.0),
            ("an exercise", |s| {
                std::sync::Arc::make_mut(&mut s.exercises)[0].boost *= 2.0
            }),
        ];
        for (what, change) in changes {
            let mut c = a.clone();
            change(&mut c);
            assert!(!Defences::stocks_shared_by(&a, &c), "{what} differs");
            assert!(!Defences::stocks_shared_by(&c, &a), "{what}, the other way");
        }
    }
}

#[cfg(test)]
mod near_another {
    use super::tests::scenario;
    use super::*;

    /// Moves a tenth of `id`'s budget from intelligence to the border, as
    /// an optimization's candidate does.
    fn shift_allocation(s: &mut Scenario, id: &str) {
        let states = std::sync::Arc::make_mut(&mut s.states);
        let st = states.iter_mut().find(|st| st.id == id).expect("a member");
        let Posture::Member { allocation, .. } = &mut st.posture else {
            panic!("{id} is a member");
        };
        allocation.border += 0.1;
        allocation.intel -= 0.1;
    }

    /// The directions of `c` whose patrol law [`Defences::compute_near`]
    /// takes from `a`'s.
    fn reused(c: &Scenario, a: &Scenario) -> usize {
        let d = Defences::compute(c);
        let shares = effort_shares(c);
        let dirs: Vec<Option<PatrolDir>> = (0..2 * c.borders.len())
            .map(|dir| PatrolDir::new(c, &shares, dir))
            .collect();
        let like = Defences::compute(a);
        d.patrol_alike(c, &dirs, a, &like)
            .iter()
            .filter(|&&r| r)
            .count()
    }

    /// Defences computed near another scenario's are the ones computed
    /// whole, to the bit, whether they take most of its patrol law (one
    /// member's allocation changed: only the directions along that
    /// member's borders are worked out), none of it (the detection scale
    /// changed too, or the horizon), or less of it (a member's
    /// participation changed too, which its partners' cooperation reads).
    #[test]
    fn defences_near_another_are_the_ones_computed_whole() {
        let a = scenario(include_str!("../../scenarios/csto-southern-frontier.toml"));
        let like = Defences::compute(&a);
        let segments = 2 * a.borders.iter().filter(|b| b.is_segment()).count();
        type Change = (&'static str, fn(&mut Scenario), std::ops::Range<usize>);
        let changes: [Change; 6] = [
            ("nothing", |_| {}, segments..segments + 1),
            (
                "TJK's allocation",
                |s| shift_allocation(s, "TJK"),
                1..segments,
            ),
            (
                "KAZ's allocation",
                |s| shift_allocation(s, "KAZ"),
                1..segments,
            ),
            (
                "TJK's allocation and the detection scale",
                |s| {
                    shift_allocation(s, "TJK");
                    s.model.detection_scale *= 1.5;
                },
                0..1,
            ),
            (
                "TJK's allocation and the horizon",
                |s| {
                    shift_allocation(s, "TJK");
                    s.weeks += 1;
                },
                0..1,
            ),
            (
                "TJK's allocation and KGZ's participation",
                |s| {
                    shift_allocation(s, "TJK");
                    let states = std::sync::Arc::make_mut(&mut s.states);
                    let kgz = states.iter_mut().find(|st| st.id == "KGZ").expect("KGZ");
                    kgz.participation /= 2.0;
                },
                1..segments,
            ),
        ];
        for (what, change, expected) in changes {
            let mut c = a.clone();
            change(&mut c);
            let near = Defences::compute_near(&c, &a, &like);
            assert_eq!(
                format!("{near:?}"),
                format!("{:?}", Defences::compute(&c)),
                "{what}"
            );
            let n = reused(&c, &a);
            assert!(expected.contains(&n), "{what}: {n} directions reused");
        }
    }
}

#[cfg(test)]
mod patrol_tables {
    use super::*;

    /// The precomputed patrol law gives the textbook form's numbers to the
    /// bit, on every direction of the default scenario in every week.
    #[test]
    fn the_precomputed_patrol_law_is_the_textbook_one_to_the_bit() {
        let text = include_str!("../../scenarios/csto-southern-frontier.toml");
        for sets in [vec![], vec!["alliance.partner_cooperation=0.5".to_string()]] {
            let s = crate::scenario::load_str("d.toml", "d", text, &sets)
                .expect("valid")
                .base;
            let shares = effort_shares(&s);
            let dirs: Vec<Option<PatrolDir>> = (0..2 * s.borders.len())
                .map(|dir| PatrolDir::new(&s, &shares, dir))
                .collect();
            let mut stocks = initial_stocks(&s);
            for tau in 0..120 {
                stocks = next_stocks(&s, &stocks, tau);
                for (dir, p) in dirs.iter().enumerate() {
                    let fast = p.map(|p| p.exponent(&stocks).to_bits());
                    let slow = patrol_exponent(&s, &stocks, &shares, dir).map(f64::to_bits);
                    assert_eq!(fast, slow, "week {tau}, direction {dir}");
                }
            }
        }
    }
}
