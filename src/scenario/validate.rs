//! Cross-checks between sections, and the step from raw sections to the
//! immutable [`Scenario`]: names become indices, defaults that depend on
//! other values (initial stocks at steady state) are resolved, and the
//! network is derived once.

use std::collections::VecDeque;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use super::diagnostic::{Diagnostic, closest};
use super::read::{At, RawParticipants, RawScenario, RawState, RawStocks, limits};
use super::types::*;

/// FNV-1a (Fowler, Noll and Vo), 64 bits: the hash of the maps below. Their
/// keys are a scenario's own short names and index pairs; SipHash, the
/// standard maps' default, guards against keys chosen to collide, which a
/// scenario's author has no reason to write, and cost a tenth of building
/// each of a posterior's thousands of scenarios.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        const PRIME: u64 = 0x0100_0000_01b3;
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(PRIME);
        }
        self.0 = h;
    }
}

type HashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<Fnv>>;
type HashSet<K> = std::collections::HashSet<K, BuildHasherDefault<Fnv>>;

/// Turns raw sections into a scenario, or records why it cannot.
pub(crate) fn validate(
    raw: &RawScenario<'_>,
    default_name: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Scenario> {
    validate_like(raw, default_name, diags, None)
}

/// [`validate`], taking from `like` (another scenario, such as the base of
/// a variant) the parts of the network that are the same: the links when
/// the borders join the same regions, the hop counts when the targets are
/// the same too. Each is a function of those alone, so the scenario is
/// the one [`validate`] gives.
pub(crate) fn validate_like(
    raw: &RawScenario<'_>,
    default_name: &str,
    diags: &mut Vec<Diagnostic>,
    like: Option<&Scenario>,
) -> Option<Scenario> {
    let before = diags.len();
    let model = raw.model.clone();
    let state_index = unique_ids(raw.states.iter().map(|s| (&s.id, "states")), diags);
    let region_index = unique_ids(raw.regions.iter().map(|r| (&r.id, "regions")), diags);
    unique_ids(raw.borders.iter().map(|b| (&b.id, "borders")), diags);
    unique_ids(raw.exercises.iter().map(|e| (&e.name, "exercises")), diags);
    unique_ids(raw.variants.iter().map(|v| (&v.name, "variants")), diags);

    let roles: Vec<Option<Role>> = raw
        .states
        .iter()
        .map(|s| s.role.as_ref().map(|r| r.v))
        .collect();
    let alliance = resolve_alliance(raw, &state_index, &roles, diags);
    let pool_in = |i: usize| match alliance {
        Some(Alliance { pool: Some(p), .. }) if p.recipient == i => Some(p.share),
        _ => None,
    };
    let pool_total: f64 = match alliance.as_ref().and_then(|a| a.pool) {
        Some(p) => raw
            .states
            .iter()
            .filter(|s| s.role.as_ref().is_some_and(|r| r.v == Role::Member))
            .filter_map(|s| s.budget.as_ref().map(|b| b.v * p.share))
            .sum(),
        None => 0.0,
    };
    let pool_share = alliance
        .as_ref()
        .and_then(|a| a.pool)
        .map_or(0.0, |p| p.share);
    let states: Vec<Option<State>> = raw
        .states
        .iter()
        .enumerate()
        .map(|(i, s)| resolve_state(s, &model, pool_share, pool_in(i).map(|_| pool_total), diags))
        .collect();
    let regions: Vec<Option<Region>> = raw
        .regions
        .iter()
        .map(|r| {
            let state = lookup(
                r.state.as_ref()?,
                &state_index,
                || format!("{}.state", r.path),
                "state",
                diags,
            )?;
            Some(Region {
                id: r.id.v.clone(),
                name: r.name.clone().unwrap_or_else(|| r.id.v.clone()),
                state,
                population: r.population?,
                target_weight: r.target_weight.or(r.population)?,
                legitimacy: r.legitimacy,
                lon: r.lon,
                lat: r.lat,
                new_cells: r.new_cells.v,
            })
        })
        .collect();
    let borders = resolve_borders(raw, &region_index, &regions, diags);
    let exercises = resolve_exercises(raw, &state_index, &roles, diags);
    let source = raw.source.governance.clone().map(|governance| Source {
        hardship: raw.source.hardship,
        recruitment_exponent: raw.source.recruitment_exponent,
        governance,
        noise: raw.source.noise,
    });

    // Everything below needs a complete, consistent structure.
    if diags.len() > before {
        return None;
    }
    let states: Vec<State> = states.into_iter().collect::<Option<_>>()?;
    let regions: Vec<Region> = regions.into_iter().collect::<Option<_>>()?;
    let borders = borders?;
    let weeks = raw.meta.weeks?;
    let scenario = Scenario {
        name: raw
            .meta
            .name
            .clone()
            .unwrap_or_else(|| default_name.to_string()),
        description: raw.meta.description.clone(),
        weeks,
        trials: raw.meta.trials?,
        seed: raw.meta.seed?,
        start_week: raw.meta.start_week,
        warmup_weeks: raw.meta.warmup_weeks,
        model,
        source: source?,
        alliance: alliance?,
        exercises: exercises?.into(),
        network: build_network(raw, &states, &regions, &borders, diags, like)?,
        states: states.into(),
        regions,
        borders: borders.into(),
    };
    check_spend(&scenario, raw, diags);
    (diags.len() == before).then_some(scenario)
}

/// Records duplicates and returns id -> index.
fn unique_ids<'a>(
    ids: impl Iterator<Item = (&'a At<String>, &'a str)>,
    diags: &mut Vec<Diagnostic>,
) -> HashMap<&'a str, usize> {
    let mut index = HashMap::default();
    for (i, (id, section)) in ids.enumerate() {
        if index.insert(id.v.as_str(), i).is_some() {
            diags.push(Diagnostic::new(
                Some(id.loc),
                format!("{section}.{}", id.v),
                format!(
                    "duplicate id `{}`: each element of [[{section}]] needs its own",
                    id.v
                ),
            ));
        }
    }
    index
}

