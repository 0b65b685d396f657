//! Charts: every chart is drawn as PNG and SVG at 1200×800, is not blank,
//! carries its title, puts regions where their coordinates say, and bad
//! input to `cordon plot` is named and exits 2. Also: no chart can depend on
//! system fonts (plotters' `ttf` feature stays off).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use cordon::chart::map::{Bounds, MAP_AREA, position, project};
use cordon::chart::style::{SIZE, role_colour};
use cordon::results::Manifest;

use std::ffi::OsStr;

use insta::assert_snapshot;

use crate::util::{cordon, data, read, refused, run_in, scenario, stable, temp};

fn manifest(run: &Path) -> Manifest {
    serde_json::from_str(&read(&run.join("manifest.json"))).expect("a valid manifest")
}

/// Every chart a run should have, with words its title must contain.
fn expected(m: &Manifest) -> Vec<(String, String)> {
    let mut charts: Vec<(String, String)> = [
        (
            "fan_cells_in_alliance",
            "militant cells inside the alliance by week",
        ),
        ("fan_cumulative_attacks", "cumulative attacks by week"),
        (
            "fan_cumulative_entries",
            "cumulative entries into the alliance by week",
        ),
        ("p_attack", "probability of at least one attack by week"),
        (
            "distribution_attacks",
            "attacks per trial, distribution over trials",
        ),
        (
            "distribution_severity",
            "total severity per trial, distribution over trials",
        ),
        ("states_attacks", "attacks by member state"),
        ("states_entries", "entries by member state"),
    ]
    .iter()
    .map(|(stem, title)| (stem.to_string(), format!("{}: {title}", m.scenario.name)))
    .collect();
    if m.variants.len() > 1 {
        charts.push((
            "forest".into(),
            format!("{}: policy comparison", m.scenario.name),
        ));
    }
    for v in &m.variants {
        charts.push((
            format!("map_{}", v.name),
            format!("{}: the frontier under {}", m.scenario.name, v.name),
        ));
    }
    charts
}

/// Checks one chart's PNG and SVG.
fn check_chart(charts: &Path, stem: &str, title: &str, caption: &str) {
    let png = charts.join(format!("{stem}.png"));
    let image = image::open(&png)
        .unwrap_or_else(|e| panic!("{} does not decode: {e}", png.display()))
        .to_rgb8();
    assert_eq!(image.dimensions(), SIZE, "{}", png.display());
    let colours: HashSet<[u8; 3]> = image.pixels().map(|p| p.0).collect();
    assert!(
        colours.len() > 20,
        "{} has only {} colours",
        png.display(),
        colours.len()
    );
    // The title band holds dark text.
    let dark = (0..SIZE.0)
        .flat_map(|x| (0..50).map(move |y| (x, y)))
        .filter(|&(x, y)| luminance(image.get_pixel(x, y).0) < 90.0)
        .count();
    assert!(
        dark > 300,
        "{}: no title text ({dark} dark pixels)",
        png.display()
    );
    let svg = read(&charts.join(format!("{stem}.svg")));
    assert!(svg.contains(title), "{stem}.svg lacks the title `{title}`");
    assert!(
        svg.contains(caption),
        "{stem}.svg lacks the caption `{caption}`"
    );
}

fn luminance([r, g, b]: [u8; 3]) -> f64 {
    0.2126 * f64::from(r) + 0.7152 * f64::from(g) + 0.0722 * f64::from(b)
}

fn check_all_charts(run: &Path) {
    let m = manifest(run);
    let caption = format!("{} trials × {} weeks · seed {}", m.trials, m.weeks, m.seed);
    let charts = run.join("charts");
    for (stem, title) in expected(&m) {
        check_chart(&charts, &stem, &title, &caption);
    }
}

#[test]
fn a_run_draws_every_chart_as_png_and_svg() {
    let dir = crate::util::run(data("two_states.toml"), &["--quiet", "--trials", "200"]);
    let run = dir.out.clone();
    check_all_charts(&run);
}

#[test]
fn plot_redraws_every_chart_from_the_files_alone() {
    let dir = crate::util::run(data("two_states.toml"), &["--quiet", "--trials", "50"]);
    let run = dir.out.clone();
    std::fs::remove_dir_all(run.join("charts")).ok();
    cordon(dir.path()).arg("plot").arg(&run).assert().success();
    check_all_charts(&run);
}

#[test]
fn the_default_scenario_gets_every_chart() {
    let file = scenario("csto-southern-frontier.toml");
    if !file.exists() {
        return;
    }
    let dir = temp();
    let run = run_in(dir.path(), "run", file, &["--quiet", "--trials", "20"]).out;
    cordon(dir.path()).arg("plot").arg(&run).assert().success();
    check_all_charts(&run);
    map_places_regions_by_their_coordinates(&run);
}

#[test]
fn the_map_puts_regions_where_their_coordinates_say() {
    let dir = crate::util::run(data("two_states.toml"), &["--quiet", "--trials", "20"]);
    let run = dir.out.clone();
    cordon(dir.path()).arg("plot").arg(&run).assert().success();
    map_places_regions_by_their_coordinates(&run);
}

