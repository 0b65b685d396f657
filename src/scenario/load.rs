//! From scenario text (and `--set` arguments) to a validated [`ScenarioSet`].
//!
//! The one entry point for every command: parse, apply `--set` to the base,
//! read and validate the base, then apply each variant's `set` on top and
//! validate it too, whether or not it will run. All problems are returned
//! together.

use std::path::Path;

use super::diagnostic::{Diagnostic, Diagnostics};
use super::doc::{Loc, Sources, Table, parse_document, parse_value};
use super::paths::{Editor, Override, allocation_share, apply, flatten_set};
use super::read::{ReadMemo, builtin_terrains, read_with};
use super::types::{ScenarioSet, Variant};
use super::validate::{validate, validate_like};

/// Runs independent pieces of work, perhaps at the same time: loading a
/// scenario (a variant, an `[[uncertain]]` range and the scenarios at its
/// ends), settling a variant's statistics (a span of weeks). The modules
/// below the engine run them one after another ([`OneByOne`]); the
/// engine, which owns the threads, runs them on its workers
/// (`engine::Workers`). Results do not depend on which.
pub trait Each: Sync {
    /// Calls `piece(0)`, …, `piece(n − 1)`, in any order, each once.
    fn each(&self, n: usize, piece: &(dyn Fn(usize) + Sync));
}

/// [`Each`] one piece after another, on the calling thread.
pub struct OneByOne;

impl Each for OneByOne {
    fn each(&self, n: usize, piece: &(dyn Fn(usize) + Sync)) {
        (0..n).for_each(piece);
    }
}

/// `f(0)`, …, `f(n − 1)` run by `each`, in that order.
pub(crate) fn map_each<T: Send>(
    each: &dyn Each,
    n: usize,
    f: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    let slots: Vec<std::sync::Mutex<Option<T>>> = (0..n).map(|_| Default::default()).collect();
    each.each(n, &|i| {
        let done = f(i);
        *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(done);
    });
    slots
        .into_iter()
        .map(|s| {
            s.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .expect("Each runs every piece")
        })
        .collect()
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read scenario file {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid scenario ({}):\n{}", count(.0.items.len()), .0)]
    Invalid(Diagnostics),
}

impl From<LoadError> for crate::Error {
    fn from(e: LoadError) -> Self {
        crate::Error::Invalid(e.to_string())
    }
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 problem".into()
    } else {
        format!("{n} problems")
    }
}

/// Reads and validates a scenario file, with `--set PATH=VALUE` arguments.
pub fn load_file(path: &Path, sets: &[String]) -> Result<ScenarioSet, LoadError> {
    load_file_on(path, sets, &OneByOne)
}

/// [`load_file`], its independent pieces run by `each`.
pub fn load_file_on(
    path: &Path,
    sets: &[String],
    each: &dyn Each,
) -> Result<ScenarioSet, LoadError> {
    let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let name = path.display().to_string();
    let stem = path
        .file_stem()
        .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned());
    match String::from_utf8(bytes) {
        Ok(text) => load_str_on(&name, &stem, &text, sets, each).map_err(LoadError::Invalid),
        Err(e) => load_bytes(&name, &stem, e.into_bytes(), sets).map_err(LoadError::Invalid),
    }
}

/// Reads and validates scenario bytes, which must be UTF-8 text; see
/// [`load_str`]. Any bytes give a scenario or messages, never a panic (the
/// `scenario` fuzz target in `fuzz/` checks this).
pub fn load_bytes(
    name: &str,
    stem: &str,
    bytes: Vec<u8>,
    sets: &[String],
) -> Result<ScenarioSet, Diagnostics> {
    match String::from_utf8(bytes) {
        Ok(text) => load_str(name, stem, &text, sets),
        Err(e) => {
            let mut d = Diagnostics::default();
            let src = d
                .sources
                .add(name, String::from_utf8_lossy(e.as_bytes()).into_owned(), 0);
            let valid = e.utf8_error().valid_up_to();
            d.items.push(Diagnostic::new(
                Some(Loc {
                    source: src,
                    start: valid as u32,
                }),
                "",
                "the file is not valid UTF-8 text (a TOML scenario file must be UTF-8)",
            ));
            Err(d)
        }
    }
}

