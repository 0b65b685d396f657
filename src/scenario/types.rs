//! The validated, immutable scenario the model runs on.
//!
//! Every value here has passed the rules of docs/model.md §4: ranges, references,
//! reachability. References are indices, not names, so the model never looks
//! anything up by string. Nothing in this module is specific to one region of
//! the world: states, regions, borders and policies are all data.

use std::sync::Arc;

/// Parameters of the model (docs/model.md §6), with their defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelParams {
    /// κ: scales patrol coverage.
    pub detection_scale: f64,
    /// q_min: interdiction probability after detection at readiness 0.
    pub interdict_min: f64,
    /// q_max: the same at readiness 1.
    pub interdict_max: f64,
    /// Signature gained when repelled at a border.
    pub repel_flag: f64,
    /// Signature gained when carrying out an attack.
    pub attack_flag: f64,
    /// σ of a new cell.
    pub signature_start: f64,
    /// ν: weekly exposure of cells to intelligence.
    pub signature_rate: f64,
    /// α: saturation of intelligence effect.
    pub intel_saturation: f64,
    /// h, weeks (infinite: no decay).
    pub readiness_half_life: f64,
    /// ψ: share of a neighbour's effort that cooperation adds.
    pub pooling: f64,
    /// θ: weight of risk in route choice.
    pub route_risk_aversion: f64,
    /// λ_d: weight of remaining hops in route choice.
    pub route_distance_weight: f64,
    /// Weekly decisions after which a transit cell is abandoned.
    pub max_transit_weeks: u32,
    /// m: mean cell size.
    pub cell_size_mean: f64,
    /// a0: base weekly attack hazard.
    pub attack_hazard: f64,
    /// β.
    pub attack_size_exponent: f64,
    /// γ.
    pub attack_experience_exponent: f64,
    /// μ0: base weekly interior interdiction hazard.
    pub interdiction_hazard: f64,
    /// φ.
    pub interdiction_readiness_gain: f64,
    /// g.
    pub growth_rate: f64,
    /// d.
    pub attrition_rate: f64,
    /// α_sev (> 1).
    pub severity_exponent: f64,
    /// Largest severity of one attack.
    pub severity_cap: u64,
    /// δ_S.
    pub border_decay: f64,
    /// δ_I.
    pub intel_decay: f64,
    /// ρ_B.
    pub budget_to_border: f64,
    /// ρ_I.
    pub budget_to_intel: f64,
    /// ρ_X.
    pub budget_to_readiness: f64,
}

impl Default for ModelParams {
    fn default() -> Self {
        ModelParams {
            detection_scale: 1.0,
            interdict_min: 0.5,
            interdict_max: 0.9,
            repel_flag: 0.3,
            attack_flag: 0.3,
            signature_start: 0.05,
            signature_rate: 0.05,
            intel_saturation: 0.005,
            readiness_half_life: 40.0,
            pooling: 0.5,
            route_risk_aversion: 3.0,
            route_distance_weight: 1.0,
            max_transit_weeks: 52,
            cell_size_mean: 4.0,
            attack_hazard: 0.015,
            attack_size_exponent: 0.3,
            attack_experience_exponent: 0.2,
            interdiction_hazard: 0.05,
            interdiction_readiness_gain: 0.5,
            growth_rate: 0.01,
            attrition_rate: 0.01,
            severity_exponent: 2.0,
            severity_cap: 1000,
            border_decay: 0.01,
            intel_decay: 0.01,
            budget_to_border: 1.0,
            budget_to_intel: 1.0,
            budget_to_readiness: 0.1,
        }
    }
}