/// Resolves a name to an index, recording an unknown name with the closest.
/// `path` is only worked out for the message (validating a posterior's
/// thousands of scenarios formatted it for every border end).
fn lookup<P: AsRef<str>>(
    name: &At<String>,
    index: &HashMap<&str, usize>,
    path: impl FnOnce() -> P,
    what: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<usize> {
    match index.get(name.v.as_str()) {
        Some(&i) => Some(i),
        None => {
            let mut known: Vec<&str> = index.keys().copied().collect();
            known.sort_unstable();
            diags.push(
                Diagnostic::new(
                    Some(name.loc),
                    path().as_ref(),
                    format!("unknown {what} `{}`", name.v),
                )
                .suggest(closest(&name.v, known.iter().copied())),
            );
            None
        }
    }
}

fn resolve_alliance(
    raw: &RawScenario<'_>,
    states: &HashMap<&str, usize>,
    roles: &[Option<Role>],
    diags: &mut Vec<Diagnostic>,
) -> Option<Alliance> {
    let a = &raw.alliance;
    let recipient = match &a.pool_recipient {
        Some(name) => {
            let i = lookup(name, states, || "alliance.pool_recipient", "state", diags)?;
            if roles[i].is_some_and(|r| r != Role::Member) {
                diags.push(Diagnostic::new(
                    Some(name.loc),
                    "alliance.pool_recipient",
                    format!(
                        "expected a member state as pool recipient, found `{}` ({})",
                        name.v,
                        roles[i].map_or("", |r| r.as_str())
                    ),
                ));
                return None;
            }
            Some(i)
        }
        None => None,
    };
    let pool = if a.pool_share.v > 0.0 {
        let Some(recipient) = recipient else {
            diags.push(Diagnostic::new(
                Some(a.pool_share.loc),
                "alliance.pool_recipient",
                "missing required field `pool_recipient` (a member state id): pool_share > 0 needs a recipient",
            ));
            return None;
        };
        Some(Pool {
            share: a.pool_share.v,
            recipient,
        })
    } else {
        None
    };
    Some(Alliance {
        intel_sharing: a.intel_sharing,
        partner_cooperation: a.partner_cooperation,
        pool,
    })
}

fn resolve_state(
    s: &RawState,
    m: &ModelParams,
    pool_share: f64,
    pool_in: Option<f64>,
    diags: &mut Vec<Diagnostic>,
) -> Option<State> {
    let role = s.role.as_ref()?.v;
    let name = s.name.clone().unwrap_or_else(|| s.id.v.clone());
    let wrong = |key: &str, loc: super::doc::Loc, diags: &mut Vec<Diagnostic>| {
        let belongs = if key == "capability" {
            "partner and other states"
        } else {
            "member states"
        };
        diags.push(Diagnostic::new(
            Some(loc),
            format!("{}.{key}", s.path),
            format!(
                "`{key}` does not belong to a state with role \"{}\": it is for {belongs}",
                role.as_str()
            ),
        ));
    };
    if role != Role::Member {
        let mut ok = true;
        for (key, loc) in [
            ("participation", s.participation.as_ref().map(|x| x.loc)),
            ("budget", s.budget.as_ref().map(|x| x.loc)),
            ("allocation", s.allocation.as_ref().map(|x| x.loc)),
            ("initial", s.initial.as_ref().map(|x| x.loc)),
        ] {
            if let Some(loc) = loc {
                wrong(key, loc, diags);
                ok = false;
            }
        }
        let c = s.capability.as_ref().map_or(RawStocks::default(), |c| c.v);
        let capability = Stocks {
            border: c.border.unwrap_or(0.0),
            intel: c.intel.unwrap_or(0.0),
            readiness: c.readiness.unwrap_or(0.0),
        };
        return ok.then(|| State {
            id: s.id.v.clone(),
            name,
            role,
            participation: 1.0,
            posture: Posture::Fixed { capability },
        });
    }
    if let Some(c) = &s.capability {
        wrong("capability", c.loc, diags);
    }
    let budget = match &s.budget {
        Some(b) => Some(b.v),
        None => {
            if !s.given.contains(&"budget") {
                diags.push(Diagnostic::new(
                    Some(s.loc),
                    format!("{}.budget", s.path),
                    "missing required field `budget` (a number >= 0) for a member state",
                ));
            }
            None
        }
    };
    let allocation = match &s.allocation {
        Some(a) => a.v,
        None => {
            if !s.given.contains(&"allocation") {
                diags.push(Diagnostic::new(Some(s.loc), format!("{}.allocation", s.path), "missing required field `allocation` ({ border, intel, readiness }) for a member state"));
            }
            None
        }
    };
    let (budget, allocation) = (budget?, allocation?);
    if s.capability.is_some() {
        return None;
    }
    let own = (1.0 - pool_share) * budget;
    let given = s.initial.as_ref().map_or(RawStocks::default(), |i| i.v);
    let loc = s.initial.as_ref().map_or(s.loc, |i| i.loc);
    let steady = |key: &str, decay: f64, value: f64, diags: &mut Vec<Diagnostic>| -> Option<f64> {
        if decay == 0.0 {
            diags.push(Diagnostic::new(
                Some(loc),
                format!("{}.initial.{key}", s.path),
                format!("missing `initial.{key}`: its steady state is undefined because its decay is 0; give the initial value"),
            ));
            None
        } else {
            Some(value / decay)
        }
    };
    let border = match given.border {
        Some(x) => Some(x),
        None => steady(
            "border",
            m.border_decay,
            m.budget_to_border * (allocation.border * own + pool_in.unwrap_or(0.0)),
            diags,
        ),
    };
    let intel = match given.intel {
        Some(x) => Some(x),
        None => steady(
            "intel",
            m.intel_decay,
            m.budget_to_intel * allocation.intel * own,
            diags,
        ),
    };
    let readiness = match given.readiness {
        Some(x) => Some(x),
        None => {
            let c = 1.0 - (-m.budget_to_readiness * allocation.readiness * own).exp();
            let decay = 1.0 - readiness_retention(m.readiness_half_life);
            steady("readiness", decay, c, diags).map(|_| c / (c + decay))
        }
    };
    Some(State {
        id: s.id.v.clone(),
        name,
        role,
        participation: s.participation.as_ref().map_or(1.0, |p| p.v),
        posture: Posture::Member {
            budget,
            allocation,
            initial: Stocks {
                border: border?,
                intel: intel?,
                readiness: readiness?,
            },
        },
    })
}

/// 2^(-1/h): the share of readiness kept each week (1 when h is infinite).
pub(crate) fn readiness_retention(half_life: f64) -> f64 {
    (-1.0 / half_life).exp2()
}

fn resolve_borders(
    raw: &RawScenario<'_>,
    regions: &HashMap<&str, usize>,
    resolved: &[Option<Region>],
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<Border>> {
    let terrain_names: Vec<&str> = raw.terrains.iter().map(|t| t.name.as_str()).collect();
    let mut pairs: HashMap<(usize, usize), &str> = HashMap::default();
    let mut out = Vec::new();
    let mut ok = true;
    for b in &raw.borders {
        let terrain = match &b.terrain {
            Some(t) => match raw.terrains.iter().find(|x| x.name == t.v) {
                Some(x) => Some(x),
                None => {
                    diags.push(
                        Diagnostic::new(
                            Some(t.loc),
                            format!("{}.terrain", b.path),
                            format!(
                                "unknown terrain class `{}`; known: {}",
                                t.v,
                                terrain_names.join(", ")
                            ),
                        )
                        .suggest(closest(&t.v, terrain_names.iter().copied())),
                    );
                    ok = false;
                    None
                }
            },
            None => None,
        };
        let a =
            b.a.as_ref()
                .and_then(|a| lookup(a, regions, || format!("{}.a", b.path), "region", diags));
        let z =
            b.b.as_ref()
                .and_then(|z| lookup(z, regions, || format!("{}.b", b.path), "region", diags));
        let (Some(a), Some(z)) = (a, z) else {
            ok = false;
            continue;
        };
        if a == z {
            diags.push(Diagnostic::new(
                b.b.as_ref().map(|x| x.loc),
                format!("{}.b", b.path),
                format!(
                    "a border needs two different regions; both ends are `{}`",
                    raw.regions[a].id.v
                ),
            ));
            ok = false;
            continue;
        }
        let key = (a.min(z), a.max(z));
        if let Some(other) = pairs.insert(key, b.id.v.as_str()) {
            diags.push(Diagnostic::new(Some(b.loc), &b.path, format!("a second border between `{}` and `{}` (already joined by `{other}`): at most one per pair", raw.regions[a].id.v, raw.regions[z].id.v)));
            ok = false;
            continue;
        }
        let (Some(ra), Some(rz)) = (&resolved[a], &resolved[z]) else {
            ok = false;
            continue;
        };
        let kind = if ra.state == rz.state {
            LinkKind::Internal
        } else {
            if b.length_km.is_none() && !b.given.contains(&"length_km") {
                diags.push(Diagnostic::new(Some(b.loc), format!("{}.length_km", b.path), "missing required field `length_km` (a number > 0) for a border between two states"));
            }
            if b.terrain.is_none() && !b.given.contains(&"terrain") {
                diags.push(Diagnostic::new(Some(b.loc), format!("{}.terrain", b.path), format!("missing required field `terrain` (one of: {}) for a border between two states", terrain_names.join(", "))));
            }
            match (b.length_km, terrain) {
                (Some(length_km), Some(t)) => match (t.sweep, t.passable) {
                    (Some(sweep), Some(passable)) => LinkKind::Segment {
                        length_km,
                        terrain: Terrain {
                            name: t.name.clone(),
                            sweep,
                            passable,
                            closed: t.closed,
                        },
                        priority: b.priority,
                    },
                    _ => {
                        ok = false;
                        continue;
                    }
                },
                _ => {
                    ok = false;
                    continue;
                }
            }
        };
        out.push(Border {
            id: b.id.v.clone(),
            a,
            b: z,
            kind,
        });
    }
    ok.then_some(out)
}

fn resolve_exercises(
    raw: &RawScenario<'_>,
    states: &HashMap<&str, usize>,
    roles: &[Option<Role>],
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<Exercise>> {
    let mut out = Vec::new();
    let mut ok = true;
    for e in &raw.exercises {
        let path = format!("{}.participants", e.path);
        let eligible = |i: usize| roles[i].is_some_and(|r| r != Role::Other);
        let participants: Option<Vec<usize>> = match &e.participants {
            None => None,
            Some(RawParticipants::Group(g)) => {
                let want: &[Role] = match g.v.as_str() {
                    "members" => &[Role::Member],
                    "partners" => &[Role::Partner],
                    "members+partners" => &[Role::Member, Role::Partner],
                    other => {
                        diags.push(Diagnostic::new(Some(g.loc), &path, format!("unknown participant group {other:?}; expected \"members\", \"partners\", \"members+partners\" or a list of state ids")).suggest(closest(other, ["members", "partners", "members+partners"])));
                        ok = false;
                        continue;
                    }
                };
                Some(
                    (0..roles.len())
                        .filter(|&i| roles[i].is_some_and(|r| want.contains(&r)))
                        .collect(),
                )
            }
            Some(RawParticipants::List(ids)) => {
                let mut seen = HashSet::default();
                let mut list = Vec::new();
                for id in ids {
                    let Some(i) = lookup(id, states, || path.as_str(), "state", diags) else {
                        ok = false;
                        continue;
                    };
                    if !seen.insert(i) {
                        diags.push(Diagnostic::new(
                            Some(id.loc),
                            &path,
                            format!("`{}` is listed twice", id.v),
                        ));
                        ok = false;
                    } else if !eligible(i) {
                        diags.push(Diagnostic::new(
                            Some(id.loc),
                            &path,
                            format!(
                                "`{}` cannot take part in exercises: only members and partners may",
                                id.v
                            ),
                        ));
                        ok = false;
                    } else {
                        list.push(i);
                    }
                }
                Some(list)
            }
        };
        match (participants, e.first_week, e.boost) {
            (Some(participants), Some(first_week), Some(boost)) => out.push(Exercise {
                name: e.name.v.clone(),
                first_week,
                every: e.every,
                participants,
                boost,
                cost: e.cost,
            }),
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

fn build_network(
    raw: &RawScenario<'_>,
    states: &[State],
    regions: &[Region],
    borders: &[Border],
    diags: &mut Vec<Diagnostic>,
    like: Option<&Scenario>,
) -> Option<Network> {
    let n = regions.len();
    // The links are those of `like` when its borders join the same
    // regions, in the same order.
    let same_map = like.filter(|l| {
        l.regions.len() == n
            && l.borders.len() == borders.len()
            && l.borders
                .iter()
                .zip(borders)
                .all(|(x, y)| (x.a, x.b) == (y.a, y.b))
    });
    let neighbours: Arc<Vec<Vec<Link>>> = match same_map {
        Some(l) => l.network.neighbours.clone(),
        None => {
            let mut neighbours = vec![Vec::new(); n];
            for (e, b) in borders.iter().enumerate() {
                let e = e as u32;
                neighbours[b.a].push(Link {
                    to: b.b as u32,
                    border: e,
                    direction: 2 * e,
                });
                neighbours[b.b].push(Link {
                    to: b.a as u32,
                    border: e,
                    direction: 2 * e + 1,
                });
            }
            Arc::new(neighbours)
        }
    };
    let is_member = |r: usize| states[regions[r].state].role == Role::Member;
    let mut ok = true;
    let sources: Vec<usize> = (0..n).filter(|&r| regions[r].new_cells > 0.0).collect();
    for &r in &sources {
        if is_member(r) {
            let rr = &raw.regions[r];
            diags.push(Diagnostic::new(Some(rr.new_cells.loc), format!("{}.new_cells", rr.path), format!("a source region (new_cells > 0) must belong to a non-member state; `{}` is a member", states[regions[r].state].id)));
            ok = false;
        }
    }
    if sources.is_empty() {
        diags.push(Diagnostic::new(
            Some(raw.origin),
            "regions",
            "no source region: give at least one region of a non-member state `new_cells` > 0",
        ));
        ok = false;
    }
    let targets: Vec<usize> = (0..n)
        .filter(|&r| is_member(r) && regions[r].target_weight > 0.0)
        .collect();
    if targets.is_empty() {
        diags.push(Diagnostic::new(
            Some(raw.origin),
            "regions",
            "no member region with positive target_weight: cells would have nothing to aim at",
        ));
        ok = false;
    }
    if !ok {
        return None;
    }
    let hops: Arc<Vec<Vec<u32>>> = match same_map.filter(|l| l.network.targets == targets) {
        Some(l) => l.network.hops.clone(),
        None => Arc::new(targets.iter().map(|&t| bfs(&neighbours, t)).collect()),
    };
    let mut target_draw = Vec::new();
    for &s in &sources {
        let reach: Vec<usize> = (0..targets.len())
            .filter(|&k| hops[k][s] != u32::MAX)
            .collect();
        let total: f64 = reach
            .iter()
            .map(|&k| regions[targets[k]].target_weight)
            .sum();
        if reach.is_empty() {
            let rr = &raw.regions[s];
            diags.push(Diagnostic::new(Some(rr.id.loc), &rr.path, format!("no target is reachable from source region `{}`: add borders that connect it to a member region with positive target_weight", rr.id.v)));
            ok = false;
            continue;
        }
        let mut acc = 0.0;
        let draw = reach
            .iter()
            .map(|&k| {
                acc += regions[targets[k]].target_weight / total;
                (k, acc)
            })
            .collect();
        target_draw.push(draw);
    }
    ok.then_some(Network {
        neighbours,
        targets,
        hops,
        sources,
        target_draw,
    })
}

/// Hop counts from every region to `target` (`u32::MAX`: unreachable).
fn bfs(neighbours: &[Vec<Link>], target: usize) -> Vec<u32> {
    let mut dist = vec![u32::MAX; neighbours.len()];
    let mut queue = VecDeque::from([target]);
    dist[target] = 0;
    while let Some(u) = queue.pop_front() {
        for l in &neighbours[u] {
            let v = l.to as usize;
            if dist[v] == u32::MAX {
                dist[v] = dist[u] + 1;
                queue.push_back(v);
            }
        }
    }
    dist
}

/// Refuses scenarios whose spend per trial is beyond the engine limit.
fn check_spend(s: &Scenario, raw: &RawScenario<'_>, diags: &mut Vec<Diagnostic>) {
    let spend = super::types::total_spend(s);
    if spend.is_nan() || spend > limits::MAX_SPEND {
        diags.push(Diagnostic::new(
            Some(raw.origin),
            "states",
            format!("total spend per trial (budgets x weeks + exercise costs) is {spend:e}; the engine limit is {:e}", limits::MAX_SPEND),
        ));
    }
}