/// Reads and validates scenario `text`; `name` is shown in messages and
/// `stem` is the scenario's name when `[scenario] name` is absent.
pub fn load_str(
    name: &str,
    stem: &str,
    text: &str,
    sets: &[String],
) -> Result<ScenarioSet, Diagnostics> {
    load_str_on(name, stem, text, sets, &OneByOne)
}

/// [`load_str`], its independent pieces run by `each`.
pub fn load_str_on(
    name: &str,
    stem: &str,
    text: &str,
    sets: &[String],
    each: &dyn Each,
) -> Result<ScenarioSet, Diagnostics> {
    load_inner(name, stem, text, sets, Some(&[]), true, each)
}

/// Like [`load_str`], without reading `[sweep]` and `[[uncertain]]` (they
/// are empty in the result): for the design points of a sweep, whose
/// tables were checked once already.
pub fn load_point(
    name: &str,
    stem: &str,
    text: &str,
    sets: &[String],
) -> Result<ScenarioSet, Diagnostics> {
    load_inner(name, stem, text, sets, None, true, &OneByOne)
}

/// The base scenario alone at a parameter point: like [`load_point`]
/// without building the variants (calibration simulates the base only).
pub fn load_base_point(
    name: &str,
    stem: &str,
    text: &str,
    sets: &[String],
) -> Result<super::types::Scenario, Diagnostics> {
    load_inner(name, stem, text, sets, None, false, &OneByOne).map(|set| set.base)
}

/// Like [`load_str`], with `--vary PATH=LOW:HIGH[:STEPS]` arguments that
/// replace the parameters of the file's `[sweep]` (or make one).
pub fn load_with_vary(
    name: &str,
    stem: &str,
    text: &str,
    sets: &[String],
    varies: &[String],
) -> Result<ScenarioSet, Diagnostics> {
    load_with_vary_on(name, stem, text, sets, varies, &OneByOne)
}

/// [`load_with_vary`], its variants and ranges checked by `each` (the
/// engine's workers, say).
pub fn load_with_vary_on(
    name: &str,
    stem: &str,
    text: &str,
    sets: &[String],
    varies: &[String],
    each: &dyn Each,
) -> Result<ScenarioSet, Diagnostics> {
    load_inner(name, stem, text, sets, Some(varies), true, each)
}

/// Loads the scenario; `varies` is `None` when `[sweep]` and
/// `[[uncertain]]` are to be skipped. The variants, and the ranges of
/// `[[uncertain]]`, are checked by `each`, each on its own.
fn load_inner(
    name: &str,
    stem: &str,
    text: &str,
    sets: &[String],
    varies: Option<&[String]>,
    with_variants: bool,
    each: &dyn Each,
) -> Result<ScenarioSet, Diagnostics> {
    let parsed = Parsed::new(name, stem, text)?;
    let Parsed {
        stem,
        doc,
        sources,
        file,
        ..
    } = parsed;
    load_parsed(
        &stem,
        doc,
        sources,
        file,
        sets,
        varies,
        with_variants,
        each,
        None,
    )
}

/// A scenario's text parsed once, from which the scenario set at many
/// design points is built without parsing it again: the same sets, and
/// the same problems, as [`load_point`] of the text.
#[derive(Debug, Clone)]
pub struct Parsed {
    stem: String,
    doc: Table,
    sources: Sources,
    file: u16,
    /// The document as read, for the sections and elements a point leaves
    /// as they are (read at the first point).
    memo: std::sync::Arc<std::sync::OnceLock<ReadMemo>>,
}

impl Parsed {
    /// Parses `text`; the problems are those [`load_str`] reports for a
    /// text that is not TOML.
    pub fn new(name: &str, stem: &str, text: &str) -> Result<Parsed, Diagnostics> {
        let mut sources = Sources::default();
        let file = sources.add(name, text, 0);
        match parse_document(text, file) {
            Ok(doc) => Ok(Parsed {
                stem: stem.to_string(),
                doc,
                sources,
                file,
                memo: Default::default(),
            }),
            Err(errors) => {
                let diags = errors
                    .into_iter()
                    .map(|e| {
                        Diagnostic::new(
                            Some(e.loc),
                            "",
                            format!("TOML syntax error: {}", e.message),
                        )
                    })
                    .collect();
                Err(finish(diags, sources))
            }
        }
    }

