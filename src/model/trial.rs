//! One trial of one variant: spawning, movement, crossings, life inside
//! member territory and exposure, week by week (docs/model.md §3.3–§3.8).
//!
//! Cells never interact, so each cell goes through all of its week (move,
//! then inside-territory events, then exposure) before the next cell; this
//! is equivalent to running each phase over all cells. Every draw has an
//! address (docs/model.md §7.1): a cell asks for the words of (its key, the
//! week, the purpose) only when a rule needs them, so two variants see the
//! same numbers until the cell's paths diverge and nothing unused is drawn.

use super::defences::Defences;
use super::events::{Event, EventKind, NoRecorder, Recorder};
use super::record::{Counter, DirectionMetric, Level, N_LEVELS, StateMetric, TrialRecord};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use super::streams::{self, Binomial, CellId, Draws, Poisson, Purpose, Stream, StreamRng, unit};
use crate::scenario::{Link, ModelParams, Scenario};

/// How many kinds of word a cell may use in a week (see [`Slot`]).
const SLOTS: usize = 10;

/// What each of a cell's words is for, and where it lies: a purpose (one
/// Philox block of two words) and the word within it. A transit cell asks
/// for the first four in a week, an established cell for the rest in a
/// week of change.
#[derive(Clone, Copy)]
enum Slot {
    Route = 0,
    Detect = 1,
    Interdict = 2,
    /// Interdiction inside member territory.
    Inside = 3,
    Births = 4,
    Deaths = 5,
    /// Births or deaths: whether there are births.
    Side = 6,
    /// After births or deaths: whether the event happens.
    Event = 7,
    EventKind = 8,
    Severity = 9,
}

impl Slot {
    /// The block (index into [`CellWeek`]'s cache, and its purpose) and the
    /// word within it. Words used together share a block: route and
    /// detection; interdiction at the border and inside (a cell repelled
    /// into member territory may use both: two independent words); births
    /// and deaths; whether births, and whether the event after them; the
    /// event's kind and severity.
    #[inline(always)]
    fn place(self) -> (usize, Purpose, usize) {
        match self {
            Slot::Route => (0, Purpose::Move, 0),
            Slot::Detect => (0, Purpose::Move, 1),
            Slot::Interdict => (1, Purpose::Rare, 0),
            Slot::Inside => (1, Purpose::Rare, 1),
            Slot::Births => (2, Purpose::Growth, 0),
            Slot::Deaths => (2, Purpose::Growth, 1),
            Slot::Side => (3, Purpose::Change, 0),
            Slot::Event => (3, Purpose::Change, 1),
            Slot::EventKind => (4, Purpose::Outcome, 0),
            Slot::Severity => (4, Purpose::Outcome, 1),
        }
    }
}

/// Where a cell's week takes its words from.
trait Words {
    /// The word for `slot`.
    fn word(&mut self, slot: Slot) -> u64;
}

/// Chosen words, one per slot (the rules' tests).
impl Words for [u64; SLOTS] {
    fn word(&mut self, slot: Slot) -> u64 {
        self[slot as usize]
    }
}

/// The words of one cell at one address (a transit cell's week, an
/// established cell's week of change), each block computed the first time
/// one of its words is asked for.
struct CellWeek<'d> {
    draws: &'d Draws,
    id: CellId,
    /// The counter's first part: the week run, or the number of the week
    /// of change.
    at: u32,
    blocks: [Option<[u64; 2]>; 5],
}

impl Words for CellWeek<'_> {
    #[inline(always)]
    fn word(&mut self, slot: Slot) -> u64 {
        let (i, purpose, w) = slot.place();
        match self.blocks[i] {
            Some(block) => block[w],
            None => self.fill(i, purpose)[w],
        }
    }
}

impl<'d> CellWeek<'d> {
    /// The words of cell `id` at `at`, none computed yet.
    fn new(draws: &'d Draws, id: CellId, at: u32) -> CellWeek<'d> {
        CellWeek {
            draws,
            id,
            at,
            blocks: [None; 5],
        }
    }

    /// Computes block `i` (one Philox call), out of line so that a cached
    /// word costs a test and a load.
    #[inline(never)]
    fn fill(&mut self, i: usize, purpose: Purpose) -> [u64; 2] {
        let block = self.draws.cell(purpose, self.id, self.at);
        self.blocks[i] = Some(block);
        block
    }
}

/// A variant made ready to run: the scenario, its weekly defences and a few
/// lookup tables for the hot loop.
#[derive(Debug, Clone)]
pub struct Theatre<'a> {
    pub scenario: &'a Scenario,
    /// Shared between the theatres of parameter points that have the same
    /// defences (see [`Defences::shared_by`]).
    pub defences: std::sync::Arc<Defences>,
    region_state: Vec<u32>,
    member_region: Vec<bool>,
    /// Whether a crossing from this state's regions is indirect (the state
    /// has no source region).
    indirect_origin: Vec<bool>,
    /// Births in an established cell: Binomial(n, g (1 - L_r)) per region.
    births: Vec<Binomial>,
    /// Deaths in an established cell: Binomial(n, d).
    deaths: Binomial,
    /// -ln(1 - g (1 - L_r)) per region: n times it is the hazard of a week
    /// without births, (1 - p)^n = e^(-n·it).
    birth_hazard: Vec<f64>,
    /// -ln(1 - d), the same for deaths.
    death_hazard: f64,
    /// Weeks run: warm-up and recorded.
    run_weeks: u32,
    attack: AttackLaw,
    /// A new cell's size less one: Poisson(m - 1).
    cell_size: Poisson,
    /// New cells per week and source region (`t · sources + k`), when they
    /// are the same in every trial: without governance noise Γ(t) depends on
    /// the week only, and its `powf` and the `exp` that starts each Poisson
    /// draw are worked out once here.
    spawning: Option<Vec<Poisson>>,
}

impl<'a> Theatre<'a> {
    /// Prepares `scenario` for running trials.
    pub fn new(scenario: &'a Scenario) -> Theatre<'a> {
        Theatre::with_defences(scenario, std::sync::Arc::new(Defences::compute(scenario)))
    }

    /// Like [`Theatre::with_defences`], taking from `like` the tables
    /// that depend only on values the two scenarios share to the bit: the
    /// births (growth rate and every region's legitimacy), the deaths
    /// (attrition), the attack law (its two exponents) and the laws of new
    /// cells in every week (see [`spawn_alike`]). The points of a posterior
    /// or a sweep seldom change all of these, and their `powf` and `exp`
    /// were most of what preparing a point cost; the tables are the very
    /// ones [`Theatre::with_defences`] would build.
    pub fn with_defences_like(
        scenario: &'a Scenario,
        defences: std::sync::Arc<Defences>,
        like: &Theatre<'_>,
    ) -> Theatre<'a> {
        let (s, l) = (scenario, like.scenario);
        let same = |a: f64, b: f64| a.to_bits() == b.to_bits();
        let births_alike = same(s.model.growth_rate, l.model.growth_rate)
            && s.regions.len() == l.regions.len()
            && s.regions
                .iter()
                .zip(&l.regions)
                .all(|(a, b)| same(a.legitimacy, b.legitimacy));
        let births = if births_alike {
            (like.births.clone(), like.birth_hazard.clone())
        } else {
            births_of(s)
        };
        let deaths = if same(s.model.attrition_rate, l.model.attrition_rate) {
            (like.deaths.clone(), like.death_hazard)
        } else {
            deaths_of(s)
        };
        let attack = if same(s.model.attack_size_exponent, l.model.attack_size_exponent)
            && same(
                s.model.attack_experience_exponent,
                l.model.attack_experience_exponent,
            ) {
            like.attack.clone()
        } else {
            AttackLaw::new(&s.model)
        };
        let spawning = if spawn_alike(s, l) {
            like.spawning.clone()
        } else {
            spawning_of(s)
        };
        Theatre::assemble(s, defences, births, deaths, attack, spawning)
    }

