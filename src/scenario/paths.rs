//! Dotted paths that name one value of a scenario, and overrides through them.
//!
//! A variant's `set` and `--set PATH=VALUE` both become a list of
//! [`Override`]s applied to the document tree before it is read, so a value
//! changed by either is checked exactly like one written in the file.

use std::borrow::Cow;

use super::diagnostic::{Diagnostic, closest};
use super::doc::{Key, Loc, Node, Table, Value};
use super::read::default_border_id;
use super::schema::{ALLOCATION_KEYS, SECTIONS, Section, Shape, section};

/// One value to put at one path.
#[derive(Debug, Clone)]
pub(crate) struct Override {
    pub path: String,
    pub value: Node,
    /// Where the path was written (the key in `set`, or the `--set` argument).
    pub loc: Loc,
}

/// Who is asking: `--set` may change `scenario.*`, a variant may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Editor {
    CommandLine,
    Variant,
}

enum Shape2 {
    /// More segments are needed.
    Partial,
    /// The path names a field (a plain value or a value table).
    Field,
    Invalid,
}

fn classify(segs: &[&str]) -> Shape2 {
    let Some(sec) = segs.first().and_then(|s| section(s)) else {
        return Shape2::Invalid;
    };
    let field_at = match sec.shape {
        Shape::Table => 1,
        Shape::Named | Shape::Array(_) => 2,
    };
    if segs.len() <= field_at {
        return Shape2::Partial;
    }
    if segs.len() == field_at + 1 {
        return Shape2::Field;
    }
    Shape2::Invalid
}

/// Flattens a variant's `set` table: keys may be quoted dotted paths or
/// nested tables, down to a plain value or a value table.
pub(crate) fn flatten_set(set: &Table) -> Vec<Override> {
    let mut out = Vec::new();
    for (key, node) in set.entries.iter() {
        flatten_into(&key.name, key.loc, node, &mut out);
    }
    out
}

fn flatten_into(prefix: &str, loc: Loc, node: &Node, out: &mut Vec<Override>) {
    let segs: Vec<&str> = prefix.split('.').collect();
    match (&node.value, classify(&segs)) {
        (Value::Table(t), Shape2::Partial) if !t.entries.is_empty() => {
            for (k, n) in t.entries.iter() {
                flatten_into(&format!("{prefix}.{}", k.name), k.loc, n, out);
            }
        }
        _ => out.push(Override {
            path: prefix.to_string(),
            value: node.clone(),
            loc,
        }),
    }
}

/// The id of an array element (a border's default id is `A-B`).
fn element_id<'n>(sec: &Section, node: &'n Node) -> Option<Cow<'n, str>> {
    let Value::Table(t) = &node.value else {
        return None;
    };
    let Shape::Array(key) = sec.shape else {
        return None;
    };
    let str_of = |k: &str| match t.get(k).map(|n| &n.value) {
        Some(Value::Str(s)) => Some(s.as_str()),
        _ => None,
    };
    match str_of(key) {
        Some(id) => Some(Cow::Borrowed(id)),
        None => (sec.name == "borders")
            .then(|| Some(Cow::Owned(default_border_id(str_of("a")?, str_of("b")?))))
            .flatten(),
    }
}

/// Names of the existing elements of an array section, or of terrain classes.
fn element_names(doc: &Table, sec: &Section, builtin_terrains: &[String]) -> Vec<String> {
    match (sec.shape, doc.get(sec.name).map(|n| &n.value)) {
        (Shape::Array(_), Some(Value::Array(items))) => items
            .iter()
            .filter_map(|n| element_id(sec, n).map(Cow::into_owned))
            .collect(),
        (Shape::Named, node) => {
            let mut names = builtin_terrains.to_vec();
            if let Some(Value::Table(t)) = node {
                for (k, _) in t.entries.iter() {
                    if !names.contains(&k.name) {
                        names.push(k.name.clone());
                    }
                }
            }
            names
        }
        _ => vec![],
    }
}

