//! Capabilities, intelligence and border detection, week by week
//! (MODEL.md §3.1, §3.2 and the effort terms of §3.5).
//!
//! None of this depends on the trial: it is a function of the variant and
//! the week. It is computed once per variant into [`Defences`], and every
//! trial of that variant reads it.

use crate::scenario::validate::readiness_retention;
use crate::scenario::{LinkKind, Posture, Role, Scenario, Stocks};

/// Per-week tables that every trial of one variant shares.
#[derive(Debug, Clone)]
pub struct Defences {
    states: usize,
    directions: usize,
    borders: usize,
    /// S, I, R per week and state, after exercises and relaxation.
    pub stocks: Vec<Stocks>,
    /// e_s per week and state.
    pub intel_effect: Vec<f64>,
    /// q per week and state (interdiction probability once detected).
    pub interdict: Vec<f64>,
    /// μ0 · e_s · (1 + φ R_s) per week and state (the part of the interior
    /// hazard that does not depend on the cell).
    pub interior_hazard: Vec<f64>,
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
    /// Computes every week's tables for `s`.
    pub fn compute(s: &Scenario) -> Defences {
        let (n, w) = (s.states.len(), s.weeks as usize);
        let mut d = Defences {
            states: n,
            directions: 2 * s.borders.len(),
            borders: s.borders.len(),
            stocks: Vec::with_capacity(w * n),
            intel_effect: Vec::with_capacity(w * n),
            interdict: Vec::with_capacity(w * n),
            interior_hazard: Vec::with_capacity(w * n),
            patrol: Vec::with_capacity(w * 2 * s.borders.len()),
            open: Vec::with_capacity(w * s.borders.len()),
            readiness_mean: Vec::with_capacity(w),
            intel_effect_mean: Vec::with_capacity(w),
            spend: total_spend(s),
        };
        let shares = effort_shares(s);
        let m = &s.model;
        let mut stocks = initial_stocks(s);
        let members: Vec<usize> = s.members().collect();
        for t in 0..s.weeks {
            stocks = next_stocks(s, &stocks, t);
            let effect = intel_effects(s, &stocks);
            for (i, st) in stocks.iter().enumerate() {
                d.stocks.push(*st);
                d.intel_effect.push(effect[i]);
                d.interdict.push(m.interdict_min + (m.interdict_max - m.interdict_min) * st.readiness);
                let is_member = s.states[i].role == Role::Member;
                let hazard = m.interdiction_hazard * effect[i] * (1.0 + m.interdiction_readiness_gain * st.readiness);
                d.interior_hazard.push(if is_member { hazard } else { 0.0 });
            }
            let woy = s.week_of_year(t);
            for b in &s.borders {
                d.open.push(match &b.kind {
                    LinkKind::Internal => true,
                    LinkKind::Segment { terrain, .. } => !terrain.is_closed(woy),
                });
            }
            for dir in 0..2 * s.borders.len() {
                d.patrol.push(patrol_detection(s, &stocks, &shares, dir));
            }
            let k = members.len().max(1) as f64;
            d.readiness_mean.push(members.iter().map(|&i| stocks[i].readiness).sum::<f64>() / k);
            d.intel_effect_mean.push(members.iter().map(|&i| effect[i]).sum::<f64>() / k);
        }
        d
    }

    /// Stocks of state `i` in week `t`.
    #[inline]
    pub fn stock(&self, t: u32, i: usize) -> &Stocks {
        &self.stocks[t as usize * self.states + i]
    }

    /// e of state `i` in week `t`.
    #[inline]
    pub fn effect(&self, t: u32, i: usize) -> f64 {
        self.intel_effect[t as usize * self.states + i]
    }

    /// q of state `i` in week `t`.
    #[inline]
    pub fn interdict(&self, t: u32, i: usize) -> f64 {
        self.interdict[t as usize * self.states + i]
    }

    /// μ0 · e · (1 + φR) of state `i` in week `t` (0 for non-members).
    #[inline]
    pub fn interior_hazard(&self, t: u32, i: usize) -> f64 {
        self.interior_hazard[t as usize * self.states + i]
    }

    /// Patrol detection on direction `dir` in week `t`.
    #[inline]
    pub fn patrol(&self, t: u32, dir: usize) -> f64 {
        self.patrol[t as usize * self.directions + dir]
    }

