//! How to reproduce the result: the manifest's record of what ran, and the
//! command that runs it again.

use super::html::{escape, note};
use super::numbers::{count, number};
use crate::results::Manifest;

/// The section's body. `all_variants` says whether the run had every
/// variant of its scenario (`None`: unknown), which decides whether the
/// command must name them.
pub(super) fn body(m: &Manifest, all_variants: Option<bool>) -> String {
    let overrides: Vec<String> = m
        .base_overrides
        .iter()
        .map(|o| format!("{}={}", o.path, o.value))
        .collect();
    let facts: Vec<(&str, String)> = vec![
        ("cordon version", escape(&m.cordon_version)),
        ("Scenario", escape(&m.scenario.name)),
        (
            "Scenario file",
            format!("<code>{}</code>", escape(&m.scenario.path)),
        ),
        (
            "SHA-256 of the file",
            format!("<code class=\"hash\">{}</code>", escape(&m.scenario.sha256)),
        ),
        ("Seed", m.seed.to_string()),
        ("Trials per variant", count(m.trials)),
        (
            "Weeks",
            format!("{} (week 0 is week {} of the year)", m.weeks, m.start_week),
        ),
        (
            "Variants",
            escape(
                &m.variants
                    .iter()
                    .map(|v| v.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ),
        (
            "Values set",
            if overrides.is_empty() {
                "none".into()
            } else {
                format!("<code>{}</code>", escape(&overrides.join("  ")))
            },
        ),
        ("Started (UTC)", escape(&m.started_utc)),
        (
            "Run time",
            format!("{} s on {} threads", number(m.wall_seconds), m.threads),
        ),
        (
            "Command line",
            format!("<code>{}</code>", escape(&m.command_line)),
        ),
    ];
    let mut o = String::from(
        "<table class=\"facts\">\n<caption>From <code>manifest.json</code></caption>\n<tbody>\n",
    );
    for (k, v) in facts {
        o.push_str(&format!(
            "<tr><th scope=\"row\">{k}</th><td>{v}</td></tr>\n"
        ));
    }
    o.push_str("</tbody></table>\n");
    o.push_str("<p>To run it again (the scenario must have the same SHA-256):</p>\n");
    o.push_str(&format!(
        "<pre><code>{}</code></pre>\n",
        escape(&command(m, all_variants))
    ));
    o.push_str(&note(
        "The same scenario, seed and trials give byte-identical CSV files at any number of threads. The CSV files next to this report hold every value in full; this page rounds them for reading.",
    ));
    o
}

/// `cordon run` with the scenario, the `--set` values and, unless every
/// variant ran, the variants.
pub(super) fn command(m: &Manifest, all_variants: Option<bool>) -> String {
    let scenario = m
        .scenario
        .path
        .strip_prefix("builtin:")
        .unwrap_or(&m.scenario.path);
    let mut words = vec!["cordon".to_string(), "run".into(), shell_word(scenario)];
    for o in &m.base_overrides {
        words.push("--set".into());
        words.push(shell_word(&format!("{}={}", o.path, o.value)));
    }
    if let Some(p) = &m.posterior {
        words.push("--posterior".into());
        let path = p.path.strip_prefix("builtin:").unwrap_or(&p.path);
        words.push(shell_word(path));
    }
    if all_variants != Some(true) {
        for v in m.variants.iter().skip(1) {
            words.push("--variant".into());
            words.push(shell_word(&v.name));
        }
    }
    words.join(" ")
}

/// `s` quoted for a POSIX shell where needed.
pub(super) fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_only_when_the_shell_needs_it() {
        assert_eq!(shell_word("scenario.trials=300"), "scenario.trials=300");
        assert_eq!(
            shell_word("states.TJK.allocation={ border = 0.7 }"),
            "'states.TJK.allocation={ border = 0.7 }'"
        );
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }
}