    /// [`load_point`] of the text with `sets`.
    pub fn point(&self, sets: &[String]) -> Result<ScenarioSet, Diagnostics> {
        let memo = self.memo.get_or_init(|| ReadMemo::new(&self.doc, None));
        load_parsed(
            &self.stem,
            self.doc.clone(),
            self.sources.clone(),
            self.file,
            sets,
            None,
            true,
            &OneByOne,
            Some(memo),
        )
    }
}

/// [`load_inner`] of a parsed text: `doc` from source `file` of `sources`.
#[allow(clippy::too_many_arguments)]
fn load_parsed(
    stem: &str,
    mut doc: Table,
    mut sources: Sources,
    file: u16,
    sets: &[String],
    varies: Option<&[String]>,
    with_variants: bool,
    each: &dyn Each,
    memo: Option<&ReadMemo>,
) -> Result<ScenarioSet, Diagnostics> {
    let mut diags = Vec::new();
    let builtins: Vec<String> = builtin_terrains().into_iter().map(|t| t.name).collect();
    let mut base_overrides = Vec::new();
    apply_sets(
        &mut doc,
        sets,
        &mut sources,
        &builtins,
        &mut diags,
        &mut base_overrides,
    );
    let origin = Loc::whole(file);
    // With a memo of the parsed document, one of this point's document
    // (mostly taken from it) serves the point and each of its variants.
    let point_memo = memo
        .filter(|_| with_variants)
        .map(|m| ReadMemo::new(&doc, Some(m)));
    let memo = point_memo.as_ref().or(memo);
    let raw = read_with(&doc, origin, &mut diags, memo);
    let base = validate(&raw, stem, &mut diags);
    let (sweep, uncertain) = match varies {
        Some(varies) => {
            super::ranges::read_ranges(&doc, origin, stem, varies, &mut sources, &mut diags, each)
        }
        None => (None, vec![]),
    };
    let observed = match (&base, varies) {
        (Some(base), Some(_)) => super::observed::read_observed(&doc, base, &mut diags),
        _ => vec![],
    };
    let base_diags = diags.clone();
    let listed: Vec<_> = raw.variants.iter().filter(|_| with_variants).collect();
    let checked = map_each(each, listed.len(), |i| {
        let rv = listed[i];
        let Some(set) = rv.set else {
            return (Vec::new(), None);
        };
        let super::doc::Value::Table(set) = &set.value else {
            return (Vec::new(), None);
        };
        let mut vdoc: Table = doc.clone();
        let mut vdiags = Vec::new();
        let overrides = flatten_set(set);
        for (i, ov) in overrides.iter().enumerate() {
            if let Some(first) = overrides[..i]
                .iter()
                .find(|o| field(&o.path) == field(&ov.path))
            {
                vdiags.push(set_twice(first, ov, &sources));
                continue;
            }
            if let Err(d) = apply(&mut vdoc, ov, Editor::Variant, &builtins) {
                vdiags.push(d);
            }
        }
        let mut found = Vec::new();
        let vraw = read_with(&vdoc, origin, &mut found, memo);
        let scenario = validate_like(&vraw, stem, &mut found, base.as_ref());
        // Problems already reported for the base are not repeated per variant.
        vdiags.extend(found.into_iter().filter(|d| !base_diags.contains(d)));
        for d in &mut vdiags {
            d.variant = Some(rv.name.v.clone());
        }
        let variant = scenario.map(|scenario| Variant {
            name: rv.name.v.clone(),
            description: rv.description.clone(),
            overrides: overrides
                .iter()
                .map(|o| (o.path.clone(), o.value.value.to_string()))
                .collect(),
            scenario,
        });
        (vdiags, variant)
    });
    let mut variants = Vec::new();
    for (vdiags, variant) in checked {
        diags.extend(vdiags);
        variants.extend(variant);
    }
    match base {
        Some(base) if diags.is_empty() => Ok(ScenarioSet {
            base,
            base_overrides,
            variants,
            sweep,
            uncertain,
            observed,
        }),
        _ => Err(finish(diags, sources)),
    }
}

/// The field a path sets: one share of an allocation sets the whole table.
fn field(path: &str) -> String {
    allocation_share(path).map_or_else(|| path.to_string(), |(table, _)| table)
}