impl ModelParams {
    /// The fields whose values differ between `self` and `other`, in
    /// declaration order, as (name, value in `self`, value in `other`);
    /// `ModelParams::default().differences(&model)` lists a scenario's
    /// departures from the defaults.
    pub fn differences(&self, other: &ModelParams) -> Vec<(&'static str, f64, f64)> {
        let pairs = |p: &ModelParams| -> [(&'static str, f64); 28] {
            [
                ("detection_scale", p.detection_scale),
                ("interdict_min", p.interdict_min),
                ("interdict_max", p.interdict_max),
                ("repel_flag", p.repel_flag),
                ("attack_flag", p.attack_flag),
                ("signature_start", p.signature_start),
                ("signature_rate", p.signature_rate),
                ("intel_saturation", p.intel_saturation),
                ("readiness_half_life", p.readiness_half_life),
                ("pooling", p.pooling),
                ("route_risk_aversion", p.route_risk_aversion),
                ("route_distance_weight", p.route_distance_weight),
                ("max_transit_weeks", f64::from(p.max_transit_weeks)),
                ("cell_size_mean", p.cell_size_mean),
                ("attack_hazard", p.attack_hazard),
                ("attack_size_exponent", p.attack_size_exponent),
                ("attack_experience_exponent", p.attack_experience_exponent),
                ("interdiction_hazard", p.interdiction_hazard),
                ("interdiction_readiness_gain", p.interdiction_readiness_gain),
                ("growth_rate", p.growth_rate),
                ("attrition_rate", p.attrition_rate),
                ("severity_exponent", p.severity_exponent),
                // At most 10^9 by validation, so exact as f64.
                ("severity_cap", p.severity_cap as f64),
                ("border_decay", p.border_decay),
                ("intel_decay", p.intel_decay),
                ("budget_to_border", p.budget_to_border),
                ("budget_to_intel", p.budget_to_intel),
                ("budget_to_readiness", p.budget_to_readiness),
            ]
        };
        pairs(self)
            .into_iter()
            .zip(pairs(other))
            // `!=` rather than a tolerance: a value in a file is either the
            // default or a deliberate departure; NaN cannot pass validation.
            .filter(|((_, a), (_, b))| a != b)
            .map(|((name, a), (_, b))| (name, a, b))
            .collect()
    }
}

/// A state's place in the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Member,
    Partner,
    Other,
}

impl Role {
    /// The word used in scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Partner => "partner",
            Role::Other => "other",
        }
    }
}

/// Shares of a member's own budget by use; they sum to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Allocation {
    pub border: f64,
    pub intel: f64,
    pub readiness: f64,
}

/// Border stock S, intelligence stock I and readiness R.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Stocks {
    pub border: f64,
    pub intel: f64,
    pub readiness: f64,
}

/// What a state brings, by role.
#[derive(Debug, Clone, PartialEq)]
pub enum Posture {
    /// An alliance member that spends a weekly budget.
    Member {
        /// B_s, spend units per week.
        budget: f64,
        allocation: Allocation,
        /// Stocks before week 0 (steady state where the file gave none).
        initial: Stocks,
    },
    /// A partner or other state with fixed capabilities.
    Fixed { capability: Stocks },
}

/// A state.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// p_s in [0, 1]; 1 for non-members.
    pub participation: f64,
    pub posture: Posture,
}

impl State {
    /// The weekly budget (0 for non-members).
    pub fn budget(&self) -> f64 {
        match &self.posture {
            Posture::Member { budget, .. } => *budget,
            Posture::Fixed { .. } => 0.0,
        }
    }
}

/// A region: a node of the network.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub id: String,
    pub name: String,
    /// Index into [`Scenario::states`].
    pub state: usize,
    /// Millions.
    pub population: f64,
    pub target_weight: f64,
    /// L_r in [0, 1].
    pub legitimacy: f64,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// λ_r: mean new cells per week at full grievance (source regions only).
    pub new_cells: f64,
}

/// A terrain class of border segments.
#[derive(Debug, Clone, PartialEq)]
pub struct Terrain {
    pub name: String,
    /// ω > 0.
    pub sweep: f64,
    /// π in (0, 1].
    pub passable: f64,
    /// Closed from week of year `.0` to `.1`, inclusive, wrapping past 52.
    pub closed: Option<(u32, u32)>,
}

impl Terrain {
    /// Whether a segment of this terrain is closed in `week_of_year` (1..=52).
    pub fn is_closed(&self, week_of_year: u32) -> bool {
        match self.closed {
            None => false,
            Some((from, to)) if from <= to => (from..=to).contains(&week_of_year),
            Some((from, to)) => week_of_year >= from || week_of_year <= to,
        }
    }
}

/// What a border is: an internal link or a guarded segment.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkKind {
    /// Between two regions of one state: always open, never checked.
    Internal,
    /// Between regions of two states.
    Segment {
        length_km: f64,
        terrain: Terrain,
        priority: f64,
    },
}

/// A border between regions `a` and `b`.
#[derive(Debug, Clone, PartialEq)]
pub struct Border {
    pub id: String,
    /// Index into [`Scenario::regions`].
    pub a: usize,
    pub b: usize,
    pub kind: LinkKind,
}

impl Border {
    /// True for a border segment between two states.
    pub fn is_segment(&self) -> bool {
        matches!(self.kind, LinkKind::Segment { .. })
    }
}

