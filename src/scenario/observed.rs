//! `[[observed]]`: what was seen in the real system (docs/model.md §4a), for
//! the predictive check and for `cordon calibrate`.
//!
//! Each table is a series of counts of one per-trial counter of docs/model.md
//! §5 over consecutive periods: alliance-wide, in one member state, or on
//! one border direction. Its simulated counterpart is the same counter
//! summed over the same weeks of one trial ([`Observation::simulated`]).
//! The series are read after the base scenario is valid, because their
//! states, directions and periods are checked against it.

use super::diagnostic::{Diagnostic, closest};
use super::doc::{Node, Table, Value};
use super::fields::{Fields, int_value};
use super::metric::{Counter, DirectionMetric, StateMetric};
use super::schema::OBSERVED_KEYS;
use super::types::{Role, Scenario};

/// Where an observed count is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observed {
    /// An alliance-wide counter.
    Alliance(Counter),
    /// A counter in one member state (index into `states`).
    State(StateMetric, usize),
    /// A counter on one border direction (index `2b` for a>b, `2b+1` for
    /// b>a).
    Direction(DirectionMetric, usize),
}

/// One observed series.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub what: Observed,
    /// `attacks`, `attacks in TJK`, `interdictions on AFG_NE>TJK_KHT`.
    pub label: String,
    pub period_weeks: u32,
    /// First recorded week of the first period.
    pub start_week: u32,
    /// One count per consecutive period.
    pub counts: Vec<u64>,
    /// Where the numbers come from.
    pub source: String,
}

impl Observation {
    /// Weeks `[from, to)` of period `k`.
    pub fn weeks(&self, k: usize) -> (u32, u32) {
        let from = self.start_week + k as u32 * self.period_weeks;
        (from, from + self.period_weeks)
    }
}

/// Most counts in one series.
const MAX_PERIODS: usize = 10_000;

