//! The scenario document as a tree of values that remember where they came from.
//!
//! TOML text is parsed once into this owned tree. Every node keeps its origin
//! (the scenario file, or one `--set` argument) and its byte span, so that any
//! later message can name a file, line and column. Overrides (a variant's
//! `set`, `--set PATH=VALUE`) are applied to this tree before it is read, which
//! is what makes them one mechanism.

use std::fmt;
use std::sync::Arc;

/// Where a piece of text came from: a file, or a command-line argument.
#[derive(Debug, Clone)]
pub struct Origin {
    /// Shown to the user: a file path, or `--set PATH=VALUE`.
    pub name: String,
    /// The full text, to turn byte offsets into lines and columns.
    pub text: Arc<str>,
    /// Bytes to subtract from spans before looking them up in `text`
    /// (a `--set` value is parsed on its own, after `PATH=`).
    pub offset: usize,
}

/// All texts a scenario was assembled from; a [`Loc`] indexes into it.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    origins: Vec<Origin>,
}

impl Sources {
    /// Registers a text and returns its index for [`Loc::source`].
    pub fn add(
        &mut self,
        name: impl Into<String>,
        text: impl Into<Arc<str>>,
        offset: usize,
    ) -> u16 {
        self.origins.push(Origin {
            name: name.into(),
            text: text.into(),
            offset,
        });
        (self.origins.len() - 1) as u16
    }

    /// Renders `loc` as `name:line:column` (1-based), or just `name` when
    /// the location has no span.
    pub fn describe(&self, loc: Loc) -> String {
        let Some(origin) = self.origins.get(loc.source as usize) else {
            return "<unknown>".to_string();
        };
        if loc.start == u32::MAX {
            return origin.name.clone();
        }
        let (line, col) = line_col(&origin.text, loc.start as usize + origin.offset);
        format!("{}:{}:{}", origin.name, line, col)
    }

    /// The parts of [`Sources::describe`] apart: the text's name and the
    /// 1-based line and column (`None` when the location has no span), for
    /// callers that show them as fields (the Python package's problems).
    pub fn position(&self, loc: Loc) -> Option<(&str, Option<(usize, usize)>)> {
        let origin = self.origins.get(loc.source as usize)?;
        if loc.start == u32::MAX {
            return Some((&origin.name, None));
        }
        let at = line_col(&origin.text, loc.start as usize + origin.offset);
        Some((&origin.name, Some(at)))
    }

    /// The origin with index `i`.
    pub fn origin(&self, i: u16) -> Option<&Origin> {
        self.origins.get(i as usize)
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let mut start = offset;
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// A position in one of the [`Sources`]: small and `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loc {
    /// Index into [`Sources`].
    pub source: u16,
    /// Byte offset of the start (`u32::MAX`: no position).
    pub start: u32,
}

impl Loc {
    /// A location that names its source but no position in it.
    pub fn whole(source: u16) -> Loc {
        Loc {
            source,
            start: u32::MAX,
        }
    }
}

/// A TOML value with its location.
#[derive(Debug, Clone)]
pub struct Node {
    pub value: Value,
    pub loc: Loc,
}

/// The kinds of TOML value.
#[derive(Debug, Clone)]
pub enum Value {
    Str(String),
    /// Integers beyond the i128 range are kept saturated; any field check
    /// then rejects them as too large.
    Int(i128),
    Float(f64),
    Bool(bool),
    Datetime(String),
    Array(Vec<Node>),
    Table(Table),
}

impl Value {
    /// What a user would call this kind of value, for "expected X, found Y".
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Str(_) => "a string",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Bool(_) => "a boolean",
            Value::Datetime(_) => "a date-time",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Datetime(d) => write!(f, "{d}"),
            Value::Array(a) => {
                write!(f, "[")?;
                for (i, n) in a.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{}", n.value)?;
                }
                write!(f, "]")
            }
            Value::Table(t) => {
                write!(f, "{{ ")?;
                for (i, (k, n)) in t.entries.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{} = {}", k.name, n.value)?;
                }
                write!(f, " }}")
            }
        }
    }
}

/// A key with the location where it was written.
#[derive(Debug, Clone)]
pub struct Key {
    pub name: String,
    pub loc: Loc,
}

/// A TOML table, in the order its keys were written. The entries are
/// shared between clones until one of them changes (each variant and
/// parameter point of a study starts from a clone of the whole document
/// and changes a few paths), so a clone costs a reference count.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub entries: Arc<Vec<(Key, Node)>>,
}

impl Table {
    /// The node under `key`, if present.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(_, n)| n)
    }

    /// The node under `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        Arc::make_mut(&mut self.entries)
            .iter_mut()
            .find(|(k, _)| k.name == key)
            .map(|(_, n)| n)
    }

    /// Sets `key` to `node`, replacing any earlier value.
    pub fn set(&mut self, key: Key, node: Node) {
        let entries = Arc::make_mut(&mut self.entries);
        match entries.iter_mut().find(|(k, _)| k.name == key.name) {
            Some((_, slot)) => *slot = node,
            None => entries.push((key, node)),
        }
    }

    /// The entries, to change in place.
    pub fn entries_mut(&mut self) -> &mut Vec<(Key, Node)> {
        Arc::make_mut(&mut self.entries)
    }
}