/// A variant's `set` that reaches one field twice (the same path spelt as a
/// dotted key and as nested tables, a share and its whole allocation, or two
/// shares of one allocation): which value was meant cannot be known.
fn set_twice(first: &Override, second: &Override, sources: &Sources) -> Diagnostic {
    let at = sources.describe(first.loc);
    let message = if first.path == second.path {
        format!("set twice in this variant's `set` (first at {at}); give each path once")
    } else {
        format!(
            "sets the same allocation as `{}` (at {at}); set one share (the others take up the rest) or the whole table, once",
            first.path
        )
    };
    Diagnostic::new(Some(second.loc), &second.path, message)
}

/// Parses `PATH=VALUE` (VALUE in TOML syntax).
fn parse_set(arg: &str, sources: &mut Sources) -> Result<Override, Vec<Diagnostic>> {
    let src = sources.add(format!("--set {arg}"), arg, 0);
    let loc = Loc::whole(src);
    let Some((path, value)) = arg.split_once('=') else {
        return Err(vec![Diagnostic::new(
            Some(loc),
            "",
            "expected PATH=VALUE, e.g. --set alliance.intel_sharing=0.6 (VALUE in TOML syntax; quote strings: --set 'alliance.pool_recipient=\"TJK\"')",
        )]);
    };
    let path = path.trim();
    if path.is_empty() || path.split('.').any(str::is_empty) {
        return Err(vec![Diagnostic::new(
            Some(loc),
            path,
            "expected a dotted path before `=`, e.g. states.TJK.budget",
        )]);
    }
    let vsrc = sources.add(format!("--set {arg}"), arg, path.len() + 1);
    match parse_value(value.trim(), vsrc) {
        Ok(mut node) => {
            // Every part of the value is reported as the argument itself:
            // a column inside it would not help.
            relocate(&mut node, loc);
            Ok(Override {
                path: path.to_string(),
                value: node,
                loc,
            })
        }
        Err(errors) => Err(errors
            .into_iter()
            .map(|e| {
                Diagnostic::new(
                    Some(loc),
                    path,
                    format!(
                        "VALUE is not valid TOML ({}); strings need quotes, e.g. '\"TJK\"'",
                        e.message
                    ),
                )
            })
            .collect()),
    }
}

/// Gives `node` and everything inside it the location `loc`.
fn relocate(node: &mut super::doc::Node, loc: Loc) {
    node.loc = loc;
    match &mut node.value {
        super::doc::Value::Array(items) => items.iter_mut().for_each(|n| relocate(n, loc)),
        super::doc::Value::Table(t) => {
            for (k, n) in t.entries_mut() {
                k.loc = loc;
                relocate(n, loc);
            }
        }
        _ => {}
    }
}

fn finish(mut items: Vec<Diagnostic>, sources: Sources) -> Diagnostics {
    items.sort_by_key(|d| (d.loc.is_none(), d.loc.map(|l| (l.source, l.start))));
    items.dedup();
    // A misspelt required key is reported once, as the unknown key with its
    // suggestion, not again as the missing key.
    let misspelt: Vec<String> = items
        .iter()
        .filter(|d| d.message.starts_with("unknown key"))
        .filter_map(|d| {
            let parent = d.path.rsplit_once('.').map_or("", |(p, _)| p);
            d.suggestion
                .as_ref()
                .map(|s| super::fields::join(parent, s))
        })
        .collect();
    items.retain(|d| {
        !(d.message.starts_with("missing required field") && misspelt.contains(&d.path))
    });
    Diagnostics { items, sources }
}

/// A scenario's text parsed once, from which the base scenario at many
/// parameter points is built without parsing it again (calibration builds
/// one per particle; parsing was half the cost).
#[derive(Debug, Clone)]
pub struct BaseTemplate {
    stem: String,
    doc: Table,
    sources: Sources,
    origin: Loc,
    builtins: Vec<String>,
    /// The document as read, for what a point leaves as it is (read at
    /// the first point; see [`Parsed`]).
    memo: std::sync::Arc<std::sync::OnceLock<ReadMemo>>,
}

