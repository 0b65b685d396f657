//! `[sweep]` and `[[uncertain]]`: which parameters a sweep or a
//! sensitivity analysis varies, and over what range.
//!
//! A range names its field by the same dotted path as `--set` and is checked
//! the same way: the path must exist (else the closest valid one is named),
//! the field must be a number, and both ends of the range are applied to the
//! document and validated like any other value, so `low` and `high` must lie
//! in the field's range. Each design point is validated again when it is
//! built (see `crate::engine::points`), which catches combinations of values that
//! are invalid together.

use super::diagnostic::Diagnostic;
use super::doc::{Loc, Node, Sources, Table, Value, parse_value};
use super::fields::{Bound, Fields, join};
use super::paths::{Editor, Override, allocation_table, apply, written_shares};
use super::read::read;
use super::schema::{
    ALLOCATION_KEYS, INTEGER_FIELDS, NON_NUMERIC_FIELDS, SWEEP_KEYS, UNCERTAIN_KEYS, VARY_KEYS,
};
use super::validate::validate;

/// Limits that keep a sweep from asking for more than a machine can run.
pub mod limits {
    /// Most values of one parameter in a grid.
    pub const MAX_STEPS: i128 = 1_000;
    /// Most design points of one sweep (grid or Latin hypercube).
    pub const MAX_POINTS: u64 = 100_000;
    /// Most parameters varied at once.
    pub const MAX_PARAMETERS: usize = 20;
}

/// How design points are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DesignKind {
    /// Every combination of `steps` evenly spaced values per parameter.
    Grid,
    /// A Latin hypercube of `samples` points (each parameter's range cut
    /// into `samples` strata, each stratum used once).
    Lhs,
}

impl DesignKind {
    /// The name used in files and flags.
    pub fn as_str(self) -> &'static str {
        match self {
            DesignKind::Grid => "grid",
            DesignKind::Lhs => "lhs",
        }
    }
}

/// One parameter's range.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ParamRange {
    /// The dotted path of the field, as for `--set`.
    pub path: String,
    pub low: f64,
    pub high: f64,
    /// Values in a grid (at least 2); unused by other designs.
    pub steps: u32,
    /// Whether the field takes integers (values are then rounded).
    pub integer: bool,
    /// For one share of a member's allocation
    /// (`states.ID.allocation.border`): the scenario's shares (border,
    /// intel, readiness). The other two shares take up the rest in the
    /// proportion they have there (equally when both are 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rescale: Option<[f64; 3]>,
    /// `scale = "log"`: values spread evenly in log(value) (a log-uniform
    /// prior for calibration), for rates that span orders of magnitude.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub log: bool,
}

impl ParamRange {
    /// The value at `u` in [0, 1] of the range: linear in the value, or in
    /// its logarithm for `scale = "log"`; rounded for integer fields.
    pub fn at(&self, u: f64) -> f64 {
        let x = if !self.log {
            self.low + (self.high - self.low) * u
        } else if u >= 1.0 {
            self.high
        } else {
            (self.low.ln() + (self.high.ln() - self.low.ln()) * u).exp()
        };
        if self.integer { x.round() } else { x }
    }

    /// Where `x` lies in the range, in [0, 1] (the inverse of [`Self::at`]
    /// for fields that are not integers).
    pub fn unit(&self, x: f64) -> f64 {
        if self.log {
            (x.ln() - self.low.ln()) / (self.high.ln() - self.low.ln())
        } else {
            (x - self.low) / (self.high - self.low)
        }
    }
}

pub use super::paths::{allocation_at, allocation_share};

/// The allocation of state `id` as written in `doc` (missing shares: 0).
fn written_allocation(doc: &Table, id: &str) -> [f64; 3] {
    let Some(Value::Array(states)) = doc.get("states").map(|n| &n.value) else {
        return [0.0; 3];
    };
    states
        .iter()
        .filter_map(|st| match &st.value {
            Value::Table(t) => Some(t),
            _ => None,
        })
        .rfind(|t| matches!(t.get("id").map(|n| &n.value), Some(Value::Str(s)) if s == id))
        .map_or([0.0; 3], written_shares)
}

/// A parameter sweep as the scenario file (or the command line) asks for it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SweepSpec {
    pub design: DesignKind,
    /// Points of a Latin hypercube.
    pub samples: Option<u32>,
    /// Trials per design point (default: the scenario's `trials`).
    pub trials: Option<u64>,
    pub vary: Vec<ParamRange>,
}

