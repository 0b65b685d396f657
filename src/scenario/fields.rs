//! Typed access to the fields of one table, with every problem recorded.
//!
//! A [`Fields`] wraps one table of the document and the path that names it.
//! Each accessor checks type and range and, on failure, records a
//! [`Diagnostic`] and returns `None`, so reading goes on and all problems are
//! reported together.

use super::diagnostic::{Diagnostic, closest};
use super::doc::{Loc, Node, Table, Value};

/// The ranges of docs/model.md §4, and a few more for coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bound {
    /// [0, 1]
    Unit,
    /// (0, 1]
    UnitOpenLow,
    /// > 0
    Positive,
    /// > 0, or `inf`
    PositiveOrInf,
    /// > 1
    AboveOne,
    /// >= 1
    AtLeastOne,
    /// >= 0
    NonNeg,
    /// any finite number
    Finite,
    /// [-180, 180]
    Longitude,
    /// [-90, 90]
    Latitude,
}

impl Bound {
    /// What a valid value looks like, for messages.
    pub(crate) fn expected(self) -> &'static str {
        match self {
            Bound::Unit => "a number in [0, 1]",
            Bound::UnitOpenLow => "a number in (0, 1]",
            Bound::Positive => "a number > 0",
            Bound::PositiveOrInf => "a number > 0 (or inf)",
            Bound::AboveOne => "a number > 1",
            Bound::AtLeastOne => "a number >= 1",
            Bound::NonNeg => "a number >= 0",
            Bound::Finite => "a finite number",
            Bound::Longitude => "a longitude in [-180, 180]",
            Bound::Latitude => "a latitude in [-90, 90]",
        }
    }

    /// Whether `x` lies in the range.
    pub(crate) fn admits(self, x: f64) -> bool {
        if x.is_nan() {
            return false;
        }
        if x.is_infinite() {
            return self == Bound::PositiveOrInf && x > 0.0;
        }
        match self {
            Bound::Unit => (0.0..=1.0).contains(&x),
            Bound::UnitOpenLow => x > 0.0 && x <= 1.0,
            Bound::Positive | Bound::PositiveOrInf => x > 0.0,
            Bound::AboveOne => x > 1.0,
            Bound::AtLeastOne => x >= 1.0,
            Bound::NonNeg => x >= 0.0,
            Bound::Finite => true,
            Bound::Longitude => (-180.0..=180.0).contains(&x),
            Bound::Latitude => (-90.0..=90.0).contains(&x),
        }
    }
}

/// Whether `s` is a valid id: letters, digits and `_`, not empty.
pub(crate) fn is_id(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// One table being read.
pub(crate) struct Fields<'a> {
    pub table: &'a Table,
    /// Dotted path of the table, e.g. `states.TJK`.
    pub path: String,
    /// Where the table starts.
    pub loc: Loc,
}

impl<'a> Fields<'a> {
    /// Wraps `node` as a table whose keys must be among `allowed`; records
    /// unknown keys (with the closest allowed one) and a wrong type.
    pub(crate) fn open(
        node: &'a Node,
        path: impl Into<String>,
        allowed: &[&str],
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Fields<'a>> {
        let path = path.into();
        let Value::Table(table) = &node.value else {
            diags.push(Diagnostic::new(
                Some(node.loc),
                &path,
                format!("expected a table, found {}", node.value.kind()),
            ));
            return None;
        };
        for (key, _) in table.entries.iter() {
            if !allowed.contains(&key.name.as_str()) {
                diags.push(
                    Diagnostic::new(
                        Some(key.loc),
                        join(&path, &key.name),
                        format!(
                            "unknown key `{}`; expected one of: {}",
                            key.name,
                            allowed.join(", ")
                        ),
                    )
                    .suggest(closest(&key.name, allowed.iter().copied())),
                );
            }
        }
        Some(Fields {
            table,
            path,
            loc: node.loc,
        })
    }

    /// The path of `key` in this table.
    pub(crate) fn path_of(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The raw node under `key`.
    pub(crate) fn node(&self, key: &str) -> Option<&'a Node> {
        self.table.get(key)
    }

