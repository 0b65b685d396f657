//! What `--metric` names on the command line: a per-trial total of
//! `trials.csv` (see [`TOTALS`]) or `p_any_attack`. Names are resolved by
//! [`crate::scenario::metric::resolve`], so every command answers an
//! unknown name the same way.

use crate::error::{Error, Result};
use crate::scenario::metric::resolve;
use crate::stats::aggregate::{FIRST_ATTACK, N_TOTALS, TOTALS};

/// A quantity measured in every trial, kept trial by trial for paired
/// comparisons between points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrialMetric {
    /// A per-trial total (index into [`TOTALS`]).
    Total(usize),
    /// Whether the trial had at least one attack (its mean is
    /// `p_any_attack`).
    AnyAttack,
}

impl TrialMetric {
    /// The outcome called `name` (a per-trial total, or `p_any_attack`).
    pub fn parse(name: &str) -> Result<TrialMetric> {
        lookup(name, true)
    }

    /// The per-trial total called `name`: its index into [`TOTALS`].
    pub fn total(name: &str) -> Result<usize> {
        match lookup(name, false)? {
            TrialMetric::Total(i) => Ok(i),
            TrialMetric::AnyAttack => unreachable!("p_any_attack is not looked up here"),
        }
    }

    /// Its name, as in `summary.csv`.
    pub fn name(self) -> &'static str {
        match self {
            TrialMetric::Total(i) => TOTALS[i].name,
            TrialMetric::AnyAttack => "p_any_attack",
        }
    }

    /// Whether lower is better for the alliance (`None`: neither).
    pub fn lower_is_better(self) -> Option<bool> {
        match self {
            TrialMetric::Total(i) => TOTALS[i].lower_is_better,
            TrialMetric::AnyAttack => Some(true),
        }
    }

    /// Its value in one trial's totals.
    pub fn of(self, totals: &[Option<f64>; N_TOTALS]) -> Option<f64> {
        match self {
            TrialMetric::Total(i) => totals[i],
            TrialMetric::AnyAttack => Some(f64::from(u8::from(totals[FIRST_ATTACK].is_some()))),
        }
    }
}

/// Every per-trial total but `first_attack_week` (empty in trials without
/// an attack, so a mean of it is conditional), then `p_any_attack` where
/// asked for.
fn lookup(name: &str, any_attack: bool) -> Result<TrialMetric> {
    if name == TOTALS[FIRST_ATTACK].name {
        let instead = if any_attack {
            "`attacks` or `p_any_attack` instead"
        } else {
            "`attacks` instead (P(any attack) is in summary.csv)"
        };
        return Err(Error::Invalid(format!(
            "metric `{name}` is not comparable as a mean, since trials without an attack have none; use {instead}"
        )));
    }
    let mut known: Vec<(&'static str, TrialMetric)> = TOTALS
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != FIRST_ATTACK)
        .map(|(i, t)| (t.name, TrialMetric::Total(i)))
        .collect();
    if any_attack {
        known.push(("p_any_attack", TrialMetric::AnyAttack));
    }
    resolve(name, &known)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_once_with_one_message() {
        assert_eq!(
            TrialMetric::parse("p_any_attack").ok(),
            Some(TrialMetric::AnyAttack)
        );
        assert!(TrialMetric::total("p_any_attack").is_err());
        let i = TrialMetric::total("attacks").ok();
        assert_eq!(i.map(|i| TOTALS[i].name), Some("attacks"));
        let e = TrialMetric::parse("atacks").err().map(|e| e.to_string());
        assert!(
            e.as_deref().is_some_and(|m| m.starts_with(
                "unknown metric `atacks`; did you mean `attacks`? valid: new_cells, "
            ) && m.ends_with(", p_any_attack")),
            "{e:?}"
        );
        assert!(TrialMetric::parse("first_attack_week").is_err());
    }

    /// Every metric reads back under its own name, says which way is
    /// better, and takes its value from a trial's totals: a total its own
    /// column, `p_any_attack` 1 or 0 by whether the trial had a first attack.
    #[test]
    fn each_metric_has_its_name_direction_and_value() {
        let totals: [Option<f64>; N_TOTALS] =
            std::array::from_fn(|i| (i != FIRST_ATTACK).then_some(10.0 + i as f64));
        for (i, t) in TOTALS
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != FIRST_ATTACK)
        {
            let m = TrialMetric::parse(t.name).expect("a total");
            assert_eq!(m, TrialMetric::Total(i));
            assert_eq!(m.name(), t.name);
            assert_eq!(m.lower_is_better(), t.lower_is_better);
            assert_eq!(m.of(&totals), Some(10.0 + i as f64));
        }
        let any = TrialMetric::AnyAttack;
        assert_eq!(any.name(), "p_any_attack");
        assert_eq!(any.lower_is_better(), Some(true));
        assert_eq!(any.of(&totals), Some(0.0), "no first attack");
        let mut attacked = totals;
        attacked[FIRST_ATTACK] = Some(3.0);
        assert_eq!(any.of(&attacked), Some(1.0));
    }
}