/// Who takes part in an exercise.
#[derive(Debug, Clone, PartialEq)]
pub struct Exercise {
    pub name: String,
    pub first_week: u32,
    /// 0: held once.
    pub every: u32,
    /// Indices into [`Scenario::states`], members or partners.
    pub participants: Vec<usize>,
    pub boost: f64,
    /// Spend per participant per event, on top of budgets.
    pub cost: f64,
}

impl Exercise {
    /// Whether the exercise is held in week `t` (0-based).
    /// Whether the exercise is held in the `tau`-th week run of a
    /// scenario with `warmup` weeks of warm-up: recorded weeks as
    /// [`Exercise::held_in`]; in the warm-up, a repeating exercise keeps
    /// its cadence backwards in time and a one-off one is not held.
    pub fn held_in_run(&self, tau: u32, warmup: u32) -> bool {
        if tau >= warmup {
            return self.held_in(tau - warmup);
        }
        if self.every == 0 {
            return false;
        }
        let t = i64::from(tau) - i64::from(warmup);
        (t - i64::from(self.first_week)).rem_euclid(i64::from(self.every)) == 0
    }

    pub fn held_in(&self, t: u32) -> bool {
        if t < self.first_week {
            return false;
        }
        if self.every == 0 {
            t == self.first_week
        } else {
            (t - self.first_week).is_multiple_of(self.every)
        }
    }
}

/// The deterministic path of governance at the source.
#[derive(Debug, Clone, PartialEq)]
pub enum Governance {
    Constant(f64),
    Linear {
        from: f64,
        to: f64,
        start_week: u32,
        end_week: u32,
    },
    /// `values[i]` holds from `weeks[i]` on; `weeks[0] == 0`.
    Steps {
        weeks: Vec<u32>,
        values: Vec<f64>,
    },
}

impl Governance {
    /// G(t) before noise.
    pub fn at(&self, t: u32) -> f64 {
        match self {
            Governance::Constant(v) => *v,
            Governance::Linear {
                from,
                to,
                start_week,
                end_week,
            } => {
                if t < *start_week {
                    *from
                } else if t >= *end_week {
                    *to
                } else {
                    let f = f64::from(t - start_week) / f64::from(end_week - start_week);
                    from + (to - from) * f
                }
            }
            Governance::Steps { weeks, values } => {
                let i = weeks.partition_point(|&w| w <= t);
                values[i.saturating_sub(1)]
            }
        }
    }
}

/// Mean-reverting noise around the governance path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GovernanceNoise {
    pub sd: f64,
    pub reversion: f64,
}

/// The unstable source.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// H in [0, 1].
    pub hardship: f64,
    /// η.
    pub recruitment_exponent: f64,
    pub governance: Governance,
    pub noise: Option<GovernanceNoise>,
}

/// The common fund for one member's border.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pool {
    pub share: f64,
    /// Index into [`Scenario::states`]; a member.
    pub recipient: usize,
}

/// Alliance-wide levers.
#[derive(Debug, Clone, PartialEq)]
pub struct Alliance {
    /// σ.
    pub intel_sharing: f64,
    /// σ_p.
    pub partner_cooperation: f64,
    /// `None` when pool_share is 0.
    pub pool: Option<Pool>,
}

/// One step from a region to a neighbour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    /// Region reached.
    pub to: u32,
    /// Index into [`Scenario::borders`].
    pub border: u32,
    /// Index of the direction (`2 * border`: a>b, `2 * border + 1`: b>a).
    pub direction: u32,
}

/// The graph, derived once from regions and borders.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// Links leaving each region. Shared (as the routes below) between
    /// scenarios of the same map: see [`Scenario::share_with`].
    pub neighbours: Arc<Vec<Vec<Link>>>,
    /// Member regions with positive target weight.
    pub targets: Vec<usize>,
    /// `hops[k][r]`: breadth-first hops from region r to `targets[k]` on the
    /// full graph (`u32::MAX` when unreachable).
    pub hops: Arc<Vec<Vec<u32>>>,
    /// Source regions (λ_r > 0), in file order.
    pub sources: Vec<usize>,
    /// For each source in `sources`: reachable targets (index into
    /// `targets`) with cumulative normalised weights, for inversion.
    pub target_draw: Vec<Vec<(usize, f64)>>,
}