/// Reads `[sweep]` and `[[uncertain]]` from `doc` (with `--set` applied);
/// `varies` are `--vary PATH=LO:HI[:STEPS]` arguments, which replace the
/// file's `vary` list.
pub fn read_ranges(
    doc: &Table,
    origin: Loc,
    stem: &str,
    varies: &[String],
    sources: &mut Sources,
    diags: &mut Vec<Diagnostic>,
    each: &dyn super::load::Each,
) -> (Option<SweepSpec>, Vec<ParamRange>) {
    let builtins: Vec<String> = super::read::builtin_terrains()
        .into_iter()
        .map(|t| t.name)
        .collect();
    let ctx = Context {
        doc,
        origin,
        stem,
        builtins: &builtins,
    };
    let mut sweep = doc.get("sweep").and_then(|n| read_sweep(n, &ctx, diags));
    if !varies.is_empty() {
        let vary: Vec<ParamRange> = varies
            .iter()
            .filter_map(|arg| parse_vary(arg, &ctx, sources, diags))
            .collect();
        let spec = sweep.get_or_insert(SweepSpec {
            design: DesignKind::Grid,
            samples: None,
            trials: None,
            vary: vec![],
        });
        duplicates(&vary, "--vary", None, diags);
        spec.vary = vary;
    }
    let uncertain = match doc.get("uncertain") {
        None => vec![],
        Some(Node {
            value: Value::Array(items),
            ..
        }) => {
            // Each range is checked on its own (the scenario at each end
            // is validated): by `each`, its problems kept in list order.
            let checked = super::load::map_each(each, items.len(), |i| {
                let mut found = Vec::new();
                let range = Fields::open(
                    &items[i],
                    format!("uncertain[{i}]"),
                    UNCERTAIN_KEYS,
                    &mut found,
                )
                .and_then(|f| read_range(&f, false, &ctx, &mut found));
                (found, range)
            });
            let mut ranges = Vec::new();
            for (found, range) in checked {
                diags.extend(found);
                ranges.extend(range);
            }
            ranges
        }
        Some(n) => {
            diags.push(Diagnostic::new(
                Some(n.loc),
                "uncertain",
                format!(
                    "expected an array of tables ([[uncertain]] with path, low, high), found {}",
                    n.value.kind()
                ),
            ));
            vec![]
        }
    };
    duplicates(&uncertain, "uncertain", doc.get("uncertain"), diags);
    (sweep, uncertain)
}

/// What checking a range needs to know about the scenario.
struct Context<'a> {
    doc: &'a Table,
    origin: Loc,
    stem: &'a str,
    builtins: &'a [String],
}

fn read_sweep(node: &Node, ctx: &Context<'_>, diags: &mut Vec<Diagnostic>) -> Option<SweepSpec> {
    let f = Fields::open(node, "sweep", SWEEP_KEYS, diags)?;
    let design = match f.str("design", diags) {
        None => DesignKind::Grid,
        Some(("grid", _)) => DesignKind::Grid,
        Some(("lhs", _)) => DesignKind::Lhs,
        Some((other, loc)) => {
            diags.push(
                Diagnostic::new(
                    Some(loc),
                    "sweep.design",
                    format!("unknown design `{other}`; expected one of: grid, lhs"),
                )
                .suggest(super::diagnostic::closest(other, ["grid", "lhs"])),
            );
            DesignKind::Grid
        }
    };
    let samples = f
        .int("samples", 2, limits::MAX_POINTS as i128, diags)
        .map(|s| s as u32);
    if design == DesignKind::Lhs && samples.is_none() && !f.has("samples") {
        f.missing(
            "samples",
            "the number of points of a Latin hypercube",
            diags,
        );
    }
    let trials = f
        .int("trials", 1, super::read::limits::MAX_TRIALS, diags)
        .map(|t| t as u64);
    let grid = design == DesignKind::Grid;
    let vary: Vec<ParamRange> = match f.node("vary") {
        None => vec![],
        Some(Node {
            value: Value::Array(items),
            ..
        }) => items
            .iter()
            .enumerate()
            .filter_map(|(i, n)| {
                let g = Fields::open(n, format!("sweep.vary[{i}]"), VARY_KEYS, diags)?;
                read_range(&g, grid, ctx, diags)
            })
            .collect(),
        Some(n) => {
            diags.push(Diagnostic::new(
                Some(n.loc),
                "sweep.vary",
                format!(
                    "expected an array of tables ([[sweep.vary]] with path, low, high, steps), found {}",
                    n.value.kind()
                ),
            ));
            vec![]
        }
    };
    if f.node("vary").is_none() {
        f.missing(
            "vary",
            "the parameters to vary: [[sweep.vary]] tables",
            diags,
        );
    }
    duplicates(&vary, "sweep.vary", f.node("vary"), diags);
    if vary.len() > limits::MAX_PARAMETERS {
        diags.push(Diagnostic::new(
            f.node("vary").map(|n| n.loc),
            "sweep.vary",
            format!(
                "expected at most {} parameters, found {}",
                limits::MAX_PARAMETERS,
                vary.len()
            ),
        ));
    }
    Some(SweepSpec {
        design,
        samples,
        trials,
        vary,
    })
}