/// Puts `ov.value` at `ov.path` in `doc`, or explains why it cannot.
pub(crate) fn apply(
    doc: &mut Table,
    ov: &Override,
    editor: Editor,
    builtin_terrains: &[String],
) -> Result<(), Diagnostic> {
    let segs: Vec<&str> = ov.path.split('.').collect();
    let err = |msg: String, suggestion: Option<String>| {
        Err(Diagnostic::new(Some(ov.loc), &ov.path, msg).suggest(suggestion))
    };
    let names: Vec<&str> = SECTIONS
        .iter()
        .filter(|s| s.overridable)
        .map(|s| s.name)
        .collect();
    let Some(sec) = segs
        .first()
        .and_then(|s| section(s))
        .filter(|s| s.overridable)
    else {
        let hint = closest(segs[0], names.iter().copied()).map(|s| replace_seg(&segs, 0, &s));
        return err(
            format!(
                "unknown path: `{}` is not a section that can be set (expected one of: {})",
                segs[0],
                names.join(", ")
            ),
            hint,
        );
    };
    if editor == Editor::Variant && sec.name == "scenario" {
        return err("a variant cannot change `scenario.*` (weeks, trials, seed are shared by all variants so that they can be compared)".into(), None);
    }
    let (field_at, share) = field_of(&segs, sec, ov)?;
    let field = segs[field_at];
    let key = Key {
        name: field.to_string(),
        loc: ov.loc,
    };
    match sec.shape {
        Shape::Table => {
            section_table(doc, sec.name, ov.loc)?.set(key, ov.value.clone());
        }
        Shape::Named => {
            let class = segs[1];
            let existing = element_names(doc, sec, builtin_terrains);
            if !existing.iter().any(|n| n == class) {
                let hint = closest(class, existing.iter().map(|s| s.as_str()))
                    .map(|s| replace_seg(&segs, 1, &s));
                return err(
                    format!(
                        "unknown terrain class `{class}`; overrides cannot add classes (known: {})",
                        existing.join(", ")
                    ),
                    hint,
                );
            }
            let terrain = section_table(doc, "terrain", ov.loc)?;
            if terrain.get(class).is_none() {
                terrain.set(
                    Key {
                        name: class.to_string(),
                        loc: ov.loc,
                    },
                    Node {
                        value: Value::Table(Table::default()),
                        loc: ov.loc,
                    },
                );
            }
            match terrain.get_mut(class).map(|n| &mut n.value) {
                Some(Value::Table(t)) => t.set(key, ov.value.clone()),
                _ => return err(format!("terrain.{class} is not a table"), None),
            }
        }
        Shape::Array(_) => {
            let id = segs[1];
            let Some(Value::Array(items)) = doc.get_mut(sec.name).map(|n| &mut n.value) else {
                return err(
                    format!("unknown id `{id}`: the scenario has no [[{}]]", sec.name),
                    None,
                );
            };
            let Some(Node {
                value: Value::Table(t),
                ..
            }) = items
                .iter_mut()
                .find(|n| element_id(sec, n).as_deref() == Some(id))
            else {
                // The names are only needed for the message.
                let existing = element_names(doc, sec, builtin_terrains);
                let hint = closest(id, existing.iter().map(|s| s.as_str()))
                    .map(|s| replace_seg(&segs, 1, &s));
                return err(
                    format!(
                        "unknown id `{id}` in [[{}]]; overrides cannot add elements",
                        sec.name
                    ),
                    hint,
                );
            };
            let value = match share {
                Some(which) => share_set(t, which, &ov.value),
                None => ov.value.clone(),
            };
            t.set(key, value);
        }
    }
    Ok(())
}

/// Checks the part of an override's path after its section: the field
/// exists and may be set, and a path below it is one allocation share.
/// Returns the field's position in the path and the share's index.
fn field_of(
    segs: &[&str],
    sec: &Section,
    ov: &Override,
) -> Result<(usize, Option<usize>), Diagnostic> {
    let fail = |msg: String, suggestion: Option<String>| {
        Err(Diagnostic::new(Some(ov.loc), &ov.path, msg).suggest(suggestion))
    };
    let field_at = match sec.shape {
        Shape::Table => 1,
        _ => 2,
    };
    if segs.len() <= field_at {
        let what = match sec.shape {
            Shape::Table => format!("{}.FIELD", sec.name),
            Shape::Named => "terrain.CLASS.FIELD".to_string(),
            Shape::Array(_) => format!("{}.ID.FIELD", sec.name),
        };
        return fail(
            format!(
                "incomplete path: expected `{what}`; sections and elements are never replaced whole, only their fields"
            ),
            None,
        );
    }
    let field = segs[field_at];
    if !sec.keys.contains(&field) {
        let hint =
            closest(field, sec.keys.iter().copied()).map(|s| replace_seg(segs, field_at, &s));
        return fail(
            format!(
                "unknown path: `{field}` is not a field of {} (expected one of: {})",
                sec.name,
                sec.keys.join(", ")
            ),
            hint,
        );
    }
    // One share of a member's allocation: the other two take up the rest.
    let share = match segs {
        ["states", _, "allocation", name] => match ALLOCATION_KEYS.iter().position(|k| k == name) {
            Some(i) => Some(i),
            None => {
                let hint = closest(name, ALLOCATION_KEYS.iter().copied())
                    .map(|c| replace_seg(segs, 3, &c));
                return fail(
                    format!(
                        "unknown share `{name}` of an allocation; expected one of: {} (or set `{}` = {{ ... }} whole)",
                        ALLOCATION_KEYS.join(", "),
                        segs[..3].join(".")
                    ),
                    hint,
                );
            }
        },
        _ => None,
    };
    if segs.len() > field_at + 1 && share.is_none() {
        let msg = if sec.value_tables.contains(&field) {
            format!(
                "`{field}` is replaced as a whole table: set `{}` = {{ ... }}",
                segs[..=field_at].join(".")
            )
        } else {
            format!("`{field}` is a plain value and has no fields")
        };
        return fail(
            format!("unknown path: {msg}"),
            Some(segs[..=field_at].join(".")),
        );
    }
    if sec.fixed.contains(&field) {
        return fail(
            format!(
                "`{field}` cannot be overridden: ids, a border's ends, a region's state and a state's role are fixed"
            ),
            None,
        );
    }
    Ok((field_at, share))
}