    /// Like [`Theatre::new`], with defences already computed for a
    /// scenario that shares them (see [`Defences::shared_by`]).
    pub fn with_defences(
        scenario: &'a Scenario,
        defences: std::sync::Arc<Defences>,
    ) -> Theatre<'a> {
        Theatre::assemble(
            scenario,
            defences,
            births_of(scenario),
            deaths_of(scenario),
            AttackLaw::new(&scenario.model),
            spawning_of(scenario),
        )
    }

    /// The theatre of `scenario` with these tables of births and deaths
    /// (each the laws and their hazards), attacks and new cells.
    fn assemble(
        scenario: &'a Scenario,
        defences: std::sync::Arc<Defences>,
        (births, birth_hazard): (Vec<Binomial>, Vec<f64>),
        (deaths, death_hazard): (Binomial, f64),
        attack: AttackLaw,
        spawning: Option<Vec<Poisson>>,
    ) -> Theatre<'a> {
        let s = scenario;
        let mut has_source = vec![false; s.states.len()];
        for &r in &s.network.sources {
            has_source[s.regions[r].state] = true;
        }
        Theatre {
            scenario,
            defences,
            region_state: s.regions.iter().map(|r| r.state as u32).collect(),
            member_region: (0..s.regions.len())
                .map(|r| s.is_member_region(r))
                .collect(),
            indirect_origin: has_source.iter().map(|h| !h).collect(),
            births,
            deaths,
            birth_hazard,
            death_hazard,
            run_weeks: s.run_weeks(),
            attack,
            cell_size: Poisson::new(s.model.cell_size_mean - 1.0),
            spawning,
        }
    }
}

/// The laws of new cells per week and source region, when they are the
/// same in every trial (see [`Theatre`]'s `spawning`).
fn spawning_of(s: &Scenario) -> Option<Vec<Poisson>> {
    s.source.noise.is_none().then(|| {
        (0..s.run_weeks())
            .flat_map(|tau| spawn_laws(s, tau, None))
            .collect()
    })
}

/// Births in an established cell per region: the law and its hazard.
fn births_of(s: &Scenario) -> (Vec<Binomial>, Vec<f64>) {
    let p = |r: &crate::scenario::Region| s.model.growth_rate * (1.0 - r.legitimacy);
    (
        s.regions.iter().map(|r| Binomial::new(p(r))).collect(),
        s.regions.iter().map(|r| weekly_hazard(p(r))).collect(),
    )
}

/// Deaths in an established cell: the law and its hazard.
fn deaths_of(s: &Scenario) -> (Binomial, f64) {
    (
        Binomial::new(s.model.attrition_rate),
        weekly_hazard(s.model.attrition_rate),
    )
}

/// -ln(1 - p): the hazard whose week passes without the event with
/// probability 1 - p (infinite for p = 1).
fn weekly_hazard(p: f64) -> f64 {
    -(-p).ln_1p()
}

/// A small militant cell. `T` is what a [`Recorder`] tags it with: `()`
/// in ordinary runs, so the cell is no larger than the model needs.
#[derive(Debug, Clone)]
pub(crate) struct Cell<T = ()> {
    tag: T,
    /// Its key: the address of its draws.
    id: CellId,
    /// σ_c.
    signature: f64,
    region: u32,
    /// Region left on the last move (`u32::MAX`: none yet).
    previous: u32,
    /// Index into `network.targets`.
    target: u32,
    size: u64,
    experience: u32,
    decisions: u32,
    established: bool,
    /// Established: how many weeks of change it has had, the address of
    /// its next sleep and week of change.
    changes: u32,
    /// Established: the word that decides what its next week of change
    /// brings first (drawn with the waiting time).
    which: u64,
}

impl<T> Cell<T> {
    /// The region the cell is in.
    #[inline(always)]
    pub(crate) fn region(&self) -> u32 {
        self.region
    }

    /// Its size n.
    #[inline(always)]
    pub(crate) fn size(&self) -> u64 {
        self.size
    }
}

/// Buffers reused across trials so that the weekly loop does not allocate.
/// `T` is the cells' [`Recorder::Tag`].
#[derive(Debug)]
pub struct Workspace<T = ()> {
    /// The cells in transit.
    cells: Vec<Cell<T>>,
    /// The established cells, by the week run of their next week of
    /// change ([`fall_asleep`]); one that sleeps past the last week is only
    /// counted.
    calendar: Vec<Vec<Cell<T>>>,
    /// How many established cells are alive.
    established: u64,
    candidates: Vec<Link>,
    /// Utilities of the candidates, then their cumulative logit weights.
    weights: Vec<f64>,
    /// This week's spawning laws, when they differ by trial.
    laws: Vec<Poisson>,
    /// The new cells of a trial that keeps them for no one.
    births: Births,
    /// Where the warm-up weeks record, to be thrown away.
    warmup: TrialRecord,
    /// New cells per week and source region of the trial last run in each
    /// spawning group ([`run_trial_shared`]).
    spawned: Vec<Spawned>,
}

/// The new cells of one trial as the first variant of a spawning group
/// drew them; the group's other variants take them instead of drawing
/// them again (the same words give the same counts). Most source-weeks
/// spawn nothing, so only the others are kept.
#[derive(Debug, Clone, Default)]
struct Spawned {
    /// The trial they are of; `None` until one is kept.
    trial: Option<u64>,
    births: Births,
}

/// A trial's new cells: `(week run, k, n)`, n ≥ 1 new cells at the k-th
/// source region, week by week, sources in order. Most source-weeks
/// spawn nothing, so only the others are kept.
#[derive(Debug, Clone, Default)]
struct Births {
    entries: Vec<(u32, u32, u64)>,
}