/// A TOML syntax error with its position.
#[derive(Debug, Clone)]
pub(crate) struct SyntaxError {
    pub loc: Loc,
    pub message: String,
}

/// Parses a whole TOML document into a [`Table`]. All syntax errors the
/// parser can recover from are returned together.
pub(crate) fn parse_document(text: &str, source: u16) -> Result<Table, Vec<SyntaxError>> {
    let (doc, errors) = toml::de::DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        return Err(errors.iter().map(|e| syntax_error(e, source)).collect());
    }
    let span = doc.span();
    match convert_table(doc.into_inner(), source) {
        Value::Table(t) => Ok(t),
        _ => Err(vec![SyntaxError {
            loc: at(source, span.start),
            message: "expected a TOML document".into(),
        }]),
    }
}

/// Parses one TOML value (the `VALUE` of `--set PATH=VALUE`).
pub(crate) fn parse_value(text: &str, source: u16) -> Result<Node, Vec<SyntaxError>> {
    let (value, errors) = toml::de::DeValue::parse_recoverable(text);
    if !errors.is_empty() {
        return Err(errors.iter().map(|e| syntax_error(e, source)).collect());
    }
    Ok(convert(value, source))
}

fn syntax_error(e: &toml::de::Error, source: u16) -> SyntaxError {
    let start = e.span().map_or(u32::MAX, |s| s.start as u32);
    SyntaxError {
        loc: Loc { source, start },
        message: e.message().trim().to_string(),
    }
}

fn at(source: u16, start: usize) -> Loc {
    Loc {
        source,
        start: start as u32,
    }
}

fn convert(spanned: toml::Spanned<toml::de::DeValue<'_>>, source: u16) -> Node {
    let loc = at(source, spanned.span().start);
    let value = match spanned.into_inner() {
        toml::de::DeValue::String(s) => Value::Str(s.into_owned()),
        toml::de::DeValue::Integer(i) => Value::Int(
            i128::from_str_radix(i.as_str(), i.radix()).unwrap_or_else(|_| {
                if i.as_str().starts_with('-') {
                    i128::MIN
                } else {
                    i128::MAX
                }
            }),
        ),
        toml::de::DeValue::Float(x) => Value::Float(parse_float(x.as_str())),
        toml::de::DeValue::Boolean(b) => Value::Bool(b),
        toml::de::DeValue::Datetime(d) => Value::Datetime(d.to_string()),
        toml::de::DeValue::Array(items) => {
            Value::Array(items.into_iter().map(|n| convert(n, source)).collect())
        }
        toml::de::DeValue::Table(t) => convert_table(t, source),
    };
    Node { value, loc }
}

fn convert_table(table: toml::de::DeTable<'_>, source: u16) -> Value {
    let mut entries: Vec<(Key, Node)> = table
        .into_iter()
        .map(|(k, v)| {
            let key = Key {
                loc: at(source, k.span().start),
                name: k.into_inner().into_owned(),
            };
            (key, convert(v, source))
        })
        .collect();
    // Keep the order in which keys were written, so messages read top-down.
    entries.sort_by_key(|(k, _)| k.loc.start);
    Value::Table(Table {
        entries: Arc::new(entries),
    })
}

/// TOML floats: `inf`, `+inf`, `-inf`, `nan` and ordinary decimals.
fn parse_float(text: &str) -> f64 {
    let t = text.replace('_', "");
    match t.as_str() {
        "inf" | "+inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        "nan" | "+nan" | "-nan" => f64::NAN,
        _ => t.parse().unwrap_or(f64::NAN),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, 11), (2, 6));
    }

    #[test]
    fn parses_nested_values_with_locations() {
        let text = "[x]\ny = [1, 2.5, \"s\"]\nz = { w = true }\n";
        let doc = parse_document(text, 0).unwrap();
        let x = doc.get("x").unwrap();
        let Value::Table(t) = &x.value else { panic!() };
        let y = t.get("y").unwrap();
        assert_eq!(line_col(text, y.loc.start as usize).0, 2);
        let Value::Array(items) = &y.value else {
            panic!()
        };
        assert!(matches!(items[1].value, Value::Float(v) if v == 2.5));
    }

    #[test]
    fn special_floats_are_read() {
        let doc = parse_document("a = inf\nb = -inf\nc = nan\n", 0).unwrap();
        assert!(matches!(doc.get("a").unwrap().value, Value::Float(v) if v == f64::INFINITY));
        assert!(matches!(doc.get("b").unwrap().value, Value::Float(v) if v == f64::NEG_INFINITY));
        assert!(matches!(doc.get("c").unwrap().value, Value::Float(v) if v.is_nan()));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let errs = parse_document("a = \n[b\n", 0).unwrap_err();
        assert!(!errs.is_empty());
        assert!(errs.iter().all(|e| e.loc.start != u32::MAX));
    }
}