/// A validated scenario: the base, or one variant with its values applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub weeks: u32,
    pub trials: u64,
    pub seed: u64,
    pub start_week: u32,
    /// Weeks run before week 0 that record nothing (docs/model.md §4a), so
    /// that week 0 starts from a steady state rather than an empty map.
    pub warmup_weeks: u32,
    pub model: ModelParams,
    pub source: Source,
    pub alliance: Alliance,
    /// Exercises, states and borders are shared between scenarios that
    /// have the same (see [`Scenario::share_with`]).
    pub exercises: Arc<Vec<Exercise>>,
    pub states: Arc<Vec<State>>,
    pub regions: Vec<Region>,
    pub borders: Arc<Vec<Border>>,
    pub network: Network,
}

impl Scenario {
    /// Takes `other`'s exercises, states, borders, links and routes where
    /// they are equal to this scenario's, so that the two hold one copy. A
    /// run over a posterior holds a scenario per variant and distinct
    /// point, most of which differ from the first point's only in a few
    /// numbers of their regions; sharing the rest is two thirds of their
    /// memory.
    pub fn share_with(&mut self, other: &Scenario) {
        fn share<T: PartialEq>(mine: &mut Arc<T>, theirs: &Arc<T>) {
            if !Arc::ptr_eq(mine, theirs) && **mine == **theirs {
                *mine = theirs.clone();
            }
        }
        share(&mut self.exercises, &other.exercises);
        share(&mut self.states, &other.states);
        share(&mut self.borders, &other.borders);
        share(&mut self.network.neighbours, &other.network.neighbours);
        share(&mut self.network.hops, &other.network.hops);
    }

    /// Week of year (1..=52) of week `t`.
    pub fn week_of_year(&self, t: u32) -> u32 {
        ((self.start_week - 1 + t) % 52) + 1
    }

    /// Weeks a trial runs: the warm-up, then the recorded weeks.
    pub fn run_weeks(&self) -> u32 {
        self.warmup_weeks + self.weeks
    }

    /// Week of year (1..=52) of the `tau`-th week run, counting the
    /// warm-up: warm-up weeks precede week 0 in the calendar.
    pub fn week_of_year_run(&self, tau: u32) -> u32 {
        let t = i64::from(tau) - i64::from(self.warmup_weeks);
        ((i64::from(self.start_week) - 1 + t).rem_euclid(52) + 1) as u32
    }

    /// The recorded week whose schedules (governance) hold in the
    /// `tau`-th week run: week 0's during the warm-up.
    pub fn schedule_week(&self, tau: u32) -> u32 {
        tau.saturating_sub(self.warmup_weeks)
    }

    /// Indices of member states, in file order.
    pub fn members(&self) -> impl Iterator<Item = usize> + '_ {
        self.states
            .iter()
            .enumerate()
            .filter(|(_, s)| s.role == Role::Member)
            .map(|(i, _)| i)
    }

    /// The direction label `A>B` of direction index `d`.
    pub fn direction_label(&self, d: usize) -> String {
        let b = &self.borders[d / 2];
        let (from, to) = if d.is_multiple_of(2) {
            (b.a, b.b)
        } else {
            (b.b, b.a)
        };
        format!("{}>{}", self.regions[from].id, self.regions[to].id)
    }

    /// Whether region `r` belongs to a member state.
    pub fn is_member_region(&self, r: usize) -> bool {
        self.states[self.regions[r].state].role == Role::Member
    }
}

/// A named set of overrides applied to the base scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub name: String,
    pub description: String,
    /// `(path, value as TOML)` in the order written.
    pub overrides: Vec<(String, String)>,
    pub scenario: Scenario,
}

/// The base scenario and its variants, all validated and all sharing one
/// structure (the same states, regions and borders in the same order).
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioSet {
    /// The base scenario, with `--set` values applied; runs as `baseline`.
    pub base: Scenario,
    /// `--set` overrides applied to the base, as `(path, value)`.
    pub base_overrides: Vec<(String, String)>,
    pub variants: Vec<Variant>,
    /// The file's `[sweep]` (or `--vary` arguments), if any.
    pub sweep: Option<super::ranges::SweepSpec>,
    /// The file's `[[uncertain]]` parameters.
    pub uncertain: Vec<super::ranges::ParamRange>,
    /// The file's `[[observed]]` series (docs/model.md §4a).
    pub observed: Vec<super::observed::Observation>,
}

impl ScenarioSet {
    /// The names its scenarios run under, [`BASELINE`] first, then the
    /// variants in the order written.
    pub fn names(&self) -> Vec<String> {
        std::iter::once(BASELINE.to_string())
            .chain(self.variants.iter().map(|v| v.name.clone()))
            .collect()
    }
}