impl BaseTemplate {
    /// Parses `text` and applies `sets`; the problems are those
    /// [`load_str`] would report for the parse and the `--set` values.
    pub fn new(name: &str, stem: &str, text: &str, sets: &[String]) -> Result<Self, Diagnostics> {
        let mut sources = Sources::default();
        let file = sources.add(name, text, 0);
        let mut doc = parse_document(text, file).map_err(|errors| {
            let diags = errors
                .into_iter()
                .map(|e| {
                    Diagnostic::new(Some(e.loc), "", format!("TOML syntax error: {}", e.message))
                })
                .collect();
            finish(diags, sources.clone())
        })?;
        let builtins: Vec<String> = builtin_terrains().into_iter().map(|t| t.name).collect();
        let mut diags = Vec::new();
        apply_sets(
            &mut doc,
            sets,
            &mut sources,
            &builtins,
            &mut diags,
            &mut Vec::new(),
        );
        if !diags.is_empty() {
            return Err(finish(diags, sources));
        }
        Ok(BaseTemplate {
            stem: stem.to_string(),
            doc,
            sources,
            origin: Loc::whole(file),
            builtins,
            memo: Default::default(),
        })
    }

    /// The base scenario with `sets` applied on top: the same scenario as
    /// [`load_base_point`] with the template's sets followed by these.
    pub fn scenario(&self, sets: &[String]) -> Result<super::types::Scenario, Diagnostics> {
        let mut doc = self.doc.clone();
        let mut sources = self.sources.clone();
        let mut diags = Vec::new();
        apply_sets(
            &mut doc,
            sets,
            &mut sources,
            &self.builtins,
            &mut diags,
            &mut Vec::new(),
        );
        let memo = self.memo.get_or_init(|| ReadMemo::new(&self.doc, None));
        let raw = read_with(&doc, self.origin, &mut diags, Some(memo));
        let base = validate(&raw, &self.stem, &mut diags);
        match base {
            Some(base) if diags.is_empty() => Ok(base),
            _ => Err(finish(diags, sources)),
        }
    }
}

