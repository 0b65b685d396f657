//! One broken fixture per validation rule of MODEL.md §4.
//!
//! Each fixture under `tests/data/invalid/` is `tests/data/two_states.toml`
//! with one thing broken. A [`Case`] says where the problem is (the first
//! occurrence of a piece of the fixture's text, `|` marking the exact spot)
//! and which field path the message must name. `cordon check` must exit with
//! 2 and print `FILE:LINE:COLUMN: PATH: ...` for every case. What else each
//! message says (what was expected, the closest valid name) is pinned by the
//! snapshot of the whole message: `snapshots::check_of_every_invalid_fixture`.
//! Tables of cases are grouped by rule so that a failure names the rule and
//! lists every fixture that broke it.

use std::path::Path;

use cordon::scenario::{Posture, ScenarioSet, load_file, load_str};

use insta::assert_snapshot;

use crate::util::{
    Output, check_fails, data, invalid, line_col, output, position, read, root, stable,
};

/// One broken fixture and the message it must produce.
struct Case {
    /// File under `tests/data/invalid/`.
    file: &'static str,
    /// Where the problem is: the first occurrence of this text in the
    /// fixture, at the `|` (or at its start when there is no `|`). Empty:
    /// the problem has no position, and only the file is named.
    at: &'static str,
    /// The field path as printed (after `variant `NAME`: ` for a variant's
    /// values); empty for problems that are not about one field.
    path: &'static str,
}

const fn case(file: &'static str, at: &'static str, path: &'static str) -> Case {
    Case { file, at, path }
}

/// `file:line:col` for `at` in the text of `file` (or just the file).
fn place(file: &Path, text: &str, at: &str) -> String {
    if at.is_empty() {
        return file.display().to_string();
    }
    let (line, col) = match at.split_once('|') {
        Some((before, after)) => {
            let start = text
                .find(&format!("{before}{after}"))
                .unwrap_or_else(|| panic!("`{before}{after}` is not in {}", file.display()));
            line_col(text, start + before.len())
        }
        None => position(text, at),
    };
    format!("{}:{line}:{col}", file.display())
}

