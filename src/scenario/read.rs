//! Reading the document tree into raw, typed sections.
//!
//! This step checks what one table can check on its own: known keys, types,
//! ranges and required fields. References between sections (a region's state,
//! a border's regions) are kept as names with their positions and resolved by
//! `validate`.

use std::sync::Arc;

use super::diagnostic::{Diagnostic, closest};
use super::doc::{Loc, Node, Table, Value};
use super::fields::{Bound, Fields, is_id, join};
use super::schema::*;
use super::types::{Allocation, Governance, GovernanceNoise, ModelParams, Role};

/// Engine limits beyond docs/model.md's ranges, so that no input can exhaust
/// memory or overflow a counter (see docs/model.md, "Engine limits").
pub(crate) mod limits {
    /// Longest horizon, in weeks (100 years).
    pub(crate) const MAX_WEEKS: i128 = 5_200;
    /// Most trials in one run.
    pub(crate) const MAX_TRIALS: i128 = 1_000_000_000;
    /// Largest mean number of new cells per source region and week.
    pub(crate) const MAX_NEW_CELLS: f64 = 1_000.0;
    /// Largest mean cell size.
    pub(crate) const MAX_CELL_SIZE_MEAN: f64 = 1_000.0;
    /// Largest total spend of one trial (budgets and exercise costs): keeps
    /// the fixed-point statistics of `spend` exact.
    pub(crate) const MAX_SPEND: f64 = 1e9;
    /// Largest severity of one attack.
    pub(crate) const MAX_SEVERITY_CAP: i128 = 1_000_000_000;
}

/// A value with the position it was read from.
#[derive(Debug, Clone)]
pub(crate) struct At<T> {
    pub v: T,
    pub loc: Loc,
}

fn at<T>(v: T, loc: Loc) -> At<T> {
    At { v, loc }
}

#[derive(Debug, Default)]
pub(crate) struct RawMeta {
    pub name: Option<String>,
    pub description: String,
    pub weeks: Option<u32>,
    pub trials: Option<u64>,
    pub seed: Option<u64>,
    pub start_week: u32,
    pub warmup_weeks: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct RawTerrain {
    pub name: String,
    pub loc: Option<Loc>,
    pub sweep: Option<f64>,
    pub passable: Option<f64>,
    pub closed: Option<(u32, u32)>,
}

#[derive(Debug, Clone)]
pub(crate) struct RawSource {
    pub hardship: f64,
    pub recruitment_exponent: f64,
    pub governance: Option<Governance>,
    pub noise: Option<GovernanceNoise>,
}

#[derive(Debug, Clone)]
pub(crate) struct RawAlliance {
    pub intel_sharing: f64,
    pub partner_cooperation: f64,
    pub pool_share: At<f64>,
    pub pool_recipient: Option<At<String>>,
}

#[derive(Debug)]
pub(crate) enum RawParticipants {
    Group(At<String>),
    List(Vec<At<String>>),
}

#[derive(Debug)]
pub(crate) struct RawExercise {
    pub name: At<String>,
    pub path: String,
    pub first_week: Option<u32>,
    pub every: u32,
    pub participants: Option<RawParticipants>,
    pub boost: Option<f64>,
    pub cost: f64,
}

/// Any subset of border, intel and readiness stocks.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct RawStocks {
    pub border: Option<f64>,
    pub intel: Option<f64>,
    pub readiness: Option<f64>,
}

#[derive(Debug)]
pub(crate) struct RawState {
    pub id: At<String>,
    pub path: String,
    pub name: Option<String>,
    pub role: Option<At<Role>>,
    pub participation: Option<At<f64>>,
    pub budget: Option<At<f64>>,
    pub allocation: Option<At<Option<Allocation>>>,
    pub initial: Option<At<RawStocks>>,
    pub capability: Option<At<RawStocks>>,
    /// Keys written in the file (valid or not), so that an invalid value is
    /// not also reported as missing.
    pub given: Vec<&'static str>,
    pub loc: Loc,
}

#[derive(Debug)]
pub(crate) struct RawRegion {
    pub id: At<String>,
    pub path: String,
    pub name: Option<String>,
    pub state: Option<At<String>>,
    pub population: Option<f64>,
    pub target_weight: Option<f64>,
    pub legitimacy: f64,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub new_cells: At<f64>,
}

#[derive(Debug)]
pub(crate) struct RawBorder {
    pub id: At<String>,
    pub path: String,
    pub a: Option<At<String>>,
    pub b: Option<At<String>>,
    pub length_km: Option<f64>,
    pub terrain: Option<At<String>>,
    pub priority: f64,
    /// Keys written in the file (valid or not).
    pub given: Vec<&'static str>,
    pub loc: Loc,
}

#[derive(Debug)]
pub(crate) struct RawVariant<'a> {
    pub name: At<String>,
    pub description: String,
    pub set: Option<&'a Node>,
}

