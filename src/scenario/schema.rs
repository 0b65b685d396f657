//! The shape of a scenario file: which sections exist, which keys each
//! table takes, which keys name elements, and which cannot be overridden.
//!
//! One description serves the reader (unknown keys), the override paths
//! (valid paths and their closest match) and the documentation.

/// How a top-level section holds its tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `[model]`: one table.
    Table,
    /// `[terrain.NAME]`: a table of named tables.
    Named,
    /// `[[states]]`: an array of tables, addressed by the key given.
    Array(&'static str),
}

/// One top-level section of a scenario file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Section {
    pub name: &'static str,
    pub shape: Shape,
    /// Keys of the section's table (or of each element).
    pub keys: &'static [&'static str],
    /// Keys whose value is a table replaced whole by an override.
    pub value_tables: &'static [&'static str],
    /// Keys that overrides may not change.
    pub fixed: &'static [&'static str],
    /// Whether variants and `--set` may address this section at all.
    pub overridable: bool,
}

pub(crate) const SCENARIO_KEYS: &[&str] = &[
    "name",
    "description",
    "weeks",
    "trials",
    "seed",
    "start_week",
    "warmup_weeks",
];

pub(crate) const MODEL_KEYS: &[&str] = &[
    "detection_scale",
    "interdict_min",
    "interdict_max",
    "repel_flag",
    "attack_flag",
    "signature_start",
    "signature_rate",
    "intel_saturation",
    "readiness_half_life",
    "pooling",
    "route_risk_aversion",
    "route_distance_weight",
    "max_transit_weeks",
    "cell_size_mean",
    "attack_hazard",
    "attack_size_exponent",
    "attack_experience_exponent",
    "interdiction_hazard",
    "interdiction_readiness_gain",
    "growth_rate",
    "attrition_rate",
    "severity_exponent",
    "severity_cap",
    "border_decay",
    "intel_decay",
    "budget_to_border",
    "budget_to_intel",
    "budget_to_readiness",
];

pub(crate) const TERRAIN_KEYS: &[&str] = &["sweep", "passable", "closed_from", "closed_to"];
pub(crate) const SOURCE_KEYS: &[&str] = &[
    "hardship",
    "recruitment_exponent",
    "governance",
    "governance_noise",
];
pub(crate) const ALLIANCE_KEYS: &[&str] = &[
    "intel_sharing",
    "partner_cooperation",
    "pool_share",
    "pool_recipient",
];
pub(crate) const EXERCISE_KEYS: &[&str] = &[
    "name",
    "first_week",
    "every",
    "participants",
    "boost",
    "cost",
];
pub(crate) const STATE_KEYS: &[&str] = &[
    "id",
    "name",
    "role",
    "participation",
    "budget",
    "allocation",
    "initial",
    "capability",
];
pub(crate) const REGION_KEYS: &[&str] = &[
    "id",
    "name",
    "state",
    "population",
    "target_weight",
    "legitimacy",
    "lon",
    "lat",
    "new_cells",
];
pub(crate) const BORDER_KEYS: &[&str] = &["id", "a", "b", "length_km", "terrain", "priority"];
pub(crate) const VARIANT_KEYS: &[&str] = &["name", "description", "set"];

/// Keys of `allocation`.
pub(crate) const ALLOCATION_KEYS: &[&str] = &["border", "intel", "readiness"];
/// Keys of `initial` and `capability`.
pub(crate) const STOCK_KEYS: &[&str] = &["border", "intel", "readiness"];
/// Keys of `governance` (which are required depends on `kind`).
pub(crate) const GOVERNANCE_KEYS: &[&str] = &[
    "kind",
    "value",
    "from",
    "to",
    "start_week",
    "end_week",
    "weeks",
    "values",
];
/// Keys of `governance_noise`.
pub(crate) const NOISE_KEYS: &[&str] = &["sd", "reversion"];