/// Around each region's projected position, most pixels have the colour of
/// its role.
fn map_places_regions_by_their_coordinates(run: &Path) {
    let m = manifest(run);
    let image = image::open(run.join("charts").join("map_baseline.png"))
        .expect("the map decodes")
        .to_rgb8();
    let bounds = Bounds::of(&m.regions).expect("regions with coordinates");
    for region in &m.regions {
        let Some((lon, lat)) = position(region) else {
            continue;
        };
        let (x, y) = project(lon, lat, &bounds, &MAP_AREA);
        let role = m
            .states
            .iter()
            .find(|s| s.id == region.state)
            .map_or("other", |s| s.role.as_str());
        let want = role_colour(role, region.source);
        let around = (-2..=2).flat_map(|dx| (-2..=2).map(move |dy| (x + dx, y + dy)));
        let matching = around
            .filter(|&(px, py)| image.get_pixel(px as u32, py as u32).0 == [want.0, want.1, want.2])
            .count();
        assert!(
            matching >= 13,
            "region {} at ({lon}, {lat}) -> ({x}, {y}): only {matching} of 25 pixels have its role colour",
            region.id
        );
    }
}

#[test]
fn plot_on_a_missing_folder_exits_2_naming_it() {
    let dir = temp();
    let e = refused(dir.path(), &[OsStr::new("plot"), OsStr::new("no-such-run")]);
    assert_snapshot!("plot_a_missing_folder", stable(&e, &[dir.path()]));
}

/// A small run folder whose `weekly.csv` is replaced by `edit` of it.
fn with_weekly(dir: &Path, edit: impl Fn(&str) -> Option<String>) -> PathBuf {
    let run = run_in(
        dir,
        "run",
        data("two_states.toml"),
        &["--quiet", "--trials", "10"],
    )
    .out;
    let weekly = run.join("weekly.csv");
    match edit(&read(&weekly)) {
        Some(text) => std::fs::write(&weekly, text).expect("weekly.csv is writable"),
        None => std::fs::remove_file(&weekly).expect("weekly.csv is removable"),
    }
    run
}

#[test]
fn plot_without_weekly_csv_exits_2_naming_the_file() {
    let dir = temp();
    let run = with_weekly(dir.path(), |_| None);
    let e = refused(dir.path(), &[OsStr::new("plot"), OsStr::new(&run)]);
    assert_snapshot!("plot_without_weekly_csv", stable(&e, &[dir.path()]));
}

#[test]
fn plot_with_a_missing_column_exits_2_naming_file_and_column() {
    let dir = temp();
    let run = with_weekly(dir.path(), |text| {
        Some(text.replacen(",p50,", ",median,", 1))
    });
    let e = refused(dir.path(), &[OsStr::new("plot"), OsStr::new(&run)]);
    assert_snapshot!("plot_a_missing_column", stable(&e, &[dir.path()]));
}

#[test]
fn plot_with_a_non_numeric_cell_exits_2_naming_file_row_and_column() {
    let dir = temp();
    // Row 3 (line 4): its `mean` (the fifth field) becomes text.
    let run = with_weekly(dir.path(), |text| {
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        let mut fields: Vec<&str> = lines[3].split(',').collect();
        fields[4] = "lots";
        lines[3] = fields.join(",");
        Some(lines.join("\n") + "\n")
    });
    let e = refused(dir.path(), &[OsStr::new("plot"), OsStr::new(&run)]);
    assert_snapshot!("plot_a_non_numeric_cell", stable(&e, &[dir.path()]));
}

#[test]
fn plot_with_an_unknown_variant_exits_2() {
    let dir = crate::util::run(data("two_states.toml"), &["--quiet", "--trials", "10"]);
    let run = dir.out.clone();
    let e = refused(
        dir.path(),
        &[
            OsStr::new("plot"),
            OsStr::new(&run),
            OsStr::new("--variant"),
            OsStr::new("intel_heavvy"),
        ],
    );
    assert_snapshot!("plot_an_unknown_variant", stable(&e, &[dir.path()]));
}

#[test]
fn the_library_tells_invalid_input_from_drawing_failures() {
    let dir = temp();
    let missing = cordon::chart::draw_all(&dir.path().join("nothing"), &[]);
    assert!(missing.is_err_and(|e| e.is_invalid_input()));
}

#[test]
fn plotters_draws_text_without_system_fonts() {
    let output = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let nodes = metadata["resolve"]["nodes"]
        .as_array()
        .expect("a resolved dependency graph");
    let name_of = |id: &str| {
        metadata["packages"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["id"] == id))
            .and_then(|p| p["name"].as_str())
            .unwrap_or("")
            .to_string()
    };
    let plotters: Vec<&serde_json::Value> = nodes
        .iter()
        .filter(|n| name_of(n["id"].as_str().unwrap_or("")) == "plotters")
        .collect();
    assert!(
        !plotters.is_empty(),
        "plotters is not in the dependency graph"
    );
    for node in plotters {
        let features: Vec<&str> = node["features"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f.as_str())
            .collect();
        assert!(
            !features.contains(&"ttf"),
            "plotters' `ttf` feature (system fonts) is on: {features:?}"
        );
        assert!(
            features.contains(&"ab_glyph"),
            "plotters' `ab_glyph` feature (the embedded font) is off: {features:?}"
        );
    }
    let system_font_crates = [
        "font-kit",
        "yeslogic-fontconfig-sys",
        "servo-fontconfig",
        "servo-fontconfig-sys",
    ];
    for node in nodes {
        let name = name_of(node["id"].as_str().unwrap_or(""));
        assert!(
            !system_font_crates.contains(&name.as_str()),
            "{name} (system fonts) is in the dependency graph"
        );
    }
}