/// Applies `--set` arguments to `doc`, recording problems and the applied
/// `(path, value)` pairs.
fn apply_sets(
    doc: &mut Table,
    sets: &[String],
    sources: &mut Sources,
    builtins: &[String],
    diags: &mut Vec<Diagnostic>,
    applied: &mut Vec<(String, String)>,
) {
    for arg in sets {
        match parse_set(arg, sources) {
            Ok(ov) => match apply(doc, &ov, Editor::CommandLine, builtins) {
                Ok(()) => applied.push((ov.path.clone(), ov.value.value.to_string())),
                Err(d) => diags.push(d),
            },
            Err(d) => diags.extend(d),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scenario validated like another takes the other's links and hop
    /// counts only where they would be its own: the same scenario (and
    /// problems) as validated alone, the tables shared exactly when the
    /// map (and the targets) are the same.
    #[test]
    fn a_network_taken_from_another_scenario_is_the_one_built() {
        let text = include_str!("../../tests/data/all_features.toml");
        let like = load_str("a.toml", "a", text, &[]).expect("valid").base;
        // A border that joins other regions: another map.
        let moved = text.replacen(
            "a = \"SRC_1\"\nb = \"B_1\"",
            "a = \"SRC_2\"\nb = \"B_1\"",
            1,
        );
        assert_ne!(moved, text);
        // (text, sets, same links, same hop counts)
        let cases: [(&str, &[&str], bool, bool); 5] = [
            (text, &[], true, true),
            (text, &["regions.A_2.population=5"], true, true),
            // A_2 stops being a target; A_1 (weight 0) becomes one.
            (text, &["regions.A_2.target_weight=0"], true, false),
            (text, &["regions.A_1.target_weight=2"], true, false),
            (&moved, &[], false, false),
        ];
        for (text, sets, links, hops) in cases {
            let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
            let mut sources = Sources::default();
            let file = sources.add("a.toml", text, 0);
            let mut doc = parse_document(text, file).expect("parses");
            let builtins: Vec<String> = builtin_terrains().into_iter().map(|t| t.name).collect();
            let mut diags = Vec::new();
            apply_sets(
                &mut doc,
                &sets,
                &mut sources,
                &builtins,
                &mut diags,
                &mut Vec::new(),
            );
            assert!(diags.is_empty(), "{sets:?}");
            let raw = read_with(&doc, Loc::whole(file), &mut diags, None);
            let mut alone_diags = diags.clone();
            let alone = validate(&raw, "a", &mut alone_diags);
            let taken = validate_like(&raw, "a", &mut diags, Some(&like));
            assert_eq!(format!("{alone:?}"), format!("{taken:?}"), "{sets:?}");
            assert_eq!(alone_diags, diags, "{sets:?}");
            let net = &taken.expect("valid").network;
            use std::sync::Arc;
            let same_links = Arc::ptr_eq(&net.neighbours, &like.network.neighbours);
            assert_eq!(same_links, links, "{sets:?}");
            assert_eq!(Arc::ptr_eq(&net.hops, &like.network.hops), hops, "{sets:?}");
        }
    }

    /// Both built the same scenario (set), or both failed with the same
    /// problems.
    fn same_outcome<T: std::fmt::Debug>(
        once: &Result<T, Diagnostics>,
        again: &Result<T, Diagnostics>,
        sets: &[String],
    ) {
        match (once, again) {
            (Ok(a), Ok(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}"), "{sets:?}"),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{sets:?}"),
            _ => panic!("{sets:?}: one built, the other did not"),
        }
    }

    /// A set built from the text parsed once is the one built from the
    /// text, and so are its problems.
    #[test]
    fn a_parsed_text_builds_the_points_the_text_builds() {
        let text = include_str!("../../tests/data/all_features.toml");
        let parsed = Parsed::new("a.toml", "a", text).expect("the file parses");
        for sets in [
            vec![],
            vec!["model.detection_scale=0.7".to_string()],
            vec!["model.detection_scale=-1".to_string()],
            vec!["model.detection_scal=1".to_string()],
            vec!["scenario.weeks=\"many\"".to_string()],
            vec![
                "scenario.weeks=20".to_string(),
                "model.pooling=2".to_string(),
            ],
            // Elements and sections changed, kept or made invalid: each is
            // read again, the others taken from what the first point read.
            vec![
                "regions.SRC_2.new_cells=3.5".to_string(),
                "states.MEM_A.budget=7".to_string(),
                "borders.src_par.priority=2".to_string(),
            ],
            vec!["states.MEM_B.budget=-1".to_string()],
            vec!["regions.A_1.state=\"MEM_C\"".to_string()],
            vec!["exercises.joint.cost=-2".to_string()],
            vec!["alliance.intel_sharing=0.9".to_string()],
            vec!["terrain.marsh.sweep=0.5".to_string()],
            vec!["source.hardship=0.2".to_string()],
        ] {
            let once = parsed.point(&sets);
            let again = load_point("a.toml", "a", text, &sets);
            same_outcome(&once, &again, &sets);
        }
        // The base alone, from a template with sets of its own, is the
        // base of the text with the template's sets and the point's.
        let own = vec!["model.detection_scale=0.8".to_string()];
        let template = BaseTemplate::new("a.toml", "a", text, &own).expect("a template");
        for sets in [
            vec![],
            vec!["regions.SRC_2.new_cells=3.5".to_string()],
            vec!["states.MEM_B.budget=-1".to_string()],
            vec!["model.detection_scale=0.6".to_string()],
        ] {
            let all: Vec<String> = own.iter().chain(&sets).cloned().collect();
            let once = template.scenario(&sets);
            let again = load_base_point("a.toml", "a", text, &all);
            same_outcome(&once, &again, &sets);
        }
        // A text with an element that does not read: the memo keeps no
        // result for it, its problem is reported at every point that
        // leaves it, and a point that mends it builds.
        let bad = text.replacen("budget = 0\n", "budget = -3\n", 1);
        assert_ne!(bad, text);
        let parsed = Parsed::new("c.toml", "c", &bad).expect("the file parses");
        for sets in [
            vec![],
            vec!["states.MEM_A.budget=5".to_string()],
            vec!["states.MEM_B.budget=5".to_string()],
        ] {
            let once = parsed.point(&sets);
            let again = load_point("c.toml", "c", &bad, &sets);
            same_outcome(&once, &again, &sets);
        }
        assert!(
            parsed.point(&[]).is_err()
                && parsed.point(&["states.MEM_B.budget=5".to_string()]).is_ok()
        );
        let broken = "[scenario\nname = 1";
        let e = Parsed::new("b.toml", "b", broken).expect_err("not TOML");
        let again = load_point("b.toml", "b", broken, &[]).expect_err("not TOML");
        assert_eq!(e.to_string(), again.to_string());
    }
}