/// The name under which the base scenario runs.
pub const BASELINE: &str = "baseline";

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
    // Rounded to a millionth of a spend unit, so that sums of decimal budgets
    // print as written (10376.5, not 10376.500000000002).
    ((budgets + exercises) * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenarios_share_what_they_have_in_common_and_keep_what_differs() {
        let text = include_str!("../../scenarios/csto-southern-frontier.toml");
        let at = |sets: &[&str]| {
            let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
            crate::scenario::load_str("d.toml", "d", text, &sets)
                .expect("valid")
                .base
        };
        let a = at(&[]);
        // A posterior point: other new cells and target weights.
        let mut b = at(&[
            "regions.AFG_NE.new_cells=0.02",
            "regions.KAZ_S.target_weight=0.3",
        ]);
        let before = b.clone();
        b.share_with(&a);
        assert_eq!(b, before, "sharing changes no value");
        assert!(Arc::ptr_eq(&b.borders, &a.borders));
        assert!(Arc::ptr_eq(&b.states, &a.states));
        assert!(Arc::ptr_eq(&b.exercises, &a.exercises));
        assert!(Arc::ptr_eq(&b.network.neighbours, &a.network.neighbours));
        assert!(Arc::ptr_eq(&b.network.hops, &a.network.hops));
        assert_ne!(b.regions, a.regions);
        // A state's budget differs: the states stay its own, the rest is
        // shared.
        let mut c = at(&["states.TJK.budget=3.0"]);
        let before = c.clone();
        c.share_with(&a);
        assert_eq!(c, before);
        assert!(!Arc::ptr_eq(&c.states, &a.states));
        assert_ne!(*c.states, *a.states);
        assert!(Arc::ptr_eq(&c.borders, &a.borders));
    }

    #[test]
    fn differences_name_the_fields_that_changed() {
        let d = ModelParams::default();
        assert!(d.differences(&d).is_empty());
        let m = ModelParams {
            detection_scale: 3.02,
            severity_cap: 500,
            ..ModelParams::default()
        };
        assert_eq!(
            d.differences(&m),
            vec![
                ("detection_scale", 1.0, 3.02),
                ("severity_cap", 1000.0, 500.0)
            ]
        );
    }

    #[test]
    fn closures_wrap_past_week_52() {
        let t = Terrain {
            name: "high_mountain".into(),
            sweep: 0.4,
            passable: 0.1,
            closed: Some((45, 12)),
        };
        assert!(t.is_closed(45) && t.is_closed(52) && t.is_closed(1) && t.is_closed(12));
        assert!(!t.is_closed(13) && !t.is_closed(44));
        let inner = Terrain {
            closed: Some((10, 20)),
            ..t
        };
        assert!(inner.is_closed(10) && inner.is_closed(20) && !inner.is_closed(21));
    }

    #[test]
    fn governance_paths_follow_the_contract() {
        let lin = Governance::Linear {
            from: 0.3,
            to: 0.6,
            start_week: 10,
            end_week: 20,
        };
        assert_eq!(lin.at(0), 0.3);
        assert_eq!(lin.at(10), 0.3);
        assert!((lin.at(15) - 0.45).abs() < 1e-12);
        assert_eq!(lin.at(20), 0.6);
        assert_eq!(lin.at(99), 0.6);
        let jump = Governance::Linear {
            from: 0.2,
            to: 0.8,
            start_week: 5,
            end_week: 5,
        };
        assert_eq!(jump.at(4), 0.2);
        assert_eq!(jump.at(5), 0.8);
        let steps = Governance::Steps {
            weeks: vec![0, 10, 30],
            values: vec![0.1, 0.5, 0.9],
        };
        assert_eq!(steps.at(0), 0.1);
        assert_eq!(steps.at(9), 0.1);
        assert_eq!(steps.at(10), 0.5);
        assert_eq!(steps.at(29), 0.5);
        assert_eq!(steps.at(30), 0.9);
    }

    #[test]
    fn exercises_repeat_or_happen_once() {
        let mut e = Exercise {
            name: "x".into(),
            first_week: 10,
            every: 52,
            participants: vec![],
            boost: 0.2,
            cost: 0.0,
        };
        assert!(!e.held_in(9) && e.held_in(10) && e.held_in(62) && !e.held_in(61));
        e.every = 0;
        assert!(e.held_in(10) && !e.held_in(62));
    }
}