/// Checks one case; `Err` says what is wrong.
fn verify(c: &Case) -> Result<(), String> {
    let file = invalid(c.file);
    let text = read(&file);
    let Output {
        code,
        stdout,
        stderr,
    } = output(&root(), &["check".as_ref(), file.as_os_str()]);
    if code != Some(2) {
        return Err(format!(
            "{}: expected exit code 2, got {code:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
            c.file
        ));
    }
    if !stderr.starts_with("error: invalid scenario (") {
        return Err(format!(
            "{}: expected `error: invalid scenario (N problems):`, got:\n{stderr}",
            c.file
        ));
    }
    let want = if c.path.is_empty() {
        format!("{}: ", place(&file, &text, c.at))
    } else {
        format!("{}: {}: ", place(&file, &text, c.at), c.path)
    };
    if !stderr.lines().any(|l| l.starts_with(&want)) {
        return Err(format!(
            "{}: no message starts with\n    {want}\n  got:\n{}",
            c.file,
            indent(&stderr)
        ));
    }
    Ok(())
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Checks every case and reports all failures at once.
fn verify_all(cases: &[Case]) {
    let failures: Vec<String> = cases.iter().filter_map(|c| verify(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// The loaded valid example, with `--set` arguments.
fn load_example(sets: &[&str]) -> ScenarioSet {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    load_file(&data("two_states.toml"), &sets).unwrap_or_else(|e| panic!("{e}"))
}

fn budget_and_allocation(set: &cordon::scenario::Scenario, id: &str) -> (f64, [f64; 3]) {
    let state = set.states.iter().find(|s| s.id == id).expect("the state");
    match &state.posture {
        Posture::Member {
            budget, allocation, ..
        } => (
            *budget,
            [allocation.border, allocation.intel, allocation.readiness],
        ),
        Posture::Fixed { .. } => panic!("{id} is not a member"),
    }
}

// ---------------------------------------------------------------- valid files

#[test]
fn the_example_scenario_is_valid() {
    let out = output(
        &root(),
        &["check".as_ref(), data("two_states.toml").as_os_str()],
    );
    assert_eq!(out.code, Some(0), "stderr:\n{}", out.stderr);
    assert!(out.stderr.is_empty(), "stderr:\n{}", out.stderr);
    let set = load_example(&[]);
    assert_eq!(set.base.name, "two_states");
    assert_eq!(
        (set.base.weeks, set.base.trials, set.base.seed),
        (104, 1000, 7)
    );
    assert_eq!(set.variants.len(), 1);
    assert_eq!(set.variants[0].name, "intel_heavy");
    assert_eq!(set.variants[0].scenario.alliance.intel_sharing, 0.6);
}

#[test]
fn a_scenario_using_every_optional_feature_is_valid() {
    let file = data("all_features.toml");
    let out = output(&root(), &["check".as_ref(), file.as_os_str()]);
    assert_eq!(out.code, Some(0), "stderr:\n{}", out.stderr);
    let set = load_file(&file, &[]).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = set.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["quoted", "nested", "dotted"]);
    // Shares within 1e-9 of 1 (0.1 + 0.2 + 0.7 is not exactly 1 in binary).
    assert_eq!(budget_and_allocation(&set.base, "MEM_A").1, [0.1, 0.2, 0.7]);
    // The nested-table variant reached the fields it names, and only those.
    let nested = &set.variants[1].scenario;
    assert_eq!(
        budget_and_allocation(nested, "MEM_B"),
        (4.0, [0.5, 0.25, 0.25])
    );
    assert_eq!(
        budget_and_allocation(nested, "MEM_A"),
        budget_and_allocation(&set.base, "MEM_A")
    );
    // `inf` is a valid readiness half-life (no decay).
    assert_eq!(
        set.variants[2].scenario.model.readiness_half_life,
        f64::INFINITY
    );
}

#[test]
fn an_infinite_readiness_half_life_is_valid() {
    let file = data("half_life_inf.toml");
    let out = output(&root(), &["check".as_ref(), file.as_os_str()]);
    assert_eq!(out.code, Some(0), "stderr:\n{}", out.stderr);
    let set = load_file(&file, &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(set.base.model.readiness_half_life, f64::INFINITY);
    // Without an initial readiness, inf is still no range error: the only
    // problem is the undefined steady state (MODEL.md §3.1, decay 0).
    let stderr = check_fails(
        &data("two_states.toml"),
        &["--set", "model.readiness_half_life=inf"],
    );
    assert_snapshot!(
        "set_an_infinite_half_life_without_initial",
        stable(&stderr, &[])
    );
    assert!(!stderr.contains("model.readiness_half_life"), "{stderr}");
}

/// The example without its variant, to which each test adds one.
fn example_without_variant() -> String {
    let text = read(&data("two_states.toml"));
    let cut = text
        .find("[[variants]]")
        .expect("the example has a variant");
    text[..cut].to_string()
}

#[test]
fn variant_values_may_be_written_as_quoted_paths_dotted_keys_or_nested_tables() {
    let base = example_without_variant();
    let forms = [
        // Quoted dotted keys in an inline table (the example's own form).
        r#"
[[variants]]
name = "v"
set = { "states.MEM.allocation" = { border = 0.3, intel = 0.6, readiness = 0.1 }, "alliance.intel_sharing" = 0.6 }
"#,
        // Unquoted dotted keys, which TOML reads as nested tables.
        r#"
[[variants]]
name = "v"
set = { states.MEM.allocation = { border = 0.3, intel = 0.6, readiness = 0.1 }, alliance.intel_sharing = 0.6 }
"#,
        // A [variants.set] table with quoted paths.
        r#"
[[variants]]
name = "v"

[variants.set]
"states.MEM.allocation" = { border = 0.3, intel = 0.6, readiness = 0.1 }
"alliance.intel_sharing" = 0.6
"#,
        // Nested table headers down to a field and to a value table.
        r#"
[[variants]]
name = "v"

[variants.set.alliance]
intel_sharing = 0.6

[variants.set.states.MEM.allocation]
border = 0.3
intel = 0.6
readiness = 0.1
"#,
        // A header for the element, then its fields.
        r#"
[[variants]]
name = "v"

[variants.set.states.MEM]
allocation = { border = 0.3, intel = 0.6, readiness = 0.1 }

[variants.set]
alliance = { intel_sharing = 0.6 }
"#,
    ];
    let loaded: Vec<ScenarioSet> = forms
        .iter()
        .enumerate()
        .map(|(i, form)| {
            let text = format!("{base}{form}");
            load_str(&format!("form{i}.toml"), "two_states", &text, &[])
                .unwrap_or_else(|e| panic!("form {i} is rejected:\n{e}\n{text}"))
        })
        .collect();
    let first = &loaded[0].variants[0].scenario;
    assert_eq!(first.alliance.intel_sharing, 0.6);
    assert_eq!(budget_and_allocation(first, "MEM").1, [0.3, 0.6, 0.1]);
    assert_ne!(first, &loaded[0].base);
    for (i, set) in loaded.iter().enumerate() {
        assert_eq!(set.variants.len(), 1, "form {i}");
        assert_eq!(
            &set.variants[0].scenario, first,
            "form {i} differs from form 0"
        );
        assert_eq!(set.base, loaded[0].base, "form {i} changed the base");
    }
}

#[test]
fn set_edits_the_base_first_and_a_variants_own_value_wins() {
    let plain = load_example(&[]);
    let set = load_example(&[
        "alliance.intel_sharing=0.5",
        "states.MEM.budget=12",
        "scenario.weeks=20",
    ]);
    assert_eq!(plain.base.alliance.intel_sharing, 0.3);
    assert_eq!(set.base.alliance.intel_sharing, 0.5);
    assert_eq!(budget_and_allocation(&set.base, "MEM").0, 12.0);
    assert_eq!(set.base.weeks, 20);
    let v = &set.variants[0].scenario;
    // The variant's own value wins over --set ...
    assert_eq!(v.alliance.intel_sharing, 0.6);
    assert_eq!(budget_and_allocation(v, "MEM").1, [0.3, 0.6, 0.1]);
    // ... and what it does not set comes from the edited base.
    assert_eq!(budget_and_allocation(v, "MEM").0, 12.0);
    assert_eq!(v.weeks, 20);
    assert_eq!(
        set.base_overrides,
        [
            ("alliance.intel_sharing".to_string(), "0.5".to_string()),
            ("states.MEM.budget".to_string(), "12".to_string()),
            ("scenario.weeks".to_string(), "20".to_string()),
        ]
    );
    // A whole value table through --set, also overridden by the variant.
    let set = load_example(&["states.MEM.allocation={ border = 1, intel = 0, readiness = 0 }"]);
    assert_eq!(budget_and_allocation(&set.base, "MEM").1, [1.0, 0.0, 0.0]);
    assert_eq!(
        budget_and_allocation(&set.variants[0].scenario, "MEM").1,
        [0.3, 0.6, 0.1]
    );
}

// ------------------------------------------------------------- broken files

#[test]
fn unknown_keys_are_named_with_the_closest_valid_key() {
    verify_all(&[
        case("unknown_section.toml", "[|aliance]", "aliance"),
        case("unknown_sweep_section.toml", "path = ", "sweep.path"),
        case("unknown_scenario_key.toml", "week = 52", "scenario.week"),
        case(
            "unknown_model_key.toml",
            "detection_scal =",
            "model.detection_scal",
        ),
        case(
            "unknown_state_key.toml",
            "particpation",
            "states.MEM.particpation",
        ),
        case(
            "unknown_allocation_key.toml",
            "readyness",
            "states.MEM.allocation.readyness",
        ),
        case(
            "unknown_region_key.toml",
            "legitimacey",
            "regions.MEM_S.legitimacey",
        ),
        case(
            "unknown_exercise_key.toml",
            "boots",
            "exercises.spring_drill.boots",
        ),
        case(
            "unknown_variant_key.toml",
            "descripton",
            "variants.intel_heavy.descripton",
        ),
        case(
            "unknown_terrain_key.toml",
            "swep",
            "terrain.river_mountain.swep",
        ),
    ]);
}

#[test]
fn an_unknown_key_in_a_border_is_named_by_the_borders_id() {
    // Every other message about this border says `borders.SRC_N-MEM_S.…`;
    // MODEL.md §4 paths address elements by id, not by index.
    verify_all(&[case(
        "unknown_border_key.toml",
        "terain",
        "borders.SRC_N-MEM_S.terain",
    )]);
}

#[test]
fn missing_required_fields_are_named() {
    const MEM: &str = "[[states]]\nid = \"MEM\"";
    const MEM_S: &str = "[[regions]]\nid = \"MEM_S\"";
    verify_all(&[
        case("missing_section_scenario.toml", "", "scenario"),
        case("missing_weeks.toml", "[scenario]", "scenario.weeks"),
        case("missing_trials.toml", "[scenario]", "scenario.trials"),
        case("missing_seed.toml", "[scenario]", "scenario.seed"),
        case(
            "missing_state_id.toml",
            "[[states]]\nrole = \"other\"",
            "states[0].id",
        ),
        case("missing_state_role.toml", MEM, "states.MEM.role"),
        case("missing_member_budget.toml", MEM, "states.MEM.budget"),
        case(
            "missing_member_allocation.toml",
            MEM,
            "states.MEM.allocation",
        ),
        case(
            "missing_allocation_share.toml",
            "{ border = 0.7",
            "states.MEM.allocation.intel",
        ),
        case(
            "missing_region_id.toml",
            "[[regions]]\nstate = \"MEM\"",
            "regions[1].id",
        ),
        case("missing_region_state.toml", MEM_S, "regions.MEM_S.state"),
        case(
            "missing_region_population.toml",
            MEM_S,
            "regions.MEM_S.population",
        ),
        case("missing_border_a.toml", "[[borders]]", "borders[0].a"),
        case("missing_border_b.toml", "[[borders]]", "borders[0].b"),
        case(
            "missing_border_length.toml",
            "[[borders]]",
            "borders.SRC_N-MEM_S.length_km",
        ),
        case(
            "missing_border_terrain.toml",
            "[[borders]]",
            "borders.SRC_N-MEM_S.terrain",
        ),
        case(
            "missing_exercise_name.toml",
            "[[exercises]]",
            "exercises[0].name",
        ),
        case(
            "missing_exercise_first_week.toml",
            "[[exercises]]",
            "exercises.spring_drill.first_week",
        ),
        case(
            "missing_exercise_participants.toml",
            "[[exercises]]",
            "exercises.spring_drill.participants",
        ),
        case(
            "missing_exercise_boost.toml",
            "[[exercises]]",
            "exercises.spring_drill.boost",
        ),
        case(
            "missing_variant_name.toml",
            "[[variants]]",
            "variants[0].name",
        ),
        case(
            "missing_variant_set.toml",
            "[[variants]]",
            "variants.intel_heavy.set",
        ),
        case(
            "missing_governance_kind.toml",
            "{ from = 0.3",
            "source.governance.kind",
        ),
        case(
            "missing_governance_constant_value.toml",
            "{ kind = \"constant\" }",
            "source.governance.value",
        ),
        case(
            "missing_governance_linear_field.toml",
            "{ kind = \"linear\"",
            "source.governance.to",
        ),
        case(
            "missing_governance_steps_values.toml",
            "{ kind = \"steps\"",
            "source.governance.values",
        ),
        case(
            "missing_noise_sd.toml",
            "{ reversion = 0.1 }",
            "source.governance_noise.sd",
        ),
        case(
            "missing_noise_reversion.toml",
            "{ sd = 0.05 }",
            "source.governance_noise.reversion",
        ),
        case(
            "missing_terrain_sweep.toml",
            "[terrain.marsh]",
            "terrain.marsh.sweep",
        ),
        case(
            "missing_terrain_passable.toml",
            "[terrain.marsh]",
            "terrain.marsh.passable",
        ),
    ]);
}

#[test]
fn wrong_types_are_named_with_what_was_expected() {
    verify_all(&[
        case(
            "wrong_type_string.toml",
            "budget = |\"8.0\"",
            "states.MEM.budget",
        ),
        case(
            "wrong_type_bool.toml",
            "intel_sharing = |true",
            "alliance.intel_sharing",
        ),
        case(
            "wrong_type_array.toml",
            "population = |[3.0]",
            "regions.MEM_S.population",
        ),
        case("wrong_type_id.toml", "id = |7", "states[1].id"),
        case("bad_id_characters.toml", "id = |\"MEM-S\"", "regions[1].id"),
        case(
            "wrong_type_participants.toml",
            "participants = |5",
            "exercises.spring_drill.participants",
        ),
        case("wrong_type_section.toml", "alliance = |0.3", "alliance"),
        case("wrong_type_array_section.toml", "variants = |5", "variants"),
        case(
            "wrong_type_allocation.toml",
            "allocation = |0.6",
            "states.MEM.allocation",
        ),
        case(
            "wrong_type_set.toml",
            "set = |\"alliance",
            "variants.intel_heavy.set",
        ),
        case(
            "wrong_type_terrain.toml",
            "terrain = |5",
            "borders.SRC_N-MEM_S.terrain",
        ),
        case(
            "wrong_type_length.toml",
            "length_km = |\"1300 km\"",
            "borders.SRC_N-MEM_S.length_km",
        ),
    ]);
}

#[test]
fn a_present_but_invalid_value_is_not_also_reported_missing() {
    // `budget = inf` is one problem (out of range), not also "missing
    // required field `budget`" at the table's header.
    let failures: Vec<String> = [
        "inf_value.toml",
        "inf_length.toml",
        "range_positive.toml",
        "wrong_type_string.toml",
        "wrong_type_allocation.toml",
        "wrong_type_terrain.toml",
        "wrong_type_length.toml",
    ]
    .into_iter()
    .filter_map(|file| {
        let stderr = check_fails(&invalid(file), &[]);
        stderr
            .contains("missing required field")
            .then(|| format!("{file}: a present value is also reported missing:\n{stderr}"))
    })
    .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn integers_are_required_where_due() {
    const F: &str = "integers_as_floats.toml";
    verify_all(&[
        case("weeks_not_integer.toml", "weeks = |10.5", "scenario.weeks"),
        case(
            "every_not_integer.toml",
            "every = |1.5",
            "exercises.spring_drill.every",
        ),
        case(
            "steps_weeks_not_integer.toml",
            "[0, |52.5]",
            "source.governance.weeks",
        ),
        // A float with no fractional part is still not an integer.
        case(F, "trials = |1000.0", "scenario.trials"),
        case(F, "seed = |7.5", "scenario.seed"),
        case(F, "start_week = |1.5", "scenario.start_week"),
        case(F, "max_transit_weeks = |2.5", "model.max_transit_weeks"),
        case(F, "severity_cap = |10.5", "model.severity_cap"),
        case(F, "start_week = |0.5", "source.governance.start_week"),
        case(F, "end_week = |104.0", "source.governance.end_week"),
        case(F, "first_week = |10.0", "exercises.spring_drill.first_week"),
        case(
            F,
            "closed_from = |45.5",
            "terrain.river_mountain.closed_from",
        ),
        case(F, "closed_to = |12.0", "terrain.river_mountain.closed_to"),
    ]);
    let stderr = check_fails(&invalid(F), &[]);
    assert!(
        stderr.starts_with("error: invalid scenario (10 problems):"),
        "{stderr}"
    );
}

#[test]
fn nan_and_infinity_are_refused_except_an_infinite_half_life() {
    verify_all(&[
        case("nan_value.toml", "hardship = |nan", "source.hardship"),
        case("inf_value.toml", "budget = |inf", "states.MEM.budget"),
        case(
            "inf_length.toml",
            "length_km = |+inf",
            "borders.SRC_N-MEM_S.length_km",
        ),
        case("neg_inf_lon.toml", "lon = |-inf", "regions.MEM_S.lon"),
        case(
            "nan_half_life.toml",
            "readiness_half_life = |nan",
            "model.readiness_half_life",
        ),
        case(
            "neg_inf_half_life.toml",
            "readiness_half_life = |-inf",
            "model.readiness_half_life",
        ),
        case(
            "inf_exponent.toml",
            "attack_size_exponent = |inf",
            "model.attack_size_exponent",
        ),
        case(
            "nan_in_variant.toml",
            "\"alliance.intel_sharing\" = |nan",
            "variant `intel_heavy`: alliance.intel_sharing",
        ),
    ]);
}

#[test]
fn values_outside_their_ranges_are_refused() {
    const UNIT: &str = "range_unit.toml";
    const NONNEG: &str = "range_non_negative.toml";
    verify_all(&[
        // [0, 1]
        case(UNIT, "repel_flag = |1.5", "model.repel_flag"),
        case(UNIT, "border_decay = |-0.01", "model.border_decay"),
        case(UNIT, "pooling = |2", "model.pooling"),
        case(UNIT, "hardship = |1.2", "source.hardship"),
        case(UNIT, "intel_sharing = |1.5", "alliance.intel_sharing"),
        case(
            UNIT,
            "partner_cooperation = |-0.5",
            "alliance.partner_cooperation",
        ),
        case(UNIT, "boost = |1.1", "exercises.spring_drill.boost"),
        case(UNIT, "readiness = |1.5", "states.SRC.capability.readiness"),
        case(UNIT, "participation = |1.01", "states.MEM.participation"),
        case(UNIT, "readiness = |2.0", "states.MEM.initial.readiness"),
        case(UNIT, "legitimacy = |-0.1", "regions.MEM_S.legitimacy"),
        case(
            "range_allocation_share.toml",
            "border = |1.2",
            "states.MEM.allocation.border",
        ),
        case(
            "range_allocation_share.toml",
            "intel = |-0.3",
            "states.MEM.allocation.intel",
        ),
        case(
            "range_governance_value.toml",
            "to = |1.6",
            "source.governance.to",
        ),
        case(
            "range_governance_steps_value.toml",
            "0.3, |-0.6",
            "source.governance.values",
        ),
        case(
            "range_noise.toml",
            "reversion = |1.5",
            "source.governance_noise.reversion",
        ),
        // (0, 1]
        case(
            "range_passable.toml",
            "passable = |0",
            "terrain.river_mountain.passable",
        ),
        // > 0
        case(
            "range_positive.toml",
            "readiness_half_life = |0",
            "model.readiness_half_life",
        ),
        case(
            "range_positive.toml",
            "length_km = |0",
            "borders.SRC_N-MEM_S.length_km",
        ),
        case(
            "range_positive.toml",
            "sweep = |0.0",
            "terrain.river_mountain.sweep",
        ),
        // > 1
        case(
            "range_above_one.toml",
            "severity_exponent = |1.0",
            "model.severity_exponent",
        ),
        // >= 1
        case("range_at_least_one.toml", "weeks = |0", "scenario.weeks"),
        case("range_at_least_one.toml", "trials = |0", "scenario.trials"),
        case(
            "range_at_least_one.toml",
            "cell_size_mean = |0.5",
            "model.cell_size_mean",
        ),
        case(
            "range_at_least_one.toml",
            "max_transit_weeks = |0",
            "model.max_transit_weeks",
        ),
        case(
            "range_at_least_one.toml",
            "severity_cap = |0",
            "model.severity_cap",
        ),
        // 1..52
        case(
            "range_week_of_year.toml",
            "start_week = |53",
            "scenario.start_week",
        ),
        case(
            "range_start_week_zero.toml",
            "start_week = |0",
            "scenario.start_week",
        ),
        case(
            "range_week_of_year.toml",
            "closed_from = |53",
            "terrain.high_mountain.closed_from",
        ),
        // >= 0
        case(NONNEG, "detection_scale = |-1.0", "model.detection_scale"),
        case(
            NONNEG,
            "recruitment_exponent = |-1.5",
            "source.recruitment_exponent",
        ),
        case(NONNEG, "cost = |-0.5", "exercises.spring_drill.cost"),
        case(NONNEG, "budget = |-1.0", "states.MEM.budget"),
        case(NONNEG, "population = |-5.0", "regions.SRC_N.population"),
        case(NONNEG, "target_weight = |-2", "regions.MEM_S.target_weight"),
        case(NONNEG, "priority = |-1", "borders.SRC_N-MEM_S.priority"),
        case(
            "range_noise.toml",
            "sd = |-0.1",
            "source.governance_noise.sd",
        ),
        case(
            "range_new_cells_negative.toml",
            "new_cells = |-0.8",
            "regions.SRC_N.new_cells",
        ),
        case(
            "range_exercise_weeks_negative.toml",
            "first_week = |-1",
            "exercises.spring_drill.first_week",
        ),
        case(
            "range_exercise_weeks_negative.toml",
            "every = |-52",
            "exercises.spring_drill.every",
        ),
        case("range_seed_negative.toml", "seed = |-7", "scenario.seed"),
        // Coordinates.
        case("lon_out_of_range.toml", "lon = |200.0", "regions.MEM_S.lon"),
        case("lat_out_of_range.toml", "lat = |-91", "regions.SRC_N.lat"),
    ]);
    // Every out-of-range value of a file is reported, not only the first.
    for (file, n) in [(UNIT, 11), (NONNEG, 7), ("range_at_least_one.toml", 5)] {
        let stderr = check_fails(&invalid(file), &[]);
        let count = stderr.lines().filter(|l| l.contains("expected")).count();
        assert!(count >= n, "{file}: expected {n} range problems:\n{stderr}");
    }
}

#[test]
fn allocation_shares_must_sum_to_one() {
    verify_all(&[case(
        "allocation_sum.toml",
        "allocation = |{ border = 0.6",
        "states.MEM.allocation",
    )]);
}

#[test]
fn duplicate_ids_are_refused() {
    verify_all(&[
        case(
            "duplicate_state.toml",
            "id = |\"MEM\"\nrole = \"partner\"",
            "states.MEM",
        ),
        case(
            "duplicate_region.toml",
            "id = |\"MEM_S\"\nstate = \"MEM\"\npopulation = 1.0",
            "regions.MEM_S",
        ),
        case(
            "duplicate_border.toml",
            "id = |\"main\"\na = \"MEM_S\"",
            "borders.main",
        ),
        case(
            "duplicate_exercise.toml",
            "name = |\"spring_drill\"\nfirst_week = 20",
            "exercises.spring_drill",
        ),
        case(
            "duplicate_variant.toml",
            "name = |\"intel_heavy\"\nset = { \"alliance.intel_sharing\" = 0.9",
            "variants.intel_heavy",
        ),
    ]);
}

#[test]
fn unknown_references_are_named_with_the_closest_valid_name() {
    verify_all(&[
        case(
            "unknown_region_state.toml",
            "state = |\"MEMM\"",
            "regions.MEM_S.state",
        ),
        case(
            "unknown_border_a.toml",
            "a = |\"SRC_M\"",
            "borders.SRC_M-MEM_S.a",
        ),
        case(
            "unknown_border_b.toml",
            "b = |\"MEM_Z\"",
            "borders.SRC_N-MEM_Z.b",
        ),
        case(
            "unknown_terrain.toml",
            "terrain = |\"river_mountian\"",
            "borders.SRC_N-MEM_S.terrain",
        ),
        case(
            "unknown_pool_recipient.toml",
            "pool_recipient = |\"MEN\"",
            "alliance.pool_recipient",
        ),
        case(
            "unknown_participant.toml",
            "[|\"MEMM\"]",
            "exercises.spring_drill.participants",
        ),
        case(
            "unknown_participant_group.toml",
            "participants = |\"member\"",
            "exercises.spring_drill.participants",
        ),
        case("unknown_role.toml", "role = |\"membr\"", "states.MEM.role"),
        case(
            "unknown_governance_kind.toml",
            "kind = |\"constnt\"",
            "source.governance.kind",
        ),
    ]);
}

#[test]
fn the_network_must_be_usable() {
    verify_all(&[
        case(
            "border_same_region.toml",
            "b = |\"SRC_N\"",
            "borders.SRC_N-SRC_N.b",
        ),
        case(
            "border_same_pair.toml",
            "[[borders]]\nid = \"again\"",
            "borders.again",
        ),
        case(
            "source_in_member.toml",
            "new_cells = |0.5",
            "regions.MEM_S.new_cells",
        ),
        case("no_source.toml", "", "regions"),
        case("no_target.toml", "", "regions"),
        case(
            "unreachable_source.toml",
            "id = |\"SRC_E\"",
            "regions.SRC_E",
        ),
    ]);
}

#[test]
fn interdict_min_may_not_exceed_interdict_max() {
    verify_all(&[
        case(
            "interdict_min_above_max.toml",
            "interdict_min = |0.9",
            "model.interdict_min",
        ),
        // Against the default maximum, 0.9.
        case(
            "interdict_min_above_default_max.toml",
            "interdict_min = |0.95",
            "model.interdict_min",
        ),
    ]);
}

#[test]
fn governance_must_be_consistent() {
    verify_all(&[
        case(
            "governance_linear_end_before_start.toml",
            "end_week = |10",
            "source.governance.end_week",
        ),
        case(
            "governance_steps_first_not_zero.toml",
            "weeks = |[4, 52]",
            "source.governance.weeks",
        ),
        case(
            "governance_steps_not_increasing.toml",
            "weeks = |[0, 52, 52]",
            "source.governance.weeks",
        ),
        case(
            "governance_steps_length_mismatch.toml",
            "weeks = |[0, 52]",
            "source.governance.weeks",
        ),
        case(
            "governance_steps_empty.toml",
            "weeks = |[]",
            "source.governance.weeks",
        ),
        case(
            "governance_other_kind_key.toml",
            "|value = 0.3 }",
            "source.governance.value",
        ),
    ]);
}

#[test]
fn participants_must_be_distinct_members_or_partners() {
    verify_all(&[
        case(
            "participant_repeated.toml",
            "\"MEM\", |\"MEM\"]",
            "exercises.spring_drill.participants",
        ),
        case(
            "participant_other.toml",
            "\"MEM\", |\"SRC\"]",
            "exercises.spring_drill.participants",
        ),
    ]);
}

#[test]
fn a_pool_needs_a_member_recipient() {
    verify_all(&[
        case(
            "pool_without_recipient.toml",
            "pool_share = |0.2",
            "alliance.pool_recipient",
        ),
        case(
            "pool_recipient_not_member.toml",
            "pool_recipient = |\"SRC\"",
            "alliance.pool_recipient",
        ),
    ]);
}

#[test]
fn keys_must_belong_to_the_states_role() {
    verify_all(&[
        case(
            "role_budget_on_partner.toml",
            "budget = |3.0",
            "states.PAR.budget",
        ),
        case(
            "role_capability_on_member.toml",
            "capability = |{ border = 5.0 }",
            "states.MEM.capability",
        ),
        case(
            "role_participation_on_other.toml",
            "participation = |0.5",
            "states.SRC.participation",
        ),
        case(
            "role_allocation_on_other.toml",
            "allocation = |{ border = 1.0",
            "states.SRC.allocation",
        ),
        case(
            "role_allocation_on_other.toml",
            "initial = |{ border = 5.0 }",
            "states.SRC.initial",
        ),
    ]);
}

#[test]
fn closures_need_both_ends_and_zero_at_both_or_neither() {
    verify_all(&[
        case(
            "closure_one_end.toml",
            "closed_from = |45",
            "terrain.river_mountain.closed_to",
        ),
        case(
            "closure_one_end_to.toml",
            "closed_to = |12",
            "terrain.marsh.closed_from",
        ),
        case(
            "closure_zero_one_end.toml",
            "closed_from = |0",
            "terrain.river_mountain.closed_from",
        ),
    ]);
}

#[test]
fn a_missing_initial_stock_whose_decay_is_zero_is_refused() {
    verify_all(&[
        case(
            "decay_zero_no_initial.toml",
            "[[states]]\nid = \"MEM\"",
            "states.MEM.initial.border",
        ),
        case(
            "intel_decay_zero_no_initial.toml",
            "initial = |{ border = 100.0 }",
            "states.MEM.initial.intel",
        ),
    ]);
}

#[test]
fn variants_are_checked_path_by_path_and_after_their_values_are_applied() {
    verify_all(&[
        case(
            "variant_baseline.toml",
            "name = |\"baseline\"",
            "variants.baseline.name",
        ),
        case(
            "variant_unknown_path.toml",
            "\"alliance.intel_shareing\"",
            "variant `intel_heavy`: alliance.intel_shareing",
        ),
        case(
            "variant_unknown_section.toml",
            "\"aliance.intel_sharing\"",
            "variant `intel_heavy`: aliance.intel_sharing",
        ),
        case(
            "variant_unknown_id.toml",
            "\"states.MEMM.allocation\"",
            "variant `intel_heavy`: states.MEMM.allocation",
        ),
        case(
            "variant_unknown_nested.toml",
            "intel_shareing = 0.6",
            "variant `nested`: alliance.intel_shareing",
        ),
        case(
            "variant_incomplete_path.toml",
            "\"states.MEM\" = 0.6",
            "variant `intel_heavy`: states.MEM",
        ),
        case(
            "variant_adds_element.toml",
            "\"regions.MEM_N.population\"",
            "variant `intel_heavy`: regions.MEM_N.population",
        ),
        case(
            "variant_adds_terrain.toml",
            "\"terrain.swamp.sweep\"",
            "variant `intel_heavy`: terrain.swamp.sweep",
        ),
        case(
            "variant_scenario_weeks.toml",
            "\"scenario.weeks\"",
            "variant `intel_heavy`: scenario.weeks",
        ),
        case(
            "variant_fixed_role.toml",
            "\"states.MEM.role\"",
            "variant `intel_heavy`: states.MEM.role",
        ),
        case(
            "variant_fixed_border_end.toml",
            "\"borders.SRC_N-MEM_S.a\"",
            "variant `intel_heavy`: borders.SRC_N-MEM_S.a",
        ),
        case(
            "variant_fixed_region_state.toml",
            "\"regions.MEM_S.state\"",
            "variant `intel_heavy`: regions.MEM_S.state",
        ),
        case(
            "variant_fixed_id.toml",
            "\"states.MEM.id\"",
            "variant `intel_heavy`: states.MEM.id",
        ),
        case(
            "variant_value_subfield.toml",
            "\"states.SRC.capability.border\"",
            "variant `intel_heavy`: states.SRC.capability.border",
        ),
        case(
            "variant_partial_value_table.toml",
            "[variants.set.states.MEM.allocation]",
            "variant `partial`: states.MEM.allocation.intel",
        ),
        case(
            "variant_invalid_value.toml",
            "\"states.MEM.allocation\" = |{",
            "variant `intel_heavy`: states.MEM.allocation",
        ),
        case(
            "variant_out_of_range.toml",
            "\"alliance.intel_sharing\" = |1.6",
            "variant `intel_heavy`: alliance.intel_sharing",
        ),
        case(
            "variant_invalid_unselected.toml",
            "\"states.MEM.allocation\" = |{ border = 0.5",
            "variant `broken`: states.MEM.allocation",
        ),
    ]);
    // The variant's problems are not blamed on the base scenario.
    let stderr = check_fails(&invalid("variant_invalid_value.toml"), &[]);
    assert!(
        stderr.starts_with("error: invalid scenario (1 problem):"),
        "{stderr}"
    );
    // (the case above: its one message is the variant's)
}

#[test]
fn toml_syntax_errors_and_empty_files_are_reported_with_positions() {
    verify_all(&[
        case("syntax_error.toml", "trials = |\n", ""),
        case("syntax_unclosed_table.toml", "[alliance|\n", ""),
        case("syntax_duplicate_key.toml", "seed = 8", ""),
        case("empty.toml", "", "scenario"),
    ]);
}

/// Line and column of the first byte that is not UTF-8.
fn first_bad_byte(bytes: &[u8]) -> (usize, usize) {
    let valid = std::str::from_utf8(bytes)
        .expect_err("the fixture is not UTF-8")
        .valid_up_to();
    let text = std::str::from_utf8(&bytes[..valid]).expect("valid up to here");
    line_col(text, valid)
}

#[test]
fn files_that_are_not_utf8_are_refused_at_the_first_bad_byte() {
    for name in ["invalid_utf8.toml", "binary_garbage.toml"] {
        let file = invalid(name);
        let bytes = std::fs::read(&file).expect("the fixture");
        let (line, col) = first_bad_byte(&bytes);
        let stderr = check_fails(&file, &[]);
        let want = format!("{}:{line}:{col}: ", file.display());
        assert!(
            stderr.lines().any(|l| l.starts_with(&want)),
            "{name}: expected a message starting with `{want}` about UTF-8:\n{stderr}"
        );
    }
    // The invalid bytes sit inside `name = "two_…"` on line 2.
    assert_eq!(
        first_bad_byte(&std::fs::read(invalid("invalid_utf8.toml")).unwrap()),
        (2, 13)
    );
}

#[test]
fn a_file_with_many_problems_reports_all_of_them_at_once() {
    let file = invalid("many_problems.toml");
    let text = read(&file);
    let expected = [
        ("weeks = |10.5", "scenario.weeks"),
        ("start_week = |60", "scenario.start_week"),
        ("hardship = |1.7", "source.hardship"),
        ("intel_sharng", "alliance.intel_sharng"),
        ("[[exercises]]", "exercises.spring_drill.boost"),
        ("allocation = |{ border = 0.6", "states.MEM.allocation"),
        ("state = |\"MEMM\"", "regions.MEM_S.state"),
        ("lat = |98.0", "regions.MEM_S.lat"),
        (
            "terrain = |\"river_mountian\"",
            "borders.SRC_N-MEM_S.terrain",
        ),
        (
            "\"alliance.intel_shareing\"",
            "variant `intel_heavy`: alliance.intel_shareing",
        ),
    ];
    let stderr = check_fails(&file, &[]);
    assert!(
        stderr.starts_with(&format!(
            "error: invalid scenario ({} problems):\n",
            expected.len()
        )),
        "{stderr}"
    );
    let lines: Vec<&str> = stderr.lines().skip(1).collect();
    assert_eq!(
        lines.len(),
        expected.len(),
        "one line per problem:\n{stderr}"
    );
    for (at, path) in expected {
        let want = format!("{}: {path}: ", place(&file, &text, at));
        assert!(
            lines.iter().any(|l| l.starts_with(&want)),
            "no message starts with `{want}`:\n{stderr}"
        );
    }
    // Top-down, in the order of the file.
    let lines_of: Vec<usize> = lines
        .iter()
        .map(|l| {
            let rest = &l[file.display().to_string().len() + 1..];
            rest.split(':').next().unwrap().parse().unwrap()
        })
        .collect();
    assert!(lines_of.windows(2).all(|w| w[0] <= w[1]), "{stderr}");
}

#[test]
fn bad_set_arguments_are_reported_with_the_argument() {
    let example = data("two_states.toml");
    // (argument, path named, snapshot of the whole message)
    let cases: [(&str, &str, &str); 10] = [
        ("alliance.intel_sharing", "", "no_equals_sign"),
        ("=0.5", "", "no_path"),
        ("alliance..intel_sharing=0.5", "", "an_empty_segment"),
        (
            "alliance.intel_sharing=abc",
            "alliance.intel_sharing",
            "a_bare_word",
        ),
        (
            "alliance.intel_sharing=",
            "alliance.intel_sharing",
            "no_value",
        ),
        (
            "alliance.intel_shareing=0.5",
            "alliance.intel_shareing",
            "a_misspelt_field",
        ),
        (
            "states.MEMM.budget=3",
            "states.MEMM.budget",
            "a_misspelt_id",
        ),
        (
            "alliance.intel_sharing=1.5",
            "alliance.intel_sharing",
            "out_of_range",
        ),
        (
            "states.MEM.role=\"partner\"",
            "states.MEM.role",
            "a_fixed_field",
        ),
        (
            "states.SRC.capability.border=25",
            "states.SRC.capability.border",
            "a_subfield_of_a_whole_table",
        ),
    ];
    let mut failures = Vec::new();
    for (arg, path, name) in cases {
        let stderr = check_fails(&example, &["--set", arg]);
        let want = if path.is_empty() {
            format!("--set {arg}: ")
        } else {
            format!("--set {arg}: {path}: ")
        };
        if !stderr.lines().any(|l| l.starts_with(&want)) {
            failures.push(format!("--set {arg}: expected `{want}…`:\n{stderr}"));
        }
        assert_snapshot!(format!("set_{name}"), stable(&stderr, &[]));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // `--set` may change `scenario.*`, which a variant may not.
    let out = output(
        &root(),
        &[
            "check".as_ref(),
            example.as_os_str(),
            "--set".as_ref(),
            "scenario.weeks=10".as_ref(),
        ],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
}

#[test]
fn set_values_inside_tables_and_arrays_are_reported_like_other_set_values() {
    // Every other problem with a --set value reads `--set ARG: PATH: …`;
    // an element of an array or a field of an inline table should too
    // (not `--set ARG:1:31: …`, a line and column inside the argument).
    let example = data("two_states.toml");
    let mut failures = Vec::new();
    for (arg, path) in [
        (
            "states.MEM.allocation={ border = 2, intel = 0, readiness = 0 }",
            "states.MEM.allocation.border",
        ),
        (
            "exercises.spring_drill.participants=[\"SRC\"]",
            "exercises.spring_drill.participants",
        ),
    ] {
        let stderr = check_fails(&example, &["--set", arg]);
        let want = format!("--set {arg}: {path}: ");
        if !stderr.lines().any(|l| l.starts_with(&want)) {
            failures.push(format!("expected `{want}…`:\n{stderr}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_new_terrain_class_close_to_a_built_in_one_suggests_it() {
    // `[terrain.high_mountian]` with only a closure was meant to change the
    // built-in `high_mountain`: the "missing sweep/passable" messages should
    // name the closest existing class.
    verify_all(&[case(
        "new_terrain_typo.toml",
        "[terrain.high_mountian]",
        "terrain.high_mountian.sweep",
    )]);
}

#[test]
fn a_misspelt_required_key_is_reported_once() {
    let text = std::fs::read_to_string(crate::util::data("two_states.toml"))
        .expect("fixture")
        .replace("budget = 8.0", "budjet = 8.0");
    let err = cordon::scenario::load_str("t.toml", "t", &text, &[]).expect_err("invalid");
    assert_eq!(err.items.len(), 1, "{err}");
    assert_eq!(err.items[0].suggestion.as_deref(), Some("budget"), "{err}");
}

#[test]
fn sweep_and_uncertain_tables_are_checked_like_set_paths() {
    verify_all(&[
        case(
            "sweep_unknown_path.toml",
            "\"states.MEM.budgte\"",
            "sweep.vary[0].path",
        ),
        case(
            "sweep_low_not_below_high.toml",
            "low = |10.0",
            "sweep.vary[0].low",
        ),
        case(
            "sweep_high_out_of_range.toml",
            "high = |1.5",
            "sweep.vary[0].high",
        ),
        case("sweep_one_step.toml", "steps = |1", "sweep.vary[0].steps"),
        case("sweep_unknown_key.toml", "desgin", "sweep.desgin"),
        case("sweep_unknown_design.toml", "\"latin\"", "sweep.design"),
        case("sweep_lhs_without_samples.toml", "[sweep]", "sweep.samples"),
        case(
            "sweep_text_field.toml",
            "\"borders.SRC_N-MEM_S.terrain\"",
            "sweep.vary[0].path",
        ),
        case("sweep_without_vary.toml", "[sweep]", "sweep.vary"),
        case("sweep_duplicate_path.toml", "[[sweep.vary]]", "sweep.vary"),
        case(
            "uncertain_unknown_path.toml",
            "\"model.detection_scal\"",
            "uncertain[0].path",
        ),
        case(
            "uncertain_missing_high.toml",
            "[[uncertain]]",
            "uncertain[0].high",
        ),
        case(
            "uncertain_low_out_of_range.toml",
            "low = |-1.0",
            "uncertain[0].low",
        ),
        case(
            "uncertain_scenario_path.toml",
            "\"scenario.seed\"",
            "uncertain[0].path",
        ),
        case(
            "uncertain_log_nonpositive.toml",
            "low = |0.0",
            "uncertain[0].low",
        ),
        case(
            "uncertain_unknown_scale.toml",
            "\"logarithmic\"",
            "uncertain[0].scale",
        ),
    ]);
}

#[test]
fn observed_series_and_the_warm_up_are_checked() {
    verify_all(&[
        case(
            "observed_unknown_metric.toml",
            "\"atacks\"",
            "observed[0].metric",
        ),
        case(
            "observed_unknown_state.toml",
            "\"MEN\"",
            "observed[0].state",
        ),
        case(
            "observed_non_member_state.toml",
            "metric = \"attacks\"\nstate = |\"SRC\"",
            "observed[0].state",
        ),
        case(
            "observed_unknown_border.toml",
            "\"SRC_N>MEM_X\"",
            "observed[0].border",
        ),
        case(
            "observed_state_with_border_metric.toml",
            "\"crossings\"",
            "observed[0].metric",
        ),
        case(
            "observed_state_and_border.toml",
            "\"SRC_N>MEM_S\"",
            "observed[0].border",
        ),
        case(
            "observed_past_horizon.toml",
            "[0, 1, 2]",
            "observed[0].counts",
        ),
        case("observed_negative_count.toml", "-1", "observed[0].counts"),
        case(
            "observed_fractional_count.toml",
            "1.5",
            "observed[0].counts",
        ),
        case(
            "observed_missing_source.toml",
            "[[observed]]",
            "observed[0].source",
        ),
        case("observed_empty_counts.toml", "[]", "observed[0].counts"),
        case("warmup_negative.toml", "-4", "scenario.warmup_weeks"),
    ]);
}

#[test]
fn a_variant_that_sets_one_path_twice_names_both_positions() {
    // The same path as a quoted dotted key and as nested tables; a share
    // and its whole allocation table.
    let file = invalid("variant_duplicate_path.toml");
    let f = file.display();
    let stderr = check_fails(&file, &[]);
    assert_eq!(
        stderr,
        format!(
            "error: invalid scenario (2 problems):\n\
             {f}:56:54: variant `twice`: alliance.intel_sharing: set twice in this variant's `set` (first at {f}:56:9); give each path once\n\
             {f}:60:47: variant `share_and_table`: states.MEM.allocation: sets the same allocation as `states.MEM.allocation.border` (at {f}:60:9); set one share (the others take up the rest) or the whole table, once\n"
        )
    );
    let text = read(&file);
    assert_eq!(position(&text, "\"alliance.intel_sharing\" = 0.5"), (56, 9));
    assert_eq!(position(&text, "intel_sharing = 0.6"), (56, 54));
    assert_eq!(position(&text, "\"states.MEM.allocation.border\""), (60, 9));
    assert_eq!(position(&text, "\"states.MEM.allocation\" ="), (60, 47));
    // Two shares of one allocation reach one field too.
    let two = format!(
        "{}\n[[variants]]\nname = \"shares\"\nset = {{ \"states.MEM.allocation.border\" = 0.2, \"states.MEM.allocation.intel\" = 0.2 }}\n",
        read(&data("two_states.toml"))
    );
    let err = load_str("t.toml", "t", &two, &[]).expect_err("refused");
    assert_eq!(
        err.to_string(),
        "t.toml:60:47: variant `shares`: states.MEM.allocation.intel: sets the same allocation as `states.MEM.allocation.border` (at t.toml:60:9); set one share (the others take up the rest) or the whole table, once"
    );
}