    /// Whether `key` is present.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.table.get(key).is_some()
    }

    /// Records that a required `key` is missing.
    pub(crate) fn missing(&self, key: &str, what: &str, diags: &mut Vec<Diagnostic>) {
        diags.push(Diagnostic::new(
            Some(self.loc),
            self.path_of(key),
            format!("missing required field `{key}` ({what})"),
        ));
    }

    /// An optional number in `bound`; integers are accepted.
    pub(crate) fn num(&self, key: &str, bound: Bound, diags: &mut Vec<Diagnostic>) -> Option<f64> {
        let node = self.node(key)?;
        let x = match node.value {
            Value::Float(x) => x,
            Value::Int(i) => i as f64,
            _ => {
                self.wrong_type(node, key, bound.expected(), diags);
                return None;
            }
        };
        if !bound.admits(x) {
            diags.push(Diagnostic::new(
                Some(node.loc),
                self.path_of(key),
                format!("expected {}, found {}", bound.expected(), node.value),
            ));
            return None;
        }
        Some(x)
    }

    /// A required number in `bound`.
    pub(crate) fn req_num(
        &self,
        key: &str,
        bound: Bound,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<f64> {
        if !self.has(key) {
            self.missing(key, bound.expected(), diags);
            return None;
        }
        self.num(key, bound, diags)
    }

    /// An optional integer in `lo..=hi`; floats are refused.
    pub(crate) fn int(
        &self,
        key: &str,
        lo: i128,
        hi: i128,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<i128> {
        let node = self.node(key)?;
        int_value(node, &self.path_of(key), lo, hi, diags)
    }

    /// A required integer in `lo..=hi`.
    pub(crate) fn req_int(
        &self,
        key: &str,
        lo: i128,
        hi: i128,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<i128> {
        if !self.has(key) {
            self.missing(key, &int_expected(lo, hi), diags);
            return None;
        }
        self.int(key, lo, hi, diags)
    }

    /// An optional string.
    pub(crate) fn str(&self, key: &str, diags: &mut Vec<Diagnostic>) -> Option<(&'a str, Loc)> {
        let node = self.node(key)?;
        match &node.value {
            Value::Str(s) => Some((s.as_str(), node.loc)),
            _ => {
                self.wrong_type(node, key, "a string", diags);
                None
            }
        }
    }

    /// A required string.
    pub(crate) fn req_str(&self, key: &str, diags: &mut Vec<Diagnostic>) -> Option<(&'a str, Loc)> {
        if !self.has(key) {
            self.missing(key, "a string", diags);
            return None;
        }
        self.str(key, diags)
    }

    /// A required id (letters, digits and `_`).
    pub(crate) fn req_id(&self, key: &str, diags: &mut Vec<Diagnostic>) -> Option<(&'a str, Loc)> {
        let (s, loc) = self.req_str(key, diags)?;
        if !is_id(s) {
            diags.push(Diagnostic::new(
                Some(loc),
                self.path_of(key),
                format!("expected an id made of letters, digits and `_`, found {s:?}"),
            ));
            return None;
        }
        Some((s, loc))
    }

    /// A nested table under `key`, if present.
    pub(crate) fn table(
        &self,
        key: &str,
        allowed: &[&str],
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Fields<'a>> {
        let node = self.node(key)?;
        Fields::open(node, self.path_of(key), allowed, diags)
    }

    fn wrong_type(&self, node: &Node, key: &str, expected: &str, diags: &mut Vec<Diagnostic>) {
        diags.push(Diagnostic::new(
            Some(node.loc),
            self.path_of(key),
            format!(
                "expected {expected}, found {} {}",
                node.value.kind(),
                node.value
            ),
        ));
    }
}

/// Checks that `node` is an integer in `lo..=hi`.
pub(crate) fn int_value(
    node: &Node,
    path: &str,
    lo: i128,
    hi: i128,
    diags: &mut Vec<Diagnostic>,
) -> Option<i128> {
    let expected = int_expected(lo, hi);
    match node.value {
        Value::Int(i) if (lo..=hi).contains(&i) => Some(i),
        Value::Int(_) => {
            diags.push(Diagnostic::new(
                Some(node.loc),
                path,
                format!("expected {expected}, found {}", node.value),
            ));
            None
        }
        _ => {
            diags.push(Diagnostic::new(
                Some(node.loc),
                path,
                format!(
                    "expected {expected}, found {} {}",
                    node.value.kind(),
                    node.value
                ),
            ));
            None
        }
    }
}

fn int_expected(lo: i128, hi: i128) -> String {
    if hi >= i128::from(u64::MAX) {
        format!("an integer >= {lo}")
    } else {
        format!("an integer from {lo} to {hi}")
    }
}

/// `a.b`, or `b` when `a` is empty.
pub(crate) fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}.{b}")
    }
}