/// Everything a scenario file holds, read but not yet cross-checked.
#[derive(Debug)]
pub(crate) struct RawScenario<'a> {
    pub meta: RawMeta,
    pub model: ModelParams,
    pub terrains: Vec<RawTerrain>,
    pub source: RawSource,
    pub alliance: RawAlliance,
    /// The elements are shared with a [`ReadMemo`] that read the same
    /// nodes (a point and its variants leave most of them as they are).
    pub exercises: Vec<Arc<RawExercise>>,
    pub states: Vec<Arc<RawState>>,
    pub regions: Vec<Arc<RawRegion>>,
    pub borders: Vec<Arc<RawBorder>>,
    pub variants: Vec<RawVariant<'a>>,
    /// Where the document starts (for problems without a better place).
    pub origin: Loc,
}

/// Names of the built-in terrain classes.
pub(crate) const BUILTIN_TERRAINS: [&str; 8] = [
    "river",
    "river_mountain",
    "high_mountain",
    "mountain",
    "valley",
    "desert",
    "steppe",
    "plain",
];

/// The built-in terrain classes of docs/model.md §6.
pub(crate) fn builtin_terrains() -> Vec<RawTerrain> {
    let t = |name: &str, sweep, passable, closed| RawTerrain {
        name: name.to_string(),
        loc: None,
        sweep: Some(sweep),
        passable: Some(passable),
        closed,
    };
    vec![
        t("river", 1.0, 0.3, None),
        t("river_mountain", 0.7, 0.3, None),
        t("high_mountain", 0.4, 0.1, Some((45, 12))),
        t("mountain", 0.6, 0.3, None),
        t("valley", 0.8, 0.6, None),
        t("desert", 1.2, 0.8, None),
        t("steppe", 1.1, 0.9, None),
        t("plain", 1.0, 1.0, None),
    ]
}

/// Reads a whole document. Problems go to `diags`; the result holds what
/// could be read.
pub(crate) fn read<'a>(
    doc: &'a Table,
    origin: Loc,
    diags: &mut Vec<Diagnostic>,
) -> RawScenario<'a> {
    read_with(doc, origin, diags, None)
}

/// Where a node's table lies, and where it was read from: two nodes with
/// the same key are one node's clones (a [`Table`] clone shares its
/// entries; a change makes its own copy), so reading them gives the same.
type NodeKey = (usize, Loc);

fn node_key(node: &Node) -> Option<NodeKey> {
    match &node.value {
        Value::Table(t) => Some((Arc::as_ptr(&t.entries) as usize, node.loc)),
        _ => None,
    }
}

/// A value read from a node, with the node's key.
#[derive(Debug)]
struct Kept<T> {
    key: NodeKey,
    value: T,
}

/// What reading a document gave, section by section and element by
/// element, to be taken instead of reading again the same nodes of
/// another document that shares them: every point of a study, and each
/// of its variants, is a clone of one document with a few paths changed,
/// and reading a section or an element depends only on its node (and an
/// element's index). Only what was read without a problem is kept, so a
/// document read with the memo gives the same result and the same
/// problems as read without it. The memo holds its document, so that the
/// nodes it keys on stay where they are.
#[derive(Debug)]
pub(crate) struct ReadMemo {
    _doc: Table,
    model: Option<Kept<ModelParams>>,
    terrains: Option<Kept<Vec<RawTerrain>>>,
    source: Option<Kept<RawSource>>,
    alliance: Option<Kept<RawAlliance>>,
    exercises: Vec<Option<Kept<Arc<RawExercise>>>>,
    states: Vec<Option<Kept<Arc<RawState>>>>,
    regions: Vec<Option<Kept<Arc<RawRegion>>>>,
    borders: Vec<Option<Kept<Arc<RawBorder>>>>,
}

impl ReadMemo {
    /// Reads `doc` and keeps what read cleanly, taking from `parent` what
    /// it read of the same nodes (a point's document is the parsed one
    /// with a few paths changed, its variants' the point's with a few
    /// more).
    pub(crate) fn new(doc: &Table, parent: Option<&ReadMemo>) -> ReadMemo {
        fn keep<T: Clone>(
            node: Option<&Node>,
            parent: Option<&Kept<T>>,
            read: impl FnOnce(&Node, &mut Vec<Diagnostic>) -> Option<T>,
        ) -> Option<Kept<T>> {
            let node = node?;
            let key = node_key(node)?;
            if let Some(k) = parent.filter(|k| k.key == key) {
                return Some(Kept {
                    key,
                    value: k.value.clone(),
                });
            }
            let mut found = Vec::new();
            let value = read(node, &mut found)?;
            found.is_empty().then_some(Kept { key, value })
        }
        fn keep_all<T: Clone>(
            node: Option<&Node>,
            parent: Option<&[Option<Kept<T>>]>,
            read: impl Fn(&Node, usize, &mut Vec<Diagnostic>) -> Option<T>,
        ) -> Vec<Option<Kept<T>>> {
            let items = match node.map(|n| &n.value) {
                Some(Value::Array(items)) => &items[..],
                _ => &[],
            };
            items
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    let parent = parent.and_then(|p| p.get(i)?.as_ref());
                    keep(Some(n), parent, |n, d| read(n, i, d))
                })
                .collect()
        }
        let p = parent;
        ReadMemo {
            _doc: doc.clone(),
            model: keep(
                doc.get("model"),
                p.and_then(|p| p.model.as_ref()),
                |n, d| Some(read_model(n, d)),
            ),
            terrains: keep(
                doc.get("terrain"),
                p.and_then(|p| p.terrains.as_ref()),
                |n, d| Some(read_terrains(Some(n), d)),
            ),
            source: keep(
                doc.get("source"),
                p.and_then(|p| p.source.as_ref()),
                |n, d| Some(read_source(n, d)),
            ),
            alliance: keep(
                doc.get("alliance"),
                p.and_then(|p| p.alliance.as_ref()),
                |n, d| Some(read_alliance(n, d)),
            ),
            exercises: keep_all(
                doc.get("exercises"),
                p.map(|p| &p.exercises[..]),
                |n, i, d| read_exercise(n, i, d).map(Arc::new),
            ),
            states: keep_all(doc.get("states"), p.map(|p| &p.states[..]), |n, i, d| {
                read_state(n, i, d).map(Arc::new)
            }),
            regions: keep_all(doc.get("regions"), p.map(|p| &p.regions[..]), |n, i, d| {
                read_region(n, i, d).map(Arc::new)
            }),
            borders: keep_all(doc.get("borders"), p.map(|p| &p.borders[..]), |n, i, d| {
                read_border(n, i, d).map(Arc::new)
            }),
        }
    }
}