/// Reads one `{ path, low, high[, steps] }` table and checks it.
fn read_range(
    f: &Fields<'_>,
    needs_steps: bool,
    ctx: &Context<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<ParamRange> {
    let path = f.req_str("path", diags);
    let low = f.req_num("low", Bound::Finite, diags);
    let high = f.req_num("high", Bound::Finite, diags);
    let steps = if f.table.get("steps").is_some() || needs_steps {
        f.req_int("steps", 2, limits::MAX_STEPS, diags)
            .map(|s| s as u32)
    } else {
        Some(2)
    };
    let log = match f.str("scale", diags) {
        None | Some(("linear", _)) => Some(false),
        Some(("log", _)) => Some(true),
        Some((other, loc)) => {
            diags.push(
                Diagnostic::new(
                    Some(loc),
                    f.path_of("scale"),
                    format!("unknown scale `{other}`; expected one of: linear, log"),
                )
                .suggest(super::diagnostic::closest(other, ["linear", "log"])),
            );
            None
        }
    };
    let (path, path_loc) = path?;
    let low_loc = f.node("low").map_or(f.loc, |n| n.loc);
    let high_loc = f.node("high").map_or(f.loc, |n| n.loc);
    let (low, high, log) = (low?, high?, log?);
    if log && low <= 0.0 {
        diags.push(Diagnostic::new(
            Some(low_loc),
            f.path_of("low"),
            format!("expected low > 0 with scale = \"log\", found {low}"),
        ));
        return None;
    }
    let range = ParamRange {
        path: path.to_string(),
        low,
        high,
        steps: steps?,
        integer: false,
        rescale: None,
        log,
    };
    check_range(range, &f.path, [path_loc, low_loc, high_loc], ctx, diags)
}

/// Parses `PATH=LO:HI[:STEPS]` and checks it.
fn parse_vary(
    arg: &str,
    ctx: &Context<'_>,
    sources: &mut Sources,
    diags: &mut Vec<Diagnostic>,
) -> Option<ParamRange> {
    let src = sources.add(format!("--vary {arg}"), arg, 0);
    let loc = Loc::whole(src);
    let fail = |diags: &mut Vec<Diagnostic>, path: &str, msg: String| {
        diags.push(Diagnostic::new(Some(loc), path, msg));
        None
    };
    let usage = "expected PATH=LOW:HIGH:STEPS, e.g. --vary states.MEM.budget=2:12:6 (STEPS may be left out with --design lhs)";
    let Some((path, range)) = arg.split_once('=') else {
        return fail(diags, "", usage.to_string());
    };
    let path = path.trim();
    if path.is_empty() || path.split('.').any(str::is_empty) {
        return fail(diags, path, usage.to_string());
    }
    let parts: Vec<&str> = range.split(':').map(str::trim).collect();
    let number = |s: &str| {
        parse_value(s, src).ok().and_then(|n| match n.value {
            Value::Float(x) if x.is_finite() => Some(x),
            Value::Int(i) => Some(i as f64),
            _ => None,
        })
    };
    let (low, high, steps) = match parts.as_slice() {
        [lo, hi] => (number(lo), number(hi), Some(2)),
        [lo, hi, st] => (
            number(lo),
            number(hi),
            st.parse::<u32>()
                .ok()
                .filter(|s| (2..=limits::MAX_STEPS as u32).contains(s)),
        ),
        _ => return fail(diags, path, usage.to_string()),
    };
    let (Some(low), Some(high)) = (low, high) else {
        return fail(
            diags,
            path,
            format!("LOW and HIGH must be finite numbers; {usage}"),
        );
    };
    let Some(steps) = steps else {
        return fail(
            diags,
            path,
            format!("expected STEPS an integer from 2 to {}", limits::MAX_STEPS),
        );
    };
    let range = ParamRange {
        path: path.to_string(),
        low,
        high,
        steps,
        integer: false,
        rescale: None,
        log: false,
    };
    check_range(range, "--vary", [loc; 3], ctx, diags)
}

/// Checks that a range names a numeric field and that both ends are valid
/// values of it; `table` names the range (`sweep.vary[0]`) and `locs` are
/// where its path, `low` and `high` were written.
fn check_range(
    mut range: ParamRange,
    table: &str,
    [path_loc, low_loc, high_loc]: [Loc; 3],
    ctx: &Context<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<ParamRange> {
    let path = range.path.clone();
    let at = |key: &str| {
        if table.starts_with("--") {
            path.clone()
        } else {
            join(table, key)
        }
    };
    let field = path.rsplit('.').next().unwrap_or("");
    if path.starts_with("scenario.") {
        diags.push(Diagnostic::new(
            Some(path_loc),
            at("path"),
            "`scenario.*` cannot be varied: every design point runs the same weeks, trials and seed, so that points can be compared",
        ));
        return None;
    }
    let share = allocation_share(&path);
    if let ["states", _, "allocation", other] = path.split('.').collect::<Vec<_>>().as_slice()
        && share.is_none()
    {
        diags.push(
            Diagnostic::new(
                Some(path_loc),
                at("path"),
                format!(
                    "unknown share `{other}` of an allocation; expected one of: {}",
                    ALLOCATION_KEYS.join(", ")
                ),
            )
            .suggest(
                super::diagnostic::closest(other, ALLOCATION_KEYS.iter().copied())
                    .map(|c| format!("{}.{c}", target_prefix(&path))),
            ),
        );
        return None;
    }
    if NON_NUMERIC_FIELDS.contains(&field) && share.is_none() {
        diags.push(Diagnostic::new(
            Some(path_loc),
            at("path"),
            format!("`{path}` is not a number: only numeric fields can be varied"),
        ));
        return None;
    }
    if range.low >= range.high {
        diags.push(Diagnostic::new(
            Some(low_loc),
            at("low"),
            format!(
                "expected low < high, found low = {} and high = {}",
                range.low, range.high
            ),
        ));
        return None;
    }
    range.integer = INTEGER_FIELDS.contains(&field);
    if share.is_some() {
        let id = path.split('.').nth(1).unwrap_or("");
        range.rescale = Some(written_allocation(ctx.doc, id));
    }
    let before = diags.len();
    for (x, loc, key) in [(range.low, low_loc, "low"), (range.high, high_loc, "high")] {
        let value = match (&share, range.rescale) {
            (Some((_, which)), Some(base)) => allocation_table(allocation_at(base, *which, x), loc),
            _ if range.integer && x.fract() == 0.0 => Value::Int(x as i128),
            _ => Value::Float(x),
        };
        let ov = Override {
            path: share
                .as_ref()
                .map_or_else(|| path.clone(), |(p, _)| p.clone()),
            value: Node { value, loc },
            loc: path_loc,
        };
        let mut doc = ctx.doc.clone();
        if let Err(mut d) = apply(&mut doc, &ov, Editor::CommandLine, ctx.builtins) {
            d.path = at("path");
            diags.push(d);
            return None;
        }
        let mut found = Vec::new();
        let raw = read(&doc, ctx.origin, &mut found);
        let _ = validate(&raw, ctx.stem, &mut found);
        // Only problems with this field: the rest of the scenario is
        // checked (and reported) once, on its own.
        diags.extend(
            found
                .into_iter()
                .filter(|d| d.loc == Some(loc))
                // A share out of range would also push the other two out:
                // only the share itself is reported.
                .filter(|d| share.is_none() || d.path == path)
                .map(|mut d| {
                    if at(key) != path {
                        d.message = format!("as a value of `{path}`: {}", d.message);
                        d.path = at(key);
                    }
                    d
                }),
        );
    }
    (diags.len() == before).then_some(range)
}

/// `path` without its last segment.
fn target_prefix(path: &str) -> &str {
    path.rsplit_once('.').map_or(path, |(head, _)| head)
}

/// The field a range sets: a share's whole allocation table.
fn target(path: &str) -> String {
    allocation_share(path).map_or_else(|| path.to_string(), |(p, _)| p)
}

/// Reports a path that appears twice in one list (two shares of one
/// allocation count as the same field).
fn duplicates(list: &[ParamRange], what: &str, node: Option<&Node>, diags: &mut Vec<Diagnostic>) {
    for (i, r) in list.iter().enumerate() {
        if list[..i].iter().any(|o| target(&o.path) == target(&r.path)) {
            diags.push(Diagnostic::new(
                node.map(|n| n.loc),
                what,
                if target(&r.path) == r.path {
                    format!("`{}` is listed twice; each parameter may appear once", r.path)
                } else {
                    format!(
                        "`{}` is a second share of `{}`: only one share of an allocation can vary (the others take up the rest)",
                        r.path,
                        target(&r.path)
                    )
                },
            ));
        }
    }
}