/// Where a share path points: `states.ID.allocation.SHARE` gives
/// (`states.ID.allocation`, index of SHARE).
pub fn allocation_share(path: &str) -> Option<(String, usize)> {
    let segs: Vec<&str> = path.split('.').collect();
    match segs.as_slice() {
        ["states", id, "allocation", share] => ALLOCATION_KEYS
            .iter()
            .position(|k| k == share)
            .map(|i| (format!("states.{id}.allocation"), i)),
        _ => None,
    }
}

/// The allocation with share `which` at `x` and the other two rescaled to
/// take up `1 - x` in the proportion they have in `base` (equally when both
/// are 0). `--set`, a variant's `set` and `--vary` all use it for a path
/// `states.ID.allocation.SHARE`.
pub fn allocation_at(base: [f64; 3], which: usize, x: f64) -> [f64; 3] {
    let others: Vec<usize> = (0..3).filter(|&i| i != which).collect();
    let rest: f64 = others.iter().map(|&i| base[i]).sum();
    let mut out = [0.0; 3];
    out[which] = x;
    for &i in &others {
        out[i] = if rest > 0.0 {
            (1.0 - x) * base[i] / rest
        } else {
            (1.0 - x) / 2.0
        };
    }
    out
}

/// The shares of an allocation as written in a state's table (missing or
/// non-numeric shares: 0).
pub(crate) fn written_shares(state: &Table) -> [f64; 3] {
    let mut out = [0.0; 3];
    if let Some(Value::Table(a)) = state.get("allocation").map(|n| &n.value) {
        for (i, k) in ALLOCATION_KEYS.iter().enumerate() {
            out[i] = match a.get(k).map(|n| &n.value) {
                Some(Value::Float(x)) => *x,
                Some(Value::Int(x)) => *x as f64,
                _ => 0.0,
            };
        }
    }
    out
}

/// An `allocation` value table with the given shares, all at `loc`.
pub(crate) fn allocation_table(shares: [f64; 3], loc: Loc) -> Value {
    let mut t = Table::default();
    for (k, x) in ALLOCATION_KEYS.iter().zip(shares) {
        t.set(
            Key {
                name: k.to_string(),
                loc,
            },
            Node {
                value: Value::Float(x),
                loc,
            },
        );
    }
    Value::Table(t)
}

/// The allocation a state gets from setting share `which` to `value`: the
/// rule of [`allocation_at`] for a number from 0 to 1. Any other value goes
/// in as written beside the other shares as they are, so that validation
/// reports it, and only it, as it would in the file.
fn share_set(state: &Table, which: usize, value: &Node) -> Node {
    let x = match value.value {
        Value::Float(x) => Some(x),
        Value::Int(x) => Some(x as f64),
        _ => None,
    };
    let table = match x.filter(|x| (0.0..=1.0).contains(x)) {
        Some(x) => allocation_table(allocation_at(written_shares(state), which, x), value.loc),
        None => {
            let mut t = match state.get("allocation").map(|n| &n.value) {
                Some(Value::Table(t)) => t.clone(),
                _ => Table::default(),
            };
            t.set(
                Key {
                    name: ALLOCATION_KEYS[which].to_string(),
                    loc: value.loc,
                },
                value.clone(),
            );
            Value::Table(t)
        }
    };
    Node {
        value: table,
        loc: value.loc,
    }
}

fn section_table<'a>(
    doc: &'a mut Table,
    name: &str,
    loc: Loc,
) -> Result<&'a mut Table, Diagnostic> {
    if doc.get(name).is_none() {
        doc.set(
            Key {
                name: name.to_string(),
                loc,
            },
            Node {
                value: Value::Table(Table::default()),
                loc,
            },
        );
    }
    match doc.get_mut(name).map(|n| &mut n.value) {
        Some(Value::Table(t)) => Ok(t),
        _ => Err(Diagnostic::new(
            Some(loc),
            name,
            format!("[{name}] is not a table"),
        )),
    }
}

fn replace_seg(segs: &[&str], i: usize, with: &str) -> String {
    let mut v: Vec<&str> = segs.to_vec();
    v[i] = with;
    v.join(".")
}