/// `kept`'s value when it was read from `node`, else `read(node)`.
fn recall<T: Clone, R>(kept: Option<&Kept<T>>, node: &Node, read: impl FnOnce(&Node) -> R) -> R
where
    R: From<T>,
{
    match kept {
        Some(k) if node_key(node) == Some(k.key) => R::from(k.value.clone()),
        _ => read(node),
    }
}

/// [`read`], taking from `memo` what it read of the same nodes.
pub(crate) fn read_with<'a>(
    doc: &'a Table,
    origin: Loc,
    diags: &mut Vec<Diagnostic>,
    memo: Option<&ReadMemo>,
) -> RawScenario<'a> {
    // Only the top-level keys are checked here; a clone of the document
    // shares its tables (see [`Table`]), so it costs a reference count.
    let root = Node {
        value: Value::Table(doc.clone()),
        loc: origin,
    };
    let names: Vec<&str> = section_names().collect();
    // Unknown top-level sections, with the closest known one.
    let _ = Fields::open(&root, "", &names, diags);
    let empty = Node {
        value: Value::Table(Table::default()),
        loc: origin,
    };
    let section = |name: &str| doc.get(name).unwrap_or(&empty);

    let meta = read_meta(
        section("scenario"),
        doc.get("scenario").is_some(),
        origin,
        diags,
    );
    let model = recall(memo.and_then(|m| m.model.as_ref()), section("model"), |n| {
        read_model(n, diags)
    });
    let terrains = match doc.get("terrain") {
        Some(node) => recall(memo.and_then(|m| m.terrains.as_ref()), node, |n| {
            read_terrains(Some(n), diags)
        }),
        None => read_terrains(None, diags),
    };
    let source = recall(
        memo.and_then(|m| m.source.as_ref()),
        section("source"),
        |n| read_source(n, diags),
    );
    let alliance = recall(
        memo.and_then(|m| m.alliance.as_ref()),
        section("alliance"),
        |n| read_alliance(n, diags),
    );
    // The element of index i that was kept for the same node, if any.
    fn kept<T>(list: Option<&[Option<Kept<T>>]>, i: usize) -> Option<&Kept<T>> {
        list?.get(i)?.as_ref()
    }
    let exercises = array(doc.get("exercises"), "exercises", diags)
        .into_iter()
        .enumerate()
        .filter_map(|(i, n)| {
            let memo = kept(memo.map(|m| &m.exercises[..]), i);
            recall(memo, n, |n| read_exercise(n, i, diags).map(Arc::new))
        })
        .collect();
    let states = array(doc.get("states"), "states", diags)
        .into_iter()
        .enumerate()
        .filter_map(|(i, n)| {
            recall(kept(memo.map(|m| &m.states[..]), i), n, |n| {
                read_state(n, i, diags).map(Arc::new)
            })
        })
        .collect();
    let regions = array(doc.get("regions"), "regions", diags)
        .into_iter()
        .enumerate()
        .filter_map(|(i, n)| {
            recall(kept(memo.map(|m| &m.regions[..]), i), n, |n| {
                read_region(n, i, diags).map(Arc::new)
            })
        })
        .collect();
    let borders = array(doc.get("borders"), "borders", diags)
        .into_iter()
        .enumerate()
        .filter_map(|(i, n)| {
            recall(kept(memo.map(|m| &m.borders[..]), i), n, |n| {
                read_border(n, i, diags).map(Arc::new)
            })
        })
        .collect();
    let variants = array(doc.get("variants"), "variants", diags)
        .into_iter()
        .enumerate()
        .filter_map(|(i, n)| read_variant(n, i, diags))
        .collect();
    RawScenario {
        meta,
        model,
        terrains,
        source,
        alliance,
        exercises,
        states,
        regions,
        borders,
        variants,
        origin,
    }
}

/// The elements of an array of tables (empty when absent).
fn array<'a>(node: Option<&'a Node>, path: &str, diags: &mut Vec<Diagnostic>) -> Vec<&'a Node> {
    match node {
        None => vec![],
        Some(Node {
            value: Value::Array(items),
            ..
        }) => items.iter().collect(),
        Some(n) => {
            diags.push(Diagnostic::new(
                Some(n.loc),
                path,
                format!(
                    "expected an array of tables ([[{path}]]), found {}",
                    n.value.kind()
                ),
            ));
            vec![]
        }
    }
}

