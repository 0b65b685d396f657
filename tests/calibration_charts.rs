//! Calibration charts and report: `cordon calibrate` draws every chart as
//! PNG and SVG at 1200×800; `cordon plot` redraws them from the folder
//! alone; `cordon report` writes one self-contained page naming the
//! observations' sources and the parameters; bad input exits 2.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use cordon::chart::style::SIZE;

use std::ffi::OsStr;

use insta::assert_snapshot;

use crate::util::{cordon, data, read, refused, stable, study_in, temp};

/// The series and parameters of `calibration/two_series.toml`.
const SERIES: [&str; 2] = ["new_cells", "attacks"];
const PARAMETERS: [&str; 3] = [
    "regions.SRC_N.new_cells",
    "model.attack_hazard",
    "states.MEM.budget",
];
const SOURCES: [&str; 2] = [
    "a known answer: Poisson counts, Gamma posterior",
    "hand-made attack counts, one far above the rest",
];

/// Calibrates `calibration/two_series.toml` quickly into `dir/cal`.
fn calibrate_into(dir: &Path) -> PathBuf {
    let flags = [
        "--quiet",
        "--particles",
        "40",
        "--trials-per-particle",
        "4",
        "--generations",
        "4",
        "--threads",
        "1",
    ];
    study_in(
        dir,
        "calibrate",
        data("calibration/two_series.toml"),
        "cal",
        &flags,
    )
    .out
}

/// The one-parameter example folder, copied into `dir/ka`.
fn example_into(dir: &Path) -> PathBuf {
    let from = data("calibration/known_answer_example");
    let to = dir.join("ka");
    std::fs::create_dir_all(&to).expect("a folder");
    for entry in std::fs::read_dir(&from).expect("the example folder") {
        let path = entry.expect("an entry").path();
        if path.is_file() {
            std::fs::copy(&path, to.join(path.file_name().expect("a name"))).expect("a copy");
        }
    }
    to
}

/// Checks one chart: a PNG of the standard size that is not blank, and an
/// SVG holding each of `words`.
fn check_chart(charts: &Path, stem: &str, words: &[&str]) {
    let png = charts.join(format!("{stem}.png"));
    let image = image::open(&png)
        .unwrap_or_else(|e| panic!("{} does not decode: {e}", png.display()))
        .to_rgb8();
    assert_eq!(image.dimensions(), SIZE, "{}", png.display());
    let colours: HashSet<[u8; 3]> = image.pixels().map(|p| p.0).collect();
    assert!(colours.len() > 20, "{} is nearly blank", png.display());
    let svg = read(&charts.join(format!("{stem}.svg")));
    for word in words {
        assert!(svg.contains(word), "{stem}.svg lacks `{word}`");
    }
}

fn check_all(cal: &Path) {
    let charts = cal.join("charts");
    let title = |t: &str| format!("two_series: {t}");
    let marginals = title("prior and posterior of each parameter");
    let mut words: Vec<&str> = vec![&marginals];
    words.extend(PARAMETERS);
    check_chart(&charts, "calibration_marginals", &words);
    let pairs = title("posterior of each pair of parameters");
    let mut words: Vec<&str> = vec![&pairs, "weighted correlation"];
    words.extend(PARAMETERS);
    check_chart(&charts, "calibration_pairs", &words);
    let predictive = title("observed counts against the posterior predictive");
    let mut words: Vec<&str> = vec![&predictive, "weeks 0–51", "observed, outside"];
    words.extend(SERIES);
    check_chart(&charts, "calibration_predictive", &words);
    let tempering = title("tempering from prior to posterior");
    check_chart(
        &charts,
        "calibration_tempering",
        &[&tempering, "likelihood power", "effective sample size"],
    );
}

#[test]
fn calibrate_draws_every_chart_and_plot_redraws_them() {
    let dir = temp();
    let cal = calibrate_into(dir.path());
    check_all(&cal);
    std::fs::remove_dir_all(cal.join("charts")).expect("charts/ removed");
    let out = cordon(dir.path()).arg("plot").arg(&cal).assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(stdout.starts_with("4 charts (PNG and SVG)"), "{stdout}");
    check_all(&cal);
}

#[test]
fn the_calibration_report_is_one_page_with_sources_and_parameters() {
    let dir = temp();
    let cal = calibrate_into(dir.path());
    std::fs::remove_dir_all(cal.join("charts")).expect("charts/ removed");
    cordon(dir.path())
        .arg("report")
        .arg(&cal)
        .assert()
        .success();
    let html = read(&cal.join("report.html"));
    for section in [
        "What was observed",
        "Predictive check",
        "What the data say",
        "The sampler",
        "Reproducing this result",
        "In short",
    ] {
        assert!(html.contains(&format!(">{section}</h2>")), "no {section}");
    }
    for source in SOURCES {
        assert!(html.contains(source), "the source `{source}` is missing");
    }
    for p in PARAMETERS {
        let wrapped = p.replace('.', ".<wbr>").replace('_', "_<wbr>");
        assert!(html.contains(&wrapped), "the parameter {p} is missing");
    }
    // Every chart inline, none linked.
    assert_eq!(html.matches("<svg viewBox=").count(), 4);
    let text = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for needle in ["http://", "https://", "src=", "<link", "url("] {
        assert!(!text.contains(needle), "the page refers outside: {needle}");
    }
    // The attack count far above the rest is read out.
    assert!(html.contains("outside"), "no count outside its band");
}

#[test]
fn one_parameter_gets_no_pairs_chart() {
    let dir = temp();
    let ka = example_into(dir.path());
    cordon(dir.path()).arg("plot").arg(&ka).assert().success();
    let charts = ka.join("charts");
    check_chart(
        &charts,
        "calibration_marginals",
        &["regions.SRC_N.new_cells", "shrinkage"],
    );
    check_chart(&charts, "calibration_predictive", &["new_cells"]);
    check_chart(&charts, "calibration_tempering", &["generation"]);
    assert!(!charts.join("calibration_pairs.png").exists());
    cordon(dir.path()).arg("report").arg(&ka).assert().success();
    let html = read(&ka.join("report.html"));
    assert!(html.contains("The data pin <strong>regions.SRC_N.new_cells</strong>"));
}

#[test]
fn bad_calibration_folders_exit_2_naming_the_file() {
    let dir = temp();
    let ka = example_into(dir.path());
    let posterior = ka.join("posterior.csv");
    let text = read(&posterior).replacen("regions.SRC_N.new_cells", "regions.X.new_cells", 1);
    std::fs::write(&posterior, text).expect("posterior.csv rewritten");
    let e = refused(dir.path(), &[OsStr::new("plot"), ka.as_os_str()]);
    assert_snapshot!(
        "plot_a_posterior_of_another_scenario",
        stable(&e, &[dir.path()])
    );
    assert!(!ka.join("charts").join("calibration_marginals.png").exists());
    let e = refused(
        dir.path(),
        &[
            OsStr::new("plot"),
            OsStr::new("--variant"),
            OsStr::new("border_heavy"),
            ka.as_os_str(),
        ],
    );
    assert_snapshot!("plot_a_variant_of_a_calibration", stable(&e, &[dir.path()]));
}