/// Keys of `[sweep]`: a parameter sweep (see `cordon sweep`).
pub(crate) const SWEEP_KEYS: &[&str] = &["design", "samples", "trials", "vary"];
/// Keys of each `[[sweep.vary]]` table.
pub(crate) const VARY_KEYS: &[&str] = &["path", "low", "high", "steps", "scale"];
/// Keys of each `[[uncertain]]` table (see `cordon sensitivity`).
pub(crate) const UNCERTAIN_KEYS: &[&str] = &["path", "low", "high", "scale"];

/// Keys of each `[[observed]]` table (docs/model.md §4a).
pub(crate) const OBSERVED_KEYS: &[&str] = &[
    "metric",
    "state",
    "border",
    "period_weeks",
    "start_week",
    "counts",
    "source",
];

/// Fields that hold integers: a sweep rounds their values.
pub(crate) const INTEGER_FIELDS: &[&str] = &[
    "weeks",
    "trials",
    "seed",
    "start_week",
    "warmup_weeks",
    "max_transit_weeks",
    "severity_cap",
    "first_week",
    "every",
    "closed_from",
    "closed_to",
];
/// Fields that hold text or a value table: a sweep cannot vary them.
pub(crate) const NON_NUMERIC_FIELDS: &[&str] = &[
    "name",
    "description",
    "id",
    "role",
    "state",
    "terrain",
    "a",
    "b",
    "pool_recipient",
    "participants",
    "allocation",
    "initial",
    "capability",
    "governance",
    "governance_noise",
];

/// Every section, in the order they are documented.
pub(crate) const SECTIONS: &[Section] = &[
    Section {
        name: "scenario",
        shape: Shape::Table,
        keys: SCENARIO_KEYS,
        value_tables: &[],
        fixed: &[],
        overridable: true,
    },
    Section {
        name: "model",
        shape: Shape::Table,
        keys: MODEL_KEYS,
        value_tables: &[],
        fixed: &[],
        overridable: true,
    },
    Section {
        name: "terrain",
        shape: Shape::Named,
        keys: TERRAIN_KEYS,
        value_tables: &[],
        fixed: &[],
        overridable: true,
    },
    Section {
        name: "source",
        shape: Shape::Table,
        keys: SOURCE_KEYS,
        value_tables: &["governance", "governance_noise"],
        fixed: &[],
        overridable: true,
    },
    Section {
        name: "alliance",
        shape: Shape::Table,
        keys: ALLIANCE_KEYS,
        value_tables: &[],
        fixed: &[],
        overridable: true,
    },
    Section {
        name: "exercises",
        shape: Shape::Array("name"),
        keys: EXERCISE_KEYS,
        value_tables: &[],
        fixed: &["name"],
        overridable: true,
    },
    Section {
        name: "states",
        shape: Shape::Array("id"),
        keys: STATE_KEYS,
        value_tables: &["allocation", "initial", "capability"],
        fixed: &["id", "role"],
        overridable: true,
    },
    Section {
        name: "regions",
        shape: Shape::Array("id"),
        keys: REGION_KEYS,
        value_tables: &[],
        fixed: &["id", "state"],
        overridable: true,
    },
    Section {
        name: "borders",
        shape: Shape::Array("id"),
        keys: BORDER_KEYS,
        value_tables: &[],
        fixed: &["id", "a", "b"],
        overridable: true,
    },
    Section {
        name: "variants",
        shape: Shape::Array("name"),
        keys: VARIANT_KEYS,
        value_tables: &[],
        fixed: &[],
        overridable: false,
    },
    Section {
        name: "sweep",
        shape: Shape::Table,
        keys: SWEEP_KEYS,
        value_tables: &[],
        fixed: &[],
        overridable: false,
    },
    Section {
        name: "uncertain",
        shape: Shape::Array("path"),
        keys: UNCERTAIN_KEYS,
        value_tables: &[],
        fixed: &[],
        overridable: false,
    },
    Section {
        name: "observed",
        shape: Shape::Array("metric"),
        keys: OBSERVED_KEYS,
        value_tables: &[],
        fixed: &[],
        overridable: false,
    },
];

/// The section called `name`.
pub(crate) fn section(name: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|s| s.name == name)
}

/// Names of all top-level sections.
pub(crate) fn section_names() -> impl Iterator<Item = &'static str> {
    SECTIONS.iter().map(|s| s.name)
}