    /// Whether border `b` is open in week `t`.
    #[inline]
    pub fn is_open(&self, t: u32, b: usize) -> bool {
        self.open[t as usize * self.borders + b]
    }
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

/// One week of §3.1: flows and decay, then exercises, then partners relax.
fn next_stocks(s: &Scenario, last: &[Stocks], t: u32) -> Vec<Stocks> {
    let m = &s.model;
    let keep = readiness_retention(m.readiness_half_life);
    let pool_share = s.alliance.pool.map_or(0.0, |p| p.share);
    let pool_total: f64 = s.states.iter().map(|st| pool_share * st.budget()).sum();
    let mut next: Vec<Stocks> = s
        .states
        .iter()
        .enumerate()
        .map(|(i, st)| match &st.posture {
            Posture::Member { budget, allocation, .. } => {
                let own = (1.0 - pool_share) * budget;
                let pool_in = match s.alliance.pool {
                    Some(p) if p.recipient == i => pool_total,
                    _ => 0.0,
                };
                let r = last[i].readiness;
                Stocks {
                    border: (1.0 - m.border_decay) * last[i].border + m.budget_to_border * (allocation.border * own + pool_in),
                    intel: (1.0 - m.intel_decay) * last[i].intel + m.budget_to_intel * allocation.intel * own,
                    readiness: r * keep + (1.0 - (-m.budget_to_readiness * allocation.readiness * own).exp()) * (1.0 - r),
                }
            }
            Posture::Fixed { capability } => Stocks {
                readiness: last[i].readiness,
                ..*capability
            },
        })
        .collect();
    for e in s.exercises.iter().filter(|e| e.held_in(t)) {
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
    next
}

/// §3.2: each state's intelligence effect e = 1 - exp(-α Î).
pub fn intel_effects(s: &Scenario, stocks: &[Stocks]) -> Vec<f64> {
    let own: Vec<f64> = s
        .states
        .iter()
        .zip(stocks)
        .map(|(st, k)| if st.role == Role::Member { st.participation * k.intel } else { k.intel })
        .collect();
    let sum_role = |role: Role| -> f64 { s.states.iter().zip(&own).filter(|(st, _)| st.role == role).map(|(_, o)| o).sum() };
    let (members, partners) = (sum_role(Role::Member), sum_role(Role::Partner));
    let (sigma, sigma_p) = (s.alliance.intel_sharing, s.alliance.partner_cooperation);
    s.states
        .iter()
        .enumerate()
        .map(|(i, st)| {
            let shared = match st.role {
                Role::Member => st.participation * (sigma * (members - own[i]) + sigma_p * partners),
                Role::Partner => sigma_p * members,
                Role::Other => 0.0,
            };
            1.0 - (-s.model.intel_saturation * (stocks[i].intel + shared)).exp()
        })
        .collect()
}

/// Share of each end's state's border stock that goes to each border
/// (0 for internal links): `shares[b] = (share of a's state, share of b's)`.
pub fn effort_shares(s: &Scenario) -> Vec<(f64, f64)> {
    let weight = |b: &crate::scenario::Border| match &b.kind {
        LinkKind::Segment { length_km, priority, .. } => priority * length_km,
        LinkKind::Internal => 0.0,
    };
    let mut total = vec![0.0; s.states.len()];
    for b in s.borders.iter().filter(|b| b.is_segment()) {
        total[s.regions[b.a].state] += weight(b);
        total[s.regions[b.b].state] += weight(b);
    }
    let share = |state: usize, w: f64| if total[state] > 0.0 { w / total[state] } else { 0.0 };
    s.borders
        .iter()
        .map(|b| {
            let w = weight(b);
            (share(s.regions[b.a].state, w), share(s.regions[b.b].state, w))
        })
        .collect()
}

/// p_patrol on direction `dir` (§3.5.4), given this week's stocks.
fn patrol_detection(s: &Scenario, stocks: &[Stocks], shares: &[(f64, f64)], dir: usize) -> f64 {
    let b = &s.borders[dir / 2];
    let LinkKind::Segment { length_km, terrain, .. } = &b.kind else {
        return 0.0;
    };
    let forward = dir % 2 == 0;
    let (from, to) = if forward { (b.a, b.b) } else { (b.b, b.a) };
    let (share_from, share_to) = if forward { shares[dir / 2] } else { (shares[dir / 2].1, shares[dir / 2].0) };
    let (su, sv) = (s.regions[from].state, s.regions[to].state);
    let (e_from, e_to) = (stocks[su].border * share_from, stocks[sv].border * share_to);
    let c = cooperation(s, stocks, su, sv);
    let effort = e_to + c * e_from;
    1.0 - (-s.model.detection_scale * terrain.sweep * effort / (terrain.passable * length_km)).exp()
}

/// c: how much of the origin side's effort helps the destination (§3.5.4).
fn cooperation(s: &Scenario, stocks: &[Stocks], u: usize, v: usize) -> f64 {
    let (su, sv) = (&s.states[u], &s.states[v]);
    let r = stocks[u].readiness.min(stocks[v].readiness);
    let psi = s.model.pooling;
    match (su.role, sv.role) {
        (Role::Member, Role::Member) => psi * r * su.participation.min(sv.participation),
        (Role::Member, Role::Partner) => psi * s.alliance.partner_cooperation * r * su.participation,
        (Role::Partner, Role::Member) => psi * s.alliance.partner_cooperation * r * sv.participation,
        _ => 0.0,
    }
}

/// `spend` of §5: Σ_t Σ_members B_s + Σ_events cost × participants.
pub fn total_spend(s: &Scenario) -> f64 {
    let budgets: f64 = s.states.iter().map(|st| st.budget()).sum::<f64>() * f64::from(s.weeks);
    let exercises: f64 = (0..s.weeks)
        .map(|t| {
            s.exercises
                .iter()
                .filter(|e| e.held_in(t))
                .map(|e| e.cost * e.participants.len() as f64)
                .sum::<f64>()
        })
        .sum();
    budgets + exercises
}
