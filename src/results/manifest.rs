//! `manifest.json`: what was run, how, and from what, so that a result can
//! be reproduced, compared, merged and plotted without the scenario file.

use std::path::Path;

use anyhow::Context;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The version and the commit the binary was built from.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("CORDON_COMMIT"),
    ")"
);

use crate::scenario::{LinkKind, Scenario, ScenarioSet};

/// One override, as written.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OverrideEntry {
    pub path: String,
    pub value: String,
}

/// A variant that ran.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VariantEntry {
    pub name: String,
    pub description: String,
    pub overrides: Vec<OverrideEntry>,
    /// Total spend of one trial (budgets and exercise costs).
    pub spend: f64,
}

/// A state, for charts and reports.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StateEntry {
    pub id: String,
    pub name: String,
    pub role: String,
}

/// A region, for maps.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RegionEntry {
    pub id: String,
    pub name: String,
    pub state: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub source: bool,
}

/// A border, for maps.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BorderEntry {
    pub id: String,
    pub a: String,
    pub b: String,
    pub segment: bool,
    pub length_km: Option<f64>,
    pub terrain: Option<String>,
}

/// The scenario file behind a run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ScenarioEntry {
    pub name: String,
    pub description: String,
    pub path: String,
    pub sha256: String,
}

/// Which part of a run a shard holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ShardEntry {
    /// K, from 0.
    pub index: u64,
    /// N.
    pub count: u64,
    /// The shard's trials: `first_trial .. end_trial`.
    pub first_trial: u64,
    pub end_trial: u64,
}

/// The posterior a run integrates over (docs/model.md §4a).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PosteriorEntry {
    pub path: String,
    pub sha256: String,
    /// The calibrated paths, in the file's column order.
    pub paths: Vec<String>,
    /// Rows of the file, and the distinct points among them.
    pub points: usize,
    pub distinct_points: usize,
    /// Variants that set a posterior path themselves (their value wins).
    pub notes: Vec<String>,
}

/// Everything `manifest.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub cordon_version: String,
    pub scenario: ScenarioEntry,
    pub seed: u64,
    pub trials: u64,
    pub weeks: u32,
    pub start_week: u32,
    /// `--set` overrides applied to the base scenario.
    pub base_overrides: Vec<OverrideEntry>,
    /// Variants that ran, `baseline` first.
    pub variants: Vec<VariantEntry>,
    pub states: Vec<StateEntry>,
    pub regions: Vec<RegionEntry>,
    pub borders: Vec<BorderEntry>,
    /// Set for one shard of a run split across machines (`--shard K/N`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardEntry>,
    /// Set for a run over a posterior (`cordon run --posterior`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posterior: Option<PosteriorEntry>,
    pub threads: usize,
    pub command_line: String,
    pub started_utc: String,
    pub wall_seconds: f64,
}

fn overrides(list: &[(String, String)]) -> Vec<OverrideEntry> {
    list.iter()
        .map(|(path, value)| OverrideEntry {
            path: path.clone(),
            value: value.clone(),
        })
        .collect()
}

/// The file every result folder describes itself in.
pub(crate) const MANIFEST: &str = "manifest.json";

/// Writes `value` as pretty JSON (with a final newline) to `path`: every
/// manifest, checkpoint and search record goes through here.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> crate::Result<()> {
    let json = serde_json::to_string_pretty(value)
        .with_context(|| format!("cannot encode {}", path.display()))?;
    std::fs::write(path, json + "\n")
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Writes the manifest of the folder `dir`.
pub(crate) fn write<T: Serialize>(dir: &Path, manifest: &T) -> crate::Result<()> {
    write_json(&dir.join(MANIFEST), manifest)
}

/// Reads the manifest of the folder `dir` as a `T`: every manifest is read
/// here. A missing file is invalid input, with `hint` saying what folder
/// was expected; so is one that is not JSON of the expected shape.
pub(crate) fn read<T: DeserializeOwned>(dir: &Path, hint: &str) -> crate::Result<T> {
    let path = dir.join(MANIFEST);
    let text = super::csv::read_text(&path, hint)?;
    serde_json::from_str(&text).map_err(|e| {
        crate::Error::Invalid(format!("{}: not a cordon manifest: {e}", path.display()))
    })
}

impl Manifest {
    /// The manifest of the run folder `dir` (written by `cordon run` or
    /// `cordon merge`).
    pub fn read(dir: &Path) -> crate::Result<Manifest> {
        read(dir, RUN_FOLDER)
    }
}

/// What a run folder holds, for the message about a missing file.
pub(crate) const RUN_FOLDER: &str = "a result folder written by `cordon run` holds manifest.json, trials.csv, weekly.csv, states.csv, borders.csv (and comparison.csv when variants ran)";

/// The geography part of a manifest, from the base scenario.
pub(crate) fn geography(s: &Scenario) -> (Vec<StateEntry>, Vec<RegionEntry>, Vec<BorderEntry>) {
    let states = s
        .states
        .iter()
        .map(|st| StateEntry {
            id: st.id.clone(),
            name: st.name.clone(),
            role: st.role.as_str().to_string(),
        })
        .collect();
    let regions = s
        .regions
        .iter()
        .map(|r| RegionEntry {
            id: r.id.clone(),
            name: r.name.clone(),
            state: s.states[r.state].id.clone(),
            lon: r.lon,
            lat: r.lat,
            source: r.new_cells > 0.0,
        })
        .collect();
    let borders = s
        .borders
        .iter()
        .map(|b| {
            let (length_km, terrain) = match &b.kind {
                LinkKind::Segment {
                    length_km, terrain, ..
                } => (Some(*length_km), Some(terrain.name.clone())),
                LinkKind::Internal => (None, None),
            };
            BorderEntry {
                id: b.id.clone(),
                a: s.regions[b.a].id.clone(),
                b: s.regions[b.b].id.clone(),
                segment: b.is_segment(),
                length_km,
                terrain,
            }
        })
        .collect();
    (states, regions, borders)
}

/// The variant entries for the variants that ran (`names`, baseline first).
pub(crate) fn variant_entries(
    set: &ScenarioSet,
    names: &[String],
    spends: &[f64],
) -> Vec<VariantEntry> {
    names
        .iter()
        .zip(spends)
        .map(
            |(name, spend)| match set.variants.iter().find(|v| &v.name == name) {
                Some(v) => VariantEntry {
                    name: v.name.clone(),
                    description: v.description.clone(),
                    overrides: overrides(&v.overrides),
                    spend: *spend,
                },
                None => VariantEntry {
                    name: name.clone(),
                    description: "the base scenario".into(),
                    overrides: vec![],
                    spend: *spend,
                },
            },
        )
        .collect()
}

/// `--set` overrides as manifest entries.
pub(crate) fn base_overrides(set: &ScenarioSet) -> Vec<OverrideEntry> {
    overrides(&set.base_overrides)
}
