//! `cordon report`: one self-contained HTML page with every section a
//! reader needs, nothing fetched from anywhere, every name from the data
//! escaped; bad input exits 2. (The page in a real browser is checked by
//! `tests/browser/report-check.sh`.)

use std::path::Path;

use std::ffi::OsStr;

use insta::assert_snapshot;

use crate::util::{cordon, data, entries, read, refused, run_in, stable, temp};

/// Writes the report of `run` and returns its text.
fn report(run: &Path) -> String {
    let out = cordon(run).arg("report").arg(run).assert().success();
    let printed = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let page = run.join("report.html");
    assert_eq!(printed.trim(), page.display().to_string());
    read(&page)
}

/// Every place the page could reach outside itself, once the SVG
/// namespace (an identifier, never fetched) is set aside.
fn external_references(html: &str) -> Vec<&'static str> {
    let text = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    [
        "http://", "https://", "src=", "<link", "@import", "url(", "//cdn",
    ]
    .into_iter()
    .filter(|needle| text.contains(needle))
    .collect()
}

const SECTIONS: [&str; 6] = [
    "Policy ranking",
    "Key charts",
    "By member state",
    "By border",
    "Model and assumptions",
    "Reproducing this result",
];

#[test]
fn the_report_is_one_self_contained_page_with_every_section() {
    let dir = temp();
    let run = run_in(
        dir.path(),
        "run",
        "csto-southern-frontier",
        &["--quiet", "--trials", "12"],
    )
    .out;
    let before = entries(&run);
    let html = report(&run);
    let mut after = before.clone();
    after.push("report.html".into());
    after.sort();
    assert_eq!(entries(&run), after, "the report is one file");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(external_references(&html), Vec::<&str>::new());
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    for section in SECTIONS {
        assert!(
            html.contains(&format!("<h2>{section}</h2>")),
            "no section {section}"
        );
    }
    assert!(
        !html.contains("<h2>Sensitivity</h2>"),
        "no sensitivity.csv, no section"
    );
    let manifest: cordon::results::Manifest =
        serde_json::from_str(&read(&run.join("manifest.json"))).expect("a manifest");
    for v in &manifest.variants {
        assert!(
            html.contains(&format!("<span class=\"variant\">{}</span>", v.name)),
            "variant {} is not named",
            v.name
        );
    }
    for chart in [
        "forest",
        "p_attack",
        "fan_cells_in_alliance",
        "map_baseline",
        "states_attacks",
    ] {
        assert!(
            html.contains(&format!(
                "<figure class=\"chart\" id=\"chart-{chart}\">\n<svg viewBox="
            )),
            "chart {chart} is not inline"
        );
    }
    // The calibrated default departs from the model defaults: they are listed.
    assert!(html.contains("model.<wbr>detection_<wbr>scale"));
    assert!(html.contains(&manifest.scenario.sha256));
    assert!(html.contains("<h2>In short</h2>"));
}

#[test]
fn names_from_the_data_cannot_become_markup() {
    let dir = temp();
    let text = read(&data("two_states.toml")).replace(
        "name = \"two_states\"",
        "name = \"<script>alert(1)</script>\"\ndescription = \"Q&A: <img src=x onerror=alert(2)>\"",
    );
    let file = dir.path().join("hostile.toml");
    std::fs::write(&file, text).expect("the scenario is writable");
    let run = run_in(dir.path(), "run", file, &["--quiet", "--trials", "10"]).out;
    let html = report(&run);
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the page's own script"
    );
    assert!(!html.contains("<img"));
    assert!(html.contains("<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>"));
    assert!(html.contains("Q&amp;A: &lt;img src=x onerror=alert(2)&gt;"));
    assert_eq!(
        external_references(&html),
        vec!["src="],
        "only the escaped text"
    );
}

#[test]
fn missing_charts_are_drawn_and_a_sensitivity_table_is_shown() {
    let dir = temp();
    let run = run_in(
        dir.path(),
        "run",
        data("two_states.toml"),
        &["--quiet", "--trials", "10"],
    )
    .out;
    std::fs::remove_dir_all(run.join("charts")).expect("charts are removable");
    std::fs::write(
        run.join("sensitivity.csv"),
        "parameter,value,attacks_mean\nmodel.attack_hazard,0.01,3.14159\nmodel.attack_hazard,0.02,<b>\n",
    )
    .expect("sensitivity.csv is writable");
    let html = report(&run);
    assert!(run.join("charts").join("forest.svg").is_file());
    assert!(html.contains("<h2>Sensitivity</h2>"));
    assert!(html.contains("model.attack_hazard") && html.contains("&lt;b&gt;"));
}

#[test]
fn run_with_report_writes_the_page() {
    let dir = temp();
    let out = run_in(
        dir.path(),
        "run",
        data("two_states.toml"),
        &["--quiet", "--report", "--trials", "5"],
    )
    .out;
    assert!(read(&out.join("report.html")).contains("<h2>Policy ranking</h2>"));
}

#[test]
fn report_on_bad_input_exits_2_naming_the_problem() {
    let dir = temp();
    let e = refused(
        dir.path(),
        &[OsStr::new("report"), OsStr::new("no-such-folder")],
    );
    assert_snapshot!("report_a_missing_folder", stable(&e, &[dir.path()]));
    let run = run_in(
        dir.path(),
        "run",
        data("two_states.toml"),
        &["--quiet", "--trials", "5"],
    )
    .out;
    std::fs::remove_file(run.join("summary.csv")).expect("summary.csv is removable");
    let e = refused(dir.path(), &[OsStr::new("report"), OsStr::new(&run)]);
    assert_snapshot!("report_without_summary_csv", stable(&e, &[dir.path()]));
    assert!(!run.join("report.html").exists());
}
