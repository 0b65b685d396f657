//! Scenarios shipped inside the binary, so that a first run needs no file.
//!
//! Every `*.toml` under `scenarios/` is embedded at build time (`build.rs`);
//! a test checks that the embedded copies equal the files.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::scenario::diagnostic::closest;

include!(concat!(env!("OUT_DIR"), "/embedded_scenarios.rs"));

/// The scenario `cordon run` uses when none is named.
pub const DEFAULT: &str = "csto-southern-frontier";

/// The scenario `cordon new` starts from by default.
pub const STARTER: &str = "minimal";

/// A built-in scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Builtin {
    pub name: &'static str,
    pub text: &'static str,
}

/// Every built-in scenario, by name.
pub fn all() -> impl Iterator<Item = Builtin> {
    EMBEDDED.iter().map(|(name, text)| Builtin { name, text })
}

/// The built-in scenario called `name` (with or without `.toml`).
pub fn find(name: &str) -> Option<Builtin> {
    let name = name.strip_suffix(".toml").unwrap_or(name);
    all().find(|b| b.name == name)
}

/// The posterior shipped with the built-in scenario `name`
/// (`scenarios/NAME.posterior.csv`), if any.
pub fn posterior(name: &str) -> Option<&'static str> {
    let name = name.strip_suffix(".toml").unwrap_or(name);
    EMBEDDED_POSTERIORS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

/// The first sentence of a built-in's `[scenario] description`, on one line.
pub fn description(b: Builtin) -> String {
    let parsed: std::result::Result<toml::Table, _> = toml::from_str(b.text);
    parsed
        .ok()
        .and_then(|t| {
            t.get("scenario")?
                .get("description")?
                .as_str()
                .map(str::to_string)
        })
        .map(|d| {
            let line = d.split_whitespace().collect::<Vec<_>>().join(" ");
            match line.find(". ") {
                Some(i) => line[..=i].to_string(),
                None => line,
            }
        })
        .unwrap_or_default()
}

/// Where a scenario comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScenarioSource {
    /// A file on disk.
    File(PathBuf),
    /// A scenario embedded in the binary.
    Builtin(Builtin),
}

impl ScenarioSource {
    /// The name shown to users and used for default output folders.
    pub fn stem(&self) -> String {
        match self {
            ScenarioSource::File(p) => p
                .file_stem()
                .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned()),
            ScenarioSource::Builtin(b) => b.name.to_string(),
        }
    }

    /// How it is named in messages and the manifest.
    pub fn display(&self) -> String {
        match self {
            ScenarioSource::File(p) => p.display().to_string(),
            ScenarioSource::Builtin(b) => format!("builtin:{}", b.name),
        }
    }
}

/// Resolves a command-line scenario argument: an existing file, else a
/// built-in name; `None` is the default built-in scenario.
pub fn resolve(arg: Option<&Path>) -> Result<ScenarioSource> {
    let Some(arg) = arg else {
        return find(DEFAULT).map(ScenarioSource::Builtin).ok_or_else(|| {
            Error::Invalid(format!("the default scenario `{DEFAULT}` is not built in"))
        });
    };
    if arg.exists() {
        return Ok(ScenarioSource::File(arg.to_path_buf()));
    }
    let name = arg.to_string_lossy();
    if let Some(b) = find(&name) {
        return Ok(ScenarioSource::Builtin(b));
    }
    let names: Vec<&str> = all().map(|b| b.name).collect();
    let hint = closest(
        name.strip_suffix(".toml").unwrap_or(&name),
        names.iter().copied(),
    )
    .map_or(String::new(), |c| format!(" (did you mean `{c}`?)"));
    Err(Error::Invalid(format!(
        "no scenario file {} and no built-in scenario of that name{hint}; built-in scenarios: {} (see `cordon scenarios`)",
        arg.display(),
        names.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_to_builtins_and_strangers_get_the_list() {
        assert_eq!(
            resolve(None).unwrap(),
            ScenarioSource::Builtin(find(DEFAULT).unwrap())
        );
        assert!(
            matches!(resolve(Some(Path::new("minimal"))), Ok(ScenarioSource::Builtin(b)) if b.name == "minimal")
        );
        assert!(matches!(
            resolve(Some(Path::new("minimal.toml"))),
            Ok(ScenarioSource::Builtin(_))
        ));
        let Err(Error::Invalid(msg)) = resolve(Some(Path::new("minimall"))) else {
            panic!()
        };
        assert!(
            msg.contains("did you mean `minimal`") && msg.contains(DEFAULT),
            "{msg}"
        );
    }
}