/// Where a trial's new cells come from.
enum Spawning<'w> {
    /// Drawn from the spawn stream (into the workspace's scratch).
    Draw,
    /// Drawn, and kept for the other variants of the group.
    Keep(&'w mut Births),
    /// Taken from the group's first variant.
    Take(&'w Births),
}

impl<T> Workspace<T> {
    /// Forgets the new cells kept by [`run_trial_shared`], so that the
    /// next variant of each group draws them again.
    pub fn forget_spawned(&mut self) {
        self.spawned.iter_mut().for_each(|k| k.trial = None);
    }
}

impl<T> Default for Workspace<T> {
    fn default() -> Self {
        Workspace {
            cells: Vec::new(),
            calendar: Vec::new(),
            established: 0,
            candidates: Vec::new(),
            weights: Vec::new(),
            laws: Vec::new(),
            births: Births::default(),
            warmup: TrialRecord::default(),
            spawned: Vec::new(),
        }
    }
}

/// A week of a trial: `run` counts from the first warm-up week and indexes
/// the defences, the spawning laws and the cells' stream keys; `rec` is the
/// week's row in the record (0 in every warm-up week, whose record is
/// thrown away).
#[derive(Debug, Clone, Copy)]
struct Week {
    run: u32,
    rec: usize,
}

/// What became of a cell this week.
enum Fate {
    Alive,
    Removed,
    /// Reached its target this week: it lives on as an established cell,
    /// whose weeks (this one's §3.6 and §3.7 included) are run from its
    /// waiting time ([`fall_asleep`]).
    Established,
}

/// Runs trial `trial` of the variant in `theatre`, writing into `rec`.
///
/// The warm-up weeks (docs/model.md §4a) run first by the same rules into a
/// scratch record that is thrown away; the cells alive at their end carry
/// into week 0 and are counted in `rec.alive_start`.
pub fn run_trial(theatre: &Theatre<'_>, trial: u64, work: &mut Workspace, rec: &mut TrialRecord) {
    run_trial_with(theatre, trial, work, rec, &mut NoRecorder);
}

/// [`run_trial`] for a variant of spawning group `group` (see
/// [`spawning_groups`]): the first variant of the group run for `trial`
/// with this workspace draws the new cells and keeps their counts, the
/// others take them. The record is the one [`run_trial`] gives: the
/// counts depend only on the scenario's seed and spawning rules, which
/// the group's variants share. A workspace serves one set of theatres
/// (group numbers are theirs).
pub fn run_trial_shared(
    theatre: &Theatre<'_>,
    trial: u64,
    group: usize,
    work: &mut Workspace,
    rec: &mut TrialRecord,
) {
    if work.spawned.len() <= group {
        work.spawned.resize_with(group + 1, Spawned::default);
    }
    let mut kept = std::mem::take(&mut work.spawned[group]);
    if kept.trial == Some(trial) {
        run_trial_from(
            theatre,
            trial,
            work,
            rec,
            &mut NoRecorder,
            Spawning::Take(&kept.births),
        );
    } else {
        // `draw_births` replaces what was kept.
        run_trial_from(
            theatre,
            trial,
            work,
            rec,
            &mut NoRecorder,
            Spawning::Keep(&mut kept.births),
        );
        kept.trial = Some(trial);
    }
    work.spawned[group] = kept;
}

/// For each theatre, the first theatre (by index) that spawns exactly as
/// it does: the same seed, weeks, warm-up, source (hardship, recruitment
/// exponent, governance path and noise), source regions and their new
/// cells per week, so the same new cells in every trial. Variants that
/// change only defences share their first one's group.
pub fn spawning_groups(theatres: &[Theatre<'_>]) -> Vec<usize> {
    let same = |a: &Scenario, b: &Scenario| a.seed == b.seed && spawn_alike(a, b);
    theatres
        .iter()
        .enumerate()
        .map(|(v, th)| {
            (0..v)
                .find(|&u| same(theatres[u].scenario, th.scenario))
                .unwrap_or(v)
        })
        .collect()
}

/// Whether `a` and `b` have the same laws of new cells in every week run:
/// the same weeks, warm-up, source (hardship, recruitment exponent,
/// governance path and noise), source regions and their new cells.
fn spawn_alike(a: &Scenario, b: &Scenario) -> bool {
    a.weeks == b.weeks
        && a.warmup_weeks == b.warmup_weeks
        && a.source == b.source
        && a.network.sources == b.network.sources
        && a.network
            .sources
            .iter()
            .all(|&r| a.regions[r].new_cells.to_bits() == b.regions[r].new_cells.to_bits())
}

/// [`run_trial`], telling `recorder` of every cell event. The trial's
/// draws and record are the same whatever the recorder; with
/// [`NoRecorder`] this is `run_trial`, compiled without the calls.
pub fn run_trial_with<R: Recorder>(
    theatre: &Theatre<'_>,
    trial: u64,
    work: &mut Workspace<R::Tag>,
    rec: &mut TrialRecord,
    recorder: &mut R,
) {
    run_trial_from(theatre, trial, work, rec, recorder, Spawning::Draw);
}

fn run_trial_from<R: Recorder>(
    theatre: &Theatre<'_>,
    trial: u64,
    work: &mut Workspace<R::Tag>,
    rec: &mut TrialRecord,
    recorder: &mut R,
    spawning: Spawning<'_>,
) {
    let s = theatre.scenario;
    let (states, directions) = (s.states.len(), 2 * s.borders.len());
    work.cells.clear();
    // Every week's list is emptied in its week, so a trial leaves them all
    // empty for the next.
    debug_assert!(work.calendar.iter().all(Vec::is_empty));
    work.calendar
        .resize_with(theatre.run_weeks as usize, Vec::new);
    work.established = 0;
    let mut source = Source {
        draws: Draws::new(s.seed, trial),
        spawn: streams::stream(s.seed, trial, Stream::Spawn),
        governance: streams::stream(s.seed, trial, Stream::Governance),
        noise: 0.0,
    };
    // The new cells of every week first: the source's two streams are
    // drawn week by week in order as before, and no cell draws from them,
    // so the counts are those the weeks would draw.
    let mut scratch_births = std::mem::take(&mut work.births);
    let births: &Births = match spawning {
        Spawning::Take(births) => births,
        Spawning::Keep(births) => {
            draw_births(theatre, &mut source, &mut work.laws, births);
            births
        }
        Spawning::Draw => {
            draw_births(theatre, &mut source, &mut work.laws, &mut scratch_births);
            &scratch_births
        }
    };
    let mut next = 0;
    if s.warmup_weeks > 0 {
        let mut scratch = std::mem::take(&mut work.warmup);
        scratch.reset(1, states, directions);
        let weeks = 0..s.warmup_weeks;
        run_weeks(
            theatre,
            weeks,
            births,
            &mut next,
            &source.draws,
            work,
            &mut scratch,
            recorder,
        );
        work.warmup = scratch;
    }
    rec.reset(s.weeks as usize, states, directions);
    rec.alive_start = work.cells.len() as u64 + work.established;
    let weeks = s.warmup_weeks..theatre.run_weeks;
    run_weeks(
        theatre,
        weeks,
        births,
        &mut next,
        &source.draws,
        work,
        rec,
        recorder,
    );
    work.births = scratch_births;
    debug_assert!(
        rec.conserves_cells(),
        "conservation of cells broken in trial {trial}"
    );
}

/// Runs the weeks `weeks` (run), the new cells from `births` at `next` on.
/// A week with no cell in transit, no new cell and no established cell's
/// week of change has nothing to run: its levels are the established
/// cells, and such weeks are skipped to the next that has something
/// (most weeks of a quiet scenario). Warm-up weeks record into row 0 of a
/// record that is thrown away.
#[allow(clippy::too_many_arguments)] // the hot loop's state, passed apart to stay borrowable
fn run_weeks<R: Recorder>(
    th: &Theatre<'_>,
    weeks: std::ops::Range<u32>,
    births: &Births,
    next: &mut usize,
    draws: &Draws,
    work: &mut Workspace<R::Tag>,
    rec: &mut TrialRecord,
    recorder: &mut R,
) {
    let warmup = th.scenario.warmup_weeks;
    let row = |run: u32| run.checked_sub(warmup).map_or(0, |t| t as usize);
    let mut run = weeks.start;
    while run < weeks.end {
        if work.cells.is_empty() {
            let born = births
                .entries
                .get(*next)
                .map_or(weeks.end, |&(w, _, _)| w.min(weeks.end));
            let busy = (run..born)
                .find(|&w| !work.calendar[w as usize].is_empty())
                .unwrap_or(born);
            if run >= warmup {
                rec.levels[row(run)..row(busy)].fill([work.established; N_LEVELS]);
            }
            run = busy;
            if run == weeks.end {
                break;
            }
        }
        let week = Week { run, rec: row(run) };
        while let Some(&(w, k, n)) = births.entries.get(*next)
            && w == run
        {
            bear(
                th,
                week,
                k as usize,
                n,
                draws,
                &mut work.cells,
                rec,
                recorder,
            );
            *next += 1;
        }
        live(th, week, draws, work, rec, recorder);
        run += 1;
    }
}

/// The trial's draws: the cells' addressed draws, the source's two
/// sequential streams (every variant draws every one of their words, in
/// the same order), and where governance noise stands.
struct Source {
    draws: Draws,
    spawn: StreamRng,
    governance: StreamRng,
    noise: f64,
}

/// The new cells of every week run of the trial (§3.3–§3.4), into
/// `births`.
fn draw_births(th: &Theatre<'_>, src: &mut Source, laws: &mut Vec<Poisson>, births: &mut Births) {
    births.entries.clear();
    for run in 0..th.run_weeks {
        draw_week(th, run, src, laws, |k, n| {
            if n > 0 {
                births.entries.push((run, k as u32, n));
            }
        });
    }
}

/// §3.3–§3.4's draws for the `run`-th week: this week's governance noise,
/// if any, then new cells at every source region, one word of the spawn
/// stream each; `each(k, n)` for each source region k in order.
fn draw_week(
    th: &Theatre<'_>,
    run: u32,
    src: &mut Source,
    laws: &mut Vec<Poisson>,
    mut each: impl FnMut(usize, u64),
) {
    let s = th.scenario;
    let sources = s.network.sources.len();
    let laws: &[Poisson] = match &th.spawning {
        Some(fixed) => &fixed[run as usize * sources..][..sources],
        None => {
            let noise = s.source.noise.map(|n| {
                let draw: f64 = StandardNormal.sample(&mut src.governance);
                src.noise = (1.0 - n.reversion) * src.noise + n.sd * draw;
                src.noise
            });
            laws.clear();
            laws.extend(spawn_laws(s, run, noise));
            laws
        }
    };
    for (k, law) in laws.iter().enumerate() {
        each(k, law.draw(src.spawn.next_u64()));
    }
}

/// `n` new cells at the k-th source region in week `t`.
#[allow(clippy::too_many_arguments)] // the hot loop's state, passed apart to stay borrowable
fn bear<R: Recorder>(
    th: &Theatre<'_>,
    t: Week,
    k: usize,
    n: u64,
    draws: &Draws,
    cells: &mut Vec<Cell<R::Tag>>,
    rec: &mut TrialRecord,
    recorder: &mut R,
) {
    let s = th.scenario;
    rec.counters[t.rec][Counter::NewCells as usize] += n;
    for j in 0..n {
        let tag = R::tag(k as u32, t.run, j as u32);
        let id = CellId {
            source: k as u32,
            week: t.run,
            index: j as u32,
        };
        let cell = spawn_cell(th, draws, id, s.network.sources[k], tag);
        let target = s.network.targets[cell.target as usize] as u32;
        recorder.event(
            tag,
            Event::at(t.run, EventKind::Spawned, &cell).towards(target, None),
        );
        cells.push(cell);
    }
}

/// Poisson(λ_r Γ(t)^η) per source region in the `tau`-th week run,
/// Γ(t) = H (1 - G(t)), with G moved by this week's governance noise `z`,
/// if any (§3.3–§3.4). In the warm-up G holds its week-0 value.
fn spawn_laws(s: &Scenario, tau: u32, z: Option<f64>) -> impl Iterator<Item = Poisson> + '_ {
    let mut g = s.source.governance.at(s.schedule_week(tau));
    if let Some(z) = z {
        g = (g + z).clamp(0.0, 1.0);
    }
    let grievance = s.source.hardship * (1.0 - g);
    let recruit = if grievance == 0.0 && s.source.recruitment_exponent == 0.0 {
        1.0
    } else {
        grievance.powf(s.source.recruitment_exponent)
    };
    let sources = s.network.sources.iter();
    sources.map(move |&r| Poisson::new(s.regions[r].new_cells * recruit))
}

/// §3.5–§3.7 for every cell alive in week `t`: the cells in transit,
/// then the established cells whose week of change this is (an
/// established cell's quiet weeks are skipped, §7.1 of docs/model.md),
/// removing those whose life ends; then the levels at the end of the week.
fn live<R: Recorder>(
    th: &Theatre<'_>,
    t: Week,
    draws: &Draws,
    work: &mut Workspace<R::Tag>,
    rec: &mut TrialRecord,
    recorder: &mut R,
) {
    let Workspace {
        cells,
        calendar,
        established,
        candidates,
        weights,
        ..
    } = work;
    // The levels of the cells in transit are tallied in the same pass,
    // while each is at hand.
    let mut levels = [0u64; N_LEVELS];
    // Most weeks of a quiet scenario have no cell in transit and no week
    // of change: the two passes are skipped.
    if !cells.is_empty() {
        transit_week(
            th,
            t,
            draws,
            cells,
            calendar,
            established,
            (candidates, weights),
            rec,
            recorder,
            &mut levels,
        );
    }
    if !calendar[t.run as usize].is_empty() {
        wake_week(th, t, draws, calendar, established, rec, recorder);
    }
    levels[Level::Alive as usize] += *established;
    levels[Level::CellsInAlliance as usize] += *established;
    levels[Level::Established as usize] = *established;
    rec.levels[t.rec] = levels;
}

/// §3.5–§3.7 for the cells in transit in week `t`, tallying their levels;
/// a cell that reaches its target goes to sleep ([`fall_asleep`]).
#[allow(clippy::too_many_arguments)] // the hot loop's state, passed apart to stay borrowable
fn transit_week<R: Recorder>(
    th: &Theatre<'_>,
    t: Week,
    draws: &Draws,
    cells: &mut Vec<Cell<R::Tag>>,
    calendar: &mut [Vec<Cell<R::Tag>>],
    established: &mut u64,
    (candidates, weights): (&mut Vec<Link>, &mut Vec<f64>),
    rec: &mut TrialRecord,
    recorder: &mut R,
    levels: &mut [u64; N_LEVELS],
) {
    cells.retain_mut(|cell| {
        match cell_week(th, draws, cell, t, candidates, weights, rec, recorder) {
            Fate::Removed => false,
            Fate::Alive => {
                levels[Level::Alive as usize] += 1;
                levels[Level::CellsInAlliance as usize] +=
                    u64::from(th.member_region[cell.region as usize]);
                true
            }
            Fate::Established => {
                *established += 1;
                put_to_sleep(th, draws, calendar, cell.clone(), t.run);
                false
            }
        }
    });
}

/// The weeks of change of the established cells whose week `t` is (§3.6,
/// §3.7), each going back to sleep unless its life ends.
fn wake_week<R: Recorder>(
    th: &Theatre<'_>,
    t: Week,
    draws: &Draws,
    calendar: &mut [Vec<Cell<R::Tag>>],
    established: &mut u64,
    rec: &mut TrialRecord,
    recorder: &mut R,
) {
    let mut waking = std::mem::take(&mut calendar[t.run as usize]);
    for mut cell in waking.drain(..) {
        let mut words = CellWeek::new(draws, cell.id, cell.changes);
        if let Fate::Removed = wake(th, &mut cell, t, &mut words, rec, recorder) {
            *established -= 1;
            continue;
        }
        cell.changes += 1;
        put_to_sleep(th, draws, calendar, cell, t.run + 1);
    }
    // The emptied list keeps its room for the next trial.
    calendar[t.run as usize] = waking;
}

/// Puts an established cell to sleep from week `from` on, with the words
/// of its next sleep ([`fall_asleep`]), and files it under its week of
/// change; one that sleeps past the last week is only counted.
fn put_to_sleep<T>(
    th: &Theatre<'_>,
    draws: &Draws,
    calendar: &mut [Vec<Cell<T>>],
    mut cell: Cell<T>,
    from: u32,
) {
    let sleep = draws.cell(Purpose::Sleep, cell.id, cell.changes);
    if let Some(w) = fall_asleep(th, &mut cell, from, sleep) {
        calendar[w as usize].push(cell);
    }
}

/// A new cell `id` at source region `r` (§3.4), drawing size and target
/// from the two words at (new cell, week of spawn, its key).
fn spawn_cell<T>(th: &Theatre<'_>, draws: &Draws, id: CellId, r: usize, tag: T) -> Cell<T> {
    let s = th.scenario;
    let [size_word, target_word] = draws.cell(Purpose::NewCell, id, id.week);
    let size = 1 + th.cell_size.draw(size_word);
    let u = unit(target_word);
    let draw = &s.network.target_draw[id.source as usize];
    let pick = draw.partition_point(|&(_, c)| c <= u).min(draw.len() - 1);
    Cell {
        tag,
        id,
        signature: s.model.signature_start,
        region: r as u32,
        previous: u32::MAX,
        target: draw[pick].0 as u32,
        size,
        experience: 0,
        decisions: 0,
        established: false,
        changes: 0,
        which: 0,
    }
}

/// One week of one cell in transit: §3.5, then §3.6 inside member
/// territory, then §3.7; a cell that reaches its target leaves the rest of
/// its week to [`fall_asleep`].
#[allow(clippy::too_many_arguments)] // the hot loop's state, passed apart to stay borrowable
fn cell_week<R: Recorder>(
    th: &Theatre<'_>,
    draws: &Draws,
    cell: &mut Cell<R::Tag>,
    t: Week,
    candidates: &mut Vec<Link>,
    weights: &mut Vec<f64>,
    rec: &mut TrialRecord,
    recorder: &mut R,
) -> Fate {
    let mut words = CellWeek::new(draws, cell.id, t.run);
    if let Fate::Removed = transit_move(th, cell, t, &mut words, candidates, weights, rec, recorder)
    {
        return Fate::Removed;
    }
    if cell.established {
        return Fate::Established;
    }
    if th.member_region[cell.region as usize]
        && let Fate::Removed = inside_territory(th, cell, t, &mut words, rec, recorder)
    {
        return Fate::Removed;
    }
    expose(th, cell, t.run);
    Fate::Alive
}

/// §3.7: σ <- 1 - (1 - σ) exp(-ν e) for the state the cell stands in.
#[inline]
fn expose<T>(th: &Theatre<'_>, cell: &mut Cell<T>, run: u32) {
    let state = th.region_state[cell.region as usize] as usize;
    cell.signature = 1.0 - (1.0 - cell.signature) * th.defences.exposure(run, state);
}

/// §3.5 for one transit cell.
#[allow(clippy::too_many_arguments)] // the hot loop's state, passed apart to stay borrowable
fn transit_move<R: Recorder>(
    th: &Theatre<'_>,
    cell: &mut Cell<R::Tag>,
    t: Week,
    words: &mut impl Words,
    candidates: &mut Vec<Link>,
    weights: &mut Vec<f64>,
    rec: &mut TrialRecord,
    recorder: &mut R,
) -> Fate {
    let s = th.scenario;
    let m = &s.model;
    if cell.decisions >= m.max_transit_weeks {
        rec.counters[t.rec][Counter::Abandoned as usize] += 1;
        recorder.event(cell.tag, Event::at(t.run, EventKind::Abandoned, cell));
        return Fate::Removed;
    }
    cell.decisions += 1;
    let u = cell.region as usize;
    candidates.clear();
    candidates.extend(
        s.network.neighbours[u]
            .iter()
            .filter(|l| th.defences.is_open(t.run, l.border as usize)),
    );
    if candidates.len() > 1 {
        candidates.retain(|l| l.to != cell.previous);
    }
    if candidates.is_empty() {
        return Fate::Alive; // waits
    }
    // Multinomial logit over candidates, stabilised by the largest utility.
    // Each utility is computed once, then turned into a cumulative weight in
    // place.
    let hops = &s.network.hops[cell.target as usize];
    let utility = |l: &Link| -> f64 {
        let d = hops[l.to as usize];
        if d == u32::MAX {
            return f64::NEG_INFINITY;
        }
        let risk = if s.borders[l.border as usize].is_segment() {
            let v_state = th.region_state[l.to as usize] as usize;
            detection(th, cell.signature, t.run, l, v_state) * th.defences.interdict(t.run, v_state)
        } else {
            0.0
        };
        -m.route_risk_aversion * risk - m.route_distance_weight * f64::from(d)
    };
    let i = if let [only] = candidates[..] {
        // One way on: the logit's one outcome, whatever the uniform, once
        // the utility is above -∞ (as `choose` over the one weight e^0 = 1
        // gives), so the route's word is not needed.
        // NaN waits, as the fold of the maximum leaves -∞ then.
        let u = utility(&only);
        if u.is_nan() || u == f64::NEG_INFINITY {
            return Fate::Alive;
        }
        0
    } else {
        weights.clear();
        weights.extend(candidates.iter().map(utility));
        let best = weights.iter().fold(f64::NEG_INFINITY, |b, &u| b.max(u));
        if best == f64::NEG_INFINITY {
            return Fate::Alive;
        }
        let mut acc = 0.0;
        for w in weights.iter_mut() {
            // e^0 = 1 exactly: the best candidate's term needs no `exp`.
            acc += if *w == best && best.is_finite() {
                1.0
            } else {
                (*w - best).exp()
            };
            *w = acc;
        }
        let Some(i) = streams::choose(unit(words.word(Slot::Route)), weights) else {
            return Fate::Alive;
        };
        i
    };
    let link = candidates[i];
    let v = link.to as usize;
    let on = |kind| Event::at(t.run, kind, cell).towards(link.to, Some(link.border));
    if s.borders[link.border as usize].is_segment() {
        let v_state = th.region_state[v] as usize;
        let d = link.direction as usize;
        rec.add_direction(t.rec, d, DirectionMetric::Attempts);
        rec.counters[t.rec][Counter::Attempts as usize] += 1;
        recorder.event(cell.tag, on(EventKind::Attempted));
        let p_detect = detection(th, cell.signature, t.run, &link, v_state);
        if unit(words.word(Slot::Detect)) < p_detect {
            rec.add_direction(t.rec, d, DirectionMetric::Detections);
            rec.counters[t.rec][Counter::Detections as usize] += 1;
            recorder.event(cell.tag, on(EventKind::Detected));
            if unit(words.word(Slot::Interdict)) < th.defences.interdict(t.run, v_state) {
                rec.add_direction(t.rec, d, DirectionMetric::Interdictions);
                rec.counters[t.rec][Counter::BorderInterdictions as usize] += 1;
                if th.member_region[v] {
                    rec.add_state(t.rec, v_state, StateMetric::BorderInterdictions, 1);
                }
                recorder.event(cell.tag, on(EventKind::InterdictedAtBorder));
                return Fate::Removed;
            }
            recorder.event(cell.tag, on(EventKind::Repelled));
            cell.signature = 1.0 - (1.0 - cell.signature) * (1.0 - m.repel_flag);
            return Fate::Alive; // repelled: stays, previous region unchanged
        }
        rec.add_direction(t.rec, d, DirectionMetric::Crossings);
        let mut crossing = EventKind::Crossed;
        if th.member_region[v] && !th.member_region[u] {
            rec.counters[t.rec][Counter::Entries as usize] += 1;
            rec.add_state(t.rec, v_state, StateMetric::Entries, 1);
            crossing = EventKind::Entered;
            if th.indirect_origin[th.region_state[u] as usize] {
                rec.counters[t.rec][Counter::IndirectEntries as usize] += 1;
                crossing = EventKind::EnteredIndirect;
            }
        }
        recorder.event(cell.tag, on(crossing));
    } else {
        recorder.event(cell.tag, on(EventKind::Moved));
    }
    cell.previous = cell.region;
    cell.region = v as u32;
    if s.network.targets[cell.target as usize] == v {
        cell.established = true;
        rec.counters[t.rec][Counter::NewlyEstablished as usize] += 1;
        recorder.event(cell.tag, Event::at(t.run, EventKind::Established, cell));
    }
    Fate::Alive
}

/// p_detect = 1 - (1 - p_patrol)(1 - σ e_v) for this cell on `link`.
#[inline]
fn detection(th: &Theatre<'_>, signature: f64, t: u32, link: &Link, v_state: usize) -> f64 {
    let patrol = th.defences.patrol(t, link.direction as usize);
    let cue = signature * th.defences.effect(t, v_state);
    1.0 - (1.0 - patrol) * (1.0 - cue)
}

/// §3.6 for a transit cell in a member region: interdiction with
/// probability 1 - e^(-μ).
fn inside_territory<R: Recorder>(
    th: &Theatre<'_>,
    cell: &mut Cell<R::Tag>,
    t: Week,
    words: &mut impl Words,
    rec: &mut TrialRecord,
    recorder: &mut R,
) -> Fate {
    let state = th.region_state[cell.region as usize] as usize;
    let mu = interior_hazard(th, t.run, state, cell.signature);
    if happens(unit(words.word(Slot::Inside)), mu) {
        interdicted_inside(cell, t, state, rec, recorder);
        return Fate::Removed;
    }
    Fate::Alive
}

/// μ = μ0 · e_s · (0.5 + 0.5 σ) · (1 + φ R_s) (§3.6) of a cell of
/// signature σ in state `state` in week `run`.
#[inline]
fn interior_hazard(th: &Theatre<'_>, run: u32, state: usize, signature: f64) -> f64 {
    th.defences.interior_hazard(run, state) * (0.5 + 0.5 * signature)
}

/// Counts an interdiction inside member territory.
fn interdicted_inside<R: Recorder>(
    cell: &Cell<R::Tag>,
    t: Week,
    state: usize,
    rec: &mut TrialRecord,
    recorder: &mut R,
) {
    rec.counters[t.rec][Counter::InteriorInterdictions as usize] += 1;
    rec.add_state(t.rec, state, StateMetric::InteriorInterdictions, 1);
    recorder.event(
        cell.tag,
        Event::at(t.run, EventKind::InterdictedInside, cell),
    );
}

/// The hazards of an established cell's week (§3.6): births and deaths
/// (n times [`weekly_hazard`]), an attack a and an interdiction μ. The
/// week is quiet (no birth, no death, no event) with probability
/// e^-(births + deaths + a + μ).
#[derive(Debug, Clone, Copy)]
struct Hazards {
    births: f64,
    deaths: f64,
    attack: f64,
    interdiction: f64,
}

impl Hazards {
    /// A cell's hazards in week `run`, its signature as it stands.
    #[inline]
    fn of<T>(th: &Theatre<'_>, cell: &Cell<T>, run: u32) -> Hazards {
        let state = th.region_state[cell.region as usize] as usize;
        let (births, deaths, attack) = Hazards::standing(th, cell);
        Hazards {
            births,
            deaths,
            attack,
            interdiction: interior_hazard(th, run, state, cell.signature),
        }
    }

    /// Births, deaths and attack: the hazards that stand still while the
    /// cell sleeps (its size and experience do not change).
    #[inline]
    fn standing<T>(th: &Theatre<'_>, cell: &Cell<T>) -> (f64, f64, f64) {
        let n = cell.size as f64;
        let attack = th
            .attack
            .hazard(&th.scenario.model, cell.size, cell.experience);
        (
            n * th.birth_hazard[cell.region as usize],
            n * th.death_hazard,
            attack,
        )
    }
}

/// Finds an established cell's next week of change, from week `from` (run)
/// on: the first week that is not quiet. A week is quiet with probability
/// e^-h(t), h(t) = births + deaths + a + μ(t) (the sizes and experience
/// stand still while it sleeps; μ follows the defences and the signature,
/// which exposure raises each week); so with W = -ln(1 - u) for the
/// uniform `u` of `wait_word`, the week of change is the first t with
/// h(from) + … + h(t) > W (P = 1 - e^-h(t) in each week reached, as one
/// draw a week would give). The walk runs §3.7 over the quiet weeks and
/// leaves the signature as it stands at the start of the week found. The
/// block's second word is kept to decide what that week brings first.
/// `None`: the cell sleeps past the last week.
fn fall_asleep<T>(
    th: &Theatre<'_>,
    cell: &mut Cell<T>,
    from: u32,
    [wait_word, which]: [u64; 2],
) -> Option<u32> {
    cell.which = which;
    let state = th.region_state[cell.region as usize] as usize;
    let (births, deaths, attack) = Hazards::standing(th, cell);
    let still = births + deaths + attack;
    // W = -ln(1 - u); 1 - u is exact for u on the 2^-53 grid.
    let wait = -(1.0 - unit(wait_word)).ln();
    let mut sum = 0.0;
    for run in from..th.run_weeks {
        sum += still + interior_hazard(th, run, state, cell.signature);
        if sum > wait {
            return Some(run);
        }
        expose(th, cell, run);
    }
    None
}

/// An established cell's week of change `t` (§3.6, then §3.7): what
/// happens in it is drawn given that the week is not quiet. With B births,
/// D deaths (on the old size) and E the event:
///
/// * an event alone (B = D = 0) with probability
///   e^-(births + deaths) (1 - e^-(a + μ)) / (1 - e^-h);
/// * otherwise B > 0 with probability (1 - e^-births) / (1 - e^-(births +
///   deaths)), B drawn given B ≥ 1 and D as usual, else B = 0 and D given
///   D ≥ 1; the size changes (0 dissolves the cell) and the event happens
///   with its usual probability 1 - e^-(a + μ) on the new size.
///
/// An event is an interdiction with probability μ / (a + μ), else an
/// attack. Together this is one week of §3.6 given that something happens.
fn wake<R: Recorder>(
    th: &Theatre<'_>,
    cell: &mut Cell<R::Tag>,
    t: Week,
    words: &mut impl Words,
    rec: &mut TrialRecord,
    recorder: &mut R,
) -> Fate {
    let m = &th.scenario.model;
    let r = cell.region as usize;
    let state = th.region_state[r] as usize;
    let h = Hazards::of(th, cell, t.run);
    // P(births or deaths) = 1 - e^-(births + deaths); P(event) = 1 - e^-(a + μ).
    let grows = -(-(h.births + h.deaths)).exp_m1();
    let fires = -(-(h.attack + h.interdiction)).exp_m1();
    let alone = (1.0 - grows) * fires / (grows + (1.0 - grows) * fires);
    let mut attack = h.attack;
    if unit(cell.which) >= alone {
        let births_first = -(-h.births).exp_m1() / grows;
        let n = cell.size;
        let (born, died) = if unit(words.word(Slot::Side)) < births_first {
            (
                th.births[r].draw_positive(words.word(Slot::Births), n),
                th.deaths.draw(words.word(Slot::Deaths), n),
            )
        } else {
            (0, th.deaths.draw_positive(words.word(Slot::Deaths), n))
        };
        cell.size = (n + born).saturating_sub(died);
        if cell.size == 0 {
            rec.counters[t.rec][Counter::Dissolved as usize] += 1;
            recorder.event(cell.tag, Event::at(t.run, EventKind::Dissolved, cell));
            return Fate::Removed;
        }
        attack = th.attack.hazard(m, cell.size, cell.experience);
        if !happens(unit(words.word(Slot::Event)), attack + h.interdiction) {
            expose(th, cell, t.run);
            return Fate::Alive;
        }
    }
    if unit(words.word(Slot::EventKind)) < h.interdiction / (attack + h.interdiction) {
        interdicted_inside(cell, t, state, rec, recorder);
        return Fate::Removed;
    }
    let severity = streams::severity(
        words.word(Slot::Severity),
        m.severity_exponent,
        m.severity_cap,
    );
    let week = &mut rec.counters[t.rec];
    week[Counter::Attacks as usize] += 1;
    // Severities saturate rather than wrap: a trial would need some 10^10
    // cell-weeks at the largest severity cap to come near 2^64.
    let in_week = &mut week[Counter::Severity as usize];
    *in_week = in_week.saturating_add(severity);
    rec.add_state(t.rec, state, StateMetric::Attacks, 1);
    rec.add_state(t.rec, state, StateMetric::Severity, severity);
    rec.first_attack_week.get_or_insert(t.rec as u32);
    cell.experience += 1;
    cell.signature = 1.0 - (1.0 - cell.signature) * (1.0 - m.attack_flag);
    let mut attack = Event::at(t.run, EventKind::Attacked, cell);
    attack.severity = severity;
    recorder.event(cell.tag, attack);
    expose(th, cell, t.run);
    Fate::Alive
}

/// Whether an event of weekly hazard `h` happens, given the uniform `u`:
/// u < 1 - e^(-h), compared exactly as written.
///
/// Most cell-weeks are decided without the `exp`: since 1 - e^(-h) <= h
/// for every h, a uniform at or above h + 1e-9 cannot be below the computed
/// 1 - e^(-h), which is within a few 1e-16 of the true value (an `exp`
/// accurate to an ulp, and a subtraction that is exact or nearly). The
/// margin leaves six orders of magnitude to spare, so every outcome is the
/// same to the bit; for NaN h the full comparison runs, as before.
#[inline]
fn happens(u: f64, h: f64) -> bool {
    const MARGIN: f64 = 1e-9;
    if u >= h + MARGIN {
        return false;
    }
    u < 1.0 - (-h).exp()
}

/// a = a0 · n^β · (1 + k)^γ (§3.6).
pub(crate) fn attack_hazard(m: &ModelParams, size: u64, experience: u32) -> f64 {
    m.attack_hazard * size_power(m, size) * experience_power(m, experience)
}

/// n^β.
fn size_power(m: &ModelParams, size: u64) -> f64 {
    (size as f64).powf(m.attack_size_exponent)
}

/// (1 + k)^γ.
fn experience_power(m: &ModelParams, experience: u32) -> f64 {
    (1.0 + f64::from(experience)).powf(m.attack_experience_exponent)
}

/// [`attack_hazard`] with both powers tabulated for small sizes and
/// experience: two `powf` per established cell-week were a fifth of a
/// trial's cost. The tables hold the values `powf` returns, multiplied in the
/// same order, so the hazard is the same to the bit.
#[derive(Debug, Clone)]
struct AttackLaw {
    /// `size_power[n]` = n^β.
    size_power: Vec<f64>,
    /// `experience_power[k]` = (1 + k)^γ.
    experience_power: Vec<f64>,
}

impl AttackLaw {
    /// Sizes and experience below these are tabulated.
    const SIZES: u64 = 128;
    const EXPERIENCE: u32 = 64;

    fn new(m: &ModelParams) -> AttackLaw {
        AttackLaw {
            size_power: (0..Self::SIZES).map(|n| size_power(m, n)).collect(),
            experience_power: (0..Self::EXPERIENCE)
                .map(|k| experience_power(m, k))
                .collect(),
        }
    }

    /// a for a cell of `size` with `experience` attacks behind it.
    #[inline]
    fn hazard(&self, m: &ModelParams, size: u64, experience: u32) -> f64 {
        let n = usize::try_from(size).map_or(None, |i| self.size_power.get(i));
        match (n, self.experience_power.get(experience as usize)) {
            (Some(n), Some(k)) => m.attack_hazard * n * k,
            _ => untabulated_attack_hazard(m, size, experience),
        }
    }
}

/// [`attack_hazard`], out of line: `powf` has no side effects, so when
/// inlined the compiler may compute it before looking at the tables.
#[cold]
#[inline(never)]
fn untabulated_attack_hazard(m: &ModelParams, size: u64, experience: u32) -> f64 {
    attack_hazard(m, size, experience)
}

#[cfg(test)]
#[path = "trial_rules.rs"]
mod rules;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TrialRecord;
    use crate::scenario::load_str;
    use rand::SeedableRng;

    pub(super) fn scenario(text: &str) -> Scenario {
        match load_str("test.toml", "test", text, &[]) {
            Ok(set) => set.base,
            Err(d) => panic!("invalid test scenario:\n{d}"),
        }
    }

    /// Runs `trials` trials and returns every record.
    pub(super) fn records(s: &Scenario, trials: u64) -> Vec<TrialRecord> {
        let th = Theatre::new(s);
        let mut work = Workspace::default();
        (0..trials)
            .map(|i| {
                let mut rec = TrialRecord::default();
                run_trial(&th, i, &mut work, &mut rec);
                rec
            })
            .collect()
    }

    pub(super) fn sum(recs: &[TrialRecord], f: impl Fn(&TrialRecord) -> u64) -> f64 {
        recs.iter().map(f).sum::<u64>() as f64
    }

    /// `hits` of `n` Bernoulli(p) trials, within 4 binomial standard errors.
    pub(super) fn assert_binomial(hits: f64, n: f64, p: f64, what: &str) {
        let se = (p * (1.0 - p) / n).sqrt();
        assert!(
            n > 500.0,
            "{what}: too few events ({n}) for a meaningful test"
        );
        assert!(
            (hits / n - p).abs() < 4.0 * se,
            "{what}: {} vs {p} (se {se}, n {n})",
            hits / n
        );
    }

    /// One border from SRC_N into MEM_S; `model` and `mem` are TOML lines
    /// added to [model] and to the member state.
    pub(super) fn one_border(model: &str, mem: &str, weeks: u32) -> Scenario {
        scenario(&format!(
            r#"
[scenario]
weeks = {weeks}
trials = 1
seed = 11
[model]
{model}
[[states]]
id = "SRC"
role = "other"
[[states]]
id = "MEM"
role = "member"
{mem}
[[regions]]
id = "SRC_N"
state = "SRC"
population = 1.0
new_cells = 2.0
[[regions]]
id = "MEM_S"
state = "MEM"
population = 1.0
[[borders]]
a = "SRC_N"
b = "MEM_S"
length_km = 500
terrain = "river"
"#
        ))
    }

    /// Variants that spawn alike take the new cells of their group's first
    /// variant: every record is the one `run_trial` gives, with governance
    /// noise (laws drawn per trial) and without (laws fixed), also when a
    /// variant of another group runs between two of a group, and the groups
    /// follow the source (kills `run_trial_shared` taking counts from the
    /// wrong trial or group, and `spawning_groups` grouping too much).
    /// Runs `trial` of `th` in spawning group `group` with `work` and
    /// checks its record against the trial run alone; returns the record.
    fn shared_is_alone(
        th: &Theatre<'_>,
        trial: u64,
        group: usize,
        work: &mut Workspace,
        what: &str,
    ) -> TrialRecord {
        let mut shared = TrialRecord::default();
        run_trial_shared(th, trial, group, work, &mut shared);
        let mut alone = TrialRecord::default();
        run_trial(th, trial, &mut Workspace::default(), &mut alone);
        assert!(shared == alone, "trial {trial}, group {group}: {what}");
        shared
    }

    #[test]
    fn shared_spawning_gives_the_records_of_separate_runs() {
        let budget = "budget = 1.0\nallocation = { border = 1.0, intel = 0.0, readiness = 0.0 }";
        for noise in ["", "governance_noise = { sd = 0.2, reversion = 0.3 }"] {
            let source = |hardship: f64| format!("\n[source]\nhardship = {hardship}\n{noise}");
            let scenarios = [
                one_border("", &format!("{budget}{}", source(0.7)), 40),
                one_border("", &format!("{budget}{}", source(0.9)), 40),
                one_border(
                    "",
                    &format!("{}{}", budget.replace("1.0\n", "3.0\n"), source(0.7)),
                    40,
                ),
                one_border(
                    "",
                    &format!("{}{}", budget.replace("1.0\n", "0.2\n"), source(0.9)),
                    40,
                ),
            ];
            let theatres: Vec<Theatre<'_>> = scenarios.iter().map(Theatre::new).collect();
            let groups = spawning_groups(&theatres);
            assert_eq!(groups, [0, 1, 0, 1], "{noise}");
            let mut work = Workspace::default();
            let mut spawned = [0u64; 4];
            for trial in 0..60 {
                // Kept counts are of one trial: forgetting them is not
                // needed for the next.
                if trial % 2 == 0 {
                    work.forget_spawned();
                }
                for (v, th) in theatres.iter().enumerate() {
                    let shared = shared_is_alone(th, trial, groups[v], &mut work, noise);
                    spawned[v] += shared.total(Counter::NewCells);
                }
            }
            // The groups spawn differently, so taking the wrong one shows.
            assert_eq!((spawned[0], spawned[1]), (spawned[2], spawned[3]));
            assert_ne!(spawned[0], spawned[1]);
            assert!(spawned[0] > 100, "{spawned:?}");
            // A workspace moving to another set of theatres (another point
            // of a study, where group 0 spawns otherwise) forgets first.
            for trial in 0..20 {
                work.forget_spawned();
                run_trial_shared(
                    &theatres[0],
                    trial,
                    0,
                    &mut work,
                    &mut TrialRecord::default(),
                );
                work.forget_spawned();
                shared_is_alone(&theatres[1], trial, 0, &mut work, noise);
            }
        }
        // The default scenario: every variant's record, shared, is its own.
        let set = load_str(
            "csto-southern-frontier.toml",
            "csto-southern-frontier",
            include_str!("../../scenarios/csto-southern-frontier.toml"),
            &[],
        )
        .expect("the default scenario");
        let mut all = vec![&set.base];
        all.extend(set.variants.iter().map(|v| &v.scenario));
        let theatres: Vec<Theatre<'_>> = all.iter().map(|s| Theatre::new(s)).collect();
        let groups = spawning_groups(&theatres);
        assert!(groups.iter().filter(|&&g| g == 0).count() > 1, "{groups:?}");
        let mut work = Workspace::default();
        for trial in 0..6 {
            work.forget_spawned();
            for (v, th) in theatres.iter().enumerate() {
                shared_is_alone(th, trial, groups[v], &mut work, &format!("default, {v}"));
            }
        }
        // Another seed, or other weeks, is another group.
        let a = one_border("", budget, 40);
        let mut b = a.clone();
        b.seed += 1;
        let mut c = a.clone();
        c.weeks += 1;
        let mut d = a.clone();
        d.warmup_weeks += 4;
        let mut e = a.clone();
        e.regions[0].new_cells *= 2.0;
        let all = [&a, &b, &c, &d, &e, &a];
        let theatres: Vec<Theatre<'_>> = all.iter().map(|s| Theatre::new(s)).collect();
        assert_eq!(spawning_groups(&theatres), [0, 1, 2, 3, 4, 0]);
    }

    #[test]
    fn border_detection_and_interdiction_match_the_law() {
        // Intelligence off (no intel budget: e = 0, so no cue), readiness held
        // at 0.5 (no readiness spending, no decay): q = 0.5 + 0.4 · 0.5.
        let s = one_border(
            "readiness_half_life = inf",
            "budget = 0.5\nallocation = { border = 1.0, intel = 0.0, readiness = 0.0 }\ninitial = { readiness = 0.5 }",
            52,
        );
        let d = Defences::compute(&s);
        let p_patrol = d.patrol(0, 0);
        assert!((d.patrol(51, 0) - p_patrol).abs() < 1e-12);
        assert!(
            p_patrol > 0.2 && p_patrol < 0.8,
            "p_patrol {p_patrol} should be informative"
        );
        let recs = records(&s, 400);
        let attempts = sum(&recs, |r| {
            r.by_direction[0][DirectionMetric::Attempts as usize]
        });
        let detections = sum(&recs, |r| {
            r.by_direction[0][DirectionMetric::Detections as usize]
        });
        let interdictions = sum(&recs, |r| {
            r.by_direction[0][DirectionMetric::Interdictions as usize]
        });
        assert_binomial(detections, attempts, p_patrol, "detections / attempts");
        assert_binomial(interdictions, detections, 0.7, "interdictions / detections");
    }

    #[test]
    fn spawning_follows_poisson_of_lambda_times_grievance_to_eta() {
        let s = one_border(
            "",
            "budget = 1.0\nallocation = { border = 1.0, intel = 0.0, readiness = 0.0 }",
            30,
        );
        let recs = records(&s, 500);
        // Defaults: H = 0.7, G = 0.3, η = 1.5; λ = 2 per week.
        let mean = 2.0 * (0.7f64 * 0.7).powf(1.5) * 30.0;
        let got = sum(&recs, |r| r.total(Counter::NewCells)) / 500.0;
        let se = (mean / 500.0).sqrt();
        assert!((got - mean).abs() < 4.0 * se, "{got} vs {mean}");
    }

    #[test]
    fn cells_choose_routes_by_the_logit_of_risk_and_distance() {
        // Two unguarded ways into MEM: straight into the target A, or into B,
        // one hop from A. P(A) = 1 / (1 + e^-λd).
        let s = scenario(
            r#"
[scenario]
weeks = 60
trials = 1
seed = 3
[[states]]
id = "SRC"
role = "other"
[[states]]
id = "MEM"
role = "member"
budget = 1.0
allocation = { border = 0.0, intel = 0.0, readiness = 1.0 }
[[regions]]
id = "SRC_N"
state = "SRC"
population = 1.0
new_cells = 3.0
[[regions]]
id = "A"
state = "MEM"
population = 1.0
[[regions]]
id = "B"
state = "MEM"
population = 1.0
target_weight = 0
[[borders]]
a = "SRC_N"
b = "A"
length_km = 100
terrain = "plain"
[[borders]]
a = "SRC_N"
b = "B"
length_km = 100
terrain = "plain"
[[borders]]
a = "A"
b = "B"
"#,
        );
        let recs = records(&s, 200);
        let to_a = sum(&recs, |r| {
            r.by_direction[0][DirectionMetric::Attempts as usize]
        });
        let to_b = sum(&recs, |r| {
            r.by_direction[2][DirectionMetric::Attempts as usize]
        });
        assert_binomial(
            to_a,
            to_a + to_b,
            1.0 / (1.0 + (-1.0f64).exp()),
            "share of attempts straight at the target",
        );
    }

    #[test]
    fn established_cells_attack_at_the_base_hazard() {
        // No detection, no intelligence (μ = 0), size 1, no growth, γ = 0:
        // each established cell-week attacks with probability 1 - e^-a0,
        // at a low hazard and at a high one, where a cell attacks in most
        // weeks and so sleeps again straight after most of its weeks of
        // change (kills the next sleep starting in the week of change
        // rather than the week after, which loses the cell).
        for a0 in [0.05f64, 0.7] {
            let s = one_border(
                &format!(
                    "attack_hazard = {a0}\nattack_experience_exponent = 0\ncell_size_mean = 1\ngrowth_rate = 0\nattrition_rate = 0"
                ),
                "budget = 1.0\nallocation = { border = 0.0, intel = 0.0, readiness = 1.0 }",
                40,
            );
            let recs = records(&s, 300);
            let cell_weeks = sum(&recs, |r| {
                r.levels
                    .iter()
                    .map(|l| l[Level::Established as usize])
                    .sum()
            });
            let attacks = sum(&recs, |r| r.total(Counter::Attacks));
            assert_binomial(
                attacks,
                cell_weeks,
                1.0 - (-a0).exp(),
                &format!("attacks per established cell-week at a0 = {a0}"),
            );
        }
    }

    #[test]
    fn attack_hazard_grows_with_size_and_experience() {
        let m = ModelParams::default();
        let a = attack_hazard(&m, 4, 2);
        let want = 0.015 * 4f64.powf(0.3) * 3f64.powf(0.2);
        assert!((a - want).abs() < 1e-15);
        assert!(attack_hazard(&m, 8, 2) > a && attack_hazard(&m, 4, 3) > a);
    }

    #[test]
    fn the_tabulated_attack_hazard_is_attack_hazard_to_the_bit() {
        let mut m = ModelParams::default();
        for (beta, gamma) in [(0.3, 0.2), (-0.5, 0.0), (1.7, 0.45)] {
            m.attack_size_exponent = beta;
            m.attack_experience_exponent = gamma;
            let law = AttackLaw::new(&m);
            for size in (1..300).chain([5_000, u64::MAX]) {
                for k in [0, 1, 7, 63, 64, 200] {
                    let (got, want) = (law.hazard(&m, size, k), attack_hazard(&m, size, k));
                    assert_eq!(got.to_bits(), want.to_bits(), "n={size}, k={k}");
                }
            }
        }
    }

    #[test]
    fn the_shortcut_for_events_decides_as_the_formula_does() {
        let formula = |u: f64, h: f64| u < 1.0 - (-h).exp();
        let mut rng = StreamRng::seed_from_u64(17);
        let mut hazards = vec![0.0, -0.0, -0.5, 1e-300, 1e-12, 1e-9, 0.025, 0.7, 1.0, 40.0];
        hazards.extend((0..2_000).map(|_| unit(rng.next_u64()).powi(4)));
        for h in hazards {
            let p = 1.0 - (-h).exp();
            // Uniforms at, just around and well away from the threshold
            // (neighbouring floats by their bits: p >= 0 here or filtered).
            let bits = p.to_bits();
            let (up, down) = (
                f64::from_bits(bits + 1),
                f64::from_bits(bits.wrapping_sub(1)),
            );
            let near = [p, up, down, h, h + 1e-9, h + 2e-9];
            let far = (0..20).map(|_| unit(rng.next_u64()));
            for u in near
                .into_iter()
                .chain(far)
                .filter(|u| (0.0..1.0).contains(u))
            {
                assert_eq!(happens(u, h), formula(u, h), "u={u}, h={h}");
            }
        }
        assert!(!happens(0.5, f64::NAN) && !formula(0.5, f64::NAN));
    }

    #[test]
    fn cells_are_conserved_in_every_trial() {
        let s = one_border(
            "growth_rate = 0.05\nattrition_rate = 0.05\nmax_transit_weeks = 6\nattack_hazard = 0.05",
            "budget = 8.0\nallocation = { border = 0.5, intel = 0.4, readiness = 0.1 }",
            80,
        );
        for rec in records(&s, 300) {
            assert!(rec.conserves_cells(), "{rec:?}");
            assert!(rec.total(Counter::NewCells) > 0 || rec.end(Level::Alive) == 0);
        }
    }

    #[test]
    fn a_trial_repeats_exactly_and_variants_share_spawning() {
        let s = one_border(
            "",
            "budget = 8.0\nallocation = { border = 0.5, intel = 0.4, readiness = 0.1 }",
            50,
        );
        let t = one_border(
            "",
            "budget = 16.0\nallocation = { border = 0.5, intel = 0.4, readiness = 0.1 }",
            50,
        );
        let (a, b, c) = (records(&s, 20), records(&s, 20), records(&t, 20));
        assert_eq!(a, b);
        for (x, y) in a.iter().zip(&c) {
            assert_eq!(
                x.total(Counter::NewCells),
                y.total(Counter::NewCells),
                "common random numbers for spawning"
            );
        }
    }

    /// A theatre prepared like another has, table for table, what one
    /// prepared whole has: where the inputs agree the tables are taken,
    /// where any one of them differs they are built again.
    #[test]
    fn theatres_prepared_like_another_are_the_ones_prepared_whole() {
        let a = scenario(include_str!("../../scenarios/csto-southern-frontier.toml"));
        let tables = |th: &Theatre<'_>| {
            format!(
                "{:?} {:?} {:?} {:?} {:?} {:?}",
                th.births, th.birth_hazard, th.deaths, th.death_hazard, th.attack, th.spawning
            )
        };
        let source = a.network.sources[0];
        let target = a.network.targets[0];
        type Change = (&'static str, fn(&mut Scenario), bool);
        // What changes, and whether the new cells' laws stay alike.
        let changes: [Change; 10] = [
            (
                "nothing the tables read",
                |s| s.model.detection_scale *= 1.5,
                true,
            ),
            ("the growth rate", |s| s.model.growth_rate *= 1.5, true),
            (
                "a region's legitimacy",
                |s| s.regions[s.network.targets[0]].legitimacy /= 2.0,
                true,
            ),
            ("attrition", |s| s.model.attrition_rate *= 1.5, true),
            (
                "the attack size exponent",
                |s| s.model.attack_size_exponent += 0.1,
                true,
            ),
            (
                "the attack experience exponent",
                |s| s.model.attack_experience_exponent += 0.1,
                true,
            ),
            (
                "a source's new cells",
                |s| s.regions[s.network.sources[0]].new_cells *= 1.5,
                false,
            ),
            (
                "the recruitment exponent",
                |s| s.source.recruitment_exponent += 0.1,
                false,
            ),
            ("the warm-up", |s| s.warmup_weeks += 1, false),
            ("the weeks", |s| s.weeks += 1, false),
        ];
        let like = Theatre::new(&a);
        for (what, change, alike) in changes {
            let mut b = a.clone();
            change(&mut b);
            let whole = Theatre::new(&b);
            let shared = Theatre::with_defences_like(&b, whole.defences.clone(), &like);
            assert_eq!(tables(&shared), tables(&whole), "{what}");
            assert_eq!(spawn_alike(&a, &b), alike, "{what}");
        }
        // A region that is neither a source nor a target still counts for
        // the births (every region's table is kept).
        let mut b = a.clone();
        let other = (0..b.regions.len())
            .find(|&r| r != source && r != target)
            .expect("a third region");
        b.regions[other].legitimacy /= 2.0;
        let whole = Theatre::new(&b);
        let shared = Theatre::with_defences_like(&b, whole.defences.clone(), &like);
        assert_eq!(tables(&shared), tables(&whole));
    }
}