/// Reads and checks every `[[observed]]` table of `doc` against `base`.
pub fn read_observed(
    doc: &Table,
    base: &Scenario,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Observation> {
    match doc.get("observed") {
        None => vec![],
        Some(Node {
            value: Value::Array(items),
            ..
        }) => items
            .iter()
            .enumerate()
            .filter_map(|(i, n)| {
                let f = Fields::open(n, format!("observed[{i}]"), OBSERVED_KEYS, diags)?;
                read_one(&f, base, diags)
            })
            .collect(),
        Some(n) => {
            diags.push(Diagnostic::new(
                Some(n.loc),
                "observed",
                format!(
                    "expected an array of tables ([[observed]] with metric, counts, source), found {}",
                    n.value.kind()
                ),
            ));
            vec![]
        }
    }
}

fn read_one(f: &Fields<'_>, s: &Scenario, diags: &mut Vec<Diagnostic>) -> Option<Observation> {
    let metric = f.req_str("metric", diags);
    let state = f.str("state", diags);
    let border = f.str("border", diags);
    let source = f.req_str("source", diags);
    let period = f.int("period_weeks", 1, i128::from(u32::MAX), diags);
    let start = f.int("start_week", 0, i128::from(u32::MAX), diags);
    let counts = read_counts(f, diags);
    if let (Some(_), Some((_, loc))) = (state, border) {
        diags.push(Diagnostic::new(
            Some(loc),
            f.path_of("border"),
            "expected `state` or `border`, not both (a series counts in one member state or on one border direction)",
        ));
        return None;
    }
    let (metric, metric_loc) = metric?;
    let what = match (state, border) {
        (Some((id, loc)), _) => {
            let m = StateMetric::parse(metric);
            let Some(m) = m else {
                if DirectionMetric::parse(metric).is_some() {
                    diags.push(Diagnostic::new(
                        Some(metric_loc),
                        f.path_of("metric"),
                        format!(
                            "`{metric}` is counted on border directions, not in a state: give `border = \"FROM>TO\"` instead of `state`, or one of: {}",
                            state_names().join(", ")
                        ),
                    ));
                    return None;
                }
                return wrong_metric(f, metric, metric_loc, "with `state`", &state_names(), diags);
            };
            let members: Vec<&str> = s.members().map(|i| s.states[i].id.as_str()).collect();
            match s.states.iter().position(|st| st.id == id) {
                Some(i) if s.states[i].role == Role::Member => Observed::State(m, i),
                found => {
                    let what = if found.is_some() {
                        format!(
                            "`{id}` is not a member state; expected one of: {}",
                            members.join(", ")
                        )
                    } else {
                        format!(
                            "unknown state `{id}`; expected one of: {}",
                            members.join(", ")
                        )
                    };
                    diags.push(
                        Diagnostic::new(Some(loc), f.path_of("state"), what)
                            .suggest(closest(id, members.iter().copied())),
                    );
                    return None;
                }
            }
        }
        (_, Some((label, loc))) => {
            let m = DirectionMetric::parse(metric);
            let Some(m) = m else {
                return wrong_metric(
                    f,
                    metric,
                    metric_loc,
                    "with `border`",
                    &direction_names(),
                    diags,
                );
            };
            let labels: Vec<String> = (0..2 * s.borders.len())
                .filter(|&d| s.borders[d / 2].is_segment())
                .map(|d| s.direction_label(d))
                .collect();
            match (0..2 * s.borders.len()).find(|&d| s.direction_label(d) == label) {
                Some(d) if s.borders[d / 2].is_segment() => Observed::Direction(m, d),
                _ => {
                    diags.push(
                        Diagnostic::new(
                            Some(loc),
                            f.path_of("border"),
                            format!(
                                "unknown border direction `{label}`; expected FROM>TO with the region ids of a border segment, as in borders.csv"
                            ),
                        )
                        .suggest(closest(label, labels.iter().map(String::as_str))),
                    );
                    return None;
                }
            }
        }
        (None, None) => match Counter::parse(metric) {
            Some(c) => Observed::Alliance(c),
            None => {
                let names: Vec<&str> = Counter::ALL.iter().map(|c| c.name()).collect();
                return wrong_metric(f, metric, metric_loc, "alliance-wide", &names, diags);
            }
        },
    };
    let (source, source_loc) = source?;
    if source.trim().is_empty() {
        diags.push(Diagnostic::new(
            Some(source_loc),
            f.path_of("source"),
            "expected where the numbers come from (a citation), found an empty string",
        ));
        return None;
    }
    let counts = counts?;
    let period_weeks = period.map_or(52, |p| p as u32);
    let start_week = start.map_or(0, |w| w as u32);
    if period.is_none() && f.has("period_weeks") || start.is_none() && f.has("start_week") {
        return None;
    }
    let end = u64::from(start_week) + counts.len() as u64 * u64::from(period_weeks);
    if end > u64::from(s.weeks) {
        let loc = f.node("counts").map_or(f.loc, |n| n.loc);
        diags.push(Diagnostic::new(
            Some(loc),
            f.path_of("counts"),
            format!(
                "{} periods of {period_weeks} weeks from week {start_week} end at week {end}, past the horizon of {} weeks (scenario.weeks); expected at most {} counts",
                counts.len(),
                s.weeks,
                u64::from(s.weeks).saturating_sub(u64::from(start_week)) / u64::from(period_weeks)
            ),
        ));
        return None;
    }
    let label = match what {
        Observed::Alliance(c) => c.name().to_string(),
        Observed::State(m, i) => format!("{} in {}", m.name(), s.states[i].id),
        Observed::Direction(m, d) => format!("{} on {}", m.name(), s.direction_label(d)),
    };
    Some(Observation {
        what,
        label,
        period_weeks,
        start_week,
        counts,
        source: source.to_string(),
    })
}

/// `counts`: a non-empty array of integers >= 0.
fn read_counts(f: &Fields<'_>, diags: &mut Vec<Diagnostic>) -> Option<Vec<u64>> {
    let path = f.path_of("counts");
    match f.node("counts") {
        None => {
            f.missing(
                "counts",
                "an array of observed counts, one per period",
                diags,
            );
            None
        }
        Some(Node {
            value: Value::Array(items),
            loc,
        }) => {
            if items.is_empty() || items.len() > MAX_PERIODS {
                diags.push(Diagnostic::new(
                    Some(*loc),
                    path,
                    format!("expected 1 to {MAX_PERIODS} counts, found {}", items.len()),
                ));
                return None;
            }
            let counts: Vec<Option<u64>> = items
                .iter()
                .map(|n| int_value(n, &path, 0, i128::from(u32::MAX), diags).map(|c| c as u64))
                .collect();
            counts.into_iter().collect()
        }
        Some(n) => {
            diags.push(Diagnostic::new(
                Some(n.loc),
                path,
                format!("expected an array of counts, found {}", n.value.kind()),
            ));
            None
        }
    }
}

fn state_names() -> Vec<&'static str> {
    StateMetric::ALL.iter().map(|m| m.name()).collect()
}

fn direction_names() -> Vec<&'static str> {
    DirectionMetric::ALL.iter().map(|m| m.name()).collect()
}

fn wrong_metric<T>(
    f: &Fields<'_>,
    metric: &str,
    loc: super::doc::Loc,
    how: &str,
    names: &[&str],
    diags: &mut Vec<Diagnostic>,
) -> Option<T> {
    diags.push(
        Diagnostic::new(
            Some(loc),
            f.path_of("metric"),
            format!(
                "unknown metric `{metric}` for a series counted {how}; expected one of: {}",
                names.join(", ")
            ),
        )
        .suggest(closest(metric, names.iter().copied())),
    );
    None
}
