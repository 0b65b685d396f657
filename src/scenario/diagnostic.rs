//! Problems found in a scenario, collected rather than thrown.
//!
//! Reading and validation push every problem they find into [`Diagnostics`]
//! and carry on, so that a user sees all of them at once. Each message names
//! its position, the field path, what was expected and, for an unknown name,
//! the closest valid one.

use std::fmt;

use super::doc::{Loc, Sources};

/// One problem in a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where the offending text is, when it has a position.
    pub loc: Option<Loc>,
    /// Which variant's values produced it (`None`: the base scenario).
    pub variant: Option<String>,
    /// The dotted field path, e.g. `states.TJK.budget`.
    pub path: String,
    /// What is wrong and what was expected.
    pub message: String,
    /// The closest valid name, for unknown names.
    pub suggestion: Option<String>,
}

impl Diagnostic {
    /// A problem at `loc` with field `path`.
    pub fn new(loc: Option<Loc>, path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            loc,
            variant: None,
            path: path.into(),
            message: message.into(),
            suggestion: None,
        }
    }

    /// Adds the closest valid name.
    pub fn suggest(mut self, suggestion: Option<String>) -> Self {
        self.suggestion = suggestion;
        self
    }
}

/// Every problem found, with the texts needed to show their positions.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
    pub sources: Sources,
}

impl Diagnostics {
    /// True when nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Renders one diagnostic as a line (plus a hint line for suggestions).
    pub fn render(&self, d: &Diagnostic) -> String {
        let place = match d.loc {
            Some(loc) => self.sources.describe(loc),
            None => self
                .sources
                .origin(0)
                .map_or_else(|| "<scenario>".to_string(), |o| o.name.clone()),
        };
        let mut s = format!("{place}: ");
        if let Some(v) = &d.variant {
            s.push_str(&format!("variant `{v}`: "));
        }
        if !d.path.is_empty() {
            s.push_str(&format!("{}: ", d.path));
        }
        s.push_str(&d.message);
        if let Some(hint) = &d.suggestion {
            s.push_str(&format!(" (did you mean `{hint}`?)"));
        }
        s
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.items.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", self.render(d))?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// The valid name closest to `name`, when it is close enough to be a
/// plausible typo (Jaro-Winkler similarity, the measure `cargo` uses).
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(&name.to_lowercase(), &c.to_lowercase());
        if best.is_none_or(|(b, _)| score > b) {
            best = Some((score, c));
        }
    }
    best.filter(|(s, _)| *s >= 0.7).map(|(_, c)| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_typos_and_ignores_strangers() {
        let keys = ["budget", "allocation", "participation"];
        assert_eq!(closest("budjet", keys), Some("budget".into()));
        assert_eq!(closest("alocation", keys), Some("allocation".into()));
        assert_eq!(closest("zzzz", keys), None);
    }
}
