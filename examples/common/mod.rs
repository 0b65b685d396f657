//! What the calibration examples share: the one-border world of the
//! known-answer test (`tests/data/calibration/known_answer.toml`), without
//! its `[[uncertain]]` and `[[observed]]` tables.

/// The known-answer scenario file.
const KNOWN_ANSWER: &str = include_str!("../../tests/data/calibration/known_answer.toml");

/// The world named `name`, over `weeks` weeks, with `seed`; each example
/// appends its own `[model]`, `[[uncertain]]` and `[[observed]]` tables.
pub fn world(name: &str, weeks: usize, seed: u64) -> String {
    let start = KNOWN_ANSWER
        .find("[scenario]")
        .expect("the file has [scenario]");
    let end = KNOWN_ANSWER
        .find("[[uncertain]]")
        .expect("the file has [[uncertain]]");
    let text = &KNOWN_ANSWER[start..end];
    let replaced = text
        .replacen("name = \"known_answer\"", &format!("name = \"{name}\""), 1)
        .replacen("weeks = 260", &format!("weeks = {weeks}"), 1)
        .replacen("seed = 3", &format!("seed = {seed}"), 1);
    assert!(
        replaced.contains(&format!("name = \"{name}\""))
            && replaced.contains(&format!("weeks = {weeks}")),
        "the known-answer file changed its [scenario] table"
    );
    format!("\n{replaced}")
}
