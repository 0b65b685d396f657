//! Everything the report shows, read before any markup is written: the run
//! folder (through [`crate::results::read`], as the charts read it), the
//! charts, an optional `sensitivity.csv`, and the scenario named in the
//! manifest, read again to list the values that differ from the defaults.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::charts::{self, Charts};
use super::numbers::full;
use super::ranking::{Ranked, rank};
use crate::results::Manifest;
use crate::results::read::{Details, RawTable, RunData, read_raw};
use crate::scenario::{Governance, ModelParams, Scenario, load_str};

/// The file a future sensitivity analysis writes into a run folder; shown
/// as it is when present.
pub(super) const SENSITIVITY: &str = "sensitivity.csv";

/// The report's input.
#[derive(Debug)]
pub(super) struct Inputs {
    pub run: RunData,
    pub details: Details,
    pub charts: Charts,
    pub scenario: ScenarioValues,
    pub sensitivity: Option<RawTable>,
    /// A trace of one trial in `trace/`, when there is one.
    pub trace: Option<super::one_trial::OneTrial>,
}

/// A value of the base scenario that differs from the model's default.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Difference {
    /// As a `--set` path (`model.detection_scale`).
    pub path: String,
    pub default: String,
    pub value: String,
}

/// What is known of the base scenario's values.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum ScenarioValues {
    /// The scenario was read again, unchanged since the run.
    Read {
        /// Values that differ from the defaults of docs/model.md §6.
        differences: Vec<Difference>,
        /// How many variants the scenario defines (to tell whether the
        /// run left some out).
        variants: usize,
    },
    /// It could not be read again; the reason, in a sentence.
    Unavailable(String),
}

impl Inputs {
    /// Reads the run folder `dir`, drawing its charts if some are missing.
    pub(super) fn read(dir: &Path) -> Result<Inputs, crate::Error> {
        let run = RunData::read(dir, &[])?;
        let details = run.read_details()?;
        check_comparisons(&run, &details)?;
        let best = rank(&run, &details)
            .into_iter()
            .find(Ranked::clearly_fewer_attacks)
            .map(|r| r.name);
        let charts = charts::read(dir, &charts::wanted(&run, best.as_deref()))?;
        let sensitivity = if dir.join(SENSITIVITY).is_file() {
            Some(read_raw(dir, SENSITIVITY)?)
        } else {
            None
        };
        let scenario = scenario_values(&run.manifest);
        let trace = super::one_trial::read(dir)?;
        Ok(Inputs {
            run,
            details,
            charts,
            scenario,
            sensitivity,
            trace,
        })
    }
}

/// Every variant but the baseline must have its paired difference in
/// attacks, or it could not be ranked.
fn check_comparisons(run: &RunData, details: &Details) -> Result<(), crate::Error> {
    let missing = run.manifest.variants.iter().skip(1).find(|v| {
        !details
            .paired
            .contains_key(&(v.name.clone(), "attacks".into()))
    });
    match missing {
        Some(v) => Err(crate::Error::Invalid(format!(
            "{}: no row for variant `{}` and metric `attacks`, which the ranking needs",
            run.dir.join("comparison.csv").display(),
            v.name
        ))),
        None => Ok(()),
    }
}

/// Reads the manifest's scenario again (a built-in, or the file if it is
/// still there and unchanged) with the run's `--set` values, and lists
/// what differs from the defaults.
pub(super) fn scenario_values(m: &Manifest) -> ScenarioValues {
    let path = &m.scenario.path;
    let (text, stem) = match path.strip_prefix("builtin:") {
        Some(name) => match crate::scenario::builtin::find(name) {
            Some(b) => (b.text.to_string(), b.name.to_string()),
            None => {
                return ScenarioValues::Unavailable(format!(
                    "the built-in scenario `{name}` is not part of this version of cordon"
                ));
            }
        },
        None => match std::fs::read_to_string(path) {
            Ok(text) => {
                let stem = Path::new(path)
                    .file_stem()
                    .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned());
                (text, stem)
            }
            Err(e) => {
                return ScenarioValues::Unavailable(format!(
                    "the scenario file {path} cannot be read from here ({e}); it is looked up relative to the folder `cordon report` runs in"
                ));
            }
        },
    };
    if hex(&Sha256::digest(text.as_bytes())) != m.scenario.sha256 {
        return ScenarioValues::Unavailable(format!(
            "the scenario {path} has changed since the run (its SHA-256 differs from the manifest's)"
        ));
    }
    let sets: Vec<String> = m
        .base_overrides
        .iter()
        .map(|o| format!("{}={}", o.path, o.value))
        .collect();
    match load_str(path, &stem, &text, &sets) {
        Ok(set) => ScenarioValues::Read {
            differences: differences(&set.base),
            variants: set.variants.len(),
        },
        Err(d) => ScenarioValues::Unavailable(format!(
            "the scenario {path} no longer passes this version's checks ({} problems; see `cordon check`)",
            d.items.len()
        )),
    }
}