/// The path of an array element: `section.ID` when it has a readable id.
pub(crate) fn element_path(section: &str, node: &Node, key: &str, index: usize) -> String {
    let id = match &node.value {
        Value::Table(t) => match t.get(key).map(|n| &n.value) {
            Some(Value::Str(s)) if is_id(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    };
    match id {
        Some(id) => format!("{section}.{id}"),
        None => format!("{section}[{index}]"),
    }
}

fn read_meta(node: &Node, present: bool, origin: Loc, diags: &mut Vec<Diagnostic>) -> RawMeta {
    let mut meta = RawMeta {
        start_week: 1,
        ..RawMeta::default()
    };
    if !present {
        diags.push(Diagnostic::new(
            Some(origin),
            "scenario",
            "missing required section [scenario] (with weeks, trials and seed)",
        ));
        return meta;
    }
    let Some(f) = Fields::open(node, "scenario", SCENARIO_KEYS, diags) else {
        return meta;
    };
    meta.name = f.str("name", diags).map(|(s, _)| s.to_string());
    meta.description = f
        .str("description", diags)
        .map(|(s, _)| s.to_string())
        .unwrap_or_default();
    meta.weeks = f
        .req_int("weeks", 1, limits::MAX_WEEKS, diags)
        .map(|w| w as u32);
    meta.trials = f
        .req_int("trials", 1, limits::MAX_TRIALS, diags)
        .map(|t| t as u64);
    meta.seed = f
        .req_int("seed", 0, i128::from(u64::MAX), diags)
        .map(|s| s as u64);
    meta.start_week = f.int("start_week", 1, 52, diags).map_or(1, |w| w as u32);
    meta.warmup_weeks = f
        .int("warmup_weeks", 0, limits::MAX_WEEKS, diags)
        .map_or(0, |w| w as u32);
    meta
}

fn read_model(node: &Node, diags: &mut Vec<Diagnostic>) -> ModelParams {
    let mut m = ModelParams::default();
    let Some(f) = Fields::open(node, "model", MODEL_KEYS, diags) else {
        return m;
    };
    let mut num = |key: &str, bound: Bound, slot: &mut f64| {
        if let Some(x) = f.num(key, bound, diags) {
            *slot = x;
        }
    };
    use Bound::*;
    num("detection_scale", NonNeg, &mut m.detection_scale);
    num("interdict_min", Unit, &mut m.interdict_min);
    num("interdict_max", Unit, &mut m.interdict_max);
    num("repel_flag", Unit, &mut m.repel_flag);
    num("attack_flag", Unit, &mut m.attack_flag);
    num("signature_start", Unit, &mut m.signature_start);
    num("signature_rate", NonNeg, &mut m.signature_rate);
    num("intel_saturation", NonNeg, &mut m.intel_saturation);
    num(
        "readiness_half_life",
        PositiveOrInf,
        &mut m.readiness_half_life,
    );
    num("pooling", Unit, &mut m.pooling);
    num("route_risk_aversion", NonNeg, &mut m.route_risk_aversion);
    num(
        "route_distance_weight",
        NonNeg,
        &mut m.route_distance_weight,
    );
    num("cell_size_mean", AtLeastOne, &mut m.cell_size_mean);
    num("attack_hazard", NonNeg, &mut m.attack_hazard);
    num("attack_size_exponent", Finite, &mut m.attack_size_exponent);
    num(
        "attack_experience_exponent",
        Finite,
        &mut m.attack_experience_exponent,
    );
    num("interdiction_hazard", NonNeg, &mut m.interdiction_hazard);
    num(
        "interdiction_readiness_gain",
        NonNeg,
        &mut m.interdiction_readiness_gain,
    );
    num("growth_rate", Unit, &mut m.growth_rate);
    num("attrition_rate", Unit, &mut m.attrition_rate);
    num("severity_exponent", AboveOne, &mut m.severity_exponent);
    num("border_decay", Unit, &mut m.border_decay);
    num("intel_decay", Unit, &mut m.intel_decay);
    num("budget_to_border", NonNeg, &mut m.budget_to_border);
    num("budget_to_intel", NonNeg, &mut m.budget_to_intel);
    num("budget_to_readiness", NonNeg, &mut m.budget_to_readiness);
    if let Some(w) = f.int("max_transit_weeks", 1, i128::from(u32::MAX), diags) {
        m.max_transit_weeks = w as u32;
    }
    if let Some(c) = f.int("severity_cap", 1, limits::MAX_SEVERITY_CAP, diags) {
        m.severity_cap = c as u64;
    }
    if m.interdict_min > m.interdict_max {
        diags.push(Diagnostic::new(
            f.node("interdict_min")
                .or(f.node("interdict_max"))
                .map(|n| n.loc),
            "model.interdict_min",
            format!(
                "expected interdict_min <= interdict_max, found {} > {}",
                m.interdict_min, m.interdict_max
            ),
        ));
    }
    if m.cell_size_mean > limits::MAX_CELL_SIZE_MEAN {
        diags.push(Diagnostic::new(
            f.node("cell_size_mean").map(|n| n.loc),
            "model.cell_size_mean",
            format!(
                "expected at most {} (engine limit), found {}",
                limits::MAX_CELL_SIZE_MEAN,
                m.cell_size_mean
            ),
        ));
    }
    m
}

fn read_terrains(node: Option<&Node>, diags: &mut Vec<Diagnostic>) -> Vec<RawTerrain> {
    let mut terrains = builtin_terrains();
    let Some(node) = node else { return terrains };
    let Value::Table(table) = &node.value else {
        diags.push(Diagnostic::new(
            Some(node.loc),
            "terrain",
            format!(
                "expected a table of terrain classes ([terrain.NAME]), found {}",
                node.value.kind()
            ),
        ));
        return terrains;
    };
    for (key, class) in table.entries.iter() {
        let path = join("terrain", &key.name);
        if !is_id(&key.name) {
            diags.push(Diagnostic::new(
                Some(key.loc),
                &path,
                "expected a terrain class name made of letters, digits and `_`",
            ));
            continue;
        }
        let Some(f) = Fields::open(class, &path, TERRAIN_KEYS, diags) else {
            continue;
        };
        let builtin = terrains.iter().position(|t| t.name == key.name);
        let mut t = match builtin {
            Some(i) => terrains[i].clone(),
            None => RawTerrain {
                name: key.name.clone(),
                loc: Some(class.loc),
                sweep: None,
                passable: None,
                closed: None,
            },
        };
        t.loc = Some(class.loc);
        if builtin.is_none() {
            // A misspelt built-in class reads as a new class without sweep
            // and passable: point at the built-in it resembles.
            let hint = closest(&key.name, BUILTIN_TERRAINS.iter().copied());
            for (k, what) in [
                ("sweep", "a number > 0"),
                ("passable", "a number in (0, 1]"),
            ] {
                if !f.has(k) {
                    diags.push(
                        Diagnostic::new(
                            Some(class.loc),
                            f.path_of(k),
                            format!("missing required field `{k}` ({what}) for a new terrain class `{}`", key.name),
                        )
                        .suggest(hint.clone()),
                    );
                }
            }
        }
        if let Some(x) = f.num("sweep", Bound::Positive, diags) {
            t.sweep = Some(x);
        }
        if let Some(x) = f.num("passable", Bound::UnitOpenLow, diags) {
            t.passable = Some(x);
        }
        read_closure(&f, &mut t, diags);
        match builtin {
            Some(i) => terrains[i] = t,
            None => terrains.push(t),
        }
    }
    terrains
}

fn read_closure(f: &Fields<'_>, t: &mut RawTerrain, diags: &mut Vec<Diagnostic>) {
    let from = f.int("closed_from", 0, 52, diags);
    let to = f.int("closed_to", 0, 52, diags);
    match (f.has("closed_from"), f.has("closed_to")) {
        (false, false) => {}
        (true, false) | (false, true) => {
            let (given, other) = if f.has("closed_from") {
                ("closed_from", "closed_to")
            } else {
                ("closed_to", "closed_from")
            };
            diags.push(Diagnostic::new(
                f.node(given).map(|n| n.loc),
                f.path_of(other),
                format!("`{given}` is given without `{other}`: give both weeks of year, or neither"),
            ));
        }
        (true, true) => match (from, to) {
            (Some(0), Some(0)) => t.closed = None,
            (Some(0), Some(_)) | (Some(_), Some(0)) => diags.push(Diagnostic::new(
                f.node("closed_from").map(|n| n.loc),
                f.path_of("closed_from"),
                "0 at one end only: use 0 for both closed_from and closed_to (never closed), or weeks 1 to 52 for both",
            )),
            (Some(a), Some(b)) => t.closed = Some((a as u32, b as u32)),
            _ => {}
        },
    }
}

fn read_source(node: &Node, diags: &mut Vec<Diagnostic>) -> RawSource {
    let mut s = RawSource {
        hardship: 0.7,
        recruitment_exponent: 1.5,
        governance: Some(Governance::Constant(0.3)),
        noise: None,
    };
    let Some(f) = Fields::open(node, "source", SOURCE_KEYS, diags) else {
        return s;
    };
    if let Some(x) = f.num("hardship", Bound::Unit, diags) {
        s.hardship = x;
    }
    if let Some(x) = f.num("recruitment_exponent", Bound::NonNeg, diags) {
        s.recruitment_exponent = x;
    }
    if let Some(g) = f.node("governance") {
        s.governance = read_governance(g, &f.path_of("governance"), diags);
    }
    if let Some(n) = f.table("governance_noise", NOISE_KEYS, diags) {
        let sd = n.req_num("sd", Bound::NonNeg, diags);
        let reversion = n.req_num("reversion", Bound::Unit, diags);
        if let (Some(sd), Some(reversion)) = (sd, reversion) {
            s.noise = Some(GovernanceNoise { sd, reversion });
        }
    }
    s
}

/// Reads a governance table; `None` (with problems recorded) if invalid.
pub(crate) fn read_governance(
    node: &Node,
    path: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Governance> {
    let f = Fields::open(node, path, GOVERNANCE_KEYS, diags)?;
    let (kind, kind_loc) = f.req_str("kind", diags)?;
    let kinds = ["constant", "linear", "steps"];
    let own: &[&str] = match kind {
        "constant" => &["kind", "value"],
        "linear" => &["kind", "from", "to", "start_week", "end_week"],
        "steps" => &["kind", "weeks", "values"],
        _ => {
            diags.push(
                Diagnostic::new(
                    Some(kind_loc),
                    f.path_of("kind"),
                    format!(
                        "unknown governance kind {kind:?}; expected one of: constant, linear, steps"
                    ),
                )
                .suggest(super::diagnostic::closest(kind, kinds)),
            );
            return None;
        }
    };
    let mut ok = true;
    for (key, _) in f.table.entries.iter() {
        if GOVERNANCE_KEYS.contains(&key.name.as_str()) && !own.contains(&key.name.as_str()) {
            diags.push(Diagnostic::new(
                Some(key.loc),
                f.path_of(&key.name),
                format!(
                    "`{}` does not belong to governance kind \"{kind}\" (which takes: {})",
                    key.name,
                    own[1..].join(", ")
                ),
            ));
            ok = false;
        }
    }
    let week = |key: &str, diags: &mut Vec<Diagnostic>| {
        f.req_int(key, 0, i128::from(u32::MAX), diags)
            .map(|w| w as u32)
    };
    let g = match kind {
        "constant" => Governance::Constant(f.req_num("value", Bound::Unit, diags)?),
        "linear" => {
            let from = f.req_num("from", Bound::Unit, diags);
            let to = f.req_num("to", Bound::Unit, diags);
            let start = week("start_week", diags);
            let end = week("end_week", diags);
            let (from, to, start_week, end_week) = (from?, to?, start?, end?);
            if end_week < start_week {
                diags.push(Diagnostic::new(
                    f.node("end_week").map(|n| n.loc),
                    f.path_of("end_week"),
                    format!("expected end_week >= start_week ({start_week}), found {end_week}"),
                ));
                return None;
            }
            Governance::Linear {
                from,
                to,
                start_week,
                end_week,
            }
        }
        _ => read_steps(&f, diags)?,
    };
    ok.then_some(g)
}

fn read_steps(f: &Fields<'_>, diags: &mut Vec<Diagnostic>) -> Option<Governance> {
    let list = |key: &str, diags: &mut Vec<Diagnostic>| -> Option<&Vec<Node>> {
        match f.node(key) {
            None => {
                f.missing(key, "an array", diags);
                None
            }
            Some(Node {
                value: Value::Array(items),
                ..
            }) => Some(items),
            Some(n) => {
                diags.push(Diagnostic::new(
                    Some(n.loc),
                    f.path_of(key),
                    format!("expected an array, found {}", n.value.kind()),
                ));
                None
            }
        }
    };
    let (weeks_n, values_n) = (list("weeks", diags), list("values", diags));
    let (weeks_n, values_n) = (weeks_n?, values_n?);
    let path_w = f.path_of("weeks");
    let weeks: Vec<Option<u32>> = weeks_n
        .iter()
        .map(|n| {
            super::fields::int_value(n, &path_w, 0, i128::from(u32::MAX), diags).map(|w| w as u32)
        })
        .collect();
    let mut values = Vec::new();
    for n in values_n {
        let x = match n.value {
            Value::Float(x) => Some(x),
            Value::Int(i) => Some(i as f64),
            _ => None,
        };
        match x.filter(|x| Bound::Unit.admits(*x)) {
            Some(x) => values.push(x),
            None => diags.push(Diagnostic::new(
                Some(n.loc),
                f.path_of("values"),
                format!("expected a number in [0, 1], found {}", n.value),
            )),
        }
    }
    let weeks: Vec<u32> = weeks.into_iter().collect::<Option<_>>()?;
    if values.len() != values_n.len() {
        return None;
    }
    let loc = f.node("weeks").map(|n| n.loc);
    let bad = |msg: String, diags: &mut Vec<Diagnostic>| {
        diags.push(Diagnostic::new(loc, f.path_of("weeks"), msg));
        None
    };
    if weeks.is_empty() {
        return bad("expected at least one week".into(), diags);
    }
    if weeks.len() != values.len() {
        return bad(
            format!(
                "expected as many weeks as values, found {} weeks and {} values",
                weeks.len(),
                values.len()
            ),
            diags,
        );
    }
    if weeks[0] != 0 {
        return bad(
            format!("expected the first week to be 0, found {}", weeks[0]),
            diags,
        );
    }
    if weeks.windows(2).any(|w| w[1] <= w[0]) {
        return bad("expected strictly increasing weeks".into(), diags);
    }
    Some(Governance::Steps { weeks, values })
}

fn read_alliance(node: &Node, diags: &mut Vec<Diagnostic>) -> RawAlliance {
    let mut a = RawAlliance {
        intel_sharing: 0.3,
        partner_cooperation: 0.0,
        pool_share: at(0.0, node.loc),
        pool_recipient: None,
    };
    let Some(f) = Fields::open(node, "alliance", ALLIANCE_KEYS, diags) else {
        return a;
    };
    if let Some(x) = f.num("intel_sharing", Bound::Unit, diags) {
        a.intel_sharing = x;
    }
    if let Some(x) = f.num("partner_cooperation", Bound::Unit, diags) {
        a.partner_cooperation = x;
    }
    if let Some(x) = f.num("pool_share", Bound::Unit, diags) {
        a.pool_share = at(x, f.node("pool_share").map_or(node.loc, |n| n.loc));
    }
    a.pool_recipient = f
        .str("pool_recipient", diags)
        .map(|(s, l)| at(s.to_string(), l));
    a
}

fn read_exercise(node: &Node, i: usize, diags: &mut Vec<Diagnostic>) -> Option<RawExercise> {
    let path = element_path("exercises", node, "name", i);
    let f = Fields::open(node, &path, EXERCISE_KEYS, diags)?;
    let name = f.req_id("name", diags);
    let first_week = f
        .req_int("first_week", 0, i128::from(u32::MAX), diags)
        .map(|w| w as u32);
    let every = f
        .int("every", 0, i128::from(u32::MAX), diags)
        .map_or(0, |w| w as u32);
    let boost = f.req_num("boost", Bound::Unit, diags);
    let cost = f.num("cost", Bound::NonNeg, diags).unwrap_or(0.0);
    let participants = match f.node("participants") {
        None => {
            f.missing(
                "participants",
                "\"members\", \"partners\", \"members+partners\" or a list of state ids",
                diags,
            );
            None
        }
        Some(n) => match &n.value {
            Value::Str(s) => Some(RawParticipants::Group(at(s.clone(), n.loc))),
            Value::Array(items) => {
                let mut ids = Vec::new();
                for item in items {
                    match &item.value {
                        Value::Str(s) => ids.push(at(s.clone(), item.loc)),
                        other => diags.push(Diagnostic::new(
                            Some(item.loc),
                            f.path_of("participants"),
                            format!("expected a state id (string), found {}", other.kind()),
                        )),
                    }
                }
                Some(RawParticipants::List(ids))
            }
            other => {
                diags.push(Diagnostic::new(
                    Some(n.loc),
                    f.path_of("participants"),
                    format!("expected \"members\", \"partners\", \"members+partners\" or a list of state ids, found {}", other.kind()),
                ));
                None
            }
        },
    };
    let (name, loc) = name?;
    Some(RawExercise {
        name: at(name.to_string(), loc),
        path,
        first_week,
        every,
        participants,
        boost,
        cost,
    })
}

fn read_stocks(f: &Fields<'_>, key: &str, diags: &mut Vec<Diagnostic>) -> Option<At<RawStocks>> {
    let t = f.table(key, STOCK_KEYS, diags)?;
    Some(at(
        RawStocks {
            border: t.num("border", Bound::NonNeg, diags),
            intel: t.num("intel", Bound::NonNeg, diags),
            readiness: t.num("readiness", Bound::Unit, diags),
        },
        t.loc,
    ))
}

fn read_allocation(f: &Fields<'_>, diags: &mut Vec<Diagnostic>) -> Option<At<Option<Allocation>>> {
    let t = f.table("allocation", ALLOCATION_KEYS, diags)?;
    let border = t.req_num("border", Bound::Unit, diags);
    let intel = t.req_num("intel", Bound::Unit, diags);
    let readiness = t.req_num("readiness", Bound::Unit, diags);
    let alloc = match (border, intel, readiness) {
        (Some(border), Some(intel), Some(readiness)) => {
            let sum = border + intel + readiness;
            if (sum - 1.0).abs() > 1e-9 {
                diags.push(Diagnostic::new(
                    Some(t.loc),
                    &t.path,
                    format!("expected shares border + intel + readiness summing to 1, found {border} + {intel} + {readiness} = {}", (sum * 1e9).round() / 1e9),
                ));
                None
            } else {
                Some(Allocation {
                    border,
                    intel,
                    readiness,
                })
            }
        }
        _ => None,
    };
    Some(at(alloc, t.loc))
}

fn read_state(node: &Node, i: usize, diags: &mut Vec<Diagnostic>) -> Option<RawState> {
    let path = element_path("states", node, "id", i);
    let f = Fields::open(node, &path, STATE_KEYS, diags)?;
    let id = f.req_id("id", diags);
    let role = f.req_str("role", diags).and_then(|(r, loc)| match r {
        "member" => Some(at(Role::Member, loc)),
        "partner" => Some(at(Role::Partner, loc)),
        "other" => Some(at(Role::Other, loc)),
        _ => {
            diags.push(
                Diagnostic::new(
                    Some(loc),
                    f.path_of("role"),
                    format!("unknown role {r:?}; expected one of: member, partner, other"),
                )
                .suggest(super::diagnostic::closest(
                    r,
                    ["member", "partner", "other"],
                )),
            );
            None
        }
    });
    let loc_of = |k: &str| f.node(k).map_or(f.loc, |n| n.loc);
    let participation = f
        .num("participation", Bound::Unit, diags)
        .map(|x| at(x, loc_of("participation")));
    let budget = f
        .num("budget", Bound::NonNeg, diags)
        .map(|x| at(x, loc_of("budget")));
    let allocation = read_allocation(&f, diags);
    let initial = read_stocks(&f, "initial", diags);
    let capability = read_stocks(&f, "capability", diags);
    let name = f.str("name", diags).map(|(s, _)| s.to_string());
    let given = STATE_KEYS.iter().copied().filter(|k| f.has(k)).collect();
    let (id, id_loc) = id?;
    Some(RawState {
        id: at(id.to_string(), id_loc),
        path,
        name,
        role,
        participation,
        budget,
        allocation,
        initial,
        capability,
        given,
        loc: node.loc,
    })
}

fn read_region(node: &Node, i: usize, diags: &mut Vec<Diagnostic>) -> Option<RawRegion> {
    let path = element_path("regions", node, "id", i);
    let f = Fields::open(node, &path, REGION_KEYS, diags)?;
    let id = f.req_id("id", diags);
    let state = f.req_str("state", diags).map(|(s, l)| at(s.to_string(), l));
    let population = f.req_num("population", Bound::NonNeg, diags);
    let target_weight = f.num("target_weight", Bound::NonNeg, diags);
    let legitimacy = f.num("legitimacy", Bound::Unit, diags).unwrap_or(0.7);
    let lon = f.num("lon", Bound::Longitude, diags);
    let lat = f.num("lat", Bound::Latitude, diags);
    let new_cells_loc = f.node("new_cells").map_or(node.loc, |n| n.loc);
    let mut new_cells = f.num("new_cells", Bound::NonNeg, diags).unwrap_or(0.0);
    if new_cells > limits::MAX_NEW_CELLS {
        diags.push(Diagnostic::new(
            Some(new_cells_loc),
            f.path_of("new_cells"),
            format!(
                "expected at most {} new cells per week (engine limit), found {new_cells}",
                limits::MAX_NEW_CELLS
            ),
        ));
        new_cells = 0.0;
    }
    let name = f.str("name", diags).map(|(s, _)| s.to_string());
    let (id, id_loc) = id?;
    Some(RawRegion {
        id: at(id.to_string(), id_loc),
        path,
        name,
        state,
        population,
        target_weight,
        legitimacy,
        lon,
        lat,
        new_cells: at(new_cells, new_cells_loc),
    })
}

/// The id a border has when none is written: `A-B`.
pub(crate) fn default_border_id(a: &str, b: &str) -> String {
    format!("{a}-{b}")
}

fn read_border(node: &Node, i: usize, diags: &mut Vec<Diagnostic>) -> Option<RawBorder> {
    let path = border_path(node, i);
    let f = Fields::open(node, &path, BORDER_KEYS, diags)?;
    let a = f.req_str("a", diags).map(|(s, l)| at(s.to_string(), l));
    let b = f.req_str("b", diags).map(|(s, l)| at(s.to_string(), l));
    let id = match f.node("id") {
        Some(_) => f.req_id("id", diags).map(|(s, l)| at(s.to_string(), l)),
        None => match (&a, &b) {
            (Some(a), Some(b)) => Some(at(default_border_id(&a.v, &b.v), node.loc)),
            _ => None,
        },
    }?;
    let length_km = f.num("length_km", Bound::Positive, diags);
    let terrain = f.str("terrain", diags).map(|(s, l)| at(s.to_string(), l));
    let priority = f.num("priority", Bound::NonNeg, diags).unwrap_or(1.0);
    Some(RawBorder {
        id,
        path,
        a,
        b,
        length_km,
        terrain,
        priority,
        given: BORDER_KEYS.iter().copied().filter(|k| f.has(k)).collect(),
        loc: node.loc,
    })
}

/// `borders.ID` (the written id, else `A-B`), or `borders[i]` when neither
/// can be read.
fn border_path(node: &Node, i: usize) -> String {
    let Value::Table(t) = &node.value else {
        return format!("borders[{i}]");
    };
    let text = |k: &str| match t.get(k).map(|n| &n.value) {
        Some(Value::Str(s)) => Some(s.clone()),
        _ => None,
    };
    match (text("id").filter(|s| is_id(s)), text("a"), text("b")) {
        (Some(id), _, _) => format!("borders.{id}"),
        (None, Some(a), Some(b)) if t.get("id").is_none() => {
            format!("borders.{}", default_border_id(&a, &b))
        }
        _ => format!("borders[{i}]"),
    }
}

fn read_variant<'a>(
    node: &'a Node,
    i: usize,
    diags: &mut Vec<Diagnostic>,
) -> Option<RawVariant<'a>> {
    let path = element_path("variants", node, "name", i);
    let f = Fields::open(node, &path, VARIANT_KEYS, diags)?;
    let name = f.req_id("name", diags);
    let description = f
        .str("description", diags)
        .map(|(s, _)| s.to_string())
        .unwrap_or_default();
    let set = match f.node("set") {
        None => {
            f.missing("set", "a table of PATH = VALUE overrides", diags);
            None
        }
        Some(n) if matches!(n.value, Value::Table(_)) => Some(n),
        Some(n) => {
            diags.push(Diagnostic::new(
                Some(n.loc),
                f.path_of("set"),
                format!(
                    "expected a table of PATH = VALUE overrides, found {}",
                    n.value.kind()
                ),
            ));
            None
        }
    };
    let (name, loc) = name?;
    if name == super::types::BASELINE {
        diags.push(Diagnostic::new(
            Some(loc),
            f.path_of("name"),
            "a variant cannot be named `baseline`: that name is the base scenario's",
        ));
        return None;
    }
    Some(RawVariant {
        name: at(name.to_string(), loc),
        description,
        set,
    })
}