/// Defaults of `[source]` and `[alliance]` (docs/model.md §6).
const HARDSHIP: f64 = 0.7;
const RECRUITMENT_EXPONENT: f64 = 1.5;
const GOVERNANCE: f64 = 0.3;
const INTEL_SHARING: f64 = 0.3;
const PARTNER_COOPERATION: f64 = 0.0;

/// Values of `s` that differ from the defaults: `[model]`, then
/// `[source]` and `[alliance]`.
pub(super) fn differences(s: &Scenario) -> Vec<Difference> {
    let diff = |path: String, default: String, value: String| {
        (default != value).then_some(Difference {
            path,
            default,
            value,
        })
    };
    let mut list: Vec<Difference> = ModelParams::default()
        .differences(&s.model)
        .into_iter()
        .filter_map(|(name, d, v)| diff(format!("model.{name}"), full(d), full(v)))
        .collect();
    let src = &s.source;
    let noise = src.noise.map_or("none".into(), |n| {
        format!("sd {}, reversion {}", full(n.sd), full(n.reversion))
    });
    let al = &s.alliance;
    let pool = al.pool.map_or("0".into(), |p| {
        format!("{} to {}", full(p.share), s.states[p.recipient].id)
    });
    let rest = [
        ("source.hardship", full(HARDSHIP), full(src.hardship)),
        (
            "source.recruitment_exponent",
            full(RECRUITMENT_EXPONENT),
            full(src.recruitment_exponent),
        ),
        (
            "source.governance",
            governance(&Governance::Constant(GOVERNANCE)),
            governance(&src.governance),
        ),
        ("source.governance_noise", "none".into(), noise),
        (
            "alliance.intel_sharing",
            full(INTEL_SHARING),
            full(al.intel_sharing),
        ),
        (
            "alliance.partner_cooperation",
            full(PARTNER_COOPERATION),
            full(al.partner_cooperation),
        ),
        ("alliance.pool_share", "0".into(), pool),
    ];
    list.extend(
        rest.into_iter()
            .filter_map(|(p, d, v)| diff(p.to_string(), d, v)),
    );
    list
}

/// A governance path in words.
fn governance(g: &Governance) -> String {
    match g {
        Governance::Constant(v) => format!("constant {}", full(*v)),
        Governance::Linear {
            from,
            to,
            start_week,
            end_week,
        } => format!(
            "linear from {} to {} over weeks {start_week} to {end_week}",
            full(*from),
            full(*to)
        ),
        Governance::Steps { weeks, values } => {
            let steps: Vec<String> = weeks
                .iter()
                .zip(values)
                .map(|(w, v)| format!("{} from week {w}", full(*v)))
                .collect();
            format!("steps: {}", steps.join(", "))
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_scenario_departs_where_its_calibration_says() {
        let b = crate::scenario::builtin::find(crate::scenario::builtin::DEFAULT).map(|b| b.text);
        let set = load_str("x", "x", b.unwrap_or_default(), &[]);
        let paths: Vec<String> = set
            .map(|s| differences(&s.base).into_iter().map(|d| d.path).collect())
            .unwrap_or_default();
        for p in [
            "model.detection_scale",
            "model.attack_hazard",
            "model.interdiction_hazard",
            "model.intel_saturation",
        ] {
            assert!(paths.iter().any(|q| q == p), "{p} missing from {paths:?}");
        }
    }

    #[test]
    fn governance_paths_read_as_words() {
        assert_eq!(governance(&Governance::Constant(0.3)), "constant 0.3");
        let steps = Governance::Steps {
            weeks: vec![0, 10],
            values: vec![0.1, 0.5],
        };
        assert_eq!(
            governance(&steps),
            "steps: 0.1 from week 0, 0.5 from week 10"
        );
    }
}
